"""Prints the side-by-side table from WORKDIR/results.json (bench.py) and WORKDIR/cron.json (run.sh).

Usage: table.py WORKDIR   (Markdown, so it can be pasted into Benchmarks/README.md)
The ratio is how many times better housekeeper is (APScheduler / housekeeper for costs and delays,
housekeeper / APScheduler for rates); below 1 means APScheduler is better.
"""
import json
import os
import sys

work = sys.argv[1]


def load(name):
    path = os.path.join(work, name)
    return json.load(open(path)) if os.path.exists(path) else {}


results, cron, floor = load("results.json"), load("cron.json"), load("floor.json")
history = load("history.json")
rows = []


def row(workload, metric, aps, hk, fmt="{:.3g}", lower_is_better=True, goal=""):
    def show(value):
        if value is None:
            return "—"
        return fmt.format(value) if isinstance(value, (int, float)) else str(value)
    ratio = "—"
    if isinstance(aps, (int, float)) and isinstance(hk, (int, float)) and aps > 0 and hk > 0:
        ratio = f"{(aps / hk if lower_is_better else hk / aps):.3g}×"
    rows.append((workload, metric, show(aps), show(hk), ratio, goal))


if "steady" in results:
    hk, aps = results["steady"]["housekeeper"], results["steady"]["apscheduler"]
    row("steady", "fires in 60 s", f"{aps['fired']:,}/{aps['expected']:,}", f"{hk['fired']:,}/{hk['expected']:,}",
        goal="all")
    row("steady", "lateness p50 (ms)", aps["p50"], hk["p50"], goal="≤ 0.2")
    row("steady", "lateness p99 (ms)", aps["p99"], hk["p99"], goal="≤ 1")
    if floor:
        # Not a scheduler: the same calls with nothing around them (Benchmarks/Floor), for how far from it each is.
        row("steady", "floor of this machine: p50 / p99 (ms), no scheduler", None,
            f"{floor['p50_us'] / 1000:.3f} / {floor['p99_us'] / 1000:.3f}")
    row("steady", "CPU per fire (µs)", aps["cpu_us_per_fire"], hk["cpu_us_per_fire"], goal="≤ 20")
    row("steady", "peak RSS (MiB)", aps["hwm_mib"], hk["hwm_mib"])
    soak = hk["soak"]
    row(f"soak ({soak['seconds']} s)", f"RSS growth after {soak.get('warmup', 20)} s warm-up", None,
        f"{soak['growth_pct']:+.1f} % ({soak['rss_warm_mib']:.1f}→{soak['rss_end_mib']:.1f} MiB)", goal="< 5 %")
    if "median_growth_pct" in soak:
        row(f"soak ({soak['seconds']} s)", "RSS growth, median of the first minute after warm-up → of the last", None,
            f"{soak['median_growth_pct']:+.1f} % ({soak['rss_first_minute_mib']:.1f}→{soak['rss_last_minute_mib']:.1f} MiB)",
            goal="< 5 %")
    row(f"soak ({soak['seconds']} s)", "slots missing / doubled", None,
        f"{soak['missing']:,} / {soak['doubled']:,} of {soak['expected']:,}", goal="0 / 0")
if "burst" in results:
    hk, aps = results["burst"]["housekeeper"], results["burst"]["apscheduler"]
    row("burst", "runs started", f"{aps['started']:,}/{aps['expected']:,}", f"{hk['started']:,}/{hk['expected']:,}",
        goal="all")
    row("burst", "last start after due (ms)", aps["last_start_ms"], hk["last_start_ms"], goal="≤ 100")
    row("burst", "median start after due (ms)", aps["p50_ms"], hk["p50_ms"])
    row("burst", "started within 100 ms", aps["within_100ms"], hk["within_100ms"], fmt="{:,}",
        lower_is_better=False, goal="all")
if "idle" in results:
    hk, aps = results["idle"]["housekeeper"], results["idle"]["apscheduler"]
    row("idle", "time to ready (s)", aps["ready"], hk["ready"], goal="≤ 2")
    row("idle", "RSS (MiB)", aps["rss_mib"], hk["rss_mib"], goal="≤ 100")
    row("idle", "peak RSS while loading (MiB)", aps["hwm_mib"], hk["hwm_mib"])
    row("idle", "CPU over 30 s idle (s)", aps["idle_cpu"], hk["idle_cpu"], goal="≤ 0.01")
if cron:
    hk = cron.get("housekeeper_common")
    row("cron", "next-fire/s, APScheduler CronTrigger", cron["apscheduler"]["per_second"], hk, fmt="{:,.0f}",
        lower_is_better=False, goal="≥ 2,000,000")
    row("cron", "next-fire/s, croniter", cron["croniter"]["per_second"], hk, fmt="{:,.0f}",
        lower_is_better=False)
if "reload" in results:
    hk = results["reload"]["housekeeper"]
    row("reload", "SIGHUP → reload.applied (ms)", None, hk["applied_ms"], goal="≤ 200")
    row("reload", "slots missing / doubled (9 s)", None,
        f"{hk['missing']:,} / {hk['doubled']:,} of {hk['expected']:,}", goal="0 / 0")

for key, label in (("history_0", "empty history"), ("history_600", "600,000 rows (10 min of it)")):
    if key in history:
        # APScheduler keeps no history: nothing to set beside these.
        row("steady on a history", f"{label}: CPU per run (µs) / written per run (KiB)", None,
            f"{history[key]['cpu_us_per_run']:.1f} / {history[key]['written_kib_per_run']:.1f}")

header = ("workload", "metric", "APScheduler 3.11", "housekeeper", "ratio", "goal")
print("| " + " | ".join(header) + " |")
print("|" + "|".join("---" for _ in header) + "|")
for line in rows:
    print("| " + " | ".join(line) + " |")
