#!/usr/bin/env bash
# A cluster sweep (workloads of kind cluster: each point one `npuemu cluster` step): every point's step.json is
# byte-identical to running `npuemu cluster FILE --set ...` alone and its metrics are that step's numbers; a rerun
# resumes everything, an edited cluster file makes new points; the report draws the loss budget and the power front;
# bad keys, a plan that does not divide, a metric the step does not have and a spec mixing kinds are refused before
# anything runs, naming the spec line.
#   check_sweep_cluster.sh WORKDIR NPUEMU CONFIG_DIR
set -euo pipefail
work="$1"; npuemu="$2"; configs="$3"
rm -rf "$work"; mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
# Selene's GPT 145B row (A100 comparators) in a facility, with a speed spread so stragglers exist.
cp "$configs/clusters/megatron_selene/selene.yaml" "$work/cluster.yaml"
cat >> "$work/cluster.yaml" <<YAML
facility: {chips_per_rack: 32, node_overhead_w: 1000, pue: 1.3, straggler_policy: wait}
variation: {seed: 3, speed_sigma: 0.02}
YAML
cat > "$work/spec.yaml" <<YAML
sweep: {name: cluster-small}
workloads:
  - {name: selene, cluster: cluster.yaml}
parameters:
  - grid:
      chips.count: [768, 1536]
      facility.straggler_policy: [wait, none]
metrics:
  - step_s
  - tokens_per_s
  - mfu
  - losses.stragglers.s
  - heat.power.facility_w
  - {name: stragglers_share, expr: losses.stragglers.s / step_s}
YAML
"$npuemu" sweep "$work/spec.yaml" --out "$work/out" --jobs 2 2>"$work/sweep.err" \
  || { cat "$work/sweep.err"; fail "sweep"; }
grep -q "4 points: 4 ran, 0 resumed, 0 failed" "$work/sweep.err" || { cat "$work/sweep.err"; fail "summary"; }
[ "$(jq -r .kind "$work/out/manifest.json")" = cluster ] || fail "manifest kind"
csv="$work/out/results.csv"
expected="index,id,workload,chips.count,facility.straggler_policy,status,exit_code,step_s,tokens_per_s,mfu"
expected+=",losses.stragglers.s,heat.power.facility_w,stragglers_share,error"
[ "$(head -1 "$csv")" = "$expected" ] || fail "header $(head -1 "$csv")"
[ "$(grep -c ",ok,0," "$csv")" -eq 4 ] || { cat "$csv"; fail "every point should be ok"; }

cluster=$(jq -r '.workloads[0].cluster' "$work/out/manifest.json")
for i in 0 1 2 3; do
  id=$(jq -r ".points[$i].id" "$work/out/manifest.json")
  sets=()
  while IFS= read -r kv; do sets+=(--set "$kv"); done \
    < <(jq -r ".points[$i].settings | to_entries[] | \"\(.key)=\(.value)\"" "$work/out/manifest.json")
  "$npuemu" cluster "$cluster" "${sets[@]}" --out "$work/alone_$i.json" --quiet
  cmp -s "$work/alone_$i.json" "$work/out/points/$id/step.json" \
    || fail "point $i: step.json differs from npuemu cluster ${sets[*]}"
  for m in step_s tokens_per_s mfu; do
    [ "$(jq ".metrics.$m" "$work/out/points/$id/result.json")" = "$(jq ".$m" "$work/alone_$i.json")" ] \
      || fail "point $i: metric $m"
  done
  strag=$(jq '.metrics."losses.stragglers.s"' "$work/out/points/$id/result.json")
  [ "$strag" = "$(jq '.losses.stragglers.s' "$work/alone_$i.json")" ] || fail "point $i: losses.stragglers.s"
  policy=$(jq -r ".points[$i].settings.\"facility.straggler_policy\"" "$work/out/manifest.json")
  if [ "$policy" = wait ]; then
    jq -e "$strag > 0" <<< null >/dev/null || fail "point $i: waiting for stragglers should cost time ($strag)"
  else
    jq -e "$strag == 0" <<< null >/dev/null || fail "point $i: no stragglers with policy none ($strag)"
  fi
done

# Resume: nothing to do. An edited cluster file (even a comment) is another input: every point runs again.
"$npuemu" sweep "$work/spec.yaml" --out "$work/out" --jobs 2 2>"$work/again.err"
grep -q "4 points: 0 ran, 4 resumed" "$work/again.err" || { cat "$work/again.err"; fail "resume"; }
echo "# edited" >> "$work/cluster.yaml"
"$npuemu" sweep "$work/spec.yaml" --out "$work/out" --jobs 2 2>"$work/edited.err"
grep -q "4 points: 4 ran, 0 resumed" "$work/edited.err" \
  || { cat "$work/edited.err"; fail "an edited cluster file must rerun"; }

"$npuemu" sweep report "$work/out" --out "$work/report.html" 2>/dev/null
grep -q "Where each point" "$work/report.html" || fail "report: no loss budget chart"
grep -q "Throughput vs facility power" "$work/report.html" || fail "report: no power front"
grep -q "step.json" "$work/report.html" || fail "report: ids should link to step.json"

# Bad input, before anything runs (exit 125), naming the spec line and key.
expect_error() {  # spec text, then the message expected on stderr
  printf '%s\n' "$1" > "$work/bad.yaml"
  local status=0
  "$npuemu" sweep "$work/bad.yaml" --out "$work/never" 2>"$work/bad.err" || status=$?
  [ "$status" -eq 125 ] || { cat "$work/bad.err"; fail "exit status $status for: $2"; }
  grep -qF -- "$2" "$work/bad.err" || { cat "$work/bad.err"; fail "expected: $2"; }
  [ ! -e "$work/never/points" ] || [ -z "$(ls "$work/never/points")" ] || fail "a point ran for: $2"
}
head='workloads: [{name: selene, cluster: cluster.yaml}]'
expect_error "$head
parameters:
  - grid:
      plan.tensor_paralel: [8]" "bad.yaml:4:7: parameters[0].grid.plan.tensor_paralel: --set plan.tensor_paralel=8"
expect_error "$head
parameters:
  - grid:
      chips.count: [1000]" "bad.yaml: point 0 (selene chips.count=1000): "
expect_error "$head
parameters:
  - grid: {chips.count: [1536]}
metrics: [step_s, losses.nonsense.s]" "metrics[1]: no value 'losses.nonsense.s' in the step of workload 'selene'"
expect_error "workloads:
  - {name: selene, cluster: cluster.yaml}
  - {name: gemm, image: cluster.yaml}
parameters:
  - grid: {chips.count: [1536]}" "every workload of a sweep is firmware (image:) or every one a cluster (cluster:)"
expect_error "sweep: {base: test}
$head
parameters:
  - grid: {chips.count: [1536]}" "sweep.base: a cluster sweep's settings apply to each workload's cluster file"
expect_error "workloads: [{name: selene, cluster: cluster.yaml, args: [--out, x.json]}]
parameters:
  - grid: {chips.count: [1536]}" "'--out' is set by the sweep itself"
echo "ok: 4 cluster points equal their steps run alone; resume, rerun on an edited file, report, bad input"
