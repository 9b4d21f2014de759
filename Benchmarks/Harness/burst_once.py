"""One burst against one housekeeper binary, for comparing builds quickly (alternate two binaries run by run).

Usage: python3 Benchmarks/Harness/burst_once.py BINARY PLUGIN_DIR WORKDIR [TASKS]
       PERF=1 ... also records `perf record -g` of the daemon from 1 s before the due second to 1 s after it
       (WORKDIR/perf.data; `perf report -i WORKDIR/perf.data --sort comm,sym`).

TASKS (default 10,000) no-op tasks all due at one second 10 s after start, `limits.max_running: 10`, `log.runs:
failures`, API off: the burst workload of bench.py. Prints the first, median and last start after the due second,
how many started within 100 ms, and the last `queued_at` (when the scheduler had recorded every queued run): with
the run relay the last start follows it closely. PLUGIN_DIR must hold the no-op plugin (run.sh builds it).
"""
import os
import signal
import sqlite3
import subprocess
import sys
import time

from once import start_daemon

binary, plugins, work = sys.argv[1:4]
tasks = int(sys.argv[4]) if len(sys.argv) > 4 else 10_000
due = int(time.time()) + 10
hour, minute, second = time.gmtime(due)[3:6]
daemon = start_daemon(binary, plugins, work, tasks, f"{second} {minute} {hour} * * *")
time.sleep(max(0, due - time.time() - 1))
perf = None
if os.environ.get("PERF"):
    perf = subprocess.Popen(["perf", "record", "-F", "2999", "-g", "-o", os.path.join(work, "perf.data"),
                             "-p", str(daemon.pid), "--", "sleep", "2"])
time.sleep(max(0, due - time.time() + 3))
if perf:
    perf.wait()
daemon.send_signal(signal.SIGTERM)
daemon.wait()
rows = sqlite3.connect(os.path.join(work, "history.sqlite")).execute(
    "SELECT scheduled_at, started_at, queued_at FROM run").fetchall()
starts = sorted(started - scheduled for scheduled, started, _ in rows if started)
queued = sorted(at - scheduled for scheduled, _, at in rows if at)
print(f"rows {len(rows)} started {len(starts)} first {starts[0] / 1000:.1f} ms median "
      f"{starts[len(starts) // 2] / 1000:.1f} ms last {starts[-1] / 1000:.1f} ms within 100 ms "
      f"{sum(1 for s in starts if s <= 100_000)} last queued_at {queued[-1] / 1000 if queued else float('nan'):.1f} ms")
