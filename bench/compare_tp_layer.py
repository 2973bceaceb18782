#!/usr/bin/env python3
"""A tensor-parallel decoder layer measured on the multi-chip model against the cluster model's prediction
(bench/calibration.sh, issue 15: within 5%).

  compare_tp_layer.py LAYER_CONSOLE STEP_JSON

LAYER_CONSOLE: firmware/decoder_layer's console on chip 0 (its "decoder layer ... N cycles" and "phases" lines, with
the two "tp all-reduce" phases); STEP_JSON: npuemu cluster --out of the same layer (its layer_forward and npuemu_chip
objects). The firmware's phases and the cluster workload's ops (model/cluster/workload.h) are matched up, each pair
side by side with the difference; the total's error is the calibration figure.
"""
import json
import re
import sys

# Firmware phase (in the order decoder_layer prints them: NPU_DECODER_*) -> the cluster workload's ops that do its
# work ("tp" = one TP all-reduce).
PHASES = [
    ("ln1", ["layernorm1"]),
    ("qkv gemm", ["qkv"]),
    ("attention", ["attention_scores", "softmax", "attention_dropout", "attention_values"]),
    ("wo gemm", ["proj"]),
    ("residual 1", ["bias_dropout_add1"]),
    ("ln2", ["layernorm2"]),
    ("mlp up (+act)", ["mlp_up", "bias_gelu"]),
    ("mlp down gemm", ["mlp_down"]),
    ("residual 2", ["bias_dropout_add2"]),
    ("tp all-reduce 1", ["tp"]),
    ("tp all-reduce 2", ["tp"]),
]


def parse_console(path):
    text = open(path).read()
    total = re.search(r"decoder layer .*?: (\d+) cycles", text)
    phases = re.search(r"phases \(cycles, share\): (.*)", text)
    if not total or not phases:
        sys.exit(f"{path}: no decoder layer cycles and phases (decoder_layer's console on chip 0 expected)")
    cycles = [int(c) for c in re.findall(r" (\d+) \(\d+%\)", " " + phases.group(1))]
    if len(cycles) != len(PHASES):
        sys.exit(f"{path}: {len(cycles)} phases, expected {len(PHASES)} (a tensor-parallel run's)")
    return int(total.group(1)), cycles


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    total_cycles, phase_cycles = parse_console(sys.argv[1])
    step = json.load(open(sys.argv[2]))
    layer = step["layer_forward"]
    clock_hz = step["npuemu_chip"]["clock_mhz"] * 1e6
    one_all_reduce_s = layer["tp_s"] / layer["tp_all_reduces"] if layer["tp_all_reduces"] else 0
    print(f"{'phase':<16} {'measured us':>12} {'model us':>10} {'model - measured':>17}")
    for (name, ops), cycles in zip(PHASES, phase_cycles):
        measured_s = cycles / clock_hz
        # An op the workload leaves out (attention_dropout without dropout) costs nothing.
        model_s = sum(one_all_reduce_s if op == "tp" else layer["ops_s"].get(op, 0) for op in ops)
        print(f"{name:<16} {measured_s * 1e6:>12.1f} {model_s * 1e6:>10.1f} {(model_s - measured_s) * 1e6:>+17.1f}")
    measured_s = total_cycles / clock_hz
    model_s = layer["total_s"]
    print(f"{'layer':<16} {measured_s * 1e6:>12.1f} {model_s * 1e6:>10.1f} {(model_s - measured_s) * 1e6:>+17.1f}")
    print(f"the cluster model predicts the layer's forward within {model_s / measured_s - 1:+.1%} "
          f"(measured {total_cycles} cycles at {clock_hz / 1e6:.0f} MHz; the aim: 5%)")


if __name__ == "__main__":
    main()
