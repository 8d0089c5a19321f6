# SPDX-License-Identifier: MIT
"""The scenarios S1-S7: what each runs, against which users, and which
figures it reports. A scenario measures one server at a time (started
fresh for the run and stopped after it); bench/run puts the servers side
by side and repeats.

Every figure is (label, metric, better): better is "high" or "low", or
None for figures that are reported but not compared."""
import os
import re
import subprocess
import time

from . import procstat
from .util import parse_metrics, run

HIGH, LOW = "high", "low"


class Params:
    """Sizes of the short (< 5 minutes) and full modes."""

    def __init__(self, full):
        self.full = full
        self.reps = 3 if full else 1
        self.mix_users = 100
        self.mix_msgs = 200 if full else 40
        self.rcpt_users = 50
        self.pop_big_msgs = 1000 if full else 200
        self.big_msgs = 100000
        self.idle_conns = 5000 if full else 400
        self.s1_secs, self.s1_warmup = (60, 5) if full else (10, 2)
        self.s2_secs = 15 if full else 5
        self.s3_secs = 15 if full else 5


# ---- one measurement ----

def loadgen(ctx, server, service, args, name, timeout, per="total"):
    """Runs loadgen against server while sampling the server's CPU and
    memory. Returns the result record; server CPU is also given per
    operation of kind `per` (a loadgen operation name)."""
    out_path = os.path.join(ctx.results, f"{name}.out")
    cmd = [ctx.loadgen, "--port", str(server.ports[service]),
           "--password", ctx.password, *args]
    for d in ctx.corpus.values():
        cmd += ["--corpus", d]
    with procstat.Sampler(server.pid()) as s, open(out_path, "wb") as out:
        out.write(("$ " + " ".join(cmd) + "\n").encode())
        out.flush()
        r = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT,
                           timeout=timeout)
    with open(out_path) as f:
        metrics = parse_metrics(f.read())
    metrics["server.cpu_s"] = s.cpu
    metrics["server.peak_rss_mib"] = s.peak / 1024
    ops = metrics.get(f"{per}.count", 0)
    if ops:
        metrics["server.cpu_ms_per_op"] = s.cpu * 1000 / ops
    errors = int(metrics.get("errors", 0 if r.returncode == 0 else 1))
    status = "ok" if r.returncode == 0 and errors == 0 else "errors"
    return {"status": status, "metrics": metrics, "errors": errors,
            "log": os.path.relpath(out_path, ctx.results)}


def unavailable(server, service):
    return {"status": "n/a",
            "why": getattr(server, "why", "") or f"no {service} service"}


# ---- the scenarios ----

class S1:
    id, title = "S1", "IMAP mixed workload"
    service = "imap"
    figures = [("ops/s", "total.rate", HIGH),
               ("p50 ms", "total.p50_ms", LOW),
               ("p99 ms", "total.p99_ms", LOW),
               ("server CPU ms/op", "server.cpu_ms_per_op", LOW),
               ("peak RSS MiB", "server.peak_rss_mib", LOW)]

    def variants(self, p):
        return [(f"{n} clients", {"clients": n}) for n in (20, 100)]

    def run(self, ctx, server, v, name):
        p = ctx.params
        args = ["--mode", "imap", "--clients", str(v["clients"]),
                "--users", str(v["clients"]), "--user-fmt",
                "mix%u@example.com", "--send-set", "mixed", "--duration",
                str(p.s1_secs), "--warmup", str(p.s1_warmup),
                "--session-ops", "100", "--seed", str(ctx.rep + 1)]
        return loadgen(ctx, server, "imap", args, name,
                       p.s1_secs + p.s1_warmup + 120)


class S2:
    id, title = "S2", "LMTP durable delivery"
    service = "lmtp"
    figures = [("messages/s", "deliver.rate", HIGH),
               ("deliveries/s", "deliver.units_per_s", HIGH),
               ("p50 ms", "deliver.p50_ms", LOW),
               ("p99 ms", "deliver.p99_ms", LOW),
               ("server CPU ms/msg", "server.cpu_ms_per_op", LOW),
               ("peak RSS MiB", "server.peak_rss_mib", LOW)]

    def variants(self, p):
        if not p.full:
            combos = [(16, 1, "fourk"), (16, 1, "hundredk"),
                      (16, 10, "fourk")]
        else:
            combos = [(c, r, s) for s in ("fourk", "hundredk")
                      for r in (1, 10) for c in (1, 4, 16)]
        size = {"fourk": "4 KB", "hundredk": "100 KB"}
        return [(f"{c} sessions, {r} rcpt, {size[s]}",
                 {"clients": c, "rcpts": r, "set": s})
                for c, r, s in combos]

    def before(self, ctx, server):
        """Every run delivers into existing, empty mailboxes (created
        before the clock starts, as for an account that exists)."""
        server.reset_users([f"rcpt{i}@example.com"
                            for i in range(1, ctx.params.rcpt_users + 1)])

    def run(self, ctx, server, v, name):
        p = ctx.params
        args = ["--mode", "lmtp", "--clients", str(v["clients"]),
                "--users", str(p.rcpt_users), "--user-fmt",
                "rcpt%u@example.com", "--rcpts", str(v["rcpts"]),
                "--send-set", v["set"], "--duration", str(p.s2_secs),
                "--warmup", "1", "--seed", str(ctx.rep + 1)]
        return loadgen(ctx, server, "lmtp", args, name, p.s2_secs + 120,
                       per="deliver")


