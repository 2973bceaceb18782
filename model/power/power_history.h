// A bounded record of the power monitor's samples over a run, for reports (temperature and frequency over time):
// at most `capacity` samples whatever the run's length. When full it keeps every other sample and from then on
// records every second one (then every fourth, ...), so the record always spans the whole run at an even stride.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace npuemu::power {

struct PowerSample {
    uint64_t time_ps = 0;
    std::vector<double> temperature_mC;  // per tile
    std::vector<uint32_t> frequency_mhz;  // per tile
    std::vector<double> power_w;          // per tile, over the last sample interval
};

class PowerHistory {
public:
    explicit PowerHistory(size_t capacity = 64) : capacity_(capacity < 2 ? 2 : capacity) {}

    // Whether the next record() keeps its sample (the caller need not fill one that is dropped).
    bool takes_next() const { return seen_ % stride_ == 0; }
    void record(PowerSample sample) {
        if (seen_++ % stride_ != 0) return;
        if (samples_.size() == capacity_) {
            size_t kept = 0;
            for (size_t i = 0; i < samples_.size(); i += 2) samples_[kept++] = std::move(samples_[i]);
            samples_.resize(kept);
            stride_ *= 2;
            if ((seen_ - 1) % stride_ != 0) return;
        }
        samples_.push_back(std::move(sample));
    }
    const std::vector<PowerSample>& samples() const { return samples_; }
    uint64_t stride() const { return stride_; }  // one recorded sample per this many taken

private:
    size_t capacity_;
    uint64_t stride_ = 1;
    uint64_t seen_ = 0;
    std::vector<PowerSample> samples_;
};

}  // namespace npuemu::power
