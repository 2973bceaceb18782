// Chart -> Vega 5 spec. Every chart: a title, labelled axes, a legend, a tooltip per point (its id, what the caller
// put in "tip", and why it sits at an edge when it does), points drawn by one mark named "points" (so the page can
// check the number of marks against the number of points).
#include <algorithm>
#include <cmath>
#include <map>

#include "cli/report/chart.h"
#include "cli/report/vega_scales.h"
#include "model/common/error.h"

namespace npuemu::report {

namespace {

// The series in order of appearance (points first, then lines and rules).
std::vector<std::string> series_of(const Chart& chart) {
    std::vector<std::string> out;
    for (const Spec* list : {&chart.points, &chart.lines, &chart.rules}) {
        for (const auto& item : *list) {
            const std::string s = item.value("series", "");
            if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
        }
    }
    return out;
}

// The points as Vega data: each with its tooltip (id first, the caller's tip, then why it is at an edge).
Spec points_data(const Chart& chart) {
    Spec out = Spec::array();
    for (const auto& p : chart.points) {
        if (!p.contains("x") || !p.contains("y")) {
            throw Error("chart '" + chart.title + "': a point without x or y: " + p.dump());
        }
        Spec d = p;
        Spec tip;
        if (p.contains("id")) tip["id"] = p["id"];
        if (p.contains("tip")) {
            for (const auto& [k, v] : p["tip"].items()) tip[k] = v;
        }
        if (p.contains("why")) tip["not placed"] = p["why"];
        d.erase("tip");
        d["tooltip"] = tip;
        if (!d.contains("series")) d["series"] = "";
        out.push_back(std::move(d));
    }
    // Points that share a category would hide each other: spread them a few pixels apart, in order.
    if (chart.kind == ChartKind::scatter && chart.x.scale == Scale::category) {
        std::map<std::string, std::pair<int, int>> seen;  // category -> (count, next index)
        for (const auto& d : out) {
            if (d["x"].is_string()) ++seen[d["x"].get<std::string>()].first;
        }
        // At most 9 pixels apart, and all of a category's points within 60% of the room between categories.
        const double room = 0.6 * chart.width / static_cast<double>(std::max<size_t>(seen.size(), 1));
        for (auto& d : out) {
            if (!d["x"].is_string()) continue;
            auto& [count, next] = seen[d["x"].get<std::string>()];
            d["dx"] = (next++ - (count - 1) / 2.0) * std::min(9.0, room / count);
        }
    }
    return out;
}

Spec color_scale(const std::vector<std::string>& series) {
    Spec s;
    s["name"] = "color";
    s["type"] = "ordinal";
    s["domain"] = series;
    s["range"] = {{"scheme", "category10"}};
    return s;
}

// Wide charts (many bars) carry their legend on top, where it stays in view.
Spec color_legend(const Chart& chart) {
    Spec l;
    l["fill"] = "color";
    l["title"] = chart.series_title;
    l["orient"] = chart.width > 700 ? "top" : "right";
    if (chart.width > 700) l["direction"] = "horizontal";
    l["labelLimit"] = 220;
    l["titleLimit"] = 300;
    return l;
}

Spec field(const char* scale, const char* name) { return Spec{{"scale", scale}, {"field", name}}; }

Spec base_spec(const Chart& chart) {
    Spec spec;
    spec["width"] = chart.width;
    spec["height"] = chart.height;
    spec["padding"] = 8;
    spec["autosize"] = {{"type", "pad"}};
    spec["title"] = {{"text", chart.title}, {"anchor", "start"}, {"fontSize", 14}};
    spec["data"] = Spec::array();
    spec["data"].push_back({{"name", "pts"}, {"values", points_data(chart)}});
    return spec;
}

void xy_axes(Spec& spec, const Chart& chart, bool band) {
    const auto xs = axis_values(chart, "x"), ys = axis_values(chart, "y");
    const auto xc = axis_categories(chart.x, chart.points, "x"), yc = axis_categories(chart.y, chart.points, "y");
    spec["scales"] = {make_scale("x", chart.x, xs, xc, band, "width"), make_scale("y", chart.y, ys, yc, band, "height")};
    spec["axes"] = {make_axis("x", chart.x, xs, "bottom", xc.size()), make_axis("y", chart.y, ys, "left", yc.size())};
    // Points on the edge of a linear domain would be cut in half: a few pixels of room around them.
    for (auto& scale : spec["scales"]) {
        if (scale["type"] == "linear") scale["padding"] = 8;
    }
}

// The symbol of each point; a point without a placeable x (y) sits on the right (top) edge as a triangle.
Spec point_symbols(int size) {
    Spec enter;
    enter["x"] = {{"signal", "(isValid(datum.x) ? scale('x', datum.x) : width) + (datum.dx || 0)"}};
    enter["y"] = {{"signal", "isValid(datum.y) ? scale('y', datum.y) : 0"}};
    enter["shape"] = {{"signal", "isValid(datum.x) && isValid(datum.y) ? 'circle' : "
                                 "(isValid(datum.x) ? 'triangle-up' : 'triangle-right')"}};
    enter["size"] = {{"signal", "isValid(datum.x) && isValid(datum.y) ? " + std::to_string(size) + " : 140"}};
    enter["fill"] = field("color", "series");
    enter["fillOpacity"] = {{"value", 0.85}};
    enter["stroke"] = {{"value", "white"}};
    enter["strokeWidth"] = {{"value", 0.5}};
    enter["tooltip"] = {{"signal", "datum.tooltip"}};
    Spec mark;
    mark["type"] = "symbol";
    mark["name"] = "points";
    mark["from"] = {{"data", "pts"}};
    mark["encode"] = {{"enter", enter}};
    return mark;
}

// One polyline per series of `data`, coloured like the series.
Spec series_lines(const std::string& data, double width, bool dashed) {
    Spec enter;
    enter["x"] = field("x", "x");
    enter["y"] = field("y", "y");
    enter["stroke"] = {{"scale", "color"}, {"field", {{"parent", "series"}}}};
    enter["strokeWidth"] = {{"value", width}};
    enter["strokeOpacity"] = {{"value", 0.75}};
    if (dashed) enter["strokeDash"] = {{"value", {6, 3}}};
    Spec line;
    line["type"] = "line";
    line["from"] = {{"data", data + "_series"}};
    line["encode"] = {{"enter", enter}};
    Spec group;
    group["type"] = "group";
    group["from"] = {{"facet", {{"name", data + "_series"}, {"data", data}, {"groupby", "series"}}}};
    group["marks"] = {line};
    return group;
}

Spec xy_chart(const Chart& chart) {
    Spec spec = base_spec(chart);
    Spec lines = chart.lines;
    if (chart.kind == ChartKind::line) {
        // The line through each series' points, in x order.
        for (const auto& p : chart.points) {
            if (p["x"].is_number() && p["y"].is_number()) {
                lines.push_back({{"series", p.value("series", "")}, {"x", p["x"]}, {"y", p["y"]}});
            }
        }
        std::stable_sort(lines.begin(), lines.end(), [](const Spec& a, const Spec& b) {
            return a["series"] < b["series"] || (a["series"] == b["series"] && a["x"] < b["x"]);
        });
    }
    spec["data"].push_back({{"name", "lines"}, {"values", lines}});
    spec["data"].push_back({{"name", "rules"}, {"values", chart.rules}});
    xy_axes(spec, chart, false);
    spec["scales"].push_back(color_scale(series_of(chart)));
    spec["legends"] = {color_legend(chart)};
    Spec rule_enter;
    rule_enter["x"] = field("x", "x");
    rule_enter["y"] = {{"value", 0}};
    rule_enter["y2"] = {{"signal", "height"}};
    rule_enter["stroke"] = field("color", "series");
    rule_enter["strokeDash"] = {{"value", {2, 3}}};
    rule_enter["tooltip"] = {{"signal", "datum.label"}};
    Spec label_enter;
    label_enter["x"] = field("x", "x");
    label_enter["dx"] = {{"value", 3}};
    label_enter["y"] = {{"value", 4}};
    label_enter["angle"] = {{"value", 90}};
    label_enter["baseline"] = {{"value", "bottom"}};
    label_enter["fontSize"] = {{"value", 9}};
    label_enter["fill"] = field("color", "series");
    label_enter["text"] = {{"field", "label"}};
    spec["marks"] = {series_lines("lines", chart.kind == ChartKind::line ? 1.5 : 2, false),
                     {{"type", "rule"}, {"from", {{"data", "rules"}}}, {"encode", {{"enter", rule_enter}}}},
                     {{"type", "text"}, {"from", {{"data", "rules"}}}, {"encode", {{"enter", label_enter}}}},
                     point_symbols(chart.kind == ChartKind::line ? 14 : 60)};
    return spec;
}

// Bars (stacked by series) and waterfalls: rectangles from y0 to y1 on a band x scale.
Spec bar_chart(const Chart& chart) {
    Chart placed = chart;
    const auto xs = axis_categories(chart.x, chart.points, "x");
    std::vector<double> stack(xs.size(), 0.0);
    double total = 0;
    for (auto& p : placed.points) {
        if (!p["y"].is_number()) throw Error("chart '" + chart.title + "': a bar without a value: " + p.dump());
        const double v = p["y"].get<double>();
        if (chart.kind == ChartKind::waterfall) {
            const bool is_total = p.value("total", false);
            const double from = is_total ? 0 : total, to = is_total ? total : total + v;
            if (!is_total) total += v;
            p["y0"] = std::min(from, to);
            p["y1"] = std::max(from, to);
            if (!p.contains("series")) p["series"] = is_total ? "total" : (v >= 0 ? "gain" : "loss");
        } else {
            const size_t i = static_cast<size_t>(std::find(xs.begin(), xs.end(), p["x"].get<std::string>()) - xs.begin());
            p["y0"] = stack[i];
            stack[i] += v;
            p["y1"] = stack[i];
        }
    }
    Axis y = chart.y;
    y.zero = true;
    placed.y = y;
    Spec spec = base_spec(placed);
    std::vector<double> ys;  // where the bars start and end (a waterfall's y is a step, not a position)
    for (const auto& p : placed.points) {
        ys.push_back(p["y0"].get<double>());
        ys.push_back(p["y1"].get<double>());
    }
    spec["scales"] = {make_scale("x", chart.x, {}, xs, true, "width"), make_scale("y", y, ys, {}, false, "height"),
                      color_scale(series_of(placed))};
    if (chart.kind == ChartKind::waterfall) {
        // Gains green, losses red, totals blue, whatever order they come in.
        Spec range = Spec::array();
        for (const auto& s : spec["scales"][2]["domain"]) {
            range.push_back(s == "gain" ? "#2ca02c" : s == "loss" ? "#d62728" : s == "total" ? "#1f77b4" : "#7f7f7f");
        }
        spec["scales"][2]["range"] = range;
    }
    spec["axes"] = {make_axis("x", chart.x, {}, "bottom", xs.size()), make_axis("y", y, ys, "left", 0)};
    spec["legends"] = {color_legend(chart)};
    Spec enter;
    enter["x"] = field("x", "x");
    enter["width"] = {{"scale", "x"}, {"band", 1}};
    enter["y"] = field("y", "y1");
    enter["y2"] = field("y", "y0");
    enter["fill"] = field("color", "series");
    enter["tooltip"] = {{"signal", "datum.tooltip"}};
    spec["marks"] = {{{"type", "rect"}, {"name", "points"}, {"from", {{"data", "pts"}}}, {"encode", {{"enter", enter}}}}};
    return spec;
}

Spec heatmap_chart(const Chart& chart) {
    Spec spec = base_spec(chart);
    double lo = INFINITY, hi = -INFINITY;
    for (const auto& p : chart.points) {
        if (p.contains("value") && p["value"].is_number()) {
            lo = std::min(lo, p["value"].get<double>());
            hi = std::max(hi, p["value"].get<double>());
        }
    }
    if (!std::isfinite(lo)) { lo = 0; hi = 1; }
    if (lo == hi) hi = lo + 1;
    xy_axes(spec, chart, true);
    Spec color;
    color["name"] = "color";
    color["type"] = "linear";
    color["domain"] = {lo, hi};
    color["range"] = {{"scheme", "viridis"}};
    color["zero"] = false;
    spec["scales"].push_back(color);
    Spec legend{{"fill", "color"}, {"type", "gradient"}, {"title", chart.series_title}, {"format", chart.value_format},
                {"titleLimit", 300}};
    if (chart.width > 700) {
        legend["orient"] = "top";
        legend["direction"] = "horizontal";
        legend["gradientLength"] = 240;
    } else {
        legend["orient"] = "right";
        legend["gradientLength"] = {{"signal", "max(height, 60)"}};
    }
    spec["legends"] = {legend};
    Spec enter;
    enter["x"] = field("x", "x");
    enter["width"] = {{"scale", "x"}, {"band", 1}};
    enter["y"] = field("y", "y");
    enter["height"] = {{"scale", "y"}, {"band", 1}};
    enter["fill"] = {{"signal", "isValid(datum.value) ? scale('color', datum.value) : '#ddd'"}};
    enter["tooltip"] = {{"signal", "datum.tooltip"}};
    Spec text;
    text["x"] = {{"scale", "x"}, {"field", "x"}, {"band", 0.5}};
    text["y"] = {{"scale", "y"}, {"field", "y"}, {"band", 0.5}};
    text["align"] = {{"value", "center"}};
    text["baseline"] = {{"value", "middle"}};
    text["fontSize"] = {{"value", 9}};
    text["text"] = {{"signal", "isValid(datum.value) ? format(datum.value, '" + chart.value_format + "') : 'n/a'"}};
    text["fill"] = {{"signal", "isValid(datum.value) && datum.value > " + std::to_string((lo + hi) / 2) +
                                   " ? 'black' : 'white'"}};
    text["opacity"] = {{"signal", "bandwidth('x') > 26 && bandwidth('y') > 11 ? 1 : 0"}};
    spec["marks"] = {{{"type", "rect"}, {"name", "points"}, {"from", {{"data", "pts"}}}, {"encode", {{"enter", enter}}}},
                     {{"type", "text"}, {"from", {{"data", "pts"}}}, {"interactive", false},
                      {"encode", {{"enter", text}}}}};
    return spec;
}

}  // namespace

Spec to_vega(const Chart& chart) {
    switch (chart.kind) {
        case ChartKind::scatter:
        case ChartKind::line: return xy_chart(chart);
        case ChartKind::bar:
        case ChartKind::waterfall: return bar_chart(chart);
        case ChartKind::heatmap: return heatmap_chart(chart);
    }
    throw Error("chart '" + chart.title + "': unknown kind");
}

size_t point_count(const Chart& chart) { return chart.points.size(); }

}  // namespace npuemu::report
