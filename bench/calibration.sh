#!/usr/bin/env bash
# The cluster model (L2) against the multi-chip model (L1): SCALE-OUT.md's calibration, issue 15.
#  1. A one-layer tensor-parallel step on node4: firmware/decoder_layer_tp runs one GPT-3 6.7B layer (micro-batch 1 x
#     2048 tokens) at TP = 4 on node4's four default chips, each chip its rank's shard with the Megatron all-reduces
#     (BF16, the SDK's ring), timing-only; npuemu profile measures the shard's ops as the layer runs them on one chip; npuemu
#     cluster (configs/clusters/calibration/node4_gpt3_6.7b_tp4.yaml) predicts the layer's forward from that profile
#     and node4's links (its JSON's layer_forward); compare_tp_layer.py puts the two side by side, phase by phase.
#  2. Collectives: firmware/collbench_allreduce_4m (ring all-reduce, 4 KiB .. 4 MiB, FP32) on rings of 2, 4 and 8
#     default chips (node4's links, topology ring); fit_ring_collectives.py fits two time models on 2 and 4 chips and
#     predicts 8 (aim: within 5% for large messages, 15% for small; --aims makes it exit 1 when missed). The ctest
#     "calibration: the ring all-reduce fitted on 2 and 4 chips ..." holds these runs' output, recorded in
#     tests/data/calibration/ring_allreduce_{2,4,8}chips.txt: copy $work/{2,4,8}.txt there when the model moves them.
# Simulated times are exact; host time: the layer ~2 min of CPU (226 s wall on the loaded shared VM), the profile ~25 min (115 runs with the backward ops; cached: CACHE=DIR), the
# collectives ~4 min. Run after `make build`:  bash bench/calibration.sh [BUILD_DIR] [tp|collectives|all]
set -euo pipefail
build="${1:-build}"
what="${2:-all}"
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
npuemu="$build/bin/npuemu"
[ -x "$npuemu" ] || { echo "build first: make build" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cache=()
[ -n "${CACHE:-}" ] && cache=(--cache "$CACHE")

if [ "$what" = all ] || [ "$what" = tp ]; then
  echo "== GPT-3 6.7B layer, TP = 4 on node4 (timing-only): the multi-chip run"
  start=$(date +%s.%N)
  # node4 (configs/systems/node4.yaml) with every chip timing-only (--arithmetic does not go with --system).
  cat > "$work/node4_timing.yaml" <<'YAML'
system: {name: node4}
chips: {config: default, count: 4, set: {npu.arithmetic: skip}}
nodes: {chips_per_node: 4}
link: {preset: nvlink3}
topology: {kind: fully_connected}
YAML
  "$npuemu" run -q --system "$work/node4_timing.yaml" "$build/firmware/decoder_layer_tp.elf" |
    sed -n 's/^\[chip 0 hart 0\] //p' | tee "$work/layer.txt"
  printf '  wall %.1f s\n' "$(echo "$(date +%s.%N) - $start" | bc)"
  echo "== the same layer's shard profiled on one default chip, and the cluster model's prediction"
  "$npuemu" profile --model gpt3-6.7b -w plan.tensor_parallel=4 -w plan.micro_batch=1 -c default -q \
    --out "$work/gpt3_6.7b_tp4_default" "${cache[@]}" -j "${JOBS:-$(nproc)}"
  "$npuemu" cluster "$root/configs/clusters/calibration/node4_gpt3_6.7b_tp4.yaml" --quiet \
    --set chips.npuemu.profile="$work/gpt3_6.7b_tp4_default.json" --out "$work/step.json"
  python3 "$here/compare_tp_layer.py" "$work/layer.txt" "$work/step.json"
fi

if [ "$what" = all ] || [ "$what" = collectives ]; then
  for chips in 2 4 8; do
    echo "== ring of $chips default chips: collbench all-reduce"
    "$npuemu" run -q --system node4 --set chips.count=$chips --set nodes.chips_per_node=$chips \
      --set topology.kind=ring "$build/firmware/collbench_allreduce_4m.elf" |
      sed -n 's/^\[chip 0 hart 0\] //p' | tee "$work/$chips.txt"
  done
  echo "== ring all-reduce models fitted on 2 and 4 chips, 8 chips predicted"
  python3 "$here/fit_ring_collectives.py" --aims 0.05,0.15 2,4 8 2="$work/2.txt" 4="$work/4.txt" 8="$work/8.txt"
fi
