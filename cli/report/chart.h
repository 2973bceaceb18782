// A chart described as data, for any report (sweeps, runs, the cluster model): what to draw, not how. to_vega()
// turns it into a Vega 5 spec; report/html_page.h puts specs on a self-contained page.
//
// Points are JSON objects so a caller can attach whatever its tooltip should name:
//   {"x": 3.2 | "air" | null, "y": 110.5 | null, "series": "burn", "id": "p0003",
//    "tip": {"thermal.cooling": "air", ...}, "why": "no DMA bytes: intensity unbounded"}
// A point whose x (or y) is null cannot be placed on its axis: it is drawn at the right (top) edge as a triangle and
// its "why" goes into its tooltip; the caller says why in a note as well.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace npuemu::report {

using Spec = nlohmann::ordered_json;

enum class ChartKind {
    scatter,    // points (optionally with lines and vertical rules): rooflines, Pareto fronts, parameter charts
    line,       // one polyline per series through its points, ordered by x: time series, scaling curves
    bar,        // categorical x, bars stacked by series: busy/stall breakdowns, per-tile utilisation
    heatmap,    // categorical x and y, the value as colour: HBM channels, mesh links, per-rack figures
    waterfall,  // categorical x in order, each point a step up or down from the previous total: loss budgets
};

enum class Scale { linear, log, category };

struct Axis {
    std::string title;  // with its unit: "average power (W)"
    Scale scale = Scale::linear;
    std::string format;                   // d3-format of tick labels ("" = round numbers: 1, 10, 100, 1k)
    std::vector<std::string> categories;  // category axes: the values in order (empty = order of appearance)
    bool zero = false;                    // linear axes: include 0
};

struct Chart {
    ChartKind kind = ChartKind::scatter;
    std::string title;
    Axis x, y;
    std::string series_title;  // the legend's title ("workload"); heat maps: the colour's title with its unit
    std::string value_format = ".3~s";  // heat maps: d3-format of the values in cells and legend (".0%" for shares)
    Spec points = Spec::array();
    // scatter: polylines drawn under the points, {"series", "x", "y"} in drawing order per series (rooflines, fronts).
    Spec lines = Spec::array();
    // scatter: vertical rules, {"series", "x", "label"} (the roofline's ridge).
    Spec rules = Spec::array();
    int width = 460, height = 280;
};

// The Vega 5 spec of a chart. Throws npuemu::Error when the description cannot be drawn (a log axis with a value
// <= 0, a point without x or y, an unknown category).
Spec to_vega(const Chart& chart);

// How many marks the chart draws for its points (what the page checks after rendering).
size_t point_count(const Chart& chart);

}  // namespace npuemu::report
