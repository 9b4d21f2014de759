"""housekeeper against APScheduler 3.11: runs the workloads of issue 8 and prints one table.

Usage: bench.py HOUSEKEEPER_BINARY PLUGIN_DIR VENV_PYTHON WORKDIR [WORKLOAD ...]
Run it through Benchmarks/run.sh, which builds everything first. Workloads: steady burst idle reload (the cron
workload is run by run.sh itself); all of them when none is named. Results also go to WORKDIR/results.json.

housekeeper runs as `housekeeper run --config F` (log level info, stderr to a file). Its lateness and counts come
from its own history (`housekeeper history --json --database PATH`: started_at minus scheduled_at). CPU is utime +
stime from /proc/PID/stat (the counters getrusage reads) over the measured window; memory is VmHWM.
"""
import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime

from once import proc_cpu, proc_status

HK, PLUGINS, VENV_PY, WORK = sys.argv[1:5]
# Absolute: the generated configurations name them, and the daemon resolves relative paths against the
# configuration's folder (a relative plugin folder there loads no plugin and every slot shows as missing).
PLUGINS, WORK = os.path.abspath(PLUGINS), os.path.abspath(WORK)
WORKLOADS = sys.argv[5:] or ["steady", "burst", "idle", "reload"]
HERE = os.path.dirname(os.path.abspath(__file__))
STEADY_TASKS, STEADY_SECONDS = 1000, 60
SOAK_WARMUP = int(os.environ.get("SOAK_WARMUP", "20"))  # seconds into the window at which the soak's base RSS is read
SOAK_SECONDS = int(os.environ.get("SOAK_SECONDS", "120"))  # the housekeeper steady run goes on this long in all
BURST_TASKS, IDLE_TASKS, IDLE_SECONDS, RELOAD_TASKS = 10_000, 100_000, 30, 10_000
MAX_RUNNING = 10  # APScheduler's default ThreadPoolExecutor has 10 workers


# ---------------------------------------------------------------------------------------------------------------
# Helpers

def percentile(values, fraction):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def epoch(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() if text else None


def sleep_until(wall):
    delay = wall - time.time()
    if delay > 0:
        time.sleep(delay)


class Daemon:
    """A housekeeper daemon on a generated configuration, stderr to a log file."""

    def __init__(self, name, tasks, schedule):
        self.dir = os.path.join(WORK, name)
        os.makedirs(self.dir, exist_ok=True)
        self.config = os.path.join(self.dir, "config.yaml")
        self.database = os.path.join(self.dir, "history.sqlite")
        self.log = os.path.join(self.dir, "daemon.log")
        for suffix in ("", "-wal", "-shm", ".lock"):
            if os.path.exists(self.database + suffix):
                os.remove(self.database + suffix)
        self.write_config(tasks, schedule)

    def write_config(self, tasks, schedule, extra=""):
        lines = [
            "timezone: UTC",
            f"plugins: {{directory: {PLUGINS}}}",
            f"state: {{database: {self.database}}}",
            f"limits: {{max_running: {MAX_RUNNING}}}",
            # No admin API: a benchmark daemon must not collide with another daemon on the default port.
            "api: {enabled: false}",
            # Like the APScheduler runner (no log handler: only warnings reach stderr), no line per successful run;
            # failures, skips and warnings are still logged. History records every run either way.
            "log: {runs: failures}",
            "tasks:",
        ]
        lines += [f"  - {{name: t{index:06d}, plugin: noop, schedule: \"{schedule}\"}}" for index in range(tasks)]
        with open(self.config, "w") as config:
            config.write("\n".join(lines) + "\n" + extra)

    def start(self):
        self.logfile = open(self.log, "wb")
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [HK, "run", "--config", self.config], stdout=self.logfile, stderr=subprocess.STDOUT)
        self.offset = 0
        return self.wait_for(b"scheduler.started", timeout=120) - self.started

    def wait_for(self, marker, timeout):
        """Polls the log (every 2 ms) for a line containing `marker`; returns the monotonic time it was seen."""
        deadline = time.monotonic() + timeout
        with open(self.log, "rb") as log:
            while time.monotonic() < deadline:
                log.seek(self.offset)
                chunk = log.read()
                index = chunk.find(marker)
                if index >= 0:
                    seen = time.monotonic()
                    self.offset += index + len(marker)
                    return seen
                # Keep the tail in case the marker is split across reads.
                self.offset += max(0, chunk.rfind(b"\n") + 1)
                if self.process.poll() is not None:
                    raise SystemExit(f"housekeeper exited ({self.process.returncode}); see {self.log}")
                time.sleep(0.002)
        raise SystemExit(f"no {marker!r} within {timeout} s; see {self.log}")

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=120)
        self.logfile.close()

    def history(self):
        output = subprocess.run(
            [HK, "history", "--json", "--database", self.database, "--limit", "100000000"],
            check=True, capture_output=True).stdout
        return [json.loads(line) for line in output.splitlines() if line.strip()]


