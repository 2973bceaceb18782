#!/usr/bin/env bash
# Full mode and timing-only mode (--arithmetic skip) of one image against an older build's full mode, runs
# interleaved (old, new full, new skip, old, ...) so the machine's drift hits all three: median wall seconds (from
# each run's summary) and median user CPU seconds (less sensitive to other processes on a shared machine), their
# ratios, and whether the simulated cycles are identical. Default image: the BERT-base layer at sequence 384 on the
# default chip. Run after `make build`.
#   bash bench/arithmetic_speed.sh OLD_BUILD NEW_BUILD [RUNS] [IMAGE_NAME] [-- EXTRA_RUN_ARGS...]
set -euo pipefail
old="$1"; new="$2"; runs="${3:-5}"; image="${4:-transformer_block_seq384}"
shift $(( $# < 4 ? $# : 4 )); [ "${1:-}" = "--" ] && shift
one() {  # build, args...: "wall_s user_s cycles" of one run
  local build="$1"; shift
  local log; log=$(mktemp)
  /usr/bin/time -f "user %U" -o "$log.time" "$build/bin/npuemu" run "$@" "$new/firmware/$image.elf" >/dev/null 2>"$log"
  awk '/host:/ {for (i = 1; i <= NF; ++i) if ($(i+1) == "s" && $(i+2) ~ /^wall/) w = $i}
       /simulated:/ {gsub(",", "", $2); c = $2}
       /^user / {u = $2} END {print w, u, c}' "$log" "$log.time"
  rm -f "$log" "$log.time"
}
aw=(); bw=(); cw=(); au=(); bu=(); cu=(); cycles=""
for _ in $(seq "$runs"); do
  read -r w1 u1 c1 < <(one "$old" "$@")
  read -r w2 u2 c2 < <(one "$new" "$@")
  read -r w3 u3 c3 < <(one "$new" --arithmetic skip "$@")
  aw+=("$w1"); bw+=("$w2"); cw+=("$w3"); au+=("$u1"); bu+=("$u2"); cu+=("$u3"); cycles="$cycles $c1/$c2/$c3"
done
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", b / a}'; }
for kind in wall user; do
  if [ "$kind" = wall ]; then a=$(median "${aw[@]}"); b=$(median "${bw[@]}"); c=$(median "${cw[@]}")
  else a=$(median "${au[@]}"); b=$(median "${bu[@]}"); c=$(median "${cu[@]}"); fi
  printf '%s %-4s s: old full %6.3f   new full %6.3f (new/old %s)   new timing-only %6.3f (skip/old %s)\n' \
    "$image" "$kind" "$a" "$b" "$(ratio "$a" "$b")" "$c" "$(ratio "$a" "$c")"
done
same=$(echo "$cycles" | tr ' /' '\n\n' | sed '/^$/d' | sort -u | wc -l)
echo "(median of $runs, interleaved) simulated cycles old/new/skip:$cycles   identical: $([ "$same" = 1 ] && echo yes || echo NO)"
