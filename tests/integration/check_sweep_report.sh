#!/usr/bin/env bash
# sweep report: one self-contained HTML page (Vega inlined, nothing loaded from anywhere) with the roofline, the
# Pareto front against the area proxy (this chip models no power) and one chart per swept parameter, every chart
# with titled axes, a legend, tooltips and round log ticks; the same sweep gives the same bytes; bad input is an
# error that says what to do.
#   check_sweep_report.sh WORKDIR NPUEMU SPEC
set -euo pipefail
work="$1"; npuemu="$2"; spec="$3"
here="$(cd "$(dirname "$0")" && pwd)"
rm -rf "$work"; mkdir -p "$work"
"$npuemu" sweep "$spec" --out "$work/out" --jobs 2 2>/dev/null
"$npuemu" sweep report "$work/out" 2>/dev/null
html="$work/out/report.html"
fail() { echo "FAIL: $*"; exit 1; }
python3 "$here/check_report_page.py" "$html" --figures 5 --has "Roofline per configuration" \
  --has "Pareto front" --has "chip-area proxy" --has "ridge" || fail "the page"
# The links to the points' stats are relative to the page, so the second page goes beside the first.
"$npuemu" sweep report "$work/out" -o "$work/out/again.html" 2>/dev/null
cmp "$html" "$work/out/again.html" || fail "the same sweep gave a different page"
status=0
"$npuemu" sweep report "$work/out" --metric nosuch 2>"$work/err" || status=$?
[ "$status" -eq 125 ] && grep -q "no such metric" "$work/err" || fail "unknown --metric"
status=0
NPUEMU_VEGA_DIR="$work/no-vega" "$npuemu" sweep report "$work/out" -o "$work/x.html" 2>"$work/err" || status=$?
[ "$status" -eq 125 ] && grep -q "apt-get install libjs-vega" "$work/err" || fail "missing Vega: $(cat "$work/err")"
echo "ok: report with 5 self-contained charts, deterministic, clear errors"
