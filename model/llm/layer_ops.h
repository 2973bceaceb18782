// The ops of one transformer layer's training step on one tensor-parallel rank as the SDK's firmware layer runs them
// (npu_decoder_layer and npu_decoder_train, sdk/src/kernels/decoder.c and decoder_train.c): besides the forward
// GEMMs (layer_gemms.h, as run), the backward GEMMs (input gradients with B transposed, weight gradients with A
// transposed), the row passes of the forward and the backward (npu_rows, npu_rows_backward, npu_column_sums) and the
// attention backward. `npuemu profile` runs them for a model and plan; the cluster model looks each up by these
// shapes (docs/cluster.md, "npuemu chips").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/llm/layer_gemms.h"
#include "model/llm/llm_model.h"

namespace npuemu::llm {

// A row pass over rows x cols FP32 rows on the vector unit:
//   Layernorm: npu_rows layernorm, BF16 out (the norms before QKV and MLP-up);
//   Residual / ResidualBf16: x + bias + residual (FP32, or BF16: the all-reduced partial sums), FP32 out;
//   Swiglu: silu(gate) x up of 2 x cols FP32 columns, BF16 out;
//   ToBf16: a plain pass to BF16 (the loss gradient before the MLP-down backward GEMMs);
//   ScaleQ: columns [0, scale_cols) scaled, FP32 (in place) and BF16 out (dq, as q was scaled);
//   GeluBackward: npu_rows_backward GELU, dx FP32 and BF16, its column sums (the bias gradient) in the pass;
//   LayernormBackward: npu_rows_backward layernorm + the residual's gradient, dx FP32 and BF16, the three column sums;
//   ColumnSums: npu_column_sums (a bias gradient).
enum class RowPass {
    Layernorm,
    Residual,
    ResidualBf16,
    Swiglu,
    ToBf16,
    ScaleQ,
    GeluBackward,
    LayernormBackward,
    ColumnSums
};
const char* row_pass_name(RowPass pass);
// Throws npuemu::Error listing the names when there is no such pass.
RowPass parse_row_pass(const std::string& name, const std::string& where);

struct RowPassShape {
    std::string name;
    RowPass pass = RowPass::Layernorm;
    uint32_t rows = 0, cols = 0;
    uint32_t scale_cols = 0;  // ScaleQ
};

// The layer's backward GEMMs, for each forward GEMM X[m x k] W[k x n] (layer_gemms): NAME_dx = dY W^T (m x k, W^T
// read as B transposed; FP32 out, attention_out's BF16 as the attention backward reads it) and NAME_dw = X^T dY
// (k x n, A transposed, BF16 out).
std::vector<GemmShape> layer_backward_gemms(const ModelSpec& model, const PlanSpec& plan);

// The row passes of the layer's forward and backward (names as the cluster workload's ops they stand for, see
// docs/cluster.md): layernorm, residual (ResidualBf16 with TP > 1), swiglu (SwiGLU only); backward: loss_to_bf16,
// bias_sums_hidden (T x h), gelu_backward (GELU only), layernorm_backward, scale_q, bias_sums_qkv (T x the QKV
// columns). T = micro_batch x seq_length / context_parallel.
std::vector<RowPassShape> layer_row_passes(const ModelSpec& model, const PlanSpec& plan);

// Whether npu_attention_backward can run the rank's attention (it takes as many KV heads as query heads).
bool attention_backward_supported(const ModelSpec& model, const PlanSpec& plan);

}  // namespace npuemu::llm
