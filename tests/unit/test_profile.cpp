// npuemu profile without simulating: the per-chip shards of a model's layer under a TP plan, the model presets, the
// cache's key (one changed chip key is another entry) and its entries, the result read from a run's console and
// stats, and every bad workload refused naming file, line and key.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "cli/profile/profile_cache.h"
#include "cli/profile/profile_ops.h"
#include "cli/profile/profile_runner.h"
#include "cli/profile/profile_table.h"
#include "model/cluster/cluster_config.h"
#include "model/common/error.h"
#include "model/config/config_lookup.h"
#include "tests/unit/temp_yaml.h"

using namespace npuemu;
using npuemu::test::TempYaml;

namespace {

profile::Workload model_workload(const std::string& model, const std::vector<std::string>& overrides,
                                 const std::string& file = "") {
    profile::WorkloadOptions options;
    options.model = model;
    options.file = file;
    options.overrides = overrides;
    return profile::load_workload(options);
}

std::string workload_error(const std::string& model, const std::vector<std::string>& overrides,
                           const std::string& file = "") {
    try {
        model_workload(model, overrides, file);
    } catch (const Error& e) {
        return e.what();
    }
    return "(no error)";
}

void check_shape(const profile::ProfileOp& op, const char* name, uint32_t m, uint32_t n, uint32_t k) {
    CAPTURE(op.shape.name);
    CHECK(op.shape.name == name);
    CHECK(op.shape.m == m);
    CHECK(op.shape.n == n);
    CHECK(op.shape.k == k);
}

}  // namespace

TEST_CASE("profile: GPT-3 175B's TP=8 shard of a layer, 2048 tokens") {
    const profile::Workload w = model_workload("gpt3-175b", {"plan.tensor_parallel=8"});
    // The GEMMs, the attention, 8 row passes (forward and backward), 8 backward GEMMs and the attention backward
    // (no optimizer op: model_workload asks for none).
    REQUIRE(w.ops.size() == 22);
    CHECK(w.ops[4].kind == profile::OpKind::Attention);
    CHECK(w.ops[5].kind == profile::OpKind::Rows);
    CHECK(w.ops[5].row_pass == llm::RowPass::Layernorm);
    check_shape(w.ops[5], "layernorm", 2048, 12288, 0);
    check_shape(w.ops[13], "qkv_dx", 2048, 12288, 4608);
    CHECK(w.ops[13].shape.b_transposed);
    check_shape(w.ops[14], "qkv_dw", 12288, 4608, 2048);
    CHECK(w.ops[14].shape.a_transposed);
    CHECK(w.ops[21].kind == profile::OpKind::AttentionBackward);
    CHECK(w.ops[21].attention.heads == 12);
    // The forward GEMMs with the decoder layer's epilogues.
    CHECK(w.ops[0].shape.variant() == "bf16 out, bias, scaled");
    CHECK(w.ops[2].shape.variant() == "bf16 out, bias, GELU");
    // h 12288, 96 heads of 128, ffn 4h: QKV 3h/8 columns, attention-out h/8 rows, MLP 4h/8.
    check_shape(w.ops[0], "qkv", 2048, 4608, 12288);
    check_shape(w.ops[1], "attention_out", 2048, 12288, 1536);
    check_shape(w.ops[2], "mlp_up", 2048, 6144, 12288);
    check_shape(w.ops[3], "mlp_down", 2048, 12288, 6144);
    CHECK(w.ops[0].shape.dtype == llm::GemmDtype::Bf16);
}

