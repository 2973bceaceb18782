#!/usr/bin/env bash
# npuemu cluster --report: the Megatron Selene configuration gives a page with the step's time and the per-chip
# throughput budget as waterfalls (one mark per part), the strong-scaling curve and a table of figures, drawn in
# headless chromium without script errors; the same inputs give the same bytes. With a facility (the 10,240-chip air
# cluster, one rack hot), two more: the racks' inlet and die temperatures and their clocks.
#   check_cluster_report.sh WORKDIR NPUEMU SOURCE_DIR
set -euo pipefail
work="$1"; npuemu="$2"; source_dir="$3"
here="$(cd "$(dirname "$0")" && pwd)"
rm -rf "$work"; mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
config="$source_dir/configs/clusters/megatron_selene/selene.yaml"
"$npuemu" cluster -q "$config" --report "$work/cluster.html"
python3 "$here/check_report_page.py" "$work/cluster.html" --figures 4 --has "Where one training step" --has "Strong scaling" \
  --has "from dense peak" --has "MFU" || fail "the page"
source "$here/report_browser.sh"
render "$work/cluster.html" "$work/dom.html" "$work/cluster.png"
python3 "$here/check_report_dom.py" "$work/dom.html" --figures 4 || fail "the rendered report"
"$npuemu" cluster -q "$config" --report "$work/again.html"
cmp "$work/cluster.html" "$work/again.html" || fail "the same inputs gave a different report"

heat="$source_dir/configs/clusters/gpt3_10k/npuemu_air.yaml"
"$npuemu" cluster -q "$heat" --set facility.hot_racks=1 --set facility.hot_inlet_mC=60000 --report "$work/heat.html"
python3 "$here/check_report_page.py" "$work/heat.html" --figures 6 --has "Inlet and die temperature per rack" \
  --has "Clock per rack" --has "stragglers" || fail "the heat page"
render "$work/heat.html" "$work/heat_dom.html" "$work/heat.png"
python3 "$here/check_report_dom.py" "$work/heat_dom.html" --figures 6 || fail "the rendered heat report"
echo "ok: cluster report with 2 waterfalls (one mark per part) and 2 scaling charts, deterministic; with a facility, 2 rack charts"
