#!/usr/bin/env bash
# housekeeper against APScheduler 3.11, side by side: builds the daemon (release) and the no-op plugin, installs
# APScheduler and croniter into a virtual environment, runs every workload and prints one table.
#
# Usage: Benchmarks/run.sh [WORKLOAD ...]      (steady burst idle reload cron history; all when none is named)
# Environment: SOAK_SECONDS (default 120: how long the steady housekeeper run goes on, for the soak row),
#              SOAK_WARMUP (default 20: seconds into the run at which the soak row's base RSS is read),
#              HK_ONLY=1 (skip APScheduler: to compare two builds of housekeeper),
#              BENCH_WORK (default .build/bench: configs, histories, daemon logs, results.json),
#              SKIP_BUILD=1 (reuse .build/release/housekeeper as it is).
# Takes about 9 minutes on 2 cores once the release build is done. Not part of `swift test`.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
# Absolute: the generated configurations name their plugin folder and database with it.
work="$(realpath -m "${BENCH_WORK:-$root/.build/bench}")"
venv="$root/.build/bench-venv"
mkdir -p "$work/plugins"
workloads=("$@")
[ ${#workloads[@]} -eq 0 ] && workloads=(cron steady burst idle reload history)

if [ "${SKIP_BUILD:-0}" != 1 ]; then
    echo "run.sh: swift build -c release --product housekeeper" >&2
    swift build -c release --product housekeeper >&2
fi
hk="$root/.build/release/housekeeper"

# The no-op plugin: plain C, no dependencies. The plugin folder must not be group/world-writable.
cc -O2 -std=c99 -Wall -Wextra -Werror -shared -fPIC -I Sources/PluginABI/include \
    -o "$work/plugins/libnoop.so" Benchmarks/NoopPlugin/noop.c
chmod 755 "$work/plugins"
chmod 644 "$work/plugins/libnoop.so"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check 'APScheduler>=3.11,<3.12' 'croniter>=6' >&2
echo "run.sh: $("$venv/bin/python" -c 'import apscheduler, croniter; print("APScheduler", apscheduler.__version__, "croniter", croniter.__version__)' 2>/dev/null || "$venv/bin/pip" list 2>/dev/null | grep -iE 'apscheduler|croniter' | tr '\n' ' ')" >&2

daemon_workloads=()
rm -f "$work/results.json" "$work/cron.json" "$work/floor.json" "$work/history.json"
for workload in "${workloads[@]}"; do
    case "$workload" in
        cron)
            echo "bench: cron ..." >&2
            # housekeeper: cron-bench (Benchmarks/CronBench) on the common mix, UTC line.
            line="$(CRON_BENCH_MIX=common Benchmarks/CronBench/run.sh 2000000 | tee /dev/stderr | grep '^UTC:')"
            rate="$(echo "$line" | sed -E 's/^UTC: ([0-9]+) next.*/\1/')"
            "$venv/bin/python" Benchmarks/Harness/cron_py.py 40000 \
                | python3 -c 'import json,sys; d=json.load(sys.stdin); d["housekeeper_common"]=int(sys.argv[1]); print(json.dumps(d))' "$rate" \
                > "$work/cron.json"
            echo "bench: cron done: $(cat "$work/cron.json")" >&2
            ;;
        steady)
            daemon_workloads+=("$workload")
            # The lateness floor of this machine: the steady workload's 1,000 no-op calls a second on 10 threads
            # with no scheduler at all (Benchmarks/Floor/floor.c), 10 s.
            echo "bench: floor ..." >&2
            cc -O2 -std=c11 -Wall -Wextra -Werror -pthread -I Sources/PluginABI/include \
                -o "$work/floor" Benchmarks/Floor/floor.c -ldl
            "$work/floor" "$work/plugins/libnoop.so" 10 10 > "$work/floor.json"
            ;;
        history)
            # The steady workload's CPU and bytes written per run from an empty history and on one holding ten
            # minutes of it (housekeeper only: APScheduler keeps no history).
            for seconds in 0 600; do
                echo "bench: history ($seconds s of it) ..." >&2
                python3 Benchmarks/Harness/history_growth.py "$hk" "$work/plugins" "$work/history-$seconds" \
                    "$seconds" 20 "$work/history.json" >&2
            done
            ;;
        burst | idle | reload) daemon_workloads+=("$workload") ;;
        *) echo "run.sh: unknown workload $workload" >&2; exit 2 ;;
    esac
done
if [ ${#daemon_workloads[@]} -gt 0 ]; then
    python3 Benchmarks/Harness/bench.py "$hk" "$work/plugins" "$venv/bin/python" "$work" "${daemon_workloads[@]}"
fi
python3 Benchmarks/Harness/table.py "$work"
