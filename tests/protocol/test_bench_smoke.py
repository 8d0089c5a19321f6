# SPDX-License-Identifier: MIT
"""Smoke test of the benchmark tools against Coffer: the load generator
runs each workload for a few seconds against a cofferd started here, with
every answer checked (no timing is asserted). Services cofferd does not
offer yet are skipped."""
import os
import pathlib
import subprocess

import pytest

from conftest import build_dir

PASSWORD = "benchpass"
# user1-4: IMAP and POP3 workloads, user5: SELECT timing (left alone),
# user6-9: LMTP recipients (deliveries may add trace headers, so their
# mail is never compared with the corpus)
USERS = 4
SECONDS = "3"


def tool(name):
    path = build_dir() / "bench" / name
    if not path.exists():
        pytest.skip(f"{name} is not built")
    return path


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    source = pathlib.Path(os.environ.get("COFFER_SOURCE_DIR",
                                         pathlib.Path(__file__).parents[2]))
    path = tmp_path_factory.mktemp("bench-corpus") / "smoke"
    subprocess.run([source / "bench" / "corpus-gen", "--count", "30",
                    "--median", "6000", "--max", "60000", "smoke", path],
                   check=True, timeout=60)
    return path


@pytest.fixture
def server(coffer_factory, corpus):
    """cofferd (started by the harness, which also checks its log at the
    end) with 2 * USERS + 1 accounts; the first USERS + 1 INBOXes hold
    the corpus."""
    loadgen, fill = tool("loadgen"), tool("coffer-fill")
    srv = coffer_factory()
    users = [srv.add_user(f"user{i}", PASSWORD)
             for i in range(1, 2 * USERS + 2)]
    subprocess.run([fill, "-c", srv.conf, corpus, "30", *users[:USERS + 1]],
                   check=True, timeout=120)
    srv.start()
    srv.loadgen, srv.corpus = loadgen, corpus
    return srv


def run_loadgen(srv, service, *args):
    srv.require(service)
    cmd = [srv.loadgen, "--port", str(srv.ports[service]), "--password",
           PASSWORD, "--corpus", srv.corpus, *args]
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
    # one reply per recipient, two recipients per message
    assert m["deliver.units_per_s"] == pytest.approx(
        2 * m["deliver.rate"], rel=1e-3)


def test_pop3(server):
    m = run_loadgen(server, "pop3", "--mode", "pop3", "--clients", "2",
                    "--users", str(USERS), "--duration", SECONDS)
    assert m["retr.count"] > 0
