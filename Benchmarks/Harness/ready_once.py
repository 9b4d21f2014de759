"""The idle workload's start alone: exec to `scheduler.started`, wall and the daemon's CPU, several starts.

Usage: python3 Benchmarks/Harness/ready_once.py BINARY PLUGIN_DIR WORKDIR [STARTS] [TASKS]
(STARTS 5, TASKS 100,000 daily no-op tasks, as bench.py's idle workload). Each start gets a fresh history; the
daemon is stopped with SIGTERM once it is ready. Prints one line per start and the range.
"""
import os
import signal
import sys
import time

from once import start_daemon

binary, plugins, work = sys.argv[1:4]
starts = int(sys.argv[4]) if len(sys.argv) > 4 else 5
tasks = int(sys.argv[5]) if len(sys.argv) > 5 else 100_000
tick = os.sysconf("SC_CLK_TCK")
walls, cpus = [], []
for _ in range(starts):
    daemon = start_daemon(binary, plugins, work, tasks, "0 0 22 * * *")
    began = time.monotonic()  # just after the spawn: writing the configuration is not part of the start
    log_path = os.path.join(work, "daemon.log")
    while True:
        with open(log_path, "rb") as log:
            if b"scheduler.started" in log.read():
                break
        if daemon.poll() is not None:
            raise SystemExit(f"housekeeper exited ({daemon.returncode}); see {log_path}")
        time.sleep(0.002)
    walls.append(time.monotonic() - began)
    with open(f"/proc/{daemon.pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    cpus.append((int(fields[11]) + int(fields[12])) / tick)
    daemon.send_signal(signal.SIGTERM)
    daemon.wait(timeout=120)
    print(f"ready {walls[-1]:.2f} s, CPU {cpus[-1]:.2f} s", flush=True)
print(f"ready {min(walls):.2f}-{max(walls):.2f} s, CPU {min(cpus):.2f}-{max(cpus):.2f} s ({tasks} tasks, {starts} starts)")
