#!/usr/bin/env bash
# Sweep throughput: points per minute with --jobs 1 and --jobs 2, and the scaling from 1 to 2 jobs, on a 24-point
# sweep of cpubench (about 0.5 s a point) over tiles x quantum x DMA bandwidth on the test chip. Run after `make build`.
#   bash bench/sweep.sh [BUILD_DIR]
set -euo pipefail
build="$(cd "${1:-build}" && pwd)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/spec.yaml" <<YAML
sweep: {name: bench, base: test}
workloads:
  - {name: cpubench, image: $build/firmware/cpubench.elf}
parameters:
  - grid:
      chip.tiles: [1, 2, 4]
      core.quantum_cycles: [1000, 2000]
      npu.dma.bandwidth_bytes_per_cycle: [8, 16, 32, 64]
metrics: [sim.cycles]
YAML
declare -A ppm
for jobs in 1 2; do
  start=$(date +%s.%N)
  "$build/bin/npuemu" sweep "$work/spec.yaml" --out "$work/j$jobs" --jobs "$jobs" 2>/dev/null
  end=$(date +%s.%N)
  ppm[$jobs]=$(echo "24 * 60 / ($end - $start)" | bc -l)
  printf 'jobs %d: 24 points in %.2f s = %.0f points/minute\n' "$jobs" "$(echo "$end - $start" | bc -l)" "${ppm[$jobs]}"
done
printf 'scaling 1 -> 2 jobs: %.2fx\n' "$(echo "${ppm[2]} / ${ppm[1]}" | bc -l)"
