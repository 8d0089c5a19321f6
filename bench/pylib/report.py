# SPDX-License-Identifier: MIT
"""Tables of results: median over the runs of each (scenario, variant,
server), the spread (lowest - highest), the ratio Coffer/Dovecot and the
goals of the project. Plain text for the terminal, Markdown for
docs/benchmarks.md."""
import statistics

from .scenarios import ALL, HIGH, LOW

SCEN = {s.id: s for s in ALL}

# (scenario, figure metric, variant substring or None, test, bound, text)
GOALS = [
    ("S1", "total.rate", None, "ratio>=", 1.5,
     "IMAP mixed ops/s >= 1.5x Dovecot"),
    ("S1", "total.p99_ms", None, "ratio<", 1.0,
     "IMAP mixed p99 lower than Dovecot"),
    ("S2", "deliver.rate", None, "ratio>=", 2.0,
     "LMTP messages/s >= 2x Dovecot"),
    ("S3", "retr.rate", None, "ratio>=", 1.5, "POP3 msg/s >= 1.5x Dovecot"),
    ("S4", "idle.pss_kib_per_conn", None, "value<=", 32,
     "<= 32 KiB per IDLE connection"),
    ("S5", "s5.first_ms", None, "value<", 250,
     "SELECT + FETCH 1:* (UID FLAGS) of 100,000 messages < 0.25 s"),
    ("S7", "store.open_ms", "100,000", "value<", 50,
     "open a 100,000-message mailbox < 50 ms"),
    ("S7", "store.open_ms", "1,000,000", "value<", 500,
     "open a 1,000,000-message mailbox < 0.5 s"),
    ("S7", "store.heap_per_msg", None, "value<", 64,
     "< 64 B per message of a selected mailbox"),
    ("S7", "store.flags_rate", None, "value>", 50000,
     "flag updates > 50,000/s"),
]


def fmt(x):
    if x is None:
        return "n/a"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def group(records):
    """{(scenario, variant): {server: [records]}} in run order."""
    out = {}
    for r in records:
        out.setdefault((r["scenario"], r["variant"]), {}) \
           .setdefault(r["server"], []).append(r)
    return out


def summary(recs, metric):
    """(median, lowest, highest, note) of a metric over ok runs."""
    ok = [r for r in recs if r.get("status") == "ok"]
    vals = [r["metrics"][metric] for r in ok if metric in r["metrics"]]
    if not vals:
        if any(r.get("status") == "n/a" for r in recs):
            return None, None, None, "n/a"
        if any(r.get("status") == "errors" for r in recs):
            errs = sum(r.get("errors", 0) for r in recs)
            return None, None, None, f"errors ({errs})"
        return None, None, None, "-"
    return statistics.median(vals), min(vals), max(vals), ""


def cell(recs, metric):
    med, lo, hi, note = summary(recs or [], metric)
    if med is None:
        return note
    if len([r for r in recs if r.get("status") == "ok"]) > 1:
        return f"{fmt(med)} ({fmt(lo)}-{fmt(hi)})"
    return fmt(med)


def ratio(by_server, metric, other):
    c = summary(by_server.get("coffer", []), metric)[0]
    d = summary(by_server.get(other, []), metric)[0]
    if c is None or d is None or d == 0:
        return None
    return c / d


def servers_of(records):
    seen = []
    for r in records:
        if r["server"] not in seen:
            seen.append(r["server"])
    return seen


def rows(meta, records):
    """[(scenario id, title, header, [row])] for every scenario run."""
    groups = group(records)
    servers = [s for s in servers_of(records) if s not in ("disk",)]
    dovecots = [s for s in servers if s.startswith("dovecot")]
    out = []
    for scen in ALL:
        keys = [k for k in groups if k[0] == scen.id]
        if not keys:
            continue
        if scen.service is None:
            # one column: the disk (S6) or Coffer's store (S7)
            who = "disk" if scen.id == "S6" else "coffer"
            header = ["variant"] + [f[0] for f in scen.figures]
            body = [[k[1]] + [cell(groups[k].get(who), f[1])
                              for f in scen.figures] for k in keys]
            out.append((scen.id, scen.title, header, body))
            continue
        header = ["variant", "figure"] + servers + \
            [f"coffer/{d.replace('dovecot-', '')}" for d in dovecots]
        body = []
        for k in keys:
            for label, metric, better in scen.figures:
                hint = {HIGH: " (higher better)", LOW: " (lower better)"}
                row = [k[1], label + hint.get(better, "")]
                row += [cell(groups[k].get(s), metric) for s in servers]
                row += [fmt(ratio(groups[k], metric, d)) if better else ""
                        for d in dovecots]
                body.append(row)
        out.append((scen.id, scen.title, header, body))
    return out


def against_disk(records):
    """S2 deliveries per second as a share of the disk's own rate (S6)
    for the same message size, 1 thread for 1 session and 16 threads
    otherwise: how close each server comes to the physical limit."""
    groups = group(records)
    disk = {k[1]: summary(v.get("disk", []), "disk.rate")[0]
            for k, v in groups.items() if k[0] == "S6"}
    servers = [s for s in servers_of(records) if s != "disk"]
    body = []
    for (sid, variant), by_server in groups.items():
        if sid != "S2":
            continue
        size = "100 KB" if "100 KB" in variant else "4 KB"
        threads = "1 thread" if variant.startswith("1 session") \
            else "16 threads"
        ref = disk.get(f"{threads}, {size}")
        if not ref:
            continue
        row = [variant, f"{threads}, {size}: {fmt(ref)}/s"]
        for srv in servers:
            v = summary(by_server.get(srv, []), "deliver.units_per_s")[0]
            row.append(f"{100 * v / ref:.0f} %" if v else "n/a")
        body.append(row)
    return (["S2 variant", "disk (S6)"] + servers, body) if body else None


