#!/usr/bin/env bash
# Fuzzes the cron engine: N rounds of random and mutated expressions through parse, and next()/previous()
# checked against the brute-force reference matcher in UTC and DST zones. Plain bash + swiftc, no libFuzzer.
# Usage: Fuzz/Cron/run.sh N [SEED]   (SEED defaults to a fresh one, printed so a failure can be replayed)
# Exit status: 0 when every check held, 1 on a violation, 2 on a build failure.
set -euo pipefail
rounds="${1:-20}"
seed="${2:-$(( (RANDOM << 15) | RANDOM ))}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$(mktemp -d "${TMPDIR:-/tmp}/cron-fuzz.XXXXXX")"
trap 'rm -rf "$out"' EXIT
# One module (engine + driver) so the driver can use the internal reference matcher; -Onone builds fastest.
if ! swiftc -Onone -swift-version 6 -module-name CronFuzz -o "$out/cron-fuzz" \
    "$root"/Sources/Cron/*.swift "$root/Fuzz/Cron/main.swift" >"$out/build.log" 2>&1; then
    cat "$out/build.log"
    exit 2
fi
"$out/cron-fuzz" "$rounds" "$seed"
