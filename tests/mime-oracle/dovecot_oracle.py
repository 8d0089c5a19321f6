#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Differential oracle: compares Coffer's MIME layer (mime-dump) with a
private Dovecot on loopback. See README.md in this directory."""
import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

CONF = """
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
first_valid_uid = 1
default_internal_user = dovecot
default_login_user = dovenull
passdb {{
  driver = static
  args = password=oracle
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={d}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Dovecot:
    """A private Dovecot started from a temporary directory."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="coffer-oracle-")
        os.chmod(self.dir, 0o755)
        self.port = free_port()
        home = os.path.join(self.dir, "home")
        os.makedirs(home)
        nobody = 65534
        os.chown(home, nobody, nobody)
        conf = os.path.join(self.dir, "dovecot.conf")
        with open(conf, "w") as f:
            f.write(CONF.format(d=self.dir, port=self.port, uid=nobody,
                                gid=nobody))
        out = open(os.path.join(self.dir, "stdout.log"), "w")
        self.proc = subprocess.Popen(["dovecot", "-F", "-c", conf],
                                     stdout=out, stderr=out)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 1).close()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("dovecot did not start, see " + self.dir)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


class Imap:
    """Just enough of an IMAP client: raw bytes, literals in and out."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), 10)
        self.sock.settimeout(30)
        self.rbuf = b""
        self.tag = 0
        self.readline()
        self.command(b"LOGIN oracle oracle")

    def readline(self):
        while b"\r\n" not in self.rbuf:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError
            self.rbuf += data
        line, self.rbuf = self.rbuf.split(b"\r\n", 1)
        return line

    def readn(self, n):
        while len(self.rbuf) < n:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError
            self.rbuf += data
        data, self.rbuf = self.rbuf[:n], self.rbuf[n:]
        return data

    def read_response(self):
        """One response line with its literals inlined (as {n}\\r\\n...)."""
        line = self.readline()
        while True:
            m = re.search(rb"\{(\d+)\}$", line)
            if not m:
                return line
            lit = self.readn(int(m.group(1)))
            line = line + b"\r\n" + lit + self.readline()

    def command(self, cmd, literal=None):
        self.tag += 1
        tag = b"T%d" % self.tag
        if literal is not None:
            self.sock.sendall(tag + b" " + cmd + b" ~{%d}\r\n" % len(literal))
            line = self.readline()
            if not line.startswith(b"+"):
                raise RuntimeError(line)
            self.sock.sendall(literal + b"\r\n")
        else:
            self.sock.sendall(tag + b" " + cmd + b"\r\n")
        untagged = []
        while True:
            line = self.read_response()
            if line.startswith(tag + b" "):
                if not line.startswith(tag + b" OK"):
                    raise RuntimeError(line)
                return untagged
            untagged.append(line)


# --- a tiny parser for IMAP response data ---------------------------------

def parse_sexp(data, pos=0):
    """Parses one IMAP value: NIL, number, atom, quoted, literal or list.
    Returns (value, newpos). Strings are bytes, lists are Python lists."""
    c = data[pos:pos + 1]
    if c == b"(":
        items = []
        pos += 1
        while True:
            while data[pos:pos + 1] == b" ":
                pos += 1
            if data[pos:pos + 1] == b")":
                return items, pos + 1
            v, pos = parse_sexp(data, pos)
            items.append(v)
    if c == b'"':
        out = bytearray()
        pos += 1
        while data[pos:pos + 1] != b'"':
            if data[pos:pos + 1] == b"\\":
                pos += 1
            out += data[pos:pos + 1]
            pos += 1
        return bytes(out), pos + 1
    if c in (b"{", b"~"):
        m = re.compile(rb"~?\{(\d+)\}\r\n").match(data, pos)
        n = int(m.group(1))
        start = m.end()
        return bytes(data[start:start + n]), start + n
    m = re.compile(rb"[^ ()\[\]]+(\[[^\]]*\](<\d+>)?)?").match(data, pos)
    tok = m.group(0)
    if tok == b"NIL":
        return None, m.end()
    return ("atom", tok), m.end()


def fetch_items(line):
    """'* 1 FETCH (K V K V)' -> dict."""
    m = re.match(rb"\* \d+ FETCH ", line)
    lst, _ = parse_sexp(line, m.end())
    out = {}
    for i in range(0, len(lst), 2):
        out[lst[i][1].decode()] = lst[i + 1]
    return out


def canon(v):
    """Canonical text of a parsed value (quoting differences vanish)."""
    if v is None:
        return "NIL"
    if isinstance(v, tuple):
        return v[1].decode()
    if isinstance(v, bytes):
        return '"' + v.decode("latin-1").encode("unicode_escape").decode() \
            .replace('"', '\\"') + '"'
    return "(" + " ".join(canon(x) for x in v) + ")"


def sections(bs, prefix=""):
    """Section numbers of a parsed BODYSTRUCTURE (RFC 3501 6.4.5)."""
    out = []
    if isinstance(bs[0], list):
        n = 0
        for child in bs:
            if not isinstance(child, list):
                break
            n += 1
            num = prefix + str(n)
            out.append(num)
            out += sections(child, num + ".")
        return out
    if bs[0] and bs[0].lower() == b"message" and bs[1] and \
            bs[1].lower() in (b"rfc822", b"global") and len(bs) > 9 and \
            isinstance(bs[8], list):
        inner = bs[8]
        if isinstance(inner[0], list):
            out += sections(inner, prefix)
        else:
            out.append(prefix + "1")
            out += sections(inner, prefix + "1.")
    return out


FILTER = b"(FROM SUBJECT)"


def is_message(bs):
    return not isinstance(bs[0], list) and bs[0] and \
        bs[0].lower() == b"message" and bs[1] and bs[1].lower() == b"rfc822"


def part_of(bs, path):
    """The BODYSTRUCTURE element for a section path."""
    node = bs
    for i, n in enumerate(int(x) for x in path.split(".")):
        if isinstance(node[0], list):
            node = node[n - 1]
        elif i == 0:
            continue
        else:
            inner = node[8]
            node = inner[n - 1] if isinstance(inner[0], list) else inner
    return node


def fetch_lines(imap, uid, atts):
    res = imap.command(b"UID FETCH %d (%s)" % (uid, b" ".join(atts)))
    items = fetch_items(res[0])
    return ["%s\t%s" % (k, canon(items[k])) for k in sorted(items)
            if k != "UID"]


def dovecot_answers(imap, uid):
    """Canonical lines for one message from Dovecot."""
    res = imap.command(b"UID FETCH %d (ENVELOPE BODY BODYSTRUCTURE)" % uid)
    items = fetch_items(res[0])
    lines = ["ENVELOPE\t" + canon(items["ENVELOPE"]),
             "BODY\t" + canon(items["BODY"]),
             "BODYSTRUCTURE\t" + canon(items["BODYSTRUCTURE"])]
    bs = items["BODYSTRUCTURE"]
    lines += fetch_lines(imap, uid, [
        b"BODY.PEEK[HEADER]", b"BODY.PEEK[TEXT]",
        b"BODY.PEEK[HEADER.FIELDS " + FILTER + b"]",
        b"BODY.PEEK[HEADER.FIELDS.NOT " + FILTER + b"]"])
    secs = ["1"] if not isinstance(bs[0], list) else []
    secs += sections(bs) if isinstance(bs[0], list) else \
        [s for s in sections(bs, "1.")]
    for s in secs:
        atts = [b"BODY.PEEK[%s.MIME]" % s.encode(),
                b"BODY.PEEK[%s]" % s.encode()]
        if is_message(part_of(bs, s)):
            atts += [b"BODY.PEEK[%s.HEADER]" % s.encode(),
                     b"BODY.PEEK[%s.TEXT]" % s.encode()]
        lines += fetch_lines(imap, uid, atts)
    return lines


def coffer_answers(dump, path):
    out = subprocess.run([dump, path], capture_output=True, check=True).stdout
    lines = []
    for line in out.split(b"\n"):
        if not line:
            continue
        key, _, rest = line.rpartition(b" ")
        raw = bytes.fromhex(rest.decode())
        if key in (b"ENVELOPE", b"BODY", b"BODYSTRUCTURE"):
            v, _ = parse_sexp(raw)
        else:
            v = raw
        lines.append("%s\t%s" % (key.decode(), canon(v)))
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--dump", help="Coffer's mime-dump tool; compare")
    ap.add_argument("--max-keys", type=int, default=8,
                    help="differing items shown per message")
    ap.add_argument("--raw", action="store_true",
                    help="print Dovecot's raw FETCH responses")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    dc = Dovecot()
    diffs = 0
    try:
        imap = Imap(dc.port)
        imap.command(b"SELECT INBOX")
        uid = 0
        for path in args.files:
            with open(path, "rb") as f:
                msg = f.read()
            if not msg:
                print("skip", path, "(Dovecot refuses empty messages)")
                continue
            imap.command(b"APPEND INBOX", msg)
            uid += 1
            if args.raw:
                print("==", path)
                for line in imap.command(b"UID FETCH %d (ENVELOPE BODY "
                                         b"BODYSTRUCTURE)" % uid):
                    print(line.decode("latin-1"))
                continue
            theirs = dovecot_answers(imap, uid)
            if not args.dump:
                print("==", path)
                print("\n".join(theirs).replace("\t", " "))
                continue
            ours = coffer_answers(args.dump, path)
            t = dict(line.split("\t", 1) for line in theirs)
            o = dict(line.split("\t", 1) for line in ours)
            if t == o:
                print("same", path)
                continue
            diffs += 1
            print("DIFF", path)
            keys = [k for k in list(t) + [k for k in o if k not in t]
                    if t.get(k) != o.get(k)]
            for k in keys[:args.max_keys]:
                print("  %s" % k)
                print("    dovecot:", t.get(k, "(missing)"))
                print("    coffer: ", o.get(k, "(missing)"))
            if len(keys) > args.max_keys:
                print("  ... and %d more differing items" %
                      (len(keys) - args.max_keys))
    finally:
        dc.stop()
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
