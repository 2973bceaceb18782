#!/usr/bin/env bash
# sweep report: a self-contained HTML page (no network: no src=/href= to anything, no external URL but the SVG
# namespace) with a roofline, the Pareto front and one chart per swept parameter, every SVG well-formed XML.
#   check_sweep_report.sh WORKDIR NPUEMU SPEC
set -euo pipefail
work="$1"; npuemu="$2"; spec="$3"
rm -rf "$work"; mkdir -p "$work"
"$npuemu" sweep "$spec" --out "$work/out" --jobs 2 2>/dev/null
"$npuemu" sweep report "$work/out" 2>/dev/null
html="$work/out/report.html"
fail() { echo "FAIL: $*"; exit 1; }
grep -q "Roofline per configuration" "$html" || fail "no roofline"
grep -q "Pareto front" "$html" || fail "no Pareto front"
grep -q "chip-area proxy" "$html" || fail "the page should say what stands in for power"
[ "$(grep -o "<svg " "$html" | wc -l)" -eq 5 ] || fail "expected 5 charts (roofline, Pareto, 3 parameters)"
! grep -qE "(src|href)=\"(https?:)?//" "$html" || fail "the page loads something from the network"
[ "$(grep -oE "https?://[^\"]*" "$html" | sort -u)" = "http://www.w3.org/2000/svg" ] || fail "an external URL"
python3 - "$html" <<'PY' || fail "an SVG is not well-formed"
import re, sys, xml.dom.minidom
for svg in re.findall(r"<svg.*?</svg>", open(sys.argv[1]).read(), re.S):
    xml.dom.minidom.parseString(svg)
PY
status=0
"$npuemu" sweep report "$work/out" --metric nosuch 2>"$work/err" || status=$?
[ "$status" -eq 125 ] && grep -q "no such metric" "$work/err" || fail "unknown --metric"
echo "ok: report with 5 self-contained charts"
