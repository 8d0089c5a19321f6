# SPDX-License-Identifier: MIT
"""IMAP sessions: greeting, capabilities, LOGIN, AUTHENTICATE PLAIN with
SASL-IR, STARTTLS and IMAPS, ID, ENABLE, NAMESPACE, LOGOUT, states,
timeouts, nologin, login_alert, pipelining and hostile input (RFC 3501
sections 5, 6.1, 6.2 and 7; RFC 2971, 4959, 5161, 2342)."""
import base64
import imaplib
import os
import socket
import ssl
import subprocess
import time

import pytest

from imap_raw import Raw

USERS = {"alice": "secret", "bob": "hunter2"}
ALICE = "alice@example.com"


def b64(data):
    return base64.b64encode(data).decode()


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    """A self-signed certificate and key for localhost."""
    d = tmp_path_factory.mktemp("tls")
    crt, key = d / "cert.pem", d / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-keyout", str(key), "-out", str(crt),
                    "-days", "2", "-subj", "/CN=localhost"],
                   check=True, capture_output=True, timeout=120)
    os.chmod(d, 0o755)
    os.chmod(key, 0o644)
    return crt, key


def client_ctx():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


# -- greeting and capabilities ---------------------------------------------

@pytest.mark.coffer(users=USERS, services="imap")
def test_greeting_and_capabilities(coffer):
    c = Raw.connect(coffer)
    assert c.greeting.startswith("* OK [CAPABILITY IMAP4rev1 ")
    pre = c.ok("a", "CAPABILITY")[0].split()
    assert pre[:3] == ["*", "CAPABILITY", "IMAP4rev1"]
    for cap in ("SASL-IR", "LITERAL+", "ID", "ENABLE", "IDLE",
                "AUTH=PLAIN"):
        assert cap in pre
    # no certificate: no STARTTLS; LITERAL- never with LITERAL+
    assert "STARTTLS" not in pre and "LITERAL-" not in pre
    assert "LOGINDISABLED" not in pre
    _, tagged = c.cmd("b", "LOGIN alice secret")
    assert tagged.startswith("b OK [CAPABILITY IMAP4rev1 ")
    post = c.ok("c", "CAPABILITY")[0].split()
    for cap in ("NAMESPACE", "UIDPLUS", "UNSELECT", "CHILDREN",
                "LIST-EXTENDED", "LIST-STATUS", "SPECIAL-USE",
                "CREATE-SPECIAL-USE", "MOVE", "MULTIAPPEND",
                "APPENDLIMIT=52428800", "IDLE"):
        assert cap in post, cap
    assert "AUTH=PLAIN" not in post
    c.close()


@pytest.mark.coffer(users=USERS, services="imap",
                    options={"max_message_size": "1000"})
def test_appendlimit_follows_max_message_size(coffer):
    c = Raw.connect(coffer)
    c.login("alice", "secret")
    assert "APPENDLIMIT=1000" in c.ok("a", "CAPABILITY")[0]


# -- LOGIN and AUTHENTICATE ------------------------------------------------

@pytest.mark.coffer(users=USERS, services="imap")
def test_login_failures(coffer):
    c = Raw.connect(coffer)
    for tag, args in (("a", "alice wrong"), ("b", "nobody@example.com x"),
                      ("c", '"" ""')):
        _, tagged = c.cmd(tag, f"LOGIN {args}")
        assert tagged.startswith(f"{tag} NO [AUTHENTICATIONFAILED]"), tagged
    # still usable, and quoted or literal arguments work
    c.send("d LOGIN {5}\r\n")
    assert c.line().startswith("+ ")
    c.send('alice "secret"\r\n')
    _, tagged = c.until_tagged("d")
    assert tagged.startswith("d OK")
    log = coffer.wait_log(r"imap logout|notice: imap login: user=alice")
    assert log


@pytest.mark.coffer(users=USERS, services="imap")
def test_login_imaplib_and_logout_line(coffer):
    c = coffer.imap("alice", "secret")
    typ, _ = c.noop()
    assert typ == "OK"
    typ, data = c.logout()
    assert typ == "BYE"
    coffer.wait_log(r"info: imap logout: user=alice@example\.com "
                    r"client=127\.0\.0\.1 session=\S+ in=\d+ out=\d+ "
                    r"reason=\"Logged out\"")


@pytest.mark.coffer(users=USERS, services="imap")
def test_too_many_login_failures_close(coffer):
    c = Raw.connect(coffer)
    for i in range(4):
        _, tagged = c.cmd(f"a{i}", "LOGIN alice wrong")
        assert " NO " in tagged
    c.send("z LOGIN alice wrong\r\n")
    untagged, tagged = c.until_tagged("z")
    assert tagged.startswith("z NO")
    assert c.line().startswith("* BYE ")
    assert c.closed()


