#include "cli/profile/profile_ops.h"

#include <algorithm>
#include <cstdio>
#include <memory>

#include "firmware/gemm/gemm_job.h"
#include "model/common/error.h"
#include "sdk/include/npuemu/memory_map.h"

namespace npuemu::profile {

namespace {

constexpr uint32_t kOperandBase = 0x82000000u;  // A; the job block is at GEMM_JOB_ADDRESS, below

std::string hex_address(uint64_t address) {
    char text[24];
    std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(address));
    return text;
}

uint64_t align_64kib(uint64_t address) { return (address + 0xFFFF) & ~uint64_t(0xFFFF); }

llm::GemmDtype parse_dtype(const std::string& text, const std::string& where) {
    if (text == "int8") return llm::GemmDtype::Int8;
    if (text == "bf16") return llm::GemmDtype::Bf16;
    throw Error(where + ": dtype '" + text + "' is not one of: int8, bf16");
}

std::vector<ProfileOp> read_ops(config::ConfigNode& top) {
    std::vector<ProfileOp> ops;
    std::vector<config::ConfigNode> list = top.list("ops");
    if (list.empty())
        top.fail("ops", "needs at least one op ({name, m, n, k, dtype} or {name, kind: optimizer, params})");
    for (config::ConfigNode& node : list) {
        ProfileOp op;
        op.origin = node.where("name");
        op.shape.name = node.get_string("name", "op" + std::to_string(ops.size()));
        const std::string kind =
            node.get_choice("kind", "gemm", {"gemm", "optimizer", "attention", "rows", "attention_backward"});
        if (kind == "rows") {
            op.kind = OpKind::Rows;
            for (const char* key : {"pass", "rows", "cols"}) {
                if (!node.has(key)) node.fail(key, "is required (rows: pass, rows, cols; scale_cols for scale_q)");
            }
            op.row_pass = llm::parse_row_pass(node.get_string("pass", ""), node.where("pass"));
            op.shape.m = static_cast<uint32_t>(node.get_uint("rows", 0, 1, 1u << 20));
            op.shape.n = static_cast<uint32_t>(node.get_uint("cols", 0, 1, 1u << 20));
            op.shape.k = static_cast<uint32_t>(node.get_uint("scale_cols", 0, 0, op.shape.n));
            node.finish();
            ops.push_back(op);
            continue;
        }
        if (kind == "attention" || kind == "attention_backward") {
            op.kind = kind == "attention" ? OpKind::Attention : OpKind::AttentionBackward;
            for (const char* key : {"seq", "heads", "d_head"}) {
                if (!node.has(key)) node.fail(key, "is required (attention: seq, heads, d_head; kv_heads, causal)");
            }
            op.attention.seq = static_cast<uint32_t>(node.get_uint("seq", 0, 1, 1u << 20));
            op.attention.heads = static_cast<uint32_t>(node.get_uint("heads", 0, 1, 4096));
            op.attention.kv_heads = op.kind == OpKind::AttentionBackward  // npu_attention_backward: no grouped KV heads
                                        ? op.attention.heads
                                        : static_cast<uint32_t>(node.get_uint("kv_heads", op.attention.heads, 1, 4096));
            op.attention.d_head = static_cast<uint32_t>(node.get_uint("d_head", 0, 1, 1024));
            op.attention.causal = op.kind == OpKind::AttentionBackward || node.get_bool("causal", true) ? 1 : 0;
            if (op.attention.heads % op.attention.kv_heads) {
                node.fail("kv_heads", "must divide heads (" + std::to_string(op.attention.heads) + ")");
            }
            node.finish();
            ops.push_back(op);
            continue;
        }
        if (kind == "optimizer") {
            op.kind = OpKind::Optimizer;
            op.params = static_cast<uint32_t>(node.get_uint("params", 0, 1, 1u << 28));
            if (!node.has("params")) node.fail("params", "is required (the AdamW step's parameter count)");
            node.finish();
            ops.push_back(op);
            continue;
        }
        op.shape.m = static_cast<uint32_t>(node.get_uint("m", 0, 1, 1u << 20));
        op.shape.n = static_cast<uint32_t>(node.get_uint("n", 0, 1, 1u << 20));
        op.shape.k = static_cast<uint32_t>(node.get_uint("k", 0, 1, 1u << 20));
        for (const char* key : {"m", "n", "k"}) {
            if (!node.has(key)) node.fail(key, "is required (the GEMM is m x k times k x n)");
        }
        const std::string dtype = node.get_choice("dtype", "bf16", {"int8", "bf16"});
        op.shape.dtype = parse_dtype(dtype, node.where("dtype"));
        op.shape.a_transposed = node.get_bool("a_transposed", false);
        op.shape.b_transposed = node.get_bool("b_transposed", false);
        op.shape.bias = node.get_bool("bias", false);
        op.shape.scale_cols = static_cast<uint32_t>(node.get_uint("scale_cols", 0, 0, op.shape.n));
        op.shape.gelu = node.get_bool("gelu", false);
        op.shape.out_bf16 = node.get_choice("out", "fp32", {"fp32", "bf16"}) == "bf16";
        if (op.shape.dtype == llm::GemmDtype::Int8 &&
            (op.shape.bias || op.shape.scale_cols || op.shape.gelu || op.shape.out_bf16)) {
            node.fail("dtype", "int8: npu_gemm's epilogue (bias, scale_cols, gelu, out: bf16) takes BF16 inputs only");
        }
        node.finish();
        ops.push_back(op);
    }
    return ops;
}

}  // namespace

