"""The steady workload for some minutes against one binary, minute by minute: CPU, bytes written and RSS per run.

Usage: python3 Benchmarks/Harness/soak_minutes.py BINARY PLUGIN_DIR WORKDIR [MINUTES]

1,000 no-op tasks every second (as steady_once.py) on a fresh history for MINUTES (default 10) after a 5 s
warm-up. Each minute prints the daemon's CPU per run (utime + stime from /proc/PID/stat), bytes written per run
(`wchar` of /proc/PID/io) and RSS (`VmRSS`): whether the cost of a run stays flat while the history grows.
"""
import signal
import sys
import time

from once import proc_cpu, proc_status, proc_written, start_daemon

binary, plugins, work = sys.argv[1:4]
minutes = int(sys.argv[4]) if len(sys.argv) > 4 else 10
daemon = start_daemon(binary, plugins, work, 1_000, "* * * * * *")
time.sleep(5)


def sample():
    return time.time(), proc_cpu(daemon.pid), proc_written(daemon.pid), proc_status(daemon.pid, "VmRSS") / 1024


previous = sample()
for minute in range(1, minutes + 1):
    time.sleep(60 - (time.time() - previous[0]))
    now = sample()
    runs = (now[0] - previous[0]) * 1_000
    print(f"minute {minute:2d}: CPU {(now[1] - previous[1]) / runs * 1e6:5.1f} us/run  "
          f"written {(now[2] - previous[2]) / runs / 1024:5.1f} KiB/run  RSS {now[3]:.1f} MiB", flush=True)
    previous = now
daemon.send_signal(signal.SIGTERM)
daemon.wait()
