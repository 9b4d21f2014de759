#!/usr/bin/env bash
# Builds cron-bench optimised (only the Cron module and the bench, not the whole package) and runs it.
# Usage: Benchmarks/CronBench/run.sh [CALLS_PER_ZONE]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${TMPDIR:-/tmp}/cron-bench.$$"
mkdir -p "$out"
trap 'rm -rf "$out"' EXIT
swiftc -O -wmo -parse-as-library -module-name Cron -swift-version 6 \
    -enable-upcoming-feature InternalImportsByDefault -enable-upcoming-feature ExistentialAny \
    -emit-module -emit-module-path "$out/Cron.swiftmodule" -emit-object -o "$out/Cron.o" "$root"/Sources/Cron/*.swift
cc -O2 -c "$root/Benchmarks/CronBench/MallocCounter/malloc_counter.c" \
    -I "$root/Benchmarks/CronBench/MallocCounter/include" -o "$out/malloc_counter.o"
swiftc -O -swift-version 6 -I "$out" -I "$root/Benchmarks/CronBench/MallocCounter/include" \
    "$root/Benchmarks/CronBench/Bench/main.swift" "$out/Cron.o" "$out/malloc_counter.o" -o "$out/cron-bench"
"$out/cron-bench" "$@"