TEST_CASE("profile: Llama-2 70B's TP=8 shard: grouped-query attention and SwiGLU, micro-batch 2") {
    const profile::Workload w =
        model_workload("llama2-70b", {"plan.tensor_parallel=8", "plan.micro_batch=2", "dtype=int8"});
    REQUIRE(w.ops.size() == 5);  // INT8: inference, no backward ops (and no epilogue: it takes BF16 only)
    CHECK(w.ops[0].shape.plain());
    // Attention over one sequence (the cluster model scales it by the micro-batch): 8 query heads on 1 KV head.
    CHECK(w.ops[4].attention.seq == 4096);
    CHECK(w.ops[4].attention.heads == 8);
    CHECK(w.ops[4].attention.kv_heads == 1);
    // 64 heads, 8 KV heads of 128: 8 query heads and 1 KV head per rank; ffn 28672 / 8 = 3584, gate and up.
    check_shape(w.ops[0], "qkv", 8192, (8 + 2) * 128, 8192);
    check_shape(w.ops[1], "attention_out", 8192, 8192, 1024);
    check_shape(w.ops[2], "mlp_up", 8192, 2 * 3584, 8192);
    check_shape(w.ops[3], "mlp_down", 8192, 8192, 3584);
    CHECK(w.ops[0].shape.dtype == llm::GemmDtype::Int8);
}

TEST_CASE("profile: every model preset loads, with the dimensions of its paper") {
    for (const auto& name : llm::model_presets()) {
        CAPTURE(name);
        const profile::Workload w = model_workload(name, {});
        REQUIRE(w.model);
        CHECK(w.model->name == name);
        CHECK(w.model->hidden % w.model->heads == 0);
    }
    CHECK(llm::model_presets() == std::vector<std::string>{"bert-base", "gpt3-175b", "gpt3-6.7b", "llama2-70b",
                                                           "llama3-405b", "llama3-8b", "mixtral-8x7b"});
    const profile::Workload llama = model_workload("llama3-405b", {});
    CHECK(llama.model->layers == 126);
    CHECK(llama.model->kv_heads == 8);
    CHECK(llama.model->ffn_hidden == 53248);
    CHECK(model_workload("bert-base", {}).model->ffn_hidden == 3072);
    const profile::Workload mixtral = model_workload("mixtral-8x7b", {});
    CHECK(mixtral.model->experts == 8);
    CHECK(mixtral.model->experts_per_token == 2);
    const profile::Workload gpt3_small = model_workload("gpt3-6.7b", {});  // Brown et al. 2020, Table 2.1
    CHECK(gpt3_small.model->layers == 32);
    CHECK(gpt3_small.model->hidden == 4096);
    CHECK(gpt3_small.model->ffn_hidden == 16384);
}

TEST_CASE("profile: a workload file with a model preset, plan and overrides") {
    TempYaml file("model:\n  preset: bert-base\n  seq_length: 128\nplan:\n  tensor_parallel: 4\n  micro_batch: 3\n");
    const profile::Workload w = model_workload("", {}, file.path());
    check_shape(w.ops[0], "qkv", 384, 576, 768);
    check_shape(w.ops[3], "mlp_down", 384, 768, 768);
}

TEST_CASE("profile: bad workloads are refused naming the field") {
    SUBCASE("a TP size that does not divide the heads") {
        CHECK(workload_error("gpt3-175b", {"plan.tensor_parallel=5"})
                  .find("--workload-set plan.tensor_parallel=5: plan: tensor_parallel 5 does not divide the 96 "
                        "attention heads") != std::string::npos);
    }
    SUBCASE("an unknown model key, with file and line") {
        TempYaml file("model:\n  preset: bert-base\n  hiden: 768\n");
        const std::string error = workload_error("", {}, file.path());
        CHECK(error.find(file.path() + ":3:") != std::string::npos);
        CHECK(error.find("model.hiden") != std::string::npos);
    }
    SUBCASE("an unknown preset lists the presets") {
        CHECK(workload_error("gpt5", {}).find("no model preset 'gpt5' (presets: bert-base gpt3-175b") !=
              std::string::npos);
    }
    SUBCASE("a preset name the file system refuses is the same error, with the reason") {
        const std::string error = workload_error(std::string(300, 'x'), {});
        CHECK(error.find("no model preset 'xxx") != std::string::npos);
        CHECK(error.find("(File name too long) (presets: bert-base gpt3-175b") != std::string::npos);
    }
    SUBCASE("malformed YAML names the file and the line") {
        TempYaml file("ops:\n  - {name: a, m: 4, n: 4, k: 4\n  - oops: [\n");
        const std::string error = workload_error("", {}, file.path());
        CHECK(error.find(file.path() + ":") != std::string::npos);
    }
    SUBCASE("an op without k, and a bad dtype") {
        TempYaml missing("ops:\n  - {name: a, m: 4, n: 4}\n");
        CHECK(workload_error("", {}, missing.path()).find("ops[0].k") != std::string::npos);
        TempYaml dtype("ops:\n  - {name: a, m: 4, n: 4, k: 4, dtype: fp8}\n");
        CHECK(workload_error("", {}, dtype.path()).find("ops[0].dtype") != std::string::npos);
    }
    SUBCASE("ops and a model at once") {
        TempYaml both("ops:\n  - {name: a, m: 4, n: 4, k: 4}\nmodel: {preset: bert-base}\n");
        CHECK(workload_error("", {}, both.path()).find("not both") != std::string::npos);
    }
}

