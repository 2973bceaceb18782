#include "cli/sweep/child_process.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "model/common/error.h"

namespace npuemu::sweep {

namespace {

std::string last_npuemu_line(const std::string& console) {
    std::ifstream in(console);
    std::string line, found;
    while (std::getline(in, line)) {
        if (line.rfind("npuemu: ", 0) == 0 && line.find(" on chip '") == std::string::npos) found = line.substr(8);
    }
    return found;
}

}  // namespace

pid_t spawn_child(const std::vector<std::string>& args, const std::string& console_path) {
    std::vector<std::string> copies = args;
    std::vector<char*> argv;
    for (auto& a : copies) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) throw Error(std::string("cannot start a child process: ") + std::strerror(errno));
    if (pid == 0) {
        // Only async-signal-safe calls from here to exec.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(127);
        const int out = ::open(console_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        const int in = ::open("/dev/null", O_RDONLY);
        if (out < 0 || in < 0) ::_exit(127);
        ::dup2(in, 0);
        ::dup2(out, 1);
        ::dup2(out, 2);
        ::execv(argv[0], argv.data());
        const char message[] = "npuemu: error: cannot execute the npuemu binary\n";
        [[maybe_unused]] auto ignored = ::write(2, message, sizeof message - 1);
        ::_exit(127);
    }
    return pid;
}

std::string child_failure(int status, const std::string& console_path) {
    if (WIFEXITED(status)) {
        const int exit_code = WEXITSTATUS(status);
        if (exit_code == 0) return "";
        const std::string reason = last_npuemu_line(console_path);
        return "exit status " + std::to_string(exit_code) + (reason.empty() ? "" : ": " + reason);
    }
    if (WIFSIGNALED(status)) {
        return std::string("killed by signal ") + std::to_string(WTERMSIG(status)) + " (" +
               ::strsignal(WTERMSIG(status)) + ")";
    }
    return "ended with wait status " + std::to_string(status);
}

std::string self_executable() {
    std::error_code error;
    const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
    if (error) throw Error("cannot find the npuemu binary (/proc/self/exe): " + error.message());
    return self.string();
}

std::string firmware_dir(const std::string& executable) {
    return (std::filesystem::path(executable).parent_path().parent_path() / "firmware").string();
}

}  // namespace npuemu::sweep
