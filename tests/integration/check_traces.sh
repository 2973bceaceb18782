#!/usr/bin/env bash
# Records one run as VCD, FST and Perfetto JSON, twice as VCD (determinism), and hands them to trace_check.
#   check_traces.sh WORKDIR TRACE_CHECK NPUEMU ARGS... IMAGE
set -eu
work="$1"; checker="$2"; npuemu="$3"; shift 3
mkdir -p "$work"
for format in vcd fst json; do
  "$npuemu" run -q --stats "$work/stats.json" --trace "$work/run.$format" "$@" > /dev/null
done
"$npuemu" run -q --trace "$work/again.vcd" "$@" > /dev/null
cmp "$work/run.vcd" "$work/again.vcd" || { echo "FAIL: two runs gave different VCD traces"; exit 1; }
"$checker" "$work/run.vcd" "$work/run.fst" "$work/run.json" "$work/stats.json"
