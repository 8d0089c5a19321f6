# SPDX-License-Identifier: MIT
"""POP3 AUTH (RFC 5034) with every SASL mechanism: the gsasl command as
the client (bridged over POP3, channel bindings from our own TLS
connection), a hand-written SCRAM client for each channel-binding type,
EXTERNAL with client certificates, curl and poplib over TLS, and the
refusals: wrong password, unknown user, disabled account, denied service,
plaintext before TLS, authorization identity misuse, malformed exchanges."""
import poplib
import re
import ssl
import subprocess

import pytest
from OpenSSL import SSL

from gsasl_bridge import GsaslClient
from sasl_client import (LineClient, Scram, b64, client_context,
                         cram_md5, plain, start_sasl_server, unb64)

FAILED = "-ERR [AUTH] Authentication failed"


@pytest.fixture
def server(coffer_factory, pki):
    return start_sasl_server(coffer_factory, pki, "pop3", "enable_pop3s",
                             "pop")


def stls(server, ctx=None):
    c = LineClient(server.ports["pop3"])
    assert c.line().startswith("+OK")
    assert c.cmd("STLS").startswith("+OK")
    c.start_tls(ctx or client_context())
    return c


def pop3s(server, ctx=None):
    c = LineClient(server.ports["pop3s"])
    c.start_tls(ctx or client_context())
    assert c.line().startswith("+OK")
    return c


def capa(c):
    assert c.cmd("CAPA").startswith("+OK")
    caps = {}
    while (line := c.line()) != ".":
        word, *rest = line.split()
        caps[word] = rest
    return caps


def auth(c, mech, respond, initial=None):
    """One AUTH exchange; respond(challenge bytes) -> response bytes.
    Returns the final reply line."""
    line = c.cmd(f"AUTH {mech}" + (f" {b64(initial) or '='}"
                                    if initial is not None else ""))
    while line.startswith("+ ") or line == "+":
        line = c.cmd(b64(respond(unb64(line[2:]))))
    return line


def auth_gsasl(c, gs, mech):
    first = gs.output()
    line = c.cmd(f"AUTH {mech}" + (f" {first}" if first else ""))
    while line.startswith("+ ") or line == "+":
        gs.challenge(line[2:])
        line = c.cmd(gs.output())
    return line


# -- what is offered ------------------------------------------------------

def test_capabilities_follow_tls(server, pki):
    c = LineClient(server.ports["pop3"])
    c.line()
    caps = capa(c)
    # login_disabled: nothing that shows a password before TLS
    assert "USER" not in caps and "STLS" in caps
    assert caps["SASL"] == ["SCRAM-SHA-256", "SCRAM-SHA-1", "CRAM-MD5"]
    assert c.cmd("AUTH PLAIN " + b64(plain("alice", "s3cret"))) == \
        "-ERR [AUTH] Plaintext authentication is not allowed without " \
        "TLS (use STLS)"
    assert c.cmd("USER alice").startswith("-ERR [AUTH] Plaintext")
    c.close()
    c = stls(server)
    caps = capa(c)
    assert "USER" in caps and "STLS" not in caps
    assert caps["SASL"] == ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256",
                            "SCRAM-SHA-1-PLUS", "SCRAM-SHA-1", "CRAM-MD5",
                            "PLAIN", "LOGIN"]
    c.close()
    # a verified client certificate adds EXTERNAL
    c = pop3s(server, client_context(*pki.alice))
    assert "EXTERNAL" in capa(c)["SASL"]
    c.close()


# -- gsasl as the client --------------------------------------------------

@pytest.mark.parametrize("mech", ["SCRAM-SHA-256", "SCRAM-SHA-1",
                                  "CRAM-MD5", "PLAIN", "LOGIN"])
