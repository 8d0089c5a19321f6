# SPDX-License-Identifier: MIT
"""POP3 (RFC 1939, 2449, 5034) against cofferd: Python poplib, raw
sockets for pipelining and malformed input, curl, fetchmail and getmail6,
and two cofferd processes sharing one store for the maildrop lock.

Messages are put into the store with tests/tools/store-tool (the POP3
service only reads mail)."""
import base64
import os
import pathlib
import poplib
import re
import shutil
import signal
import socket
import subprocess
import threading
import time

import pytest

from conftest import CLIENT_TIMEOUT, as_nobody, binary, is_root, nobody

USERS = {"alice": "s3cret", "bob": "b0b-pw"}
ALICE = "alice@example.com"

MSG1 = (b"From: a@example.org\r\nTo: alice@example.com\r\n"
        b"Subject: one\r\n\r\nbody one\r\n")
MSG2 = (b"From: b@example.org\r\nSubject: dots\r\n\r\n"
        b".starts with a dot\r\n..two\r\n.\r\nlast\r\n")
MSG3 = b"Subject: three\r\n\r\nline 1\r\nline 2\r\nline 3\r\n"

pytestmark = pytest.mark.coffer(users=USERS, services="pop3")


# -- helpers -------------------------------------------------------------------

def put(server, user, *messages):
    """Appends messages to user's INBOX; returns [(uidvalidity, uid)]."""
    files = []
    for i, msg in enumerate(messages):
        path = server.root / f"msg-{time.monotonic_ns()}-{i}"
        path.write_bytes(msg)
        if server.run_as == "nobody":
            os.chown(path, nobody().pw_uid, nobody().pw_gid)
        files.append(str(path))
    r = server.run("store-tool", "append", user, *files)
    assert r.returncode == 0, r.stderr
    for f in files:
        os.unlink(f)
    return [tuple(int(x) for x in line.split())
            for line in r.stdout.splitlines()]


def status(server, user):
    r = server.run("store-tool", "status", user)
    assert r.returncode == 0, r.stderr
    return dict(kv.split("=") for kv in r.stdout.split())


def messages(server, user=ALICE):
    return int(status(server, user)["messages"])


class Raw:
    """A raw POP3 connection: bytes in, lines out."""

    def __init__(self, server, greeting=True):
        self.sock = server.connect("pop3")
        self.buf = b""
        if greeting:
            assert self.line().startswith("+OK")

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError(self.buf)
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line.decode("latin-1")

    def cmd(self, line):
        self.send(line + "\r\n")
        return self.line()

    def multiline(self):
        """The lines of a multi-line body, unstuffed (RFC 1939 sec. 3)."""
        lines = []
        while True:
            line = self.line()
            if line == ".":
                return lines
            lines.append(line[1:] if line.startswith(".") else line)

    def closed(self):
        """True if the server closed the connection (data is ignored)."""
        self.sock.settimeout(CLIENT_TIMEOUT)
        try:
            while self.sock.recv(65536):
                pass
        except (ConnectionResetError, socket.timeout):
            return False
        return True

    def close(self):
        self.sock.close()


def login(server, user="alice", password="s3cret"):
    return server.pop3(user, password)


# -- poplib: every command ---------------------------------------------------

def test_capabilities(coffer):
    c = coffer.pop3()
    assert c.getwelcome().startswith(b"+OK")
    # no APOP timestamp in the greeting: APOP is not offered
    assert b"<" not in c.getwelcome()
    caps = c.capa()
    for cap in ("TOP", "UIDL", "USER", "RESP-CODES", "AUTH-RESP-CODE",
                "PIPELINING"):
        assert cap in caps, caps
    assert caps["SASL"] == ["PLAIN"]
    assert caps["EXPIRE"] == ["NEVER"]
    assert caps["IMPLEMENTATION"][0].startswith("Coffer-")
    assert "STLS" not in caps  # no certificate configured
    assert "LOGIN-DELAY" not in caps
    c.user("alice")
    c.pass_("s3cret")
    assert c.capa() == caps  # RFC 2449 section 5: both states
    c.quit()


