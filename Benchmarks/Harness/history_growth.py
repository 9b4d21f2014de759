"""The steady workload on a history that already holds some minutes of it: the daemon's CPU and writes per run.

Usage: python3 Benchmarks/Harness/history_growth.py BINARY PLUGIN_DIR WORKDIR [HISTORY_SECONDS] [SECONDS] [JSON]

Starts BINARY once on a fresh history so that it creates its schema, stops it, and fills the history with
HISTORY_SECONDS (default 600) of the steady workload's rows (1,000 tasks, one run each a second, all succeeded,
ending as the filling starts; the slots missed meanwhile are decided at start-up, before the window), written
through SQLite in transactions of a minute each, as another tool would (the daemon links them into their tasks'
listings when it opens the history: "ready in" says how long its start took). Then starts the daemon on that
history with the steady workload (1,000 no-op tasks every second, as steady_once.py) and, after an 8 s warm-up,
measures over SECONDS (default 20): the daemon's CPU (utime + stime from /proc/PID/stat) per run started in the
window, and the bytes it wrote (`wchar` of /proc/PID/io: the WAL and the checkpoints) per run.

With HISTORY_SECONDS 0 it is the steady workload from an empty history, as bench.py runs it. The two together show
how the cost of a run depends on how much history there is (what migration v5 changed). With JSON, the result is
also added to that file under the key `history_HISTORY_SECONDS` (run.sh's `history` workload, for table.py).
"""
import json
import os
import signal
import sqlite3
import sys
import time

from once import proc_cpu, proc_written, start_daemon

binary, plugins, work = sys.argv[1:4]
history_seconds = int(sys.argv[4]) if len(sys.argv) > 4 else 600
seconds = int(sys.argv[5]) if len(sys.argv) > 5 else 20
output = sys.argv[6] if len(sys.argv) > 6 else None
TASKS = 1_000

daemon = start_daemon(binary, plugins, work, TASKS, "0 0 1 1 *")
path = os.path.join(work, "history.sqlite")
for _ in range(100):
    time.sleep(0.1)
    try:
        if sqlite3.connect(path).execute("SELECT COUNT(*) FROM sqlite_schema WHERE name = 'run'").fetchone()[0]:
            break
    except sqlite3.OperationalError:
        pass
time.sleep(0.5)
daemon.send_signal(signal.SIGTERM)
daemon.wait()

db = sqlite3.connect(path, isolation_level=None)
first = (int(time.time()) - history_seconds) * 1_000_000
for minute in range(0, history_seconds, 60):
    db.execute("BEGIN")
    for second in range(minute, min(minute + 60, history_seconds)):
        slot = first + second * 1_000_000
        db.executemany(
            "INSERT INTO run (task, plugin, trigger, scheduled_at, started_at, finished_at, status) "
            "VALUES (?, 'noop', 'schedule', ?, ?, ?, 'succeeded')",
            ((f"t{index:06d}", slot, slot + 200, slot + 300) for index in range(TASKS)))
    db.execute("COMMIT")
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
db.close()

daemon = start_daemon(binary, plugins, work, TASKS, "* * * * * *", fresh=False)
# The rows written here have no links (another tool's INSERTs): the daemon links them when it opens the history
# (`linkLooseRows`, before `scheduler.started`), as it would have as it wrote them. The warm-up starts once it runs.
launched = time.monotonic()
log_path = os.path.join(work, "daemon.log")
while b"scheduler.started" not in open(log_path, "rb").read():
    if daemon.poll() is not None or time.monotonic() - launched > 120:
        raise SystemExit(f"housekeeper did not start; see {log_path}")
    time.sleep(0.01)
ready = time.monotonic() - launched
time.sleep(8)


start = time.time()
cpu0, written0 = proc_cpu(daemon.pid), proc_written(daemon.pid)
time.sleep(seconds)
cpu1, written1 = proc_cpu(daemon.pid), proc_written(daemon.pid)
end = time.time()
time.sleep(1)
daemon.send_signal(signal.SIGTERM)
daemon.wait()
runs = sqlite3.connect(path).execute(
    "SELECT COUNT(*) FROM run WHERE started_at >= ? AND started_at < ?",
    (int(start * 1_000_000), int(end * 1_000_000))).fetchone()[0]
cpu_us, written_kib = (cpu1 - cpu0) / max(runs, 1) * 1e6, (written1 - written0) / max(runs, 1) / 1024
print(f"history {history_seconds} s ({history_seconds * TASKS} rows)  ready in {ready:.2f} s  runs {runs} in "
      f"{end - start:.1f} s  CPU {cpu_us:.1f} us/run  written {written_kib:.1f} KiB/run")
if output:
    results = json.load(open(output)) if os.path.exists(output) else {}
    results[f"history_{history_seconds}"] = {
        "history_rows": history_seconds * TASKS, "ready_s": round(ready, 2), "runs": runs,
        "seconds": round(end - start, 1),
        "cpu_us_per_run": round(cpu_us, 1), "written_kib_per_run": round(written_kib, 1)}
    with open(output, "w") as out:
        json.dump(results, out)
