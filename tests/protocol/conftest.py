# SPDX-License-Identifier: MIT
"""Shared helpers for protocol tests.

Coffer        a configuration in a temporary directory, for tools (msadm).
CofferServer  the same plus a running cofferd: free loopback ports for
              every service, a Unix LMTP socket, accounts made with msadm,
              start/stop with the log in a file, and client helpers.

Fixtures:
  coffer          a started CofferServer (see the `coffer` marker below)
  coffer_any_user the same, once as the current user and once as nobody
  coffer_factory  make(**kw) -> CofferServer, for tests that need several
                  instances or control over start-up

Per-test settings go in a marker:

  @pytest.mark.coffer(options={"login_disabled": "true"},
                      users={"alice": "secret"}, services="imap",
                      binary_name="cofferd", run_as="self", start=True)

run_as: "self" (the current user; ms_user is that user), "nobody" (started
as nobody through setpriv, on a directory nobody owns; skipped unless
root) or "drop" (started as root with ms_user nobody: cofferd drops the
privileges itself; skipped unless root).

On teardown a running server gets SIGTERM and must exit with status 0;
its log must not contain a sanitizer report.
"""
import contextlib
import imaplib
import os
import pathlib
import poplib
import pwd
import re
import shutil
import signal
import smtplib
import socket
import subprocess
import tempfile
import time
from xml.sax.saxutils import escape as xml_escape

import pytest

from tls_pki import PKI

DOMAIN = "example.com"
SANITIZER_MARKERS = (
    "ERROR: AddressSanitizer",
    "ERROR: LeakSanitizer",
    "SUMMARY: AddressSanitizer",
    "SUMMARY: UndefinedBehaviorSanitizer",
    "runtime error:",
    "WARNING: ThreadSanitizer",
)
# Bounds of every wait, so that a broken server fails a test instead of
# hanging the suite.
START_TIMEOUT = 30
STOP_TIMEOUT = 40
CLIENT_TIMEOUT = 20
# Services with a TCP port of their own in ms.conf (<name>_port).
PORT_OPTIONS = ("imap", "pop3", "lmtp", "sieve", "imaps", "pop3s")


def build_dir():
    path = os.environ.get("COFFER_BUILD_DIR")
    if not path:
        pytest.skip("COFFER_BUILD_DIR is not set (run the tests via ctest)")
    return pathlib.Path(path)


def binary(name):
    """Path of a built program (src/tools/<name>/<name>, src/daemon/<name>
    or tests/tools/<name>/<name>)."""
    for rel in (f"src/tools/{name}/{name}", f"src/daemon/{name}",
                f"tests/tools/{name}/{name}"):
        path = build_dir() / rel
        if path.exists():
            return path
    pytest.skip(f"{name} is not built")


