#include "cli/report/vega_library.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "model/common/error.h"

#ifndef NPUEMU_VEGA_DIR
#define NPUEMU_VEGA_DIR "/usr/share/javascript/vega"
#endif

namespace npuemu::report {

namespace {

// In dependency order. Geo, force layouts, hierarchies, labels, regression, Voronoi, word clouds and crossfilter are
// left out: no chart here uses them, and two of them need d3 modules Debian packages apart.
const char* const kModules[] = {
    "vega-util",      "vega-time",        "vega-format",    "vega-loader",    "vega-dataflow",
    "vega-statistics", "vega-scale",      "vega-canvas",    "vega-scenegraph", "vega-expression",
    "vega-selection", "vega-event-selector", "vega-functions", "vega-runtime", "vega-view",
    "vega-parser",    "vega-transforms",  "vega-view-transforms", "vega-encode",
};

std::string read_module(const std::string& dir, const std::string& name) {
    const std::string path = dir + "/" + name + ".min.js";
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw Error("the HTML report draws its charts with Vega from Debian's libjs-vega, and " + path +
                    " is missing: install it (apt-get install libjs-vega, or scripts/setup.sh)");
    }
    std::ostringstream text;
    text << in.rdbuf();
    std::string js = text.str();
    // The source map comment points at a file the page does not carry.
    const size_t map = js.rfind("//# sourceMappingURL=");
    if (map != std::string::npos) js.erase(map);
    if (js.find("</script") != std::string::npos || js.find("<!--") != std::string::npos) {
        throw Error(path + " contains '</script' or '<!--' and cannot be inlined into a page as it is");
    }
    return js;
}

}  // namespace

std::string vega_script() {
    const char* env = std::getenv("NPUEMU_VEGA_DIR");
    const std::string dir = env && *env ? env : NPUEMU_VEGA_DIR;
    std::string out =
        "var vegaModules = {};\n"
        "function vegaRequire(name) {\n"
        "  var m = vegaModules[name === 'vega-selections' ? 'vega-selection' : name];\n"
        "  if (!m) throw new Error('Vega module ' + name + ' is not on this page');\n"
        "  return m;\n"
        "}\n"
        "function vegaDefine(name, body) { var module = {exports: {}}; body.call(window, module.exports, module, "
        "vegaRequire); vegaModules[name] = module.exports; }\n";
    for (const char* name : kModules) {
        out += "vegaDefine('" + std::string(name) + "', function (exports, module, require) {\n" + read_module(dir, name) +
               "\n});\n";
    }
    // What Vega's own bundle (package `vega`, index.js) adds: the transforms registered with the dataflow.
    out +=
        "var vega = Object.assign({}, vegaModules['vega-view'], vegaModules['vega-parser']);\n"
        "Object.assign(vegaModules['vega-dataflow'].transforms, vegaModules['vega-transforms'], "
        "vegaModules['vega-view-transforms'], vegaModules['vega-encode']);\n";
    return out;
}

}  // namespace npuemu::report