def test_all_commands(coffer):
    ids = put(coffer, "alice", MSG1, MSG2, MSG3)
    c = login(coffer)
    total = len(MSG1) + len(MSG2) + len(MSG3)
    assert c.stat() == (3, total)
    resp, listing, _ = c.list()
    assert resp.startswith(b"+OK")
    # exact octets as stored (CRLF), RFC 1939 section 11
    assert listing == [b"1 %d" % len(MSG1), b"2 %d" % len(MSG2),
                       b"3 %d" % len(MSG3)]
    assert c.list(2) == b"+OK 2 %d" % len(MSG2)
    # UIDL: "<uidvalidity>.<uid>", the numbers IMAP shows
    resp, uidls, _ = c.uidl()
    assert uidls == [b"%d %d.%d" % (i + 1, v, u)
                     for i, (v, u) in enumerate(ids)]
    assert c.uidl(3) == b"+OK 3 %d.%d" % ids[2]
    resp, lines, octets = c.retr(2)
    assert resp == b"+OK %d octets" % len(MSG2)
    assert b"\r\n".join(lines) + b"\r\n" == MSG2  # poplib unstuffs
    resp, lines, _ = c.top(3, 1)
    assert lines == [b"Subject: three", b"", b"line 1"]
    resp, lines, _ = c.top(3, 0)
    assert lines == [b"Subject: three", b""]
    assert c.noop().startswith(b"+OK")
    assert c.dele(1) == b"+OK Message 1 deleted"
    assert c.stat() == (2, len(MSG2) + len(MSG3))
    assert [x.split()[0] for x in c.list()[1]] == [b"2", b"3"]
    with pytest.raises(poplib.error_proto, match="already deleted"):
        c.dele(1)
    with pytest.raises(poplib.error_proto):
        c.retr(1)
    assert c.rset().startswith(b"+OK")
    assert c.stat() == (3, total)
    c.dele(1)
    c.dele(3)
    assert c.quit() == b"+OK Logging out (1 messages left)"
    assert messages(coffer) == 1
    c = login(coffer)
    assert c.uidl(1) == b"+OK 1 %d.%d" % ids[1]  # stable across sessions
    c.quit()


def test_errors_keep_the_session(coffer):
    put(coffer, "alice", MSG1)
    r = Raw(coffer)
    assert r.cmd("STAT").startswith("-ERR")        # wrong state
    assert r.cmd("PASS s3cret").startswith("-ERR")  # no USER yet
    assert r.cmd("XYZZY") == "-ERR Unknown command"
    assert r.cmd("USER alice") == "+OK Send PASS"
    assert r.cmd("PASS s3cret").startswith("+OK Maildrop locked")
    assert r.cmd("USER alice").startswith("-ERR")   # wrong state
    for bad in ("RETR 0", "RETR 1x", "TOP 1 x"):
        assert r.cmd(bad).startswith("-ERR"), bad
    # numbers out of range are ordinary errors, not counted
    assert r.cmd("RETR 2") == \
        "-ERR No such message, only 1 messages in maildrop"
    assert r.cmd("LIST 4294967295").startswith("-ERR No such message")
    # an over-long line: one -ERR, then the session goes on
    r.send("NOOP " + "x" * 10000 + "\r\n")
    assert r.line() == "-ERR Line too long"
    assert r.cmd("STAT") == "+OK 1 %d" % len(MSG1)
    assert r.cmd("BOGUS") == "-ERR Unknown command"
    # the tenth protocol error closes the connection
    assert r.cmd("BOGUS") == "-ERR Too many bad commands, closing connection"
    assert r.closed()
    r.close()
    r = Raw(coffer)
    r.cmd("USER alice")
    r.cmd("PASS s3cret")
    for bad in ("RETR -1", "RETR 99999999999", "LIST 1 2", "TOP 1",
                "DELE", "STAT 1", "RETR\t1", "RETR 1\x00"):
        assert r.cmd(bad).startswith("-ERR"), bad
    assert r.cmd("QUIT").startswith("+OK")
    r.close()
    assert messages(coffer) == 1