class S3:
    id, title = "S3", "POP3 download"
    service = "pop3"
    figures = [("messages/s", "retr.rate", HIGH),
               ("MB/s", "retr.mb_per_s", HIGH),
               ("session p50 ms", "session.p50_ms", LOW),
               ("server CPU ms/msg", "server.cpu_ms_per_op", LOW),
               ("peak RSS MiB", "server.peak_rss_mib", LOW)]

    def variants(self, p):
        return [
            ("1 session, 1,000 x 4 KB",
             {"clients": 1, "fmt": "popa%u@example.com"}),
            (f"1 session, {p.pop_big_msgs:,} x 100 KB",
             {"clients": 1, "fmt": "popb%u@example.com"}),
            ("50 parallel sessions, mixed",
             {"clients": 50, "fmt": "mix%u@example.com"}),
        ]

    def run(self, ctx, server, v, name):
        p = ctx.params
        args = ["--mode", "pop3", "--clients", str(v["clients"]),
                "--user-fmt", v["fmt"], "--duration", str(p.s3_secs),
                "--warmup", "1"]
        return loadgen(ctx, server, "pop3", args, name, p.s3_secs + 300,
                       per="retr")


class S4:
    id, title = "S4", "Idle IMAP connections in IDLE"
    service = "imap"
    figures = [("KiB/conn (PSS)", "idle.pss_kib_per_conn", LOW),
               ("KiB/conn (RSS sum)", "idle.rss_kib_per_conn", LOW),
               ("connections", "idle.ready", None),
               ("set-up s", "idle.setup_s", None)]

    def variants(self, p):
        return [(f"{p.idle_conns:,} connections", {"n": p.idle_conns})]

    def run(self, ctx, server, v, name):
        """Memory with n connections in IDLE minus memory before them,
        per connection; PSS divides shared pages among processes (fair
        to multi-process servers), the RSS sum counts them repeatedly."""
        ready = os.path.join(ctx.results, f"{name}.ready")
        if os.path.exists(ready):
            os.unlink(ready)
        time.sleep(1)
        pid = server.pid()
        base_pss, base_rss = procstat.pss_kib(pid), procstat.rss_kib(pid)
        out_path = os.path.join(ctx.results, f"{name}.out")
        cmd = [ctx.loadgen, "--mode", "imap-idle", "--port",
               str(server.ports["imap"]), "--password", ctx.password,
               "--clients", str(v["n"]), "--users",
               str(ctx.params.mix_users), "--user-fmt", "mix%u@example.com",
               "--ramp", "64", "--ready-file", ready, "--hold", "600",
               "--timeout-ms", "120000", "--corpus", ctx.corpus["mixed"]]
        t0 = time.monotonic()
        with open(out_path, "wb") as out:
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
            while not os.path.exists(ready) and proc.poll() is None:
                time.sleep(0.2)
            setup = time.monotonic() - t0
            time.sleep(3)  # let the last sessions settle
            pss, rss = procstat.pss_kib(pid), procstat.rss_kib(pid)
            nproc = procstat.nprocs(pid)
            if os.path.exists(ready):
                os.unlink(ready)  # ends the IDLEs
            proc.wait(timeout=900)
        with open(out_path) as f:
            metrics = parse_metrics(f.read())
        n = metrics.get("idle.ready", 0)
        if n:
            metrics["idle.pss_kib_per_conn"] = (pss - base_pss) / n
            metrics["idle.rss_kib_per_conn"] = (rss - base_rss) / n
        metrics["idle.setup_s"] = setup
        metrics["server.processes"] = nproc
        metrics["server.pss_mib"] = pss / 1024
        errors = int(metrics.get("errors", 1))
        ok = proc.returncode == 0 and errors == 0 and n == v["n"]
        return {"status": "ok" if ok else "errors", "metrics": metrics,
                "errors": errors,
                "log": os.path.relpath(out_path, ctx.results)}


