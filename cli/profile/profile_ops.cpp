#include "cli/profile/profile_ops.h"

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
    if (list.empty()) top.fail("ops", "needs at least one op ({name, m, n, k, dtype} or {name, kind: optimizer, params})");
    for (config::ConfigNode& node : list) {
        ProfileOp op;
        op.origin = node.where("name");
        op.shape.name = node.get_string("name", "op" + std::to_string(ops.size()));
        if (node.get_choice("kind", "gemm", {"gemm", "optimizer"}) == "optimizer") {
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
        workload.ops.push_back(ProfileOp{shape, model.name + " TP=" + std::to_string(plan.tensor_parallel)});
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

uint32_t optimizer_params_that_fit(const config::ChipConfig& chip) {
    const uint64_t limit = NPUEMU_GLOBAL_MEM_BASE + chip.global_memory.size_bytes;
    uint32_t params = 16u << 20;
    while (params > 1024 && optimizer_layout(params).end > limit) params /= 2;
    return params;
}

void check_fits(const ProfileOp& op, const config::ChipConfig& chip) {
    static_assert(GEMM_JOB_ADDRESS < kOperandBase, "the operands follow the job block");
    const uint64_t limit = NPUEMU_GLOBAL_MEM_BASE + chip.global_memory.size_bytes;
    if (op.kind == OpKind::Optimizer) {
        const uint64_t end = optimizer_layout(op.params).end;
        if (end <= limit) return;
        throw Error(op.origin + ": op '" + op.shape.name + "' (an optimizer step over " + std::to_string(op.params) +
                    " parameters) does not fit the chip's memory: its arrays need " +
                    std::to_string((end - kOperandBase + 1023) / 1024) + " KiB from 0x82000000, global_memory.size_kib is " +
                    std::to_string(chip.global_memory.size_bytes / 1024) + " (the window ends at " +
                    hex_address(limit) + ")");
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
