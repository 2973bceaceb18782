#include "cli/sweep/input_hashes.h"

#include <vector>

#include "model/common/output_file.h"

namespace npuemu::sweep {

uint64_t fnv1a(const std::string& text) {
    uint64_t hash = 0xcbf29ce484222325ull;
    for (unsigned char c : text) {
        hash ^= c;
        hash *= 0x100000001b3ull;
    }
    return hash;
}

uint64_t InputHashes::of(const std::string& path, const std::string& label, const std::string& what) {
    auto it = hashes_.find(path);
    if (it != hashes_.end()) return it->second;
    const std::vector<uint8_t> bytes = read_input_file(path, 1ull << 32, label, what);
    return hashes_[path] = fnv1a(std::string(bytes.begin(), bytes.end()));
}

}  // namespace npuemu::sweep
