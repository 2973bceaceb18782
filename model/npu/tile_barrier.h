// npu.barrier: the control cores of all tiles meet here. Generation-counted, so it can be used again at once.
#pragma once

#include <systemc>

namespace npuemu::npu {

class TileBarrier {
public:
    explicit TileBarrier(unsigned participants) : participants_(participants) {}

    // Called from a core's thread: returns when every participant has arrived.
    void arrive_and_wait() {
        const unsigned generation = generation_;
        if (++arrived_ == participants_) {
            arrived_ = 0;
            ++generation_;
            released_.notify(sc_core::SC_ZERO_TIME);
            return;
        }
        while (generation_ == generation) sc_core::wait(released_);
    }
    unsigned waiting() const { return arrived_; }

private:
    unsigned participants_;
    unsigned arrived_ = 0;
    unsigned generation_ = 0;
    sc_core::sc_event released_;
};

}  // namespace npuemu::npu
