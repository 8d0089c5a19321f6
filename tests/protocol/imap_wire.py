# SPDX-License-Identifier: MIT
"""A byte-exact IMAP client for the FETCH, STORE and SEARCH tests: raw
commands, responses with their literals, and a parser for response data
(so that quoted-versus-literal choices do not matter to comparisons)."""
import re
import socket
import time

LITERAL_RE = re.compile(rb"~?\{(\d+)\}\r\n$")
TOKEN_RE = re.compile(rb"[^ ()\[\]{\"\r\n]+(\[[^\]]*\](<\d+>)?)?")


class Wire:
    """One connection. Responses are bytes without the final CRLF, with
    literals inlined as {n}CRLF<data>."""

    def __init__(self, host, port, timeout=20):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.timeout = timeout
        self.buf = b""
        self.tagno = 0
        self.greeting = self.response()

    @classmethod
    def connect(cls, server, user=None, password=None, timeout=20):
        w = cls("127.0.0.1", server.ports["imap"], timeout)
        if user is not None:
            w.ok(b"LOGIN %s %s" % (user.encode(), password.encode()))
        return w

    def close(self):
        self.sock.close()

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise EOFError("connection closed")
        self.buf += chunk

    def _readline(self):
        while b"\r\n" not in self.buf:
            self._fill()
        i = self.buf.index(b"\r\n") + 2
        line, self.buf = self.buf[:i], self.buf[i:]
        return line

    def _readn(self, n):
        while len(self.buf) < n:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def response(self):
        """The next response with its literals."""
        out = b""
        while True:
            part = self._readline()
            out += part
            m = LITERAL_RE.search(part)
            if not m:
                return out[:-2]
            out += self._readn(int(m.group(1)))

    def tag(self):
        self.tagno += 1
        return b"W%d" % self.tagno

    def until_tagged(self, tag):
        untagged = []
        while True:
            r = self.response()
            if r.startswith(tag + b" "):
                return untagged, r
            untagged.append(r)

    def cmd(self, text):
        """Sends `text` (bytes or str) with a new tag: (untagged, tagged).
        Synchronising literals in text must use {n+}."""
        if isinstance(text, str):
            text = text.encode()
        tag = self.tag()
        self.send(tag + b" " + text + b"\r\n")
        return self.until_tagged(tag)

    def ok(self, text):
        untagged, tagged = self.cmd(text)
        assert re.match(rb"W\d+ OK", tagged), (text, untagged, tagged)
        return untagged

    def status(self, text):
        """The tagged status word (OK, NO, BAD) and the whole reply."""
        untagged, tagged = self.cmd(text)
        return tagged.split(b" ")[1].decode(), untagged, tagged

    def append(self, mailbox, message, flags=b"", date=None):
        """APPEND with a non-synchronising literal (LITERAL+)."""
        args = b""
        if flags:
            args += b" (" + flags + b")"
        if date:
            args += b' "' + date.encode() + b'"'
        tag = self.tag()
        self.send(tag + b" APPEND " + mailbox + args +
                  b" {%d+}\r\n" % len(message) + message + b"\r\n")
        untagged, tagged = self.until_tagged(tag)
        assert tagged.startswith(tag + b" OK"), tagged
        return tagged

    def fetch(self, text):
        """Runs a FETCH; returns {seq: {ITEM: value}} merged over all
        responses (later responses for a message add to earlier ones)."""
        untagged = self.ok(text)
        return fetch_map(untagged)

    def drain(self, wait=0.3):
        time.sleep(wait)
        self.sock.settimeout(0.1)
        try:
            while True:
                try:
                    chunk = self.sock.recv(1 << 20)
                except socket.timeout:
                    break
                if not chunk:
                    break
                self.buf += chunk
        finally:
            self.sock.settimeout(self.timeout)
        data, self.buf = self.buf, b""
        return data


def parse_value(data, pos=0):
    """Parses one IMAP value at data[pos:]: NIL -> None, number or atom ->
    ("atom", bytes), quoted or literal -> bytes, list -> list. Returns
    (value, new position)."""
    c = data[pos:pos + 1]
    if c == b"(":
        items = []
        pos += 1
        while True:
            while data[pos:pos + 1] == b" ":
                pos += 1
            if data[pos:pos + 1] == b")":
                return items, pos + 1
            if pos >= len(data):
                raise ValueError("unterminated list")
            v, pos = parse_value(data, pos)
            items.append(v)
    if c == b'"':
        out = bytearray()
        pos += 1
        while data[pos:pos + 1] != b'"':
            if pos >= len(data):
                raise ValueError("unterminated quoted string")
            if data[pos:pos + 1] == b"\\":
                pos += 1
            out += data[pos:pos + 1]
            pos += 1
        return bytes(out), pos + 1
    if c in (b"{", b"~"):
        m = re.compile(rb"~?\{(\d+)\}\r\n").match(data, pos)
        n = int(m.group(1))
        start = m.end()
        if start + n > len(data):
            raise ValueError("short literal")
        return bytes(data[start:start + n]), start + n
    m = TOKEN_RE.match(data, pos)
    if not m:
        raise ValueError("bad token at %d: %r" % (pos, data[pos:pos + 20]))
    tok = m.group(0)
    if tok == b"NIL":
        return None, m.end()
    return ("atom", tok), m.end()


FETCH_RE = re.compile(rb"\* (\d+) FETCH ")


def parse_fetch(line):
    """'* 3 FETCH (K V ...)' -> (3, [(K, V), ...]) in response order, K
    upper-cased text; None if the line is not a FETCH response."""
    m = FETCH_RE.match(line)
    if not m:
        return None
    lst, end = parse_value(line, m.end())
    assert end == len(line), (line, end)
    assert len(lst) % 2 == 0, line
    pairs = []
    for i in range(0, len(lst), 2):
        key = lst[i]
        assert isinstance(key, tuple), line
        pairs.append((key[1].decode().upper(), lst[i + 1]))
    return int(m.group(1)), pairs


def fetch_map(untagged):
    out = {}
    for line in untagged:
        r = parse_fetch(line)
        if r is None:
            continue
        seq, pairs = r
        out.setdefault(seq, {}).update(pairs)
    return out


def search_result(untagged):
    """The numbers of the '* SEARCH' response (exactly one expected)."""
    found = [u for u in untagged if u.upper().startswith(b"* SEARCH")]
    assert len(found) == 1, untagged
    return [int(x) for x in found[0].split()[2:]]


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


def crlf(data):
    """Message bytes with every line ending CRLF (as the store keeps
    them)."""
    return re.sub(rb"\r?\n", b"\r\n", data)
