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
        const std::string kind = node.get_choice("kind", "gemm", {"gemm", "optimizer", "attention"});
        if (kind == "attention") {
            op.kind = OpKind::Attention;
            for (const char* key : {"seq", "heads", "d_head"}) {
                if (!node.has(key)) node.fail(key, "is required (attention: seq, heads, d_head; kv_heads, causal)");
            }
            op.attention.seq = static_cast<uint32_t>(node.get_uint("seq", 0, 1, 1u << 20));
            op.attention.heads = static_cast<uint32_t>(node.get_uint("heads", 0, 1, 4096));
            op.attention.kv_heads = static_cast<uint32_t>(node.get_uint("kv_heads", op.attention.heads, 1, 4096));
            op.attention.d_head = static_cast<uint32_t>(node.get_uint("d_head", 0, 1, 1024));
            op.attention.causal = node.get_bool("causal", true) ? 1 : 0;
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
    for (const auto& shape : llm::layer_gemms(model, plan, parse_dtype(dtype, file))) {
        workload.ops.push_back(
            ProfileOp{shape, model.name + " TP=" + std::to_string(plan.tensor_parallel), OpKind::Gemm, 0, {}});
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
    layout.end = c + uint64_t(shape.m) * shape.n * 4;  // C is INT32 or FP32
    layout.a = static_cast<uint32_t>(a);
    layout.b = static_cast<uint32_t>(b > UINT32_MAX ? 0 : b);
    layout.c = static_cast<uint32_t>(c > UINT32_MAX ? 0 : c);
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

uint32_t optimizer_params_that_fit(const config::ChipConfig& chip) {
    const uint64_t limit = NPUEMU_GLOBAL_MEM_BASE + chip.global_memory.size_bytes;
    uint32_t params = 16u << 20;
    while (params > 1024 && optimizer_layout(params).end > limit) params /= 2;
    return params;
}

void check_fits(const ProfileOp& op, const config::ChipConfig& chip) {
    static_assert(GEMM_JOB_ADDRESS < kOperandBase, "the operands follow the job block");
    const uint64_t limit = NPUEMU_GLOBAL_MEM_BASE + chip.global_memory.size_bytes;
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
