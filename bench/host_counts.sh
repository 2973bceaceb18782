#!/usr/bin/env bash
# Issue 17's two memory-bound speed workloads counted instead of timed: host instructions (callgrind) and simulated
# L1 data-cache misses (cachegrind, this host's cache geometry), per run and per memory access (a DMA burst or a core
# access through the memory system: memory.{dma,core}.{reads,writes}). Unlike CPU seconds on a
# shared VM these are the same from run to run, so two builds compare exactly (the same firmware for both: only the
# model differs). Each build's statistics must match the first build's, or the comparison stops.
#   bash bench/host_counts.sh FIRMWARE_DIR BUILD [BUILD ...]      (e.g. build/firmware OLD_BUILD build)
# Needs valgrind; ~1 minute per build.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 FIRMWARE_DIR BUILD [BUILD ...]" >&2; exit 2; }
firmware="$(cd "$1" && pwd)"
shift
command -v valgrind > /dev/null || { echo "$0: needs valgrind (apt-get install valgrind)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# membench's argument block for the read and write streams only (as bench/memory.sh and bench/fast_build.sh)
printf '\x42\x4d\x45\x4d\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00' > "$work/membench_args.bin"
workloads=(
  "layer|BERT-base layer seq 384, timing-only|-q --arithmetic skip $firmware/transformer_block_seq384.elf"
  "membench|membench read + write streams (64 MiB)|-q --load $work/membench_args.bin@0x81000000 $firmware/membench.elf"
)
# The run's statistics without its image path, so that builds compare.
stats_of() { grep -v '"image"' "$1"; }
for entry in "${workloads[@]}"; do
  key="${entry%%|*}"; rest="${entry#*|}"; name="${rest%%|*}"
  read -r -a args <<< "${rest#*|}"
  echo "== $name"
  printf '%-40s %16s %16s %12s %12s\n' build instructions "L1d misses" "instr/access" "misses/access"
  first=""
  for build in "$@"; do
    npuemu="$build/bin/npuemu"
    "$npuemu" run --stats "$work/$key.json" "${args[@]}" > /dev/null
    stats_of "$work/$key.json" > "$work/$key.stats"
    if [ -z "$first" ]; then
      first="$build"
      cp "$work/$key.stats" "$work/$key.first"
    elif ! cmp -s "$work/$key.first" "$work/$key.stats"; then
      echo "$build: the run's statistics differ from $first's: not the same simulation" >&2
      exit 1
    fi
    accesses=$(jq '.counters | [to_entries[] | select(.key | test("^memory\\.(dma|core)\\.(reads|writes)$")) | .value] | add' "$work/$key.json")
    valgrind --tool=callgrind --callgrind-out-file="$work/cg" "$npuemu" run "${args[@]}" > /dev/null 2> "$work/cg.log"
    instructions=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$work/cg.log")
    valgrind --tool=cachegrind --cache-sim=yes --cachegrind-out-file="$work/cache" "$npuemu" run "${args[@]}" \
      > /dev/null 2> "$work/cache.log"
    misses=$(sed -n 's/.*D1  misses: *\([0-9,]*\).*/\1/p' "$work/cache.log" | tr -d ,)
    printf '%-40s %16s %16s %12.0f %12.1f\n' "$build" "$instructions" "$misses" \
      "$(echo "$instructions / $accesses" | bc -l)" "$(echo "$misses / $accesses" | bc -l)"
  done
done
