#!/usr/bin/env bash
# The sweep report in a real browser (Debian's chromium, headless, no network): the page's scripts run without an
# error, every chart draws one mark per point (counted in the SVG Vega drew), it renders to a PNG, tooltips name
# their point and the table sorts; and a sweep directory with a failed and a missing point shows them as failed,
# with their error, and charts the rest.
#   check_sweep_report_browser.sh WORKDIR NPUEMU SPEC
set -euo pipefail
work="$1"; npuemu="$2"; spec="$3"
here="$(cd "$(dirname "$0")" && pwd)"
rm -rf "$work"; mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
"$npuemu" sweep "$spec" --out "$work/out" --jobs 2 > /dev/null 2>&1
"$npuemu" sweep report "$work/out" > /dev/null 2>&1
points=$(($(wc -l < "$work/out/results.csv") - 1))
# On the roofline: the points with MACs (hello has none: a note says so, it is not drawn).
with_macs=$(grep -vc ",hello," "$work/out/results.csv")
with_macs=$((with_macs - 1))
python3 "$here/check_report_page.py" "$work/out/report.html" --has "intensity is unbounded" \
  --has "did no MACs (npu.macs = 0)" || fail "the page"
source "$here/report_browser.sh"
render "$work/out/report.html" "$work/dom.html" "$work/report.png"
python3 "$here/check_report_dom.py" "$work/dom.html" --points "$points" --title-points "Roofline=$with_macs" \
  || fail "the rendered report"
# Hovering a point names it (id, parameters); a click on a column header sorts the table by it.
first=$(sed -n 2p "$work/out/results.csv" | cut -d, -f2)
timeout 120 python3 "$here/check_report_interaction.py" "$work/out/report.html" "$first" thermal.cooling sim.cycles \
  || fail "tooltips or sorting"
python3 - "$work/dom.html" "$work/out" "$points" <<'PY' || fail "the table's links to the points' stats"
import os, re, sys
links = re.findall(r'<td><a href="([^"]+)">', open(sys.argv[1]).read())
assert len(links) == int(sys.argv[3]), "%d links for %s points" % (len(links), sys.argv[3])
for href in links:
    assert os.path.isfile(os.path.join(sys.argv[2], href)) and href.endswith("stats.json"), href
PY

# Bad input: point 1 failed (its result says so), point 4 never ran (no result.json).
cp -r "$work/out" "$work/bad"
failed=$(sed -n 3p "$work/out/results.csv" | cut -d, -f2)
missing=$(sed -n 6p "$work/out/results.csv" | cut -d, -f2)
python3 - "$work/bad/points/$failed/result.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r.update(status="failed", exit_code=3, error="exit status 3: injected by the test", metrics={})
json.dump(r, open(sys.argv[1], "w"))
PY
rm "$work/bad/points/$missing/result.json"
"$npuemu" sweep report "$work/bad" > /dev/null 2>&1
render "$work/bad/report.html" "$work/bad_dom.html" "$work/bad.png"
python3 "$here/check_report_dom.py" "$work/bad_dom.html" --points $((points - 2)) \
  --title-points "Roofline=$((with_macs - 2))" || fail "the report of a bad sweep"
grep -q "<td class=\"failed\">failed</td>" "$work/bad_dom.html" || fail "the failed point is not shown as failed"
grep -q "<td class=\"failed\">not run</td>" "$work/bad_dom.html" || fail "the missing point is not shown as not run"
grep -q "$failed ([^)]*): failed: exit status 3: injected by the test" "$work/bad_dom.html" || fail "no error for $failed"
grep -q "$missing ([^)]*): not run: no result.json" "$work/bad_dom.html" || fail "no reason for $missing"
# Nothing finished: no empty charts, a sentence, and every point in the table as not run.
cp -r "$work/out" "$work/none"
rm "$work/none"/points/*/result.json
"$npuemu" sweep report "$work/none" > /dev/null 2>&1
render "$work/none/report.html" "$work/none_dom.html" "$work/none.png"
python3 "$here/check_report_dom.py" "$work/none_dom.html" --figures 0 || fail "the report of a sweep with no result"
grep -q "No point finished: there is nothing to chart yet." "$work/none_dom.html" || fail "no word on the empty sweep"
[ "$(grep -o "<td class=\"failed\">not run</td>" "$work/none_dom.html" | wc -l)" -eq "$points" ] \
  || fail "not every point of the empty sweep is shown as not run"
echo "ok: chromium drew every point of every chart; failed ($failed) and missing ($missing) points shown as such"
