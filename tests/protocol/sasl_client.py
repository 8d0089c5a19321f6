# SPDX-License-Identifier: MIT
"""Client sides of SASL mechanisms and a line-oriented IMAP/POP3 client
that can switch to TLS, for the TLS/SASL protocol tests.

The TLS side uses pyOpenSSL (Debian python3-openssl) because the standard
ssl module cannot export keying material (tls-exporter, RFC 9266).
Sockets get kernel send/receive timeouts, so a silent server fails a test
instead of hanging it."""
import base64
import hashlib
import hmac
import os
import socket
import struct

from OpenSSL import SSL, crypto

TIMEOUT = 20


# -- mechanisms ---------------------------------------------------------

def plain(authcid, password, authzid=""):
    """RFC 4616 section 2."""
    return f"{authzid}\0{authcid}\0{password}".encode()


def cram_md5(user, password, challenge):
    """RFC 2195 section 2."""
    digest = hmac.new(password.encode(), challenge, hashlib.md5).hexdigest()
    return f"{user} {digest}".encode()


def _saslname(name):
    return name.replace("=", "=3D").replace(",", "=2C")


class Scram:
    """RFC 5802 client. flag: "n", "y" or "p" (with cb_name/cb_data)."""

    def __init__(self, hash_name, user, password, authzid=None, flag="n",
                 cb_name=None, cb_data=b""):
        self.hash = hash_name
        self.user = user
        self.password = password.encode()
        self.flag = flag
        self.cb_name = cb_name
        self.cb_data = cb_data
        a = f"a={_saslname(authzid)}" if authzid else ""
        cbflag = f"p={cb_name}" if flag == "p" else flag
        self.gs2 = f"{cbflag},{a},"
        self.cnonce = base64.b64encode(os.urandom(18)).decode()
        self.bare = f"n={_saslname(user)},r={self.cnonce}"
        self.server_signature = None

    def first(self):
        return (self.gs2 + self.bare).encode()

    def final(self, server_first, proof_bytes=None):
        attrs = dict(a.split("=", 1) for a in
                     server_first.decode().split(","))
        assert attrs["r"].startswith(self.cnonce)
        salt = base64.b64decode(attrs["s"])
        salted = hashlib.pbkdf2_hmac(self.hash, self.password, salt,
                                     int(attrs["i"]))
        cbind = self.gs2.encode()
        if self.flag == "p":
            cbind += self.cb_data
        without_proof = ("c=" + base64.b64encode(cbind).decode() +
                         ",r=" + attrs["r"])
        auth = f"{self.bare},{server_first.decode()},{without_proof}".encode()
        client_key = hmac.new(salted, b"Client Key", self.hash).digest()
        stored = hashlib.new(self.hash, client_key).digest()
        sig = hmac.new(stored, auth, self.hash).digest()
        proof = bytes(x ^ y for x, y in zip(client_key, sig))
        if proof_bytes is not None:
            proof = proof_bytes
        server_key = hmac.new(salted, b"Server Key", self.hash).digest()
        self.server_signature = hmac.new(server_key, auth,
                                         self.hash).digest()
        return (without_proof + ",p=" +
                base64.b64encode(proof).decode()).encode()

    def check_server_final(self, data):
        expect = b"v=" + base64.b64encode(self.server_signature)
        return data == expect


# -- a line client with STARTTLS ---------------------------------------

def _sock_timeouts(sock):
    tv = struct.pack("ll", TIMEOUT, 0)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, tv)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, tv)


def client_context(cert=None, key=None, max_version=None):
    ctx = SSL.Context(SSL.TLS_CLIENT_METHOD)
    ctx.set_verify(SSL.VERIFY_NONE, lambda *a: True)
    if max_version is not None:
        ctx.set_max_proto_version(max_version)
    if cert is not None:
        ctx.use_certificate_file(cert)
        ctx.use_privatekey_file(key)
    return ctx


class LineClient:
    """CRLF lines over TCP, optionally switched to TLS."""

    def __init__(self, port, host="127.0.0.1"):
        self.sock = socket.create_connection((host, port), timeout=TIMEOUT)
        self.sock.settimeout(None)  # kernel timeouts instead (pyOpenSSL)
        _sock_timeouts(self.sock)
        self.conn = None
        self.buf = b""

    def start_tls(self, ctx):
        """Handshake on the socket; bytes buffered so far are dropped."""
        self.buf = b""
        self.conn = SSL.Connection(ctx, self.sock)
        self.conn.set_connect_state()
        self.conn.do_handshake()

    def _recv(self):
        try:
            data = (self.conn.recv(65536) if self.conn is not None
                    else self.sock.recv(65536))
        except (SSL.ZeroReturnError, SSL.SysCallError):
            data = b""
        return data

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        if self.conn is not None:
            self.conn.sendall(data)
        else:
            self.sock.sendall(data)

    def line(self):
        while b"\n" not in self.buf:
            data = self._recv()
            if not data:
                raise EOFError("connection closed: %r" % self.buf)
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r").decode("utf-8", "replace")

    def cmd(self, text):
        self.send(text + "\r\n")
        return self.line()

    def closed(self):
        """True if the server closed the connection (no more bytes)."""
        try:
            return not self.buf and not self._recv()
        except OSError:
            return True

    # channel bindings as this client sees them
    def cb_exporter(self):
        return self.conn.export_keying_material(
            b"EXPORTER-Channel-Binding", 32)

    def cb_unique(self):
        # RFC 5929 section 3.1: the client's Finished in a full handshake
        return self.conn.get_finished()

    def cb_server_end_point(self):
        der = crypto.dump_certificate(crypto.FILETYPE_ASN1,
                                      self.conn.get_peer_certificate())
        return hashlib.sha256(der).digest()

    def close(self):
        try:
            if self.conn is not None:
                self.conn.shutdown()
        except SSL.Error:
            pass
        self.sock.close()


def b64(data):
    return base64.b64encode(data).decode() if data else ""


def unb64(text):
    return base64.b64decode(text) if text else b""


# ---- the server both SASL test modules use ----

SASL_USERS = {"alice": "s3cret", "bob": "b0b-pw", "admin": "adm1n",
              "dis": "d1s-pw", "denied": "den1ed"}


def start_sasl_server(coffer_factory, pki, service, implicit_tls_option,
                      access_service):
    """A started Coffer running `service` with TLS from pki, clear-text
    logins refused before TLS, every mechanism in mech_list (CRAM-MD5
    secrets are only stored when it is named), the SASL_USERS accounts,
    'dis' disabled and 'denied' denied `access_service`."""
    opts = pki.server_options()
    opts.update({"login_disabled": "true", implicit_tls_option: "true",
                 "admin_user": "admin@example.com"})
    s = coffer_factory(options=opts, services=service)
    s.write_conf("<sasl><mech_list>SCRAM-SHA-256 SCRAM-SHA-1 CRAM-MD5 "
                 "PLAIN LOGIN EXTERNAL</mech_list></sasl>")
    for name, password in SASL_USERS.items():
        s.add_user(name, password)
    s.msadm("add", "-d", "-f", "dis")
    s.msadm("passwd", "-p", SASL_USERS["dis"], "dis")
    s.msadm("service", access_service, "deny", "denied")
    s.start()
    return s
