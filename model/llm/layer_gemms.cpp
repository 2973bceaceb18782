#include "model/llm/layer_gemms.h"

#include <algorithm>

#include "model/common/error.h"

namespace npuemu::llm {

const char* dtype_name(GemmDtype dtype) { return dtype == GemmDtype::Int8 ? "int8" : "bf16"; }

std::string GemmShape::variant() const {
    std::string text;
    const auto add = [&text](const char* part) { text += (text.empty() ? "" : ", ") + std::string(part); };
    if (a_transposed) add("A transposed");
    if (b_transposed) add("B transposed");
    if (out_bf16) add("bf16 out");
    if (bias) add("bias");
    if (scale_cols) add("scaled");
    if (gelu) add("GELU");
    return text;
}

bool GemmShape::same_run(const GemmShape& o) const {
    return m == o.m && n == o.n && k == o.k && dtype == o.dtype && a_transposed == o.a_transposed &&
           b_transposed == o.b_transposed && bias == o.bias && scale_cols == o.scale_cols && gelu == o.gelu &&
           out_bf16 == o.out_bf16;
}

namespace {

uint32_t dimension(uint64_t value, const char* what) {
    if (value == 0 || value > UINT32_MAX) throw Error(std::string(what) + " of the layer's GEMMs is out of range");
    return static_cast<uint32_t>(value);
}

}  // namespace

std::vector<GemmShape> layer_gemms(const ModelSpec& model, const PlanSpec& plan, GemmDtype dtype, bool as_run) {
    const uint64_t tp = plan.tensor_parallel;
    const uint64_t tokens = uint64_t(plan.micro_batch) * model.seq_length / plan.context_parallel;  // a CP rank's
    const uint64_t head_dim = model.head_dim();
    const uint64_t kv_heads = model.kv_heads == 0 ? model.heads : model.kv_heads;
    const uint64_t heads_per_rank = model.heads / tp;
    const uint64_t kv_per_rank = std::max<uint64_t>(1, kv_heads / tp);
    const uint64_t ffn = model.ffn_hidden == 0 ? 4ull * model.hidden : model.ffn_hidden;
    const uint64_t ffn_per_rank = ffn / tp;
    const uint64_t up_columns = ffn_per_rank * (model.activation == Activation::Swiglu ? 2 : 1);
    const uint32_t m = dimension(tokens, "micro_batch x seq_length / context_parallel");
    auto shape = [&](const char* name, uint64_t n, uint64_t k) {
        return GemmShape{name, m, dimension(n, name), dimension(k, name), dtype};
    };
    std::vector<GemmShape> gemms = {
        shape("qkv", (heads_per_rank + 2 * kv_per_rank) * head_dim, model.hidden),
        shape("attention_out", model.hidden, heads_per_rank * head_dim),
        shape("mlp_up", up_columns, model.hidden),
        shape("mlp_down", model.hidden, ffn_per_rank),
    };
    if (as_run && dtype == GemmDtype::Bf16) {  // the epilogue takes BF16 inputs only
        GemmShape& qkv = gemms[0];
        qkv.bias = true;
        qkv.scale_cols = dimension(heads_per_rank * head_dim, "qkv");
        qkv.out_bf16 = true;
        gemms[1].out_bf16 = gemms[3].out_bf16 = tp > 1;  // Megatron's row-parallel partial sums, all-reduced in BF16
        GemmShape& up = gemms[2];
        up.bias = true;
        up.gelu = up.out_bf16 = model.activation != Activation::Swiglu;
    }
    return gemms;
}

}  // namespace npuemu::llm