def free_port():
    """A loopback TCP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening_ports():
    """TCP ports in LISTEN state on this host (from /proc/net/tcp*)."""
    ports = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(name) as f:
            next(f, None)
            for line in f:
                fields = line.split()
                if len(fields) > 3 and fields[3] == "0A":
                    ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def sanitizer_reports(text):
    return [m for m in SANITIZER_MARKERS if m in text]


def is_root():
    return os.geteuid() == 0


def nobody():
    return pwd.getpwnam("nobody")


def as_nobody():
    return ("setpriv", "--reuid=nobody", "--regid=nogroup",
            "--clear-groups")


class Coffer:
    """A configuration in a temporary directory: <root>/ms.conf with
    data_dir <root>/data. extra is inserted into <ms_options>."""

    def __init__(self, root, extra="", user=None):
        self.root = pathlib.Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.data_dir = self.root / "data"
        self.conf = self.root / "ms.conf"
        self.user = user or pwd.getpwuid(os.geteuid()).pw_name
        self.tool_prefix = ()
        self.write_conf(extra)

    def write_conf(self, extra=""):
        self.conf.write_text(
            "<ms_options>\n"
            f"  <data_dir>{self.data_dir}</data_dir>\n"
            f"  <domain>{DOMAIN}</domain>\n"
            f"  <ms_user>{self.user}</ms_user>\n"
            f"  {extra}\n"
            "</ms_options>\n")

    def run(self, program, *args, input=None, prefix=None, env=None):
        """Runs a tool with -c <ms.conf>; returns the CompletedProcess."""
        if prefix is None:
            prefix = self.tool_prefix
        cmd = [*prefix, str(binary(program)), "-c", str(self.conf), *args]
        return subprocess.run(cmd, input=input, capture_output=True,
                              text=True, timeout=120, env=env)


class CofferServer(Coffer):
    """A cofferd instance in a temporary directory."""

    def __init__(self, root, *, options=None, run_as="self",
                 binary_name="cofferd", services=None, label=None,
                 data_dir=None):
        self.run_as = run_as
        self.binary_name = binary_name
        self.services_arg = services
        self.label = label
        self._free_ports = {name: free_port() for name in PORT_OPTIONS}
        root = pathlib.Path(root)
        self.run_dir = root / "run"
        self.lmtp_socket = self.run_dir / "lmtp"
        self.log_path = root / "cofferd.log"
        self.proc = None
        self.exit_status = None
        self.ready_services = []
        self._log_offset = 0
        self.options = self.base_options(root)
        self.options.update(options or {})
        user = "nobody" if run_as in ("nobody", "drop") else None
        super().__init__(root, user=user)
        if run_as == "nobody":
            self.tool_prefix = as_nobody()
        if data_dir is not None:
            # another instance's store and accounts (several cofferd
            # processes on one store)
            self.data_dir = pathlib.Path(data_dir)
            self.write_conf()

    @property
    def ports(self):
        """{"imap": port, ...} as ms.conf has them now (a test may set
        imaps_port etc. itself)."""
        return {name: int(self.options.get(f"{name}_port",
                                           self._free_ports[name]))
                for name in PORT_OPTIONS}

    def base_options(self, root):
        ports = self._free_ports
        return {
            "run_dir": str(root / "run"),
            "log_level": "info",
            "managed_services": "true",
            "login_disabled": "false",
            "imap_host": "127.0.0.1",
            "imap_port": str(ports["imap"]),
            "pop3_host": "127.0.0.1",
            "pop3_port": str(ports["pop3"]),
            "lmtp_host": f"127.0.0.1 {root / 'run' / 'lmtp'}",
            "lmtp_port": str(ports["lmtp"]),
            # the ManageSieve slot; cofferd-test's echo service uses it
            "sieve_host": "127.0.0.1",
            "sieve_port": str(ports["sieve"]),
            # used only with enable_imaps / enable_pop3s
            "imaps_host": "127.0.0.1",
            "imaps_port": str(ports["imaps"]),
            "pop3s_host": "127.0.0.1",
            "pop3s_port": str(ports["pop3s"]),
        }

    def write_conf(self, extra=""):
        lines = [f"  <{k}>{xml_escape(str(v))}</{k}>"
                 for k, v in self.options.items() if v is not None]
        super().write_conf("\n".join(lines) + ("\n  " + extra
                                               if extra else ""))

    def set_options(self, **options):
        """Changes options (None removes one) and rewrites ms.conf."""
        self.options.update(options)
        self.write_conf()

    # -- accounts ---------------------------------------------------------

    def msadm(self, *args, check=True):
        r = self.run("msadm", *args)
        if check:
            assert r.returncode == 0, (args, r.stdout, r.stderr)
        return r

    def add_user(self, name, password, *args):
        self.msadm("add", "-p", password, name, *args)
        return name if "@" in name else f"{name}@{DOMAIN}"

    # -- process ----------------------------------------------------------

    def command(self, *args, foreground=True):
        cmd = [*(as_nobody() if self.run_as == "nobody" else ()),
               str(binary(self.binary_name))]
        if foreground:
            cmd.append("-d")
        cmd += ["-c", str(self.conf)]
        if self.services_arg:
            cmd += ["-S", self.services_arg]
        if self.label:
            cmd += ["-s", self.label]
        return cmd + list(args)

    def start(self, *args, wait=True):
        """Starts cofferd -d; its stdout and stderr go to the log file
        (never a pipe). With wait, returns once it is ready."""
        assert self.proc is None or self.proc.poll() is not None
        self._log_offset = self.log_size()
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                self.command(*args), stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        self.exit_status = None
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=START_TIMEOUT, since=None):
        """Waits for the worker's "ready:" line (NOTICE: log_level must be
        notice, info or debug) and for its TCP ports."""
        assert self.options.get("log_level") not in ("crit", "err",
                                                     "warning"), \
            "the ready line is logged at NOTICE"
        m = self.wait_log(r"\[(\d+)\]: notice: ready: \S+ \S+ "
                          r"services=(\S*) listeners=(\d+)",
                          timeout=timeout, since=since)
        self.ready_services = [s for s in m.group(2).split(",") if s]
        self.wait_ports(self.ready_services, timeout)
        return int(m.group(1))

    def service_port(self, service):
        return self.ports["sieve" if service == "echo" else service]

    def wait_ports(self, services, timeout=START_TIMEOUT):
        want = {self.service_port(s) for s in services
                if s in ("imap", "pop3", "lmtp", "sieve", "echo")}
        if self.options.get("enable_imaps") == "true" and "imap" in services:
            want.add(self.ports["imaps"])
        if self.options.get("enable_pop3s") == "true" and "pop3" in services:
            want.add(self.ports["pop3s"])
        deadline = time.monotonic() + timeout
        while not want <= listening_ports():
            assert time.monotonic() < deadline, (want, self.log())
            time.sleep(0.05)

    def has_service(self, name):
        return name in self.ready_services

    def require(self, name):
        """Skips the test unless the running cofferd has the service."""
        if not self.has_service(name):
            pytest.skip(f"service {name} is not part of this build")

    @property
    def pid(self):
        return self.proc.pid

    def worker_pid(self):
        """The current worker process (the supervisor's newest child, or
        cofferd itself without managed_services)."""
        pids = re.findall(r"worker process (\d+) started",
                          self.log()[self._log_offset:])
        return int(pids[-1]) if pids else self.proc.pid

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def wait(self, timeout=STOP_TIMEOUT):
        self.exit_status = self.proc.wait(timeout=timeout)
        return self.exit_status

    def stop(self, sig=signal.SIGTERM, timeout=STOP_TIMEOUT, expect=0):
        """Stops cofferd; asserts the exit status and a clean log."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        status = self.wait(timeout)
        if expect is not None:
            assert status == expect, self.log()
        self.assert_clean_log()
        return status

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=STOP_TIMEOUT)

    # -- log --------------------------------------------------------------

    def log_size(self):
        try:
            return self.log_path.stat().st_size
        except FileNotFoundError:
            return 0

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_log(self, pattern, timeout=10, since=None):
        """Waits until pattern (a regular expression) appears in the log
        after offset `since` (default: the last start) and returns the
        match. Fails early if cofferd exits meanwhile."""
        since = self._log_offset if since is None else since
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            m = regex.search(self.log(), since)
            if m:
                return m
            if self.proc is not None and self.proc.poll() is not None:
                m = regex.search(self.log(), since)
                if m:
                    return m
                pytest.fail(f"cofferd exited ({self.proc.returncode}) "
                            f"before /{pattern}/:\n{self.log()}")
            if time.monotonic() > deadline:
                pytest.fail(f"no /{pattern}/ in the log:\n{self.log()}")
            time.sleep(0.05)

    def assert_clean_log(self):
        text = self.log()
        assert not sanitizer_reports(text), text

    # -- clients ----------------------------------------------------------

    def connect(self, service, timeout=CLIENT_TIMEOUT):
        """A raw TCP connection to a service ("imap", "echo", ...)."""
        return socket.create_connection(
            ("127.0.0.1", self.service_port(service)), timeout=timeout)

    def connect_unix(self, path, timeout=CLIENT_TIMEOUT):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(str(path))
        return s

    def imap(self, user=None, password=None):
        """An imaplib client, logged in if user is given."""
        c = imaplib.IMAP4("127.0.0.1", self.ports["imap"],
                          timeout=CLIENT_TIMEOUT)
        if user is not None:
            c.login(user, password)
        return c

    def pop3(self, user=None, password=None):
        c = poplib.POP3("127.0.0.1", self.ports["pop3"],
                        timeout=CLIENT_TIMEOUT)
        if user is not None:
            c.user(user)
            c.pass_(password)
        return c

    def deliver(self, recipients, message, sender="sender@example.org",
                unix=False):
        """Delivers message (bytes or str) over LMTP and returns
        {recipient: (code, text)} for every recipient: RCPT failures and,
        for accepted recipients, the per-recipient reply after DATA
        (RFC 2033 section 4.2; smtplib reads only the first one)."""
        if isinstance(recipients, str):
            recipients = [recipients]
        if isinstance(message, str):
            message = message.encode()
        host = str(self.lmtp_socket) if unix else "127.0.0.1"
        port = 0 if unix else self.ports["lmtp"]
        results = {}
        with smtplib.LMTP(host, port, timeout=CLIENT_TIMEOUT) as lmtp:
            lmtp.ehlo_or_helo_if_needed()
            code, text = lmtp.mail(sender)
            assert code == 250, (code, text)
            accepted = []
            for rcpt in recipients:
                code, text = lmtp.rcpt(rcpt)
                if code == 250:
                    accepted.append(rcpt)
                else:
                    results[rcpt] = (code, text)
            if accepted:
                code, text = lmtp.data(message)
                results[accepted[0]] = (code, text)
                for rcpt in accepted[1:]:
                    results[rcpt] = lmtp.getreply()
        return results

    # -- teardown ---------------------------------------------------------

    def cleanup(self):
        try:
            if self.proc is not None and self.proc.poll() is None:
                self.stop()
            else:
                self.assert_clean_log()
        finally:
            self.kill()


