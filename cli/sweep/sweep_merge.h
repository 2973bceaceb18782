// `npuemu sweep merge DIR [SRC...]`: combines the shards of a sweep. Shards that ran into the same DIR need only the
// combined results.csv; shards that ran into separate directories (same spec) have their finished points copied in.
#pragma once

#include <string>
#include <vector>

namespace npuemu::sweep {

struct MergeSummary {
    size_t points = 0;
    size_t with_result = 0;
    size_t failed = 0;
    size_t copied = 0;
};

MergeSummary merge_sweep(const std::string& dir, const std::vector<std::string>& sources);

}  // namespace npuemu::sweep
