// One chart of each kind the report module draws (scatter with a roofline, a ridge and a point at the edge; line;
// stacked bar; heat map; waterfall), from fixed made-up data, on one page: the browser test checks that each draws
// one mark per point, and docs/ shows its screenshots (the waterfall has no producer yet: the cluster model's loss
// budget will be one).
//   report_gallery OUT.html
#include <cstdio>
#include <fstream>

#include "cli/report/html_page.h"
#include "model/common/error.h"

using namespace npuemu::report;

namespace {

Figure scatter_figure() {
    Figure f;
    Chart& c = f.chart;
    c.title = "Scatter: roofline with a ridge";
    c.x = Axis{"operational intensity (ops per byte)", Scale::log, "", {}, false};
    c.y = Axis{"achieved TOPS", Scale::log, "", {}, false};
    c.series_title = "configuration";
    const double intensity[] = {2, 8, 30, 120, 600};
    for (int i = 0; i < 5; ++i) {
        c.points.push_back({{"id", "p" + std::to_string(i)}, {"series", "4 tiles"}, {"x", intensity[i]},
                            {"y", std::min(100.0, intensity[i]) * 0.7}, {"tip", {{"tiles", 4}}}});
    }
    c.points.push_back({{"id", "p5"}, {"series", "4 tiles"}, {"x", nullptr}, {"y", 80},
                        {"why", "no DMA bytes: intensity unbounded"}, {"tip", {{"tiles", 4}}}});
    for (double x : {0.5, 100.0, 4000.0}) c.lines.push_back({{"series", "4 tiles"}, {"x", x}, {"y", std::min(100.0, x)}});
    c.rules.push_back({{"series", "4 tiles"}, {"x", 100}, {"label", "ridge 100 ops/B"}});
    f.caption = "Six points, one at the right edge: it has no finite intensity.";
    f.notes.push_back("p5 moved no bytes: drawn as a triangle at the right edge.");
    return f;
}

Figure line_figure() {
    Figure f;
    Chart& c = f.chart;
    c.kind = ChartKind::line;
    c.title = "Line: temperature over time";
    c.x = Axis{"simulated time (µs)", Scale::linear, "", {}, false};
    c.y = Axis{"die temperature (°C)", Scale::linear, "", {}, false};
    c.series_title = "tile";
    for (int t = 0; t < 3; ++t) {
        for (int i = 0; i <= 10; ++i) {
            const double temperature = 40 + (30 + 5 * t) * (1 - 1.0 / (1 + 0.4 * i));
            c.points.push_back({{"id", "tile" + std::to_string(t)}, {"series", "tile" + std::to_string(t)},
                                {"x", i * 10}, {"y", temperature}});
        }
    }
    f.caption = "Three tiles heating up: 33 samples.";
    return f;
}

Figure bar_figure() {
    Figure f;
    Chart& c = f.chart;
    c.kind = ChartKind::bar;
    c.title = "Bar: busy and stall cycles";
    c.x = Axis{"tile and unit", Scale::category, "", {}, false};
    c.y = Axis{"cycles", Scale::linear, "", {}, true};
    c.series_title = "cycles spent";
    const char* units[] = {"t0 dma", "t0 matrix", "t1 dma", "t1 matrix"};
    for (int u = 0; u < 4; ++u) {
        c.points.push_back({{"id", std::string(units[u]) + " busy"}, {"x", units[u]}, {"y", 1000 + 300 * u}, {"series", "busy"}});
        c.points.push_back({{"id", std::string(units[u]) + " stall"}, {"x", units[u]}, {"y", 200 + 50 * u}, {"series", "stall"}});
    }
    f.caption = "Eight segments on four bars.";
    return f;
}

Figure heatmap_figure() {
    Figure f;
    Chart& c = f.chart;
    c.kind = ChartKind::heatmap;
    c.title = "Heat map: link utilisation";
    c.x = Axis{"router", Scale::category, "", {}, false};
    c.y = Axis{"link", Scale::category, "", {"north", "east", "south", "west"}, false};
    c.series_title = "busy (share of the run)";
    c.value_format = ".0%";
    const char* dirs[] = {"north", "east", "south", "west"};
    for (int r = 0; r < 4; ++r) {
        for (int d = 0; d < 4; ++d) {
            c.points.push_back({{"id", "x" + std::to_string(r) + "y0." + dirs[d]}, {"x", "x" + std::to_string(r) + "y0"},
                                {"y", dirs[d]}, {"value", 0.05 * (r * 4 + d)}});
        }
    }
    f.caption = "Sixteen cells.";
    return f;
}

Figure waterfall_figure() {
    Figure f;
    Chart& c = f.chart;
    c.kind = ChartKind::waterfall;
    c.title = "Waterfall: from peak to achieved";
    c.x = Axis{"step", Scale::category, "", {}, false};
    c.y = Axis{"TOPS", Scale::linear, "", {}, true};
    c.series_title = "step";
    c.points = {{{"id", "peak"}, {"x", "peak"}, {"y", 262}},
                {{"id", "memory"}, {"x", "memory bound"}, {"y", -80}},
                {{"id", "sync"}, {"x", "synchronisation"}, {"y", -35}},
                {{"id", "throttle"}, {"x", "throttling"}, {"y", -20}},
                {{"id", "achieved"}, {"x", "achieved"}, {"y", 0}, {"total", true}}};
    f.caption = "Five steps: the losses between peak and achieved throughput.";
    return f;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: report_gallery OUT.html\n");
        return 2;
    }
    try {
        Page page;
        page.title = "npuemu chart kinds";
        page.paragraphs.push_back("One chart of each kind, from made-up data.");
        Section s;
        s.heading = "Charts";
        s.figures = {scatter_figure(), line_figure(), bar_figure(), heatmap_figure(), waterfall_figure()};
        Table t;
        t.columns = {"kind", "points"};
        for (const auto& fig : s.figures) t.rows.push_back({fig.chart.title, point_count(fig.chart)});
        s.tables.push_back(t);
        page.sections.push_back(std::move(s));
        std::ofstream out(argv[1], std::ios::binary | std::ios::trunc);
        out << render_html(page);
        if (!out.flush()) throw npuemu::Error(std::string(argv[1]) + ": cannot write");
    } catch (const npuemu::Error& e) {
        std::fprintf(stderr, "report_gallery: %s\n", e.what());
        return 125;
    }
    return 0;
}

// The report library links the common block, which links SystemC, whose library wants an sc_main; this program is
// plain main(). (The sanitizer build's linker insists on it.)
extern "C" int sc_main(int, char**) { return 0; }  // as SystemC declares it (sc_externs.h)
