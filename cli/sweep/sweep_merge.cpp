#include "cli/sweep/sweep_merge.h"

#include <unistd.h>

#include <filesystem>

#include "cli/sweep/sweep_store.h"
#include "model/common/error.h"

namespace npuemu::sweep {

namespace fs = std::filesystem;

MergeSummary merge_sweep(const std::string& dir, const std::vector<std::string>& sources) {
    const Json manifest = read_manifest(dir);
    MergeSummary summary;
    for (const auto& source : sources) {
        const Json other = read_manifest(source);
        if (other["spec_hash"] != manifest["spec_hash"]) {
            throw Error(source + ": a different sweep (spec hash " + other["spec_hash"].get<std::string>() + ", " +
                        dir + " has " + manifest["spec_hash"].get<std::string>() + "): nothing merged");
        }
    }
    for (const auto& source : sources) {
        for (const auto& point : manifest["points"]) {
            const std::string id = point["id"].get<std::string>();
            const auto theirs = read_result(source, id);
            if (!theirs) continue;
            const auto ours = read_result(dir, id);
            const bool better = !ours || (ours->value("status", "") != "ok" && theirs->value("status", "") == "ok");
            if (!better) continue;
            // Copy beside, then swap in with renames: the point folder is never half-copied under its own name.
            const std::string target = point_dir(dir, id);
            const std::string staging = target + ".merge." + std::to_string(::getpid());
            fs::create_directories(dir + "/points");
            fs::remove_all(staging);
            fs::copy(point_dir(source, id), staging, fs::copy_options::recursive);
            fs::remove_all(target);
            fs::rename(staging, target);
            ++summary.copied;
        }
    }
    summary.points = manifest["points"].size();
    for (const auto& point : manifest["points"]) {
        const auto result = read_result(dir, point["id"].get<std::string>());
        if (!result) continue;
        ++summary.with_result;
        if (result->value("status", "") != "ok") ++summary.failed;
    }
    write_results_csv(dir, manifest, "results.csv");
    return summary;
}

}  // namespace npuemu::sweep
