#!/usr/bin/env bash
# meshbench on a chip, checked against the mesh's own figures:
#   zero-load latency: every router on the way adds exactly router_latency_cycles to the request and again to the
#   response (cycles per load - 2 x router latency x routers is the same for every tile), and the nearest tile
#   costs what the formula says on top of the core's own load;
#   hot spot: the traffic into tile 0 cannot beat its ejection link and gets most of it (LINK_PAYLOAD: the payload
#   bytes per cycle that link carries in DMA bursts: burst / ceil((header + burst) / link bandwidth)).
#   check_meshbench.sh WORKDIR ROUTER_LATENCY LINK_PAYLOAD NPUEMU RUN_ARGS...
set -u
work="$1"; router_latency="$2"; link="$3"; npuemu="$4"; shift 4
mkdir -p "$work"
"$npuemu" run --stats "$work/stats.json" "$@" >"$work/console.txt" 2>"$work/stderr.txt" || {
  echo "FAIL: npuemu exited with $?"; cat "$work/console.txt" "$work/stderr.txt"; exit 1; }
cat "$work/console.txt"
failed=0
fail() { echo "FAIL: $*"; failed=1; }
base=$(sed -n 's/.*meshbench latency: tile [0-9]* at ([0-9]*,[0-9]*), \([0-9]*\) routers each way: \([0-9]*\) cycles per load.*/\1 \2/p' \
         "$work/console.txt" | awk -v r="$router_latency" '{ print $2 - 2 * r * $1 }' | sort -u)
[ -n "$base" ] || fail "no latency lines"
[ "$(echo "$base" | wc -l)" -eq 1 ] ||
  fail "cycles per load minus 2 x $router_latency x routers differs between tiles: $(echo $base)"
hot=$(sed -n 's/.*meshbench hot spot (into tile 0): .* = \([0-9.]*\) B\/cycle in all.*/\1/p' "$work/console.txt")
[ -n "$hot" ] || fail "no hot-spot figure"
awk -v h="$hot" -v l="$link" 'BEGIN { exit !(h <= l && h >= 0.8 * l) }' ||
  fail "hot spot delivered $hot B/cycle; its ejection link carries $link"
grep -q "meshbench uniform random:" "$work/console.txt" || fail "no uniform-traffic figure"
grep -q "meshbench all-to-all:" "$work/console.txt" || fail "no all-to-all figure"
[ "$failed" -eq 0 ] && echo "ok: latency grows by 2 x $router_latency cycles per router (plus a constant $base), hot spot $hot of $link B/cycle"
exit $failed