def test_pipelining(coffer):
    put(coffer, "alice", MSG1, MSG2)
    r = Raw(coffer)
    # RFC 2449 section 6.6: all at once, answered in order
    r.send("CAPA\r\nUSER alice\r\nPASS s3cret\r\nSTAT\r\nLIST\r\n"
           "RETR 2\r\nUIDL\r\nTOP 1 0\r\nDELE 1\r\nNOOP\r\nQUIT\r\n")
    assert r.line().startswith("+OK")
    assert "PIPELINING" in r.multiline()
    assert r.line() == "+OK Send PASS"
    assert r.line().startswith("+OK Maildrop locked")
    assert r.line() == "+OK 2 %d" % (len(MSG1) + len(MSG2))
    assert r.line().startswith("+OK 2 messages")
    assert r.multiline() == ["1 %d" % len(MSG1), "2 %d" % len(MSG2)]
    assert r.line() == "+OK %d octets" % len(MSG2)
    assert "\r\n".join(r.multiline()).encode() + b"\r\n" == MSG2
    assert r.line().startswith("+OK")
    assert len(r.multiline()) == 2
    assert r.line().startswith("+OK")
    assert r.multiline()[-1] == ""
    assert r.line() == "+OK Message 1 deleted"
    assert r.line() == "+OK"
    assert r.line() == "+OK Logging out (1 messages left)"
    assert r.closed()
    assert messages(coffer) == 1


def test_auth_plain(coffer):
    put(coffer, "alice", MSG1)
    r = Raw(coffer)
    creds = base64.b64encode(b"\0alice\0s3cret").decode()
    assert r.cmd("AUTH") == "+OK Supported mechanisms follow"
    assert r.multiline() == ["PLAIN"]
    assert r.cmd("AUTH PLAIN") == "+ "      # RFC 5034: empty challenge
    assert r.cmd("*") == "-ERR Authentication cancelled"
    assert r.cmd("AUTH PLAIN ###").startswith("-ERR")
    assert r.cmd("AUTH PLAIN =").startswith("-ERR [AUTH]")
    bad = base64.b64encode(b"\0alice\0wrong").decode()
    assert r.cmd("AUTH PLAIN " + bad) == "-ERR [AUTH] Authentication failed"
    assert r.cmd("AUTH DIGEST-MD5").startswith("-ERR")
    assert r.cmd("AUTH PLAIN") == "+ "
    assert r.cmd(creds).startswith("+OK Maildrop locked")
    assert r.cmd("STAT") == "+OK 1 %d" % len(MSG1)
    r.close()
    # with an initial response, and an authorization identity equal to
    # the authentication identity
    r = Raw(coffer)
    ir = base64.b64encode(b"alice@example.com\0alice\0s3cret").decode()
    assert r.cmd("AUTH PLAIN " + ir).startswith("+OK")
    assert r.cmd("QUIT").startswith("+OK")
    r.close()


@pytest.mark.coffer(users=USERS, services="pop3",
                    options={"login_disabled": "true"})
def test_login_disabled(coffer):
    c = coffer.pop3()
    caps = c.capa()
    assert "USER" not in caps and "SASL" not in caps
    with pytest.raises(poplib.error_proto, match=r"\[AUTH\] Plaintext"):
        c.user("alice")
    r = Raw(coffer)
    creds = base64.b64encode(b"\0alice\0s3cret").decode()
    assert r.cmd("AUTH PLAIN " + creds).startswith("-ERR [AUTH]")
    r.close()
    c.quit()


