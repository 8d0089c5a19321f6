# SPDX-License-Identifier: MIT
"""cofferd itself: command line, start and stop, service selection, pid
file, SIGHUP, managed_services restarts, graceful stop, privileges and
daemonising. Uses cofferd-test, which adds two echo services to the real
ones (tests/tools/cofferd-test): "echo" on sieve_port, "echo2" on the Unix
socket <run_dir>/mseventd."""
import os
import pwd
import re
import signal
import socket
import stat
import subprocess
import time

import pytest

from conftest import binary, is_root, listening_ports, nobody

TEST = "cofferd-test"


def echo_server(coffer_factory, **kw):
    kw.setdefault("binary_name", TEST)
    kw.setdefault("services", "echo,echo2")
    return coffer_factory(**kw)


class Line:
    """A line client for the echo services."""

    def __init__(self, sock):
        self.sock = sock
        self.f = sock.makefile("rwb")

    def read(self):
        return self.f.readline().decode().rstrip("\r\n")

    def cmd(self, text):
        self.f.write(text.encode() + b"\r\n")
        self.f.flush()
        return self.read()

    def close(self):
        self.f.close()
        self.sock.close()


def echo(server):
    line = Line(server.connect("echo"))
    assert line.read().startswith("+OK echo ready ")
    return line


