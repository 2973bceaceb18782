// The tiny cluster of npuemu test chips the cluster unit tests share: 4 test chips, TP 2 x DP 2, a 2-layer model whose
// TP-2 shards are the hand-written profile table's (tests/data/cluster/tiny_tp2_test_chip.json).
#pragma once

#include <string>

namespace npuemu::test {

inline const std::string kTinyProfile = std::string(NPUEMU_TEST_DATA_DIR) + "/cluster/tiny_tp2_test_chip.json";

// The cluster file's text with `profile` as the chip's profile table.
inline std::string tiny_npuemu_cluster(const std::string& profile) {
    return "name: tiny-npuemu\n"
           "chips: {count: 4, npuemu: {config: test, profile: " +
           profile +
           "}}\n"
           "node: {chips_per_node: 2}\n"
           "network: {tiers: 2, switch_radix: 8}\n"
           "model: {name: tiny, layers: 2, hidden: 256, heads: 4, seq_length: 128, vocab: 1024, global_batch: 8}\n"
           "plan: {tensor_parallel: 2, pipeline_parallel: 1, micro_batch: 1}\n";
}

}  // namespace npuemu::test
