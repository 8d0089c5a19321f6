# SPDX-License-Identifier: MIT
"""Drives the Debian `gsasl` command in client mode (no network: it reads
server challenges from stdin and prints its responses) so that it can
authenticate over protocols its --connect mode does not speak (POP3), and
with channel bindings computed by the test's own TLS connection.

Only the gsasl client process is read through a pipe, never a daemon; every
read is bounded by a timeout."""
import os
import select
import subprocess

TIMEOUT = 20


class GsaslClient:
    def __init__(self, mech, authid=None, password=None, authzid=None,
                 cb_exporter=None, cb_unique=None, extra=()):
        # -d turns the application-data stage (on by default) off
        args = ["gsasl", "--client", "--quiet", "-d", "-m", mech]
        if authid is not None:
            args += ["-a", authid]
        if password is not None:
            args += ["-p", password]
        if authzid is not None:
            args += ["-z", authzid]
        args += list(extra)
        self.mech = mech
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.pending = b""
        if mech.startswith("SCRAM-"):
            # gsasl asks for the tls-exporter binding, and for tls-unique
            # when that one was empty
            lines = [cb_exporter or ""]
            if not cb_exporter:
                lines.append(cb_unique or "")
            self._write("".join(line + "\n" for line in lines))

    def _write(self, text):
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()

    def _readline(self):
        while b"\n" not in self.pending:
            ready, _, _ = select.select([self.proc.stdout], [], [], TIMEOUT)
            if not ready:
                raise TimeoutError(f"gsasl: no output: {self.pending!r}")
            data = os.read(self.proc.stdout.fileno(), 65536)
            if not data:
                raise EOFError(f"gsasl exited: {self.pending!r}")
            self.pending += data
        line, self.pending = self.pending.split(b"\n", 1)
        return line.decode()

    def output(self):
        """The next base64 response ("" for an empty one); raises
        RuntimeError with gsasl's message if it gave up."""
        while True:
            line = self._readline()
            if line.startswith("gsasl:"):
                raise RuntimeError(line)
            if line == self.mech:
                continue
            # prompts end in ": " and carry no newline of their own
            return line.rsplit(": ", 1)[-1].strip()

    def challenge(self, b64):
        self._write(b64 + "\n")

    def finish(self):
        """After the server's success reply: tells gsasl that no data
        came with it (IMAP and POP3 cannot carry any) and returns its exit
        status: 0 once the mechanism completed (SCRAM: the server's
        signature verified)."""
        try:
            self._write("\n")
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        try:
            return self.proc.wait(timeout=TIMEOUT)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