def test_refusals(coffer):
    coffer.add_user("dis", "pw")
    coffer.msadm("add", "-d", "-f", "dis")
    coffer.msadm("passwd", "-p", "pw", "dis")
    coffer.msadm("service", "pop", "deny", "bob")
    r = Raw(coffer)
    t = time.monotonic()
    assert r.cmd("USER alice") == "+OK Send PASS"
    assert r.cmd("PASS wrong") == "-ERR [AUTH] Authentication failed"
    assert time.monotonic() - t >= 0.4  # the failed-login delay
    # an unknown user gets the same answer (RFC 1939 section 13)
    assert r.cmd("USER nobody-here") == "+OK Send PASS"
    assert r.cmd("PASS wrong") == "-ERR [AUTH] Authentication failed"
    r.close()
    r = Raw(coffer)
    assert r.cmd("USER dis") == "+OK Send PASS"
    assert r.cmd("PASS pw") == "-ERR [AUTH] Account is disabled"
    assert r.cmd("USER bob") == "+OK Send PASS"
    assert r.cmd("PASS b0b-pw") == \
        "-ERR [AUTH] POP3 access is not allowed for this account"
    # nologin: the first line of the file, then the connection closes
    (coffer.data_dir / "nologin").write_text("Back at 10:00\nmore\n")
    assert r.cmd("USER alice") == "+OK Send PASS"
    assert r.cmd("PASS s3cret") == "-ERR [SYS/TEMP] Back at 10:00"
    assert r.closed()
    r.close()
    (coffer.data_dir / "nologin").unlink()
    login(coffer).quit()


@pytest.mark.coffer(users=USERS, services="pop3",
                    options={"accessible_services": "pop=deny"})
def test_global_service_deny(coffer):
    coffer.msadm("service", "pop", "allow", "bob")
    with pytest.raises(poplib.error_proto, match=r"\[AUTH\] POP3 access"):
        login(coffer)
    login(coffer, "bob", "b0b-pw").quit()


def test_dropped_connection_deletes_nothing(coffer):
    put(coffer, "alice", MSG1, MSG2)
    r = Raw(coffer)
    r.cmd("USER alice")
    assert r.cmd("PASS s3cret").startswith("+OK")
    assert r.cmd("DELE 1").startswith("+OK")
    assert r.cmd("DELE 2").startswith("+OK")
    r.close()  # no QUIT: no UPDATE state (RFC 1939 section 6)
    deadline = time.monotonic() + 10
    while True:  # the server notices the close and drops the lock
        try:
            c = login(coffer)
            break
        except poplib.error_proto as e:
            assert b"[IN-USE]" in e.args[0]
            assert time.monotonic() < deadline
            time.sleep(0.05)
    assert c.stat()[0] == 2
    c.quit()


def test_in_use_same_process(coffer):
    a = login(coffer)
    with pytest.raises(poplib.error_proto, match=r"\[IN-USE\]"):
        login(coffer)
    login(coffer, "bob", "b0b-pw").quit()  # other accounts are free
    a.quit()
    login(coffer).quit()


