#!/usr/bin/env bash
# --trace-filter keeps only matching signals; --trace-window keeps only value changes inside the window.
set -eu
work="$1"; npuemu="$2"; image="$3"
mkdir -p "$work"
"$npuemu" run -q -c test --trace "$work/f.vcd" --trace-filter 'chip.tile1.npu.matrix.*' "$image" > /dev/null
vars=$(grep -c '^\$var' "$work/f.vcd")
[ "$vars" -eq 2 ] || { echo "FAIL: expected 2 signals (tile1 matrix busy, queue_depth), got $vars"; exit 1; }
grep -q 'module tile1' "$work/f.vcd" && ! grep -q 'module tile0' "$work/f.vcd" || { echo "FAIL: wrong scopes kept"; exit 1; }
"$npuemu" run -q -c test --trace "$work/w.vcd" --trace-window 2us:3us "$image" > /dev/null
times=$(grep '^#' "$work/w.vcd" | tr -d '#' | sort -n | uniq)
first=$(echo "$times" | sed -n 2p); last=$(echo "$times" | tail -1)
[ "$first" -ge 2000000 ] && [ "$last" -le 3000000 ] || { echo "FAIL: changes outside 2us:3us: first $first, last $last"; exit 1; }
echo "ok: filter kept $vars signals of tile1.npu.matrix; window kept changes from $first to $last ps"
