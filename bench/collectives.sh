#!/usr/bin/env bash
# Collectives across chips, measured from firmware (firmware/collbench, SDK npuemu/collectives.h):
#   1) the 64 MiB FP32 ring all-reduce on node4 (4 default chips, fully connected) and pod8 (2 nodes x 4 through a
#      switch): time on chip 0, algorithm and bus bandwidth (nccl-tests' definitions) against one link's payload
#      rate (the ring uses one link out of each chip), the busiest link's utilization and the host cost (wall time,
#      simulated link GB per host second);
#   2) with FULL=1, the whole collbench sweep on node4 (all-reduce, reduce-scatter, all-gather, 4 KiB .. 256 MiB).
# Run after `make build`:  bash bench/collectives.sh [BUILD_DIR]
set -euo pipefail
build="${1:-build}"
npuemu="$build/bin/npuemu"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for system in node4 pod8; do
  echo "== $system, default chips, 64 MiB all-reduce"
  start=$(date +%s.%N)
  "$npuemu" run -q --system "$system" --stats "$work/$system.json" "$build/firmware/collbench_64m.elf" |
    sed -n 's/^\[chip 0 hart 0\] //p'
  end=$(date +%s.%N)
  wall=$(echo "$end - $start" | bc)
  jq -r --arg wall "$wall" '.counters as $c
    | [$c | to_entries[] | select(.key | test("^links\\..*\\.payload_bytes$")) | .value] | add as $bytes
    | [$c | to_entries[] | select(.key | test("^links\\..*\\.utilization$")) | .value] | max as $busiest
    | [$c | to_entries[] | select(.key | test("^links\\..*\\.peak_gbps$")) | .value] | max as $peak
    | "  link payload peak \($peak) GB/s; busiest link \($busiest * 1000 | round / 10)% busy over the whole run (fill and checks included)\n  host: \($wall | tonumber * 100 | round / 100) s wall, \($bytes / 1e9 / ($wall | tonumber) * 100 | round / 100) simulated link GB per host second"' \
    "$work/$system.json"
done
if [ "${FULL:-0}" = 1 ]; then
  echo "== node4, default chips, the collbench sweep"
  "$npuemu" run -q --system node4 "$build/firmware/collbench.elf" | sed -n 's/^\[chip 0 hart 0\] //p'
fi
