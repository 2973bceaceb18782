#!/usr/bin/env bash
# A small sweep's results equal running each point alone: for every point in the manifest, `npuemu run --set ...`
# gives the same exit status and the same counters as the point's stats.json, and results.csv holds those values.
# A failing point (exit_code.elf exits 40) is recorded as failed and does not stop the sweep.
#   check_sweep_equals_run.sh WORKDIR NPUEMU FIRMWARE_DIR
set -euo pipefail
work="$1"; npuemu="$2"; fw="$3"
rm -rf "$work"; mkdir -p "$work"
cat > "$work/spec.yaml" <<YAML
sweep: {name: equals-run, base: test}
workloads:
  - {name: gemm, image: $fw/gemm.elf}
  - {name: exit40, image: $fw/exit_code.elf}
parameters:
  - grid:
      chip.tiles: [1, 2]
  - zip:
      npu.matrix.rows: [8, 16]
      npu.matrix.cols: [8, 32]
metrics:
  - sim.cycles
  - npu.macs
  - name: macs_per_cycle
    expr: npu.macs / sim.cycles
YAML
status=0
"$npuemu" sweep "$work/spec.yaml" --out "$work/out" --jobs 2 2>"$work/sweep.err" || status=$?
[ "$status" -eq 1 ] || { echo "FAIL: sweep exit status $status, expected 1 (the exit40 points fail)"; cat "$work/sweep.err"; exit 1; }
grep -q "8 points: 8 ran, 0 resumed, 4 failed" "$work/sweep.err" || { echo "FAIL: summary"; cat "$work/sweep.err"; exit 1; }
csv="$work/out/results.csv"
[ "$(wc -l < "$csv")" -eq 9 ] || { echo "FAIL: results.csv should have a header and 8 rows"; cat "$csv"; exit 1; }
header=$(head -1 "$csv")
[ "$header" = "index,id,workload,chip.tiles,npu.matrix.rows,npu.matrix.cols,status,exit_code,sim.cycles,npu.macs,macs_per_cycle,error" ] \
  || { echo "FAIL: header $header"; exit 1; }

n=$(jq '.points | length' "$work/out/manifest.json")
for i in $(seq 0 $((n - 1))); do
  id=$(jq -r ".points[$i].id" "$work/out/manifest.json")
  workload=$(jq -r ".points[$i].workload" "$work/out/manifest.json")
  image=$(jq -r --arg w "$workload" '.workloads[] | select(.name == $w) | .image' "$work/out/manifest.json")
  sets=()
  while IFS= read -r kv; do sets+=(--set "$kv"); done < <(jq -r ".points[$i].settings | to_entries[] | \"\(.key)=\(.value)\"" "$work/out/manifest.json")
  alone=0
  "$npuemu" run -c test "${sets[@]}" --stats "$work/alone_$i.json" "$image" >/dev/null 2>&1 || alone=$?
  row=$(awk -F, -v i="$i" '$1 == i' "$csv")
  [ -n "$row" ] || { echo "FAIL: no row for point $i"; exit 1; }
  [ "$(echo "$row" | cut -d, -f8)" = "$alone" ] || { echo "FAIL: point $i exit status: csv '$row', alone $alone"; exit 1; }
  diff <(jq -S .counters "$work/alone_$i.json") <(jq -S .counters "$work/out/points/$id/stats.json") >/dev/null \
    || { echo "FAIL: point $i ($workload ${sets[*]}): counters differ from running it alone"; exit 1; }
  if [ "$alone" -eq 0 ]; then
    [ "$(echo "$row" | cut -d, -f7)" = ok ] || { echo "FAIL: point $i should be ok: $row"; exit 1; }
    [ "$(echo "$row" | cut -d, -f9)" = "$(jq '.counters["sim.cycles"]' "$work/alone_$i.json")" ] \
      || { echo "FAIL: point $i sim.cycles: $row"; exit 1; }
    [ "$(echo "$row" | cut -d, -f10)" = "$(jq '.counters["npu.macs"]' "$work/alone_$i.json")" ] \
      || { echo "FAIL: point $i npu.macs: $row"; exit 1; }
  else
    [ "$(echo "$row" | cut -d, -f7)" = failed ] || { echo "FAIL: point $i should have failed: $row"; exit 1; }
    echo "$row" | grep -q "exit status 40" || { echo "FAIL: point $i error should say exit status 40: $row"; exit 1; }
  fi
done
echo "ok: $n points equal their runs alone"
