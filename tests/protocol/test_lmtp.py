# SPDX-License-Identifier: MIT
"""LMTP delivery (RFC 2033) against a running cofferd, with real clients:
swaks, Python's smtplib.LMTP, raw sockets for pipelining and malformed
input, and a private Postfix instance as the LMTP client. Deliveries are
checked through the store API (tests/tools/mbox-dump)."""
import concurrent.futures
import os
import pathlib
import re
import shutil
import signal
import smtplib
import socket
import subprocess
import tempfile
import time

import pytest

from conftest import CLIENT_TIMEOUT, DOMAIN, binary, free_port

# -- helpers ---------------------------------------------------------------

def mailbox(server, owner, name="INBOX", shared=False):
    """The messages of a mailbox as a list of bytes, in UID order, read
    with mbox-dump (the store API)."""
    out = pathlib.Path(tempfile.mkdtemp(dir=server.root))
    try:
        cmd = [str(binary("mbox-dump")), "-c", str(server.conf)]
        if shared:
            cmd.append("-s")
        r = subprocess.run(cmd + [owner, name, str(out)],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            return []
        uids = [line.split()[0] for line in r.stdout.splitlines()]
        return [(out / f"{uid}.eml").read_bytes() for uid in uids]
    finally:
        shutil.rmtree(out, ignore_errors=True)


def wait_for(predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline
        time.sleep(0.1)


def open_spool_files(pid, data_dir):
    """Spool files the process holds open: named ones in the spool
    directory, and unnamed (O_TMPFILE) ones, which /proc shows as
    <dir>/#<inode> (deleted), in the spool directory or beside the first
    recipient's mail."""
    fds = f"/proc/{pid}/fd"
    out = []
    for fd in os.listdir(fds):
        try:
            target = os.readlink(os.path.join(fds, fd))
        except OSError:
            continue
        if not target.startswith(os.path.realpath(data_dir) + "/"):
            continue
        if "/spool/" in target or ("/#" in target and
                                   target.endswith(" (deleted)")):
            out.append(target)
    return out


def spool_files(server):
    spool = server.data_dir / "spool"
    return sorted(os.listdir(spool)) if spool.exists() else []


class Raw:
    """A raw LMTP client: sends bytes, reads whole replies."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        assert self.reply()[0] == 220

    def send(self, data):
        self.sock.sendall(data.encode() if isinstance(data, str) else data)

    def line(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError(self.buf)
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r").decode()

    def reply(self):
        """(code, last line) of one possibly multi-line reply."""
        while True:
            line = self.line()
            if line[3:4] != "-":
                return int(line[:3]), line

    def expect(self, prefix):
        code, line = self.reply()
        assert line.startswith(prefix), (line, prefix)
        return line

    def eof(self):
        try:
            while self.sock.recv(65536):
                pass
        except ConnectionResetError:
            pass
        return True

    def close(self):
        self.sock.close()


def raw(server):
    return Raw(server.connect("lmtp"))


def swaks(server, *args, unix=False):
    where = (["--socket", str(server.lmtp_socket)] if unix else
             ["--server", f"127.0.0.1:{server.ports['lmtp']}"])
    return subprocess.run(["swaks", "--protocol", "LMTP", *where,
                           "--timeout", "20", *args],
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def lmtp(coffer_factory, request):
    """A cofferd running only LMTP, with alice, bob (alias robert), a
    disabled account and a shared root; options of the `coffer` marker
    go into ms.conf."""
    marker = request.node.get_closest_marker("coffer")
    options = dict(marker.kwargs.get("options", {})) if marker else {}
    server = coffer_factory(options=options, services="lmtp")
    server.write_conf('<shared_root name="Staff" '
                      'email="staff@example.com"/>')
    server.add_user("alice", "secret")
    server.add_user("bob", "secret", "mailLocalAddress=robert@example.com")
    server.msadm("add", "-d", "off")
    server.start()
    server.require("lmtp")
    return server


MESSAGE = (b"From: sender@example.org\r\nTo: alice@example.com\r\n"
           b"Subject: hello\r\nMessage-ID: <hello@example.org>\r\n\r\n"
           b"first line\r\n.leading dot\r\nlast line\r\n")


# -- clients ---------------------------------------------------------------

def test_swaks_tcp_and_unix(lmtp):
    r = swaks(lmtp, "--from", "sender@example.org", "--to",
              "alice@example.com", "--h-Subject", "via swaks",
              "--body", "swaks body")
    assert r.returncode == 0, r.stdout + r.stderr
    r = swaks(lmtp, "--from", "sender@example.org", "--to",
              "alice@example.com", "--h-Subject", "via socket",
              "--body", "unix body", unix=True)
    assert r.returncode == 0, r.stdout + r.stderr
    msgs = mailbox(lmtp, "alice@example.com")
    assert len(msgs) == 2
    assert b"Subject: via swaks" in msgs[0]
    assert re.search(rb"^Return-Path: <sender@example\.org>\r\n"
                     rb"Received: from \S+ \(\[127\.0\.0\.1\]\)\r\n"
                     rb"\tby \S+ \(Coffer\) with LMTP id \S+\r\n"
                     rb"\tfor <alice@example\.com>;\r\n\t\w{3}, ",
                     msgs[0]), msgs[0]
    assert b"Subject: via socket" in msgs[1]
    assert re.search(rb"Received: from \S+\r\n\tby ", msgs[1])
    assert not spool_files(lmtp)


def test_swaks_several_recipients(lmtp):
    r = swaks(lmtp, "--from", "s@example.org", "--to",
              "alice@example.com,nobody@example.com,robert@example.com")
    # swaks reports the refused recipient but delivers to the others
    assert re.search(r"<\*\* 550 5\.1\.1 <nobody@example\.com>", r.stdout)
    # one reply per accepted recipient after the message (RFC 2033)
    assert re.search(r"<-  250 2\.0\.0 <alice@example\.com> Saved\n"
                     r"<-  250 2\.0\.0 <robert@example\.com> Saved", r.stdout)
    assert len(mailbox(lmtp, "alice@example.com")) == 1
    assert len(mailbox(lmtp, "bob@example.com")) == 1


def test_smtplib_mixed_recipients(lmtp):
    results = lmtp.deliver(["alice@example.com", "nobody@example.com",
                            "off@example.com", "Robert@Example.COM",
                            "alice+nofolder@example.com"], MESSAGE)
    assert results["nobody@example.com"][0] == 550
    assert results["nobody@example.com"][1].startswith(b"5.1.1")
    assert results["off@example.com"][0] == 550
    assert results["off@example.com"][1].startswith(b"5.2.1")
    for rcpt in ("alice@example.com", "Robert@Example.COM",
                 "alice+nofolder@example.com"):
        assert results[rcpt][0] == 250, results
        assert results[rcpt][1].startswith(b"2.0.0")
    alice = mailbox(lmtp, "alice@example.com")
    assert len(alice) == 2
    # stored once: same content, CRLF, dot-stuffing undone (smtplib
    # stuffed the leading dot), no FOR clause
    assert alice[0] == alice[1]
    assert alice[0].endswith(b"\r\n\r\nfirst line\r\n.leading dot\r\n"
                             b"last line\r\n")
    assert b"\tfor <" not in alice[0]
    assert mailbox(lmtp, "bob@example.com") == [alice[0]]
    log = lmtp.wait_log(r"delivered from=<sender@example\.org> "
                        r"to=<Robert@Example\.COM> owner=bob@example\.com "
                        r"mailbox=INBOX uid=1 size=\d+ "
                        r"msgid=<hello@example\.org>")
    assert log


def test_smtplib_unix_socket(lmtp):
    results = lmtp.deliver("bob@example.com", MESSAGE, unix=True)
    assert results["bob@example.com"][0] == 250
    assert len(mailbox(lmtp, "bob@example.com")) == 1


def test_shared_root_delivery(lmtp):
    results = lmtp.deliver(["staff@example.com", "shared+Staff@x.org",
                            "staff+missing/folder@example.com"], MESSAGE)
    assert all(code == 250 for code, _ in results.values()), results
    assert len(mailbox(lmtp, "Staff", "Staff", shared=True)) == 3


# -- pipelining and malformed input ----------------------------------------

def test_pipelined_transactions(lmtp):
    c = raw(lmtp)
    # RFC 2920: a whole group in one write, including the message of the
    # first transaction and the envelope of the second
    c.send("LHLO client.example.org\r\n"
           "MAIL FROM:<a@example.org> SIZE=100\r\n"
           "RCPT TO:<alice@example.com>\r\n"
           "RCPT TO:<nobody@example.com>\r\n"
           "RCPT TO:<bob@example.com>\r\n"
           "DATA\r\n")
    c.expect("250 CHUNKING")
    c.expect("250 2.1.0")
    c.expect("250 2.1.5 <alice@example.com>")
    c.expect("550 5.1.1 <nobody@example.com>")
    c.expect("250 2.1.5 <bob@example.com>")
    c.expect("354")
    c.send("Subject: one\r\n\r\none\r\n.\r\n"
           "MAIL FROM:<>\r\nRCPT TO:<off@example.com>\r\n"
           "RCPT TO:<bob@example.com>\r\nBDAT 19 LAST\r\n"
           "Subject: two\r\n\r\ntwo"
           "QUIT\r\n")
    c.expect("250 2.0.0 <alice@example.com>")
    c.expect("250 2.0.0 <bob@example.com>")
    c.expect("250 2.1.0")
    c.expect("550 5.2.1 <off@example.com>")
    c.expect("250 2.1.5 <bob@example.com>")
    c.expect("250 2.0.0 <bob@example.com>")
    c.expect("221 2.0.0")
    assert c.eof()
    c.close()
    bob = mailbox(lmtp, "bob@example.com")
    assert len(bob) == 2
    assert bob[1].endswith(b"Subject: two\r\n\r\ntwo")


def test_malformed_input(lmtp):
    c = raw(lmtp)
    c.send("MAIL FROM:<a@b.c>\r\n")
    c.expect("503 5.5.1")
    c.send("EHLO x\r\nLHLO x\r\n")
    c.expect("500 5.5.1")
    c.expect("250 CHUNKING")
    c.send("NOOP " + "x" * 5000 + "\r\nNOOP\r\n")
    c.expect("500 5.5.2")
    c.expect("250 2.0.0")
    c.send(b"MAIL FROM:<a\xff@b.c>\r\nFOO\r\nRCPT TO:<alice@example.com>\r\n"
           b"DATA\r\nMAIL FROM:<> BODY=BINARYMIME\r\n")
    c.expect("501 5.5.2")
    c.expect("500 5.5.1")
    c.expect("503 5.5.1")
    c.expect("503 5.5.1")
    c.expect("555 5.5.4")
    # RFC 2033 section 4.2: DATA without a successful RCPT gets 503
    c.send("MAIL FROM:<>\r\nRCPT TO:<nobody@example.com>\r\nDATA\r\n")
    c.expect("250")
    c.expect("550")
    c.expect("503 5.5.1")
    # that was the ninth protocol error: the tenth ends the session
    c.send("X\r\nX\r\nNOOP\r\n")
    c.expect("500 5.5.1")
    c.expect("421 4.7.0")
    assert c.eof()
    c.close()
    assert mailbox(lmtp, "alice@example.com") == []


@pytest.mark.coffer(options={"max_message_size": "2000"})
def test_message_too_big(lmtp):
    c = raw(lmtp)
    c.send("LHLO x\r\n")
    assert c.expect("250 CHUNKING")
    c.send("MAIL FROM:<> SIZE=5000\r\n")
    c.expect("552 5.3.4")
    c.send("MAIL FROM:<>\r\nRCPT TO:<alice@example.com>\r\n"
           "RCPT TO:<bob@example.com>\r\nDATA\r\n")
    c.expect("250")
    c.expect("250")
    c.expect("250")
    c.expect("354")
    c.send("Subject: big\r\n\r\n" + ("y" * 70 + "\r\n") * 100 + ".\r\n")
    c.expect("552 5.3.4 <alice@example.com>")
    c.expect("552 5.3.4 <bob@example.com>")
    c.send("QUIT\r\n")
    c.expect("221")
    c.close()
    assert mailbox(lmtp, "alice@example.com") == []
    assert not spool_files(lmtp)


def test_8bit_headers_refused(lmtp):
    results = lmtp.deliver("alice@example.com",
                           "Subject: caf\u00e9\r\n\r\nbody\r\n".encode())
    code, text = results["alice@example.com"]
    assert code == 554 and text.startswith(b"5.6.0"), results
    assert mailbox(lmtp, "alice@example.com") == []


@pytest.mark.coffer(options={"allow8bitheaders": "true"})
def test_8bit_headers_stripped(lmtp):
    results = lmtp.deliver("alice@example.com",
                           "Subject: caf\u00e9\r\n\r\n\u00e9\r\n".encode())
    assert results["alice@example.com"][0] == 250
    msg = mailbox(lmtp, "alice@example.com")[0]
    assert msg.endswith("Subject: cafC)\r\n\r\n\u00e9\r\n".encode())


def test_quota(lmtp):
    lmtp.msadm("quota", "set", "alice@example.com", "1")
    big = b"Subject: big\r\n\r\n" + b"z" * 3000 + b"\r\n"
    results = lmtp.deliver(["alice@example.com", "bob@example.com"], big)
    assert results["alice@example.com"][0] == 452, results
    assert results["alice@example.com"][1].startswith(b"4.2.2")
    assert results["bob@example.com"][0] == 250
    assert mailbox(lmtp, "alice@example.com") == []


@pytest.mark.coffer(options={"over_quota_temp_error": "false",
                             "quota_limit": "1"})
def test_quota_permanent(lmtp):
    big = b"Subject: big\r\n\r\n" + b"z" * 3000 + b"\r\n"
    results = lmtp.deliver("alice@example.com", big)
    assert results["alice@example.com"][0] == 552, results
    assert results["alice@example.com"][1].startswith(b"5.2.2")


# -- robustness ------------------------------------------------------------

def test_kill_during_data(lmtp):
    c = raw(lmtp)
    c.send("LHLO x\r\nMAIL FROM:<>\r\nRCPT TO:<alice@example.com>\r\n"
           "DATA\r\n")
    c.expect("250 CHUNKING")
    c.expect("250")
    c.expect("250")
    c.expect("354")
    c.send("Subject: never\r\n\r\n" + "half a message\r\n" * 1000)
    worker = lmtp.worker_pid()
    # the spool file is unnamed (O_TMPFILE) where the file system allows
    # it, else a name in the spool directory: wait for either
    wait_for(lambda: len(spool_files(lmtp)) == 1 or
             open_spool_files(worker, lmtp.data_dir))
    named = len(spool_files(lmtp)) == 1
    since = lmtp.log_size()
    os.kill(worker, signal.SIGKILL)
    c.close()
    # the supervisor starts a new worker; a named spool file is removed by
    # it, an unnamed one vanished with the process
    if named:
        lmtp.wait_log(r"removed stale spool file", since=since, timeout=30)
    lmtp.wait_ready(since=since)
    assert not spool_files(lmtp)
    assert mailbox(lmtp, "alice@example.com") == []
    # and delivers again
    assert lmtp.deliver("alice@example.com", MESSAGE)[
        "alice@example.com"][0] == 250
    assert len(mailbox(lmtp, "alice@example.com")) == 1


def test_connection_lost_during_data(lmtp):
    c = raw(lmtp)
    c.send("LHLO x\r\nMAIL FROM:<>\r\nRCPT TO:<alice@example.com>\r\n"
           "BDAT 100000 LAST\r\n" + "x" * 5000)
    c.expect("250 CHUNKING")
    c.expect("250")
    c.expect("250")
    c.close()
    lmtp.wait_log(r"disconnect: Connection lost during message data")
    wait_for(lambda: not spool_files(lmtp))
    assert mailbox(lmtp, "alice@example.com") == []


def test_stale_spool_removed_at_start(coffer_factory):
    server = coffer_factory(services="lmtp")
    spool = server.data_dir / "spool"
    spool.mkdir(parents=True)
    stale = spool / f"{socket.gethostname()}-1.000001.2147483646.abcdef"
    stale.write_bytes(b"Subject: stale\r\n\r\n")
    server.start()
    assert not stale.exists()
    assert "removed stale spool file" in server.log()


def deliver_many(server, worker, count):
    """Delivers count messages to alice in one session; returns the
    Message-IDs acknowledged with 250."""
    done = []
    with smtplib.LMTP("127.0.0.1", server.ports["lmtp"],
                      timeout=CLIENT_TIMEOUT) as c:
        for i in range(count):
            msgid = f"<{worker}-{i}@example.org>"
            msg = (f"Message-ID: {msgid}\r\nSubject: {worker}/{i}\r\n\r\n"
                   f"body {worker} {i}\r\n")
            c.sendmail("s@example.org", ["alice@example.com"], msg)
            done.append(msgid)
    return done


def test_concurrent_sessions_one_mailbox(lmtp):
    workers, count = 8, 10
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        acked = sum(pool.map(lambda w: deliver_many(lmtp, w, count),
                             range(workers)), [])
    msgs = mailbox(lmtp, "alice@example.com")
    ids = [re.search(rb"Message-ID: (<[^>]+>)", m).group(1).decode()
           for m in msgs]
    assert sorted(ids) == sorted(acked)
    assert len(set(ids)) == workers * count


# -- Postfix as the LMTP client ----------------------------------------------

POSTFIX_SERVICES = """\
{smtp} inet n - n - - smtpd
pickup unix n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
tlsmgr unix - - n 1000? 1 tlsmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
flush unix n - n 1000? 0 flush
proxymap unix - - n - - proxymap
smtp unix - - n - - smtp
relay unix - - n - - smtp
showq unix n - n - - showq
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
lmtp unix - - n - - lmtp
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
"""


@pytest.fixture
def postfix(lmtp):
    """A private Postfix on loopback that relays example.com to cofferd
    over LMTP (research notes B2). Needs root (postfix master)."""
    if os.geteuid() != 0 or shutil.which("postfix") is None:
        pytest.skip("Postfix needs root and the postfix package")
    root = pathlib.Path(tempfile.mkdtemp(prefix="coffer-postfix-",
                                         dir="/tmp"))
    os.chmod(root, 0o755)  # postfix's own processes must get in
    etc, spool, data = root / "etc", root / "spool", root / "data"
    for d in (etc, spool, data):
        d.mkdir()
    shutil.chown(data, "postfix", "postfix")
    smtp_port = free_port()
    (etc / "main.cf").write_text(f"""\
compatibility_level = 3.6
queue_directory = {spool}
data_directory = {data}
maillog_file = {root}/maillog
maillog_file_prefixes = {root}
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.example.test
mydomain = example.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtp_dns_support_level = disabled
lmtp_host_lookup = native
relay_domains = {DOMAIN}
relay_transport = lmtp:inet:127.0.0.1:{lmtp.ports['lmtp']}
default_transport = error:outside delivery disabled in tests
smtputf8_enable = no
""")
    (etc / "master.cf").write_text(
        POSTFIX_SERVICES.format(smtp=f"127.0.0.1:{smtp_port}"))
    check = subprocess.run(["postfix", "-c", str(etc), "check"],
                           capture_output=True, text=True, timeout=60)
    if check.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        pytest.skip(f"postfix check failed: {check.stderr}")
    pid_file = spool / "pid" / "master.pid"
    try:
        subprocess.run(["postfix", "-c", str(etc), "start"], check=True,
                       capture_output=True, timeout=60)
        wait_for(lambda: pid_file.exists() and smtp_port_open(smtp_port))
        yield smtp_port, root
    finally:
        stop_postfix(pid_file)
        shutil.rmtree(root, ignore_errors=True)


def stop_postfix(pid_file):
    """Stops the private master by its pid (SIGTERM), waiting for it."""
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)


def smtp_port_open(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def test_postfix_lmtp_client(lmtp, postfix):
    smtp_port, root = postfix
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=CLIENT_TIMEOUT) as s:
        refused = s.sendmail("sender@example.test",
                             ["alice@example.com", "robert@example.com"],
                             MESSAGE)
        assert refused == {}
    wait_for(lambda: len(mailbox(lmtp, "alice@example.com")) == 1 and
             len(mailbox(lmtp, "bob@example.com")) == 1, timeout=60)
    msg = mailbox(lmtp, "alice@example.com")[0]
    assert msg.startswith(b"Return-Path: <sender@example.test>\r\n"
                          b"Received: from mx.example.test ([127.0.0.1])")
    assert msg.endswith(b"\r\nfirst line\r\n.leading dot\r\nlast line\r\n")
    # Postfix sent one message with two recipients: one file, two links
    assert mailbox(lmtp, "bob@example.com")[0] == msg
    log = (root / "maillog").read_text(errors="replace")
    assert re.search(r"to=<alice@example\.com>.*relay=127\.0\.0\.1.*"
                     r"status=sent \(250 2\.0\.0 <alice@example\.com>", log)
