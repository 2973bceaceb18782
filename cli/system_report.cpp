#include "cli/system_report.h"

#include <algorithm>
#include <map>
#include <regex>
#include <utility>
#include <vector>

#include "cli/report/units.h"
#include "model/common/output_file.h"

namespace npuemu::cli {

namespace {

using report::Axis;
using report::counter_value;
using report::Chart;
using report::ChartKind;
using report::Figure;
using report::Scale;

size_t tiles_of(const nlohmann::ordered_json& counters, size_t chip) {
    size_t n = 0;
    while (counters.contains("chip" + std::to_string(chip) + ".tile" + std::to_string(n) + ".core.cycles")) ++n;
    return n;
}

// One heat map row per chip, one column per tile: a unit's share of the run busy (or the MACs' share of peak).
Figure tiles_figure(const SystemReportInput& input, const std::string& unit, const std::string& counter,
                    const std::string& title) {
    Figure fig;
    Chart& c = fig.chart;
    c.kind = ChartKind::heatmap;
    c.title = title;
    c.x = Axis{"tile", Scale::category, "", {}, false};
    std::vector<std::string> rows;
    size_t most_tiles = 0;
    for (size_t chip = 0; chip < input.chips; ++chip) {
        const std::string chip_name = "chip" + std::to_string(chip);
        rows.push_back(chip_name);
        const size_t tiles = tiles_of(input.counters, chip);
        most_tiles = std::max(most_tiles, tiles);
        for (size_t t = 0; t < tiles; ++t) {
            const std::string name = chip_name + ".tile" + std::to_string(t) + ".npu." + unit + "." + counter;
            const double v = counter_value(input.counters, name);
            c.points.push_back({{"id", name}, {"x", "tile" + std::to_string(t)}, {"y", chip_name}, {"value", v},
                                {"tip", {{counter, report::round4(v)}}}});
        }
    }
    c.y = Axis{"chip", Scale::category, "", rows, false};
    c.series_title = counter == "mac_utilization" ? "MACs (share of peak)" : "busy (share of the run)";
    c.value_format = ".2~%";
    c.width = std::max<int>(300, static_cast<int>(most_tiles) * 24);
    c.height = std::max<int>(80, static_cast<int>(input.chips) * 24);
    fig.caption = "chipC.tileT.npu." + unit + "." + counter + " for every tile of every chip.";
    return fig;
}

// The link directions of the run, in the order of the statistics (links.c0p1-c1p0.*).
std::vector<std::string> link_names(const nlohmann::ordered_json& counters) {
    static const std::regex name(R"(links\.([^.]+)\.utilization)");
    std::vector<std::string> names;
    for (const auto& [key, value] : counters.items()) {
        std::smatch m;
        if (std::regex_match(key, m, name)) names.push_back(m[1].str());
    }
    return names;
}

Figure link_figure(const SystemReportInput& input, const std::vector<std::string>& links) {
    Figure fig;
    Chart& c = fig.chart;
    c.kind = ChartKind::bar;
    c.title = "Links: each direction's wire busy";
    c.x = Axis{"link direction (chip c port p to chip c' port p', or the switch)", Scale::category, "", links, false};
    c.y = Axis{"busy (share of the run)", Scale::linear, ".2~%", {}, true};
    c.series_title = "link";
    c.width = std::max<int>(300, static_cast<int>(links.size()) * 28);
    for (const auto& link : links) {
        const std::string prefix = "links." + link + ".";
        const double busy = counter_value(input.counters, prefix + "utilization");
        auto figure = [&](const char* counter) {
            return report::round4(counter_value(input.counters, prefix + counter));
        };
        c.points.push_back({{"id", prefix + "utilization"}, {"x", link}, {"y", busy}, {"series", "busy"},
                            {"tip", {{"busy", report::round4(busy)},
                                     {"payload GB/s over the run", figure("payload_gbps")},
                                     {"peak GB/s", figure("peak_gbps")},
                                     {"credit stall ps", figure("credit_stall_ps")}}}});
    }
    fig.caption = "links.<direction>.utilization: the share of the run each direction's wire was busy (headers "
                  "included); the tooltip has its payload rate against its peak and its credit stalls.";
    return fig;
}

// Payload bytes from chip to chip (or switch), summed over the link directions between them.
Figure traffic_figure(const SystemReportInput& input, const std::vector<std::string>& links) {
    Figure fig;
    Chart& c = fig.chart;
    c.kind = ChartKind::heatmap;
    c.title = "Data each link direction carried, from chip to chip";
    static const std::regex ends(R"((c(\d+)p\d+|switch)-(c(\d+)p\d+|switch))");
    std::map<std::pair<std::string, std::string>, double> bytes;
    std::vector<std::string> names;
    auto end_name = [](const std::ssub_match& chip) {
        return chip.matched ? "chip" + chip.str() : std::string("switch");
    };
    for (const auto& link : links) {
        std::smatch m;
        if (!std::regex_match(link, m, ends)) continue;
        const std::string from = end_name(m[2]), to = end_name(m[4]);
        bytes[{from, to}] += counter_value(input.counters, "links." + link + ".payload_bytes");
        for (const auto& n : {from, to}) {
            if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
        }
    }
    std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
        // chips in number order, the switch last
        if (a == "switch" || b == "switch") return b == "switch" && a != "switch";
        return std::stoul(a.substr(4)) < std::stoul(b.substr(4));
    });
    for (const auto& [ends_pair, value] : bytes) {
        c.points.push_back({{"id", ends_pair.first + "->" + ends_pair.second}, {"x", ends_pair.second},
                            {"y", ends_pair.first}, {"value", value},
                            {"tip", {{"payload bytes", report::round4(value)}}}});
    }
    c.x = Axis{"to", Scale::category, "", names, false};
    c.y = Axis{"from", Scale::category, "", names, false};
    c.series_title = "payload bytes";
    c.width = std::max<int>(200, static_cast<int>(names.size()) * 40);
    c.height = std::max<int>(120, static_cast<int>(names.size()) * 28);
    fig.caption = "links.<direction>.payload_bytes by the chips (or the switch) at its two ends; an empty cell: no "
                  "link between them.";
    return fig;
}

}  // namespace

