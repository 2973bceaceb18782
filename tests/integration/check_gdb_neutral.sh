#!/usr/bin/env bash
# --gdb with no client attached must not change a run: console output and stats JSON are byte-identical to the
# same run without --gdb, and so is the exit status.
#   check_gdb_neutral.sh WORKDIR NPUEMU RUN_ARGS...
set -u
work="$1"; shift
npuemu="$1"; shift
mkdir -p "$work"
"$npuemu" run --quiet --stats "$work/plain.json" "$@" >"$work/plain.txt" 2>/dev/null
plain_status=$?
"$npuemu" run --quiet --stats "$work/gdb.json" --gdb 0 "$@" >"$work/gdb.txt" 2>"$work/gdb.err"
gdb_status=$?
[ "$plain_status" -eq "$gdb_status" ] || { echo "FAIL: exit status $plain_status without --gdb, $gdb_status with"; exit 1; }
! grep -q W571 "$work/gdb.err" || { echo "FAIL: sc_start() was called with nothing to do"; exit 1; }
grep -q "GDB stub listening on 127.0.0.1:" "$work/gdb.err" || { echo "FAIL: the stub did not listen"; exit 1; }
cmp "$work/plain.txt" "$work/gdb.txt" || { echo "FAIL: console output differs with --gdb"; exit 1; }
cmp "$work/plain.json" "$work/gdb.json" || { echo "FAIL: stats differ with --gdb"; diff "$work/plain.json" "$work/gdb.json" | head; exit 1; }
echo "ok: --gdb with no client left console and stats unchanged"
