// Runs a simulation as a child process (SystemC elaborates once per process, so every simulated run is a process of
// its own): this binary again (exec), or a forked copy of this process that calls the command line's entry. The
// sweep runner's points and npuemu profile's ops use it.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

namespace npuemu::sweep {

// Starts args (args[0]: the executable) with stdin from /dev/null and stdout and stderr into console_path. The child
// dies with this process (SIGKILL included), so an interrupted parent leaves no orphans. Throws npuemu::Error when
// fork fails; an exec failure is the child's exit status 127.
pid_t spawn_child(const std::vector<std::string>& args, const std::string& console_path);

// A point's entry: a whole npuemu command line (argv[0] first), its exit status returned.
using CommandLineEntry = std::function<int(int argc, char** argv)>;

// Runs entry(args) in a forked copy of this process, without exec: the libraries are loaded and initialised already,
// which is most of a small run's cost. Otherwise as spawn_child: stdin from /dev/null, stdout and stderr into
// console_path, the child dies with this process, and a crash or abort ends the child only (its wait status says
// so). The child ends with _exit(entry's status) after flushing its streams; it never returns into the caller. This
// process must be single-threaded (it is: the sweep and profile runners wait for their children in one thread).
pid_t fork_child(const std::vector<std::string>& args, const CommandLineEntry& entry, const std::string& console_path);

// Why a child that ended with this wait status failed: "" for exit status 0, else "exit status N: <its last
// 'npuemu: ' message>" or "killed by signal N (name)".
std::string child_failure(int status, const std::string& console_path);

// This npuemu binary (/proc/self/exe), and the firmware images built beside it (build/bin/npuemu ->
// build/firmware).
std::string self_executable();
std::string firmware_dir(const std::string& executable);

}  // namespace npuemu::sweep