namespace {

Workload read_workload(const WorkloadOptions& options) {
    YAML::Node root = options.file.empty() ? YAML::Node(YAML::NodeType::Map) : config::load_yaml_file(options.file);
    auto origins = std::make_shared<config::OverrideOrigins>();
    if (!options.model.empty()) root["model"]["preset"] = options.model;
    for (const auto& assignment : options.overrides) config::apply_override(root, assignment, *origins);
    const std::string file = options.file.empty() ? "<command line>" : options.file;
    config::ConfigNode top(root, file, "", origins);
    Workload workload;
    if (top.has("ops")) {
        if (top.has("model") || top.has("plan")) top.fail("ops", "give either ops or a model and a plan, not both");
        workload.ops = read_ops(top);
        workload.description = file;
        top.finish();
        return workload;
    }
    if (!top.has("model")) top.fail("model", "needs ops: (a list of GEMMs) or model: and plan: (or --model NAME)");
    llm::ModelSpec model;
    llm::PlanSpec plan;
    llm::read_model(top.child("model"), model);
    llm::read_plan(top.child("plan"), plan);
    const std::string dtype = top.get_choice("dtype", options.dtype, {"int8", "bf16"});
    top.finish();
    llm::check_model_plan(model, plan, top);
    // The layer as firmware runs it (npu_decoder_layer, npu_decoder_train): its GEMMs with their epilogues, its
    // row passes, attention forward and backward; the backward GEMMs and passes in BF16 training only.
    const std::string origin = model.name + " TP=" + std::to_string(plan.tensor_parallel);
    const llm::GemmDtype gemm_dtype = parse_dtype(dtype, file);
    const bool training = gemm_dtype == llm::GemmDtype::Bf16;
    for (const auto& shape : llm::layer_gemms(model, plan, gemm_dtype, true)) {
        workload.ops.push_back(ProfileOp{shape, origin, OpKind::Gemm, 0, {}});
    }

    {
        // Flash attention over one sequence of this rank's heads (causal: the model schema has no encoder flag, so
        // BERT's attention is profiled causal too); the cluster model scales it by the micro-batch.
        ProfileOp attention;
        attention.shape.name = "attention";
        attention.origin = model.name + " TP=" + std::to_string(plan.tensor_parallel) + " attention";
        attention.kind = OpKind::Attention;
        attention.attention.seq = model.seq_length;
        attention.attention.heads = model.heads / plan.tensor_parallel;
        attention.attention.kv_heads = std::max(1u, model.kv_heads / plan.tensor_parallel);
        attention.attention.d_head = model.hidden / model.heads;
        attention.attention.causal = 1;
        workload.ops.push_back(attention);
        if (training) {
            for (const auto& pass : llm::layer_row_passes(model, plan)) {
                ProfileOp row;
                row.shape.name = pass.name;
                row.shape.m = pass.rows;
                row.shape.n = pass.cols;
                row.shape.k = pass.scale_cols;
                row.origin = origin + " " + pass.name;
                row.kind = OpKind::Rows;
                row.row_pass = pass.pass;
                workload.ops.push_back(row);
            }
            for (const auto& shape : llm::layer_backward_gemms(model, plan)) {
                workload.ops.push_back(ProfileOp{shape, origin, OpKind::Gemm, 0, {}});
            }
        }
        if (training && llm::attention_backward_supported(model, plan)) {
            attention.shape.name = "attention_backward";
            attention.origin = origin + " attention backward";
            attention.kind = OpKind::AttentionBackward;
            workload.ops.push_back(attention);
        }
    }
    if (options.optimizer_params) {
        ProfileOp optimizer;
        optimizer.shape.name = "optimizer";
        optimizer.origin = model.name + " optimizer step";
        optimizer.kind = OpKind::Optimizer;
        optimizer.params = options.optimizer_params;
        workload.ops.push_back(optimizer);
    }
    workload.description = model.name + ", TP " + std::to_string(plan.tensor_parallel) + ", micro-batch " +
                           std::to_string(plan.micro_batch) + " x " + std::to_string(model.seq_length) + " tokens";
    workload.model = model;
    workload.plan = plan;
    return workload;
}

}  // namespace

