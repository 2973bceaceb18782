#include "cli/run_report.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <regex>

#include "cli/report/units.h"
#include "cli/report/vega_library.h"
#include "model/common/error.h"
#include "model/common/output_file.h"

namespace npuemu::cli {

namespace {

using report::Axis;
using report::counter_value;
using report::Chart;
using report::ChartKind;
using report::Figure;
using report::Scale;
using report::Spec;

const char* const kUnits[] = {"dma", "matrix", "vector"};

size_t tile_count(const nlohmann::ordered_json& counters) {
    size_t n = 0;
    while (counters.contains("tile" + std::to_string(n) + ".core.cycles")) ++n;
    return n;
}

Figure utilisation_figure(const nlohmann::ordered_json& counters, size_t tiles) {
    Figure fig;
    Chart& c = fig.chart;
    c.kind = ChartKind::heatmap;
    c.title = "Utilisation per tile and unit";
    c.x = Axis{"tile", Scale::category, "", {}, false};
    c.y = Axis{"unit", Scale::category, "", {"dma", "matrix", "vector", "MACs"}, false};
    c.series_title = "share of the run busy";
    c.value_format = ".2~%";
    c.width = std::max<int>(300, static_cast<int>(tiles) * 40);
    c.height = 140;
    for (size_t t = 0; t < tiles; ++t) {
        const std::string tile = "tile" + std::to_string(t);
        for (const char* unit : kUnits) {
            const std::string name = tile + ".npu." + unit + ".utilization";
            const double v = counter_value(counters, name);
            c.points.push_back({{"id", name}, {"x", tile}, {"y", unit}, {"value", v},
                                {"tip", {{"busy", report::round4(v)},
                                         {"busy cycles", report::round4(counter_value(counters, tile + ".npu." + unit + ".busy_cycles"))}}}});
        }
        const std::string macs = tile + ".npu.matrix.mac_utilization";
        const double v = counter_value(counters, macs);
        c.points.push_back({{"id", macs}, {"x", tile}, {"y", "MACs"}, {"value", v},
                            {"tip", {{"MAC utilisation", report::round4(v)},
                                     {"MACs", report::round4(counter_value(counters, tile + ".npu.matrix.macs"))}}}});
    }
    fig.caption = "tileN.npu.<unit>.utilization: the share of the run each queue was busy; MACs: "
                  "tileN.npu.matrix.mac_utilization, the share of the array's peak MACs done.";
    return fig;
}

Figure breakdown_figure(const nlohmann::ordered_json& counters, size_t tiles) {
    Figure fig;
    Chart& c = fig.chart;
    c.kind = ChartKind::bar;
    c.title = "Busy and stall cycles per unit";
    c.x = Axis{"tile and unit", Scale::category, "", {}, false};
    c.y = Axis{"cycles (tile clock)", Scale::linear, "", {}, true};
    c.series_title = "cycles spent";
    c.width = std::max<int>(460, static_cast<int>(tiles) * 3 * 11);
    const std::pair<const char*, const char*> kinds[] = {{"busy_cycles", "busy"},
                                                         {"sync_stall_cycles", "waiting in npu.wait"},
                                                         {"bank_stall_cycles", "scratchpad bank conflicts"},
                                                         {"credit_stall_cycles", "DMA credits (memory back-pressure)"}};
    for (size_t t = 0; t < tiles; ++t) {
        for (const char* unit : kUnits) {
            const std::string prefix = "tile" + std::to_string(t) + ".npu." + unit + ".";
            const std::string bar = "t" + std::to_string(t) + " " + unit;
            for (const auto& [counter, label] : kinds) {
                if (!counters.contains(prefix + counter)) continue;
                const double v = counter_value(counters, prefix + counter);
                c.points.push_back({{"id", prefix + counter}, {"x", bar}, {"y", v}, {"series", label},
                                    {"tip", {{"cycles", report::round4(v)},
                                             {"idle cycles", report::round4(counter_value(counters, prefix + "idle_cycles"))},
                                             {"instructions", report::round4(counter_value(counters, prefix + "instructions"))}}}});
            }
        }
    }
    fig.caption = "Per NPU queue: busy_cycles, then each stall counter stacked on it. Stalls are counted while the "
                  "queue waits, so a bar's height is not the run's length; idle_cycles is in each tooltip.";
    return fig;
}

Figure hbm_figure(const nlohmann::ordered_json& counters) {
    Figure fig;
    Chart& c = fig.chart;
    c.kind = ChartKind::heatmap;
    c.title = "HBM channels: data bus utilisation";
    c.x = Axis{"stack and channel", Scale::category, "", {}, false};
    c.y = Axis{"pseudo-channel", Scale::category, "", {}, false};
    c.series_title = "data bus busy (share of the run)";
    c.value_format = ".2~%";
    c.height = 100;
    const std::regex name(R"(hbm\.(s\d+\.ch\d+)\.(pc\d+)\.data_bus_utilization)");
    for (const auto& [key, value] : counters.items()) {
        std::smatch m;
        if (!std::regex_match(key, m, name) || !value.is_number()) continue;
        const std::string prefix = "hbm." + m[1].str() + "." + m[2].str() + ".";
        c.points.push_back({{"id", prefix.substr(0, prefix.size() - 1)}, {"x", m[1].str()}, {"y", m[2].str()},
                            {"value", value.get<double>()},
                            {"tip", {{"data bus", report::round4(value.get<double>())},
                                     {"GB/s", report::round4(counter_value(counters, prefix + "bandwidth_gbps"))},
                                     {"row hit rate", report::round4(counter_value(counters, prefix + "row_hit_rate"))},
                                     {"read bytes", report::round4(counter_value(counters, prefix + "read_bytes"))},
                                     {"write bytes", report::round4(counter_value(counters, prefix + "write_bytes"))}}}});
    }
    c.width = std::max<int>(300, static_cast<int>(c.points.size()) * 14);
    fig.caption = "hbm.sS.chC.pcP.data_bus_utilization: the share of the run the pseudo-channel's data bus carried "
                  "data. Tooltips: bandwidth, row hit rate, bytes.";
    return fig;
}

// Mesh links between routers (xXyY.direction), or the links at the mesh's edge (tileN.inject/eject, hbmK.chC.in/out);
// a chip with several networks (request, response) names them: mesh.<network>.link.<link>.utilization.
Figure link_figure(const nlohmann::ordered_json& counters, bool routers) {
    Figure fig;
    Chart& c = fig.chart;
    c.kind = ChartKind::heatmap;
    c.title = routers ? "Mesh links between routers: utilisation" : "Mesh links to tiles and HBM: utilisation";
    c.x = Axis{routers ? "router (xXyY)" : "endpoint", Scale::category, "", {}, false};
    c.series_title = "link busy (share of the run)";
    c.value_format = ".2~%";
    const std::regex name(routers ? R"(mesh\.(?:(\w+)\.)?link\.(x\d+y\d+)\.(north|east|south|west)\.utilization)"
                                  : R"(mesh\.(?:(\w+)\.)?link\.(tile\d+|hbm\d+\.ch\d+)\.(inject|eject|in|out)\.utilization)");
    const std::vector<std::string> directions =
        routers ? std::vector<std::string>{"north", "east", "south", "west"}
                : std::vector<std::string>{"inject", "eject", "in", "out"};
    std::vector<std::string> networks, columns;
    for (const auto& [key, value] : counters.items()) {
        std::smatch m;
        if (!std::regex_match(key, m, name) || !value.is_number()) continue;
        if (std::find(networks.begin(), networks.end(), m[1].str()) == networks.end()) networks.push_back(m[1].str());
        if (std::find(columns.begin(), columns.end(), m[2].str()) == columns.end()) columns.push_back(m[2].str());
        const std::string row = m[1].str().empty() ? m[3].str() : m[1].str() + " " + m[3].str();
        const std::string id = key.substr(0, key.size() - std::string(".utilization").size());
        c.points.push_back({{"id", id}, {"x", m[2].str()}, {"y", row}, {"value", value.get<double>()},
                            {"tip", {{"busy", report::round4(value.get<double>())},
                                     {"bytes", report::round4(counter_value(counters, id + ".bytes"))}}}});
    }
    // Rows: each network's directions, in compass (or inject/eject) order, those that occur.
    std::vector<std::string> rows;
    for (const auto& network : networks) {
        for (const auto& direction : directions) {
            const std::string row = network.empty() ? direction : network + " " + direction;
            for (const auto& p : c.points) {
                if (p["y"] == row) { rows.push_back(row); break; }
            }
        }
    }
    c.y = Axis{(networks.size() > 1 || (!networks.empty() && !networks[0].empty())) ? "network and link" : "link",
               Scale::category, "", rows, false};
    c.width = std::max<int>(300, static_cast<int>(columns.size()) * (routers ? 30 : 24));
    c.height = std::max<int>(100, static_cast<int>(rows.size()) * 22);
    fig.caption = routers ? "mesh.[network.]link.xXyY.<direction>.utilization: the share of the run each link "
                            "leaving router (X, Y) was busy; a missing cell: no such link at the mesh's edge."
                          : "mesh.[network.]link.tileN.inject/eject and hbmK.chC.in/out: the links between the mesh "
                            "and its endpoints, busy share of the run.";
    return fig;
}

// Temperature, frequency and power of every tile over the run (power/power_history.h).
std::vector<Figure> time_figures(const power::PowerHistory& history) {
    struct Quantity {
        const char* title;
        const char* axis;
        int which;
    };
    const Quantity quantities[] = {{"Temperature over time", "die temperature (°C)", 0},
                                   {"Clock frequency over time", "clock frequency (MHz)", 1},
                                   {"Power over time", "power (W, per sample interval)", 2}};
    std::vector<Figure> out;
    for (const auto& q : quantities) {
        Figure fig;
        Chart& c = fig.chart;
        c.kind = ChartKind::line;
        c.title = q.title;
        c.x = Axis{"simulated time (µs)", Scale::linear, "", {}, false};
        c.y = Axis{q.axis, Scale::linear, "", {}, false};
        c.series_title = "tile";
        for (const auto& s : history.samples()) {
            const double us = static_cast<double>(s.time_ps) / 1e6;
            for (size_t t = 0; t < s.temperature_mC.size(); ++t) {
                const double v = q.which == 0 ? s.temperature_mC[t] / 1000.0
                                 : q.which == 1 ? static_cast<double>(s.frequency_mhz[t]) : s.power_w[t];
                const std::string tile = "tile" + std::to_string(t);
                c.points.push_back({{"id", tile}, {"series", tile}, {"x", us}, {"y", v},
                                    {"tip", {{"us", report::round4(us)}, {"value", report::round4(v)}}}});
            }
        }
        fig.caption = std::string("Sampled by the power monitor every sample interval; ") +
                      (history.stride() > 1 ? "one sample in " + std::to_string(history.stride()) +
                                                  " is kept so the record stays bounded."
                                            : "every sample.");
        out.push_back(std::move(fig));
    }
    return out;
}

}  // namespace

report::Page run_report_page(const RunReportInput& input) {
    const auto& counters = input.counters;
    const size_t tiles = tile_count(counters);
    report::Page page;
    page.title = "Run of " + input.image + " on chip " + input.chip;
    page.paragraphs.push_back("Outcome: " + input.outcome + (input.message.empty() ? "" : " (" + input.message + ")") +
                              ". " + report::round4(counter_value(counters, "sim.cycles")) + " cycles, " +
                              report::round4(counter_value(counters, "sim.time_ps") / 1e6) + " us simulated; " +
                              report::round4(counter_value(counters, "npu.achieved_tops")) + " TOPS achieved of " +
                              report::round4(counter_value(counters, "npu.peak_tops")) + " peak.");
    page.paragraphs.push_back("Hover a mark for the counter it shows; each chart saves as PNG or SVG.");

    report::Section units;
    units.heading = "Tiles and NPU units";
    units.figures.push_back(utilisation_figure(counters, tiles));
    units.figures.push_back(breakdown_figure(counters, tiles));
    page.sections.push_back(std::move(units));

    report::Section memory;
    memory.heading = "Memory and mesh";
    for (Figure f : {hbm_figure(counters), link_figure(counters, true), link_figure(counters, false)}) {
        if (!f.chart.points.empty()) memory.figures.push_back(std::move(f));
    }
    if (memory.figures.empty()) memory.paragraphs.push_back("The run has no HBM channel or mesh link counters.");
    page.sections.push_back(std::move(memory));

    report::Section thermal;
    thermal.heading = "Temperature and frequency";
    if (!input.history) {
        thermal.paragraphs.push_back("This chip's config has no power section, so the run modelled no power, "
                                     "temperature or DVFS: nothing to draw over time.");
    } else if (input.history->samples().empty()) {
        thermal.paragraphs.push_back("The run ended before the power monitor's first sample: nothing to draw over "
                                     "time (the sample interval is power.sample_interval_ns).");
    } else {
        thermal.figures = time_figures(*input.history);
    }
    page.sections.push_back(std::move(thermal));
    return page;
}

void check_run_report_possible(const std::string& path) {
    report::vega_script();
    check_output_writable(path, "the report");
}

void write_run_report(const RunReportInput& input, const std::string& path) {
    write_output_file(path, report::render_html(run_report_page(input)));
}

}  // namespace npuemu::cli
