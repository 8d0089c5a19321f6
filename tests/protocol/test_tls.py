# SPDX-License-Identifier: MIT
"""TLS for every service: STARTTLS/STLS with openssl s_client, implicit
TLS ports, plaintext sent before the handshake is discarded, client
certificates, certificate reload on SIGHUP, and start-up errors. Test
certificates come from a CA made with the openssl command (tls_pki.py)."""
import poplib
import re
import signal
import smtplib
import ssl
import subprocess

import pytest

from sasl_client import LineClient, client_context

USERS = {"alice": "s3cret", "bob": "b0b-pw"}
MSG = b"Subject: tls\r\n\r\nover TLS\r\n"


def tls_server(coffer_factory, pki, services="pop3,lmtp", start=True,
               **options):
    opts = pki.server_options()
    opts.update(options)
    return coffer_factory(options=opts, users=USERS, services=services,
                          start=start)


def s_client(port, *args, stdin=b"", timeout=30):
    """openssl s_client; returns its stdout and stderr as text."""
    r = subprocess.run(["openssl", "s_client", "-connect",
                        f"127.0.0.1:{port}", "-ign_eof", *args],
                       input=stdin, capture_output=True, timeout=timeout)
    return r.stdout.decode(errors="replace"), \
        r.stderr.decode(errors="replace")


def client_ssl(pki, cert=None):
    ctx = ssl.create_default_context(cafile=pki.ca[0])
    if cert is not None:
        ctx.load_cert_chain(*cert)
    return ctx


# -- STARTTLS and implicit TLS with openssl s_client ----------------------

def test_pop3_stls_s_client(coffer_factory, pki):
    server = tls_server(coffer_factory, pki)
    out, err = s_client(server.ports["pop3"], "-starttls", "pop3",
                        "-CAfile", pki.ca[0], "-verify_return_error",
                        stdin=b"CAPA\r\nQUIT\r\n")
    assert "Verify return code: 0 (ok)" in out, out + err
    assert "SASL SCRAM-SHA-256-PLUS" in out
    # after TLS: no STLS, USER and PLAIN allowed
    caps = out.split("+OK Capability list follows")[1]
    assert "STLS" not in caps and "USER" in caps and " PLAIN" in caps


def test_imap_starttls_and_imaps_s_client(coffer_factory, pki):
    server = tls_server(coffer_factory, pki, services="imap",
                        enable_imaps="true", login_disabled="true")
    out, err = s_client(server.ports["imap"], "-starttls", "imap",
                        "-CAfile", pki.ca[0], "-verify_return_error",
                        stdin=b"a CAPABILITY\r\nb LOGOUT\r\n")
    assert "Verify return code: 0 (ok)" in out, out + err
    caps = re.search(r"\* CAPABILITY (.*)", out).group(1).split()
    assert "STARTTLS" not in caps and "LOGINDISABLED" not in caps
    assert "AUTH=SCRAM-SHA-256-PLUS" in caps and "AUTH=PLAIN" in caps
    out, err = s_client(server.ports["imaps"], "-CAfile", pki.ca[0],
                        "-verify_return_error",
                        stdin=b"a LOGIN alice s3cret\r\nb LOGOUT\r\n")
    assert "Verify return code: 0 (ok)" in out, out + err
    assert re.search(r"^a OK \[CAPABILITY", out, re.M), out


def test_lmtp_starttls(coffer_factory, pki):
    server = tls_server(coffer_factory, pki)
    out, err = s_client(server.ports["lmtp"], "-starttls", "lmtp",
                        "-CAfile", pki.ca[0], "-verify_return_error",
                        stdin=b"LHLO client.example\r\nQUIT\r\n")
    assert "Verify return code: 0 (ok)" in out, out + err
    # s_client consumed the exchange before TLS; the LHLO reply under
    # TLS no longer announces STARTTLS (RFC 3207 section 4)
    assert "250-PIPELINING" in out
    assert "STARTTLS" not in out
    # a delivery over TLS is traced "with LMTPS" (RFC 3848)
    with smtplib.LMTP("127.0.0.1", server.ports["lmtp"],
                      timeout=20) as lmtp:
        lmtp.ehlo_or_helo_if_needed()
        assert lmtp.has_extn("starttls")
        lmtp.starttls(context=client_ssl(pki))
        lmtp.ehlo()
        assert not lmtp.has_extn("starttls")
        lmtp.sendmail("s@example.org", ["alice@example.com"], MSG)
    c = server.pop3()
    c.stls(context=client_ssl(pki))
    c.user("alice")
    c.pass_("s3cret")
    text = b"\n".join(c.retr(1)[1])
    assert re.search(rb"with LMTPS id", text), text
    c.quit()


