#!/usr/bin/env bash
# Optional: coverage-guided fuzzing of the cron parser and next() with libFuzzer and AddressSanitizer.
# Usage: Fuzz/Cron/libfuzzer.sh SECONDS [extra libFuzzer flags]   (findings are written to the current folder)
# The plain, dependency-free fuzzer CI runs is Fuzz/Cron/run.sh.
set -euo pipefail
seconds="${1:-30}"
shift || true
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$(mktemp -d "${TMPDIR:-/tmp}/cron-libfuzzer.XXXXXX")"
trap 'rm -rf "$out"' EXIT
swiftc -sanitize=fuzzer,address -parse-as-library -Onone -swift-version 6 -module-name CronLibFuzzer \
    "$root"/Sources/Cron/*.swift "$root/Fuzz/Cron/LibFuzzer/entry.swift" -o "$out/cron-libfuzzer" 2>"$out/build.log" \
    || { cat "$out/build.log"; exit 2; }
"$out/cron-libfuzzer" -max_total_time="$seconds" -dict="$root/Fuzz/Cron/LibFuzzer/cron.dict" "$@"
