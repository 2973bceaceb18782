#!/usr/bin/env bash
# Regenerates traces/examples: one small GEMM (96x96x96 INT8, host-loaded) on two tiles of the test chip, recorded
# as VCD, FST and Perfetto JSON. Run from the repository root after `make build`.
set -euo pipefail
build="${1:-build}"
out=traces/examples
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$build/bin/gemm_check" --npuemu "$build/bin/npuemu" --image "$build/firmware/gemm.elf" --config test \
  --set chip.tiles=2 --m 96 --n 96 --k 96 --workdir "$work" > /dev/null
for format in vcd fst json; do
  "$build/bin/npuemu" run -q -c test --set chip.tiles=2 --load "$work/job.bin@0x81000000" \
    --load "$work/a.bin@0x82000000" --load "$work/b.bin@0x82010000" \
    --trace "$out/gemm_test_chip.$format" "$build/firmware/gemm.elf" > /dev/null
done
ls -l "$out"