def test_lmtp_unix_socket_no_starttls(coffer_factory, pki):
    server = tls_server(coffer_factory, pki)
    s = server.connect_unix(server.lmtp_socket)
    f = s.makefile("rwb")
    assert f.readline().startswith(b"220 ")
    f.write(b"LHLO x\r\n")
    f.flush()
    lines = []
    while True:
        line = f.readline()
        lines.append(line)
        if line[3:4] == b" ":
            break
    assert not any(b"STARTTLS" in l for l in lines)
    f.write(b"STARTTLS\r\n")
    f.flush()
    assert f.readline().startswith(b"454 4.7.0")
    s.close()


def test_implicit_tls(coffer_factory, pki):
    server = tls_server(coffer_factory, pki, services="pop3",
                        enable_pop3s="true")
    out, err = s_client(server.ports["pop3s"], "-CAfile", pki.ca[0],
                        "-verify_return_error", stdin=b"CAPA\r\nQUIT\r\n")
    assert "Verify return code: 0 (ok)" in out, out + err
    assert "+OK" in out
    assert "STLS" not in out.split("Capability list follows")[-1]
    c = poplib.POP3_SSL("127.0.0.1", server.ports["pop3s"],
                        context=client_ssl(pki), timeout=20)
    c.user("alice")
    c.pass_("s3cret")
    c.quit()


def test_tls_versions_and_ciphers(coffer_factory, pki):
    server = tls_server(coffer_factory, pki, services="pop3",
                        enable_pop3s="true",
                        tls_min_protocol="TLSv1.3")
    port = server.ports["pop3s"]
    out, _ = s_client(port, "-tls1_2", stdin=b"QUIT\r\n")
    assert "+OK" not in out
    out, _ = s_client(port, "-tls1_3", stdin=b"QUIT\r\n")
    assert "TLSv1.3" in out and "+OK" in out
    # no anonymous or NULL suites, whatever a client offers
    out, _ = s_client(port, "-tls1_2", "-cipher", "aNULL:eNULL:@SECLEVEL=0",
                      stdin=b"QUIT\r\n")
    assert "+OK" not in out


# -- plaintext injection --------------------------------------------------

def test_stls_discards_pipelined_plaintext(coffer_factory, pki):
    server = tls_server(coffer_factory, pki)
    c = LineClient(server.ports["pop3"])
    assert c.line().startswith("+OK")
    # RFC 2595 section 4 / CVE-2011-0411: the QUIT sent in the same
    # packet as STLS must never run once TLS is up
    c.send("STLS\r\nQUIT\r\n")
    assert c.line().startswith("+OK Begin TLS")
    c.start_tls(client_context())
    assert c.cmd("NOOP").startswith("-ERR")  # still AUTHORIZATION state
    assert c.cmd("USER alice").startswith("+OK")
    assert c.cmd("PASS s3cret").startswith("+OK")
    c.close()


def test_lmtp_starttls_discards_pipelined_plaintext(coffer_factory, pki):
    server = tls_server(coffer_factory, pki)
    c = LineClient(server.ports["lmtp"])
    assert c.line().startswith("220 ")
    c.cmd("LHLO x")
    while not c.line().startswith("250 "):
        pass
    c.send("STARTTLS\r\nMAIL FROM:<evil@example.org>\r\n")
    assert c.line().startswith("220 2.0.0")
    c.start_tls(client_context())
    # the injected MAIL was dropped and LHLO is needed again
    assert c.cmd("RCPT TO:<alice@example.com>").startswith("503")
    assert c.cmd("STARTTLS").startswith("503 5.5.1")
    c.close()


# -- client certificates --------------------------------------------------

