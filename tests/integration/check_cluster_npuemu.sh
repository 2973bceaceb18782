#!/usr/bin/env bash
# npuemu cluster with an npuemu chip (docs/cluster.md, "npuemu chips"): profile BERT-base's TP=4 layer shards (64
# tokens) on the test chip, then a 16-chip cluster of test chips on that profile: its layer GEMMs and its optimizer
# step (per parameter) are the profile's cycles at the chip's clock. A plan whose shards the profile lacks (TP 2) is refused naming the shape and the
# command that profiles it; that command, run, makes the cluster go.
#   check_cluster_npuemu.sh WORKDIR NPUEMU
set -euo pipefail
work="$1"; npuemu="$2"
rm -rf "$work"; mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
"$npuemu" profile --model bert-base -w model.seq_length=64 -w plan.tensor_parallel=4 -c test \
  --cache "$work/cache" --out "$work/bert_tp4" -j 2 -q 2> "$work/profile.err" || { cat "$work/profile.err"; fail "profile"; }
cat > "$work/cluster.yaml" <<YAML
name: bert-on-test-chips
chips: {count: 16, npuemu: {config: test, profile: bert_tp4.json}}   # beside this file
node: {chips_per_node: 4}
network: {tiers: 2, switch_radix: 8}
model: {preset: bert-base, seq_length: 64, global_batch: 32}
plan: {tensor_parallel: 4, pipeline_parallel: 2, micro_batch: 1}
YAML
"$npuemu" cluster "$work/cluster.yaml" --out "$work/step.json" > "$work/cluster.txt" 2> "$work/cluster.err" \
  || { cat "$work/cluster.err"; fail "cluster"; }
grep -q "16 x npu7-test, TP 4 x PP 2 x DP 2" "$work/cluster.txt" || { cat "$work/cluster.txt"; fail "summary"; }
grep -q "npuemu chip npu7-test at 1000 MHz: layer GEMMs from .*bert_tp4.json" "$work/cluster.txt" \
  || { cat "$work/cluster.txt"; fail "the chip's compute source in the summary"; }
grep -q "measured (profile): qkv, proj, mlp_up, mlp_down (with the layer's epilogues), attention (scores, softmax, values: flash attention), layernorms, residual adds (GELU in mlp_up's epilogue) (row passes), backward: dX and dW GEMMs, row-pass backwards and column sums, attention backward, optimizer" "$work/cluster.txt" \
  || { cat "$work/cluster.txt"; fail "the measured ops in the summary"; }
python3 - "$work/step.json" "$work/bert_tp4.json" <<'PY'
import json, sys
step, profile = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
chip = step["npuemu_chip"]
cycles = {op["name"]: op["cycles"] for op in profile["ops"]}
assert [g["name"] for g in chip["layer_gemms"]] == ["qkv", "attention_out", "mlp_up", "mlp_down"], chip
for g in chip["layer_gemms"]:
    assert g["cycles"] == cycles[g["name"]], (g, cycles)
    assert abs(g["s"] - g["cycles"] / 1e9) < 1e-15, g
assert step["step_s"] > 0 and 0 < step["mfu"] < 1, step
adam = [op for op in profile["ops"] if op.get("kind") == "optimizer"]
assert len(adam) == 1, profile["ops"]
per_param = adam[0]["cycles"] / 1e9 / adam[0]["params"]
assert abs(chip["optimizer_s_per_param"] - per_param) < 1e-9 * per_param, (chip, adam)
attention = [op for op in profile["ops"] if op.get("kind") == "attention"]
assert len(attention) == 1 and attention[0]["attention"]["heads"] == 3, profile["ops"]
assert abs(chip["attention_s_per_sequence"] - attention[0]["cycles"] / 1e9) < 1e-15, (chip, attention)
PY
[ $? -eq 0 ] || fail "the step's GEMMs are not the profile's"

# TP 2: shards the profile has not run.
set +e
"$npuemu" cluster "$work/cluster.yaml" --set plan.tensor_parallel=2 > /dev/null 2> "$work/missing.err"
status=$?
set -e
[ $status -eq 125 ] || { cat "$work/missing.err"; fail "a missing shape exits $status, not 125"; }
grep -q "has no bf16 GEMM 64 x 1152 x 768 (m x n x k: qkv of bert-base at TP 2" "$work/missing.err" \
  || { cat "$work/missing.err"; fail "the missing shape"; }
command=$(sed -n 's/.*Profile it with: \(npuemu profile .*\) --out NAME.*/\1/p' "$work/missing.err")
[ -n "$command" ] || { cat "$work/missing.err"; fail "no command in the message"; }
# shellcheck disable=SC2086
"$npuemu" ${command#npuemu } --cache "$work/cache" --out "$work/bert_tp2" -j 2 -q 2> "$work/profile2.err" \
  || { cat "$work/profile2.err"; fail "the suggested command: $command"; }
"$npuemu" cluster -q "$work/cluster.yaml" --set plan.tensor_parallel=2 --set chips.npuemu.profile=bert_tp2.json \
  --out "$work/step_tp2.json" || fail "cluster on the suggested command's profile"
echo "ok: cluster on an npuemu chip's profile; a missing shape names the command that profiles it"