def test_gsasl(server, mech):
    c = stls(server)
    gs = GsaslClient(mech, "alice", "s3cret")
    assert auth_gsasl(c, gs, mech).startswith("+OK Maildrop locked")
    assert gs.finish() == 0
    assert re.search(rf"pop3 login: user=alice@example.com mech={mech} ",
                     server.log())
    c.close()


@pytest.mark.parametrize("mech", ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS"])
def test_gsasl_plus(server, mech):
    c = stls(server)  # TLS 1.3: tls-exporter
    gs = GsaslClient(mech, "alice", "s3cret", cb_exporter=b64(
        c.cb_exporter()))
    assert auth_gsasl(c, gs, mech).startswith("+OK")
    assert gs.finish() == 0
    c.close()
    # a relayed exchange sees a different channel
    c = stls(server)
    gs = GsaslClient(mech, "alice", "s3cret", cb_exporter=b64(b"x" * 32))
    assert auth_gsasl(c, gs, mech) == FAILED
    gs.finish()
    c.close()


# -- every channel-binding type -------------------------------------------

@pytest.mark.parametrize("cb", ["tls-exporter", "tls-unique",
                                "tls-server-end-point"])
@pytest.mark.parametrize("version", ["TLSv1.2", "TLSv1.3"])
def test_scram_plus_bindings(server, cb, version):
    ctx = client_context(max_version=SSL.TLS1_2_VERSION
                         if version == "TLSv1.2" else None)
    c = stls(server, ctx)
    data = {"tls-exporter": c.cb_exporter,
            "tls-unique": c.cb_unique,
            "tls-server-end-point": c.cb_server_end_point}[cb]()
    scram = Scram("sha256", "alice", "s3cret", flag="p", cb_name=cb,
                  cb_data=data)
    answers = iter([lambda _: scram.final(_), lambda v: (
        b"" if scram.check_server_final(v) else b"*")])
    line = auth(c, "SCRAM-SHA-256-PLUS", lambda ch: next(answers)(ch),
                initial=scram.first())
    if cb == "tls-unique" and version == "TLSv1.3":
        # RFC 8446 section C.5: tls-unique does not exist on TLS 1.3
        assert line == FAILED
    else:
        assert line.startswith("+OK"), (cb, version, line)
    c.close()


def test_scram_downgrade_refused(server):
    # "y": the client supports binding but saw no -PLUS; we offer it
    c = stls(server)
    scram = Scram("sha256", "alice", "s3cret", flag="y")
    line = auth(c, "SCRAM-SHA-256", scram.final, initial=scram.first())
    assert line == FAILED
    c.close()


# -- EXTERNAL --------------------------------------------------------------

def test_external(server, pki):
    c = pop3s(server, client_context(*pki.alice))
    assert c.cmd("AUTH EXTERNAL =").startswith("+OK Maildrop locked")
    c.close()
    # asking to act as somebody else is not alice's right
    c = pop3s(server, client_context(*pki.alice))
    assert c.cmd("AUTH EXTERNAL " + b64(b"bob@example.com")) == FAILED
    c.close()
    # no account for the certificate's name
    c = pop3s(server, client_context(*pki.nobody))
    assert c.cmd("AUTH EXTERNAL =") == FAILED
    c.close()
    # a certificate from an unknown CA is no identity at all
    c = pop3s(server, client_context(*pki.rogue))
    assert "EXTERNAL" not in capa(c)["SASL"]
    assert c.cmd("AUTH EXTERNAL =").startswith("-ERR")
    c.close()


# -- refusals ---------------------------------------------------------------

def test_refusals(server):
    c = stls(server)
    # unknown user and wrong password: the same answer (and delay)
    assert c.cmd("AUTH PLAIN " + b64(plain("alice", "wrong"))) == FAILED
    assert c.cmd("AUTH PLAIN " + b64(plain("ghost", "wrong"))) == FAILED
    scram = Scram("sha256", "ghost", "x")
    assert auth(c, "SCRAM-SHA-256", scram.final,
                initial=scram.first()) == FAILED
    c.close()
    log = server.log()
    assert re.search(r"pop3 login failed: user=ghost@example.com .*"
                     r"mech=SCRAM-SHA-256 .*delay=\d+ms", log), log
    c = stls(server)
    assert c.cmd("AUTH PLAIN " + b64(plain("dis", "d1s-pw"))) == \
        "-ERR [AUTH] Account is disabled"
    scram = Scram("sha1", "denied", "den1ed")
    line = auth(c, "SCRAM-SHA-1", lambda ch: scram.final(ch)
                if ch.startswith(b"r=") else b"", initial=scram.first())
    assert line == "-ERR [AUTH] POP3 access is not allowed for this account"
    c.close()


def test_authorization_identity(server):
    c = stls(server)
    # alice may not act as bob; admin_user may act as anybody
    assert c.cmd("AUTH PLAIN " + b64(plain("alice", "s3cret",
                                            "bob@example.com"))) == FAILED
    assert c.cmd("AUTH PLAIN " + b64(plain("admin", "adm1n",
                                            "bob"))).startswith("+OK")
    c.close()
    assert re.search(r"pop3 login: user=bob@example.com "
                     r"authcid=admin@example.com mech=PLAIN", server.log())
    c = stls(server)
    scram = Scram("sha256", "alice", "s3cret", authzid="alice@example.com")
    answers = iter([scram.final, lambda v: b""])
    assert auth(c, "SCRAM-SHA-256", lambda ch: next(answers)(ch),
                initial=scram.first()).startswith("+OK")
    c.close()


def test_malformed_exchanges(server):
    c = stls(server)
    assert c.cmd("AUTH PLAIN ###") == "-ERR [AUTH] Invalid authentication " \
        "exchange"
    assert c.cmd("AUTH SCRAM-SHA-256 " + b64(b"garbage")) == \
        "-ERR [AUTH] Invalid authentication exchange"
    assert c.cmd("AUTH CRAM-MD5 " + b64(b"x")).startswith("-ERR")
    assert c.cmd("AUTH LOGIN") == "+ " + b64(b"Username:")
    assert c.cmd("*") == "-ERR Authentication cancelled"
    assert c.cmd("AUTH DIGEST-MD5") == \
        "-ERR Unsupported authentication mechanism"
    c.close()
    # CRAM-MD5 with a wrong digest is a failure, not a malformation
    c = stls(server)
    assert auth(c, "CRAM-MD5",
                lambda ch: cram_md5("alice", "wrong", ch)) == FAILED
    c.close()


# -- ordinary clients over TLS --------------------------------------------

def test_poplib_and_curl(server, pki):
    ctx = ssl.create_default_context(cafile=pki.ca[0])
    c = poplib.POP3("127.0.0.1", server.ports["pop3"], timeout=20)
    c.stls(context=ctx)
    c.user("alice")
    c.pass_("s3cret")
    c.quit()
    c = poplib.POP3_SSL("127.0.0.1", server.ports["pop3s"], context=ctx,
                        timeout=20)
    c.user("alice")
    c.pass_("s3cret")
    c.quit()
    for url, extra in ((f"pop3://127.0.0.1:{server.ports['pop3']}/",
                        ["--ssl-reqd"]),
                       (f"pop3s://127.0.0.1:{server.ports['pop3s']}/", [])):
        r = subprocess.run(["curl", "-sS", "--max-time", "20", *extra,
                            "--cacert", pki.ca[0], "-u", "alice:s3cret",
                            url], capture_output=True, text=True,
                           timeout=60)
        assert r.returncode == 0, r.stderr
    # curl's SASL choice over TLS, and refusing to go on without TLS
    r = subprocess.run(["curl", "-sS", "--max-time", "20", "--ssl-reqd",
                        "--cacert", pki.ca[0], "--login-options",
                        "AUTH=PLAIN", "-u", "alice:s3cret",
                        f"pop3://127.0.0.1:{server.ports['pop3']}/"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
