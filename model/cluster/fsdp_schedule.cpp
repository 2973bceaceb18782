#include "model/cluster/fsdp_schedule.h"

#include <algorithm>

namespace npuemu::cluster {

double fsdp_exposed_s(const std::vector<FsdpUnit>& units) {
    if (units.empty()) return 0;
    double comm_free_s = units.front().gather_s;  // the first gather has nothing to hide behind
    double gathered_s = comm_free_s;              // when the next unit's parameters are whole
    double compute_end_s = 0, compute_total_s = 0;
    for (size_t i = 0; i < units.size(); ++i) {
        const double start_s = std::max(compute_end_s, gathered_s);
        if (i + 1 < units.size()) {  // prefetch the next unit as this one starts
            gathered_s = std::max(comm_free_s, start_s) + units[i + 1].gather_s;
            comm_free_s = gathered_s;
        }
        compute_end_s = start_s + units[i].compute_s;
        compute_total_s += units[i].compute_s;
        if (units[i].reduce_s > 0) comm_free_s = std::max(comm_free_s, compute_end_s) + units[i].reduce_s;
    }
    return std::max(compute_end_s, comm_free_s) - compute_total_s;
}

}  // namespace npuemu::cluster
