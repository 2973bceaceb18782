#!/usr/bin/env bash
# 1) Overhead of the power and thermal model on one BERT-base layer (seq 384, default chip): wall time with and
#    without it, median of REPEATS (default 5), as a ratio.
# 2) The throttling study: a sustained 2048^3 BF16 GEMM (the training data type, the chip's full load; 4 times)
#    started from the steady state of its full load (7nm 5.8 W per tile, 4nm 3.9), on every cooling preset (the design
#    points air and liquid, and the scenarios where fleets throttle), 7nm and 4nm: delivered TFLOP/s, average power,
#    peak temperature, throttled tiles.
#   bash bench/power.sh [BUILD_DIR]
set -euo pipefail
build="${1:-build}"
repeats="${REPEATS:-5}"
median_wall() {
  local walls=()
  for _ in $(seq "$repeats"); do
    local start end
    start=$(date +%s.%N)
    "$build/bin/npuemu" run -q "$@" "$build/firmware/transformer_block_seq384.elf" > /dev/null
    end=$(date +%s.%N)
    walls+=("$(echo "$end - $start" | bc)")
  done
  printf '%s\n' "${walls[@]}" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'
}
off=$(median_wall --set power.enabled=false)
on=$(median_wall)
printf 'power model off %.3f s, on %.3f s: ratio %.3f (median of %s)\n' "$off" "$on" "$(echo "$on / $off" | bc -l)" "$repeats"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$build/bin/gemm_check" --npuemu "$build/bin/npuemu" --image "$build/firmware/gemm.elf" --config default \
  --dtype bf16 --array-rows 64 --m 2048 --n 2048 --k 2048 --repeat 4 --workdir "$work" > /dev/null
# gemm_check's layout: A at 0x82000000, B at the next 64 KiB boundary after it.
b_address=$(printf '0x%x' $(( 0x82000000 + (($(stat -c %s "$work/a.bin") + 0xffff) & ~0xffff) )))
printf '\n%-8s %-21s %10s %10s %12s %10s\n' process cooling TFLOP/s "avg W" "peak degC" throttled
for process in 7nm 4nm; do
  initial_w=$([ $process = 7nm ] && echo 5.8 || echo 3.9)  # each process's full load (docs/power.md)
  for cooling in air air_hot_inlet air_degraded_fan liquid liquid_degraded_pump; do
    "$build/bin/npuemu" run -q --set power.process=$process --set thermal.cooling=$cooling \
      --set thermal.time_scale=100000 --set thermal.initial=steady --set thermal.initial_power_w=$initial_w \
      --stats "$work/s.json" --load "$work/job.bin@0x81000000" --load "$work/a.bin@0x82000000" \
      --load "$work/b.bin@$b_address" "$build/firmware/gemm.elf" > /dev/null
    throttled=$(jq '[.counters | to_entries[] | select(.key | endswith(".power.throttled_ps")) | select(.value > 0)] | length' "$work/s.json")
    jq -r --arg p $process --arg c $cooling --arg t "$throttled" \
      '.counters | "\($p) \($c) \(."npu.achieved_tops") \(."power.average_w") \(."power.peak_temperature_mC" / 1000) \($t)"' \
      "$work/s.json" | awk '{printf "%-8s %-21s %10.1f %10.1f %12.1f %7d/32\n", $1, $2, $3, $4, $5, $6}'
  done
done