TEST_CASE("profile: a shape that does not fit the chip's global memory names the op and the key") {
    const config::ChipConfig chip = config::load_chip_config(config::resolve_config("test"));  // 64 MiB
    profile::ProfileOp small{{"small", 64, 64, 64, llm::GemmDtype::Bf16}, "here", profile::OpKind::Gemm, 0, {}};
    CHECK_NOTHROW(profile::check_fits(small, chip));
    profile::ProfileOp big{
        {"qkv", 2048, 4608, 12288, llm::GemmDtype::Bf16}, "gpt3-175b TP=8", profile::OpKind::Gemm, 0, {}};
    try {
        profile::check_fits(big, chip);
        FAIL("no error");
    } catch (const Error& e) {
        const std::string error = e.what();
        CHECK(error.find("op 'qkv' (m 2048, n 4608, k 12288, bf16) does not fit the chip's memory") !=
              std::string::npos);
        CHECK(error.find("global_memory.size_kib is 65536") != std::string::npos);
    }
}

TEST_CASE("profile: the cache key covers every chip key, and entries are found only under their own key") {
    const std::string test = config::resolve_config("test");
    const profile::ResolvedConfig base = profile::resolve_chip_config(test, {});
    CHECK(base.hash == profile::resolve_chip_config(test, {}).hash);
    // A key the test config does not set (a default), and one it sets: both change the hash.
    CHECK(base.hash != profile::resolve_chip_config(test, {"npu.dma.latency_cycles=9"}).hash);
    CHECK(base.hash != profile::resolve_chip_config(test, {"core.cpi.load=3"}).hash);
    CHECK(base.text.find("npu.matrix.rows=16\n") != std::string::npos);
    // An edit inside the HBM preset file (its address mapping), the chip config's text the same: another hash.
    std::ifstream preset(std::string(NPUEMU_SOURCE_DIR) + "/configs/memory/hbm2e.yaml");
    const std::string preset_text((std::istreambuf_iterator<char>(preset)), std::istreambuf_iterator<char>());
    TempYaml copy(preset_text);
    const std::string with_copy = profile::resolve_chip_config(test, {"hbm.preset=" + copy.path()}).hash;
    std::string swapped = preset_text;
    const std::string mapping = "address_mapping: [column:3, channel, pseudo_channel, stack, column, bank_group,";
    REQUIRE(swapped.find(mapping) != std::string::npos);
    swapped.replace(swapped.find(mapping), mapping.size(),
                    "address_mapping: [column:3, pseudo_channel, channel, stack, column, bank_group,");
    std::ofstream(copy.path()) << swapped;
    CHECK(with_copy != profile::resolve_chip_config(test, {"hbm.preset=" + copy.path()}).hash);

    char dir[] = "/tmp/npuemu_profile_cache_XXXXXX";
    REQUIRE(::mkdtemp(dir) != nullptr);
    {
        const profile::ProfileCache cache(dir);
        profile::RunKey key;
        key.config_hash = base.hash;
        key.image_hash = "00112233";
        key.shape = llm::GemmShape{"a", 64, 32, 16, llm::GemmDtype::Int8};
        key.simulator_hash = "0a0b0c0d";
        CHECK_FALSE(cache.find(key));
        cache.store(key, profile::Json{{"gemm_cycles", 1234}});
        REQUIRE(cache.find(key));
        CHECK(cache.find(key)->at("gemm_cycles") == 1234);
        profile::RunKey other_image = key;
        other_image.image_hash = "00112234";
        CHECK_FALSE(cache.find(other_image));
        profile::RunKey other_simulator = key;
        other_simulator.simulator_hash = "0a0b0c0e";
        CHECK_FALSE(cache.find(other_simulator));
        profile::RunKey other_shape = key;
        other_shape.shape.dtype = llm::GemmDtype::Bf16;
        CHECK_FALSE(cache.find(other_shape));
        // The op's name is a label, not part of the key: the same shape under another name is the same run.
        profile::RunKey renamed = key;
        renamed.shape.name = "b";
        CHECK(cache.find(renamed));
        // An optimizer step is another run than a GEMM, and its parameter count is part of its key.
        profile::RunKey optimizer = key;
        optimizer.kind = profile::OpKind::Optimizer;
        optimizer.params = 4096;
        CHECK_FALSE(cache.find(optimizer));
        cache.store(optimizer, profile::Json{{"gemm_cycles", 99}});
        CHECK(cache.find(optimizer)->at("gemm_cycles") == 99);
        profile::RunKey more_params = optimizer;
        more_params.params = 8192;
        CHECK_FALSE(cache.find(more_params));
        CHECK(cache.find(key)->at("gemm_cycles") == 1234);
        profile::RunKey attention = key;
        attention.kind = profile::OpKind::Attention;
        attention.attention = {64, 4, 2, 32, 1};
        CHECK_FALSE(cache.find(attention));
        cache.store(attention, profile::Json{{"gemm_cycles", 77}});
        profile::RunKey not_causal = attention;
        not_causal.attention.causal = 0;
        CHECK_FALSE(cache.find(not_causal));
        CHECK(cache.find(attention)->at("gemm_cycles") == 77);
        // A plain GEMM's key is as it always was (no epilogue fields); an epilogue or a transposed operand is
        // another run; so is the attention backward of the same dimensions, and a row pass of another kind.
        CHECK(key.json().dump().find("out_bf16") == std::string::npos);
        profile::RunKey epilogue = key;
        epilogue.shape.dtype = llm::GemmDtype::Bf16;
        profile::RunKey bf16_out = epilogue;
        bf16_out.shape.out_bf16 = true;
        cache.store(epilogue, profile::Json{{"gemm_cycles", 5}});
        CHECK_FALSE(cache.find(bf16_out));
        profile::RunKey transposed = epilogue;
        transposed.shape.a_transposed = true;
        CHECK_FALSE(cache.find(transposed));
        profile::RunKey backward = attention;
        backward.kind = profile::OpKind::AttentionBackward;
        CHECK_FALSE(cache.find(backward));
        profile::RunKey layernorm = key;
        layernorm.kind = profile::OpKind::Rows;
        layernorm.row_pass = llm::RowPass::Layernorm;
        cache.store(layernorm, profile::Json{{"gemm_cycles", 6}});
        profile::RunKey layernorm_backward = layernorm;
        layernorm_backward.row_pass = llm::RowPass::LayernormBackward;
        CHECK_FALSE(cache.find(layernorm_backward));
        CHECK(cache.find(layernorm)->at("gemm_cycles") == 6);
    }
    std::filesystem::remove_all(dir);
}

