// The chart module (cli/report/): specs as data with round ticks, labelled categories and clear errors; and the
// power monitor's bounded history (model/power/power_history.h) that run reports draw over time.
#include <doctest/doctest.h>

#include <cmath>

#include "cli/report/chart.h"
#include "model/common/error.h"
#include "model/power/power_history.h"

namespace npuemu {
namespace {

report::Chart report_scatter(report::Scale x_scale, report::Spec points) {
    report::Chart c;
    c.title = "t";
    c.x = report::Axis{"x (unit)", x_scale, "", {}, false};
    c.y = report::Axis{"y (unit)", report::Scale::log, "", {}, false};
    c.series_title = "series";
    c.points = std::move(points);
    return c;
}

// A 1-2-5 value times a power of ten.
bool round_report_tick(double v) {
    const double m = v / std::pow(10.0, std::floor(std::log10(v) + 1e-9));
    return std::fabs(m - 1) < 1e-9 || std::fabs(m - 2) < 1e-9 || std::fabs(m - 5) < 1e-9;
}

const report::Spec* report_axis(const report::Spec& spec, const char* scale) {
    for (const auto& a : spec["axes"]) {
        if (a["scale"] == scale) return &a;
    }
    return nullptr;
}

}  // namespace

TEST_CASE("report: log axes get round ticks (1-2-5 within two decades, decades beyond) and a domain on ticks") {
    const auto spec = report::to_vega(report_scatter(report::Scale::log, {{{"x", 0.871}, {"y", 1.66}, {"series", "a"}},
                                                                   {{"x", 11.48}, {"y", 3.162}, {"series", "a"}}}));
    const auto* x = report_axis(spec, "x");
    REQUIRE(x != nullptr);
    REQUIRE((*x)["values"].size() >= 3);
    for (const auto& v : (*x)["values"]) CHECK(round_report_tick(v.get<double>()));
    CHECK((*x)["values"].front().get<double>() == doctest::Approx(0.5));
    CHECK((*x)["values"].back().get<double>() == doctest::Approx(20));
    CHECK((*x)["title"] == "x (unit)");
    const auto wide = report::to_vega(report_scatter(report::Scale::log, {{{"x", 3}, {"y", 1}}, {{"x", 4.2e6}, {"y", 2}}}));
    const auto* w = report_axis(wide, "x");
    REQUIRE(w != nullptr);
    CHECK((*w)["values"].size() == 8);  // 1, 10, ..., 1M, 10M: decades only
    // Labels 1, 10, 100, 1k, 10k: plain below a thousand, SI prefixes above.
    CHECK((*w)["encode"]["labels"]["update"]["text"]["signal"].get<std::string>().find("'~s'") != std::string::npos);
    CHECK(wide["scales"][0]["domain"][0].get<double>() == doctest::Approx(1));
    CHECK(wide["scales"][0]["domain"][1].get<double>() == doctest::Approx(1e7));
}

TEST_CASE("report: category axes list their values; points without x sit at the edge with why in the tooltip") {
    auto c = report_scatter(report::Scale::category, {{{"x", "air"}, {"y", 2}, {"id", "p0"}, {"tip", {{"k", "v"}}}},
                                               {{"x", "liquid"}, {"y", 3}, {"id", "p1"}},
                                               {{"x", nullptr}, {"y", 4}, {"id", "p2"}, {"why", "unbounded"}}});
    const auto spec = report::to_vega(c);
    CHECK(spec["scales"][0]["type"] == "point");
    CHECK(spec["scales"][0]["domain"] == report::Spec({"air", "liquid"}));
    const auto& values = spec["data"][0]["values"];
    CHECK(values[0]["tooltip"]["id"] == "p0");
    CHECK(values[0]["tooltip"]["k"] == "v");
    CHECK(values[2]["tooltip"]["not placed"] == "unbounded");
    CHECK(spec["legends"][0]["title"] == "series");
    CHECK(report::point_count(c) == 3);
    // The same description gives the same spec, byte for byte.
    CHECK(report::to_vega(c).dump() == spec.dump());
}

TEST_CASE("report: a chart that cannot be drawn is an error that says why") {
    CHECK_THROWS_WITH_AS(report::to_vega(report_scatter(report::Scale::log, {{{"x", 0}, {"y", 1}}})),
                         doctest::Contains("log axes need values > 0"), Error);
    auto c = report_scatter(report::Scale::category, {{{"x", "water"}, {"y", 1}}});
    c.x.categories = {"air", "liquid"};
    CHECK_THROWS_WITH_AS(report::to_vega(c), doctest::Contains("'water' is not one of its categories"), Error);
    CHECK_THROWS_AS(report::to_vega(report_scatter(report::Scale::linear, {{{"y", 1}}})), Error);
}

TEST_CASE("report: waterfall bars start where the previous total ended; stacked bars stack") {
    report::Chart w;
    w.kind = report::ChartKind::waterfall;
    w.x = report::Axis{"step", report::Scale::category, "", {}, false};
    w.y = report::Axis{"TOPS", report::Scale::linear, "", {}, false};
    w.points = {{{"x", "peak"}, {"y", 100}}, {{"x", "memory"}, {"y", -30}}, {{"x", "left"}, {"y", 0}, {"total", true}}};
    const auto waterfall = report::to_vega(w);
    const auto& v = waterfall["data"][0]["values"];
    CHECK(v[1]["y0"].get<double>() == 70);
    CHECK(v[1]["y1"].get<double>() == 100);
    CHECK(v[1]["series"] == "loss");
    CHECK(v[2]["y0"].get<double>() == 0);
    CHECK(v[2]["y1"].get<double>() == 70);
    report::Chart b = w;
    b.kind = report::ChartKind::bar;
    b.points = {{{"x", "t0"}, {"y", 5}, {"series", "busy"}}, {{"x", "t0"}, {"y", 3}, {"series", "stall"}}};
    const auto bars = report::to_vega(b);
    const auto& s = bars["data"][0]["values"];
    CHECK(s[1]["y0"].get<double>() == 5);
    CHECK(s[1]["y1"].get<double>() == 8);
}

TEST_CASE("power history: bounded, spans the whole run at an even stride") {
    power::PowerHistory history(8);
    size_t filled = 0;
    for (uint64_t i = 0; i < 100; ++i) {
        power::PowerSample s;
        if (history.takes_next()) {  // as the power monitor does: fill only a sample that is kept
            s.time_ps = i;
            ++filled;
        }
        history.record(s);
    }
    CHECK(filled <= 30);  // a capacity's worth, then half a capacity per halving: not all 100
    const auto& samples = history.samples();
    REQUIRE(samples.size() <= 8);
    REQUIRE(samples.size() >= 4);
    CHECK(samples.front().time_ps == 0);
    for (size_t i = 1; i < samples.size(); ++i) CHECK(samples[i].time_ps - samples[i - 1].time_ps == history.stride());
    CHECK(samples.back().time_ps + history.stride() >= 100);  // reaches the end of the run
}

}  // namespace npuemu
