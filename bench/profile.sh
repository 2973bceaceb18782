#!/usr/bin/env bash
# npuemu profile of the GPT-3 175B layer's TP=8 shard on the default chip, every op as the SDK's layer runs it: its
# GEMMs with their epilogues (QKV, attention-out, MLP up and down; micro-batch 1 x 2048 tokens, BF16), its causal
# flash attention (12 heads of 128 over 2048 tokens), its row passes, the backward's dX and dW GEMMs, row-pass
# backwards, column sums and attention backward, and the AdamW optimizer step (16 Mi parameters): cycles, MAC
# utilisation, HBM bytes, energy and cycles at each of the chip's four DVFS operating points (5 runs per op, 115 in
# all, timing-only: 1-2 h of host time on 2 cores). A second invocation reads everything from the cache
# (~/.cache/npuemu/profile, or CACHE=DIR). Run after `make build`.
#   bash bench/profile.sh [BUILD_DIR] [OUT]      (OUT.csv and OUT.json; default build/bench/profile_gpt3_tp8)
set -euo pipefail
build="${1:-build}"
out="${2:-$build/bench/profile_gpt3_tp8}"
npuemu="$build/bin/npuemu"
[ -x "$npuemu" ] || { echo "build first: make build" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
cache=()
[ -n "${CACHE:-}" ] && cache=(--cache "$CACHE")
start=$(date +%s.%N)
"$npuemu" profile --model gpt3-175b -w plan.tensor_parallel=8 -w plan.micro_batch=1 -c default \
  --out "$out" "${cache[@]}" -j "${JOBS:-$(nproc)}"
end=$(date +%s.%N)
printf 'wall %.1f s\n' "$(echo "$end - $start" | bc)"
