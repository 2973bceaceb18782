// Vega 5 for a self-contained page: Debian's libjs-vega (5.22) ships Vega as separate UMD modules (vega-util,
// vega-dataflow, ..., no single bundle), so the page gets the modules a chart needs, each wrapped in a small CommonJS
// loader, and the transforms registered as the `vega` bundle itself does. Read at run time from the installed
// package (NPUEMU_VEGA_DIR, found by CMake; Debian's /usr/share/javascript/vega by default;
// the environment variable NPUEMU_VEGA_DIR, when set, names another directory).
#pragma once

#include <string>

namespace npuemu::report {

// The JavaScript that defines the global `vega` (View, parse). Throws npuemu::Error naming the missing file and the
// package to install when libjs-vega is not there.
std::string vega_script();

}  // namespace npuemu::report