TEST_CASE("profile: row passes, the attention backward and GEMM epilogues in an ops file") {
    TempYaml ops(
        "ops:\n"
        "  - {name: ln, kind: rows, pass: layernorm, rows: 64, cols: 96}\n"
        "  - {name: sq, kind: rows, pass: scale_q, rows: 64, cols: 96, scale_cols: 32}\n"
        "  - {name: ab, kind: attention_backward, seq: 64, heads: 2, d_head: 32}\n"
        "  - {name: dw, m: 96, n: 64, k: 128, a_transposed: true, out: bf16}\n"
        "  - {name: up, m: 128, n: 64, k: 96, bias: true, gelu: true, out: bf16}\n");
    const profile::Workload w = model_workload("", {}, ops.path());
    REQUIRE(w.ops.size() == 5);
    CHECK(w.ops[0].kind == profile::OpKind::Rows);
    CHECK(w.ops[1].row_pass == llm::RowPass::ScaleQ);
    CHECK(w.ops[1].shape.k == 32);
    CHECK(w.ops[2].kind == profile::OpKind::AttentionBackward);
    CHECK(w.ops[2].attention.kv_heads == 2);
    CHECK(w.ops[2].attention.backward_macs() == doctest::Approx(2.5 * 2 * (64 * 65 / 2) * 32 * 2));
    CHECK(w.ops[3].shape.variant() == "A transposed, bf16 out");
    CHECK(w.ops[4].shape.variant() == "bf16 out, bias, GELU");
    // Each layer_ops array lies inside the chip's memory, after the job block.
    const profile::LayerOpsLayout layout = profile::layer_ops_layout(w.ops[2], 0x84000000ull);
    CHECK(layout.job.op == LAYER_OPS_ATTENTION_BACKWARD);
    CHECK(layout.job.qkv == 0x82000000u);
    CHECK(layout.job.scratch > layout.job.d_qkv);
    CHECK(layout.end == uint64_t(layout.job.scratch) + 64 * 64 * 16);
    TempYaml bad_pass("ops:\n  - {name: x, kind: rows, pass: dropout, rows: 4, cols: 4}\n");
    CHECK(workload_error("", {}, bad_pass.path()).find("ops[0].pass: row pass 'dropout' is not one of: layernorm") !=
          std::string::npos);
    TempYaml int8_epilogue("ops:\n  - {name: x, m: 4, n: 4, k: 4, dtype: int8, gelu: true}\n");
    CHECK(workload_error("", {}, int8_epilogue.path()).find("ops[0].dtype") != std::string::npos);
}

