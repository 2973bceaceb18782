#include "model/llm/layer_ops.h"

#include <algorithm>

#include "model/common/error.h"

namespace npuemu::llm {

namespace {

constexpr const char* kRowPassNames[] = {"layernorm", "residual",      "residual_bf16",      "swiglu",     "to_bf16",
                                         "scale_q",   "gelu_backward", "layernorm_backward", "column_sums"};

uint32_t tokens_of(const ModelSpec& model, const PlanSpec& plan) {
    return static_cast<uint32_t>(uint64_t(plan.micro_batch) * model.seq_length / plan.context_parallel);
}

}  // namespace

const char* row_pass_name(RowPass pass) { return kRowPassNames[static_cast<int>(pass)]; }

RowPass parse_row_pass(const std::string& name, const std::string& where) {
    std::string names;
    for (size_t i = 0; i < std::size(kRowPassNames); ++i) {
        if (name == kRowPassNames[i]) return static_cast<RowPass>(i);
        names += std::string(i ? ", " : "") + kRowPassNames[i];
    }
    throw Error(where + ": row pass '" + name + "' is not one of: " + names);
}

std::vector<GemmShape> layer_backward_gemms(const ModelSpec& model, const PlanSpec& plan) {
    std::vector<GemmShape> gemms;
    for (const GemmShape& f : layer_gemms(model, plan, GemmDtype::Bf16)) {
        GemmShape dx = f;  // dY [m x n] W^T [n x k]
        dx.name = f.name + "_dx";
        dx.n = f.k;
        dx.k = f.n;
        dx.b_transposed = true;
        dx.out_bf16 = f.name == "attention_out";  // do16: the attention backward's input
        GemmShape dw = f;                         // X^T [k x m] dY [m x n]
        dw.name = f.name + "_dw";
        dw.m = f.k;
        dw.k = f.m;
        dw.a_transposed = true;
        dw.out_bf16 = true;  // npu_adamw takes BF16 gradients
        gemms.push_back(dx);
        gemms.push_back(dw);
    }
    return gemms;
}

std::vector<RowPassShape> layer_row_passes(const ModelSpec& model, const PlanSpec& plan) {
    const uint32_t tokens = tokens_of(model, plan), h = model.hidden, t = plan.tensor_parallel;
    const std::vector<GemmShape> gemms = layer_gemms(model, plan, GemmDtype::Bf16);
    const uint32_t qkv_cols = gemms[0].n, ffn_per_rank = gemms[3].k, q_cols = gemms[1].k;
    const bool swiglu = model.activation == Activation::Swiglu;
    std::vector<RowPassShape> passes = {
        {"layernorm", RowPass::Layernorm, tokens, h, 0},
        {"residual", t > 1 ? RowPass::ResidualBf16 : RowPass::Residual, tokens, h, 0},
    };
    if (swiglu) passes.push_back({"swiglu", RowPass::Swiglu, tokens, ffn_per_rank, 0});
    passes.push_back({"loss_to_bf16", RowPass::ToBf16, tokens, h, 0});
    passes.push_back({"bias_sums_hidden", RowPass::ColumnSums, tokens, h, 0});
    if (!swiglu) passes.push_back({"gelu_backward", RowPass::GeluBackward, tokens, ffn_per_rank, 0});
    passes.push_back({"layernorm_backward", RowPass::LayernormBackward, tokens, h, 0});
    passes.push_back({"scale_q", RowPass::ScaleQ, tokens, qkv_cols, q_cols});
    passes.push_back({"bias_sums_qkv", RowPass::ColumnSums, tokens, qkv_cols, 0});
    return passes;
}

bool attention_backward_supported(const ModelSpec& model, const PlanSpec& plan) {
    const uint32_t kv_heads = model.kv_heads == 0 ? model.heads : model.kv_heads;
    return std::max(1u, kv_heads / plan.tensor_parallel) == model.heads / plan.tensor_parallel;
}

}  // namespace npuemu::llm
