#!/usr/bin/env bash
# membench on a chip, its figures checked against the HBM's own:
#   streaming read and write reach MIN_PERCENT of the theoretical peak (as the firmware measures it, and the HBM's
#   byte counters agree with what it moved); a dependent load that opens a row takes longer than one that hits, and
#   one that must first close another row longer still, by at least tRP; reads that all hit one bank take at least
#   tRC each and are many times slower than the same reads spread over the channels.
#   check_membench.sh WORKDIR MIN_PERCENT NPUEMU RUN_ARGS...
set -u
work="$1"; min_percent="$2"; npuemu="$3"; shift 3
mkdir -p "$work"
"$npuemu" run --stats "$work/stats.json" "$@" >"$work/console.txt" 2>"$work/stderr.txt" || {
  echo "FAIL: npuemu exited with $?"; cat "$work/console.txt" "$work/stderr.txt"; exit 1; }
cat "$work/console.txt"
failed=0
fail() { echo "FAIL: $*"; failed=1; }
value() { jq -r ".counters[\"$1\"]" "$work/stats.json"; }
percent() { sed -n "s/.*membench $1: .*, \([0-9.]*\)% of the HBM peak.*/\1/p" "$work/console.txt"; }
for stream in read write; do
  p=$(percent "$stream")
  [ -n "$p" ] || { fail "no '$stream' figure"; continue; }
  awk -v p="$p" -v m="$min_percent" 'BEGIN { exit !(p >= m) }' || fail "streaming $stream reached $p% of the peak, below $min_percent%"
done
moved=$(sed -n 's/.*membench read: \([0-9]*\) bytes.*/\1/p' "$work/console.txt")
read_bytes=$(value hbm.read_bytes)
awk -v r="$read_bytes" -v m="$moved" 'BEGIN { exit !(r >= m) }' || fail "the HBM read $read_bytes bytes, less than the $moved the firmware streamed"
ns() { sed -n "s/.*membench latency $1: .* = \([0-9.]*\) ns per dependent load.*/\1/p" "$work/console.txt"; }
hit=$(ns "row hits (one open row)"); random=$(ns "random rows"); conflict=$(ns "row conflicts (two rows of one bank)")
# The HBM's clock and tRP, as `npuemu info` shows them for the same config (the run's options minus the image).
info=$("$npuemu" info "${@:1:$#-1}" 2>/dev/null)
mhz=$(echo "$info" | sed -n 's/.*per pin, clock \([0-9]*\) MHz.*/\1/p')
trp_cycles=$(echo "$info" | sed -n 's/.*tRCD [0-9]* tCL [0-9]* tRP \([0-9]*\) cycles.*/\1/p')
tck=$(awk -v m="$mhz" 'BEGIN { print 1000 / m }')
[ -n "$hit" ] && [ -n "$random" ] && [ -n "$conflict" ] || fail "missing latency figures"
awk -v h="$hit" -v r="$random" 'BEGIN { exit !(r > h + 5) }' || fail "random rows ($random ns) are not clearly slower than row hits ($hit ns)"
awk -v h="$hit" -v c="$conflict" -v t="$trp_cycles" -v k="$tck" 'BEGIN { exit !(c >= h + t * k) }' ||
  fail "row conflicts ($conflict ns) do not pay at least tRP ($trp_cycles cycles of $tck ns) more than row hits ($hit ns)"
line=$(grep "membench stride:" "$work/console.txt")
per_read=$(echo "$line" | sed -n 's/.*(\([0-9.]*\) cycles per read).*/\1/p')
slower=$(echo "$line" | sed -n 's/.*one bank is \([0-9]*\)x slower.*/\1/p')
[ -n "$per_read" ] && [ -n "$slower" ] || fail "missing stride figures"
# tRC = 78 HBM2e cycles of 0.625 ns = 48.75 ns: at least that per read at 1 GHz.
awk -v c="$per_read" 'BEGIN { exit !(c >= 48.75) }' || fail "one-bank reads took $per_read cycles each, less than tRC"
[ "${slower:-0}" -ge 10 ] || fail "one bank is only ${slower}x slower than spread reads"
[ "$failed" -eq 0 ] && echo "ok: streaming >= $min_percent% of peak, row hit < miss < conflict latencies, one-bank stride ${slower}x slower"
exit $failed
