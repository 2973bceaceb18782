#!/usr/bin/env bash
# npuemu cluster --report: the Megatron Selene configuration gives a page with the step's time and the per-chip
# throughput budget as waterfalls (one mark per part), the strong-scaling curve and a table of figures, drawn in
# headless chromium without script errors; the same inputs give the same bytes. With a facility (the 10,240-chip air
# cluster, one rack hot), two more: the racks' inlet and die temperatures and their clocks. Inference serving's page.
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
# Inference serving: latency against the request rate, the decode step and its throughput against the batch; above
# the capacity the latency chart is left out and the page says why.
serving="$source_dir/configs/clusters/inference/llama3_70b_h100.yaml"
"$npuemu" cluster -q "$serving" --report "$work/inference.html"
python3 "$here/check_report_page.py" "$work/inference.html" --figures 3 --has "Latency against the request rate" \
  --has "One decode step of a replica" --has "time to first token" || fail "the inference page"
render "$work/inference.html" "$work/inference_dom.html" "$work/inference.png"
python3 "$here/check_report_dom.py" "$work/inference_dom.html" --figures 3 || fail "the rendered inference report"
"$npuemu" cluster -q "$serving" --set workload.request_rate_per_s=100 --report "$work/saturated.html"
python3 "$here/check_report_page.py" "$work/saturated.html" --figures 2 --has "queue without bound" \
  || fail "the saturated inference page"
echo "ok: cluster report with 2 waterfalls (one mark per part) and 2 scaling charts, deterministic; with a facility, 2 rack charts; inference serving 3 charts (2 when saturated)"