def slot_check(rows, tasks, first, last):
    """Rows per (task, slot) for every-second tasks over [first, last): missing and doubled slots."""
    seen = {}
    for row in rows:
        if row["trigger"] != "schedule":
            continue
        slot = epoch(row["scheduled_at"])
        if first <= slot < last:
            key = (row["task"], int(round(slot)))
            seen[key] = seen.get(key, 0) + 1
    expected = tasks * int(last - first)
    doubled = sum(1 for count in seen.values() if count > 1)
    return expected, expected - len(seen), doubled


def lateness_ms(pairs):
    return [(started - scheduled) * 1000 for scheduled, started in pairs]


def run_aps(*arguments):
    if os.environ.get("HK_ONLY") == "1":  # housekeeper alone (comparing two builds of it); APScheduler rows empty
        return {"ready": None, "records": [], "missed": 0, "hwm_kib": 0, "cpu": 0, "rss_kib": 0,
                "window_start": 0, "window_end": 1, "ready_before_due": None}
    started = time.monotonic()
    # APScheduler logs through `logging` (a missed run is a warning): to a file, as housekeeper's log is.
    log = open(os.path.join(WORK, f"apscheduler-{arguments[0]}.log"), "w")
    process = subprocess.Popen(
        [VENV_PY, os.path.join(HERE, "aps_runner.py"), *map(str, arguments)], stdout=subprocess.PIPE, stderr=log,
        text=True)
    ready = None
    result = None
    for line in process.stdout:
        if line.startswith("READY"):
            ready = time.monotonic() - started
        elif line.startswith("{"):
            result = json.loads(line)
    process.wait()
    log.close()
    if result is None:
        raise SystemExit(f"APScheduler runner failed: {arguments}")
    result["ready"] = ready
    return result


# ---------------------------------------------------------------------------------------------------------------
# Workloads