def run_cofferd(*args, prog=TEST, timeout=60):
    return subprocess.run([str(binary(prog)), *args], capture_output=True,
                          text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


# -- command line ----------------------------------------------------------

def test_version_and_help():
    r = run_cofferd("--version", prog="cofferd")
    assert r.returncode == 0
    assert re.fullmatch(r"cofferd \(Coffer\) \d+\.\d+\.\d+\n", r.stdout)
    r = run_cofferd("--help")
    assert r.returncode == 0
    assert "-S list" in r.stdout
    assert "Services in this build: " in r.stdout
    assert " echo echo2" in r.stdout


def test_usage_errors(coffer_factory):
    server = echo_server(coffer_factory)
    conf = str(server.conf)
    for args in (["-x"], ["-S"], ["-c"], ["-d", "-c", conf, "extra"]):
        r = run_cofferd(*args)
        assert r.returncode == 2, (args, r.stderr)
        assert r.stderr.startswith("cofferd: "), r.stderr
        assert "usage: cofferd" in r.stderr
    # the label names a file in run_dir
    for label in ("../escape", "x" * 49, ".hidden", "a b"):
        r = run_cofferd("-d", "-c", conf, "-s", label)
        assert r.returncode == 2, (label, r.stderr)
        assert r.stderr.startswith("cofferd: invalid label"), r.stderr
    assert not (server.root / "escape.pid").exists()


def test_bad_config_one_line(coffer_factory):
    server = echo_server(coffer_factory,
                         options={"imap_port": "not-a-port"})
    r = run_cofferd("-d", "-c", str(server.conf))
    assert r.returncode == 2
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("cofferd: ")
    assert "imap_port" in lines[0] and "ms.conf:" in lines[0]
    # a missing explicit file is an error too (without -d as well)
    r = run_cofferd("-c", str(server.root / "missing.conf"))
    assert r.returncode == 2
    assert len(r.stderr.splitlines()) == 1, r.stderr


def test_unknown_service_exit_2(coffer_factory):
    server = echo_server(coffer_factory, services="echo,nosuch")
    r = run_cofferd(*server.command()[1:])
    assert r.returncode == 2
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert "unknown service 'nosuch'" in lines[0]
    built = run_cofferd("--help").stdout
    missing = [s for s in ("imap", "pop3", "lmtp", "sieve")
               if f" {s}" not in built.split("build:")[1]]
    if missing:
        server.services_arg = missing[0]
        r = run_cofferd(*server.command()[1:])
        assert r.returncode == 2
        assert "not part of this build" in r.stderr


# -- start, stop, subsets --------------------------------------------------

def test_start_stop(coffer_factory):
    server = echo_server(coffer_factory, start=True)
    assert server.ready_services == ["echo", "echo2"]
    pid_file = server.run_dir / "cofferd-echo-echo2.pid"
    assert int(pid_file.read_text()) == server.pid
    line = echo(server)
    assert line.cmd("hello") == "hello"
    assert line.cmd("QUIT") == "+OK BYE"
    line.close()
    sock = server.connect_unix(server.run_dir / "mseventd")
    assert sock.recv(100).startswith(b"+OK echo2 ready ")
    sock.close()
    server.stop()
    assert not pid_file.exists()
    assert not (server.run_dir / "mseventd").exists()
    log = server.log()
    assert re.search(r"info: echo disconnect: user=- client=127\.0\.0\.1 "
                     r"session=\S+ in=13 out=\d+ reason=\"QUIT\"", log)
    assert "notice: stopped (exit status 0)" in log


def test_service_subsets(coffer_factory):
    one = echo_server(coffer_factory, services="echo", start=True)
    assert one.ready_services == ["echo"]
    assert one.service_port("echo") in listening_ports()
    assert not (one.run_dir / "mseventd").exists()
    one.stop()
    two = echo_server(coffer_factory, services="echo2", start=True)
    assert two.ready_services == ["echo2"]
    assert two.service_port("echo") not in listening_ports()
    assert stat.S_ISSOCK((two.run_dir / "mseventd").stat().st_mode)
    # the label follows the subset, so subsets get separate pid files
    assert (two.run_dir / "cofferd-echo2.pid").exists()


def test_services_option_is_the_default(coffer_factory):
    server = coffer_factory(binary_name=TEST, start=True)
    built = run_cofferd("--help").stdout.split("build:")[1].split()
    expected = [s for s in built if s in ("lmtp", "imap", "pop3")]
    assert sorted(server.ready_services) == sorted(expected)
    for name in ("imap", "pop3", "lmtp"):
        if name not in built:
            assert f"service '{name}' is not part of this build" in \
                server.log()


def test_listen_failure_exit_1(coffer_factory):
    server = echo_server(coffer_factory, services="echo")
    with socket.socket() as busy:
        busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        busy.bind(("127.0.0.1", server.service_port("echo")))
        busy.listen()
        server.start(wait=False)
        assert server.wait() == 1
    assert re.search(r"echo: cannot listen on 127\.0\.0\.1:\d+: .*"
                     r"Address already in use", server.log())
    server.assert_clean_log()


def test_two_instances_share_a_store(coffer_factory):
    first = echo_server(coffer_factory, services="echo", start=True)
    alice = first.add_user("alice", "s3cret")
    second = echo_server(coffer_factory, services="echo", share_store=first,
                         start=True)
    assert second.data_dir == first.data_dir
    assert second.ports["sieve"] != first.ports["sieve"]
    # an account made through one is seen by the other at once
    assert echo(second).cmd("LOGIN alice s3cret") == f"+OK LOGIN {alice}"
    second.stop()
    assert echo(first).cmd("still") == "still"


# -- pid file --------------------------------------------------------------

def test_pid_file_refuses_second_instance(coffer_factory):
    server = echo_server(coffer_factory, start=True)
    pid_file = server.run_dir / "cofferd-echo-echo2.pid"
    r = run_cofferd(*server.command()[1:])
    assert r.returncode == 1
    assert f"already running (pid {server.pid}" in r.stdout + r.stderr
    assert int(pid_file.read_text()) == server.pid
    assert echo(server).cmd("still here") == "still here"


def test_pid_file_stale_is_replaced(coffer_factory):
    server = echo_server(coffer_factory, label="mylabel")
    server.run_dir.mkdir(parents=True, exist_ok=True)
    pid_file = server.run_dir / "mylabel.pid"
    pid_file.write_text("999999\n")
    server.start()
    assert int(pid_file.read_text()) == server.pid
    assert "mylabel[" in server.log()
    server.stop()
    assert not pid_file.exists()


# -- SIGHUP ----------------------------------------------------------------

def test_sighup_reload(coffer_factory):
    server = echo_server(coffer_factory, services="echo",
                         options={"log_level": "notice",
                                  "login_alert": "before"},
                         start=True)
    line = echo(server)
    assert line.cmd("ALERT") == "+OK ALERT before"
    assert "info:" not in server.log()
    since = server.log_size()
    server.set_options(log_level="info", login_alert="after <&>",
                       imap_port=str(server.ports["imap"] + 1))
    server.send_signal(signal.SIGHUP)
    m = server.wait_log(r"info: configuration reloaded from .*: "
                        r"(\d+) change\(s\) applied, (\d+) need a restart",
                        since=since)
    # imap_port, and imap_host whose addresses carry the port
    assert int(m.group(1)) >= 2 and int(m.group(2)) == 2
    assert re.search(r"warning: reload: imap_port changed; the change "
                     r"needs a restart", server.log()[since:])
    # the supervisor follows the new level too
    server.wait_log(r"\[%d\]: info: received SIGHUP" % server.pid,
                    since=since)
    assert "login_alert changed; the change needs" not in server.log()
    assert line.cmd("ALERT") == "+OK ALERT after <&>"
    # a broken file keeps the running configuration
    since = server.log_size()
    server.conf.write_text("<ms_options><imap_port>x</imap_port>")
    server.send_signal(signal.SIGHUP)
    server.wait_log(r"err: reload failed, keeping the running "
                    r"configuration: ", since=since)
    assert line.cmd("ALERT") == "+OK ALERT after <&>"
    line.close()


# -- managed_services ------------------------------------------------------

def test_managed_restart_with_backoff(coffer_factory):
    server = echo_server(coffer_factory, services="echo", start=True)
    first = server.worker_pid()
    assert first != server.pid
    since = server.log_size()
    os.kill(first, signal.SIGKILL)
    server.wait_log(r"crit: worker process was killed by signal 9 "
                    r"\(SIGKILL\); restarting in 1 s", since=since)
    # the supervisor keeps the port: a client connecting now waits in the
    # backlog and is served by the new worker
    line = echo(server)
    assert line.cmd("again") == "again"
    line.close()
    second = server.worker_pid()
    assert second not in (first, server.pid)
    since = server.log_size()
    os.kill(second, signal.SIGKILL)
    server.wait_log(r"restarting in 2 s", since=since)
    server.wait_ready(since=since)
    server.stop()
    assert "stopped (exit status 0)" in server.log()


def test_unmanaged_runs_in_one_process(coffer_factory):
    server = echo_server(coffer_factory,
                         options={"managed_services": "false"}, start=True)
    assert server.wait_ready() == server.pid
    assert "worker process" not in server.log()
    assert echo(server).cmd("x") == "x"


@pytest.mark.parametrize("managed", ["true", "false"])
def test_service_init_failure_exit_1(coffer_factory, managed):
    server = echo_server(coffer_factory, services="echo",
                         options={"login_alert": "echo-init-fails",
                                  "managed_services": managed})
    server.start(wait=False)
    assert server.wait() == 1
    log = server.log()
    assert "err: echo: init failed on purpose" in log
    if managed == "true":
        assert re.search(r"crit: worker process exited with status 1 "
                         r"during start-up", log)
    assert "restarting" not in log
    server.assert_clean_log()
    # without -d the error reaches the terminal and the exit status
    r = subprocess.run(server.command(foreground=False), capture_output=True,
                       text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert r.returncode == 1
    assert "echo: init failed on purpose" in r.stderr


# -- graceful stop ---------------------------------------------------------

def test_graceful_stop_finishes_command(coffer_factory):
    server = echo_server(coffer_factory, services="echo", start=True)
    idle = echo(server)
    busy = echo(server)
    assert busy.cmd("SLEEP 1500") == "+OK SLEEPING"
    server.send_signal(signal.SIGTERM)
    assert busy.read() == "+OK SLEPT"
    assert busy.read() == "* BYE shutting down"
    assert idle.read() == "* BYE shutting down"
    assert busy.read() == "" and idle.read() == ""
    assert server.wait() == 0
    server.assert_clean_log()
    # the port is closed once the supervisor is gone
    with pytest.raises(OSError):
        server.connect("echo", timeout=2)


# -- privileges -------------------------------------------------------------

def proc_ids(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return {int(x) for x in line.split()[1:]}
    return set()


def test_privilege_drop_to_ms_user(coffer_factory):
    if not is_root():
        pytest.skip("needs root")
    server = echo_server(coffer_factory, run_as="drop", start=True)
    nb = nobody()
    for pid in (server.pid, server.worker_pid()):
        assert proc_ids(pid, "Uid") == {nb.pw_uid}
        assert proc_ids(pid, "Gid") == {nb.pw_gid}
        assert proc_ids(pid, "Groups") <= {nb.pw_gid}
    for d in (server.run_dir, server.data_dir, server.data_dir / "user"):
        assert d.stat().st_uid == nb.pw_uid, d
    sock = (server.run_dir / "mseventd").stat()
    assert sock.st_uid == nb.pw_uid
    assert stat.S_IMODE(sock.st_mode) == 0o660
    assert echo(server).cmd("ok") == "ok"


def test_runs_as_ordinary_user(coffer_factory):
    server = echo_server(coffer_factory, run_as="nobody", start=True)
    assert proc_ids(server.worker_pid(), "Uid") == {nobody().pw_uid}
    assert echo(server).cmd("ok") == "ok"


def test_missing_ms_user(coffer_factory):
    if not is_root():
        pytest.skip("needs root")
    server = echo_server(coffer_factory)
    server.user = "no-such-user-here"
    server.write_conf()
    r = run_cofferd(*server.command()[1:])
    assert r.returncode == 1
    assert "ms_user no-such-user-here does not exist" in r.stderr


# -- daemonising ------------------------------------------------------------

def wait_gone(pid, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def test_detaches_without_d(coffer_factory):
    server = echo_server(coffer_factory, services="echo")
    log_file = server.root / "file.log"
    server.set_options(log_file=str(log_file))
    r = subprocess.run(server.command(foreground=False), capture_output=True,
                       text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    # only the warnings about the sieve_* options the echo service uses
    assert r.stdout == ""
    assert all(x.startswith("cofferd: warning: ")
               for x in r.stderr.splitlines()), r.stderr
    pid = int((server.run_dir / "cofferd-echo.pid").read_text())
    assert open(f"/proc/{pid}/stat").read().split()[6] == "0"  # no tty
    text = log_file.read_text()
    assert re.search(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d cofferd-echo\[\d+\]: "
                     r"notice: ready: ", text, re.M), text
    assert os.readlink(f"/proc/{pid}/cwd") == str(server.run_dir)
    line = Line(server.connect("echo"))
    assert line.read().startswith("+OK echo ready")
    line.close()
    os.kill(pid, signal.SIGTERM)
    assert wait_gone(pid)
    text = log_file.read_text()
    assert "stopped (exit status 0)" in text
    assert not any(m in text for m in ("AddressSanitizer", "runtime error"))


def test_detached_start_failure_reaches_terminal(coffer_factory):
    server = echo_server(coffer_factory, services="echo")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", server.service_port("echo")))
        busy.listen()
        r = subprocess.run(server.command(foreground=False),
                           capture_output=True, text=True, timeout=60,
                           stdin=subprocess.DEVNULL)
    assert r.returncode == 1
    assert "cannot listen on" in r.stderr


# -- logins through the shared login code ------------------------------------

@pytest.mark.coffer(binary_name=TEST, services="echo")
def test_login_outcomes_and_log_lines(coffer):
    alice = coffer.add_user("alice", "s3cret")
    line = echo(coffer)
    assert line.cmd("LOGIN alice s3cret") == f"+OK LOGIN {alice}"
    t = time.monotonic()
    assert line.cmd("LOGIN alice wrong") == "-ERR LOGIN FAILED delay=500"
    assert time.monotonic() - t >= 0.45
    # an unknown user: same answer, the delay keeps growing
    assert line.cmd("LOGIN nobody-here wrong") == \
        "-ERR LOGIN FAILED delay=1000"
    log = coffer.log()
    assert re.search(r"notice: echo login: user=alice@example\.com "
                     r"client=127\.0\.0\.1 session=\S+", log)
    assert re.search(r"notice: echo login failed: user=alice@example\.com "
                     r"authzid=- client=127\.0\.0\.1 session=\S+ "
                     r"reason=\"wrong password\" delay=500ms", log)
    assert 'reason="unknown user" delay=1000ms' in log
    line.cmd("QUIT")
    line.close()
    coffer.wait_log(r"info: echo logout: user=alice@example\.com "
                    r"client=127\.0\.0\.1 session=\S+ in=\d+ out=\d+ "
                    r"reason=\"QUIT\"")


@pytest.mark.coffer(binary_name=TEST, services="echo")
def test_login_refusals(coffer):
    coffer.add_user("dis", "s3cret")
    coffer.msadm("add", "-d", "-f", "dis")
    coffer.msadm("passwd", "-p", "s3cret", "dis")
    coffer.add_user("denied", "s3cret")
    coffer.msadm("service", "imap", "deny", "denied")
    coffer.add_user("carol", "s3cret")
    line = echo(coffer)
    assert line.cmd("LOGIN dis s3cret") == "-ERR LOGIN DISABLED delay=0"
    assert line.cmd("LOGIN denied s3cret") == "-ERR LOGIN DENIED delay=0"
    (coffer.data_dir / "nologin").write_text(
        "Down for maintenance\nsecond line\n")
    assert line.cmd("LOGIN carol s3cret") == \
        "-ERR LOGIN NOLOGIN delay=0 Down for maintenance"
    (coffer.data_dir / "nologin").unlink()
    assert line.cmd("LOGIN carol s3cret") == "+OK LOGIN carol@example.com"
    log = coffer.log()
    assert 'login refused: user=dis@example.com client=127.0.0.1' in log
    assert 'reason="service denied for this user"' in log
    assert 'reason="nologin file present"' in log
    line.close()


@pytest.mark.coffer(binary_name=TEST, services="echo",
                    options={"admin_user": "boss@example.com"})
def test_login_authzid(coffer):
    coffer.add_user("boss", "b0ss")
    coffer.add_user("alice", "s3cret")
    line = echo(coffer)
    assert line.cmd("LOGIN boss b0ss alice") == \
        "+OK LOGIN alice@example.com"
    assert line.cmd("LOGIN alice s3cret alice@example.com") == \
        "+OK LOGIN alice@example.com"
    assert line.cmd("LOGIN alice s3cret boss").startswith(
        "-ERR LOGIN FAILED delay=")
    log = coffer.log()
    assert "echo login: user=alice@example.com authcid=boss@example.com" \
        in log
    assert "not allowed to use another authorization identity" in log
    line.close()
