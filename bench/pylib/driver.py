# SPDX-License-Identifier: MIT
"""bench/run: prepares the machine, the corpus and the servers, runs every
scenario against each server back to back, and writes the results."""
import json
import os
import platform
import shutil
import subprocess
import time

from . import corpus, report
from .coffer import Coffer
from .dovecot import Dovecot
from .scenarios import ALL, Params
from .util import (BENCH_USER, DOMAIN, PASSWORD, clear_dir, die,
                   ensure_bench_user, loadavg, log, run)

BIG = f"big1@{DOMAIN}"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))

# Debian packages: the servers to compare with and what building needs.
PACKAGES = ["dovecot-imapd", "dovecot-pop3d", "dovecot-lmtpd",
            "build-essential", "cmake", "pkg-config", "libssl-dev",
            "zlib1g-dev", "libicu-dev", "libxml2-dev", "libgsasl-dev",
            "libcrypt-dev", "python3", "util-linux"]


def install_packages():
    missing = []
    for pkg in PACKAGES:
        r = subprocess.run(["dpkg-query", "-W", "-f", "${Status}", pkg],
                           capture_output=True)
        if b"install ok installed" not in r.stdout:
            missing.append(pkg)
    if not missing:
        return
    log(f"installing {' '.join(missing)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    run(["apt-get", "update"], timeout=1800, env=env)
    run(["apt-get", "install", "-y", "--no-install-recommends", *missing],
        timeout=3600, env=env)


def build(build_dir):
    log(f"building Coffer (release) in {build_dir}")
    logf = build_dir.rstrip("/") + ".log"
    run(["cmake", "-S", REPO, "-B", build_dir, "-DCMAKE_BUILD_TYPE=Release",
         "-DCOFFER_SANITIZE=OFF"], log_path=logf, timeout=1800)
    run(["cmake", "--build", build_dir, "-j", str(os.cpu_count() or 2)],
        log_path=logf, timeout=3600)


def machine():
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    os_name = "Linux"
    if os.path.exists("/etc/os-release"):
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    os_name = line.split("=", 1)[1].strip().strip('"')
    return {"cpu": cpu, "cores": os.cpu_count(),
            "memory_gib": round(mem_kib / 1048576, 1), "os": os_name,
            "kernel": platform.release(),
            "filesystem": fs_type(REPO)}


def fs_type(path):
    r = subprocess.run(["findmnt", "-n", "-o", "SOURCE,FSTYPE", "-T", path],
                       capture_output=True)
    return r.stdout.decode().strip() or "unknown"


def git_commit():
    r = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                       capture_output=True)
    dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain"],
                           capture_output=True).stdout.strip()
    return r.stdout.decode().strip() + ("-dirty" if dirty else "")


