#!/usr/bin/env bash
# Runs the same npuemu command twice and checks that console output and stats JSON are byte-identical.
#   check_deterministic.sh WORKDIR NPUEMU ARGS...
set -eu
work="$1"; shift
mkdir -p "$work"
npuemu="$1"; shift
for i in 1 2; do
  "$npuemu" run --quiet --stats "$work/stats$i.json" "$@" >"$work/console$i.txt"
done
cmp "$work/console1.txt" "$work/console2.txt" || { echo "FAIL: console output differs between runs"; exit 1; }
cmp "$work/stats1.json" "$work/stats2.json" || { echo "FAIL: stats JSON differs between runs"; diff "$work/stats1.json" "$work/stats2.json" | head; exit 1; }
grep -q '"schema": "npuemu-stats"' "$work/stats1.json" || { echo "FAIL: stats JSON has no schema field"; exit 1; }
grep -q '"tile0.core.instructions"' "$work/stats1.json" || { echo "FAIL: stats JSON lacks per-hart counters"; exit 1; }
echo "ok: two runs gave identical console output and stats ($(wc -c <"$work/stats1.json") bytes)"
