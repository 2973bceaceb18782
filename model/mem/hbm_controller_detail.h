// Small helpers shared by the HbmChannelController's source files (hbm_controller.cpp, hbm_request_window.cpp,
// hbm_commands.cpp); not part of its interface.
#pragma once

#include <cstdint>

#include "model/mem/hbm_controller.h"

namespace npuemu::mem::detail {

inline uint64_t max2(uint64_t a, uint64_t b) { return a > b ? a : b; }
inline uint64_t min2(uint64_t a, uint64_t b) { return a < b ? a : b; }

// Arrival order: by time, then by submission.
inline bool arrives_before(const HbmRequest& a, uint64_t a_seq, const HbmRequest& b, uint64_t b_seq) {
    return a.arrival_ps != b.arrival_ps ? a.arrival_ps < b.arrival_ps : a_seq < b_seq;
}

}  // namespace npuemu::mem::detail
