#!/usr/bin/env bash
# Small sweep points: where one point's time goes, and points per minute of configs/sweeps/gemm_small.yaml (144
# points, a 64x64x64 INT8 GEMM on the test chip) with --jobs 2, for two builds run alternately (OLD NEW OLD NEW ...)
# so the machine's drift hits both. Wall time on a shared machine says more about the other processes than about
# npuemu: the CPU seconds (user + sys of the sweep and every point) are given beside it, and "points/min at 2 free
# cores" = points / (CPU seconds / 2).
#   bash bench/sweep_points.sh OLD_BUILD NEW_BUILD [ROUNDS]     (ROUNDS default 3; one build: pass it twice)
# Needs perf (Debian's linux-perf) for the per-stage breakdown; without it that part is skipped.
set -euo pipefail
old="$(realpath "$1")"; new="$(realpath "$2")"; rounds="${3:-3}"
root="$(cd "$(dirname "$0")/.." && pwd)"
spec="$root/configs/sweeps/gemm_small.yaml"
job="$root/configs/sweeps/jobs/gemm_64_int8.job@0x81000000"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One point's CPU milliseconds, stage by stage, as separate processes of NEW (each line adds one stage to the one
# before): what a point started afresh (exec) costs; the forked points of a sweep skip the first two stages.
if command -v perf >/dev/null; then
  cpu_ms() { perf stat -x, -e task-clock -r 20 "$@" 2>&1 >/dev/null | awk -F, '/task-clock/ {printf "%.2f", $1}'; }
  image="$new/firmware/gemm.elf"
  echo "one point of NEW, CPU ms (perf stat task-clock, mean of 20):"
  printf '  %-58s %6s\n' "exec of /bin/true (the kernel's share of any process)" "$(cpu_ms /bin/true)"
  printf '  %-58s %6s\n' "npuemu --version (+ loading libraries, static init)" "$(cpu_ms "$new/bin/npuemu" --version)"
  printf '  %-58s %6s\n' "npuemu info -c test (+ config and HBM preset parsed)" "$(cpu_ms "$new/bin/npuemu" info -c test)"
  printf '  %-58s %6s\n' "npuemu run --check (+ ELF, --load, chip elaborated)" \
    "$(cpu_ms "$new/bin/npuemu" run --check -c test --load "$job" "$image")"
  printf '  %-58s %6s\n' "npuemu run -q (+ simulated, torn down)" \
    "$(cpu_ms "$new/bin/npuemu" run -q -c test --load "$job" "$image")"
  printf '  %-58s %6s\n' "npuemu run --stats (+ summary, stats.json: a sweep point)" \
    "$(cpu_ms "$new/bin/npuemu" run -c test --load "$job" --stats "$work/stats.json" "$image")"
fi

sweep() {  # build: prints "wall cpu" seconds of the whole sweep (validation included)
  rm -rf "$work/out"
  /usr/bin/time -f "%e %U %S" -o "$work/time" "$1/bin/npuemu" sweep "$spec" --out "$work/out" --jobs 2 2>/dev/null
  grep -c ",ok," "$work/out/results.csv" | grep -qx 144 || { echo "not every point ran ok" >&2; exit 1; }
  awk '{printf "%s %.2f", $1, $2 + $3}' "$work/time"
}
echo "configs/sweeps/gemm_small.yaml, 144 points, --jobs 2 (wall s, CPU s, points/min by wall, at 2 free cores):"
declare -a wall_old wall_new cpu_old cpu_new
for round in $(seq "$rounds"); do
  for which in old new; do
    build=$old; [ "$which" = new ] && build=$new
    read -r wall cpu <<< "$(sweep "$build")"
    printf '  round %d %-3s %6.2f s wall %6.2f s CPU  %5.0f points/min  %5.0f at 2 free cores\n' "$round" "$which" \
      "$wall" "$cpu" "$(echo "144 * 60 / $wall" | bc -l)" "$(echo "144 * 60 / ($cpu / 2)" | bc -l)"
    eval "wall_$which+=($wall); cpu_$which+=($cpu)"
  done
done
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
wo=$(median "${wall_old[@]}"); wn=$(median "${wall_new[@]}"); co=$(median "${cpu_old[@]}"); cn=$(median "${cpu_new[@]}")
printf 'median: old %.2f s wall %.2f s CPU, new %.2f s wall %.2f s CPU; new/old: wall %.2f, CPU %.2f\n' \
  "$wo" "$co" "$wn" "$cn" "$(echo "$wn / $wo" | bc -l)" "$(echo "$cn / $co" | bc -l)"
printf 'points/min: old %.0f, new %.0f (by wall); at 2 free cores: old %.0f, new %.0f\n' "$(echo "8640 / $wo" | bc -l)" \
  "$(echo "8640 / $wn" | bc -l)" "$(echo "17280 / $co" | bc -l)" "$(echo "17280 / $cn" | bc -l)"
