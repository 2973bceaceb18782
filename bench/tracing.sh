#!/usr/bin/env bash
# Simulation speed with tracing off, VCD, FST and Perfetto JSON on one BERT-base transformer layer (seq 384) on the
# default chip, median of REPEATS (default 5) runs each, as ratios to tracing off, with the trace sizes.
#   bash bench/tracing.sh [BUILD_DIR]
set -euo pipefail
build="${1:-build}"
repeats="${REPEATS:-5}"
image="$build/firmware/transformer_block_seq384.elf"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
median_wall() {
  local walls=()
  for _ in $(seq "$repeats"); do
    local start end
    start=$(date +%s.%N)
    "$build/bin/npuemu" run -q "$@" "$image" > /dev/null
    end=$(date +%s.%N)
    walls+=("$(echo "$end - $start" | bc)")
  done
  printf '%s\n' "${walls[@]}" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'
}
off=$(median_wall)
printf '%-10s %9s %7s %12s\n' "tracing" "wall s" "ratio" "trace bytes"
printf '%-10s %9.3f %7.2f %12s\n' "off" "$off" 1 "-"
for format in vcd fst json; do
  wall=$(median_wall --trace "$work/t.$format")
  printf '%-10s %9.3f %7.2f %12s\n' "$format" "$wall" "$(echo "$wall / $off" | bc -l)" "$(stat -c %s "$work/t.$format")"
done
echo "(median of $repeats runs, wall time including process start)"
