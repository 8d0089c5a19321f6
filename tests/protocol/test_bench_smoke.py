# SPDX-License-Identifier: MIT
"""Smoke test of the benchmark tools against Coffer: the load generator
runs each workload for a few seconds against a cofferd started here, with
every answer checked (no timing is asserted). Services cofferd does not
offer yet are skipped."""
import os
import pathlib
import signal
import socket
import subprocess
import time

import pytest

from conftest import Coffer, binary, build_dir

PASSWORD = "benchpass"
# user1-4: IMAP and POP3 workloads, user5: SELECT timing (left alone),
# user6-9: LMTP recipients (deliveries may add trace headers, so their
# mail is never compared with the corpus)
USERS = 4
SECONDS = "3"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.1)
    return False


def tool(name):
    path = build_dir() / "bench" / name
    if not path.exists():
        pytest.skip(f"{name} is not built")
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """cofferd with USERS accounts whose INBOXes hold a small corpus."""
    cofferd = binary("cofferd")
    loadgen, fill = tool("loadgen"), tool("coffer-fill")
    root = tmp_path_factory.mktemp("bench-smoke")
    source = pathlib.Path(os.environ.get("COFFER_SOURCE_DIR",
                                         pathlib.Path(__file__).parents[2]))
    corpus = root / "corpus" / "smoke"
    subprocess.run([source / "bench" / "corpus-gen", "--count", "30",
                    "--median", "6000", "--max", "60000", "smoke", corpus],
                   check=True, timeout=60)
    ports = {s: free_port() for s in ("imap", "pop3", "lmtp")}
    coffer = Coffer(root / "coffer", extra=(
        "<login_disabled>false</login_disabled>"
        f"<run_dir>{root / 'coffer'}</run_dir>"
        f"<imap_host>127.0.0.1</imap_host><imap_port>{ports['imap']}"
        "</imap_port>"
        f"<pop3_host>127.0.0.1</pop3_host><pop3_port>{ports['pop3']}"
        "</pop3_port>"
        f"<lmtp_host>127.0.0.1</lmtp_host><lmtp_port>{ports['lmtp']}"
        "</lmtp_port>"))
    users = [f"user{i}@example.com" for i in range(1, 2 * USERS + 2)]
    script = "".join(f"add -p {PASSWORD} {u}\n" for u in users)
    r = coffer.run("msadm", input=script)
    assert r.returncode == 0, r.stderr
    subprocess.run([fill, "-c", coffer.conf, corpus, "30",
                    *users[:USERS + 1]], check=True, timeout=120)
    with open(root / "cofferd.log", "wb") as log:
        proc = subprocess.Popen([cofferd, "-d", "-c", coffer.conf],
                                stdout=log, stderr=subprocess.STDOUT)
    up = {s for s, p in ports.items() if wait_port(p, proc)}
    yield {"loadgen": loadgen, "corpus": corpus, "ports": ports, "up": up,
           "proc": proc}
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_loadgen(server, service, *args):
    if service not in server["up"]:
        pytest.skip(f"cofferd does not offer {service} yet")
    cmd = [server["loadgen"], "--port", str(server["ports"][service]),
           "--password", PASSWORD, "--corpus", server["corpus"], *args]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    metrics = {}
    for line in r.stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "metric":
            metrics[parts[1]] = float(parts[2])
    assert r.returncode == 0, r.stdout + r.stderr
    assert metrics["errors"] == 0
    return metrics


def test_imap_mixed(server):
    m = run_loadgen(server, "imap", "--mode", "imap", "--clients", "4",
                    "--users", str(USERS), "--duration", SECONDS,
                    "--session-ops", "10")
    for op in ("login", "select", "fetch_flags", "fetch_body", "store"):
        assert m.get(f"{op}.count", 0) > 0, op


def test_imap_idle(server):
    m = run_loadgen(server, "imap", "--mode", "imap-idle", "--clients",
                    "20", "--users", str(USERS), "--hold", "1")
    assert m["idle.ready"] == 20


def test_imap_select(server):
    m = run_loadgen(server, "imap", "--mode", "imap-select", "--user-base",
                    str(USERS + 1), "--repeat", "2", "--expect-count", "30")
    assert m["select.count"] == 2


def test_lmtp(server):
    m = run_loadgen(server, "lmtp", "--mode", "lmtp", "--clients", "2",
                    "--user-base", str(USERS + 2), "--users", str(USERS),
                    "--rcpts", "2", "--duration", SECONDS)
    assert m["deliver.count"] > 0
    assert m["deliver.units_per_s"] == pytest.approx(
        2 * m["deliver.rate"])


def test_pop3(server):
    m = run_loadgen(server, "pop3", "--mode", "pop3", "--clients", "2",
                    "--users", str(USERS), "--duration", SECONDS)
    assert m["retr.count"] > 0
