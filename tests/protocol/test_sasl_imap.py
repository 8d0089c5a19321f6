# SPDX-License-Identifier: MIT
"""IMAP AUTHENTICATE (RFC 3501 section 6.2.2, SASL-IR RFC 4959) over TLS
with real clients: the gsasl command (its own IMAP and STARTTLS code,
channel bindings from GnuTLS), curl --ssl-reqd, imaplib, mbsync, openssl
s_client with a client certificate for EXTERNAL; capabilities before and
after TLS, plaintext injection, and the refusals."""
import imaplib
import re
import ssl
import subprocess

import pytest

from sasl_client import (LineClient, Scram, b64, client_context,
                         plain, start_sasl_server, unb64)

NO_AUTH = "NO [AUTHENTICATIONFAILED] Authentication failed."


@pytest.fixture
def server(coffer_factory, pki):
    return start_sasl_server(coffer_factory, pki, "imap", "enable_imaps",
                             "imap")


def caps_of(line):
    m = re.search(r"CAPABILITY ([^\]]*)", line)
    return m.group(1).split()


def starttls(server, ctx=None):
    c = LineClient(server.ports["imap"])
    c.line()
    assert c.cmd("t STARTTLS").startswith("t OK")
    c.start_tls(ctx or client_context())
    return c


def imaps(server, ctx=None):
    c = LineClient(server.ports["imaps"])
    c.start_tls(ctx or client_context())
    c.line()
    return c


def tagged(c, tag):
    while True:
        line = c.line()
        if line.startswith(tag + " "):
            return line[len(tag) + 1:]


def authenticate(c, tag, mech, respond, initial=None):
    """AUTHENTICATE with optional SASL-IR; respond(challenge) -> bytes."""
    ir = f" {b64(initial) or '='}" if initial is not None else ""
    c.send(f"{tag} AUTHENTICATE {mech}{ir}\r\n")
    while True:
        line = c.line()
        if line.startswith("+"):
            c.send(b64(respond(unb64(line[2:]))) + "\r\n")
        elif line.startswith(tag + " "):
            return line[len(tag) + 1:]


def scram_responder(scram):
    def respond(ch):
        if ch.startswith(b"r="):
            return scram.final(ch)
        assert scram.check_server_final(ch), ch
        return b""
    return respond


# -- capabilities ----------------------------------------------------------

def test_capabilities_follow_tls(server, pki):
    c = LineClient(server.ports["imap"])
    caps = caps_of(c.line())
    assert "STARTTLS" in caps and "LOGINDISABLED" in caps
    assert "SASL-IR" in caps
    assert [x for x in caps if x.startswith("AUTH=")] == [
        "AUTH=SCRAM-SHA-256", "AUTH=SCRAM-SHA-1", "AUTH=CRAM-MD5"]
    assert c.cmd("a LOGIN alice s3cret").startswith("a NO [PRIVACYREQUIRED]")
    assert authenticate(c, "b", "PLAIN", None,
                        plain("alice", "s3cret")).startswith(
        "NO [PRIVACYREQUIRED]")
    c.close()
    c = starttls(server)
    c.send("c CAPABILITY\r\n")
    caps = c.line().split()
    tagged(c, "c")
    assert "STARTTLS" not in caps and "LOGINDISABLED" not in caps
    assert [x for x in caps if x.startswith("AUTH=")] == [
        "AUTH=SCRAM-SHA-256-PLUS", "AUTH=SCRAM-SHA-256",
        "AUTH=SCRAM-SHA-1-PLUS", "AUTH=SCRAM-SHA-1", "AUTH=CRAM-MD5",
        "AUTH=PLAIN", "AUTH=LOGIN"]
    c.close()
    c = imaps(server, client_context(*pki.alice))
    c.send("d CAPABILITY\r\n")
    assert "AUTH=EXTERNAL" in c.line().split()
    c.close()


def test_starttls_discards_pipelined_plaintext(server):
    c = LineClient(server.ports["imap"])
    c.line()
    c.send("a STARTTLS\r\nb LOGIN alice s3cret\r\n")
    assert c.line().startswith("a OK")
    c.start_tls(client_context())
    # the LOGIN sent before the handshake never ran
    c.send("c NOOP\r\n")
    assert tagged(c, "c").startswith("OK")
    c.send("d SELECT INBOX\r\n")
    assert tagged(c, "d").startswith("BAD")  # not authenticated
    c.close()


