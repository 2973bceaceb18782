#!/bin/sh
# The cross-check must catch a wrong expectation: runs npuemu-rtlcheck with --perturb (the model's expectation of one
# result, or of one cycle count, made wrong on purpose) and passes only if it exits with status 1 and reports the
# mismatch with the expected and actual values.
#   expect_mismatch.sh PATTERN npuemu-rtlcheck ARGS...
pattern="$1"
shift
out=$("$@" 2>&1)
status=$?
echo "$out"
if [ "$status" -ne 1 ]; then
  echo "FAIL: exit status $status, expected 1 (a mismatch)"
  exit 1
fi
if ! echo "$out" | grep -q "^MISMATCH in case"; then
  echo "FAIL: no MISMATCH report"
  exit 1
fi
if ! echo "$out" | grep -Eq "$pattern"; then
  echo "FAIL: the report does not match: $pattern"
  exit 1
fi
echo "ok: the wrong expectation was reported"
