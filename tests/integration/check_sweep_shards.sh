#!/usr/bin/env bash
# Shards and merge: three shards into one shared directory, and three shards into separate directories, merge to the
# same results.csv as one local run. The --slurm script runs its shards when its tasks are started the way Slurm
# starts them (SLURM_ARRAY_TASK_ID set), and merge then gives the same results.csv again.
#   check_sweep_shards.sh WORKDIR NPUEMU FIRMWARE_DIR
set -euo pipefail
work="$1"; npuemu="$2"; fw="$3"
rm -rf "$work"; mkdir -p "$work"
cat > "$work/spec.yaml" <<YAML
sweep: {name: shards, base: test}
workloads:
  - {name: gemm, image: $fw/gemm.elf}
parameters:
  - grid:
      chip.tiles: [1, 2, 4]
      npu.matrix.rows: [8, 16]
metrics: [sim.cycles, npu.mac_utilization]
YAML
fail() { echo "FAIL: $*"; exit 1; }
"$npuemu" sweep "$work/spec.yaml" --out "$work/local" --jobs 2 2>/dev/null

# Shared directory.
for i in 0 1 2; do "$npuemu" sweep "$work/spec.yaml" --out "$work/shared" --shard "$i/3" --jobs 1 2>/dev/null; done
[ -f "$work/shared/results.shard-1-of-3.csv" ] || fail "no per-shard csv"
[ "$(wc -l < "$work/shared/results.shard-1-of-3.csv")" -eq 3 ] || fail "shard 1 of 3 should have 2 rows"
"$npuemu" sweep merge "$work/shared" 2>"$work/merge_shared.err" || fail "merge: $(cat "$work/merge_shared.err")"
cmp "$work/local/results.csv" "$work/shared/results.csv" || fail "merged (shared dir) differs from the local run"

# Separate directories, one missing shard first.
for i in 0 1 2; do "$npuemu" sweep "$work/spec.yaml" --out "$work/part$i" --shard "$i/3" --jobs 1 2>/dev/null; done
status=0
"$npuemu" sweep merge "$work/part0" "$work/part1" 2>"$work/merge_partial.err" || status=$?
[ "$status" -eq 1 ] || fail "merge with a shard missing should exit 1, got $status"
grep -q "4 of 6 points have a result (0 failed, 2 missing)" "$work/merge_partial.err" || fail "$(cat "$work/merge_partial.err")"
"$npuemu" sweep merge "$work/part0" "$work/part2" 2>/dev/null || fail "merge of the last shard"
cmp "$work/local/results.csv" "$work/part0/results.csv" || fail "merged (separate dirs) differs from the local run"

# A different sweep is refused.
sed 's/\[1, 2, 4\]/[1, 2]/' "$work/spec.yaml" > "$work/other.yaml"
"$npuemu" sweep "$work/other.yaml" --out "$work/other" --jobs 2 2>/dev/null
status=0
"$npuemu" sweep merge "$work/part0" "$work/other" 2>"$work/merge_other.err" || status=$?
[ "$status" -eq 125 ] && grep -q "a different sweep" "$work/merge_other.err" || fail "merge of another sweep: $status"

# Slurm script: options land in #SBATCH lines; its tasks, started as Slurm would, run the shards.
"$npuemu" sweep "$work/spec.yaml" --out "$work/slurm" --slurm --partition debug --time 00:10:00 --cpus-per-task 2 \
  > "$work/slurm.out" 2>&1 || fail "--slurm: $(cat "$work/slurm.out")"
script="$work/slurm/sweep.sbatch"
for line in "#SBATCH --array=0-2" "#SBATCH --partition=debug" "#SBATCH --time=00:10:00" "#SBATCH --cpus-per-task=2" \
            "--shard \"\${SLURM_ARRAY_TASK_ID}/3\""; do
  grep -qF -- "$line" "$script" || fail "the script lacks: $line"
done
bash -n "$script" || fail "the script is not valid bash"
[ ! -d "$work/slurm/points" ] || [ -z "$(ls "$work/slurm/points")" ] || fail "--slurm ran points"
for i in 0 1 2; do SLURM_ARRAY_TASK_ID=$i SLURM_CPUS_PER_TASK=2 bash "$script" 2>/dev/null || fail "task $i"; done
"$npuemu" sweep merge "$work/slurm" 2>/dev/null || fail "merge after the Slurm tasks"
cmp "$work/local/results.csv" "$work/slurm/results.csv" || fail "merged (Slurm) differs from the local run"
echo "ok: shards merge to the local run's results.csv (shared dir, separate dirs, Slurm script)"
