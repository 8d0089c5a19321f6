# SPDX-License-Identifier: MIT
"""A raw IMAP client for protocol tests: exact bytes on the wire, for
malformed input, pipelining and responses imaplib hides."""
import re
import socket
import time

LITERAL_RE = re.compile(rb"\{(\d+)\}\r\n$")


class Raw:
    def __init__(self, sock, timeout=20):
        self.sock = sock
        self.sock.settimeout(timeout)
        self.buf = b""
        self.greeting = self.line()

    @classmethod
    def connect(cls, server, timeout=20):
        return cls(server.connect("imap", timeout=timeout), timeout)

    def close(self):
        self.sock.close()

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("connection closed")
        self.buf += chunk

    def line(self):
        """One response line without CRLF; literals inside it are
        included with their {n} header."""
        out = b""
        while True:
            while b"\r\n" not in self.buf:
                self._fill()
            i = self.buf.index(b"\r\n") + 2
            part, self.buf = self.buf[:i], self.buf[i:]
            out += part
            m = LITERAL_RE.search(part)
            if not m:
                return out[:-2].decode("utf-8", "replace")
            n = int(m.group(1))
            while len(self.buf) < n:
                self._fill()
            out += self.buf[:n]
            self.buf = self.buf[n:]

    def until_tagged(self, tag):
        """Reads to the tagged response: (untagged lines, tagged line)."""
        untagged = []
        while True:
            ln = self.line()
            if ln.startswith(tag + " "):
                return untagged, ln
            untagged.append(ln)

    def cmd(self, tag, text):
        self.send(f"{tag} {text}\r\n")
        return self.until_tagged(tag)

    def ok(self, tag, text):
        untagged, tagged = self.cmd(tag, text)
        assert tagged.startswith(f"{tag} OK"), (text, untagged, tagged)
        return untagged

    def login(self, user, password):
        return self.ok("L", f"LOGIN {user} {password}")

    def closed(self, timeout=5):
        """True if the server closes the connection within timeout
        (whatever it still sends is read and dropped)."""
        deadline = time.monotonic() + timeout
        self.sock.settimeout(0.2)
        try:
            while time.monotonic() < deadline:
                try:
                    if not self.sock.recv(65536):
                        return True
                except socket.timeout:
                    continue
                except ConnectionResetError:
                    return True
            return False
        finally:
            self.sock.settimeout(20)

    def drain(self, wait=0.3):
        """Reads whatever arrives within `wait` seconds."""
        time.sleep(wait)
        self.sock.settimeout(0.1)
        try:
            while True:
                try:
                    chunk = self.sock.recv(65536)
                except socket.timeout:
                    break
                if not chunk:
                    break
                self.buf += chunk
        finally:
            self.sock.settimeout(20)
        data, self.buf = self.buf, b""
        return data.decode("utf-8", "replace")
