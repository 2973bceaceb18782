#!/usr/bin/env bash
# The profile-guided build (`make fast`) against the plain release build on issue 17's speed workloads, side by
# side: host CPU seconds (user + sys), runs interleaved, medians (bench/compare_builds.sh, MEASURE=cpu). Results
# must not differ: the script also compares each workload's console and statistics between the two builds.
#   bash bench/fast_build.sh [PLAIN_BUILD] [FAST_BUILD] [RUNS]     (defaults: build build-fast 7)
set -euo pipefail
plain="${1:-build}"
fast="${2:-build-fast}"
runs="${3:-7}"
here="$(cd "$(dirname "$0")" && pwd)"
firmware="$(cd "$plain/firmware" && pwd)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# bench/memory.sh's argument block for the read and write streams only
printf '\x42\x4d\x45\x4d\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00' > "$work/membench_args.bin"

workloads=(
  "BERT-base layer seq 384, timing-only|-q --arithmetic skip $firmware/transformer_block_seq384.elf"
  "membench read + write streams (64 MiB)|-q --load $work/membench_args.bin@0x81000000 $firmware/membench.elf"
  "cpubench, 32 harts (ISS)|-q $firmware/cpubench.elf"
)
for entry in "${workloads[@]}"; do
  name="${entry%%|*}"
  read -r -a args <<< "${entry#*|}"
  "$plain/bin/npuemu" run --stats "$work/plain.json" "${args[@]}" > "$work/plain.out"
  "$fast/bin/npuemu" run --stats "$work/fast.json" "${args[@]}" > "$work/fast.out"
  cmp -s "$work/plain.out" "$work/fast.out" && cmp -s "$work/plain.json" "$work/fast.json" ||
    { echo "$name: the two builds' console or statistics differ" >&2; exit 1; }
  echo "== $name (console and statistics identical)"
  MEASURE=cpu bash "$here/compare_builds.sh" "$plain" "$fast" "$runs" -- "${args[@]}"
done
