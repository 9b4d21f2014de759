"""The steady workload once against one housekeeper binary, with where each second's lateness comes from.

Usage: python3 Benchmarks/Harness/steady_once.py BINARY PLUGIN_DIR WORKDIR [SECONDS] [TASKS]

TASKS (default 1,000) no-op tasks every second (`* * * * * *`), `limits.max_running: 10` (MAX_RUNNING in the
environment sets it), `log.runs: failures`, API off: the steady workload of bench.py, for SECONDS (default 20) after
a 3 s warm-up. Prints lateness p50/p99/max over all runs from history (started_at minus scheduled_at), and the
medians over the seconds of each second's first start (how late the scheduler woke) and last start (how long the
second took to start).
"""
import os
import signal
import sqlite3
import sys
import time

from once import start_daemon

binary, plugins, work = sys.argv[1:4]
seconds = int(sys.argv[4]) if len(sys.argv) > 4 else 20
tasks = int(sys.argv[5]) if len(sys.argv) > 5 else 1_000
daemon = start_daemon(binary, plugins, work, tasks, "* * * * * *", os.environ.get("MAX_RUNNING", "10"))
time.sleep(3)
start = int(time.time()) + 1
time.sleep(start + seconds - time.time() + 0.5)
daemon.send_signal(signal.SIGTERM)
daemon.wait()
rows = sqlite3.connect(os.path.join(work, "history.sqlite")).execute(
    "SELECT scheduled_at, started_at FROM run WHERE started_at IS NOT NULL AND scheduled_at >= ? AND scheduled_at < ?",
    (start * 1_000_000, (start + seconds) * 1_000_000)).fetchall()
late = sorted(started - scheduled for scheduled, started in rows)
by_second = {}
for scheduled, started in rows:
    by_second.setdefault(scheduled, []).append(started - scheduled)
firsts = sorted(min(v) for v in by_second.values())
lasts = sorted(max(v) for v in by_second.values())
q = lambda values, p: values[min(len(values) - 1, int(p * len(values)))] / 1000
print(f"runs {len(late)} of {seconds * tasks}  p50 {q(late, .5):.2f} ms  p99 {q(late, .99):.2f} ms  "
      f"max {late[-1] / 1000:.2f} ms  first start (median of seconds) {q(firsts, .5):.2f} ms  "
      f"last start (median of seconds) {q(lasts, .5):.2f} ms")
