#!/usr/bin/env bash
# npuemu run --report: gemm on the default chip (it models power) gives a page with per-tile utilisation, busy and
# stall cycles, HBM and mesh heat maps and temperature, frequency and power over time, each drawing one mark per
# point in headless chromium; on the test chip (no power model) the page says why there is nothing over time; a
# report that cannot be written fails before the run; the same run gives the same bytes; a system of chips gets its
# own page (every chip's tiles, every link direction, the traffic between chips).
#   check_run_report.sh WORKDIR NPUEMU FIRMWARE_DIR
set -euo pipefail
work="$1"; npuemu="$2"; fw="$3"
here="$(cd "$(dirname "$0")" && pwd)"
rm -rf "$work"; mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
"$npuemu" run -q "$fw/gemm.elf" --report "$work/run.html" > /dev/null
python3 "$here/check_report_page.py" "$work/run.html" --figures 8 --has "Temperature over time" \
  --has "HBM channels" --has "Mesh links between routers" || fail "the page"
source "$here/report_browser.sh"
render "$work/run.html" "$work/dom.html" "$work/run.png"
python3 "$here/check_report_dom.py" "$work/dom.html" --figures 8 || fail "the rendered report"
"$npuemu" run -q "$fw/gemm.elf" --report "$work/again.html" > /dev/null
cmp "$work/run.html" "$work/again.html" || fail "the same run gave a different report"
"$npuemu" run -q -c test "$fw/gemm.elf" --report "$work/test_chip.html" > /dev/null
python3 "$here/check_report_page.py" "$work/test_chip.html" --has "has no power section" || fail "no power model"
status=0
"$npuemu" run -q "$fw/gemm.elf" --report "$work/no/such/dir/run.html" > "$work/out.txt" 2> "$work/err" || status=$?
[ "$status" -eq 125 ] && grep -q "cannot write the report" "$work/err" || fail "an unwritable report: $(cat "$work/err")"
[ ! -s "$work/out.txt" ] || fail "the run went ahead although its report could not be written"
# A system of chips: its own page (tiles of every chip, every link direction, traffic from chip to chip).
"$npuemu" run -q --report "$work/system.html" --system pod8 --set chips.config=test "$fw/chip_ring.elf" > /dev/null
python3 "$here/check_report_page.py" "$work/system.html" --figures 4 --has "Links: each direction" \
  --has "from chip to chip" --has "fabric.doorbells" || fail "the system page"
render "$work/system.html" "$work/system_dom.html" "$work/system.png"
python3 "$here/check_report_dom.py" "$work/system_dom.html" --figures 4 || fail "the rendered system report"
echo "ok: run report with 8 charts, one mark per point; no power model said; bad path refused before the run; system report with 4 charts"