Workload load_workload(const WorkloadOptions& options) {
    try {
        return read_workload(options);
    } catch (const Error& e) {
        // The reader names an overridden key's origin as "--set KEY=VALUE"; here that came from --workload-set.
        const std::string message = e.what();
        if (message.rfind("--set ", 0) == 0) throw Error("--workload-set " + message.substr(6));
        throw;
    }
}

GemmLayout gemm_layout(const llm::GemmShape& shape) {
    const uint64_t element = shape.dtype == llm::GemmDtype::Bf16 ? 2 : 1;
    GemmLayout layout;
    const uint64_t a = kOperandBase;
    const uint64_t b = align_64kib(a + uint64_t(shape.m) * shape.k * element);
    const uint64_t c = align_64kib(b + uint64_t(shape.k) * shape.n * element);
    const uint64_t bias = align_64kib(c + uint64_t(shape.m) * shape.n * (shape.out_bf16 ? 2 : 4));  // C: INT32/FP32
    layout.end = shape.bias ? bias + uint64_t(shape.n) * 4 : bias;
    layout.a = static_cast<uint32_t>(a);
    layout.b = static_cast<uint32_t>(b > UINT32_MAX ? 0 : b);
    layout.c = static_cast<uint32_t>(c > UINT32_MAX ? 0 : c);
    layout.bias = shape.bias ? static_cast<uint32_t>(bias > UINT32_MAX ? 0 : bias) : 0;
    return layout;
}

OptimizerLayout optimizer_layout(uint32_t params) {
    OptimizerLayout layout;
    uint64_t at = kOperandBase;
    const auto take = [&at](uint64_t bytes) {
        const uint64_t address = at;
        at = align_64kib(at + bytes);
        return static_cast<uint32_t>(address > UINT32_MAX ? 0 : address);
    };
    layout.w = take(uint64_t(params) * 4);
    layout.m = take(uint64_t(params) * 4);
    layout.v = take(uint64_t(params) * 4);
    layout.g = take(uint64_t(params) * 2);
    layout.w_bf16 = take(uint64_t(params) * 2);
    layout.end = uint64_t(layout.w_bf16) + uint64_t(params) * 2;
    return layout;
}

