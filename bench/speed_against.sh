#!/usr/bin/env bash
# Issue 17's memory-bound speed figures of NEW_BUILD against an older build, on the OLD build's own firmware images
# (an older model cannot boot newer images; on one image both builds do the same work, which the newer model may time
# a little differently: both cycle counts are printed): the BERT-base layer at sequence 384 (old full mode, new full
# mode, new timing-only) and membench's read + write streams (64 MiB), runs interleaved (old, new, new skip, old, ...)
# so the machine's drift hits all of them; then NEW on its own images, the figures a user of NEW sees. CPU seconds
# (user + sys, /usr/bin/time), medians of RUNS.
#   bash bench/speed_against.sh OLD_BUILD NEW_BUILD [RUNS]      (each BUILD has bin/npuemu and firmware/)
# E.g. OLD_BUILD = a build of 506aae0, main when issue 17 was filed (about 2 minutes on 2 cores):
#   git worktree add ../npuemu-506aae0 506aae0
#   cmake -S ../npuemu-506aae0 -B ../npuemu-506aae0/build -G Ninja -DCMAKE_BUILD_TYPE=Release -DNPUEMU_BUILD_RTL=OFF
#   cmake --build ../npuemu-506aae0/build --target npuemu firmware
#   bash bench/speed_against.sh ../npuemu-506aae0/build build 11
# Quote figures from a quiet machine: on a shared VM the host's other tenants stretch CPU time too (seen here: the
# same binary 0.26 to 0.45 s on the layer within an hour).
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 OLD_BUILD NEW_BUILD [RUNS]" >&2; exit 2; }
old="$1"; new="$2"; runs="${3:-9}"
for build in "$old" "$new"; do
  for file in bin/npuemu firmware/transformer_block_seq384.elf firmware/membench.elf; do
    [ -e "$build/$file" ] || { echo "$0: $build/$file not found (build it first: make build)" >&2; exit 2; }
  done
done
[ -x /usr/bin/time ] || { echo "$0: needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '\x42\x4d\x45\x4d\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00' > "$work/args.bin"  # membench: read + write

# run KEY BUILD IMAGE_DIR ARGS...: appends "cpu_s cycles streamed_bytes" of one run to $work/KEY.
run() {
  local key="$1" build="$2" images="$3"; shift 3
  local args=("${@//\{images\}/$images}")
  if ! /usr/bin/time -f 'cpu %U %S' -o "$work/time" "$build/bin/npuemu" run "${args[@]}" > "$work/out" 2>&1; then
    echo "$0: $build/bin/npuemu run ${args[*]} failed:" >&2
    grep -m 3 '^npuemu' "$work/out" >&2 || tail -n 5 "$work/out" >&2
    exit 1
  fi
  awk '$1 == "cpu" {cpu = $2 + $3}
       /simulated:/ {gsub(",", "", $2); cycles = $2}
       /membench (read|write): [0-9]+ bytes/ {for (i = 1; i < NF; ++i) if ($(i + 1) == "bytes") bytes += $i}
       END {print cpu, cycles, bytes + 0}' "$work/time" "$work/out" >> "$work/$key"
}
layer=('{images}/transformer_block_seq384.elf')
membench=(--load "$work/args.bin@0x81000000" '{images}/membench.elf')
for _ in $(seq "$runs"); do
  run old_full "$old" "$old/firmware" "${layer[@]}"
  run new_full "$new" "$old/firmware" "${layer[@]}"
  run new_skip "$new" "$old/firmware" --arithmetic skip "${layer[@]}"
  run old_mem "$old" "$old/firmware" "${membench[@]}"
  run new_mem "$new" "$old/firmware" "${membench[@]}"
  run own_full "$new" "$new/firmware" "${layer[@]}"
  run own_skip "$new" "$new/firmware" --arithmetic skip "${layer[@]}"
  run own_mem "$new" "$new/firmware" "${membench[@]}"
done
median() { sort -n "$work/$1" | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
field() { awk -v f="$2" 'NR == 1 {print $f}' "$work/$1"; }  # cycles and bytes are the same in every run
cycles_of() { sort -u -k2,2 "$work/$1" | awk '{print $2}' | paste -sd/; }
gbps() { awk -v b="$(field "$1" 3)" -v s="$(median "$1")" 'BEGIN {printf "%.3f", b / 1e9 / s}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2fx", a / b}'; }

printf 'On %s firmware (the same images), CPU s, median of %s interleaved runs:\n' "$old" "$runs"
printf '  BERT-base layer seq 384: old full %.3f (%s cycles), new full %.3f (%s cycles, %s faster), new timing-only %.3f (%s cycles, %s faster)\n' \
  "$(median old_full)" "$(cycles_of old_full)" "$(median new_full)" "$(cycles_of new_full)" \
  "$(ratio "$(median old_full)" "$(median new_full)")" "$(median new_skip)" "$(cycles_of new_skip)" \
  "$(ratio "$(median old_full)" "$(median new_skip)")"
printf '  membench read + write streams: old %.3f s = %s simulated GB per CPU s, new %.3f s = %s (%s faster)\n' \
  "$(median old_mem)" "$(gbps old_mem)" "$(median new_mem)" "$(gbps new_mem)" \
  "$(ratio "$(median old_mem)" "$(median new_mem)")"
printf 'On %s firmware (what a user of the new build runs):\n' "$new"
printf '  BERT-base layer seq 384: full %.3f s (%s cycles), timing-only %.3f s (%s cycles)\n' \
  "$(median own_full)" "$(cycles_of own_full)" "$(median own_skip)" "$(cycles_of own_skip)"
printf '  membench read + write streams: %.3f s = %s simulated GB per CPU s\n' "$(median own_mem)" "$(gbps own_mem)"
