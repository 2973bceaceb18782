#!/usr/bin/env bash
# The sweep report in a real browser (Debian's chromium, headless, no network): the page loads without script
# errors, every chart has one point per finished sweep point, and it renders to a PNG (what goes on a slide).
#   check_sweep_report_browser.sh WORKDIR NPUEMU SPEC
set -euo pipefail
work="$1"; npuemu="$2"; spec="$3"
rm -rf "$work"; mkdir -p "$work"
"$npuemu" sweep "$spec" --out "$work/out" --jobs 2 > /dev/null 2>&1
"$npuemu" sweep report "$work/out" > /dev/null 2>&1
points=$(($(wc -l < "$work/out/results.csv") - 1))
charts=$(grep -o "<svg " "$work/out/report.html" | wc -l)
browser=(chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
         --disable-component-update --disable-sync --user-data-dir="$work/profile" --enable-logging=stderr --v=0)
timeout 120 "${browser[@]}" --dump-dom "file://$work/out/report.html" > "$work/dom.html" 2> "$work/console.txt"
timeout 120 "${browser[@]}" --window-size=1400,2600 --screenshot="$work/report.png" \
  "file://$work/out/report.html" > /dev/null 2>> "$work/console.txt"
fail() { echo "FAIL: $*"; exit 1; }
! grep -E "Uncaught|SyntaxError|ReferenceError|TypeError" "$work/console.txt" || fail "script errors in the page"
# Per chart (the DOM after scripts ran): the roofline can only place points that moved DMA bytes; every other chart
# has one dot per finished point.
counts=$(awk 'BEGIN { RS = "<svg" } NR > 1 { print gsub(/<circle/, "") }' "$work/dom.html" | tr '\n' ' ')
set -- $counts
[ "$#" -eq "$charts" ] || fail "$# charts in the rendered page, $charts in the file"
[ "$1" -le "$points" ] || fail "the roofline has $1 dots for $points points"
shift
for n in "$@"; do [ "$n" -eq "$points" ] || fail "a chart drew $n points, expected $points (counts: $counts)"; done
size=$(stat -c %s "$work/report.png" 2>/dev/null || echo 0)
[ "$size" -gt 20000 ] || fail "the PNG is missing or blank ($size bytes)"
echo "ok: chromium loaded the report without errors; $charts charts, points per chart: $counts; PNG $size bytes"