AttentionLayout attention_layout(const AttentionDims& a) {
    AttentionLayout layout;
    const uint64_t width = uint64_t(a.heads + 2 * a.kv_heads) * a.d_head * 2;  // bytes of a fused [q | k | v] row
    const uint64_t q = kOperandBase;
    const uint64_t out = align_64kib(q + uint64_t(a.seq) * width);
    const uint64_t out_ld = uint64_t(a.heads) * a.d_head * 2;
    const uint64_t mask = align_64kib(out + uint64_t(a.seq) * out_ld);
    layout.end = mask + (4u << 20);
    const auto word = [](uint64_t value) { return static_cast<uint32_t>(value > UINT32_MAX ? 0 : value); };
    layout.q = word(q);
    layout.k = word(q + uint64_t(a.heads) * a.d_head * 2);
    layout.v = word(q + uint64_t(a.heads + a.kv_heads) * a.d_head * 2);
    layout.ld = word(width);
    layout.out = word(out);
    layout.out_ld = word(out_ld);
    layout.mask = word(mask);
    return layout;
}

namespace {

// Places arrays one after the other from the operand base, 64 KiB aligned.
class Placer {
public:
    uint32_t take(uint64_t bytes) {
        const uint64_t address = at_;
        at_ = align_64kib(at_ + bytes);
        end_ = address + bytes;
        return static_cast<uint32_t>(address > UINT32_MAX ? 0 : address);
    }
    uint64_t end() const { return end_; }

private:
    uint64_t at_ = kOperandBase, end_ = kOperandBase;
};

constexpr uint32_t kFp32 = 3, kBf16 = 1;  // NPU_DTYPE_FP32, NPU_DTYPE_BF16 (isa/npu_isa.yaml)
constexpr uint32_t kActSilu = 3, kRowsLayernorm = 2, kBackwardGelu = 1, kBackwardLayernorm = 3;

}  // namespace

