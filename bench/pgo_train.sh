#!/usr/bin/env bash
# The training runs of `make fast` (profile-guided optimisation, cmake/npuemu_speed_build.cmake): an instrumented
# npuemu runs a few representative workloads and writes its profiles (.gcda) where it was configured to. Each kind
# of hot path is here once: the memory system under DMA (a timing-only BERT layer at seq 128, membench's read and
# write streams), the matrix unit's host arithmetic (INT8 and BF16 GEMMs, checked bit for bit by gemm_check) and the
# ISS (cpubench on all harts). A few CPU seconds uninstrumented; the profiles only steer optimisation, results stay
# the same (check_golden.py passes against the optimised binary).
#   bash bench/pgo_train.sh INSTRUMENTED_NPUEMU RELEASE_BUILD_DIR   (the release build's firmware and gemm_check)
set -euo pipefail
npuemu="$1"
build="$2"
firmware="$build/firmware"
[ -x "$npuemu" ] && [ -f "$firmware/transformer_block.elf" ] && [ -x "$build/bin/gemm_check" ] ||
  { echo "pgo_train.sh: needs an instrumented npuemu and a release build's firmware and gemm_check" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "  training: BERT-base layer seq 128, timing-only"
"$npuemu" run -q --arithmetic skip "$firmware/transformer_block.elf" > /dev/null
echo "  training: membench read + write streams"
# bench/memory.sh's argument block for the read and write streams only
printf '\x42\x4d\x45\x4d\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00' > "$work/membench_args.bin"
"$npuemu" run -q --load "$work/membench_args.bin@0x81000000" "$firmware/membench.elf" > /dev/null
for shape in "256 256 256 int8" "128 256 128 bf16"; do
  set -- $shape
  echo "  training: GEMM $1 x $2 x $3 $4, full arithmetic"
  "$build/bin/gemm_check" --npuemu "$npuemu" --image "$firmware/gemm.elf" --config default --array-rows 64 \
    --m "$1" --n "$2" --k "$3" --dtype "$4" --workdir "$work" > /dev/null
done
echo "  training: cpubench, 32 harts (ISS)"
"$npuemu" run -q "$firmware/cpubench.elf" > /dev/null
