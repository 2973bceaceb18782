#include "cli/cluster_heat_figures.h"

#include <string>

#include "cli/report/units.h"

namespace npuemu::cli {

namespace {

using report::Axis;
using report::Chart;
using report::ChartKind;
using report::Figure;
using report::Scale;

void add_rack_point(Chart& c, size_t rack, const char* series, double value, const cluster::RackHeat& r) {
    c.points.push_back({{"id", std::string(series) + std::to_string(rack)},
                        {"x", double(rack)},
                        {"y", value},
                        {"series", series},
                        {"tip",
                         {{"rack", rack},
                          {"inlet degC", report::round4(r.inlet_mC / 1000)},
                          {"hottest die degC", report::round4(r.max_junction_mC / 1000)},
                          {"mean MHz", report::round4(r.mean_frequency_mhz)},
                          {"throttled chips", r.throttled},
                          {"chips", r.chips}}}});
}

Chart rack_chart(const char* title, const char* y_title) {
    Chart c;
    c.kind = ChartKind::line;
    c.title = title;
    c.x = Axis{"rack", Scale::linear, "d", {}, true};
    c.y = Axis{y_title, Scale::linear, "", {}, false};
    c.series_title = "per rack";
    c.width = 900;
    return c;
}

}  // namespace

Figure rack_temperature_figure(const cluster::HeatResult& heat) {
    Figure f;
    f.chart = rack_chart("Inlet and die temperature per rack", "temperature (degC)");
    for (size_t i = 0; i < heat.racks.size(); ++i) {
        const cluster::RackHeat& r = heat.racks[i];
        add_rack_point(f.chart, i, "inlet", r.inlet_mC / 1000, r);
        add_rack_point(f.chart, i, "mean die", r.mean_junction_mC / 1000, r);
        add_rack_point(f.chart, i, "hottest die", r.max_junction_mC / 1000, r);
    }
    f.caption =
        "Each rack's inlet (facility: section) and its chips' hottest-die temperature in steady state at their "
        "operating points; a throttled chip holds its die at Tj,max (" +
        std::to_string(int(heat.chip.tj_max_mC / 1000)) + " degC).";
    return f;
}

Figure rack_frequency_figure(const cluster::HeatResult& heat) {
    Figure f;
    f.chart = rack_chart("Clock per rack (time-averaged over the throttle's dithering)", "frequency (MHz)");
    for (size_t i = 0; i < heat.racks.size(); ++i) {
        const cluster::RackHeat& r = heat.racks[i];
        add_rack_point(f.chart, i, "mean", r.mean_frequency_mhz, r);
        add_rack_point(f.chart, i, "slowest chip", r.min_frequency_mhz, r);
    }
    f.caption =
        "The sustained clock of each rack's chips: the fastest DVFS point whose steady state stays below "
        "Tj,max, or the time-weighted mix of two points the throttle dithers between.";
    return f;
}

}  // namespace npuemu::cli
