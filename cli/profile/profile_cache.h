// npuemu profile's on-disk cache: one JSON file per simulated run, named by a hash of everything the run's result
// depends on: the chip config as resolved (every key, defaults included, and the YAML after --set), the firmware
// image's bytes and the op's shape. Changing any key, the kernel or the shape is a miss; nothing is ever overwritten
// with a different result. Entries are written atomically: an interrupted profile loses only its running ops.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/config/chip_config.h"
#include "model/llm/layer_gemms.h"
#include "model/llm/layer_ops.h"

namespace npuemu::profile {

using Json = nlohmann::json;

// 64-bit FNV-1a, as 16 hex digits.
std::string content_hash(const std::string& text);

// The chip config as loaded from file with overrides, as text: every key's resolved value and the YAML tree after
// the overrides (for the keys with syntax of their own: HBM address mapping, operating points).
struct ResolvedConfig {
    config::ChipConfig chip;
    std::string text;
    std::string hash;
};
ResolvedConfig resolve_chip_config(const std::string& file, const std::vector<std::string>& overrides);

// The hash of a file's bytes (the firmware image, the simulator); throws npuemu::Error naming `what` when it cannot
// be read.
std::string file_hash(const std::string& path, const std::string& what = "the firmware image");

// What a profile run simulates: a GEMM (firmware/gemm, with its epilogue and operand storage); an AdamW optimizer step
// over `params` parameters with BF16 gradients and the BF16 weight copy (firmware/optimizer); flash attention over
// one sequence of one TP rank's heads (firmware/attention: npu_flash_attention, BF16); a row pass of the layer's
// forward or backward (firmware/layer_ops: npu_rows, npu_rows_backward, npu_column_sums; the shape's m x n are its
// rows x cols, k its scale_cols); or the attention backward of one sequence (firmware/layer_ops:
// npu_attention_backward, causal). For the other kinds than GEMM and rows the shape is only a name.
enum class OpKind { Gemm, Optimizer, Attention, Rows, AttentionBackward };
const char* op_kind_name(OpKind kind);

// An attention op: seq queries and keys, heads query heads on kv_heads KV heads of d_head, causal or not.
struct AttentionDims {
    uint32_t seq = 0, heads = 0, kv_heads = 0, d_head = 0, causal = 1;
    // The MACs the kernel needs: q k^T and p v over the keys each query sees (r + 1 with causal, else seq).
    double macs() const;
    // The backward's: S recomputed, dP = dO v^T, dq, dk, dv: 5/2 of the forward's, over the same keys.
    double backward_macs() const { return macs() * 2.5; }
};

// The cache entry of one run: the key's parts are stored in it and checked on reading.
struct RunKey {
    std::string config_hash;
    std::string image_hash;
    llm::GemmShape shape;
    std::string simulator_hash;  // the npuemu binary that runs the op: a change of the model's timing is a new key
    OpKind kind = OpKind::Gemm;  // a GEMM's key is as before the other kinds (its cache entries stay valid)
    uint32_t params = 0;         // OpKind::Optimizer
    AttentionDims attention;     // OpKind::Attention, OpKind::AttentionBackward
    llm::RowPass row_pass = llm::RowPass::Layernorm;  // OpKind::Rows

    Json json() const;
    std::string file_name() const;  // HASH.json
};

class ProfileCache {
public:
    explicit ProfileCache(std::string dir);
    const std::string& dir() const { return dir_; }
    // The stored result of this run, if there is one with the same key.
    std::optional<Json> find(const RunKey& key) const;
    void store(const RunKey& key, const Json& result) const;
    // A fresh scratch directory for a run (under DIR/tmp), removed by the caller.
    std::string scratch_dir(const RunKey& key) const;

private:
    std::string dir_;
};

// ~/.cache/npuemu/profile ($XDG_CACHE_HOME/npuemu/profile when set).
std::string default_cache_dir();

}  // namespace npuemu::profile