TEST_CASE("profile: an optimizer op in an ops file, in a model's workload, and when it does not fit") {
    TempYaml ops("ops:\n  - {name: adam, kind: optimizer, params: 65536}\n  - {name: g, m: 4, n: 4, k: 4}\n");
    const profile::Workload w = model_workload("", {}, ops.path());
    REQUIRE(w.ops.size() == 2);
    CHECK(w.ops[0].kind == profile::OpKind::Optimizer);
    CHECK(w.ops[0].params == 65536);
    CHECK(w.ops[1].kind == profile::OpKind::Gemm);
    TempYaml no_params("ops:\n  - {name: adam, kind: optimizer}\n");
    CHECK(workload_error("", {}, no_params.path()).find("ops[0].params") != std::string::npos);
    TempYaml bad_kind("ops:\n  - {name: adam, kind: adagrad, params: 4}\n");
    CHECK(workload_error("", {}, bad_kind.path()).find("ops[0].kind") != std::string::npos);

    const config::ChipConfig chip = config::load_chip_config(config::resolve_config("test"));  // 64 MiB
    // w, m, v, g and the copy: 16 bytes per parameter from 0x82000000, 32 MiB on the test chip: 2 Mi fit.
    CHECK(profile::optimizer_params_that_fit(chip) == 2u << 20);
    profile::ProfileOp fits{{"adam"}, "here", profile::OpKind::Optimizer, 2u << 20, {}};
    CHECK_NOTHROW(profile::check_fits(fits, chip));
    profile::ProfileOp big{{"adam"}, "here", profile::OpKind::Optimizer, 4u << 20, {}};
    CHECK_THROWS_WITH_AS(profile::check_fits(big, chip),
                         doctest::Contains("op 'adam' (an optimizer step over 4194304 parameters) does not fit the "
                                           "chip's memory"),
                         Error);
    profile::WorkloadOptions options;
    options.model = "bert-base";
    options.optimizer_params = 1u << 20;
    const profile::Workload model = profile::load_workload(options);
    REQUIRE(model.ops.size() == 23);
    CHECK(model.ops.back().kind == profile::OpKind::Optimizer);
    CHECK(model.ops.back().params == 1u << 20);
}

