#!/usr/bin/env bash
# The checksum every emulated hart prints must equal the one the host computes from the same C code.
#   check_cpubench.sh REFERENCE_PROGRAM EXPECTED_HARTS NPUEMU ARGS...
set -eu
reference=$("$1") || { echo "FAIL: the host reference did not run"; exit 1; }
harts="$2"; shift 2
exec "$(dirname "$0")/check_run.sh" --exit 0 --stdout-count "$reference," "$harts" -- "$@"
