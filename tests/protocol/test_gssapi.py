# SPDX-License-Identifier: MIT
"""GSSAPI (RFC 4752) end to end: a Kerberos realm on loopback (kdc.py),
cofferd with a keytab, and the gsasl command as the client with a ticket
from kinit. Skipped without the MIT KDC tools."""
import os
import subprocess
import pathlib
import shutil
import tempfile

import pytest

import kdc as kdcmod
from gsasl_bridge import GsaslClient
from sasl_client import LineClient

pytestmark = pytest.mark.skipif(not kdcmod.available(),
                                reason="MIT Kerberos KDC tools missing")


@pytest.fixture(scope="module")
def kdc():
    root = tempfile.mkdtemp(prefix="coffer-kdc-", dir="/tmp")
    k = kdcmod.KDC(root)
    try:
        k.add_user("alice", "alice-krb")
        k.add_service("pop")
        k.add_service("imap")
        yield k
    finally:
        k.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def server(coffer_factory, kdc, monkeypatch):
    # cofferd inherits the environment: the realm's krb5.conf, and the
    # one-time allocation MIT's GSS-API glue keeps for the process
    monkeypatch.setenv("KRB5_CONFIG", str(kdc.krb5_conf))
    supp = pathlib.Path(os.environ.get("COFFER_SOURCE_DIR", "../..")) / \
        "tests" / "lsan-gssapi.supp"
    monkeypatch.setenv("LSAN_OPTIONS", f"suppressions={supp.resolve()}")
    s = coffer_factory(services="imap,pop3", users={"alice": "s3cret"})
    s.write_conf("<sasl>"
                 f"<gssapi_keytab>{kdc.keytab}</gssapi_keytab>"
                 f"<gssapi_hostname>{kdcmod.HOST}</gssapi_hostname>"
                 f"<gssapi_realms>{kdcmod.REALM}</gssapi_realms>"
                 "</sasl>")
    s.start()
    return s


def gssapi_offered(c):
    assert c.cmd("CAPA").startswith("+OK")
    caps = []
    while (line := c.line()) != ".":
        caps.append(line)
    return any(line.startswith("SASL ") and " GSSAPI" in line
               for line in caps)


def test_pop3_gssapi(server, kdc, monkeypatch):
    kdc.kinit(f"alice@{kdcmod.REALM}", "alice-krb")
    monkeypatch.setenv("KRB5CCNAME", f"FILE:{kdc.ccache}")
    c = LineClient(server.ports["pop3"])
    c.line()
    assert gssapi_offered(c)
    gs = GsaslClient("GSSAPI", authid="alice", extra=[
        "--service", "pop", "--hostname", kdcmod.HOST])
    first = gs.output()
    line = c.cmd("AUTH GSSAPI " + first)
    while line.startswith("+ ") or line == "+":
        gs.challenge(line[2:])
        line = c.cmd(gs.output())
    assert line.startswith("+OK Maildrop locked"), line
    assert gs.finish() == 0
    assert "pop3 login: user=alice@example.com mech=GSSAPI" in server.log()
    c.close()


def test_imap_gssapi(server, kdc, monkeypatch):
    server.require("imap")
    kdc.kinit(f"alice@{kdcmod.REALM}", "alice-krb")
    monkeypatch.setenv("KRB5CCNAME", f"FILE:{kdc.ccache}")
    r = subprocess.run(
        ["gsasl", "--imap", "--connect",
         f"127.0.0.1:{server.ports['imap']}", "--no-starttls",
         "-m", "GSSAPI", "--service", "imap", "--hostname", kdcmod.HOST,
         "-a", "alice"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "imap login: user=alice@example.com mech=GSSAPI" in server.log()
