"""Next-fire computations per second for croniter and APScheduler's CronTrigger, in UTC, over COMMON_MIX (the mix
cron-bench uses with CRON_BENCH_MIX=common) and the same start instants (spread over 2020-2035).

Usage: cron_py.py [CALLS]   prints one JSON object: {"croniter": {...}, "apscheduler": {...}}
"""
import json
import sys
import time
from datetime import datetime, timezone

from apscheduler.triggers.cron import CronTrigger
from croniter import croniter

COMMON_MIX = [
    "*/5 * * * *", "30 2 * * *", "0 9-17 * * MON-FRI", "0 0 L * *", "0 12 * * 5#3", "0 0 * * 5L",
    "*/10 * * * * *", "0 0 29 2 *", "0 0 0 1 1 * 2030-2199/5", "15 10 1,15 * *",
]
# The same schedules as APScheduler fields (it has no cron-string syntax for L, #, seconds or years).
APS_MIX = [
    dict(minute="*/5", second=0), dict(hour=2, minute=30, second=0),
    dict(day_of_week="mon-fri", hour="9-17", minute=0, second=0), dict(day="last", hour=0, minute=0, second=0),
    dict(day="3rd fri", hour=12, minute=0, second=0), dict(day="last fri", hour=0, minute=0, second=0),
    dict(second="*/10"), dict(month=2, day=29, hour=0, minute=0, second=0),
    dict(year="2030-2199/5", month=1, day=1, hour=0, minute=0, second=0),
    dict(day="1,15", hour=10, minute=15, second=0),
]
INSTANTS = [1_577_836_800 + index * 115_911 % 473_040_000 for index in range(4096)]


def croniter_form(expression):
    # croniter spells "last Friday" L5 and stops at year 2099 (the next fires from 2020-2035 are the same).
    expression = expression.replace("5L", "L5").replace("2030-2199/5", "2030-2099/5")
    fields = expression.split()
    if len(fields) == 6:  # OCPS puts seconds first; croniter wants them last (or second_at_beginning)
        return " ".join(fields[1:] + fields[:1]), {}
    if len(fields) == 7:
        return " ".join(fields[1:6] + fields[:1] + fields[6:]), {}
    return expression, {}


def measure(calls, make, step):
    schedules, skipped = [], []
    for index, expression in enumerate(COMMON_MIX):
        try:
            schedule = make(index, expression)
            step(schedule, INSTANTS[0])
            schedules.append(schedule)
        except Exception as error:  # an expression this library cannot parse is reported, not measured
            skipped.append(f"{expression}: {type(error).__name__}")
    began = time.perf_counter()
    for index in range(calls):
        step(schedules[index % len(schedules)], INSTANTS[index & 4095])
    seconds = time.perf_counter() - began
    return {"per_second": calls / seconds, "expressions": len(schedules), "skipped": skipped}


def main():
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 40_000

    def make_croniter(_, expression):
        text, options = croniter_form(expression)
        return text, options

    def step_croniter(schedule, instant):
        text, options = schedule
        return croniter(text, instant, **options).get_next(float)

    def make_aps(index, _):
        return CronTrigger(timezone=timezone.utc, **APS_MIX[index])

    def step_aps(trigger, instant):
        now = datetime.fromtimestamp(instant, timezone.utc)
        return trigger.get_next_fire_time(None, now)

    print(json.dumps({
        "croniter": measure(calls, make_croniter, step_croniter),
        "apscheduler": measure(calls, make_aps, step_aps),
    }))


if __name__ == "__main__":
    main()