LayerOpsLayout layer_ops_layout(const ProfileOp& op, uint64_t memory_end) {
    LayerOpsLayout layout;
    layer_ops_job& j = layout.job;
    j.magic = LAYER_OPS_JOB_MAGIC;
    j.version = LAYER_OPS_JOB_VERSION;
    j.bytes = sizeof j;
    j.memory_end = static_cast<uint32_t>(std::min<uint64_t>(memory_end, UINT32_MAX));
    j.eps_bits = 0x3727C5ACu;  // 1e-5f; the cycles do not depend on the values (timing-only)
    Placer place;
    if (op.kind == OpKind::AttentionBackward) {
        const AttentionDims& a = op.attention;
        const uint64_t width = 3ull * a.heads * a.d_head;
        j.op = LAYER_OPS_ATTENTION_BACKWARD;
        j.rows = a.seq;
        j.cols = static_cast<uint32_t>(width);
        j.heads = a.heads;
        j.kv_heads = a.heads;
        j.d_head = a.d_head;
        j.qkv = place.take(a.seq * width * 2);
        j.qkv_ld = static_cast<uint32_t>(width * 2);
        j.d_out_ld = a.heads * a.d_head * 2;
        j.d_out = place.take(uint64_t(a.seq) * j.d_out_ld);
        j.out_ld = j.d_out_ld;  // the forward's output, BF16, and its rows' statistics (-m and 1/l per head and row)
        j.out = place.take(uint64_t(a.seq) * j.out_ld);
        j.row_stats = place.take(2ull * a.heads * a.seq * 4);
        j.d_qkv_ld = static_cast<uint32_t>(width * 4);
        j.d_qkv = place.take(a.seq * width * 4);
        j.scratch = place.take(uint64_t(a.seq) * a.seq * 16);  // ample: the firmware checks the kernel's own size
        layout.end = place.end();
        return layout;
    }
    const uint64_t rows = op.shape.m, cols = op.shape.n;
    const uint64_t fp32_matrix = rows * cols * 4, bf16_matrix = rows * cols * 2;
    j.rows = op.shape.m;
    j.cols = op.shape.n;
    j.src_ld = j.dst_fp32_ld = static_cast<uint32_t>(cols * 4);
    j.dst_bf16_ld = static_cast<uint32_t>(cols * 2);
    const auto partials = [&] { return place.take(3ull * NPUEMU_MAX_TILES * cols * 4); };
    switch (op.row_pass) {
        case llm::RowPass::Layernorm:
            j.op = LAYER_OPS_ROWS;
            j.row_op = kRowsLayernorm;
            j.src = place.take(fp32_matrix);
            j.gamma = place.take(cols * 4);
            j.beta = place.take(cols * 4);
            j.dst_bf16 = place.take(bf16_matrix);
            break;
        case llm::RowPass::Residual:
        case llm::RowPass::ResidualBf16: {
            const bool bf16 = op.row_pass == llm::RowPass::ResidualBf16;
            j.op = LAYER_OPS_ROWS;
            j.src = place.take(fp32_matrix);
            j.bias = place.take(cols * 4);
            j.residual = place.take(bf16 ? bf16_matrix : fp32_matrix);
            j.residual_ld = static_cast<uint32_t>(cols * (bf16 ? 2 : 4));
            j.residual_dtype = bf16 ? kBf16 : kFp32;
            j.dst_fp32 = place.take(fp32_matrix);
            break;
        }
        case llm::RowPass::Swiglu:
            j.op = LAYER_OPS_ROWS;
            j.src = place.take(2 * fp32_matrix);  // [gate | up] rows
            j.src_ld = j.mul_ld = static_cast<uint32_t>(2 * cols * 4);
            j.mul_src = j.src + static_cast<uint32_t>(cols * 4);
            j.activation = kActSilu;
            j.dst_bf16 = place.take(bf16_matrix);
            break;
        case llm::RowPass::ToBf16:
            j.op = LAYER_OPS_ROWS;
            j.src = place.take(fp32_matrix);
            j.dst_bf16 = place.take(bf16_matrix);
            break;
        case llm::RowPass::ScaleQ:
            j.op = LAYER_OPS_ROWS;
            j.src = j.dst_fp32 = place.take(fp32_matrix);  // in place, as the layer's backward does
            j.scale_bits = 0x3DB504F3u;                    // 1/sqrt(128)
            j.scale_cols = op.shape.k;
            j.dst_bf16 = place.take(bf16_matrix);
            break;
        case llm::RowPass::GeluBackward:
            j.op = LAYER_OPS_ROWS_BACKWARD;
            j.backward_op = kBackwardGelu;
            j.x = place.take(fp32_matrix);
            j.dy = j.dx = place.take(fp32_matrix);  // dz over du, as the layer's backward does
            j.dx_bf16 = place.take(bf16_matrix);
            j.sum_dx = place.take(cols * 4);
            j.partials = partials();
            break;
        case llm::RowPass::LayernormBackward:
            j.op = LAYER_OPS_ROWS_BACKWARD;
            j.backward_op = kBackwardLayernorm;
            j.x = place.take(fp32_matrix);
            j.dy = place.take(fp32_matrix);
            j.backward_gamma = place.take(cols * 4);
            j.backward_residual = place.take(fp32_matrix);
            j.dx = place.take(fp32_matrix);
            j.dx_bf16 = place.take(bf16_matrix);
            j.sum_dy = place.take(cols * 4);
            j.sum_dy_xhat = place.take(cols * 4);
            j.sum_dx = place.take(cols * 4);
            j.partials = partials();
            break;
        case llm::RowPass::ColumnSums:
            j.op = LAYER_OPS_COLUMN_SUMS;
            j.x = place.take(fp32_matrix);
            j.dx = place.take(cols * 4);
            j.partials = partials();
            break;
    }
    layout.end = place.end();
    return layout;
}

