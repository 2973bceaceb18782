#include "cli/sweep/workload_kind.h"

#include "model/common/error.h"

namespace npuemu::sweep {

const WorkloadKind& workload_kind(WorkloadKindId id) {
    return id == WorkloadKindId::Chip ? chip_workload_kind() : cluster_workload_kind();
}

const WorkloadKind& workload_kind(const std::string& name) {
    if (name == "chip") return chip_workload_kind();
    if (name == "cluster") return cluster_workload_kind();
    throw Error("a sweep of kind '" + name + "': this npuemu runs chip and cluster sweeps");
}

}  // namespace npuemu::sweep