def steady():
    daemon = Daemon("steady", STEADY_TASKS, "* * * * * *")
    ready = daemon.start()
    window = int(time.time()) + 3
    sleep_until(window)
    cpu0 = proc_cpu(daemon.process.pid)
    soak_seconds = max(SOAK_SECONDS, STEADY_SECONDS)
    soak_end = window + soak_seconds
    # The soak's base RSS (after SOAK_WARMUP s), the end of the CPU window, and an RSS sample every 5 s (RSS swings
    # by a few percent from one read to the next: the growth is also given between the medians of the first minute
    # after the warm-up and the last minute, which a single swing does not decide).
    actions = [(SOAK_WARMUP, "warm"), (STEADY_SECONDS, "cpu")] + [(at, "sample") for at in range(0, soak_seconds, 5)]
    samples = []
    for at, what in sorted(actions):
        sleep_until(window + at)
        if what == "warm":
            rss_warm = proc_status(daemon.process.pid, "VmRSS")
        elif what == "cpu":
            cpu1 = proc_cpu(daemon.process.pid)
        else:
            samples.append((at, proc_status(daemon.process.pid, "VmRSS")))
    sleep_until(soak_end)
    rss_end = proc_status(daemon.process.pid, "VmRSS")
    samples.append((soak_seconds, rss_end))
    first = [rss for at, rss in samples if SOAK_WARMUP <= at < SOAK_WARMUP + 60]
    last = [rss for at, rss in samples if at > soak_seconds - 60]
    median = lambda values: sorted(values)[len(values) // 2]
    hwm = proc_status(daemon.process.pid, "VmHWM")
    time.sleep(0.5)
    daemon.stop()
    rows = daemon.history()
    in_window = [
        r for r in rows if r["trigger"] == "schedule" and window <= epoch(r["scheduled_at"]) < window + STEADY_SECONDS]
    fired = [r for r in in_window if r["started_at"]]
    late = lateness_ms([(epoch(r["scheduled_at"]), epoch(r["started_at"])) for r in fired])
    expected, missing, doubled = slot_check(rows, STEADY_TASKS, window, window + STEADY_SECONDS)
    soak_expected, soak_missing, soak_doubled = slot_check(rows, STEADY_TASKS, window, soak_end - 1)
    hk = {
        "fired": len(fired), "expected": expected, "missing": missing, "doubled": doubled,
        "p50": percentile(late, 0.5), "p99": percentile(late, 0.99), "max": max(late, default=float("nan")),
        "cpu_us_per_fire": (cpu1 - cpu0) / max(1, len(fired)) * 1e6, "hwm_mib": hwm / 1024, "ready": ready,
        "statuses": count_statuses(in_window),
        "soak": {
            "seconds": soak_end - window, "warmup": SOAK_WARMUP, "rss_warm_mib": rss_warm / 1024,
            "rss_end_mib": rss_end / 1024,
            "growth_pct": (rss_end - rss_warm) / rss_warm * 100, "expected": soak_expected,
            "rss_first_minute_mib": median(first) / 1024, "rss_last_minute_mib": median(last) / 1024,
            "median_growth_pct": (median(last) - median(first)) / median(first) * 100,
            "missing": soak_missing, "doubled": soak_doubled,
        },
    }
    aps_raw = run_aps("steady", STEADY_TASKS, STEADY_SECONDS)
    start, end = aps_raw["window_start"], aps_raw["window_end"]
    pairs = [(s, t) for _, s, t in aps_raw["records"] if start <= s < end]
    late = lateness_ms(pairs)
    aps = {
        "fired": len(pairs), "expected": STEADY_TASKS * STEADY_SECONDS, "p50": percentile(late, 0.5),
        "p99": percentile(late, 0.99), "max": max(late, default=float("nan")),
        "cpu_us_per_fire": aps_raw["cpu"] / max(1, len(pairs)) * 1e6, "hwm_mib": aps_raw["hwm_kib"] / 1024,
        "missed_events": aps_raw["missed"],
    }
    return {"housekeeper": hk, "apscheduler": aps}


def count_statuses(rows):
    counts = {}
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    return counts


def burst():
    due = int(time.time()) + 12
    hour, minute, second = time.gmtime(due)[3:6]
    daemon = Daemon("burst", BURST_TASKS, f"{second} {minute} {hour} * * *")
    ready = daemon.start()
    ready_before_due = time.time() < due
    sleep_until(due + 6)
    hwm = proc_status(daemon.process.pid, "VmHWM")
    daemon.stop()
    rows = [r for r in daemon.history() if r["trigger"] == "schedule"]
    starts = [epoch(r["started_at"]) - due for r in rows if r["started_at"]]
    hk = {
        "rows": len(rows), "started": len(starts), "expected": BURST_TASKS,
        "last_start_ms": max(starts, default=float("nan")) * 1000,
        "p50_ms": percentile(starts, 0.5) * 1000, "within_100ms": sum(1 for s in starts if s <= 0.1),
        "statuses": count_statuses(rows), "ready": ready, "ready_before_due": ready_before_due,
        "hwm_mib": hwm / 1024,
    }
    due = int(time.time()) + 14
    aps_raw = run_aps("burst", BURST_TASKS, due)
    starts = [t - due for _, s, t in aps_raw["records"]]
    aps = {
        "started": len(starts), "expected": BURST_TASKS, "dropped": BURST_TASKS - len(starts),
        "missed_events": aps_raw["missed"], "last_start_ms": max(starts, default=float("nan")) * 1000,
        "p50_ms": percentile(starts, 0.5) * 1000, "within_100ms": sum(1 for s in starts if s <= 0.1),
        "ready_before_due": aps_raw["ready_before_due"], "hwm_mib": aps_raw["hwm_kib"] / 1024,
    }
    return {"housekeeper": hk, "apscheduler": aps}


def idle():
    hour = (time.gmtime().tm_hour + 12) % 24
    daemon = Daemon("idle", IDLE_TASKS, f"0 0 {hour} * * *")
    ready = daemon.start()
    # The CPU the start took, read at once: a start much longer than its CPU waited (for the disk, for the machine).
    ready_cpu = proc_cpu(daemon.process.pid)
    time.sleep(1)  # the start-up's own work (plugin instances, first history reads) is not idling
    cpu0 = proc_cpu(daemon.process.pid)
    time.sleep(IDLE_SECONDS)
    cpu1 = proc_cpu(daemon.process.pid)
    hk = {
        "ready": ready, "ready_cpu": ready_cpu, "rss_mib": proc_status(daemon.process.pid, "VmRSS") / 1024,
        "hwm_mib": proc_status(daemon.process.pid, "VmHWM") / 1024, "idle_cpu": cpu1 - cpu0,
    }
    daemon.stop()
    aps_raw = run_aps("idle", IDLE_TASKS, IDLE_SECONDS)
    aps = {
        "ready": aps_raw["ready"], "rss_mib": aps_raw["rss_kib"] / 1024, "hwm_mib": aps_raw["hwm_kib"] / 1024,
        "idle_cpu": aps_raw["cpu"],
    }
    return {"housekeeper": hk, "apscheduler": aps}


def reload():
    daemon = Daemon("reload", RELOAD_TASKS, "* * * * * *")
    daemon.start()
    first = int(time.time()) + 2
    sleep_until(first + 4.3)
    daemon.write_config(
        RELOAD_TASKS, "* * * * * *", extra='  - {name: reload-added, plugin: noop, schedule: "0 0 0 1 1 *"}\n')
    sent = time.monotonic()
    daemon.process.send_signal(signal.SIGHUP)
    applied = daemon.wait_for(b"reload.applied", timeout=60) - sent
    sleep_until(first + 10)
    daemon.stop()
    rows = daemon.history()
    expected, missing, doubled = slot_check(rows, RELOAD_TASKS, first, first + 9)
    window = [r for r in rows if r["trigger"] == "schedule" and first <= epoch(r["scheduled_at"]) < first + 9]
    late = lateness_ms([(epoch(r["scheduled_at"]), epoch(r["started_at"])) for r in window if r["started_at"]])
    hk = {
        "applied_ms": applied * 1000, "expected": expected, "missing": missing, "doubled": doubled,
        "statuses": count_statuses(window), "p50": percentile(late, 0.5), "p99": percentile(late, 0.99),
    }
    return {"housekeeper": hk}


def main():
    results = {}
    for name in WORKLOADS:
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        began = time.monotonic()
        results[name] = globals()[name]()
        print(f"bench: {name} done in {time.monotonic() - began:.0f} s: {json.dumps(results[name])}",
              file=sys.stderr, flush=True)
    with open(os.path.join(WORK, "results.json"), "w") as out:
        json.dump(results, out, indent=1)


if __name__ == "__main__":
    main()
