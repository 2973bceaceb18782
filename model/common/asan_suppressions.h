// Sanitizer builds only. SystemC switches between its processes' stacks (QuickThreads) without telling
// AddressSanitizer, so once a simulation has run, ASan's record of the main stack is stale: every C++ exception
// thrown afterwards (an output file that cannot be written after the run, for instance) makes ASan's own stack
// unpoisoning report a stack-buffer-overflow inside its sigaltstack interceptor, after warning that "false positive
// error reports may follow" (google/sanitizers#189). That one report is suppressed; nothing of npuemu's own code is.
// Include in exactly one source file of each program that runs a simulation.
#pragma once

#if defined(__SANITIZE_ADDRESS__)
extern "C" const char* __asan_default_suppressions() { return "interceptor_name:sigaltstack\n"; }
#endif
