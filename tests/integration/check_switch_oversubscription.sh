#!/usr/bin/env bash
# The switch's oversubscription applies end to end: a ring all-reduce between two chips that meet only at the switch
# (firmware/overlap_small's, alone) is as fast at oversubscription 1 as the links allow, and at 100:1 (a fabric of
# 2 ports x 50 GB/s / 100 = 1 GB/s, which both directions share) it waits for the fabric and takes over twice as long.
#   check_switch_oversubscription.sh WORKDIR NPUEMU SYSTEM_FILE FIRMWARE_DIR
set -eu
work="$1"; npuemu="$2"; system="$3"; fw="$4"
mkdir -p "$work"
cycles() {
  "$npuemu" run -q --system "$system" --set switch.oversubscription="$1" --stats "$work/r$1.json" \
    "$fw/overlap_small.elf" > "$work/r$1.txt"
  sed -n 's/^\[chip 0 hart 0\] overlap: gemm alone [0-9]* cycles, all-reduce alone \([0-9]*\) cycles.*/\1/p' "$work/r$1.txt"
}
full=$(cycles 1)
over=$(cycles 100)
wait_ps=$(jq '.counters."fabric.switch_wait_ps"' "$work/r100.json")
echo "all-reduce alone: $full cycles through a non-blocking switch, $over at 100:1 (transfers waited $wait_ps ps for the fabric)"
[ -n "$full" ] && [ -n "$over" ] || { echo "FAIL: no all-reduce time printed"; exit 1; }
! jq -e '.counters | has("fabric.switch_wait_ps")' "$work/r1.json" > /dev/null ||
  { echo "FAIL: a non-blocking switch has a fabric"; exit 1; }
[ "$over" -gt $((2 * full)) ] || { echo "FAIL: the 100:1 switch did not slow the all-reduce down"; exit 1; }
[ "$wait_ps" -gt 0 ] || { echo "FAIL: no transfer waited for the fabric"; exit 1; }
echo "ok: the oversubscribed switch's fabric holds the transfers back"
