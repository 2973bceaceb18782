// Scale-out on Slurm: an `sbatch --array` script whose task I runs `npuemu sweep SPEC --out DIR --shard I/N`, all into
// the same (shared) DIR; `npuemu sweep merge DIR` then writes the combined results.csv.
#pragma once

#include <string>

namespace npuemu::sweep {

struct SlurmOptions {
    std::string partition;   // empty: the cluster's default
    std::string time = "01:00:00";
    unsigned cpus_per_task = 4;
    size_t shards = 0;        // array tasks
};

// The script's text. executable, spec and dir should be absolute (tasks run on other nodes).
std::string slurm_script(const std::string& name, const std::string& executable, const std::string& spec,
                         const std::string& dir, const SlurmOptions& options);

}  // namespace npuemu::sweep
