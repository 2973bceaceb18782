#!/usr/bin/env bash
# Decode-step GEMVs on the default chip: batch 1 and 16 times Llama-3 8B-like weight matrices (4096 x 4096: the
# attention projections; 4096 x 14336: the MLP's up/gate; 14336 x 4096: its down projection), INT8 and BF16, with
# npu_gemv (W streamed over every tile's DMA). Prints cycles, the HBM reads per cycle against the chip's peak
# (hbm.read_bytes from the run's stats over the kernel's cycles; the firmware's own line gives the bytes the shape
# implies), and checks every result bit for bit against the host reference
# (tests/harness/gemm_check). Run after `make build`.
#   bash bench/decode.sh [BUILD_DIR] [extra gemm_check options, e.g. --b-transposed 1]
set -euo pipefail
build="${1:-build}"
shift || true
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for dtype in int8 bf16; do
  for batch in 1 16; do
    for shape in "4096 4096" "4096 14336" "14336 4096"; do
      set -- $shape "$@"
      k=$1 n=$2
      shift 2
      start=$(date +%s.%N)
      out=$("$build/bin/gemm_check" --npuemu "$build/bin/npuemu" --image "$build/firmware/gemm.elf" --config default \
            --array-rows 64 --kernel gemv --m "$batch" --n "$n" --k "$k" --dtype "$dtype" --workdir "$work" "$@")
      end=$(date +%s.%N)
      echo "$out" | sed -n 's/^\[hart 0\] //p; s/^HBM read/  HBM read/p'
      printf '  wall %.2f s including the host reference and result check\n' "$(echo "$end - $start" | bc)"
    done
  done
done
# Decode attention over the KV cache (npu_decode_attention, firmware/decode; batch 1 splits each unit over 4 tiles):
# Llama-3 8B-like, 32 query heads on 8 KV heads of 128, 4096 positions, BF16, batch 1 and 16; results checked bit for
# bit (tests/harness/decode_attention_check).
for batch in 1 16; do
  start=$(date +%s.%N)
  out=$("$build/bin/decode_attention_check" --npuemu "$build/bin/npuemu" --image "$build/firmware/decode.elf" \
        --config default --array-rows 64 --batch "$batch" --heads 32 --kv-heads 8 --d-head 128 --ctx 4096 --workdir "$work")
  end=$(date +%s.%N)
  echo "$out" | sed -n 's/^\[hart 0\] //p; s/^HBM read/  HBM read/p'
  printf '  wall %.2f s including the host reference and result check\n' "$(echo "$end - $start" | bc)"
done
