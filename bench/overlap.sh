#!/usr/bin/env bash
# Compute and communication at once on node4 (4 default chips, fully connected): firmware/overlap runs a ring
# all-reduce of 4 MiB (INT32) on tiles 0-3 of every chip while three 2048^3 INT8 GEMMs run on the other 28 tiles,
# after running each alone; it prints both times alone and together and the two slowdowns (and checks that the
# results are bit-identical together and alone). Also the chips' power and the links' energy over the whole run
# (setup and the control cores' checks included, which take most of its simulated time).
# Run after `make build`:  bash bench/overlap.sh [BUILD_DIR]
set -euo pipefail
build="${1:-build}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$(date +%s.%N)
"$build/bin/npuemu" run -q --system node4 --stats "$work/overlap.json" "$build/firmware/overlap.elf" |
  sed -n 's/^\[chip 0 hart 0\] //p'
end=$(date +%s.%N)
jq -r '.counters as $c
  | ([range(0; 4) | tostring | "chip" + . + ".power."] | map("  \(.) average_w \($c[. + "average_w"] * 100 | round / 100) W, peak \($c[. + "peak_temperature_mC"] / 100 | round / 10) degC, mesh/HBM/links \($c[. + "memory_network_energy_j"] * 1e6 | round) uJ of \($c[. + "energy_j"] * 1e6 | round) uJ") | .[]),
    "  links: \([$c | to_entries[] | select(.key | test("^links\\..*\\.energy_j$")) | .value] | add * 1e6 | round) uJ on the wires"' \
  "$work/overlap.json"
echo "  host: $(echo "$end - $start" | bc) s wall"