report::Page system_report_page(const SystemReportInput& input) {
    const auto& counters = input.counters;
    report::Page page;
    page.title = "Run of " + input.image + " on system " + input.system;
    page.paragraphs.push_back(
        "Outcome: " + input.outcome + (input.message.empty() ? "" : " (" + input.message + ")") + ". " +
        std::to_string(input.chips) + " chips; " + report::round4(counter_value(counters, "sim.cycles")) +
        " cycles (chip 0's clock), " + report::round4(counter_value(counters, "sim.time_ps") / 1e6) +
        " us simulated; " +
        report::round4(counter_value(counters, "fabric.read_bytes") + counter_value(counters, "fabric.write_bytes")) +
        " bytes read or written across chips, " + report::round4(counter_value(counters, "fabric.doorbells")) +
        " doorbells.");
    page.paragraphs.push_back("Hover a mark for the counter it shows; each chart saves as PNG or SVG.");

    report::Section chips;
    chips.heading = "Chips and their tiles";
    chips.figures.push_back(tiles_figure(input, "dma", "utilization", "DMA engines busy, per chip and tile"));
    chips.figures.push_back(
        tiles_figure(input, "matrix", "mac_utilization", "Matrix units: MACs of peak, per chip and tile"));
    page.sections.push_back(std::move(chips));

    report::Section fabric;
    fabric.heading = "Links between chips";
    const std::vector<std::string> links = link_names(counters);
    if (links.empty()) {
        fabric.paragraphs.push_back("The system has no links.");
    } else {
        fabric.figures.push_back(link_figure(input, links));
        fabric.figures.push_back(traffic_figure(input, links));
    }
    report::Table table;
    table.columns = {"fabric figure", "value"};
    for (const char* name : {"fabric.reads", "fabric.writes", "fabric.read_bytes", "fabric.write_bytes",
                             "fabric.doorbells", "fabric.read_latency.mean_ns", "fabric.read_latency.p99_ns",
                             "fabric.write_latency.mean_ns", "fabric.write_latency.p99_ns"}) {
        const double v = counter_value(counters, name);
        table.rows.push_back({name, {{"text", report::round4(v)}, {"sort", v}}});
    }
    fabric.tables.push_back(std::move(table));
    page.sections.push_back(std::move(fabric));
    return page;
}

void write_system_report(const SystemReportInput& input, const std::string& path) {
    write_output_file(path, report::render_html(system_report_page(input)));
}

}  // namespace npuemu::cli
