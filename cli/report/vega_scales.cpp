#include "cli/report/vega_scales.h"

#include <algorithm>
#include <cmath>

#include "model/common/error.h"

namespace npuemu::report {

namespace {

// The 1-2-5 values at or below (down) / at or above (up) v > 0.
double step125(double v, bool up) {
    const double decade = std::pow(10.0, std::floor(std::log10(v)));
    const double steps[] = {1, 2, 5, 10};
    if (up) {
        for (double s : steps) {
            if (s * decade >= v * (1 - 1e-12)) return s * decade;
        }
        return 10 * decade;
    }
    for (int i = 3; i >= 0; --i) {
        if (steps[i] * decade <= v * (1 + 1e-12)) return steps[i] * decade;
    }
    return decade;
}

struct LogTicks {
    double lo, hi;
    std::vector<double> ticks;
};

// Round ticks for a log axis over [lo, hi] (lo > 0): 1-2-5 steps over up to two decades, decades beyond.
LogTicks log_ticks(double lo, double hi) {
    if (lo == hi) { lo /= 2; hi *= 2; }
    LogTicks out{step125(lo, false), step125(hi, true), {}};
    const int first = static_cast<int>(std::floor(std::log10(out.lo) + 1e-9));
    const int last = static_cast<int>(std::ceil(std::log10(out.hi) - 1e-9));
    const bool fine = std::log10(out.hi / out.lo) <= 2 + 1e-9;
    if (!fine) { out.lo = std::pow(10.0, first); out.hi = std::pow(10.0, last); }
    for (int k = first; k <= last; ++k) {
        const double decade = k < 0 ? 1.0 / std::pow(10.0, -k) : std::pow(10.0, k);
        for (double s : fine ? std::vector<double>{1, 2, 5} : std::vector<double>{1}) {
            const double t = s * decade;
            if (t >= out.lo * (1 - 1e-9) && t <= out.hi * (1 + 1e-9)) out.ticks.push_back(t);
        }
    }
    return out;
}

void add_number(std::vector<double>& out, const Spec& v) {
    if (v.is_number() && std::isfinite(v.get<double>())) out.push_back(v.get<double>());
}

}  // namespace

std::vector<double> axis_values(const Chart& chart, const char* field) {
    std::vector<double> out;
    for (const Spec* list : {&chart.points, &chart.lines, &chart.rules}) {
        for (const auto& item : *list) {
            if (item.contains(field)) add_number(out, item[field]);
        }
    }
    // Bars stack and waterfalls accumulate: their extent is computed by the caller into y0/y1.
    for (const auto& item : chart.points) {
        if (item.contains("y0")) add_number(out, item["y0"]);
        if (item.contains("y1")) add_number(out, item["y1"]);
    }
    return out;
}

std::vector<std::string> axis_categories(const Axis& axis, const Spec& points, const char* field) {
    std::vector<std::string> out = axis.categories;
    const bool listed = !out.empty();
    for (const auto& p : points) {
        if (!p.contains(field) || !p[field].is_string()) continue;
        const std::string v = p[field].get<std::string>();
        if (std::find(out.begin(), out.end(), v) != out.end()) continue;
        if (listed) throw Error("chart axis '" + axis.title + "': the value '" + v + "' is not one of its categories");
        out.push_back(v);
    }
    return out;
}

Spec make_scale(const std::string& name, const Axis& axis, const std::vector<double>& values,
                const std::vector<std::string>& categories, bool band, const char* range) {
    Spec scale;
    scale["name"] = name;
    if (axis.scale == Scale::category) {
        scale["type"] = band ? "band" : "point";
        scale["domain"] = categories;
        scale["range"] = range;
        scale["padding"] = band ? 0.1 : 0.5;
        return scale;
    }
    double lo = values.empty() ? 0 : *std::min_element(values.begin(), values.end());
    double hi = values.empty() ? 1 : *std::max_element(values.begin(), values.end());
    if (axis.scale == Scale::log) {
        if (values.empty()) { lo = 1; hi = 10; }
        if (lo <= 0) {
            throw Error("chart axis '" + axis.title + "' is logarithmic but has the value " + std::to_string(lo) +
                        " (log axes need values > 0)");
        }
        const LogTicks t = log_ticks(lo, hi);
        scale["type"] = "log";
        scale["domain"] = {t.lo, t.hi};
        scale["range"] = range;
        return scale;
    }
    if (axis.zero) { lo = std::min(lo, 0.0); hi = std::max(hi, 0.0); }
    if (lo == hi) {
        const double pad = lo == 0 ? 1 : std::fabs(lo) * 0.1;
        lo -= pad;
        hi += pad;
    }
    scale["type"] = "linear";
    scale["domain"] = {lo, hi};
    scale["range"] = range;
    scale["nice"] = true;
    scale["zero"] = axis.zero;
    return scale;
}

Spec make_axis(const std::string& scale, const Axis& axis, const std::vector<double>& values, const char* orient,
               size_t categories) {
    Spec out;
    out["orient"] = orient;
    out["scale"] = scale;
    out["title"] = axis.title;
    out["grid"] = axis.scale != Scale::category;
    out["labelOverlap"] = true;
    if (axis.scale == Scale::category) {
        out["labelLimit"] = 120;
        if (std::string(orient) == "bottom") {
            // Many categories: labels turned so they fit under their column.
            const bool many = categories > 8;
            out["labelAngle"] = many ? -50 : 0;
            if (many) { out["labelAlign"] = "right"; out["labelBaseline"] = "middle"; }
        }
        return out;
    }
    if (axis.scale == Scale::log) {
        double lo = 1, hi = 10;
        if (!values.empty()) {
            lo = *std::min_element(values.begin(), values.end());
            hi = *std::max_element(values.begin(), values.end());
        }
        const LogTicks t = log_ticks(lo, hi);
        out["values"] = t.ticks;
        if (!axis.format.empty()) {
            out["format"] = axis.format;
        } else {
            // 0.1, 0.5, 1, 10, 100, 1k, 10k: plain below a thousand, SI prefixes above.
            out["encode"] = {{"labels", {{"update", {{"text", {{"signal",
                "datum.value >= 1000 ? format(datum.value, '~s') : format(datum.value, '~g')"}}}}}}}};
        }
        return out;
    }
    double most = 0;
    for (double v : values) most = std::max(most, std::fabs(v));
    // Vega's own tick format suits linear axes (0, 50, 100; 0.2, 0.4) up to 10^4; beyond, SI prefixes (20k, 1.5M).
    if (!axis.format.empty()) {
        out["format"] = axis.format;
    } else if (most >= 1e4) {
        // Each label on its own (Vega's "~s" axis format would give 0 the ticks' prefix: "0k").
        out["encode"] = {{"labels", {{"update", {{"text", {{"signal", "format(datum.value, '~s')"}}}}}}}};
    }
    out["tickCount"] = 6;
    return out;
}

}  // namespace npuemu::report