def goals(records):
    groups = group(records)
    lines = []
    for sid, metric, only, test, bound, text in GOALS:
        keys = [k for k in groups if k[0] == sid and
                (only is None or only in k[1])]
        if not keys:
            continue
        for k in keys:
            if test.startswith("ratio"):
                v = ratio(groups[k], metric, "dovecot-sdbox")
                shown = f"{v:.2f}x" if v is not None else "n/a"
            else:
                v = summary(groups[k].get("coffer", []), metric)[0]
                shown = fmt(v)
            if v is None:
                verdict = "not measured (Coffer service not available)"
            else:
                met = {"ratio>=": v >= bound, "ratio<": v < bound,
                       "value<=": v <= bound, "value<": v < bound,
                       "value>": v > bound}[test]
                verdict = "met" if met else "NOT met"
            lines.append((f"{sid} {k[1]}", text, shown, verdict))
    return lines


def busy(meta, records):
    """A warning when the machine was busy when the benchmark started: a
    1-minute load average above half the cores. Only the load before the
    first run tells: later ones include the benchmark's own work (server
    threads waiting for fsync count as load for a minute afterwards)."""
    cores = meta["machine"]["cores"] or 1
    start = meta.get("load_at_start")
    if start and start[0] > cores / 2:
        return (f"Warning: the machine was busy (1-minute load average "
                f"{start[0]:.1f} on {cores} cores when the benchmark "
                f"started); the figures are disturbed, re-run on a quiet "
                f"machine.")
    return None


def _text_table(header, body):
    widths = [max(len(str(r[i])) for r in [header] + body)
              for i in range(len(header))]
    line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths))
    return "\n".join([line(header), line(["-" * w for w in widths])] +
                     [line(r) for r in body])


def table(meta, records):
    out = [f"Coffer benchmarks, {meta['mode']} mode, {meta['date']}, "
           f"commit {meta['commit']}",
           f"machine: {meta['machine']['cpu']}, {meta['machine']['cores']} "
           f"cores, {meta['machine']['memory_gib']} GiB, "
           f"{meta['machine']['os']}",
           f"load average at start {meta['load_at_start']}, at end "
           f"{meta.get('load_at_end')}", ""]
    warning = busy(meta, records)
    if warning:
        out += [warning, ""]
    for sid, title, header, body in rows(meta, records):
        out += [f"{sid} {title}", _text_table(header, body), ""]
    disk = against_disk(records)
    if disk:
        out += ["S2 deliveries/s as a share of the disk's rate (S6)",
                _text_table(*disk), ""]
    g = goals(records)
    if g:
        out += ["Goals", _text_table(["run", "goal", "Coffer", "verdict"],
                                     [list(x) for x in g]), ""]
    na = sorted({r.get("why", "") for r in records
                 if r.get("status") == "n/a"})
    if na:
        out += ["Not available: " + "; ".join(x for x in na if x), ""]
    return "\n".join(out)


def _md_table(header, body):
    esc = lambda c: str(c).replace("|", "\\|")
    return "\n".join(["| " + " | ".join(map(esc, header)) + " |",
                      "|" + "---|" * len(header)] +
                     ["| " + " | ".join(map(esc, r)) + " |" for r in body])


def markdown(meta, records):
    """The results part of docs/benchmarks.md."""
    m = meta["machine"]
    out = [f"- Date: {meta['date']}",
           f"- Commit: `{meta['commit']}`",
           f"- Mode: {meta['mode']} ({meta['duration_s']} s from the "
           f"command to the table, build and set-up included)",
           f"- Command: `{meta['command']}`",
           f"- Machine: {m['cpu']}, {m['cores']} cores, "
           f"{m['memory_gib']} GiB RAM, {m['os']}, kernel {m['kernel']}, "
           f"file system `{m['filesystem']}`",
           f"- Load average (1, 5, 15 min) at start {meta['load_at_start']},"
           f" at end {meta['load_at_end']}"]
    for name, desc in meta["servers"].items():
        out.append(f"- {name}: {desc}")
    out.append("")
    warning = busy(meta, records)
    if warning:
        out += [f"**{warning}**", ""]
    for sid, title, header, body in rows(meta, records):
        out += [f"#### {sid} {title}", "", _md_table(header, body), ""]
    for r in records:
        if r["scenario"] == "S7" and r.get("text"):
            out += [f"S7 store-bench output, {r['variant']}:", "", "```",
                    r["text"].rstrip(), "```", ""]
    disk = against_disk(records)
    if disk:
        out += ["#### S2 deliveries per second as a share of the disk's "
                "rate (S6)", "", _md_table(*disk), ""]
    g = goals(records)
    if g:
        out += ["#### Goals", "",
                _md_table(["run", "goal", "Coffer", "verdict"],
                          [list(x) for x in g]), ""]
    na = sorted({r.get("why", "") for r in records
                 if r.get("status") == "n/a"})
    if na:
        out += ["Not available for Coffer at this commit: " +
                "; ".join(x for x in na if x) + ".", ""]
    return "\n".join(out)
