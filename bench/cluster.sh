#!/usr/bin/env bash
# Cluster model speed: wall time of one simulated training step (npuemu cluster) at about 1,000 and 10,000 chips,
# on the Selene preset (A100, GPT 145B plan: TP 8 x PP 8 interleaved) and on a data-parallel-only 1.2B plan over a
# non-rail-optimised fat tree (every chip's flows through the spine and core: the max-min solver's worst case here).
# One core; aim: <= 10 s at 10,000 chips. Run after building npuemu.
#   bash bench/cluster.sh [BUILD_DIR]
set -euo pipefail
build="$(cd "${1:-build}" && pwd)"
root="$(cd "$(dirname "$0")/.." && pwd)"
selene="$root/configs/clusters/megatron_selene/selene.yaml"
run() {  # label, then --set overrides
  local label=$1; shift
  local sets=()
  for s in "$@"; do sets+=(--set "$s"); done
  local start end
  start=$(date +%s.%N)
  local summary
  summary=$(taskset -c 0 "$build/bin/npuemu" cluster "$selene" "${sets[@]}" | sed -n 2p)
  end=$(date +%s.%N)
  printf '%-44s %8.3f s wall   %s\n' "$label" "$(echo "$end - $start" | bc -l)" "$summary"
}
run "1,024 chips, GPT 145B, TP8 PP8x2 DP16" chips.count=1024
run "10,240 chips, GPT 145B, TP8 PP8x2 DP160" chips.count=10240 model.global_batch=2560
run "3,072 chips, GPT 1T, TP8 PP64x2 DP6" chips.count=3072 model.layers=128 model.hidden=25600 model.heads=160 \
    model.global_batch=3072 plan.pipeline_parallel=64
dp_only=(plan.tensor_parallel=1 plan.pipeline_parallel=1 plan.virtual_stages=1 model.layers=24 model.hidden=2048
         model.heads=16 network.rail_optimised=false)
run "1,024 chips, GPT 1.2B, DP only, no rails" chips.count=1024 model.global_batch=1024 "${dp_only[@]}"
run "10,240 chips, GPT 1.2B, DP only, no rails" chips.count=10240 model.global_batch=10240 "${dp_only[@]}"

# A cluster sweep: configs/sweeps/cluster_sensitivity.yaml, 112 points of the 10,240-chip 7nm cluster (air and liquid,
# inlet, straggler policy, link bandwidth, chip price and power), each a step with heat plus its equal-budget H100
# comparison (two more steps), one forked worker at a time on one core. Its results are docs/cluster.md's
# sensitivities.
sweep_out=$(mktemp -d)
trap 'rm -rf "$sweep_out"' EXIT
start=$(date +%s.%N)
taskset -c 0 "$build/bin/npuemu" sweep "$root/configs/sweeps/cluster_sensitivity.yaml" --out "$sweep_out" --jobs 1 \
  2>"$sweep_out/sweep.log" || { tail -5 "$sweep_out/sweep.log"; exit 1; }
end=$(date +%s.%N)
points=$(($(wc -l < "$sweep_out/results.csv") - 1))
printf '%-44s %8.3f s wall   %s\n' "cluster sweep, $points points, --jobs 1" "$(echo "$end - $start" | bc -l)" \
  "$(tail -1 "$sweep_out/sweep.log")"
