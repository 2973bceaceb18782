#!/usr/bin/env bash
# Runs a command and checks its exit status and output.
#   check_run.sh --exit N [--stdout-has TEXT]... [--stderr-has TEXT]... [--stdout-count TEXT N]...
#                [--stdout-lacks TEXT]... [--stdout-starts-with TEXT] -- COMMAND ARGS...
# Prints what differs and the captured output on failure.
set -u
expect_exit=""
stdout_has=(); stderr_has=(); stdout_lacks=(); count_text=(); count_n=(); starts_with=
while [ $# -gt 0 ]; do
  case "$1" in
    --exit) expect_exit="$2"; shift 2 ;;
    --stdout-has) stdout_has+=("$2"); shift 2 ;;
    --stderr-has) stderr_has+=("$2"); shift 2 ;;
    --stdout-lacks) stdout_lacks+=("$2"); shift 2 ;;
    --stdout-starts-with) starts_with="$2"; shift 2 ;;
    --stdout-count) count_text+=("$2"); count_n+=("$3"); shift 3 ;;
    --) shift; break ;;
    *) echo "check_run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -n "$expect_exit" ] || { echo "check_run.sh: --exit is required" >&2; exit 2; }

out=$(mktemp); err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
"$@" >"$out" 2>"$err" </dev/null
status=$?
failed=0
fail() { echo "FAIL: $*"; failed=1; }

[ "$status" -eq "$expect_exit" ] || fail "exit status $status, expected $expect_exit"
for text in "${stdout_has[@]+"${stdout_has[@]}"}"; do grep -qF -- "$text" "$out" || fail "stdout lacks: $text"; done
for text in "${stderr_has[@]+"${stderr_has[@]}"}"; do grep -qF -- "$text" "$err" || fail "stderr lacks: $text"; done
for text in "${stdout_lacks[@]+"${stdout_lacks[@]}"}"; do ! grep -qF -- "$text" "$out" || fail "stdout has: $text"; done
if [ -n "$starts_with" ]; then
  case "$(head -n 1 "$out")" in "$starts_with"*) ;; *) fail "stdout does not start with: $starts_with" ;; esac
fi
for i in "${!count_text[@]}"; do
  n=$(grep -cF -- "${count_text[$i]}" "$out")
  [ "$n" -eq "${count_n[$i]}" ] || fail "stdout has '${count_text[$i]}' $n times, expected ${count_n[$i]}"
done
if [ "$failed" -ne 0 ]; then
  echo "--- command: $*"; echo "--- stdout:"; head -c 4000 "$out"; echo "--- stderr:"; head -c 4000 "$err"
  exit 1
fi
echo "ok: $*"
