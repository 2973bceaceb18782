// The one tracing interface of the model. Blocks declare signals ("chip.tile3.matrix.busy", a width or real) and
// tracks (a queue of a tile) once, then report value changes and spans as they happen, possibly for times ahead of
// the simulation (a matmul knows when its stream ends). The Tracer keeps a time-ordered buffer and hands events to
// the writer once no earlier event can arrive (everything before the current simulated time), so writers stream
// with bounded memory. Signals outside the filter and events outside the window cost one branch. A block holds a
// Tracer pointer that is null when tracing is off.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include "model/trace/trace_writer.h"

namespace npuemu::trace {

constexpr uint32_t kNoSignal = UINT32_MAX;

class Tracer {
public:
    // filter: a glob over signal paths and "process.thread" track names ("" = all); window in ps, end 0 = open.
    Tracer(std::unique_ptr<TraceWriter> writer, std::string filter, uint64_t window_start_ps, uint64_t window_end_ps);
    ~Tracer();

    uint32_t declare(const std::string& path, unsigned width);  // kNoSignal when filtered out
    uint32_t declare_real(const std::string& path);
    uint32_t declare_track(const std::string& process, unsigned process_id, const std::string& thread,
                           unsigned thread_id);
    // The timeline process id of a process name ("tile3", "chip2.tile3"): 1, 2, ... in the order names are first
    // asked for (0 holds what belongs to no process).
    unsigned process_id(const std::string& process);
    // Throws npuemu::Error if the filter matched nothing; then the writer gets the declarations.
    void start();

    void change(uint32_t signal, uint64_t time_ps, uint64_t bits);
    void change_real(uint32_t signal, uint64_t time_ps, double value);
    void span(uint32_t track, const std::string& name, uint64_t start_ps, uint64_t end_ps, const std::string& args);
    // Everything before now_ps is final: hand it to the writer.
    void advance(uint64_t now_ps);
    void finish(uint64_t end_ps);

    size_t declared_signals() const { return signals_.size(); }
    // A block that learns of its changes out of time order (a link's packets fill gaps before later ones) keeps them
    // and reports those before `before_ps` when called: the Tracer calls every finalizer before it writes anything
    // earlier than before_ps (never later than the current simulated time, UINT64_MAX at the end).
    void add_finalizer(std::function<void(uint64_t before_ps)> finalize) { finalizers_.push_back(std::move(finalize)); }
    // The simulation's current time: events before it are final, so a long buffer is flushed up to it.
    void set_clock(std::function<uint64_t()> now_ps) { now_ps_ = std::move(now_ps); }

private:
    struct Event {
        uint64_t time;
        uint64_t sequence;
        uint32_t signal;
        bool is_real;
        uint64_t bits;
        double real;
        bool operator>(const Event& other) const {
            return time != other.time ? time > other.time : sequence > other.sequence;
        }
    };
    bool matches(const std::string& name) const;
    void push(Event event);
    void flush_before(uint64_t time_ps);
    void write(const Event& event);
    void open_window();

    std::unique_ptr<TraceWriter> writer_;
    std::string filter_;
    uint64_t window_start_, window_end_;
    std::vector<SignalInfo> signals_;
    std::vector<TrackInfo> tracks_;
    std::map<std::string, unsigned> process_ids_;
    std::vector<uint32_t> track_ids_;  // declared track index -> writer track index
    bool started_ = false;
    uint64_t sequence_ = 0;
    std::priority_queue<Event, std::vector<Event>, std::greater<Event>> pending_;
    std::vector<uint64_t> last_bits_;
    std::vector<double> last_real_;
    std::vector<bool> written_;
    std::vector<bool> held_;  // changed before the window opened
    bool window_open_ = true;
    std::vector<Event> batch_, kept_;
    std::vector<uint64_t> batch_stamp_;
    uint64_t batch_id_ = 0;
    unsigned filtered_out_ = 0;
    std::function<uint64_t()> now_ps_;
    std::vector<std::function<void(uint64_t)>> finalizers_;
    bool finalizing_ = false;
    static constexpr size_t kFlushThreshold = 1 << 14;
};

}  // namespace npuemu::trace