class S5:
    id, title = "S5", "SELECT + FETCH 1:* (UID FLAGS) of a 100,000-message " \
                      "mailbox"
    service = "imap"
    figures = [("first ms", "s5.first_ms", LOW),
               ("median ms", "s5.median_ms", LOW),
               ("SELECT first ms", "select.first_ms", None),
               ("FETCH first ms", "fetch_flags.first_ms", None)]

    def variants(self, p):
        return [(f"{p.big_msgs:,} messages", {"n": p.big_msgs})]

    def run(self, ctx, server, v, name):
        """The first session after the server started (page cache warm),
        then four more; LOGIN is not counted."""
        args = ["--mode", "imap-select", "--user-fmt", "big%u@example.com",
                "--repeat", "5", "--expect-count", str(v["n"]),
                "--timeout-ms", "300000"]
        r = loadgen(ctx, server, "imap", args, name, 900)
        m = r["metrics"]
        if "select.first_ms" in m:
            m["s5.first_ms"] = m["select.first_ms"] + \
                m["fetch_flags.first_ms"]
            m["s5.median_ms"] = m["select.p50_ms"] + m["fetch_flags.p50_ms"]
        return r


class S6:
    """The disk alone: no server."""
    id, title = "S6", "Disk create+fsync+rename+fsync(dir) (reference)"
    service = None
    figures = [("ops/s", "disk.rate", None), ("p50 ms", "disk.p50_ms", None),
               ("p99 ms", "disk.p99_ms", None)]

    def variants(self, p):
        return [(f"{t} thread{'s' if t > 1 else ''}, {s}",
                 {"threads": t, "size": size, "n": n})
                for s, size in (("4 KB", 4096), ("100 KB", 102400))
                for t, n in ((1, 1000 if p.full else 200),
                             (16, 200 if p.full else 40))]

    def run_disk(self, ctx, v, name):
        out_path = os.path.join(ctx.results, f"{name}.out")
        r = run([ctx.disk_bench, "-d", ctx.workdir, "-t", str(v["threads"]),
                 "-s", str(v["size"]), "-n", str(v["n"])], check=False)
        text = r.stdout.decode()
        with open(out_path, "w") as f:
            f.write(text + r.stderr.decode())
        raw = parse_metrics(text)
        t = v["threads"]
        metrics = {k.replace(f"disk.{t}t.", "disk."): x
                   for k, x in raw.items()}
        return {"status": "ok" if r.returncode == 0 else "errors",
                "metrics": metrics, "errors": int(r.returncode != 0),
                "log": os.path.relpath(out_path, ctx.results)}


class S7:
    """Coffer's store alone (bench/store-bench), full mode only."""
    id, title = "S7", "Coffer store micro-benchmarks (store-bench)"
    service = None
    figures = [("open ms", "store.open_ms", LOW),
               ("heap B/message", "store.heap_per_msg", LOW),
               ("durable appends/s, 1 writer", "store.append_1", HIGH),
               ("durable appends/s, 8 writers", "store.append_n", HIGH),
               ("disk create+fsync+rename/s", "store.disk_rate", None),
               ("flag updates/s", "store.flags_rate", HIGH)]
    PATTERNS = [
        ("store.open_ms", r"open\+read \d+ UIDs/flags.*: ([\d.]+) ms"),
        ("store.heap_per_msg", r"heap per message.*: ([\d.]+) bytes"),
        ("store.append_1", r"durable appends, 1 writer: ([\d.]+)/s"),
        ("store.append_n", r"durable appends, \d+ writers.*: ([\d.]+)/s"),
        ("store.disk_rate", r"disk create\+fsync.*: ([\d.]+)/s"),
        ("store.flags_rate", r"flag updates, one message.*: ([\d.]+)/s"),
    ]

    def variants(self, p):
        if not p.full:
            return []
        return [(f"{n:,} messages", {"n": n}) for n in (100000, 1000000)]

    def run_store(self, ctx, v, name):
        out_path = os.path.join(ctx.results, f"{name}.out")
        r = run([ctx.store_bench, "-n", str(v["n"]), "-d", ctx.workdir],
                check=False, timeout=7200)
        text = r.stdout.decode()
        with open(out_path, "w") as f:
            f.write(text + r.stderr.decode())
        metrics = {}
        for metric, pattern in self.PATTERNS:
            m = re.search(pattern, text)  # the first: a cold open
            if m:
                metrics[metric] = float(m.group(1))
        ok = r.returncode == 0 and len(metrics) == len(self.PATTERNS)
        return {"status": "ok" if ok else "errors", "metrics": metrics,
                "text": text, "errors": int(not ok),
                "log": os.path.relpath(out_path, ctx.results)}


ALL = [S1(), S2(), S3(), S4(), S5(), S6(), S7()]
