#!/usr/bin/env bash
# Full load (a 2048^3 BF16 GEMM, the training data type, timing only) on the default chip, started from the steady
# state of full load (thermal.initial=steady, 5.8 W per tile), on the cooling presets' design points (air, liquid)
# and on the air_degraded_fan scenario: the design points hold full load below Tj,max (not one throttle step); the
# degraded fan throttles and delivers measurably fewer TOPS. A sustained 1024^3 BF16 GEMM on the degraded fan, checked
# by gemm_check bit for bit: DVFS changes the clocks mid-run, the arithmetic must not notice. And, heating from ambient
# under burn (every array flat out) with hot inlet air (70 degC, beyond every preset: burn's INT8 load needs it to
# reach Tj,max), the hardware throttle keeps every tile below Tj,max + 5 degC (the documented overshoot at 1 us).
#   check_thermal.sh WORKDIR GEMM_CHECK NPUEMU GEMM_ELF BURN_ELF GEMM_2048_BF16_JOB
set -eu
work="$1"; check="$2"; npuemu="$3"; image="$4"; burn="$5"; job="$6"
common=(--set power.process=7nm --set thermal.time_scale=100000 --set thermal.initial=steady
        --set thermal.initial_power_w=5.8)
value() { jq -r ".counters[\"$2\"]" "$work/$1/stats.json"; }
for cooling in air liquid air_degraded_fan; do
  mkdir -p "$work/$cooling"
  "$npuemu" run -q --arithmetic skip "${common[@]}" --set thermal.cooling=$cooling --stats "$work/$cooling/stats.json" \
    --load "$job@0x81000000" "$image" > /dev/null
  echo "$cooling: $(value $cooling npu.achieved_tops) TOPS, $(value $cooling power.average_w) W, tile0 throttled" \
       "$(value $cooling tile0.power.throttle_steps) steps, peak $(value $cooling power.peak_temperature_mC) mC"
done
for cooling in air liquid; do
  [ "$(value $cooling tile0.power.throttle_steps)" -eq 0 ] || { echo "FAIL: the $cooling design point throttled"; exit 1; }
  awk -v p="$(value $cooling power.peak_temperature_mC)" 'BEGIN { exit !(p < 85000) }' ||
    { echo "FAIL: the $cooling design point reached Tj,max"; exit 1; }
done
[ "$(value air_degraded_fan tile0.power.throttle_steps)" -gt 0 ] || { echo "FAIL: a degraded fan never throttled"; exit 1; }
air_tops=$(value air npu.achieved_tops); fan_tops=$(value air_degraded_fan npu.achieved_tops)
awk -v f="$fan_tops" -v a="$air_tops" 'BEGIN { exit !(f < 0.9 * a) }' ||
  { echo "FAIL: the degraded fan is not measurably slower"; exit 1; }

mkdir -p "$work/exact"
"$check" --npuemu "$npuemu" --image "$image" --config default --dtype bf16 --array-rows 64 --m 1024 --n 1024 \
  --k 1024 --repeat 2 "${common[@]}" --set thermal.cooling=air_degraded_fan --workdir "$work/exact" | tail -1
[ "$(value exact tile0.power.throttle_steps)" -gt 0 ] || { echo "FAIL: the checked GEMM never throttled"; exit 1; }

# Heating from ambient: the throttle must hold the overshoot.
mkdir -p "$work/heat"
"$npuemu" run -q -c default --set power.process=7nm --set thermal.cooling=air --set thermal.ambient_mC=70000 \
  --set thermal.time_scale=20000000 --stats "$work/heat/stats.json" "$burn" | tail -1
peak=$(value heat power.peak_temperature_mC)
steps=$(value heat tile0.power.throttle_steps)
echo "heating from ambient: peak $peak mC, tile0 throttled $steps steps (Tj,max 85000 mC)"
[ "$steps" -gt 0 ] || { echo "FAIL: heating from ambient never reached the throttle"; exit 1; }
awk -v p="$peak" 'BEGIN { exit !(p < 90000) }' || { echo "FAIL: peak $peak mC exceeds Tj,max + 5 degC"; exit 1; }
echo "ok: the design points hold full load below Tj,max; a degraded fan throttles and delivers $(awk -v f="$fan_tops" -v a="$air_tops" 'BEGIN { printf "%.0f%%", 100 * f / a }') of the design point's TOPS; overshoot bounded"
