# SPDX-License-Identifier: MIT
"""Small helpers of the benchmark driver: processes, ports, users, logs."""
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time

BENCH_USER = "cofferbench"
PASSWORD = "benchpass"
DOMAIN = "example.com"


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def die(msg):
    log(f"error: {msg}")
    sys.exit(1)


def run(cmd, log_path=None, timeout=600, input=None, check=True, env=None):
    """Runs a command to completion; its output goes to log_path (or is
    returned). Never waits on a pipe of a process that outlives it."""
    if log_path is not None:
        with open(log_path, "ab") as out:
            out.write(("$ " + " ".join(map(str, cmd)) + "\n").encode())
            out.flush()
            r = subprocess.run([str(c) for c in cmd], stdout=out,
                               stderr=subprocess.STDOUT, timeout=timeout,
                               input=input, env=env)
        if check and r.returncode != 0:
            die(f"{cmd[0]} failed (exit {r.returncode}), see {log_path}")
        return r
    r = subprocess.run([str(c) for c in cmd], capture_output=True,
                       timeout=timeout, input=input, env=env)
    if check and r.returncode != 0:
        die(f"{' '.join(map(str, cmd))} failed (exit {r.returncode}): "
            f"{r.stderr.decode(errors='replace')[-2000:]}")
    return r


def free_port():
    """A free TCP port on 127.0.0.1 (the kernel picks it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port):
    with socket.socket() as s:
        s.settimeout(0.5)
        try:
            s.connect(("127.0.0.1", port))
            return True
        except OSError:
            return False


def wait_port(port, timeout=30, proc=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(port):
            return True
        if proc is not None and proc.poll() is not None:
            return False
        time.sleep(0.1)
    return False


def ensure_bench_user():
    """The unprivileged account both servers store mail as."""
    try:
        pw = pwd.getpwnam(BENCH_USER)
    except KeyError:
        run(["useradd", "--system", "--user-group", "--no-create-home",
             "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin",
             BENCH_USER])
        pw = pwd.getpwnam(BENCH_USER)
    return pw.pw_uid, pw.pw_gid


def clear_dir(root, keep=()):
    """Empties root (creating it if missing) except for the paths in keep
    and the directories leading to them."""
    keep = [os.path.abspath(k) for k in keep]
    os.makedirs(root, exist_ok=True)
    for name in os.listdir(root):
        path = os.path.join(root, name)
        if path in keep:
            continue
        if any(k.startswith(path + os.sep) for k in keep):
            clear_dir(path, keep)
        elif os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)


def set_aside(path, root):
    """Moves a mail tree out of the way, to be deleted with root when the
    benchmark ends, instead of deleting it now. On ext4 without a journal
    each new inode is checked against the inodes freed in its allocation
    group in the last minutes (recently_deleted()), so deleting thousands
    of messages before a run would slow down whichever server allocates
    next, in the kernel, and make the order of the runs matter."""
    aside = os.path.join(root, "set-aside")
    os.makedirs(aside, exist_ok=True)
    n = len(os.listdir(aside))
    os.rename(path, os.path.join(aside, f"{n}-{os.path.basename(path)}"))


def chown_tree(path, uid, gid):
    os.chown(path, uid, gid)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.lchown(os.path.join(root, name), uid, gid)


def as_user(cmd, uid, gid):
    """cmd run with the given uid/gid (setpriv from util-linux)."""
    return ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups",
            "--"] + [str(c) for c in cmd]


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


def parse_metrics(text):
    """The "metric <name> <value>" lines of loadgen and disk-bench."""
    out = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "metric":
            try:
                out[parts[1]] = float(parts[2])
            except ValueError:
                pass
    return out


def stop_process(proc, name, timeout=60):
    """Stops a server we started (by its Popen): SIGTERM, then SIGKILL if it
    has not exited within timeout seconds."""
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        log(f"{name} did not stop within {timeout} s; killing it")
        proc.kill()
        proc.wait()
