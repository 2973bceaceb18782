#!/usr/bin/env bash
# The training GEMMs of one GPT-3 175B tensor-parallel rank (TP = 8: hidden 12288, QKV shard 4608, attention output
# shard 1536, MLP shard 6144) at 2048 tokens, BF16, on the default chip, timing-only (--arithmetic skip: the same
# cycles, no values computed), through firmware/gemm's job block: the forward GEMMs (Y = X W), the data gradients
# (dX = dY W^T: B transposed, W read as stored) and the weight gradients (dW = X^T dY: A transposed, X read as stored
# through the DMA's transposer). Prints each GEMM's cycles and MAC utilisation and the totals per pass, then the
# backward row passes and column sums at the same sizes. About 20 minutes of host time (the GEMMs).
#   bash bench/train.sh [BUILD_DIR]
set -euo pipefail
build="${1:-build}"
npuemu="$build/bin/npuemu"
[ -x "$npuemu" ] || { echo "build first: make build" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
T=2048 H=12288 QKV=4608 O=1536 FF=6144
# name pass m n k a_transposed b_transposed
shapes="
qkv forward $T $QKV $H 0 0
wo forward $T $H $O 0 0
mlp_up forward $T $FF $H 0 0
mlp_down forward $T $H $FF 0 0
qkv_dx backward $T $H $QKV 0 1
wo_dx backward $T $O $H 0 1
mlp_up_dx backward $T $H $FF 0 1
mlp_down_dx backward $T $FF $H 0 1
qkv_dw backward $H $QKV $T 1 0
wo_dw backward $O $H $T 1 0
mlp_up_dw backward $H $FF $T 1 0
mlp_down_dw backward $FF $H $T 1 0
"
declare -A macs cycles
while read -r name pass m n k at bt; do
  [ -n "$name" ] || continue
  # The gemm job block (firmware/gemm/gemm_job.h): magic, m, n, k, dtype (BF16), a, b, c, repeat, kernel, b_transposed,
  # a_transposed. A, B and C need not hold data in timing-only mode; they only have to lie in global memory.
  python3 -c "import struct,sys; sys.stdout.buffer.write(struct.pack('<12I', 0x4A4D4547, $m, $n, $k, 1, 0x82000000, \
    0x92000000, 0xA2000000, 1, 0, $bt, $at))" > "$work/job.bin"
  start=$(date +%s.%N)
  line=$("$npuemu" run -q --arithmetic skip --load "$work/job.bin@0x81000000" "$build/firmware/gemm.elf" |
         grep 'MAC utilisation' | sed 's/^\[hart 0\] //')
  end=$(date +%s.%N)
  c=$(echo "$line" | sed 's/.*: \([0-9]*\) cycles.*/\1/')
  printf '%-12s %-8s %s (wall %.1f s)\n' "$name" "$pass" "$line" "$(echo "$end - $start" | bc)"
  macs[$pass]=$(( ${macs[$pass]:-0} + m * n * k ))
  cycles[$pass]=$(( ${cycles[$pass]:-0} + c ))
done <<< "$shapes"
peak=$((32 * 64 * 64))
for pass in forward backward; do
  awk -v p="$pass" -v m="${macs[$pass]}" -v c="${cycles[$pass]}" -v peak="$peak" \
    'BEGIN { printf "%s GEMMs: %.3g MACs in %d cycles: %.1f%% MAC utilisation\n", p, m, c, 100 * m / (c * peak) }'
done
awk -v m="$(( ${macs[forward]} + ${macs[backward]} ))" -v c="$(( ${cycles[forward]} + ${cycles[backward]} ))" \
  -v peak="$peak" 'BEGIN { printf "forward + backward GEMMs: %.1f%% MAC utilisation\n", 100 * m / (c * peak) }'

# The backward pass's row passes and column sums at the same shard's sizes (firmware/backward_ops' job block:
# magic, version, bytes, op, rows, cols, x, dy, gamma, eps, residual, dx, dx_bf16, dy_xhat, partials, then the
# attention backward's fields, unused here): layernorm
# backward with the residual gradient and dgamma's rows (twice per layer), GELU backward of the MLP (once), and the
# column sums of the bias, dbeta and dgamma gradients (12288 wide: five per layer; 6144 and 4608: one each). The
# buffers lie in the default chip's 1 GiB of global memory.
# name op rows cols residual dy_xhat
ops="
layernorm_bwd 3 $T $H 1 1
gelu_bwd 1 $T $FF 0 0
colsum_12288 100 $T $H 0 0
colsum_6144 100 $T $FF 0 0
colsum_4608 100 $T $QKV 0 0
"
while read -r name op rows cols res dyx; do
  [ -n "$name" ] || continue
  python3 -c "import struct,sys; sys.stdout.buffer.write(struct.pack('<23I', 0x4B574242, 2, 92, $op, $rows, $cols, \
    0x82000000, 0x88000000, 0x8E000000, 0x3727C5AC, $res * 0x90000000, 0x96000000, 0x9C000000, $dyx * 0xA0000000, \
    0xA6000000, 0, 0, 0, 0, 0, 0, 0, 0))" > "$work/job.bin"
  line=$("$npuemu" run -q --arithmetic skip --load "$work/job.bin@0x81000000" "$build/firmware/backward_ops.elf" |
         grep 'cycles' | sed 's/^\[hart 0\] //')
  printf '%-14s %s\n' "$name" "$line"
done <<< "$ops"
# Causal attention backward of the rank's 12 heads of 128 at 2048 positions (npu_attention_backward, flash style:
# the -D pass, the fused pass over (head, 256-key block) units, dq's sums; the mask's preparation by the control cores
# is inside the timed region). Its inputs: qkv, dO, the forward's output and row statistics (zeros: timing only).
python3 -c "import struct,sys; sys.stdout.buffer.write(struct.pack('<23I', 0x4B574242, 2, 92, 101, $T, 0, 0, 0, 0, \
  0, 0, 0x82000000, 0, 0, 0, 12, 128, 0x86000000, 0x88000000, 0x8A000000, 0x8E000000, 0x8F000000, 12))" \
  > "$work/job.bin"
line=$("$npuemu" run -q --arithmetic skip --load "$work/job.bin@0x81000000" "$build/firmware/backward_ops.elf" |
       grep 'cycles' | sed 's/^\[hart 0\] //')
printf '%-14s %s\n' attention_bwd "$line"
