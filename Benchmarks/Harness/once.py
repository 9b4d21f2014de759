"""What the harness scripts share: a work folder and one daemon (the single-workload scripts), and the daemon's
counters read from /proc (bench.py too)."""
import os
import subprocess

TICK = os.sysconf("SC_CLK_TCK")


def proc_cpu(pid):
    """The process's CPU seconds: utime + stime (fields 14 and 15 of /proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def proc_status(pid, field):
    """A field of /proc/PID/status in its unit (kB for VmRSS and VmHWM); 0 when absent."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def proc_written(pid):
    """Bytes the process has written through write calls (`wchar` of /proc/PID/io)."""
    with open(f"/proc/{pid}/io") as io:
        return next(int(line.split()[1]) for line in io if line.startswith("wchar"))


def start_daemon(binary, plugins, work, tasks, schedule, max_running=10, fresh=True):
    """Starts BINARY on a fresh history in WORK (`fresh=False`: on the history there) with TASKS no-op tasks on
    SCHEDULE, `limits.max_running`, `log.runs: failures` and the API off (the bench.py daemons' settings); returns
    the process."""
    os.makedirs(work, exist_ok=True)
    for name in ["history.sqlite", "history.sqlite.lock", "history.sqlite-wal", "history.sqlite-shm"] if fresh else []:
        try:
            os.remove(os.path.join(work, name))
        except FileNotFoundError:
            pass
    config = os.path.join(work, "config.yaml")
    with open(config, "w") as out:
        out.write(f"timezone: UTC\nplugins: {{directory: {os.path.abspath(plugins)}}}\n"
                  f"state: {{database: {os.path.abspath(work)}/history.sqlite}}\n"
                  f"limits: {{max_running: {max_running}}}\napi: {{enabled: false}}\nlog: {{runs: failures}}\ntasks:\n")
        for index in range(tasks):
            out.write(f'  - {{name: t{index:06d}, plugin: noop, schedule: "{schedule}"}}\n')
    with open(os.path.join(work, "daemon.log"), "wb") as log:
        return subprocess.Popen([binary, "run", "--config", config], stdout=log, stderr=log)
