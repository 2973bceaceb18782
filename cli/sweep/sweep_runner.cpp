#include "cli/sweep/sweep_runner.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "cli/sweep/child_process.h"
#include "cli/sweep/workload_kind.h"
#include "model/common/error.h"

namespace npuemu::sweep {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

Json point_metrics(const SweepSpec& spec, const nlohmann::json& counters) {
    auto counter = [&counters](const std::string& name) -> std::optional<double> {
        if (!counters.contains(name) || !counters[name].is_number()) return std::nullopt;
        return counters[name].get<double>();
    };
    Json metrics = Json::object();
    for (const auto& metric : spec.metrics) {
        if (metric.derived) {
            double value = 0;
            try {
                value = metric.expression.evaluate(counter);
            } catch (const Error& e) {
                throw Error("metric '" + metric.name + "': " + e.what() + " in the stats");
            }
            // JSON has no infinity or NaN: a value that overflowed is an error, not an empty cell of a good point.
            if (!std::isfinite(value)) throw Error("metric '" + metric.name + "' is not a finite number");
            metrics[metric.name] = value;
        } else {
            if (!counters.contains(metric.name)) {
                throw Error("metric '" + metric.name + "': the point's output has no value '" + metric.name +
                            "' (see its " + workload_kind(spec.kind).output_file() + " for the values there are)");
            }
            metrics[metric.name] = Json(counters[metric.name]);
        }
    }
    return metrics;
}

namespace {

struct Running {
    Point point;
    Clock::time_point start;
};

std::string format_duration(double seconds) {
    const long s = static_cast<long>(seconds + 0.5);
    char text[32];
    if (s >= 3600)
        std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else
        std::snprintf(text, sizeof text, "%ld:%02ld", s / 60, s % 60);
    return text;
}

std::string describe(const SweepSpec& spec, const Point& point) {
    std::string text = spec.workloads[point.workload].name;
    for (const auto& [key, value] : point.settings) text += " " + key + "=" + value;
    return text;
}

class Runner {
public:
    Runner(const SweepSpec& spec, const Json& manifest, const RunnerOptions& options)
        : spec_(spec),
          kind_(workload_kind(spec.kind)),
          manifest_(manifest),
          options_(options),
          tty_(::isatty(STDERR_FILENO)) {}

    RunnerSummary run(const std::vector<Point>& points) {
        summary_.points = points.size();
        std::deque<Point> queue;
        for (const auto& point : manifest_["points"]) manifest_points_[point["index"].get<size_t>()] = &point;
        for (const auto& point : points) {
            const auto result = read_result(options_.dir, point.id);
            if (result) csv_rows_[point.index] = results_csv_row(manifest_, *manifest_points_.at(point.index), *result);
            if (result && result->value("status", "") == "ok")
                ++summary_.resumed;
            else
                queue.push_back(point);
        }
        start_ = Clock::now();
        progress();
        std::map<pid_t, Running> running;
        while (!queue.empty() || !running.empty()) {
            while (!queue.empty() && running.size() < options_.jobs) {
                Point point = queue.front();
                queue.pop_front();
                const pid_t pid = launch(point);
                running.emplace(pid, Running{point, Clock::now()});
            }
            running_ = running.size();
            progress();
            int status = 0;
            const pid_t pid = ::waitpid(-1, &status, 0);
            if (pid < 0) {
                if (errno == EINTR) continue;
                throw Error(std::string("waiting for a point: ") + std::strerror(errno));
            }
            auto it = running.find(pid);
            if (it == running.end()) continue;
            finish(it->second, status);
            running.erase(it);
            running_ = running.size();
            write_csv(false);
            progress();
        }
        write_csv(true);
        if (tty_) std::fprintf(stderr, "\n");
        return summary_;
    }

private:
    // results.csv from the rows kept in memory (each result.json is read once, at the start): rewritten at most
    // once a second while points finish, and at the end. A crash loses nothing: a resume rebuilds it from the
    // result files.
    void write_csv(bool force) {
        const auto now = Clock::now();
        if (!force && now - last_csv_ < std::chrono::seconds(1)) return;
        std::string csv = results_csv_header(manifest_);
        for (const auto& [index, row] : csv_rows_) csv += row;
        write_file_atomic(options_.dir + "/" + options_.csv_name, csv);
        last_csv_ = now;
    }

