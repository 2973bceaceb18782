#!/usr/bin/env bash
# firmware/matmul_timing prints "matmul m=M k=K n=N cycles=C" for several shapes, measured with mcycle around
# "matmul; fence". The documented latency is m + k + n - 1, so C - (m + k + n - 1) must be one constant (the issue
# and fence overhead) for every shape.
set -eu
out=$("$1" run -q -c test "$2")
echo "$out"
echo "$out" | awk '
  /matmul m=/ {
    for (i = 1; i <= NF; ++i) { split($i, kv, "="); v[kv[1]] = kv[2] }
    overhead = v["cycles"] - (v["m"] + v["k"] + v["n"] - 1)
    if (n++ == 0) first = overhead
    else if (overhead != first) { printf "FAIL: m=%s k=%s n=%s: overhead %d, others %d\n", v["m"], v["k"], v["n"], overhead, first; bad = 1 }
  }
  END {
    if (n < 4) { print "FAIL: expected at least 4 shapes, got " n; exit 1 }
    if (bad) exit 1
    printf "ok: %d shapes, latency = m + k + n - 1 + %d cycles of issue/fence overhead\n", n, first
  }'
