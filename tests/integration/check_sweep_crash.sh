#!/usr/bin/env bash
# A point that crashes under the sweep's forked workers is recorded as failed with its signal, the other points run
# on, and a resume reruns only the crashed ones. The crash is real: the test sends SIGSEGV to the point's process
# (a forked copy of the sweep process, whose command line is the sweep's), chosen as a spin_forever point that would
# otherwise run for a very long time; the hello points finish on their own.
#   check_sweep_crash.sh WORKDIR NPUEMU FIRMWARE_DIR
set -euo pipefail
work="$1"; npuemu="$2"; fw="$3"
# In the sanitizer build AddressSanitizer's SEGV handler would catch the signal and end the point with exit status 1
# instead of letting it die by the signal: this test is about the signal reaching the sweep, so let it through.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0"
rm -rf "$work"; mkdir -p "$work"
cat > "$work/spec.yaml" <<YAML
sweep: {name: crash, base: test}
workloads:                     # points in this order: the spin points (0, 1), then the hello points (2, 3)
  - {name: spin, image: $fw/spin_forever.elf, args: ["--max-cycles", "1000000000000"]}
  - {name: hello, image: $fw/hello.elf}
parameters:
  - grid:
      chip.tiles: [1, 2]
metrics: [sim.cycles]
YAML
out="$work/out"

# Runs the sweep with --jobs 1 and sends SIGSEGV to each spin point's process while it runs; sets status to the
# sweep's exit status. A failure (or the sweep not ending within 120 s) stops the sweep too.
sweep=""
trap '[ -n "$sweep" ] && kill -KILL "$sweep" 2>/dev/null; true' EXIT
fail() { echo "FAIL: $*"; exit 1; }
run_and_crash() {
  local err="$1"
  status=0
  "$npuemu" sweep "$work/spec.yaml" --out "$out" --jobs 1 2>"$err" &
  sweep=$!
  local deadline=$((SECONDS + 120))
  while kill -0 "$sweep" 2>/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || fail "the sweep did not end"
    for child in $(pgrep -P "$sweep" || true); do
      console=$(readlink "/proc/$child/fd/1" 2>/dev/null || true)
      id=$(basename "$(dirname "$console")")
      [ -f "$out/manifest.json" ] || continue
      workload=$(jq -r --arg id "$id" '.points[] | select(.id == $id) | .workload' "$out/manifest.json")
      [ "$workload" = spin ] || continue
      # A forked worker, not the binary started again: its command line is the sweep's.
      tr '\0' ' ' < "/proc/$child/cmdline" | grep -q " sweep " || fail "point $id is not a forked worker"
      kill -SEGV "$child" 2>/dev/null || true
    done
    sleep 0.05
  done
  wait "$sweep" || status=$?
  sweep=""
}

run_and_crash "$work/first.err"
[ "$status" -eq 1 ] || { echo "FAIL: sweep exit status $status, expected 1"; cat "$work/first.err"; exit 1; }
grep -q "4 points: 4 ran, 0 resumed, 2 failed" "$work/first.err" || { echo "FAIL: summary"; cat "$work/first.err"; exit 1; }
csv="$out/results.csv"
[ "$(wc -l < "$csv")" -eq 5 ] || { echo "FAIL: results.csv should have 4 rows"; cat "$csv"; exit 1; }
[ "$(grep -c ',hello,.*,ok,0,' "$csv")" -eq 2 ] || { echo "FAIL: both hello points should be ok"; cat "$csv"; exit 1; }
[ "$(grep -c ',spin,.*,failed,-1,.*killed by signal 11 (Segmentation fault)' "$csv")" -eq 2 ] \
  || { echo "FAIL: both spin points should be failed, killed by signal 11"; cat "$csv"; exit 1; }
# --jobs 1: the hello points ran after the spin points had crashed.
[ "$(grep -c 'FAILED: killed by signal 11' "$work/first.err")" -eq 2 ] || { echo "FAIL: stderr"; cat "$work/first.err"; exit 1; }
for f in "$out"/points/*/result.json; do
  case "$(jq -r .workload "$f")" in
    hello) [ "$(jq -r .status "$f")" = ok ] || { echo "FAIL: $f"; exit 1; } ;;
    spin) [ "$(jq -r .status "$f")" = failed ] && jq -r .error "$f" | grep -q "killed by signal 11" \
            || { echo "FAIL: $f"; exit 1; } ;;
  esac
done
mkdir -p "$work/hello"
for f in "$out"/points/*/result.json; do
  [ "$(jq -r .workload "$f")" = hello ] && cp "$f" "$work/hello/$(basename "$(dirname "$f")").json"
done

# A resume keeps the finished hello points and reruns the crashed spin points (crashed again here).
run_and_crash "$work/second.err"
[ "$status" -eq 1 ] || { echo "FAIL: resumed sweep exit status $status, expected 1"; cat "$work/second.err"; exit 1; }
grep -q "4 points: 2 ran, 2 resumed, 2 failed" "$work/second.err" || { echo "FAIL: resume summary"; cat "$work/second.err"; exit 1; }
for f in "$work"/hello/*.json; do
  cmp -s "$f" "$out/points/$(basename "$f" .json)/result.json" || { echo "FAIL: hello point $(basename "$f") was rerun"; exit 1; }
done
echo "ok: two crashed points recorded with their signal, the others ran; the resume reran only the crashed ones"