@pytest.mark.coffer(users=USERS, services="imap")
def test_authenticate_plain(coffer):
    # SASL-IR (RFC 4959)
    c = Raw.connect(coffer)
    _, tagged = c.cmd("a", "AUTHENTICATE PLAIN " +
                      b64(b"\0alice\0secret"))
    assert tagged.startswith("a OK [CAPABILITY IMAP4rev1 "), tagged
    c.close()
    # continuation (RFC 3501 section 6.2.2), lower-case mechanism name
    c = Raw.connect(coffer)
    c.send("b authenticate plain\r\n")
    assert c.line() == "+ "
    c.send(b64(b"alice@example.com\0alice\0secret") + "\r\n")
    _, tagged = c.until_tagged("b")
    assert tagged.startswith("b OK"), tagged
    c.close()
    # cancel, bad base64, bad PLAIN message, unknown mechanism
    c = Raw.connect(coffer)
    c.send("c AUTHENTICATE PLAIN\r\n")
    assert c.line() == "+ "
    c.send("*\r\n")
    assert c.until_tagged("c")[1].startswith("c BAD")
    _, tagged = c.cmd("d", "AUTHENTICATE PLAIN !!!!")
    assert tagged.startswith("d BAD")
    _, tagged = c.cmd("e", "AUTHENTICATE PLAIN " + b64(b"alice\0secret"))
    assert tagged.startswith("e BAD")
    _, tagged = c.cmd("f", "AUTHENTICATE PLAIN =")
    assert tagged.startswith("f BAD")
    _, tagged = c.cmd("g", "AUTHENTICATE X-UNKNOWN")
    assert tagged.startswith("g NO")
    _, tagged = c.cmd("h", "AUTHENTICATE PLAIN " +
                      b64(b"\0alice\0wrong"))
    assert tagged.startswith("h NO [AUTHENTICATIONFAILED]")
    # only admin_user may act as someone else
    _, tagged = c.cmd("i", "AUTHENTICATE PLAIN " +
                      b64(b"bob@example.com\0alice\0secret"))
    assert tagged.startswith("i NO"), tagged
    c.close()


@pytest.mark.coffer(users=USERS, services="imap",
                    options={"login_disabled": "true"})
def test_login_disabled_without_tls(coffer):
    c = Raw.connect(coffer)
    assert "LOGINDISABLED" in c.greeting
    assert "AUTH=PLAIN" not in c.greeting
    _, tagged = c.cmd("a", "LOGIN alice secret")
    assert tagged.startswith("a NO [PRIVACYREQUIRED]")
    _, tagged = c.cmd("b", "AUTHENTICATE PLAIN " +
                      b64(b"\0alice\0secret"))
    assert tagged.startswith("b NO [PRIVACYREQUIRED]")


# -- TLS -------------------------------------------------------------------

def tls_server(coffer_factory, cert, **options):
    crt, key = cert
    opts = {"tls_cert_file": str(crt), "tls_key_file": str(key),
            "login_disabled": "true"}
    opts.update(options)
    return coffer_factory(users=USERS, services="imap", options=opts,
                          start=True)


def test_starttls(coffer_factory, cert):
    server = tls_server(coffer_factory, cert)
    c = Raw.connect(server)
    assert "STARTTLS" in c.greeting and "LOGINDISABLED" in c.greeting
    # a command pipelined after STARTTLS is discarded, never run
    # (RFC 9051 section 6.2.1)
    c.send("a STARTTLS\r\nb LOGIN alice secret\r\n")
    assert c.line().startswith("a OK")
    assert c.buf == b""
    tls = client_ctx().wrap_socket(c.sock, server_hostname="localhost")
    t = Raw.__new__(Raw)
    t.sock, t.buf = tls, b""
    tls.settimeout(20)
    caps = t.ok("c", "CAPABILITY")[0]
    assert "STARTTLS" not in caps and "LOGINDISABLED" not in caps
    assert "AUTH=PLAIN" in caps
    _, tagged = t.cmd("d", "STARTTLS")
    assert tagged.startswith("d BAD")
    t.login("alice", "secret")
    t.ok("e", "LOGOUT")
    tls.close()


def test_imaps(coffer_factory, cert):
    server = tls_server(coffer_factory, cert, enable_imaps="true")
    c = imaplib.IMAP4_SSL("127.0.0.1", server.ports["imaps"],
                          ssl_context=client_ctx(),
                          timeout=20)
    assert "STARTTLS" not in c.capabilities
    c.login("alice", "secret")
    assert c.select("INBOX")[0] == "OK"
    c.logout()
    server.assert_clean_log()