TEST_CASE("profile: an attention op in an ops file, from a model and plan, and when it does not fit") {
    TempYaml ops("ops:\n  - {name: fa, kind: attention, seq: 100, heads: 4, kv_heads: 2, d_head: 32, causal: false}\n");
    const profile::Workload w = model_workload("", {}, ops.path());
    REQUIRE(w.ops.size() == 1);
    CHECK(w.ops[0].kind == profile::OpKind::Attention);
    CHECK(w.ops[0].attention.seq == 100);
    CHECK(w.ops[0].attention.kv_heads == 2);
    CHECK(w.ops[0].attention.causal == 0);
    CHECK(w.ops[0].attention.macs() == doctest::Approx(2.0 * 100 * 100 * 32 * 4));
    TempYaml bad_kv("ops:\n  - {name: fa, kind: attention, seq: 100, heads: 4, kv_heads: 3, d_head: 32}\n");
    CHECK(workload_error("", {}, bad_kv.path()).find("ops[0].kv_heads") != std::string::npos);
    TempYaml no_seq("ops:\n  - {name: fa, kind: attention, heads: 4, d_head: 32}\n");
    CHECK(workload_error("", {}, no_seq.path()).find("ops[0].seq") != std::string::npos);
    // GPT-3 175B at TP 8: one sequence of 12 of the 96 heads of 128, causal (keys up to each query).
    const profile::Workload gpt3 = model_workload("gpt3-175b", {"plan.tensor_parallel=8"});
    REQUIRE(gpt3.ops.size() == 22);
    const profile::AttentionDims& a = gpt3.ops[4].attention;
    CHECK(gpt3.ops[4].kind == profile::OpKind::Attention);
    CHECK(a.seq == 2048);
    CHECK(a.heads == 12);
    CHECK(a.kv_heads == 12);
    CHECK(a.d_head == 128);
    CHECK(a.causal == 1);
    CHECK(a.macs() == doctest::Approx(2.0 * (2048.0 * 2049 / 2) * 128 * 12));
    // The job's layout: fused [q | k | v] rows, the output and the mask after them.
    const profile::AttentionLayout layout = profile::attention_layout(a);
    CHECK(layout.ld == (12 + 24) * 128 * 2);
    CHECK(layout.k == layout.q + 12 * 128 * 2);
    CHECK(layout.v == layout.k + 12 * 128 * 2);
    CHECK(layout.out >= layout.q + 2048u * layout.ld);
    CHECK(layout.mask >= layout.out + 2048u * layout.out_ld);
    const config::ChipConfig chip = config::load_chip_config(config::resolve_config("test"));  // 64 MiB
    profile::ProfileOp long_seq{{"fa"}, "here", profile::OpKind::Attention, 0, {16384, 32, 32, 128, 1}};
    CHECK_THROWS_WITH_AS(profile::check_fits(long_seq, chip),
                         doctest::Contains("op 'fa' (attention seq 16384, 32 heads of 128) does not fit"), Error);
}

TEST_CASE("profile: a run's result from firmware/attention's line") {
    const profile::Json stats = {
        {"counters",
         {{"sim.cycles", 9000}, {"sim.time_ps", 9000000}, {"hbm.read_bytes", 4096}, {"hbm.write_bytes", 1024}}}};
    const std::string console =
        "[hart 0] attention seq 64 heads 3 kv_heads 3 d_head 64 causal on 4 tiles: 11051 "
        "cycles, 798720 MACs, MAC utilisation 7.0%\n";
    CHECK(profile::run_result(console, stats)["gemm_cycles"] == 11051);
}

TEST_CASE("profile: a run's result from firmware/optimizer's line") {
    const profile::Json stats = {
        {"counters",
         {{"sim.cycles", 9000}, {"sim.time_ps", 9000000}, {"hbm.read_bytes", 4096}, {"hbm.write_bytes", 1024}}}};
    const std::string console =
        "[hart 0] adamw 65536 parameters (bf16 gradients, bf16 weight copy) on 4 tiles: 7777 cycles\n"
        "[hart 0] adamw HBM traffic: 917504 bytes read, 917504 written: 235.9 B/cycle, 57.6% of the 409.6 B/cycle "
        "HBM peak\n";
    CHECK(profile::run_result(console, stats)["gemm_cycles"] == 7777);
}

