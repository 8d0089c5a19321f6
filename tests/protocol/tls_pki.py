# SPDX-License-Identifier: MIT
"""A throw-away PKI made with the openssl command at test time: a test CA,
a server certificate for localhost/127.0.0.1 (and a second one, for reload
tests), client certificates for EXTERNAL, and a client certificate from a
CA the server does not trust."""
import pathlib
import subprocess

DAYS = "2"


def _run(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True,
                   capture_output=True, timeout=60)


class PKI:
    def __init__(self, root):
        self.dir = pathlib.Path(root)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.ca = self._ca("ca", "Coffer Test CA")
        self.rogue_ca = self._ca("rogue-ca", "Rogue CA")
        self.server = self._leaf("server", "/CN=localhost", self.ca,
                                 "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                                 "extendedKeyUsage=serverAuth\n")
        self.server2 = self._leaf("server2", "/CN=second.localhost", self.ca,
                                  "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                                  "extendedKeyUsage=serverAuth\n")
        self.alice = self._leaf("alice", "/CN=alice", self.ca,
                                "subjectAltName=email:alice@example.com\n"
                                "extendedKeyUsage=clientAuth\n")
        self.nobody = self._leaf("nobody", "/CN=nobody", self.ca,
                                 "extendedKeyUsage=clientAuth\n")
        self.rogue = self._leaf("rogue", "/CN=alice", self.rogue_ca,
                                "subjectAltName=email:alice@example.com\n"
                                "extendedKeyUsage=clientAuth\n")

    def path(self, name):
        return str(self.dir / name)

    def _ca(self, name, cn):
        _run("req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:P-256", "-nodes", "-keyout", f"{name}.key",
             "-out", f"{name}.pem", "-days", DAYS, "-subj", f"/CN={cn}",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign",
             cwd=self.dir)
        return (self.path(f"{name}.pem"), self.path(f"{name}.key"))

    def _leaf(self, name, subject, ca, extensions):
        (self.dir / f"{name}.ext").write_text(extensions)
        _run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
             "-subj", subject, cwd=self.dir)
        _run("x509", "-req", "-in", f"{name}.csr", "-CA", ca[0], "-CAkey",
             ca[1], "-CAcreateserial", "-out", f"{name}.pem", "-days", DAYS,
             "-extfile", f"{name}.ext", cwd=self.dir)
        return (self.path(f"{name}.pem"), self.path(f"{name}.key"))

    def server_options(self, server=None, client_ca=True):
        """ms.conf options for a server with this PKI."""
        cert, key = server or self.server
        opts = {"tls_cert_file": cert, "tls_key_file": key}
        if client_ca:
            opts["tls_ca_file"] = self.ca[0]
        return opts
