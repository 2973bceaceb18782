#include "cli/sweep/child_process.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

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

// In a new child: die with the parent (SIGKILL included), stdin from /dev/null, stdout and stderr into the console
// file. Async-signal-safe calls only (the exec path needs that); exits 127 if the console cannot be opened.
void prepare_child(pid_t parent, const std::string& console_path) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    const int out = ::open(console_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int in = ::open("/dev/null", O_RDONLY);
    if (out < 0 || in < 0) ::_exit(127);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(out, 2);
    if (in > 2) ::close(in);
    if (out > 2) ::close(out);
}

std::vector<char*> argv_of(std::vector<std::string>& args) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    return argv;
}

}  // namespace

pid_t spawn_child(const std::vector<std::string>& args, const std::string& console_path) {
    std::vector<std::string> copies = args;
    std::vector<char*> argv = argv_of(copies);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) throw Error(std::string("cannot start a child process: ") + std::strerror(errno));
    if (pid == 0) {
        // Only async-signal-safe calls from here to exec.
        prepare_child(parent, console_path);
        ::execv(argv[0], argv.data());
        const char message[] = "npuemu: error: cannot execute the npuemu binary\n";
        [[maybe_unused]] auto ignored = ::write(2, message, sizeof message - 1);
        ::_exit(127);
    }
    return pid;
}

pid_t fork_child(const std::vector<std::string>& args, const CommandLineEntry& entry, const std::string& console_path) {
    std::vector<std::string> copies = args;
    std::vector<char*> argv = argv_of(copies);
    // What this process has buffered is its own output: the child must not write it a second time.
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) throw Error(std::string("cannot start a child process: ") + std::strerror(errno));
    if (pid == 0) {
        prepare_child(parent, console_path);
        int status = 127;
        try {
            status = entry(static_cast<int>(copies.size()), argv.data());
        } catch (...) {
            // entry reports its own errors; anything else must not unwind into the parent's frames.
            const char message[] = "npuemu: error: the point ended with an unexpected exception\n";
            [[maybe_unused]] auto ignored = ::write(2, message, sizeof message - 1);
        }
        std::cout.flush();
        std::cerr.flush();
        std::fflush(nullptr);
        // Not exit(): the parent's atexit handlers and static destructors are the parent's business.
        ::_exit(status);
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
