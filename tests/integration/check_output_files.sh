#!/usr/bin/env bash
# Output files (--stats, --dump, --trace) are written into what the user named, and a failed write is reported:
#   check_output_files.sh WORKDIR NPUEMU HELLO_ELF GEMM_ELF
# - a symlink stays a symlink (its target gets the file); a FIFO stays a FIFO; /dev/stdout is written in place;
# - no file the user did not name is touched (an existing PATH.tmp survives);
# - a write that fails (a file size limit standing in for a full disk) exits 123 with the file's name,
#   leaves the previous file as it was and no side files (.tmp, .hier) behind;
# - an FST trace carries a fixed date, so two runs give the same bytes;
# - a run whose console reader has gone (a closed pipe) still finishes and writes its files.
set -u
work=$1 npuemu=$(realpath "$2") hello=$(realpath "$3") gemm=$(realpath "$4")
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 2
failed=0
fail() { echo "FAIL: $*"; failed=1; }

# Symlinks: the link stays, its target gets the stats.
echo old > target.json && ln -s target.json link.json
"$npuemu" run -q -c test --stats link.json "$hello" > /dev/null || fail "--stats through a symlink: exit $?"
[ -L link.json ] || fail "--stats replaced the symlink link.json with a regular file"
grep -q '"schema": "npuemu-stats"' target.json || fail "the symlink's target did not get the stats"

# A file beside the output that the user did not name.
echo keep > out.json.tmp
"$npuemu" run -q -c test --stats out.json "$hello" > /dev/null || fail "--stats out.json: exit $?"
[ "$(cat out.json.tmp 2>/dev/null)" = keep ] || fail "out.json.tmp (not named by the user) was changed or removed"

# Non-regular files stay what they are (a FIFO here: no test may risk replacing the system's /dev/null); an open
# descriptor (/proc/self/fd/1 = /dev/stdout) is written at its position, after what was written before.
mkfifo fifo && { timeout 20 cat fifo > from_fifo.txt & }
"$npuemu" run -q -c test --stats fifo "$hello" > /dev/null || fail "--stats FIFO: exit $?"
wait
[ -p fifo ] || fail "--stats replaced the FIFO with a regular file"
grep -q '"schema": "npuemu-stats"' from_fifo.txt || fail "--stats FIFO: the reader got no stats"
"$npuemu" run -q -c test --stats /proc/self/fd/1 "$hello" > stdout.txt || fail "--stats /proc/self/fd/1: exit $?"
grep -q '"schema": "npuemu-stats"' stdout.txt || fail "--stats /proc/self/fd/1 wrote nothing to stdout"
grep -q 'hello from hart 0' stdout.txt || fail "--stats /proc/self/fd/1 replaced what the console wrote to stdout"

# A failed write after a full run: status 123, the file named (a file size limit stands in for a full disk).
(trap '' XFSZ; ulimit -f 4; exec "$npuemu" run -q -c test --stats big.json "$hello") > /dev/null 2> err.txt
status=$?
[ "$status" -eq 123 ] || fail "--stats on a full file system: exit $status, expected 123"
grep -q "big.json: error while writing" err.txt || fail "--stats: no error naming the file: $(cat err.txt)"

# FST on a "full disk": the file size limit makes fstapi's writes fail as ENOSPC would.
echo previous > t.fst
(trap '' XFSZ; ulimit -f 4; exec "$npuemu" run -q -c test --trace t.fst "$gemm") > /dev/null 2> err.txt
status=$?
[ "$status" -eq 123 ] || fail "FST trace on a full file system: exit $status, expected 123"
grep -q "t.fst: error while writing the FST trace" err.txt || fail "FST: no error naming the file: $(cat err.txt)"
[ "$(cat t.fst)" = previous ] || fail "a failed FST trace replaced the previous t.fst"
leftovers=$(ls -A | grep -aE '\.hier|\.tmp' | grep -v '^out\.json\.tmp$')
[ -z "$leftovers" ] || fail "side files left behind: $leftovers"

# FST through a symlink, and deterministic: the header's date is fixed.
ln -s trace_target.fst trace_link.fst
"$npuemu" run -q -c test --trace trace_link.fst "$hello" > /dev/null || fail "--trace through a symlink: exit $?"
[ -L trace_link.fst ] && [ -s trace_target.fst ] || fail "--trace .fst replaced the symlink or left its target empty"
grep -aq "Thu Jan  1 00:00:00 1970" trace_target.fst || fail "the FST header holds the wall-clock date"
"$npuemu" run -q -c test --trace again.fst "$hello" > /dev/null
cmp -s again.fst trace_target.fst || fail "two FST traces of the same run differ"

# A console reader that has gone (`npuemu run ... | head -1`): the run still finishes and writes its stats. The pipe's
# read end is closed before npuemu starts, so its first console write meets a closed pipe whatever the timing.
rm -f piped.json
python3 - "$npuemu" "$hello" <<'PY' || fail "a run whose stdout reader had gone did not finish (see above)"
import os, subprocess, sys
read_end, write_end = os.pipe()
os.close(read_end)
status = subprocess.run([sys.argv[1], "run", "-c", "test", "--stats", "piped.json", sys.argv[2]], stdout=write_end).returncode
os.close(write_end)
if status != 0:
    print("npuemu exited with", status)
    sys.exit(1)
PY
grep -q '"schema": "npuemu-stats"' piped.json 2>/dev/null || fail "a run whose stdout reader had gone wrote no stats"

[ "$failed" -eq 0 ] && echo "ok: output files" || exit 1
