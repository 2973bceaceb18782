#!/usr/bin/env bash
# LLM layers on the default chip, timing-only (--arithmetic skip: the same cycles, no values computed): one GPT-3
# 175B tensor-parallel rank's (TP = 8) decoder layer at sequence 2048 and its causal attention alone, with the
# simulated cycles, MAC utilisation, per-phase cycles and the host's wall time. The BERT-base encoder layer is
# bench/transformer.sh. Run after `make build`; the decoder layer takes about a minute of host time.
#   bash bench/llm_layers.sh [BUILD_DIR]
set -euo pipefail
build="${1:-build}"
npuemu="$build/bin/npuemu"
[ -x "$npuemu" ] || { echo "build first: make build" >&2; exit 1; }
for image in attention decoder_layer; do
  start=$(date +%s.%N)
  "$npuemu" run -q --arithmetic skip "$build/firmware/$image.elf" | sed 's/^\[hart 0\] //'
  end=$(date +%s.%N)
  printf '  wall %.1f s\n' "$(echo "$end - $start" | bc)"
done
