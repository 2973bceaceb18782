#!/usr/bin/env bash
# The mesh measured from firmware (meshbench) on the default chip (8 x 4 routers):
#   1) zero-load latency of a core's load from every other tile, against the routers on the way;
#   2) all-to-all, hot spot and uniform random traffic (every tile's DMA offers up to 64 B/cycle), with the default
#      256 B/cycle links and narrower ones: where the accepted throughput stops following the offered load is the
#      mesh's saturation throughput under uniform traffic.
# Run after `make build`:  bash bench/mesh.sh [BUILD_DIR]
set -euo pipefail
build="${1:-build}"
npuemu="$build/bin/npuemu"
image="$build/firmware/meshbench.elf"
echo "== zero-load latency (default chip): cycles per remote load against routers each way"
"$npuemu" run -q "$image" | sed -n 's/^\[hart 0\] meshbench latency: tile \([0-9]*\) at .*, \([0-9]*\) routers each way: \([0-9]*\) cycles.*/\2 \3/p' |
  sort -n -u | awk '{ printf "  %2d routers: %3d cycles\n", $1, $2 }'
echo "== traffic patterns by link width (uniform: offered 64 B/cycle per tile)"
printf '  %-12s %-14s %-14s %-14s\n' "B/cycle" "all-to-all" "hot spot" "uniform"
for width in 256 128 64 32 16; do
  out=$("$npuemu" run -q --set mesh.link_bandwidth_bytes_per_cycle=$width "$image")
  per_tile() { echo "$out" | sed -n "s/.*meshbench $1: .* B\/cycle in all, \([0-9.]*\) B\/cycle per tile.*/\1/p"; }
  all=$(echo "$out" | sed -n 's/.*meshbench hot spot (into tile 0): .* = \([0-9.]*\) B\/cycle in all.*/\1/p')
  printf '  %-12s %-14s %-14s %-14s\n' "$width" "$(per_tile all-to-all)/tile" "${all} in all" "$(per_tile 'uniform random')/tile"
done
