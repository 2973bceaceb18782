#!/usr/bin/env bash
# Two builds side by side on the same workload, runs interleaved (A B A B ...) so the machine's drift hits both:
# median wall seconds of each and their ratio. For "speed unchanged" claims and speed-ups.
#   bash bench/compare_builds.sh OLD_BUILD NEW_BUILD [RUNS] -- ARGS...   (ARGS after `npuemu run`; firmware paths
#   may use {build}, replaced by each build's directory, e.g. {build}/firmware/cpubench.elf)
# MEASURE=cpu compares host CPU seconds (user + sys, /usr/bin/time) instead: on a loaded machine wall time is
# mostly waiting for a core.
set -euo pipefail
old="$1"; new="$2"; shift 2
runs=5
if [ "${1:-}" != "--" ]; then runs="$1"; shift; fi
[ "${1:-}" = "--" ] && shift
measure="${MEASURE:-wall}"
wall() {  # build, args...: wall seconds of one run (from the summary's host line), or CPU seconds (MEASURE=cpu)
  local build="$1"; shift
  local args=("${@//\{build\}/$build}")
  if [ "$measure" = cpu ]; then
    /usr/bin/time -f 'cpu %U %S' "$build/bin/npuemu" run "${args[@]}" 2>&1 >/dev/null | awk '$1 == "cpu" {print $2 + $3}'
  else
    "$build/bin/npuemu" run "${args[@]}" 2>&1 >/dev/null | sed -n 's/.*host: *\([0-9.]*\) s wall.*/\1/p'
  fi
}
a=(); b=()
for _ in $(seq "$runs"); do
  a+=("$(wall "$old" "$@")"); b+=("$(wall "$new" "$@")")
done
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
ma=$(median "${a[@]}"); mb=$(median "${b[@]}")
echo "old $old: ${ma} s   new $new: ${mb} s ($measure)   new/old = $(awk -v a="$ma" -v b="$mb" 'BEGIN {printf "%.3f", b / a}')   (median of $runs, interleaved)"
