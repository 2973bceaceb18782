#!/usr/bin/env bash
# LLM layers on the default chip, timing-only (--arithmetic skip: the same cycles, no values computed): one GPT-3
# 175B tensor-parallel rank's (TP = 8) decoder layer at sequence 2048 and its causal attention alone, with the
# simulated cycles, MAC utilisation, per-phase cycles and the host's wall time; then a whole Llama 3 8B layer (GQA,
# RMS norm, SwiGLU) at sequence 2048; then the GPT-3 rank's layer training step (firmware/decoder_train: forward and
# backward, the per-phase cycles of each) with the global-memory window raised to 2 GiB (its activations, weights and
# gradients take ~1.9 GiB; nothing else of the default chip changes), and a whole Llama 3 8B layer's training step
# (decoder_train_llama3_8b: RMS norm, SwiGLU, rotary, 8 KV heads) the
# same way. The BERT-base encoder layer is bench/transformer.sh. Run after `make build`; the decoder layer takes about
# a minute of host time, each training step about 4 minutes of CPU.
#   bash bench/llm_layers.sh [BUILD_DIR]
set -euo pipefail
build="${1:-build}"
npuemu="$build/bin/npuemu"
[ -x "$npuemu" ] || { echo "build first: make build" >&2; exit 1; }
for image in attention decoder_layer decoder_layer_llama3_8b; do
  start=$(date +%s.%N)
  "$npuemu" run -q --arithmetic skip "$build/firmware/$image.elf" | sed 's/^\[hart 0\] //'
  end=$(date +%s.%N)
  printf '  wall %.1f s\n' "$(echo "$end - $start" | bc)"
done
for image in decoder_train decoder_train_llama3_8b; do
  start=$(date +%s.%N)
  "$npuemu" run -q --arithmetic skip -s global_memory.size_kib=2097152 "$build/firmware/$image.elf" |
    sed 's/^\[hart 0\] //'
  end=$(date +%s.%N)
  printf '  wall %.1f s\n' "$(echo "$end - $start" | bc)"
done
