"""Statistics and the markdown table for barco's benchmark (standard library only).

bench/run measures; this module turns its raw data (one dict, also saved as
JSON next to the table) into medians, spreads, ratios to barco and the goals
of issue 9, and renders them as markdown. `python3 bench/stats.py FILE.json`
re-renders a saved run, so a table can be regenerated without measuring again.
"""

import json
import statistics
import sys

# The goals of issue 9: (id, text, target, unit). Verdicts are computed
# from medians in goal_rows(); the benchmark reports them, tests never assert them.
GOALS = (
    ("unshare", "barco run ≤ 1.3× bare unshare", 1.3, "×"),
    ("runc", "barco run ≤ 0.2× runc", 0.2, "×"),
    ("bwrap", "barco run no slower than bubblewrap", 1.0, "×"),
    ("step", "pause/resume < 1 ms per stage", 1.0, "ms"),
    ("probe", "barco probe < 200 ms", 200.0, "ms"),
    ("trace", "--trace adds < 50 ms", 50.0, "ms"),
    ("rss", "barco's peak RSS < 4 MiB", 4096.0, "KiB"),
    ("oci-runc", "OCI create+start+wait+delete: barco ≤ 0.2× runc", 0.2, "×"),
    ("oci-crun", "OCI create+start+wait+delete: barco ≤ 1.0× crun", 1.0, "×"),
    ("ctr-runc", "ctr run: barco ≤ runc (containerd's own time included)", 1.0, "×"),
    ("ctr-crun", "ctr run: barco ≤ crun (containerd's own time included)", 1.0, "×"),
)

# Each table's rows are compared with one of barco's: (group, its row, title).
TABLES = (("runtime", "barco", "barco run", "Start a container and run /bin/true"),
          ("oci", "oci-barco", "barco's cycle",
           "An engine's cycle: create, start, wait, delete (bench/oci-cycle.c)"),
          ("other", "barco", "barco run", "Other barco commands"))


def summarize(times_ms):
    """Median, quartiles, extremes and count of a list of durations in ms."""
    xs = sorted(times_ms)
    if len(xs) >= 2:
        q1, _, q3 = statistics.quantiles(xs, n=4, method="inclusive")
    else:
        q1 = q3 = xs[0]
    return {
        "n": len(xs),
        "median": statistics.median(xs),
        "q1": q1,
        "q3": q3,
        "min": xs[0],
        "max": xs[-1],
        "mean": statistics.fmean(xs),
        "stdev": statistics.stdev(xs) if len(xs) >= 2 else 0.0,
    }


def fmt_ms(x):
    """Milliseconds with a precision that suits their size."""
    if x is None:
        return "–"
    return f"{x:.0f}" if abs(x) >= 100 else f"{x:.1f}" if abs(x) >= 10 else f"{x:.2f}"


def runtime_rows(data, group, base_key="barco"):
    """One row per command of a group: summary and ratio to base_key's row, in data's order."""
    summaries = {k: summarize(b["times_ms"]) for k, b in data["runs"].items() if b.get("times_ms")}
    base = summaries.get(base_key)
    rows = []
    for key, peer in data["peers"].items():
        if peer["group"] != group:
            continue
        s = summaries.get(key)
        ratio = s["median"] / base["median"] if s and base else None
        cpu = data["runs"].get(key, {}).get("cpu_ms")
        s_cpu = sum(c * n for c, n in cpu) / sum(n for _, n in cpu) if cpu else None
        rows.append({"key": key, "peer": peer, "summary": s, "ratio": ratio, "cpu": s_cpu})
    return rows


def runtime_table(rows, base_label="barco run"):
    """The markdown table of the runtime comparison."""
    out = [
        f"| command | median ms | IQR ms (q1–q3) | min–max ms | × {base_label} | CPU ms (user+sys) "
        "| runs |",
        "|---|--:|--:|--:|--:|--:|--:|",
    ]
    for r in rows:
        label, s = r["peer"]["label"], r["summary"]
        if s is None:
            out.append(f"| {label} | {r['peer'].get('status', 'not measured')} | | | | | |")
            continue
        ratio = f"{r['ratio']:.2f}" if r["ratio"] is not None else "–"
        out.append(
            f"| {label} | {fmt_ms(s['median'])} | {fmt_ms(s['q1'])}–{fmt_ms(s['q3'])} "
            f"| {fmt_ms(s['min'])}–{fmt_ms(s['max'])} | {ratio} | {fmt_ms(r['cpu'])} | {s['n']} |"
        )
    return out