uint32_t optimizer_params_that_fit(const config::ChipConfig& chip) {
    const uint64_t limit = NPUEMU_GLOBAL_MEM_BASE + chip.global_memory.size_bytes;
    uint32_t params = 16u << 20;
    while (params > 1024 && optimizer_layout(params).end > limit) params /= 2;
    return params;
}

void check_fits(const ProfileOp& op, const config::ChipConfig& chip) {
    static_assert(GEMM_JOB_ADDRESS < kOperandBase, "the operands follow the job block");
    const uint64_t limit = NPUEMU_GLOBAL_MEM_BASE + chip.global_memory.size_bytes;
    if (op.kind == OpKind::Rows || op.kind == OpKind::AttentionBackward) {
        const uint64_t end = layer_ops_layout(op, limit).end;
        if (end <= limit) return;
        const std::string what = op.kind == OpKind::Rows
                                     ? "row pass " + std::string(llm::row_pass_name(op.row_pass)) + " of " +
                                           std::to_string(op.shape.m) + " x " + std::to_string(op.shape.n)
                                     : "attention backward seq " + std::to_string(op.attention.seq) + ", " +
                                           std::to_string(op.attention.heads) + " heads of " +
                                           std::to_string(op.attention.d_head);
        throw Error(
            op.origin + ": op '" + op.shape.name + "' (" + what + ") does not fit the chip's memory: its arrays need " +
            std::to_string((end - kOperandBase + 1023) / 1024) + " KiB from 0x82000000, global_memory.size_kib is " +
            std::to_string(chip.global_memory.size_bytes / 1024));
    }
    if (op.kind == OpKind::Attention) {
        const uint64_t end = attention_layout(op.attention).end;
        if (end <= limit) return;
        throw Error(op.origin + ": op '" + op.shape.name + "' (attention seq " + std::to_string(op.attention.seq) +
                    ", " + std::to_string(op.attention.heads) + " heads of " + std::to_string(op.attention.d_head) +
                    ") does not fit the chip's memory: q, k, v, the output and the mask need " +
                    std::to_string((end - kOperandBase + 1023) / 1024) +
                    " KiB from 0x82000000, global_memory.size_kib is " +
                    std::to_string(chip.global_memory.size_bytes / 1024));
    }
    if (op.kind == OpKind::Optimizer) {
        const uint64_t end = optimizer_layout(op.params).end;
        if (end <= limit) return;
        throw Error(
            op.origin + ": op '" + op.shape.name + "' (an optimizer step over " + std::to_string(op.params) +
            " parameters) does not fit the chip's memory: its arrays need " +
            std::to_string((end - kOperandBase + 1023) / 1024) + " KiB from 0x82000000, global_memory.size_kib is " +
            std::to_string(chip.global_memory.size_bytes / 1024) + " (the window ends at " + hex_address(limit) + ")");
    }
    const GemmLayout layout = gemm_layout(op.shape);
    if (layout.end <= limit) return;
    const uint64_t needed_kib = (layout.end - kOperandBase + 1023) / 1024;
    throw Error(op.origin + ": op '" + op.shape.name + "' (m " + std::to_string(op.shape.m) + ", n " +
                std::to_string(op.shape.n) + ", k " + std::to_string(op.shape.k) + ", " +
                llm::dtype_name(op.shape.dtype) + ") does not fit the chip's memory: A, B and C need " +
                std::to_string(needed_kib) + " KiB from 0x82000000, global_memory.size_kib is " +
                std::to_string(chip.global_memory.size_bytes / 1024) + " (the window ends at " + hex_address(limit) +
                ")");
}

}  // namespace npuemu::profile
