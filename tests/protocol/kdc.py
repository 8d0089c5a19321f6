# SPDX-License-Identifier: MIT
"""A throw-away Kerberos realm for GSSAPI tests: MIT krb5kdc on a free
loopback port with its database, configuration and logs in a temporary
directory; stopped by its PID. Tests skip when the KDC tools are absent
(Debian krb5-kdc, krb5-admin-server, krb5-user)."""
import os
import pathlib
import shutil
import socket
import subprocess
import time

REALM = "COFFER.TEST"
HOST = "mail.coffer.test"


def available():
    return all(shutil.which(p) or os.path.exists(f"/usr/sbin/{p}")
               for p in ("krb5kdc", "kdb5_util", "kadmin.local", "kinit"))


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class KDC:
    def __init__(self, root):
        self.dir = pathlib.Path(root)
        self.port = _free_port()
        self.krb5_conf = self.dir / "krb5.conf"
        self.keytab = self.dir / "coffer.keytab"
        self.ccache = self.dir / "ccache"
        self.log = self.dir / "kdc.out"
        self.krb5_conf.write_text(
            f"[libdefaults]\n default_realm = {REALM}\n"
            " dns_lookup_kdc = false\n dns_lookup_realm = false\n"
            " rdns = false\n dns_canonicalize_hostname = false\n"
            f"[realms]\n {REALM} = {{\n  kdc = 127.0.0.1:{self.port}\n }}\n")
        kdc_conf = self.dir / "kdc.conf"
        kdc_conf.write_text(
            f"[kdcdefaults]\n kdc_ports = {self.port}\n"
            f" kdc_tcp_ports = {self.port}\n"
            f"[realms]\n {REALM} = {{\n"
            f"  database_name = {self.dir}/principal\n"
            f"  key_stash_file = {self.dir}/stash\n"
            f"  acl_file = {self.dir}/kadm5.acl\n }}\n"
            f"[logging]\n kdc = FILE:{self.dir}/kdc.log\n")
        self.env = dict(os.environ, KRB5_CONFIG=str(self.krb5_conf),
                        KRB5_KDC_PROFILE=str(kdc_conf),
                        KRB5CCNAME=f"FILE:{self.ccache}")
        self._run("kdb5_util", "create", "-s", "-r", REALM, "-P",
                  "master-pw")
        self.proc = None
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                ["krb5kdc", "-n", "-P", str(self.dir / "kdc.pid")],
                env=self.env, stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while not self._listening():
            assert time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.05)

    def _listening(self):
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", self.port)) == 0

    def _run(self, *args, input=None):
        subprocess.run(list(args), env=self.env, input=input, check=True,
                       capture_output=True, timeout=60)

    def add_user(self, name, password):
        self._run("kadmin.local", "-q", f"addprinc -pw {password} {name}")

    def add_service(self, service):
        princ = f"{service}/{HOST}"
        self._run("kadmin.local", "-q", f"addprinc -randkey {princ}")
        self._run("kadmin.local", "-q", f"ktadd -k {self.keytab} {princ}")

    def kinit(self, principal, password):
        self._run("kinit", principal, input=(password + "\n").encode())

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)
