#!/usr/bin/env bash
# A system of chips in one run (npuemu run --system):
#  1. a one-chip system is today's single-chip run: console and stats byte for byte;
#  2. a 4-chip run is deterministic (console and stats byte for byte over two runs), its statistics are per chip
#     ("chip2.tile0.core.instructions") and the stats file names the system.
#   check_system_run.sh WORKDIR NPUEMU FIRMWARE_DIR
set -eu
work="$1"; npuemu="$2"; fw="$3"
mkdir -p "$work"
"$npuemu" run --quiet --stats "$work/single.json" --system single "$fw/hello.elf" >"$work/single.txt"
"$npuemu" run --quiet --stats "$work/plain.json" "$fw/hello.elf" >"$work/plain.txt"
cmp "$work/single.txt" "$work/plain.txt" || { echo "FAIL: a one-chip system's console differs from a plain run's"; exit 1; }
cmp "$work/single.json" "$work/plain.json" || { echo "FAIL: a one-chip system's stats differ from a plain run's"; diff "$work/single.json" "$work/plain.json" | head; exit 1; }

for i in 1 2; do
  "$npuemu" run --quiet --stats "$work/node4_$i.json" --system node4 --set chips.config=test "$fw/hello.elf" >"$work/node4_$i.txt"
done
cmp "$work/node4_1.txt" "$work/node4_2.txt" || { echo "FAIL: console output differs between two runs of node4"; exit 1; }
cmp "$work/node4_1.json" "$work/node4_2.json" || { echo "FAIL: stats differ between two runs of node4"; diff "$work/node4_1.json" "$work/node4_2.json" | head; exit 1; }
for chip in 0 1 2 3; do
  grep -q "\"chip$chip.tile3.core.instructions\"" "$work/node4_1.json" || { echo "FAIL: no counters of chip $chip"; exit 1; }
  [ "$(grep -c "^\[chip $chip hart [0-3]\] hello from hart" "$work/node4_1.txt")" -eq 4 ] || { echo "FAIL: chip $chip's four harts did not all print"; cat "$work/node4_1.txt"; exit 1; }
done
grep -q '"system": "node4"' "$work/node4_1.json" || { echo "FAIL: the stats file does not name the system"; exit 1; }
grep -q '"chips": 4' "$work/node4_1.json" || { echo "FAIL: the stats file does not count the chips"; exit 1; }
! grep -q '"tile0.core.instructions"' "$work/node4_1.json" || { echo "FAIL: a counter without its chip"; exit 1; }
# Traffic between chips (puts, gets, doorbells over links and the switch) is deterministic too.
for i in 1 2; do
  "$npuemu" run --quiet --stats "$work/ring_$i.json" --system pod8 --set chips.config=test "$fw/chip_ring.elf" >"$work/ring_$i.txt"
done
cmp "$work/ring_1.txt" "$work/ring_2.txt" || { echo "FAIL: chip_ring's console differs between two runs of pod8"; exit 1; }
cmp "$work/ring_1.json" "$work/ring_2.json" || { echo "FAIL: chip_ring's stats differ between two runs of pod8"; diff "$work/ring_1.json" "$work/ring_2.json" | head; exit 1; }

# Timelines: one Perfetto process per tile of every chip, named by chip and tile, and one for the links.
"$npuemu" run --quiet --system node4 --set chips.config=test --trace "$work/node4.json" "$fw/hello.elf" >/dev/null
[ "$(grep -o '"name":"process_name"' "$work/node4.json" | wc -l)" -eq 17 ] || { echo "FAIL: expected 17 timeline processes (4 chips x 4 tiles, and the links)"; exit 1; }
grep -q '"args":{"name":"chip3.tile3"}' "$work/node4.json" || { echo "FAIL: no timeline process named chip3.tile3"; exit 1; }
echo "ok: a one-chip system equals a plain run; node4 runs are identical, counted per chip, traced per chip and tile"
