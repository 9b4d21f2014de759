"""What the single-workload scripts (burst_once.py, steady_once.py) share: a fresh work folder and one daemon."""
import os
import subprocess


def start_daemon(binary, plugins, work, tasks, schedule, max_running=10, fresh=True):
    """Starts BINARY on a fresh history in WORK (`fresh=False`: on the history there) with TASKS no-op tasks on
    SCHEDULE, `limits.max_running`, `log.runs: failures` and the API off (the bench.py daemons' settings); returns
    the process."""
    os.makedirs(work, exist_ok=True)
    for name in ["history.sqlite", "history.sqlite.lock", "history.sqlite-wal", "history.sqlite-shm"]:
        try:
            if fresh:
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
