#!/usr/bin/env bash
# The model against the RTL on the same GEMM: 256x256x256 INT8 tiled onto a 16x16 array (16 blocks of 16 output
# columns x 16 chunks of K: 256 load_weights and 256 matmul of 256 rows), run through the model's timing and
# arithmetic (SystolicTiming + matmul_int8, as the SystemC matrix unit runs them) and through the verilated RTL, in
# one process. Both must give the same cycles for every instruction and the same results; the wall times and their
# ratio are printed. Run after `make build`.
#   bash bench/rtl_speed.sh [BUILD_DIR] [MxKxN] [ROWS] [COLS]
set -euo pipefail
build="${1:-build}"
shape="${2:-256x256x256}"
rows="${3:-16}"
cols="${4:-${rows}}"
"$build/bin/npuemu-rtlcheck" --rows "$rows" --cols "$cols" --bench "$shape" --dtype int8
