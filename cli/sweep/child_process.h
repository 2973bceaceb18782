// Runs this binary again as a child process (SystemC elaborates once per process, so every simulated run is a
// process of its own): the sweep runner's points and npuemu profile's ops use it.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace npuemu::sweep {

// Starts args (args[0]: the executable) with stdin from /dev/null and stdout and stderr into console_path. The child
// dies with this process (SIGKILL included), so an interrupted parent leaves no orphans. Throws npuemu::Error when
// fork fails; an exec failure is the child's exit status 127.
pid_t spawn_child(const std::vector<std::string>& args, const std::string& console_path);

// Why a child that ended with this wait status failed: "" for exit status 0, else "exit status N: <its last
// 'npuemu: ' message>" or "killed by signal N (name)".
std::string child_failure(int status, const std::string& console_path);

// This npuemu binary (/proc/self/exe), and the firmware images built beside it (build/bin/npuemu ->
// build/firmware).
std::string self_executable();
std::string firmware_dir(const std::string& executable);

}  // namespace npuemu::sweep
