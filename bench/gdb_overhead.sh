#!/usr/bin/env bash
# Overhead of the GDB stub when no breakpoint is set: host MIPS of firmware/cpubench on one tile (chip.tiles=1)
#   plain        npuemu run
#   --gdb        npuemu run --gdb 0, no client ever connects
#   attached     npuemu run --gdb 0 --gdb-wait, with gdb-multiarch attached that only continues
# The modes alternate within each repeat (the machine's noise hits them alike); prints the median of REPEATS runs
# (default 11) and each mode's slowdown against plain. The summary's MIPS leave out the time the chip sat halted
# waiting for GDB (docs/gdb.md), so the attached figure is simulation speed, not GDB's start-up.
#   bash bench/gdb_overhead.sh [BUILD_DIR]
set -euo pipefail
build="${1:-build}"
npuemu="$build/bin/npuemu"
image="$build/firmware/cpubench.elf"
repeats="${REPEATS:-11}"
[ -x "$npuemu" ] && [ -f "$image" ] || { echo "build first: make build" >&2; exit 1; }
command -v gdb-multiarch >/dev/null || { echo "gdb-multiarch is missing: bash scripts/setup.sh" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mips_of() { sed -n 's/.*s wall, \([0-9.]*\) MIPS.*/\1/p' "$1"; }

run_plain() { "$npuemu" run --set chip.tiles=1 "$image" >/dev/null 2>"$tmp/err"; mips_of "$tmp/err"; }
run_gdb() { "$npuemu" run --set chip.tiles=1 --gdb 0 "$image" >/dev/null 2>"$tmp/err"; mips_of "$tmp/err"; }
run_attached() {
  "$npuemu" run --set chip.tiles=1 --gdb 0 --gdb-wait "$image" >/dev/null 2>"$tmp/err" &
  local pid=$! port="" i
  for i in $(seq 200); do
    port=$(sed -n 's/.*GDB stub listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/err")
    [ -n "$port" ] && break
    sleep 0.05
  done
  [ -n "$port" ] || { kill "$pid"; echo "npuemu did not listen" >&2; exit 1; }
  timeout 60 gdb-multiarch -batch -nx -ex 'set architecture riscv:rv32' -ex "file $image" \
    -ex "target remote 127.0.0.1:$port" -ex continue >/dev/null 2>&1
  wait "$pid"
  mips_of "$tmp/err"
}

median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

: >"$tmp/plain"; : >"$tmp/gdb"; : >"$tmp/attached"
for _ in $(seq "$repeats"); do
  run_plain >>"$tmp/plain"
  run_gdb >>"$tmp/gdb"
  run_attached >>"$tmp/attached"
done
plain=$(median <"$tmp/plain"); gdb=$(median <"$tmp/gdb"); attached=$(median <"$tmp/attached")
slowdown() { awk -v a="$plain" -v b="$1" 'BEGIN { printf "%+.1f%%", (a / b - 1) * 100 }'; }

printf '%-58s %10s %10s\n' "firmware/cpubench.elf, chip.tiles=1" "host MIPS" "slowdown"
printf '%-58s %10s %10s\n' "plain (no --gdb)" "$plain" "-"
printf '%-58s %10s %10s\n' "--gdb 0, no client" "$gdb" "$(slowdown "$gdb")"
printf '%-58s %10s %10s\n' "--gdb 0 --gdb-wait, gdb-multiarch attached, continue" "$attached" "$(slowdown "$attached")"
echo "(median of $repeats runs each, modes interleaved; $(nproc) host cores)"