def test_concurrent_logins_one_holder(coffer):
    """Many clients race for one maildrop: at any moment at most one is
    in the TRANSACTION state, the others get [IN-USE], nothing else."""
    put(coffer, "alice", MSG1)
    holder = threading.Lock()
    results = {"in": 0, "busy": 0, "errors": []}

    def client():
        for _ in range(15):
            try:
                c = coffer.pop3()
                c.user("alice")
                c.pass_("s3cret")
            except poplib.error_proto as e:
                if b"[IN-USE]" in e.args[0]:
                    results["busy"] += 1
                else:
                    results["errors"].append(e)
                c.close()
                continue
            if not holder.acquire(blocking=False):
                results["errors"].append("two sessions in TRANSACTION")
            else:
                results["in"] += 1
                c.stat()
                c.retr(1)
                holder.release()
            c.quit()

    threads = [threading.Thread(target=client) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not results["errors"], results["errors"]
    assert results["in"] > 0 and results["busy"] > 0, results
    assert messages(coffer) == 1


@pytest.mark.coffer(users=USERS, services="pop3",
                    options={"login_delay": "3600"})
def test_login_delay(coffer):
    c = coffer.pop3()
    assert c.capa()["LOGIN-DELAY"] == ["3600"]
    c.user("alice")
    c.pass_("s3cret")
    c.quit()
    with pytest.raises(poplib.error_proto, match=r"\[LOGIN-DELAY\]"):
        login(coffer)
    login(coffer, "bob", "b0b-pw").quit()


@pytest.mark.coffer(users=USERS, services="pop3",
                    options={"preauth_timeout": "1"})
def test_idle_timeout_before_login(coffer):
    r = Raw(coffer)
    t = time.monotonic()
    # RFC 1939 section 3: closed without a response
    assert r.sock.recv(100) == b""
    assert time.monotonic() - t >= 0.9
    r.close()


@pytest.mark.coffer(users=USERS, services="pop3",
                    options={"max_net_buffer": "4096"})
def test_large_message_and_many_messages(coffer):
    # 4 KiB of output buffer: RETR, LIST and UIDL must wait for the
    # client instead of overflowing it
    big = b"Subject: big\r\n\r\n" + b"".join(
        b"%s%06d lorem ipsum dolor sit amet\r\n" % (b"." if i % 7 == 0
                                                     else b"", i)
        for i in range(200000))
    put(coffer, "alice", big)
    put(coffer, "alice", *([MSG3] * 600))
    c = login(coffer)
    assert c.stat() == (601, len(big) + 600 * len(MSG3))
    resp, lines, _ = c.retr(1)
    assert b"\r\n".join(lines) + b"\r\n" == big
    assert len(c.list()[1]) == 601
    assert len(c.uidl()[1]) == 601
    c.quit()
    assert "overflow" not in coffer.log()


def test_as_ordinary_user(coffer_factory):
    if not is_root():
        pytest.skip("needs root to run cofferd as nobody")
    server = coffer_factory(users=USERS, services="pop3", run_as="nobody",
                            start=True)
    put(server, "alice", MSG1)
    c = login(server)
    assert c.stat() == (1, len(MSG1))
    c.dele(1)
    c.quit()
    assert messages(server) == 0


# -- two cofferd processes on one store --------------------------------------

def second_server(coffer_factory, first):
    """Another cofferd -S pop3 on its own ports and run_dir but first's
    data_dir (accounts and mail)."""
    return coffer_factory(services="pop3", label="cofferd2",
                          share_store=first, start=True)


def test_in_use_across_processes(coffer, coffer_factory):
    put(coffer, "alice", MSG1)
    other = second_server(coffer_factory, coffer)
    a = login(coffer)
    with pytest.raises(poplib.error_proto, match=r"\[IN-USE\]"):
        login(other)
    a.dele(1)
    a.quit()
    b = login(other)
    assert b.stat() == (0, 0)
    with pytest.raises(poplib.error_proto, match=r"\[IN-USE\]"):
        login(coffer)
    b.quit()


def test_takeover_after_kill9(coffer, coffer_factory):
    put(coffer, "alice", MSG1, MSG2)
    other = second_server(coffer_factory, coffer)
    a = Raw(coffer)
    a.cmd("USER alice")
    assert a.cmd("PASS s3cret").startswith("+OK")
    assert a.cmd("DELE 1").startswith("+OK")
    with pytest.raises(poplib.error_proto, match=r"\[IN-USE\]"):
        login(other)
    # the holder dies without releasing anything
    worker = coffer.worker_pid()
    os.kill(worker, signal.SIGKILL)
    a.close()
    b = login(other)  # its lock is stale at once: the process is gone
    assert b.stat()[0] == 2  # and nothing was deleted
    b.quit()
    coffer.wait_log(r"worker process \d+ started", since=0)
    assert "took over stale maildrop lock" in other.log()


# -- other clients ------------------------------------------------------------

def test_curl(coffer):
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    put(coffer, "alice", MSG1, MSG2)
    url = f"pop3://127.0.0.1:{coffer.ports['pop3']}/"

    def curl(*args):
        r = subprocess.run(["curl", "-sS", "--max-time", "20",
                            "-u", "alice:s3cret", *args],
                           capture_output=True, timeout=60)
        assert r.returncode == 0, r.stderr
        return r.stdout

    assert curl(url) == b"1 %d\r\n2 %d\r\n" % (len(MSG1), len(MSG2))
    assert curl(url + "2") == MSG2
    assert curl("-X", "UIDL", url).count(b"\r\n") == 2
    curl("-X", "DELE", "-I", url + "1")
    assert messages(coffer) == 1


def test_fetchmail(coffer, tmp_path):
    if shutil.which("fetchmail") is None:
        pytest.skip("fetchmail is not installed")
    put(coffer, "alice", MSG1, MSG2, MSG3)
    out = tmp_path / "out"
    out.mkdir()
    rc = tmp_path / "fetchmailrc"
    # deliver with an MDA into files, never over SMTP
    rc.write_text(
        f'poll 127.0.0.1 port {coffer.ports["pop3"]} proto pop3 '
        f'auth password\n'
        f'  user "alice" there with password "s3cret" is "root" here\n'
        f'  sslproto "" mda "/bin/sh -c \'cat > {out}/msg.$$\'"\n')
    rc.chmod(0o600)
    env = dict(os.environ, HOME=str(tmp_path),
               FETCHMAILHOME=str(tmp_path))
    r = subprocess.run(["fetchmail", "-f", str(rc), "--nodetach",
                        "--nosyslog", "--idfile", str(tmp_path / "ids"),
                        "--pidfile", str(tmp_path / "pid")],
                       capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 0, (r.stdout, r.stderr)
    got = sorted(p.read_bytes().replace(b"\r\n", b"\n")
                 for p in out.iterdir())
    assert len(got) == 3
    for msg in (MSG1, MSG2, MSG3):
        body = msg.replace(b"\r\n", b"\n").split(b"\n\n", 1)[1]
        assert any(g.endswith(body) for g in got), (body, got)
    assert messages(coffer) == 0  # fetchmail deletes what it fetched


def test_getmail_as_ordinary_user(coffer):
    if shutil.which("getmail") is None:
        pytest.skip("getmail6 is not installed")
    if not is_root():
        pytest.skip("needs root to run getmail as nobody")
    put(coffer, "alice", MSG1, MSG2)
    home = pathlib.Path(coffer.root) / "getmail"
    maildir = home / "Maildir"
    for d in (home, maildir, maildir / "new", maildir / "cur",
              maildir / "tmp"):
        d.mkdir()
    (home / "getmailrc").write_text(
        "[retriever]\n"
        "type = SimplePOP3Retriever\n"
        "server = 127.0.0.1\n"
        f"port = {coffer.ports['pop3']}\n"
        "username = alice\n"
        "password = s3cret\n"
        "[destination]\n"
        "type = Maildir\n"
        f"path = {maildir}/\n"
        "[options]\n"
        "read_all = true\n"
        "delete = true\n")
    for dirpath, dirs, files in os.walk(home):
        for name in dirs + files + ["."]:
            os.chown(os.path.join(dirpath, name), nobody().pw_uid,
                     nobody().pw_gid)
    r = subprocess.run([*as_nobody(), "getmail", "--rcfile",
                        str(home / "getmailrc"), "--getmaildir", str(home)],
                       capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, HOME=str(home)))
    assert r.returncode == 0, (r.stdout, r.stderr)
    got = sorted(p.read_bytes() for p in (maildir / "new").iterdir())
    assert len(got) == 2
    assert any(g.endswith(b"..two\n.\nlast\n") or
               g.endswith(b"..two\r\n.\r\nlast\r\n") for g in got), got
    assert messages(coffer) == 0
