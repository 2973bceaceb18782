// The scales and axes of a chart's Vega spec, computed from its data so ticks are round and the output is the
// same for the same data: log axes get 1-2-5 or decade ticks (1, 10, 100, 1k), category axes list their values.
#pragma once

#include <string>
#include <vector>

#include "cli/report/chart.h"

namespace npuemu::report {

// The numbers a chart must show on one axis: field ("x" or "y") of every placed point, line vertex and rule.
std::vector<double> axis_values(const Chart& chart, const char* field);

// The categories of a category axis: the axis's own list, else the order of appearance in the points.
std::vector<std::string> axis_categories(const Axis& axis, const Spec& points, const char* field);

// A Vega scale named `name` ("x" or "y") for the axis, over `values` (numeric axes) or `categories`.
// band: category axes use a band scale (bars, heat maps) rather than a point scale (scatter).
// range: "width" or "height". Throws npuemu::Error for a log axis with a value <= 0.
Spec make_scale(const std::string& name, const Axis& axis, const std::vector<double>& values,
                const std::vector<std::string>& categories, bool band, const char* range);

// The Vega axis of that scale: titled, with round ticks and labels (turned when a category axis has many).
Spec make_axis(const std::string& scale, const Axis& axis, const std::vector<double>& values, const char* orient,
               size_t categories);

}  // namespace npuemu::report
