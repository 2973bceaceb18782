#include "model/trace/tracer.h"

#include <fnmatch.h>

#include "model/common/error.h"

namespace npuemu::trace {

Tracer::Tracer(std::unique_ptr<TraceWriter> writer, std::string filter, uint64_t window_start_ps,
               uint64_t window_end_ps)
    : writer_(std::move(writer)), filter_(std::move(filter)), window_start_(window_start_ps), window_end_(window_end_ps) {}

Tracer::~Tracer() = default;

bool Tracer::matches(const std::string& name) const {
    return filter_.empty() || fnmatch(filter_.c_str(), name.c_str(), 0) == 0;
}

uint32_t Tracer::declare(const std::string& path, unsigned width) {
    if (!matches(path)) { ++filtered_out_; return kNoSignal; }
    signals_.push_back(SignalInfo{path, false, width});
    return static_cast<uint32_t>(signals_.size() - 1);
}

uint32_t Tracer::declare_real(const std::string& path) {
    if (!matches(path)) { ++filtered_out_; return kNoSignal; }
    signals_.push_back(SignalInfo{path, true, 64});
    return static_cast<uint32_t>(signals_.size() - 1);
}

uint32_t Tracer::declare_track(const std::string& process, unsigned process_id, const std::string& thread,
                               unsigned thread_id) {
    if (!matches(process + "." + thread)) { ++filtered_out_; return kNoSignal; }
    tracks_.push_back(TrackInfo{process, thread, process_id, thread_id});
    return static_cast<uint32_t>(tracks_.size() - 1);
}

unsigned Tracer::process_id(const std::string& process) {
    return process_ids_.emplace(process, static_cast<unsigned>(process_ids_.size() + 1)).first->second;
}

void Tracer::start() {
    if (signals_.empty() && tracks_.empty()) {
        throw Error("--trace-filter '" + filter_ + "' matches none of the " + std::to_string(filtered_out_) +
                    " signals and tracks of this chip (they are named like chip.tile0.matrix.busy and tile0.MATRIX)");
    }
    // A signal belongs to the process named in its path: "chip.tile3.core.sleeping" to "tile3",
    // "system.chip2.tile3.core.sleeping" to "chip2.tile3" (the longest such name).
    for (SignalInfo& signal : signals_) {
        size_t longest = 0;
        for (const auto& [process, id] : process_ids_) {
            if (process.size() > longest && signal.path.find("." + process + ".") != std::string::npos) {
                longest = process.size();
                signal.process_id = id;
            }
        }
    }
    last_bits_.assign(signals_.size(), 0);
    last_real_.assign(signals_.size(), 0.0);
    written_.assign(signals_.size(), false);
    held_.assign(signals_.size(), false);
    batch_stamp_.assign(signals_.size(), 0);
    window_open_ = window_start_ == 0;
    writer_->begin(signals_, tracks_);
    started_ = true;
}

void Tracer::push(Event event) {
    event.sequence = sequence_++;
    pending_.push(event);
    if (pending_.size() >= kFlushThreshold && now_ps_ && started_) flush_before(now_ps_());
}

void Tracer::change(uint32_t signal, uint64_t time_ps, uint64_t bits) {
    if (signal == kNoSignal) return;
    push(Event{time_ps, 0, signal, false, bits, 0.0});
}

void Tracer::change_real(uint32_t signal, uint64_t time_ps, double value) {
    if (signal == kNoSignal) return;
    push(Event{time_ps, 0, signal, true, 0, value});
}

void Tracer::span(uint32_t track, const std::string& name, uint64_t start_ps, uint64_t end_ps,
                  const std::string& args) {
    if (track == kNoSignal || !started_) return;
    if (end_ps < window_start_ || (window_end_ && start_ps > window_end_)) return;
    // Spans need no ordering (timeline viewers sort them); clip them to the window.
    const uint64_t start = std::max(start_ps, window_start_);
    const uint64_t end = window_end_ ? std::min(end_ps, window_end_) : end_ps;
    writer_->span(track, name, start, end, args);
}

void Tracer::write(const Event& event) {
    const uint32_t s = event.signal;
    if (written_[s] && (event.is_real ? last_real_[s] == event.real : last_bits_[s] == event.bits)) return;
    written_[s] = true;
    if (event.is_real) {
        last_real_[s] = event.real;
        writer_->change_real(event.time, s, event.real);
    } else {
        last_bits_[s] = event.bits;
        writer_->change(event.time, s, event.bits);
    }
}

void Tracer::open_window() {
    // Values set before the window opened are what the signals hold at its start.
    window_open_ = true;
    for (uint32_t s = 0; s < signals_.size(); ++s) {
        if (!held_[s]) continue;
        Event event{window_start_, 0, s, signals_[s].is_real, last_bits_[s], last_real_[s]};
        written_[s] = false;
        write(event);
    }
}

void Tracer::flush_before(uint64_t time_ps) {
    if (finalizing_) return;  // a finalizer's own events filled the buffer: they are written once it is done
    finalizing_ = true;
    for (const auto& finalize : finalizers_) finalize(time_ps);
    finalizing_ = false;
    while (!pending_.empty() && pending_.top().time < time_ps) {
        const uint64_t time = pending_.top().time;
        batch_.clear();
        while (!pending_.empty() && pending_.top().time == time) {
            batch_.push_back(pending_.top());
            pending_.pop();
        }
        // Several changes of one signal at one time: the last one emitted counts.
        ++batch_id_;
        kept_.clear();
        for (auto it = batch_.rbegin(); it != batch_.rend(); ++it) {
            if (batch_stamp_[it->signal] == batch_id_) continue;
            batch_stamp_[it->signal] = batch_id_;
            kept_.push_back(*it);
        }
        for (auto it = kept_.rbegin(); it != kept_.rend(); ++it) {
            if (time < window_start_) {
                last_bits_[it->signal] = it->bits;
                last_real_[it->signal] = it->real;
                held_[it->signal] = true;
                continue;
            }
            if (window_end_ && time > window_end_) continue;
            if (!window_open_) open_window();
            write(*it);
        }
    }
}

void Tracer::advance(uint64_t now_ps) {
    if (started_) flush_before(now_ps);
}

void Tracer::finish(uint64_t end_ps) {
    if (!started_) return;
    flush_before(UINT64_MAX);
    writer_->finish(window_end_ ? std::min(end_ps, window_end_) : end_ps);
    started_ = false;
}

}  // namespace npuemu::trace
