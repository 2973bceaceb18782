// A latency histogram with log-linear buckets: each power of two is split into 8 equal sub-buckets, so a
// quantile read back is within 12.5% of the true value at any scale, in a fixed 64 x 8 array (no allocation per
// sample, deterministic). Values are plain integers in whatever unit the owner records (picoseconds here).
#pragma once

#include <array>
#include <cstdint>
#include <limits>

namespace npuemu {

class LatencyHistogram {
public:
    static constexpr unsigned kSubBuckets = 8;
    static constexpr unsigned kBuckets = 64 * kSubBuckets;

    void record(uint64_t value) {
        ++counts_[bucket_of(value)];
        ++count_;
        sum_ += value;
        if (value < min_) min_ = value;
        if (value > max_) max_ = value;
    }
    void merge(const LatencyHistogram& other) {
        for (unsigned i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
        count_ += other.count_;
        sum_ += other.sum_;
        if (other.min_ < min_) min_ = other.min_;
        if (other.max_ > max_) max_ = other.max_;
    }

    uint64_t count() const { return count_; }
    const uint64_t* count_counter() const { return &count_; }
    uint64_t sum() const { return sum_; }
    uint64_t min() const { return count_ ? min_ : 0; }
    uint64_t max() const { return max_; }
    double mean() const { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0; }
    uint64_t bucket_count(unsigned bucket) const { return counts_[bucket]; }

    // The value below which a fraction q of the samples lie (q in [0, 1]), interpolated inside the bucket and
    // clamped to the observed min and max; 0 when empty.
    double quantile(double q) const {
        if (count_ == 0) return 0.0;
        if (q <= 0) return static_cast<double>(min());
        if (q >= 1) return static_cast<double>(max_);
        const double target = q * static_cast<double>(count_);
        double seen = 0;
        for (unsigned i = 0; i < kBuckets; ++i) {
            if (counts_[i] == 0) continue;
            const double in_bucket = static_cast<double>(counts_[i]);
            if (seen + in_bucket >= target) {
                const double low = static_cast<double>(bucket_low(i));
                const double high = static_cast<double>(bucket_high(i));
                double value = low + (high - low) * ((target - seen) / in_bucket);
                if (value < static_cast<double>(min())) value = static_cast<double>(min());
                if (value > static_cast<double>(max_)) value = static_cast<double>(max_);
                return value;
            }
            seen += in_bucket;
        }
        return static_cast<double>(max_);
    }

    // Bucket boundaries: bucket i holds values in [bucket_low(i), bucket_high(i)).
    static unsigned bucket_of(uint64_t value) {
        if (value < kSubBuckets) return static_cast<unsigned>(value);
        const unsigned top = 63u - static_cast<unsigned>(__builtin_clzll(value));  // >= 3
        const unsigned sub = static_cast<unsigned>((value >> (top - 3)) & (kSubBuckets - 1));
        return (top - 2) * kSubBuckets + sub;
    }
    static uint64_t bucket_low(unsigned bucket) {
        if (bucket < kSubBuckets) return bucket;
        const unsigned top = bucket / kSubBuckets + 2;
        const uint64_t sub = bucket % kSubBuckets;
        return (uint64_t(1) << top) + (sub << (top - 3));
    }
    static uint64_t bucket_high(unsigned bucket) {
        if (bucket + 1 >= kBuckets) return std::numeric_limits<uint64_t>::max();
        return bucket_low(bucket + 1);
    }

private:
    std::array<uint64_t, kBuckets> counts_{};
    uint64_t count_ = 0;
    uint64_t sum_ = 0;
    uint64_t min_ = std::numeric_limits<uint64_t>::max();
    uint64_t max_ = 0;
};

}  // namespace npuemu
