#!/usr/bin/env bash
# The cluster model's collective formula against the multi-chip model (issue 15, SCALE-OUT.md's L1 -> L2
# calibration): firmware/collbench_allreduce_4m (ring all-reduce, 4 KiB .. 4 MiB, FP32) on rings of 2, 4 and 8
# default chips (node4's NVLink-3-class links, topology ring), the formula T = 2(P-1)/P S/B + 2(P-1) alpha fitted on
# 2 and 4 chips (bench/fit_ring_collectives.py), and its prediction for 8 chips against the run. The aim: within 5% for
# large messages, 15% for small. Simulated times are exact; the three runs take a few minutes of host time.
# Run after `make build`:  bash bench/calibration.sh [BUILD_DIR]
set -euo pipefail
build="${1:-build}"
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for chips in 2 4 8; do
  echo "== ring of $chips default chips: collbench all-reduce"
  "$build/bin/npuemu" run -q --system node4 --set chips.count=$chips --set nodes.chips_per_node=$chips \
    --set topology.kind=ring "$build/firmware/collbench_allreduce_4m.elf" |
    sed -n 's/^\[chip 0 hart 0\] //p' | tee "$work/$chips.txt"
done
echo "== the ring formula fitted on 2 and 4 chips, 8 chips predicted"
python3 "$here/fit_ring_collectives.py" 2,4 8 2="$work/2.txt" 4="$work/4.txt" 8="$work/8.txt"
