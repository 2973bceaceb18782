#!/usr/bin/env bash
# Wall time of one BERT-base transformer encoder layer (d_model 768, 12 heads, d_ff 3072) on the default chip, at
# sequence lengths 128 and 384, with the simulated cycles, MAC utilisation and per-phase cycles the firmware reports
# (its GEMM plans are made once per shape, before the timed layer). Median of
# REPEATS runs (default 5). Run after `make build`.
#   bash bench/transformer.sh [BUILD_DIR]
set -euo pipefail
build="${1:-build}"
repeats="${REPEATS:-5}"
npuemu="$build/bin/npuemu"
phases=()
[ -x "$npuemu" ] || { echo "build first: make build" >&2; exit 1; }
printf '%-10s %14s %12s %14s %10s\n' "seq" "cycles" "sim time" "MAC util" "wall s"
for variant in "128:transformer_block" "384:transformer_block_seq384"; do
  seq="${variant%%:*}"; image="$build/firmware/${variant#*:}.elf"
  walls=(); line=""
  for _ in $(seq "$repeats"); do
    start=$(date +%s.%N)
    line=$("$npuemu" run -q "$image")
    end=$(date +%s.%N)
    walls+=("$(echo "$end - $start" | bc)")
  done
  cycles=$(echo "$line" | sed -n 's/.*tiles: \([0-9]*\) cycles.*/\1/p')
  util=$(echo "$line" | sed -n 's/.*utilisation \([0-9.]*%\).*/\1/p')
  wall=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')
  printf '%-10s %14s %9.1f us %14s %10.3f\n' "$seq" "$cycles" "$(echo "$cycles / 1000" | bc -l)" "$util" "$wall"
  phases+=("seq $seq: $(echo "$line" | sed -n 's/.*phases (cycles, share): //p')")
done
echo "where the cycles go (each phase from one barrier to the next; no barrier after Wo and FFN2 when their rows land on chip: those end with hart 0's own GEMM, the layernorm after each holds the rest):"
printf '  %s\n' "${phases[@]}"
echo "(default chip: 32 tiles, 64x64 arrays at 1 GHz; wall includes process start; median of $repeats)"