# -- gsasl as the client (its own IMAP, STARTTLS and channel binding) ------

def gsasl_imap(server, pki, mech, password="s3cret", *extra):
    return subprocess.run(
        ["gsasl", "--imap", "--connect",
         f"127.0.0.1:{server.ports['imap']}", "--starttls",
         "--x509-ca-file", pki.ca[0], "--hostname", "localhost",
         "-m", mech, "-a", "alice", "-p", password, *extra],
        stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=60)


@pytest.mark.parametrize("mech", ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS",
                                  "SCRAM-SHA-256", "SCRAM-SHA-1",
                                  "CRAM-MD5", "PLAIN", "LOGIN"])
def test_gsasl_imap(server, pki, mech):
    # gsasl will not run plain SCRAM while it holds channel-binding data;
    # --no-cb makes it a client without binding ("n")
    extra = ["--no-cb"] if mech.startswith("SCRAM") and \
        not mech.endswith("-PLUS") else []
    r = gsasl_imap(server, pki, mech, "s3cret", *extra)
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.search(rf"imap login: user=alice@example.com mech={mech} ",
                     server.log()), server.log()


def test_gsasl_wrong_password(server, pki):
    assert gsasl_imap(server, pki, "SCRAM-SHA-256-PLUS",
                      "wrong").returncode != 0


# -- a hand-written SCRAM client: each binding type -----------------------

@pytest.mark.parametrize("cb", ["tls-exporter", "tls-server-end-point"])
def test_scram_plus_bindings(server, cb):
    c = starttls(server)
    data = c.cb_exporter() if cb == "tls-exporter" else \
        c.cb_server_end_point()
    scram = Scram("sha256", "alice", "s3cret", flag="p", cb_name=cb,
                  cb_data=data)
    assert authenticate(c, "a", "SCRAM-SHA-256-PLUS", scram_responder(scram),
                        scram.first()).startswith("OK [CAPABILITY")
    c.close()


# -- EXTERNAL with openssl s_client ---------------------------------------

def test_external_s_client(server, pki):
    r = subprocess.run(
        ["openssl", "s_client", "-connect",
         f"127.0.0.1:{server.ports['imap']}", "-starttls", "imap",
         "-cert", pki.alice[0], "-key", pki.alice[1], "-quiet"],
        input=b"a AUTHENTICATE EXTERNAL =\r\nb LOGOUT\r\n",
        capture_output=True, timeout=30)
    out = r.stdout.decode(errors="replace")
    assert re.search(r"^a OK \[CAPABILITY", out, re.M), out
    assert "imap login: user=alice@example.com mech=EXTERNAL" in \
        server.log()


def test_external_refusals(server, pki):
    c = imaps(server, client_context(*pki.alice))
    assert c.cmd("a AUTHENTICATE EXTERNAL " + b64(b"bob")) == \
        "a " + NO_AUTH
    c.close()
    c = imaps(server, client_context(*pki.rogue))
    assert c.cmd("a AUTHENTICATE EXTERNAL =").startswith("a NO [CANNOT]")
    c.close()


# -- ordinary clients over TLS --------------------------------------------