def test_client_certificates_optional(coffer_factory, pki):
    server = tls_server(coffer_factory, pki, services="pop3",
                        enable_pop3s="true")
    port = server.ports["pop3s"]
    # asked for, not required: with none, with a good one, with one the
    # CA did not sign (tls_force_verify true: continues without identity)
    for cert in (None, pki.alice, pki.rogue):
        args = ["-cert", cert[0], "-key", cert[1]] if cert else []
        out, err = s_client(port, *args, stdin=b"QUIT\r\n")
        assert "+OK" in out, (cert, out, err)
    assert "Acceptable client certificate CA names" in out
    assert "Coffer Test CA" in out


def test_client_certificates_enforced(coffer_factory, pki):
    server = tls_server(coffer_factory, pki, services="pop3",
                        enable_pop3s="true", tls_force_verify="false")
    port = server.ports["pop3s"]
    out, _ = s_client(port, "-cert", pki.rogue[0], "-key", pki.rogue[1],
                      stdin=b"QUIT\r\n")
    assert "+OK" not in out
    out, _ = s_client(port, "-cert", pki.alice[0], "-key", pki.alice[1],
                      stdin=b"QUIT\r\n")
    assert "+OK" in out
    server.set_options(tls_force_verify="true",
                       tls_require_client_cert="true")
    server.send_signal(signal.SIGHUP)
    server.wait_log(r"TLS certificate and settings re-read")
    out, _ = s_client(port, stdin=b"QUIT\r\n")
    assert "+OK" not in out
    out, _ = s_client(port, "-cert", pki.alice[0], "-key", pki.alice[1],
                      stdin=b"QUIT\r\n")
    assert "+OK" in out


# -- reload ---------------------------------------------------------------

def peer_cn(port, stls=False):
    out, _ = s_client(port, *(["-starttls", "pop3"] if stls else []),
                      stdin=b"QUIT\r\n")
    m = re.search(r"subject=CN = (\S+)", out)
    return m.group(1) if m else out


def test_certificate_reload_on_sighup(coffer_factory, pki):
    server = tls_server(coffer_factory, pki, services="pop3",
                        enable_pop3s="true")
    assert peer_cn(server.ports["pop3s"]) == "localhost"
    # a connection open across the reload keeps working
    keep = poplib.POP3_SSL("127.0.0.1", server.ports["pop3s"],
                           context=client_ssl(pki), timeout=20)
    # a broken certificate: logged, the old one stays
    server.set_options(tls_cert_file="/nonexistent/cert.pem")
    mark = server.log_size()
    server.send_signal(signal.SIGHUP)
    server.wait_log(r"keeping the running TLS certificate", since=mark)
    assert peer_cn(server.ports["pop3s"]) == "localhost"
    # the new certificate for new connections, STLS and implicit
    server.set_options(tls_cert_file=pki.server2[0],
                       tls_key_file=pki.server2[1])
    mark = server.log_size()
    server.send_signal(signal.SIGHUP)
    server.wait_log(r"TLS certificate and settings re-read", since=mark)
    assert peer_cn(server.ports["pop3s"]) == "second.localhost"
    assert peer_cn(server.ports["pop3"], stls=True) == "second.localhost"
    keep.user("alice")
    keep.pass_("s3cret")
    keep.quit()


# -- start-up -------------------------------------------------------------

def test_implicit_tls_needs_certificate(coffer_factory):
    server = coffer_factory(options={"enable_pop3s": "true"},
                            services="pop3")
    server.start(wait=False)
    assert server.wait() != 0
    assert "enable_imaps or enable_pop3s needs tls_cert_file" in \
        server.log()
    server.assert_clean_log()


def test_broken_certificate_stops_start_up(coffer_factory, pki):
    server = coffer_factory(options={"tls_cert_file": pki.server[0],
                                     "tls_key_file": pki.server2[1]},
                            services="pop3")
    server.start(wait=False)
    assert server.wait() != 0
    assert re.search(r"TLS: .*private key does not match the certificate",
                     server.log()), server.log()
    server.assert_clean_log()


def test_no_certificate_no_stls(coffer_factory):
    server = coffer_factory(options={"login_disabled": "true"},
                            users=USERS, services="pop3", start=True)
    assert "tls_cert_file is not set: STARTTLS is not offered" in \
        server.log()
    c = server.pop3()
    assert "STLS" not in c.capa()
    with pytest.raises(poplib.error_proto, match="STLS is not available"):
        c._shortcmd("STLS")
    c.quit()
