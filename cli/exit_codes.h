// Exit status of `npuemu run`: the firmware's own code when it exits, otherwise one of these (documented in the
// README). They sit above the codes firmware commonly uses.
#pragma once

namespace npuemu::cli {

constexpr int kExitOutputFailed = 123;  // an output file (--stats, --dump, --trace, a sweep's files) could not be
                                        // written, after the run or sweep had been done
constexpr int kExitCycleLimit = 124;  // like timeout(1)
constexpr int kExitBadInput = 125;    // a bad option, config or image: nothing was simulated
constexpr int kExitFault = 126;       // firmware fault with no handler
constexpr int kExitDeadlock = 127;    // every running hart asleep with nothing left to wake it
constexpr int kExitKilled = 137;      // a debugger killed the run (128 + SIGKILL, as a shell shows a killed process)

}  // namespace npuemu::cli