def test_imaplib_curl_mbsync(server, pki, tmp_path):
    ctx = ssl.create_default_context(cafile=pki.ca[0])
    c = imaplib.IMAP4("127.0.0.1", server.ports["imap"], timeout=20)
    c.starttls(ssl_context=ctx)
    c.login("alice", "s3cret")
    c.logout()
    c = imaplib.IMAP4_SSL("127.0.0.1", server.ports["imaps"],
                          ssl_context=ctx, timeout=20)
    c.authenticate("PLAIN", lambda _: plain("alice", "s3cret"))
    c.logout()
    for args in (["--ssl-reqd",
                  f"imap://127.0.0.1:{server.ports['imap']}/INBOX"],
                 [f"imaps://127.0.0.1:{server.ports['imaps']}/INBOX"],
                 ["--ssl-reqd", "--login-options", "AUTH=PLAIN",
                  f"imap://127.0.0.1:{server.ports['imap']}/INBOX"]):
        r = subprocess.run(["curl", "-sS", "--max-time", "20", "--cacert",
                            pki.ca[0], "-u", "alice:s3cret", *args],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, (args, r.stderr)
    # curl refuses to talk in the clear when TLS is required but missing
    r = subprocess.run(["curl", "-sS", "--max-time", "20", "--ssl-reqd",
                        "-u", "alice:s3cret",
                        f"imap://127.0.0.1:{server.ports['imaps']}/"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    # mbsync over STARTTLS with SCRAM or PLAIN, whatever it prefers
    maildir = tmp_path / "mail"
    maildir.mkdir()
    rc = tmp_path / "mbsyncrc"
    rc.write_text(
        "IMAPAccount coffer\nHost localhost\n"
        f"Port {server.ports['imap']}\nUser alice\nPass s3cret\n"
        "SSLType STARTTLS\n"
        f"CertificateFile {pki.ca[0]}\n\n"
        "IMAPStore remote\nAccount coffer\n\n"
        f"MaildirStore local\nPath {maildir}/\nInbox {maildir}/INBOX\n\n"
        "Channel all\nFar :remote:\nNear :local:\nPatterns INBOX\n"
        "Create Near\nSyncState *\n")
    r = subprocess.run(["mbsync", "-c", str(rc), "-a"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr


# -- refusals -------------------------------------------------------------

def test_refusals(server):
    c = starttls(server)
    assert authenticate(c, "a", "PLAIN", None,
                        plain("alice", "wrong")) == NO_AUTH
    assert authenticate(c, "b", "PLAIN", None,
                        plain("ghost", "x")) == NO_AUTH
    scram = Scram("sha256", "ghost", "x")
    assert authenticate(c, "c", "SCRAM-SHA-256", scram_responder(scram),
                        scram.first()) == NO_AUTH
    c.close()
    c = starttls(server)
    assert authenticate(c, "d", "PLAIN", None,
                        plain("dis", "d1s-pw")).startswith(
        "NO [CONTACTADMIN]")
    scram = Scram("sha1", "denied", "den1ed")
    assert authenticate(c, "e", "SCRAM-SHA-1", scram_responder(scram),
                        scram.first()).startswith("NO [CONTACTADMIN]")
    c.close()
    log = server.log()
    assert re.search(r"imap login failed: user=ghost@example.com .*"
                     r"mech=SCRAM-SHA-256 .*delay=\d+ms", log), log
    assert re.search(r"imap login refused: user=denied@example.com "
                     r"mech=SCRAM-SHA-1 ", log), log


def test_authorization_identity(server):
    c = starttls(server)
    assert authenticate(c, "a", "PLAIN", None,
                        plain("alice", "s3cret", "bob")) == NO_AUTH
    assert authenticate(c, "b", "PLAIN", None,
                        plain("admin", "adm1n", "bob")).startswith("OK")
    c.send("c NAMESPACE\r\n")
    assert tagged(c, "c").startswith("OK")
    c.close()
    assert re.search(r"imap login: user=bob@example.com "
                     r"authcid=admin@example.com mech=PLAIN", server.log())


def test_malformed_exchanges(server):
    c = starttls(server)
    # RFC 3501 section 6.2.2: "*" cancels with BAD
    c.send("a AUTHENTICATE PLAIN\r\n")
    assert c.line() == "+ "
    assert c.cmd("*") == "a BAD Authentication canceled."
    # bad base64, garbage SCRAM, an initial response to CRAM-MD5
    # (RFC 4959 section 3): BAD
    assert c.cmd("b AUTHENTICATE PLAIN AAA=BBB").startswith("b BAD")
    assert c.cmd("c AUTHENTICATE SCRAM-SHA-256 " +
                 b64(b"garbage")).startswith("c BAD")
    assert c.cmd("d AUTHENTICATE CRAM-MD5 " + b64(b"x")).startswith("d BAD")
    assert c.cmd("e AUTHENTICATE DIGEST-MD5").startswith("e NO [CANNOT]")
    c.close()
