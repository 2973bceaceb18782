#!/usr/bin/env bash
# GEMM on the NPU: MAC utilisation, simulated cycles and wall time for a compute-bound GEMM and a memory-bound
# GEMV on the default chip, with results checked bit for bit by tests/harness/gemm_check. Run after `make build`.
#   bash bench/gemm.sh [BUILD_DIR]
set -euo pipefail
build="${1:-build}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for shape in "2048 2048 2048 int8" "2048 2048 2048 bf16" "1 4096 4096 int8" "512 512 512 int8"; do
  set -- $shape
  start=$(date +%s.%N)
  out=$("$build/bin/gemm_check" --npuemu "$build/bin/npuemu" --image "$build/firmware/gemm.elf" --config default \
        --array-rows 64 --m "$1" --n "$2" --k "$3" --dtype "$4" --workdir "$work")
  end=$(date +%s.%N)
  echo "$out" | sed -n 's/^\[hart 0\] //p; s/^DMA moved/  DMA moved/p'
  printf '  wall %.2f s including the host reference and result check\n' "$(echo "$end - $start" | bc)"
done