def median_of(data, key, stat="median"):
    """The median (or another statistic) in ms of a benchmark, or None if it was not measured."""
    run = data["runs"].get(key)
    return summarize(run["times_ms"])[stat] if run and run.get("times_ms") else None


def step_overheads(data):
    """Per stage, medians of: the client's wall time, the stage's own duration, a barco
    start measured just before, the pause/resume overhead and that overhead less the start."""
    rows = []
    for stage, samples in data.get("step", {}).get("stages", {}).items():
        med = lambda f: statistics.median(f(s) for s in samples)  # noqa: E731
        rows.append({
            "stage": stage, "n": len(samples),
            "wall": med(lambda s: s["wall_ms"]),
            "own": med(lambda s: s["duration_ms"]),
            "start": med(lambda s: s["start_ms"]),
            "overhead": med(lambda s: s["wall_ms"] - s["duration_ms"]),
            "net": med(lambda s: s["wall_ms"] - s["duration_ms"] - s["start_ms"]),
        })
    return rows


def step_measures(data):
    """(per stage as a user sees it, less starting the client), medians over stages in ms."""
    rows = step_overheads(data)
    if not rows:
        return None, None
    return statistics.median(r["overhead"] for r in rows), statistics.median(r["net"] for r in rows)


def goal_measures(data, stat="median"):
    """The measured value for each goal id (None when it could not be measured), from the
    medians; with stat="min", from the fastest runs, which a busy machine disturbs least."""
    barco = median_of(data, "barco", stat)

    def ratio(key, mine="barco"):
        ours = barco if mine == "barco" else median_of(data, mine, stat)
        peer = median_of(data, key, stat)
        return ours / peer if ours and peer else None

    trace = median_of(data, "barco-trace", stat)
    rss = data.get("rss", {}).get("barco", {}).get("own_hwm_kib")
    return {
        "unshare": ratio("unshare"),
        "runc": ratio("runc-userns"),
        "bwrap": ratio("bwrap"),
        "step": step_measures(data)[1] if stat == "median" else None,
        "probe": median_of(data, "barco-probe", stat),
        "trace": trace - barco if trace is not None and barco else None,
        "rss": max(rss) if rss else None,
        "oci-runc": ratio("oci-runc", "oci-barco"),
        "oci-crun": ratio("oci-crun", "oci-barco"),
        "ctr-runc": ratio("ctr-runc", "ctr-barco"),
        "ctr-crun": ratio("ctr-crun", "ctr-barco"),
    }


def shown(value, unit):
    if value is None:
        return "–"
    if unit == "×":
        return f"{value:.2f}×"
    return f"{value:.0f} KiB" if unit == "KiB" else f"{fmt_ms(value)} ms"


def goal_table(data):
    """The goals of issue 9 next to the measured values, with pass/miss."""
    measured, fastest = goal_measures(data), goal_measures(data, "min")
    emulated = (data["machine"].get("vm") or {}).get("accel") == "tcg"
    out = ["| goal | measured (medians) | from the fastest runs | verdict |", "|---|--:|--:|---|"]
    for gid, text, target, unit in GOALS:
        value = measured[gid]
        if value is None:
            why = data.get("skipped", {}).get(gid, "see notes")
            out.append(f"| {text} | – | – | not measured: {why} |")
            continue
        best = shown(fastest[gid], unit) if gid not in ("rss", "step") else ""
        verdict = "pass" if value <= target else "miss"
        if emulated and unit == "ms":
            verdict = "not judged: an absolute time under emulation"
        out.append(f"| {text} | {shown(value, unit)} | {best} | {verdict} |")
    return out