class Bench:
    def __init__(self, args):
        self.args = args
        self.params = Params(args.full)
        if args.reps is not None:
            self.params.reps = args.reps
        self.password = PASSWORD
        self.build_dir = os.path.abspath(args.build_dir or
                                         os.path.join(REPO, "build",
                                                      "release"))
        self.workdir = os.path.abspath(args.workdir or
                                       os.path.join(REPO, "bench", "work"))
        stamp = time.strftime("%Y-%m-%d-%H%M%S")
        self.results = os.path.abspath(args.results or os.path.join(
            REPO, "bench", "results", stamp))
        self.loadgen = os.path.join(self.build_dir, "bench", "loadgen")
        self.disk_bench = os.path.join(self.build_dir, "bench", "disk-bench")
        self.store_bench = os.path.join(self.build_dir, "bench",
                                        "store-bench")
        self.records = []
        self.rep = 0

    # ---- set-up ----

    def users(self):
        p = self.params
        names = [f"mix{i}@{DOMAIN}" for i in range(1, p.mix_users + 1)]
        names += [f"rcpt{i}@{DOMAIN}" for i in range(1, p.rcpt_users + 1)]
        names += [f"popa1@{DOMAIN}", f"popb1@{DOMAIN}", f"big1@{DOMAIN}"]
        return names

    def fills(self, big):
        """(users, corpus set, messages each) for every mailbox group;
        the 100,000-message mailbox only with big."""
        p = self.params
        mix = [f"mix{i}@{DOMAIN}" for i in range(1, p.mix_users + 1)]
        fills = [(mix, "mixed", p.mix_msgs),
                 ([f"popa1@{DOMAIN}"], "fourk", 1000),
                 ([f"popb1@{DOMAIN}"], "hundredk", p.pop_big_msgs)]
        if big:
            fills.append(([BIG], "small", p.big_msgs))
        return fills

    # The 100,000-message mailbox of S5 takes long to fill and to delete,
    # and S5 only reads it: it is kept from run to run while the code
    # that wrote it is the same (Coffer: the committed store, mime and lib
    # sources and coffer-fill; Dovecot: its version and format).

    def s5_key(self, server):
        if "S5" not in self.selected or self.args.fresh:
            return None
        if server.kind == "coffer":
            paths = ["src/lib", "src/mime", "src/store",
                     "bench/coffer-fill.c"]
            if subprocess.run(["git", "-C", REPO, "status", "--porcelain",
                               *paths], capture_output=True).stdout.strip():
                return None  # uncommitted changes: no reuse
            trees = [subprocess.run(["git", "-C", REPO, "rev-parse",
                                     f"HEAD:{p}"], capture_output=True)
                     .stdout.decode().strip() for p in paths]
            if not all(trees):
                return None
            key = "coffer " + " ".join(trees)
        else:
            key = server.cache_key()
        return (f"{key} {' '.join(corpus.SETS['small'])} "
                f"{self.params.big_msgs}")

    def s5_keep(self, server):
        """The paths of a reusable S5 mailbox (empty if there is none)."""
        key = self.s5_key(server)
        stamp = os.path.join(server.root, ".s5-mailbox")
        if key is None or not os.path.isdir(server.mail_dir(BIG)):
            return []
        try:
            with open(stamp) as f:
                if f.read() != key:
                    return []
        except OSError:
            return []
        return [server.mail_dir(BIG), stamp]

    def s5_filled(self, server):
        key = self.s5_key(server)
        if key is not None:
            with open(os.path.join(server.root, ".s5-mailbox"), "w") as f:
                f.write(key)

    def setup_servers(self):
        uid, gid = ensure_bench_user()
        base = os.path.join(self.workdir, "servers")
        users = self.users()
        coffer = Coffer(os.path.join(base, "coffer"), self.build_dir, uid,
                        gid, BENCH_USER)
        keep = self.s5_keep(coffer)
        log(f"creating {len(users)} accounts (msadm)")
        hashes = coffer.setup([(u, PASSWORD) for u in users], keep)
        log("filling Coffer mailboxes (coffer-fill)" +
            (", reusing the S5 mailbox" if keep else ""))
        t0 = time.monotonic()
        for group, set_name, count in self.fills("S5" in self.selected and
                                                 not keep):
            coffer.populate(group, self.corpus[set_name], count)
        self.s5_filled(coffer)
        log(f"  {time.monotonic() - t0:.1f} s")
        servers = [coffer]
        formats = ["sdbox"] + (["maildir"] if self.args.maildir else [])
        for fmt in formats:
            d = Dovecot(os.path.join(base, f"dovecot-{fmt}"), fmt, uid, gid,
                        hashes)
            keep = self.s5_keep(d)
            d.setup(keep)
            d.start()
            log(f"filling {d.name} mailboxes (doveadm import)" +
                (", reusing the S5 mailbox" if keep else ""))
            t0 = time.monotonic()
            try:
                self.fill_dovecot(d, uid, gid, self.fills(
                    "S5" in self.selected and not keep))
            finally:
                d.stop()
            self.s5_filled(d)
            log(f"  {time.monotonic() - t0:.1f} s")
            servers.append(d)
        return servers

    def fill_dovecot(self, d, uid, gid, fills):
        for group, set_name, count in fills:
            src = corpus.maildir(
                self.corpus[set_name],
                os.path.join(self.workdir, "maildir", f"{set_name}-{count}"),
                count, uid, gid)
            for user in group:
                got = d.populate(user, src,
                                 os.path.join(d.root, "populate.log"))
                if got != count:
                    die(f"{d.name}: {user} has {got} messages, expected "
                        f"{count}")

    # ---- runs ----

    def measure(self, scen, vname, v, server):
        """One run of one variant against one server, started for it and
        stopped after it."""
        name = f"{scen.id}-{len(self.records):03d}-{server.name}"
        rec = {"scenario": scen.id, "variant": vname, "server": server.name,
               "rep": self.rep, "load_before": loadavg()}
        try:
            started = server.start()
        except RuntimeError as e:
            rec.update(status="errors", errors=1, why=str(e))
            return rec
        if not started:
            rec.update(status="n/a", why=server.why)
            return rec
        try:
            if not server.available(scen.service):
                rec.update(status="n/a", why=server.why)
                return rec
            if hasattr(scen, "before"):
                scen.before(self, server)
            time.sleep(1)  # pre-forked processes, caches: settle
            rec.update(scen.run(self, server, v, name))
        finally:
            server.stop()
        rec["load_after"] = loadavg()
        return rec

    def run_scenario(self, scen, servers):
        for vname, v in scen.variants(self.params):
            if self.args.variant and not self.args.variant.search(vname):
                continue
            reps = self.params.reps if scen.service else 1
            if scen.id == "S4":
                reps = 1  # memory per connection hardly varies; slow set-up
            for rep in range(reps):
                self.rep = rep
                if scen.service is None:
                    name = f"{scen.id}-{len(self.records):03d}"
                    rec = {"scenario": scen.id, "variant": vname,
                           "server": "disk" if scen.id == "S6" else "coffer",
                           "rep": rep, "load_before": loadavg()}
                    rec.update(scen.run_disk(self, v, name)
                               if scen.id == "S6" else
                               scen.run_store(self, v, name))
                    rec["load_after"] = loadavg()
                    self.records.append(rec)
                    continue
                for server in servers:
                    log(f"{scen.id} {vname}, run {rep + 1}: {server.name}")
                    rec = self.measure(scen, vname, v, server)
                    self.records.append(rec)
                    if rec.get("status") == "errors":
                        log(f"  errors, see {rec.get('log')}")

    def main(self):
        if os.geteuid() != 0:
            die("bench/run needs root (packages, a private Dovecot, "
                "a benchmark user)")
        self.selected = set(self.args.only.split(",")) if self.args.only \
            else {s.id for s in ALL}
        t_start = time.time()
        if not self.args.no_install:
            install_packages()
        if not self.args.no_build:
            build(self.build_dir)
        for tool in (self.loadgen, self.disk_bench):
            if not os.path.exists(tool):
                die(f"{tool} is missing; build first")
        os.makedirs(self.results, exist_ok=True)
        os.makedirs(self.workdir, exist_ok=True)
        self.corpus = corpus.ensure(self.workdir)
        servers = self.setup_servers()
        meta = {"date": time.strftime("%Y-%m-%d %H:%M %Z"),
                "commit": git_commit(), "mode": "full" if self.args.full
                else "short", "machine": machine(),
                "command": self.args.command_line,
                "load_at_start": loadavg(), "params": vars(self.params)}
        for scen in ALL:
            if scen.id in self.selected:
                self.run_scenario(scen, servers)
        meta["load_at_end"] = loadavg()
        meta["servers"] = {s.name: s.describe() for s in servers}
        meta["duration_s"] = round(time.time() - t_start)
        with open(os.path.join(self.results, "results.json"), "w") as f:
            json.dump({"meta": meta, "records": self.records}, f, indent=1)
        text = report.table(meta, self.records)
        with open(os.path.join(self.results, "table.txt"), "w") as f:
            f.write(text)
        print(text)
        log(f"results in {self.results}")
        if self.args.keep:
            return
        log("removing the servers' directories")
        for server in servers:
            if self.args.clean:
                shutil.rmtree(server.root, ignore_errors=True)
            else:
                clear_dir(server.root, self.s5_keep(server))
