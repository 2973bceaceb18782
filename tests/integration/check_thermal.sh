#!/usr/bin/env bash
# A sustained GEMM (1024^3 INT8, twice) on the default chip, started from the steady state of full load
# (thermal.initial=steady), once with air and once with liquid cooling. gemm_check verifies the results bit for bit
# (DVFS changes the clocks mid-run; the arithmetic must not notice). Then from the stats:
#   air throttles, liquid does not; air delivers measurably fewer TOPS; and, heating from ambient under the worst
#   case for heat (burn: every array flat out), the hardware throttle keeps every tile below Tj,max + 5 degC (the
#   documented overshoot at 1 us sampling). (Since the memory system arrived, this GEMM is partly memory-bound: its
#   power alone no longer reaches Tj,max from ambient on air.)
#   check_thermal.sh WORKDIR GEMM_CHECK NPUEMU GEMM_ELF BURN_ELF
set -eu
work="$1"; check="$2"; npuemu="$3"; image="$4"; burn="$5"
common=(--set power.process=7nm --set thermal.time_scale=100000 --set thermal.initial=steady
        --set thermal.initial_power_w=3.4)
for cooling in air liquid; do
  mkdir -p "$work/$cooling"
  "$check" --npuemu "$npuemu" --image "$image" --config default --array-rows 64 --m 1024 --n 1024 --k 1024 --repeat 2 \
    "${common[@]}" --set thermal.cooling=$cooling --workdir "$work/$cooling" | tail -1
done
value() { jq -r ".counters[\"$2\"]" "$work/$1/stats.json"; }
air_tops=$(value air npu.achieved_tops); liquid_tops=$(value liquid npu.achieved_tops)
air_steps=$(value air tile0.power.throttle_steps); liquid_steps=$(value liquid tile0.power.throttle_steps)
echo "air: $air_tops TOPS, tile0 throttled $air_steps steps, peak $(value air power.peak_temperature_mC) mC"
echo "liquid: $liquid_tops TOPS, tile0 throttled $liquid_steps steps, peak $(value liquid power.peak_temperature_mC) mC"
[ "$air_steps" -gt 0 ] || { echo "FAIL: air cooling never throttled"; exit 1; }
[ "$liquid_steps" -eq 0 ] || { echo "FAIL: liquid cooling throttled"; exit 1; }
awk -v a="$air_tops" -v l="$liquid_tops" 'BEGIN { exit !(a < 0.9 * l) }' || { echo "FAIL: air is not measurably slower"; exit 1; }

# Heating from ambient: the throttle must hold the overshoot.
mkdir -p "$work/heat"
"$npuemu" run -q -c default --set power.process=7nm --set thermal.cooling=air --set thermal.time_scale=20000000 \
  --stats "$work/heat/stats.json" "$burn" | tail -1
peak=$(value heat power.peak_temperature_mC)
steps=$(value heat tile0.power.throttle_steps)
echo "heating from ambient: peak $peak mC, tile0 throttled $steps steps (Tj,max 85000 mC)"
[ "$steps" -gt 0 ] || { echo "FAIL: heating from ambient never reached the throttle"; exit 1; }
awk -v p="$peak" 'BEGIN { exit !(p < 90000) }' || { echo "FAIL: peak $peak mC exceeds Tj,max + 5 degC"; exit 1; }
echo "ok: air throttles and delivers $(awk -v a="$air_tops" -v l="$liquid_tops" 'BEGIN { printf "%.0f%%", 100 * a / l }') of liquid's TOPS; overshoot bounded"
