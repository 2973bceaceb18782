#!/usr/bin/env bash
# Kill a sweep with SIGKILL mid-way, then run the same command again: nothing finished is lost or rerun, results.csv
# was never corrupt, no point process outlives the sweep, and the resumed sweep completes every point.
#   check_sweep_resume.sh WORKDIR NPUEMU FIRMWARE_DIR
set -euo pipefail
work="$1"; npuemu="$2"; fw="$3"
rm -rf "$work"; mkdir -p "$work"
cat > "$work/spec.yaml" <<YAML
sweep: {name: resume, base: test}
workloads:
  - {name: cpubench, image: $fw/cpubench.elf}
parameters:
  - grid:
      core.quantum_cycles: [500, 1000, 2000, 4000, 8000]
      chip.tiles: [1, 2]
metrics: [sim.cycles]
YAML
out="$work/out"
"$npuemu" sweep "$work/spec.yaml" --out "$out" --jobs 2 2>"$work/first.err" &
pid=$!
for _ in $(seq 1 600); do
  done_now=$( (find "$out/points" -name result.json 2>/dev/null || true) | wc -l)
  [ "$done_now" -ge 3 ] && break
  sleep 0.02
done
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
sleep 0.2
before=$(find "$out/points" -name result.json | wc -l)
[ "$before" -ge 3 ] && [ "$before" -lt 10 ] || { echo "FAIL: killed with $before of 10 finished; expected mid-way"; exit 1; }
# Points die with the sweep (PR_SET_PDEATHSIG): nothing keeps writing into the directory. A point is a forked copy
# of the sweep process (its command line is the sweep's, naming $out) or, started afresh, `npuemu run` naming
# $out/points/...: either way its command line holds $out.
if pgrep -f "$out" >/dev/null; then echo "FAIL: a point process outlived the killed sweep"; exit 1; fi
# results.csv is whole: a header and one row per finished point, never a torn file.
if [ -f "$out/results.csv" ]; then
  head -1 "$out/results.csv" | grep -q "^index,id,workload" || { echo "FAIL: results.csv header"; exit 1; }
  awk -F, 'NR > 1 && NF != 9 { exit 1 }' "$out/results.csv" || { echo "FAIL: a torn row in results.csv"; exit 1; }
fi
mkdir -p "$work/finished"
for f in "$out"/points/*/result.json; do cp "$f" "$work/finished/$(basename "$(dirname "$f")").json"; done
finished=$(ls "$work/finished" | wc -l)

"$npuemu" sweep "$work/spec.yaml" --out "$out" --jobs 2 2>"$work/second.err"
grep -q "10 points: $((10 - finished)) ran, $finished resumed, 0 failed" "$work/second.err" \
  || { echo "FAIL: expected $((10 - finished)) ran and $finished resumed"; cat "$work/second.err"; exit 1; }
for f in "$work"/finished/*.json; do
  cmp -s "$f" "$out/points/$(basename "$f" .json)/result.json" || { echo "FAIL: finished point $(basename "$f") was rerun or lost"; exit 1; }
done
[ "$(wc -l < "$out/results.csv")" -eq 11 ] || { echo "FAIL: results.csv should have 10 rows"; cat "$out/results.csv"; exit 1; }
[ "$(grep -c ",ok,0," "$out/results.csv")" -eq 10 ] || { echo "FAIL: every point should be ok"; cat "$out/results.csv"; exit 1; }
# A third run has nothing left to do.
"$npuemu" sweep "$work/spec.yaml" --out "$out" --jobs 2 2>"$work/third.err"
grep -q "10 points: 0 ran, 10 resumed" "$work/third.err" || { echo "FAIL: third run"; cat "$work/third.err"; exit 1; }
echo "ok: killed after $finished of 10 points; resume ran the other $((10 - finished)) and kept every finished one"
