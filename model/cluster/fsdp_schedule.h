// ZeRO-3 / FSDP's overlap of parameter gathers and gradient reduce-scatters with compute, for the units (layers, the
// embedding, the logits) one pipeline task runs. Two streams, as PyTorch FSDP runs them (Zhao et al., "PyTorch FSDP",
// VLDB 2023, Sec. 3.3 and 4.1; torch.distributed.fsdp BackwardPrefetch.BACKWARD_PRE, forward prefetch, and
// limit_all_gathers): the compute stream runs the units in order, each once its parameters are gathered; the
// communication stream gathers unit i+1 as unit i starts (one gather in flight ahead, so two units whole at a time)
// and, in the backward, reduce-scatters unit i's gradients once its compute ends (after the gather it had issued).
// DeepSpeed ZeRO-3 prefetches the same way (stage3_prefetch_bucket_size). Uniform units (compute f, gather a):
//   forward exposed  = a + (n-1) max(0, a - f);   backward (reduce-scatter r) = a + r when b >= a + r.
#pragma once

#include <vector>

namespace npuemu::cluster {

struct FsdpUnit {
    double compute_s = 0;  // the unit's compute (and the communication inside it: TP, CP, EP)
    double gather_s = 0;   // all-gather of its parameters over the sharding group
    double reduce_s = 0;   // reduce-scatter of its gradients (0 in the forward)
};

// The task's time past its compute alone: the communication the prefetching does not hide.
double fsdp_exposed_s(const std::vector<FsdpUnit>& units);

}  // namespace npuemu::cluster