def make_root(run_as):
    """A temporary directory reachable by nobody (not below pytest's
    0700 tmp_path), owned by nobody for run_as="nobody"."""
    if run_as in ("nobody", "drop") and not is_root():
        pytest.skip("needs root to run cofferd as nobody")
    root = pathlib.Path(tempfile.mkdtemp(prefix="coffer-test-", dir="/tmp"))
    os.chmod(root, 0o755)
    if run_as == "nobody":
        os.chown(root, nobody().pw_uid, nobody().pw_gid)
    return root


@pytest.fixture(scope="module")
def pki():
    """A test CA with server and client certificates (tls_pki.PKI), one per
    test module."""
    root = tempfile.mkdtemp(prefix="coffer-pki-", dir="/tmp")
    try:
        yield PKI(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def coffer_factory():
    """make(options=..., run_as=..., users=..., binary_name=...,
    services=..., label=..., start=False, root=None, share_store=None)
    -> CofferServer. share_store=<another CofferServer> makes the new
    instance use that one's data_dir (its store and accounts) with its own
    ports, run_dir and log. Every instance is stopped (and checked) at
    teardown."""
    made = []

    def make(options=None, run_as="self", users=None,
             binary_name="cofferd", services=None, label=None,
             start=False, root=None, share_store=None):
        own_root = root is None
        root = make_root(run_as) if own_root else root
        server = CofferServer(
            root, options=options, run_as=run_as, binary_name=binary_name,
            services=services, label=label,
            data_dir=share_store.data_dir if share_store else None)
        made.append((server, own_root))
        for name, password in (users or {}).items():
            server.add_user(name, password)
        if start:
            server.start()
        return server

    yield make
    errors = []
    for server, own_root in reversed(made):
        try:
            server.cleanup()
        except Exception as e:  # report all, stop every instance first
            errors.append(e)
        if own_root:
            shutil.rmtree(server.root, ignore_errors=True)
    if errors:
        raise errors[0]


def _marker_kwargs(request):
    marker = request.node.get_closest_marker("coffer")
    return dict(marker.kwargs) if marker else {}


@pytest.fixture
def coffer(request, coffer_factory):
    """A started cofferd (settings from the `coffer` marker)."""
    kw = _marker_kwargs(request)
    kw.setdefault("start", True)
    return coffer_factory(**kw)


@pytest.fixture(params=["self", "nobody"])
def coffer_any_user(request, coffer_factory):
    """A started cofferd as the current user, then as nobody."""
    kw = _marker_kwargs(request)
    kw.setdefault("start", True)
    kw["run_as"] = request.param
    return coffer_factory(**kw)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "coffer(**kw): settings of the coffer fixture "
        "(options, users, services, binary_name, run_as, start, label)")
