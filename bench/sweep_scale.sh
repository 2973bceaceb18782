#!/usr/bin/env bash
# Sweeps at scale: how long planning and validating a sweep of 10^4 and 10^5 points takes, and its peak memory
# (`npuemu sweep --dry-run`: read the spec, build the points, check every distinct setting set against the chip
# config, fingerprint the inputs, list the points). Also shows the refusal of a 10^6-point grid (the default limit
# is 100,000 points; sweep: {max_points: N} raises it).
# Run after `make build`:  bash bench/sweep_scale.sh [BUILD_DIR]
# Recorded (2026-12-06, Release, 2 shared cores, hello on the test chip, base config parsed once, HBM preset cached):
#     10000 points: planned and validated in   5.79 s, peak   16 MiB
#    100000 points: planned and validated in  52.37 s, peak   84 MiB   (linear: ~0.5 ms per distinct setting set)
#   1000000 points: refused at once (before: 1.39 GB and rising after 60 s; validation ~25 min, one file load per point)
set -euo pipefail
build="$(realpath "${1:-build}")"
npuemu="$build/bin/npuemu"
image="$build/firmware/hello.elf"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

values() { seq -s ', ' 1 "$1"; }  # 1, 2, ..., N

# A grid over the core's CPI table (every value is valid, so every point is checked).
spec() {  # spec FILE AXIS_LENGTHS...
  local file=$1; shift
  local keys=(core.cpi.div core.cpi.mul core.cpi.load)
  {
    echo "sweep: {name: scale, base: test}"
    echo "workloads:"
    echo "  - {name: hello, image: $image}"
    echo "parameters:"
    echo "  - grid:"
    local i=0
    for n in "$@"; do echo "      ${keys[$i]}: [$(values "$n")]"; i=$((i + 1)); done
  } > "$file"
}

for shape in "100 100" "100 100 10"; do
  read -r -a axes <<< "$shape"
  spec "$work/spec.yaml" "${axes[@]}"
  points=1; for n in "${axes[@]}"; do points=$((points * n)); done
  /usr/bin/time -f "%e %M" -o "$work/time" "$npuemu" sweep --dry-run "$work/spec.yaml" > "$work/list"
  read -r seconds kib < "$work/time"
  listed=$(($(wc -l < "$work/list") - 1))
  printf "%7d points: planned and validated in %6.2f s, peak %4d MiB (%d listed)\n" "$points" "$seconds" \
    $((kib / 1024)) "$listed"
done

spec "$work/spec.yaml" 100 100 100
if "$npuemu" sweep --dry-run "$work/spec.yaml" > /dev/null 2> "$work/err"; then
  echo "a 10^6-point grid was not refused" >&2; exit 1
fi
echo "1000000 points: refused at once: $(sed 's/^npuemu: error: [^:]*: //' "$work/err")"
