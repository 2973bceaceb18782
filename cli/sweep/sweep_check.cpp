#include "cli/sweep/sweep_check.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <vector>

#include "cli/sweep/workload_kind.h"
#include "model/common/error.h"

namespace npuemu::sweep {

namespace {

struct CheckOutput {
    int status = -1;
    std::string out, err;
};

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// A fresh temporary file's name (the file exists, empty; the caller removes it).
std::string temporary_name(const char* stem) {
    const char* tmp = std::getenv("TMPDIR");
    std::string name = std::string(tmp && *tmp ? tmp : "/tmp") + "/" + stem + ".XXXXXX";
    const int fd = ::mkstemp(name.data());
    if (fd < 0)
        throw Error(std::string("cannot check the sweep's workloads (temporary file): ") + std::strerror(errno));
    ::close(fd);
    return name;
}

// Runs argv with stdout and stderr in temporary files (a counter list can be long: no pipe to drain).
CheckOutput run_check(std::vector<std::string> args) {
    const char* tmp = std::getenv("TMPDIR");
    std::string out_name = std::string(tmp && *tmp ? tmp : "/tmp") + "/npuemu-check.XXXXXX";
    std::string err_name = out_name;
    const int out = ::mkstemp(out_name.data());
    const int err = out < 0 ? -1 : ::mkstemp(err_name.data());
    if (out < 0 || err < 0) {
        if (out >= 0) {
            ::close(out);
            ::unlink(out_name.c_str());
        }
        throw Error(std::string("cannot check the sweep's workloads (temporary file): ") + std::strerror(errno));
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid == 0) {
        const int in = ::open("/dev/null", O_RDONLY);
        if (in >= 0) ::dup2(in, 0);
        ::dup2(out, 1);
        ::dup2(err, 2);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    CheckOutput result;
    int status = 0;
    while (pid > 0 && ::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (pid > 0 && WIFEXITED(status)) result.status = WEXITSTATUS(status);
    ::close(out);
    ::close(err);
    result.out = slurp(out_name);
    result.err = slurp(err_name);
    ::unlink(out_name.c_str());
    ::unlink(err_name.c_str());
    if (pid < 0) throw Error(std::string("cannot check the sweep's workloads: ") + std::strerror(errno));
    return result;
}

// The reason in a refusal: npuemu's error line, or CLI11's first line.
std::string reason_of(const std::string& err) {
    std::istringstream lines(err);
    std::string line, first;
    while (std::getline(lines, line)) {
        if (line.rfind("npuemu: error: ", 0) == 0) return line.substr(15);
        if (first.empty() && !line.empty()) first = line;
    }
    return first.empty() ? "(no message)" : first;
}

}  // namespace

void check_workloads(const SweepSpec& spec, const Plan& plan, const std::string& executable) {
    const WorkloadKind& kind = workload_kind(spec.kind);
    for (size_t w = 0; w < spec.workloads.size(); ++w) {
        const Point* first = nullptr;
        for (const auto& point : plan.points) {
            if (point.workload == w) {
                first = &point;
                break;
            }
        }
        if (!first) continue;  // every point of this workload rejected by the constraints
        const Workload& workload = spec.workloads[w];
        const std::string output = temporary_name("npuemu-check-output");
        CheckOutput check;
        std::set<std::string> names;
        try {
            check = run_check(kind.check_command(spec, workload, *first, executable, output));
            if (check.status == 0) names = kind.checked_value_names(check.out, output);
        } catch (...) {
            ::unlink(output.c_str());
            throw;
        }
        ::unlink(output.c_str());
        const std::string where = spec.spec_file + ": workload '" + workload.name + "'";
        if (check.status != 0) {
            throw Error(where + ": its points cannot run (exit status " + std::to_string(check.status) + "): " +
                        reason_of(check.err));
        }
        for (const auto& metric : spec.metrics) {
            const std::set<std::string> wanted =
                metric.derived ? metric.expression.names() : std::set<std::string>{metric.name};
            for (const auto& name : wanted) {
                if (!names.count(name)) {
                    throw Error(metric.where + ": " + kind.missing_value(name, workload.name));
                }
            }
        }
    }
}

}  // namespace npuemu::sweep
