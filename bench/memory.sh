#!/usr/bin/env bash
# The memory system measured from firmware, on the default chip (32 tiles, 4 stacks) with each HBM preset:
#   1) membench: streaming read / write / copy bandwidth against the theoretical peak, dependent-load latency
#      (row hit, row conflict, random rows), one-bank stride against spread reads;
#   2) the simulator's own cost: a read + write stream (64 MiB through the mesh and the HBM controllers) in
#      simulated GB per host second, median of REPEATS (default 3) runs.
# Run after `make build`:  bash bench/memory.sh [BUILD_DIR]
set -euo pipefail
build="${1:-build}"
repeats="${REPEATS:-3}"
npuemu="$build/bin/npuemu"
image="$build/firmware/membench.elf"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for preset in hbm2e hbm3; do
  echo "== default chip, $preset"
  "$npuemu" info --set hbm.preset=$preset | grep -E "stacks:|data rate:|peak bandwidth:|memory bandwidth:"
  "$npuemu" run -q --set hbm.preset=$preset --stats "$work/$preset.json" "$image" | sed -n 's/^\[hart 0\] //p'
  jq -r '.counters | "  HBM over the run: row hit rate \(.["hbm.row_hit_rate"] * 1000 | round / 10)%, read latency mean \(.["hbm.read_latency.mean_ns"] | round) ns, p99 \(.["hbm.read_latency.p99_ns"] | round) ns; busiest mesh link \(.["mesh.max_link_utilization"] * 1000 | round / 10)% busy"' "$work/$preset.json"
done

# Simulation speed: the read and write streams only (argument block: magic, tests = read|write).
printf '\x42\x4d\x45\x4d\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00' > "$work/args.bin"  # magic 0x4D454D42, tests 3
echo "== simulation speed (read + write streams, 64 MiB, default chip, hbm2e)"
walls=()
for _ in $(seq "$repeats"); do
  start=$(date +%s.%N)
  "$npuemu" run -q --load "$work/args.bin@0x81000000" --stats "$work/speed.json" "$image" > /dev/null
  end=$(date +%s.%N)
  walls+=("$(echo "$end - $start" | bc)")
done
wall=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')
bytes=$(jq '.counters["hbm.read_bytes"] + .counters["hbm.write_bytes"]' "$work/speed.json")
awk -v b="$bytes" -v w="$wall" 'BEGIN { printf "  %.1f MiB through the HBM in %.2f s wall: %.3f simulated GB per host second\n", b / 1048576, w, b / 1e9 / w }'