# -- other commands of any state --------------------------------------------

@pytest.mark.coffer(users=USERS, services="imap")
def test_id_enable_namespace_noop(coffer):
    c = Raw.connect(coffer)
    untagged = c.ok("a", 'ID ("name" "pytest" "version" "1.0")')
    assert untagged[0].startswith('* ID ("name" "Coffer" "version" ')
    c.ok("b", "ID NIL")
    for bad in ('ID ("name")', "ID", 'ID ("' + "x" * 31 + '" "v")',
                "ID foo"):
        assert c.cmd("x", bad)[1].startswith("x BAD"), bad
    # ENABLE and NAMESPACE need authentication
    assert c.cmd("c", "ENABLE CONDSTORE")[1].startswith("c BAD")
    c.login("alice", "secret")
    assert c.ok("d", "ENABLE CONDSTORE X-UNKNOWN") == ["* ENABLED"]
    assert c.cmd("e", "ENABLE")[1].startswith("e BAD")
    assert c.ok("f", "NAMESPACE") == ['* NAMESPACE (("" "/")) NIL NIL']
    c.ok("g", "NOOP")
    c.ok("h", "SELECT INBOX")
    # RFC 5161 section 3.1: not once a mailbox is selected
    assert c.cmd("i", "ENABLE CONDSTORE")[1].startswith("i BAD")


@pytest.mark.coffer(users=USERS, services="imap")
def test_states(coffer):
    c = Raw.connect(coffer)
    for tag, cmd in (("a", "SELECT INBOX"), ("b", "LIST \"\" *"),
                     ("c", "FETCH 1 FLAGS"), ("d", "IDLE"),
                     ("e", "APPEND INBOX {3}"), ("f", "CLOSE")):
        _, tagged = c.cmd(tag, cmd)
        assert tagged.startswith(f"{tag} BAD"), (cmd, tagged)
    c.login("alice", "secret")
    for tag, cmd in (("g", "LOGIN alice secret"), ("h", "STARTTLS"),
                     ("i", "AUTHENTICATE PLAIN"), ("j", "FETCH 1 FLAGS"),
                     ("k", "CLOSE"), ("l", "EXPUNGE"),
                     ("m", "UID FETCH 1 FLAGS"), ("n", "CHECK")):
        _, tagged = c.cmd(tag, cmd)
        assert tagged.startswith(f"{tag} BAD"), (cmd, tagged)
    for tag, cmd in (("o", "FOO"), ("p", "UID FOO 1"), ("q", "UID")):
        _, tagged = c.cmd(tag, cmd)
        assert tagged.startswith(f"{tag} BAD"), (cmd, tagged)
    # the literal of a command that cannot run is refused before the
    # client sends it (RFC 3501 section 7.5)
    c.send("r FOO {5}\r\n")
    assert c.line().startswith("r BAD")
    c.ok("s", "NOOP")


@pytest.mark.coffer(users=USERS, services="imap")
def test_logout(coffer):
    c = Raw.connect(coffer)
    untagged, tagged = c.cmd("a", "LOGOUT")
    assert untagged == ["* BYE Logging out."]
    assert tagged == "a OK Logout completed."
    assert c.closed()


# -- pipelining and hostile input ------------------------------------------

@pytest.mark.coffer(users=USERS, services="imap")
def test_pipelining(coffer):
    c = Raw.connect(coffer)
    c.send("a LOGIN alice secret\r\nb SELECT INBOX\r\n"
           "c APPEND INBOX {5+}\r\nhello\r\nd NOOP\r\n"
           "e CREATE x\r\nf LIST \"\" x\r\ng LOGOUT\r\n")
    order = []
    for tag in "abcdefg":
        untagged, tagged = c.until_tagged(tag)
        order.append(tagged.split()[0])
        assert tagged.split()[1] == "OK", tagged
    assert order == list("abcdefg")
    assert c.closed()


