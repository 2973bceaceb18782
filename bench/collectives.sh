#!/usr/bin/env bash
# Chip-to-chip links and collectives across chips, measured from firmware:
#   0) firmware/linkbench on two default chips joined by one NVLink-3-class link: ping-pong latency (a doorbell, a
#      64-byte put + doorbell) and a 32 MiB stream from 32 DMA engines against the link's payload peak;
#   1) (firmware/collbench, SDK npuemu/collectives.h) the 64 MiB FP32 ring all-reduce on node4 (4 default chips,
#      fully connected) and pod8 (2 nodes x 4 through a switch): time on chip 0, algorithm and bus bandwidth (nccl-tests' definitions) against one link's payload
#      rate (the ring uses one link out of each chip), the busiest link's utilization and the host cost (wall time,
#      simulated link GB per host second);
#   2) small messages (collbench_small): the all-reduce's time from 4 KiB to 256 KiB, ring against recursive
#      doubling, on node4 and pod8;
#   3) collbench_64m_more: the 64 MiB hierarchical all-reduce (against the flat ring of 1), the chain broadcast and
#      the direct all-to-all, bus bandwidth (nccl-tests' definitions), on node4 and pod8;
#   4) collbench_tiles: every collective across the 32 tiles of one default chip (ring all-reduce, reduce-scatter,
#      all-gather; broadcast; direct all-to-all), 4 KiB .. 16 MiB per tile (all-to-all up to 4 MiB: its send and
#      receive buffers of 16 MiB per tile would need 1 GiB, more than global memory holds); then what bounds them:
#      collbench_tiles_4m (4 MiB per tile) on HBM3 (twice the HBM bandwidth), and on HBM3 with tile DMA engines of
#      twice the bandwidth;
#   5) the 16 MiB all-reduce (4 KiB chunks) on node4 exported with --flows and replayed by `npuemu replay` on the
#      cluster model's flow-level network: each collective's time in the run and in the replay;
#   6) with FULL=1, the whole collbench sweep on node4 (every collective and algorithm, 4 KiB .. 256 MiB).
# Run after `make build`:  bash bench/collectives.sh [BUILD_DIR]
set -euo pipefail
build="${1:-build}"
npuemu="$build/bin/npuemu"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "== two default chips, one link: linkbench"
"$npuemu" run -q --system node4 --set chips.count=2 --set nodes.chips_per_node=2 --stats "$work/link.json" \
  "$build/firmware/linkbench.elf" | sed -n 's/^\[chip [01] hart 0\] //p'
jq -r '.counters | "  link c0p0-c1p0 payload peak \(.["links.c0p0-c1p0.peak_gbps"]) GB/s"' "$work/link.json"
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
for system in node4 pod8; do
  echo "== $system, default chips, small-message all-reduce: ring against recursive doubling"
  "$npuemu" run -q --system "$system" "$build/firmware/collbench_small.elf" | sed -n 's/^\[chip 0 hart 0\] //p'
done
for system in node4 pod8; do
  echo "== $system, default chips, 64 MiB: hierarchical all-reduce, broadcast, all-to-all"
  "$npuemu" run -q --system "$system" "$build/firmware/collbench_64m_more.elf" | sed -n 's/^\[chip 0 hart 0\] //p'
done
echo "== one default chip, collectives across its 32 tiles"
"$npuemu" run -q "$build/firmware/collbench_tiles.elf" | sed -n 's/^\[hart 0\] //p'
echo "== one default chip, collectives across its 32 tiles at 4 MiB: HBM3; HBM3 and 128 B/cycle DMA engines"
"$npuemu" run -q --set hbm.preset=hbm3 "$build/firmware/collbench_tiles_4m.elf" | sed -n 's/^\[hart 0\]   //p'
"$npuemu" run -q --set hbm.preset=hbm3 --set npu.dma.bandwidth_bytes_per_cycle=128 \
  "$build/firmware/collbench_tiles_4m.elf" | sed -n 's/^\[hart 0\]   //p'
echo "== node4, default chips, 16 MiB all-reduce in 4 KiB chunks: its flow export replayed on the cluster model"
"$npuemu" run -q --system node4 --flows "$work/flows16.jsonl" "$build/firmware/collbench_16m_4k.elf" |
  sed -n 's/^\[chip 0 hart 0\]   //p'
"$npuemu" replay --system node4 "$work/flows16.jsonl" | sed 's/^/  /'
if [ "${FULL:-0}" = 1 ]; then
  echo "== node4, default chips, the collbench sweep"
  "$npuemu" run -q --system node4 "$build/firmware/collbench.elf" | sed -n 's/^\[chip 0 hart 0\] //p'
fi