TEST_CASE("profile: a run's result from firmware/gemm's line and the stats") {
    const profile::Json stats = {{"counters",
                                  {{"sim.cycles", 5000},
                                   {"sim.time_ps", 5000000},
                                   {"hbm.read_bytes", 4096},
                                   {"hbm.write_bytes", 1024},
                                   {"power.energy_j", 0.5}}}};
    const std::string console = "npuemu: booting\ngemm 64x64x64 int8 on 4 tiles: 2345 cycles, MAC utilisation 27.3%\n";
    const profile::Json result = profile::run_result(console, stats);
    CHECK(result["gemm_cycles"] == 2345);
    CHECK(result["sim_cycles"] == 5000);
    CHECK(result["hbm_read_bytes"] == 4096);
    CHECK(result["energy_j"] == 0.5);
    CHECK_THROWS_WITH_AS(profile::run_result("nothing\n", stats), doctest::Contains("printed no"), Error);
    profile::Json no_power = stats;
    no_power["counters"].erase("power.energy_j");
    CHECK(profile::run_result(console, no_power)["energy_j"].is_null());
    const llm::GemmShape shape{"a", 64, 64, 64, llm::GemmDtype::Int8};
    CHECK(profile::mac_utilization(shape, 4 * 16 * 16, 1024) == doctest::Approx(0.25));
}

TEST_CASE("profile: pmu.start_point pins a run's operating point; one beyond the table is refused") {
    const std::string test = config::resolve_config("test");
    const config::ChipConfig chip = config::load_chip_config(test, {"power.process=7nm", "pmu.start_point=3"});
    CHECK(chip.power.start_point == 3);
    try {
        config::load_chip_config(test, {"power.process=7nm", "pmu.start_point=4"});
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(std::string(e.what()).find("--set pmu.start_point=4: pmu.start_point: there are only 4 operating points "
                                         "(0 .. 3)") != std::string::npos);
    }
}

TEST_CASE("profile: the cluster files read the same model schema: a preset, with the file's own keys over it") {
    const std::string selene = std::string(NPUEMU_SOURCE_DIR) + "/configs/clusters/megatron_selene/selene.yaml";
    const cluster::ClusterConfig c = cluster::load_cluster_config(selene, {"model.preset=llama2-70b"});
    CHECK(c.model.name == "llama2-70b");
    CHECK(c.model.kv_heads == 8);                          // from the preset
    CHECK(c.model.activation == llm::Activation::Swiglu);  // from the preset
    CHECK(c.model.hidden == 12288);                        // the file's
    CHECK(c.model.heads == 96);                            // the file's
    // The same plan as profile derives: the shards of the cluster's model on one of its TP ranks.
    const auto gemms = llm::layer_gemms(c.model, c.plan, llm::GemmDtype::Bf16);
    CHECK(gemms[0].n == (96 / 8 + 2 * 1) * 128);
}

TEST_CASE("profile: an op's roofline position: intensity, the roof that bounds it, the share of it achieved") {
    const llm::GemmShape shape{"g", 64, 64, 64, llm::GemmDtype::Bf16};  // 262,144 MACs
    // 1024 MACs and 16 bytes per cycle: the compute roof is 256 cycles, the memory roof for 8 KiB is 512 cycles.
    const profile::RooflinePosition memory = profile::roofline_position(shape, 8192, 1024, 1024, 16.0);
    CHECK(memory.memory_bound);
    CHECK(memory.ops_per_byte == doctest::Approx(64.0));
    CHECK(memory.fraction_of_roof == doctest::Approx(0.5));
    const profile::RooflinePosition compute = profile::roofline_position(shape, 1024, 512, 1024, 16.0);
    CHECK_FALSE(compute.memory_bound);
    CHECK(compute.fraction_of_roof == doctest::Approx(0.5));
    CHECK(profile::roofline_position(shape, 1024, 0, 1024, 16.0).fraction_of_roof == 0);  // no cycles: nothing
}