@pytest.mark.coffer(users=USERS, services="imap")
def test_malformed_input(coffer):
    c = Raw.connect(coffer)
    c.login("alice", "secret")
    cases = [
        'a LIST ("" "*"',                 # unbalanced parenthesis
        "a LIST \"\" \"*\")",               # stray ")"
        "a SELECT \"INBOX",               # unterminated quoted string
        "a CREATE caf\xe9",                 # 8-bit byte in an atom
        "a STATUS INBOX (MESSAGES",       # unterminated list
        "a STATUS INBOX (BOGUS)",
        "a SELECT INBOX (CONDSTORE)",
        "a CREATE",
        "a RENAME x",
        "a COPY",
        "a UID EXPUNGE",
        "a APPEND INBOX",
        'a APPEND INBOX "text"',
    ]
    for text in cases:
        c.send(text.encode("latin-1") + b"\r\n")
        _, tagged = c.until_tagged("a")
        assert tagged.startswith("a BAD"), (text, tagged)
    # NUL and bad tags
    c.send(b"a NOOP\0\r\n")
    assert c.until_tagged("a")[1].startswith("a BAD")
    c.send(b"\r\n")
    assert c.line().startswith("* BAD")
    c.send(b"+ NOOP\r\n")
    assert c.line().startswith("* BAD")
    c.ok("z", "NOOP")


@pytest.mark.coffer(users=USERS, services="imap")
def test_huge_literals(coffer):
    c = Raw.connect(coffer)
    c.login("alice", "secret")
    # a 4 GB synchronising literal is refused without reading it
    c.send("a LOGIN {4294967296}\r\n")
    _, tagged = c.until_tagged("a")
    assert tagged.startswith("a BAD"), tagged
    c.send("b APPEND INBOX {4294967295}\r\n")
    _, tagged = c.until_tagged("b")
    assert tagged.startswith("b BAD [TOOBIG]") or \
        tagged.startswith("b NO [TOOBIG]"), tagged
    c.ok("c", "NOOP")
    # a non-synchronising one that large cannot be skipped: BYE
    c.send("d APPEND INBOX {4294967295+}\r\n")
    assert c.line().startswith("* BYE")
    assert c.closed()


@pytest.mark.coffer(users=USERS, services="imap")
def test_endless_line(coffer):
    c = Raw.connect(coffer)
    # no CRLF ever: the line bound ends it, not our memory
    try:
        for _ in range(40):
            c.send(b"a" * 4096)
    except (BrokenPipeError, ConnectionResetError):
        pass
    assert c.line().startswith("* BYE")
    assert c.closed()


@pytest.mark.coffer(users=USERS, services="imap")
def test_too_many_bad_commands(coffer):
    c = Raw.connect(coffer)
    for i in range(19):
        assert c.cmd(f"t{i}", "BOGUS")[1].startswith(f"t{i} BAD")
    c.send("last BOGUS\r\n")
    assert c.line().startswith("last BAD")
    assert c.line().startswith("* BYE")
    assert c.closed()


# -- timeouts, nologin, alerts ---------------------------------------------

@pytest.mark.coffer(users=USERS, services="imap",
                    options={"preauth_timeout": "1"})
def test_preauth_timeout(coffer):
    c = Raw.connect(coffer)
    start = time.monotonic()
    assert c.line().startswith("* BYE ")
    assert c.closed()
    assert time.monotonic() - start < 5
    coffer.wait_log(r"warning: imap\(-\): \S+: disconnected for inactivity")


@pytest.mark.coffer(users=USERS, services="imap")
def test_nologin(coffer):
    (coffer.data_dir / "nologin").write_text("Back at 5pm\nsecond line\n")
    c = Raw.connect(coffer)
    assert c.greeting == "* BYE [ALERT] Back at 5pm"
    assert c.closed()
    (coffer.data_dir / "nologin").unlink()
    c = Raw.connect(coffer)
    assert c.greeting.startswith("* OK")
    # a session that connected before nologin appeared cannot log in
    (coffer.data_dir / "nologin").write_text("Maintenance\n")
    _, tagged = c.cmd("a", "LOGIN alice secret")
    assert tagged.startswith("a NO [ALERT] Maintenance"), tagged


@pytest.mark.coffer(users=USERS, services="imap",
                    options={"login_alert": "Welcome to the test"})
def test_login_alert(coffer):
    c = Raw.connect(coffer)
    assert c.login("alice", "secret") == ["* OK [ALERT] Welcome to the test"]


@pytest.mark.coffer(users=USERS, services="imap")
def test_shutdown_says_bye(coffer):
    c = Raw.connect(coffer)
    c.login("alice", "secret")
    coffer.stop()
    assert c.line().startswith("* BYE")
    assert c.closed()


@pytest.mark.coffer(users=USERS, services="imap",
                    options={"tcp_keepalive": "3"})
def test_tcp_keepalive(coffer):
    c = Raw.connect(coffer)
    port = coffer.ports["imap"]
    out = subprocess.run(["ss", "-tnoH", "state", "established",
                          f"sport = :{port}"], capture_output=True,
                         text=True, timeout=10).stdout
    # the server's side of the connection probes after 3 minutes
    assert "timer:(keepalive,2min" in out or \
        "timer:(keepalive,3min" in out, out
    c.close()
