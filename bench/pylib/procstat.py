# SPDX-License-Identifier: MIT
"""Server CPU time and memory from /proc, for a process and all its
descendants (Dovecot runs many processes, Coffer one or a few).

CPU: utime+stime of every live process of the tree plus cutime+cstime,
which hold the time of children that exited and were reaped inside the
tree. Memory: the sum of VmRSS (RSS) or of Pss (shared pages divided
among the processes that map them) over the tree."""
import os
import threading
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")


def _stat(pid):
    """(ppid, utime+stime+cutime+cstime in ticks) or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            data = f.read()
    except OSError:
        return None
    # the command name may contain spaces and parentheses
    fields = data[data.rindex(")") + 2:].split()
    ppid = int(fields[1])
    ticks = sum(int(x) for x in fields[11:15])
    return ppid, ticks


def tree(root):
    """{pid: ticks} for root and all its descendants."""
    procs = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = _stat(int(name))
            if st is not None:
                procs[int(name)] = st
    members, todo = {}, [root]
    children = {}
    for pid, (ppid, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    while todo:
        pid = todo.pop()
        if pid in procs and pid not in members:
            members[pid] = procs[pid][1]
            todo.extend(children.get(pid, []))
    return members


def cpu_seconds(root):
    return sum(tree(root).values()) / CLK_TCK


def _status_kib(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_kib(root):
    return sum(_status_kib(pid, "VmRSS") for pid in tree(root))


def hwm_kib(root):
    return sum(_status_kib(pid, "VmHWM") for pid in tree(root))


def pss_kib(root):
    total = 0
    for pid in tree(root):
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            pass
    return total


def reset_hwm(root):
    """Resets the peak RSS of every process (Linux clear_refs "5")."""
    for pid in tree(root):
        try:
            with open(f"/proc/{pid}/clear_refs", "w") as f:
                f.write("5")
        except OSError:
            pass


def nprocs(root):
    return len(tree(root))


class Sampler:
    """Samples the RSS sum of a process tree in a thread and keeps the
    peak; cheap enough (a few ms per sample) not to disturb the server."""

    def __init__(self, root, interval=0.25):
        self.root, self.interval = root, interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_kib(self.root))
            self._stop.wait(self.interval)

    def __enter__(self):
        reset_hwm(self.root)
        self.cpu0 = cpu_seconds(self.root)
        self.t0 = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.cpu = cpu_seconds(self.root) - self.cpu0
        self.wall = time.monotonic() - self.t0
        # a process's own high-water mark catches peaks between samples
        self.peak = max(self.peak, hwm_kib(self.root))
        return False
