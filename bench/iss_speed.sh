#!/usr/bin/env bash
# ISS speed: host MIPS of the control cores on firmware/cpubench (CPU-bound integer code), one hart and all harts of
# the default chip, each run REPEATS times; prints the median. Also the quantum's effect (temporal decoupling).
#   bash bench/iss_speed.sh [BUILD_DIR]     (after `make build`; REPEATS=5 by default)
set -euo pipefail
build="${1:-build}"
npuemu="$build/bin/npuemu"
image="$build/firmware/cpubench.elf"
repeats="${REPEATS:-5}"
[ -x "$npuemu" ] && [ -f "$image" ] || { echo "build first: make build" >&2; exit 1; }

# Median MIPS over the repeats, from the run summary's "host:" line.
measure() {
  local mips=()
  for _ in $(seq "$repeats"); do
    mips+=("$("$npuemu" run "$@" "$image" 2>&1 >/dev/null | sed -n 's/.*s wall, \([0-9.]*\) MIPS.*/\1/p')")
  done
  printf '%s\n' "${mips[@]}" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'
}

printf '%-44s %10s\n' "configuration (firmware/cpubench.elf)" "host MIPS"
printf '%-44s %10s\n' "default chip, 1 hart (chip.tiles=1)" "$(measure --set chip.tiles=1)"
printf '%-44s %10s\n' "default chip, 32 harts" "$(measure)"
printf '%-44s %10s\n' "default chip, 32 harts, quantum 100 cycles" "$(measure --set core.quantum_cycles=100)"
printf '%-44s %10s\n' "default chip, 32 harts, quantum 20000 cycles" "$(measure --set core.quantum_cycles=20000)"
echo "(median of $repeats runs each; $(nproc) host cores; the simulator runs on one host thread)"