def step_table(data):
    """Per stage: what `barco step NAME` costs beyond the stage's own work."""
    rows = step_overheads(data)
    if not rows:
        return []
    out = [
        "| stage | `barco step NAME` wall ms | stage's own duration_ms | pause/resume ms "
        "| `barco version` just before ms | pause/resume less the start ms |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for r in rows:
        out.append(f"| {r['stage']} | {fmt_ms(r['wall'])} | {fmt_ms(r['own'])} | {fmt_ms(r['overhead'])} "
                   f"| {fmt_ms(r['start'])} | {fmt_ms(r['net'])} |")
    per_stage, net = step_measures(data)
    out.append("")
    out.append(
        f"Medians over stages ({rows[0]['n']} containers): {fmt_ms(per_stage)} ms per pause/resume as "
        f"a user sees it (a new `barco step` client each time: wall time less the stage's own "
        f"duration_ms); {fmt_ms(net)} ms once the start of a barco process, timed just before "
        f"each step, is taken off: what the monitor, its socket and the reports add. The goal "
        f"is judged on the latter."
    )
    return out


def rss_lines(data):
    """Peak memory of barco: its own high-water mark and that of its process tree."""
    out = ["| command | barco's own peak RSS (VmHWM at exit) "
           "| max RSS of barco and the processes it reaped |", "|---|--:|--:|"]
    for key, r in data.get("rss", {}).items():
        own = f"{max(r['own_hwm_kib'])} KiB" if r.get("own_hwm_kib") else "–"
        tree = f"{max(r['tree_maxrss_kib'])} KiB" if r.get("tree_maxrss_kib") else "–"
        out.append(f"| {r['label']} | {own} | {tree} |")
    return out


ACCELERATORS = {"kvm": "KVM (hardware virtualization)",
                "tcg": "TCG (qemu's software emulation of the CPU)"}


def machine_lines(m):
    """Where and when the numbers came from."""
    vm = m.get("vm")
    where = []
    if vm:
        load = f"; the load average of the machine running qemu was {vm['host_load']} as it booted" \
            if vm.get("host_load") else ""
        where = [f"- **VM** the Debian 12 VM of `make vm-bench` (pure cgroup v2), under qemu with "
                 f"{ACCELERATORS[vm['accel']]}{load}"]
    return where + [
        f"- **host** `{m['host']}`: {m['cpu']}, {m['cores']} cores, {m['memory']}",
        f"- **kernel** {m['kernel']}; cgroups {m['cgroup_mode']}; Debian {m['debian']}",
        f"- **load average** {m['load_before']} before, {m['load_after']} after ({m['cores']} cores)",
        f"- **versions** {m['versions']}",
        f"- **date** {m['date']}; {m['runs']} runs per command in {m['rounds']} rounds, "
        f"{m['warmup']} warmup runs per round (`hyperfine -N`)",
    ]


def emulation_caveat(m):
    """Under TCG every instruction is translated: only ratios within the table mean anything."""
    if (m.get("vm") or {}).get("accel") != "tcg":
        return []
    return [
        "**Software emulation:** this ran in a VM under qemu's TCG, which translates every "
        "guest instruction (about 8 to 10 times slower than the host, and not evenly: system "
        "calls, page faults and fork/exec cost more than plain computation). Absolute times "
        "are meaningless; the ratios between runtimes measured in the same VM are what counts.",
        "",
    ]


def noise_caveat(m):
    """A warning when the machine was busy, from the load average at the start."""
    load = float(m["load_before"].split()[0])
    if load > 0.5 * m["cores"]:
        return [
            f"**Noise:** the machine was busy (load {load:.1f} on {m['cores']} cores) while this "
            "ran: medians are inflated and spreads wide. Compare ratios within this table, "
            "not absolute times with other machines; rerun `make bench` on a quiet machine "
            "for figures to quote."
        ]
    return []


def render(data):
    """The whole markdown report of one benchmark run."""
    m = data["machine"]
    out = [f"# barco benchmark, {m['date']}, {m.get('name', m['host'])}", ""]
    out += machine_lines(m) + [""] + emulation_caveat(m) + noise_caveat(m) + [""]
    for group, base, base_label, title in TABLES:
        rows = runtime_rows(data, group, base)
        if not rows:  # a run saved before this table existed
            continue
        out += [f"## {title}", ""] + runtime_table(rows, base_label) + [""]
        out += [f"- {note}" for note in data.get("notes", {}).get(group, [])] + [""]
    out += ["## Goals (issue 9)", ""] + goal_table(data) + [""]
    steps = step_table(data)
    if steps:
        out += ["## Pausing and resuming (`barco step`)", ""] + steps + [""]
    if data.get("rss"):
        out += ["## Peak memory", ""] + rss_lines(data) + [""]
    return "\n".join(out).rstrip() + "\n"


def main(argv):
    if len(argv) != 2:
        print("usage: stats.py RESULTS.json", file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        sys.stdout.write(render(json.load(f)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
