"""APScheduler side of the benchmark: runs one workload in this process and prints one JSON result line.

Usage (from bench.py, with the venv's python):
    aps_runner.py steady N SECONDS      N jobs on `* * * * * *` (every second), measured over SECONDS
    aps_runner.py burst N EPOCH         N jobs all due at EPOCH (a whole second, UTC)
    aps_runner.py idle N SECONDS        N daily jobs, none due; CPU over SECONDS of idling

Definitions match housekeeper's: CronTrigger in UTC, a no-op job, the scheduler's defaults otherwise
(BackgroundScheduler, ThreadPoolExecutor(10), misfire_grace_time 1 s, coalesce, max_instances 1).
Lateness is the job's start minus the scheduled run time APScheduler passes to it (`run_job`'s `run_time`).
CPU is getrusage(RUSAGE_SELF) of this process (all threads); memory is VmHWM from /proc/self/status.
"""
import json
import resource
import sys
import time
from datetime import timezone

from apscheduler.events import EVENT_JOB_MISSED
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

records = []  # (job id, scheduled epoch, started epoch); list.append is atomic in CPython
missed = []


def noop():
    started = time.time()
    # APScheduler 3.x calls job.func from executors.base.run_job, whose local `run_time` is the scheduled run
    # time of this execution: read it rather than guess it from the clock.
    caller = sys._getframe(1).f_locals
    records.append((caller["job"].id, caller["run_time"].timestamp(), started))


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def status_kib(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def make_scheduler(count, **cron):
    scheduler = BackgroundScheduler(timezone=timezone.utc)
    scheduler.add_listener(lambda event: missed.append((event.job_id, event.scheduled_run_time)), EVENT_JOB_MISSED)
    scheduler.start()
    for index in range(count):
        scheduler.add_job(noop, CronTrigger(timezone=timezone.utc, **cron), id=f"t{index:06d}")
    return scheduler


def main():
    workload, count = sys.argv[1], int(sys.argv[2])
    result = {"workload": workload, "tasks": count}
    if workload == "steady":
        seconds = int(sys.argv[3])
        scheduler = make_scheduler(count, second="*")
        print("READY", flush=True)
        window_start = int(time.time()) + 3
        time.sleep(window_start - time.time())
        cpu0 = cpu_seconds()
        time.sleep(window_start + seconds - time.time())
        cpu1 = cpu_seconds()
        time.sleep(0.5)  # let fires of the last second finish
        result.update(window_start=window_start, window_end=window_start + seconds, cpu=cpu1 - cpu0)
    elif workload == "burst":
        due = int(sys.argv[3])
        hour, minute, second = time.gmtime(due)[3:6]
        scheduler = make_scheduler(count, hour=hour, minute=minute, second=second)
        print("READY", flush=True)
        result["ready_before_due"] = time.time() < due
        time.sleep(max(0, due + 6 - time.time()))
        result.update(due=due)
    elif workload == "idle":
        seconds = int(sys.argv[3])
        hour = (time.gmtime().tm_hour + 12) % 24
        scheduler = make_scheduler(count, hour=hour, minute=0, second=0)
        print("READY", flush=True)
        cpu0 = cpu_seconds()
        time.sleep(seconds)
        result.update(cpu=cpu_seconds() - cpu0, rss_kib=status_kib("VmRSS"))
    else:
        raise SystemExit(f"unknown workload {workload}")
    result.update(hwm_kib=status_kib("VmHWM"), records=records[:], missed=len(missed))
    scheduler.shutdown(wait=False)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