    pid_t launch(const Point& point) {
        const std::string dir = point_dir(options_.dir, point.id);
        fs::create_directories(dir);
        // A rerun starts clean: a result or output left by an earlier attempt must not be mistaken for this one's.
        fs::remove(dir + "/result.json");
        fs::remove(dir + "/" + kind_.output_file());
        csv_rows_.erase(point.index);
        const std::vector<std::string> args = kind_.point_command(spec_, point, options_.executable, dir);
        if (options_.entry) return fork_child(args, options_.entry, dir + "/console.txt");
        return spawn_child(args, dir + "/console.txt");
    }

    void finish(const Running& job, int status) {
        const Point& point = job.point;
        const std::string dir = point_dir(options_.dir, point.id);
        const double seconds = std::chrono::duration<double>(Clock::now() - job.start).count();
        Json result;
        result["schema"] = kResultSchema;
        result["schema_version"] = kSweepSchemaVersion;
        result["index"] = point.index;
        result["id"] = point.id;
        result["workload"] = spec_.workloads[point.workload].name;
        Json settings = Json::object();
        for (const auto& [key, value] : point.settings) settings[key] = value;
        result["settings"] = settings;
        int exit_code = -1;
        if (WIFEXITED(status)) exit_code = WEXITSTATUS(status);
        std::string error = child_failure(status, dir + "/console.txt");
        Json metrics = Json::object();
        if (error.empty()) {
            try {
                std::ifstream in(dir + "/" + kind_.output_file());
                if (!in) throw Error(std::string("the run wrote no ") + kind_.output_file());
                metrics = point_metrics(spec_, kind_.read_values(in));
            } catch (const Error& e) {
                error = e.what();
            } catch (const nlohmann::json::exception& e) {
                error = std::string(kind_.output_file()) + ": " + e.what();
            }
        }
        result["status"] = error.empty() ? "ok" : "failed";
        result["exit_code"] = exit_code;
        result["error"] = error;
        result["metrics"] = metrics;
        result["wall_seconds"] = seconds;
        write_file_atomic(dir + "/result.json", result.dump(2) + "\n");
        csv_rows_[point.index] = results_csv_row(manifest_, *manifest_points_.at(point.index), result);
        ++summary_.ran;
        if (!error.empty()) ++summary_.failed;
        if (!tty_ || !error.empty()) {
            if (tty_) std::fprintf(stderr, "\r\033[K");
            std::fprintf(stderr, "sweep: [%zu/%zu] point %zu (%s): %s%s [%.2f s]\n", summary_.resumed + summary_.ran,
                         summary_.points, point.index, describe(spec_, point).c_str(),
                         error.empty() ? "ok" : "FAILED: ", error.c_str(), seconds);
        }
    }

    void progress() {
        const size_t done = summary_.resumed + summary_.ran;
        const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
        std::string eta = "?";
        if (summary_.ran > 0) eta = format_duration(elapsed / summary_.ran * (summary_.points - done));
        if (done == summary_.points) eta = "0:00";
        char line[256];
        std::snprintf(line, sizeof line,
                      "sweep: %zu/%zu done (%zu resumed), %zu failed, %zu running, %s elapsed, ETA %s", done,
                      summary_.points, summary_.resumed, summary_.failed, running_, format_duration(elapsed).c_str(),
                      eta.c_str());
        // Without a terminal (a log file, Slurm), each finished point prints its own line instead.
        if (tty_) std::fprintf(stderr, "\r\033[K%s", line);
        std::fflush(stderr);
    }

    const SweepSpec& spec_;
    const WorkloadKind& kind_;
    const Json& manifest_;
    const RunnerOptions& options_;
    const bool tty_;
    std::map<size_t, const Json*> manifest_points_;  // by point index
    std::map<size_t, std::string> csv_rows_;         // by point index: the points of this run that have a result
    Clock::time_point last_csv_;
    RunnerSummary summary_;
    size_t running_ = 0;
    Clock::time_point start_;
};

}  // namespace

RunnerSummary run_points(const SweepSpec& spec, const Json& manifest, const std::vector<Point>& points,
                         const RunnerOptions& options) {
    Runner runner(spec, manifest, options);
    return runner.run(points);
}

}  // namespace npuemu::sweep
