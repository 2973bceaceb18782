#include "cli/sweep/sweep_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include "cli/sweep/sweep_store.h"
#include "model/common/error.h"
#include "model/config/chip_config.h"

namespace npuemu::sweep {

namespace {

const char* const kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                               "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

std::string escape(const std::string& text) {
    std::string out;
    for (char c : text) {
        switch (c) {
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '&': out += "&amp;"; break;
            case '"': out += "&quot;"; break;
            default: out += c;
        }
    }
    return out;
}

std::string num(double v) {
    char text[32];
    std::snprintf(text, sizeof text, "%.4g", v);
    return text;
}

struct Row {
    Json point;
    Json metrics;
    std::string label;  // workload and settings
    double peak_tops = 0, achieved_tops = 0, intensity = 0, bandwidth_tbps = 0, area = 0, power_w = 0;
    bool has_roofline = false;
};

struct Series {
    std::string name;
    std::vector<std::pair<double, double>> xy;
    std::vector<std::string> tips;
    std::string color;
    bool line = false;  // a polyline (roofline, Pareto front) rather than dots
};

// A scatter/line chart in SVG. Log axes when asked (values must be > 0).
class Chart {
public:
    Chart(std::string title, std::string x_label, std::string y_label, bool log_x, bool log_y)
        : title_(std::move(title)), x_label_(std::move(x_label)), y_label_(std::move(y_label)), log_x_(log_x),
          log_y_(log_y) {}
    void add(Series s) { series_.push_back(std::move(s)); }
    void set_categories(std::vector<std::string> c) { categories_ = std::move(c); }

    std::string svg(const std::string& id) const {
        double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
        for (const auto& s : series_) {
            for (const auto& [x, y] : s.xy) {
                if ((log_x_ && x <= 0) || (log_y_ && y <= 0) || !std::isfinite(x) || !std::isfinite(y)) continue;
                x0 = std::min(x0, tx(x)); x1 = std::max(x1, tx(x));
                y0 = std::min(y0, ty(y)); y1 = std::max(y1, ty(y));
            }
        }
        if (!std::isfinite(x0)) { x0 = 0; x1 = 1; y0 = 0; y1 = 1; }
        if (x1 - x0 < 1e-12) { x0 -= 0.5; x1 += 0.5; }
        if (y1 - y0 < 1e-12) { y0 -= std::max(0.5, std::fabs(y0) * 0.1); y1 += std::max(0.5, std::fabs(y1) * 0.1); }
        const double pad_x = (x1 - x0) * 0.06, pad_y = (y1 - y0) * 0.08;
        x0 -= pad_x; x1 += pad_x; y0 -= pad_y; y1 += pad_y;
        if (!log_y_ && y0 < 0 && y0 + pad_y >= 0) y0 = 0;
        const double W = 640, H = 400, L = 70, R = 170, T = 34, B = 50;
        auto px = [&](double x) { return L + (tx(x) - x0) / (x1 - x0) * (W - L - R); };
        auto py = [&](double y) { return H - B - (ty(y) - y0) / (y1 - y0) * (H - T - B); };
        std::ostringstream s;
        s << "<svg id=\"" << id << "\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H
          << "\" viewBox=\"0 0 " << W << " " << H << "\" font-family=\"sans-serif\" font-size=\"11\">"
          << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>"
          << "<text x=\"" << W / 2 << "\" y=\"18\" text-anchor=\"middle\" font-size=\"14\">" << escape(title_) << "</text>"
          << "<rect x=\"" << L << "\" y=\"" << T << "\" width=\"" << W - L - R << "\" height=\"" << H - T - B
          << "\" fill=\"none\" stroke=\"#999\"/>";
        // Ticks: 5 per axis, at decades on log axes.
        for (int i = 0; i <= 4; ++i) {
            const double fx = x0 + (x1 - x0) * i / 4, fy = y0 + (y1 - y0) * i / 4;
            const double vx = log_x_ ? std::pow(10, fx) : fx, vy = log_y_ ? std::pow(10, fy) : fy;
            const double X = L + (W - L - R) * i / 4, Y = H - B - (H - T - B) * i / 4;
            std::string xt = num(vx);
            if (!categories_.empty()) {
                const long k = std::lround(vx);
                xt = (std::fabs(vx - k) < 0.01 && k >= 0 && k < static_cast<long>(categories_.size())) ? categories_[k] : "";
            }
            s << "<line x1=\"" << X << "\" y1=\"" << H - B << "\" x2=\"" << X << "\" y2=\"" << H - B + 4
              << "\" stroke=\"#999\"/><text x=\"" << X << "\" y=\"" << H - B + 16 << "\" text-anchor=\"middle\">"
              << escape(xt) << "</text>";
            s << "<line x1=\"" << L - 4 << "\" y1=\"" << Y << "\" x2=\"" << L << "\" y2=\"" << Y
              << "\" stroke=\"#999\"/><text x=\"" << L - 6 << "\" y=\"" << Y + 4 << "\" text-anchor=\"end\">"
              << num(vy) << "</text>";
        }
        s << "<text x=\"" << (L + W - R) / 2 << "\" y=\"" << H - 12 << "\" text-anchor=\"middle\">" << escape(x_label_)
          << (log_x_ ? " (log)" : "") << "</text>";
        s << "<text transform=\"translate(16," << (T + H - B) / 2 << ") rotate(-90)\" text-anchor=\"middle\">"
          << escape(y_label_) << (log_y_ ? " (log)" : "") << "</text>";
        size_t legend = 0;
        for (const auto& series : series_) {
            std::ostringstream path;
            for (size_t i = 0; i < series.xy.size(); ++i) {
                const auto [x, y] = series.xy[i];
                if ((log_x_ && x <= 0) || (log_y_ && y <= 0) || !std::isfinite(x) || !std::isfinite(y)) continue;
                if (series.line) {
                    path << (path.tellp() == 0 ? "M" : " L") << num(px(x)) << "," << num(py(y));
                } else {
                    s << "<circle cx=\"" << num(px(x)) << "\" cy=\"" << num(py(y)) << "\" r=\"4\" fill=\""
                      << series.color << "\" fill-opacity=\"0.8\"><title>"
                      << escape(i < series.tips.size() ? series.tips[i] : series.name) << "</title></circle>";
                }
            }
            if (series.line && path.tellp() > 0) {
                s << "<path d=\"" << path.str() << "\" fill=\"none\" stroke=\"" << series.color
                  << "\" stroke-width=\"1.5\" stroke-opacity=\"0.7\"/>";
            }
            if (!series.name.empty() && legend < 20) {
                const double Y = T + 10 + 14 * legend++;
                s << "<rect x=\"" << W - R + 10 << "\" y=\"" << Y - 8 << "\" width=\"10\" height=\"10\" fill=\""
                  << series.color << "\"/><text x=\"" << W - R + 24 << "\" y=\"" << Y + 1 << "\">"
                  << escape(series.name.substr(0, 26)) << "</text>";
            }
        }
        s << "</svg>";
        return s.str();
    }

private:
    double tx(double x) const { return log_x_ ? std::log10(x) : x; }
    double ty(double y) const { return log_y_ ? std::log10(y) : y; }
    std::string title_, x_label_, y_label_;
    bool log_x_, log_y_;
    std::vector<Series> series_;
    std::vector<std::string> categories_;
};

double counter(const Json& counters, const std::string& name) {
    return counters.contains(name) && counters[name].is_number() ? counters[name].get<double>() : 0.0;
}

}  // namespace

size_t write_report(const std::string& dir, const std::string& out_file, const std::string& metric_name) {
    const Json manifest = read_manifest(dir);
    std::string metric = metric_name.empty() ? manifest["metrics"][0]["name"].get<std::string>() : metric_name;
    bool known_metric = false;
    for (const auto& m : manifest["metrics"]) known_metric |= m["name"] == metric;
    if (!known_metric) throw Error("sweep report --metric " + metric + ": the sweep has no such metric");
    const std::string base = manifest["base_config"].get<std::string>();

    std::vector<Row> rows;
    size_t failed = 0, missing = 0;
    for (const auto& point : manifest["points"]) {
        const std::string id = point["id"].get<std::string>();
        const auto result = read_result(dir, id);
        if (!result) { ++missing; continue; }
        if (result->value("status", "") != "ok") { ++failed; continue; }
        Row row;
        row.point = point;
        row.metrics = (*result)["metrics"];
        row.label = point["workload"].get<std::string>();
        std::vector<std::string> overrides;
        for (const auto& [key, value] : point["settings"].items()) {
            overrides.push_back(key + "=" + value.get<std::string>());
            row.label += " " + key + "=" + value.get<std::string>();
        }
        const config::ChipConfig chip = config::load_chip_config(base, overrides);
        row.area = static_cast<double>(chip.tile_count) * chip.npu.matrix.rows * chip.npu.matrix.cols;
        row.bandwidth_tbps = static_cast<double>(chip.npu.dma.bandwidth_bytes_per_cycle) * chip.tile_count *
                             static_cast<double>(chip.clock_frequency_hz) / 1e12;
        std::ifstream in(point_dir(dir, id) + "/stats.json");
        if (in) {
            try {
                const Json counters = Json::parse(in)["counters"];
                row.peak_tops = counter(counters, "npu.peak_tops");
                row.achieved_tops = counter(counters, "npu.achieved_tops");
                row.power_w = counter(counters, "power.average_w");
                double dma_bytes = 0;
                for (const auto& [name, value] : counters.items()) {
                    if (name.size() > 10 && name.compare(name.size() - 10, 10, ".dma.bytes") == 0 && value.is_number()) {
                        dma_bytes += value.get<double>();
                    }
                }
                const double ops = 2 * counter(counters, "npu.macs");
                if (dma_bytes > 0 && ops > 0) {
                    row.intensity = ops / dma_bytes;
                    row.has_roofline = row.peak_tops > 0;
                }
            } catch (const nlohmann::json::exception&) {
            }
        }
        rows.push_back(std::move(row));
    }

    std::ostringstream html;
    html << "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>npuemu sweep: "
         << escape(manifest["name"].get<std::string>()) << "</title><style>body{font-family:sans-serif;margin:24px;"
         << "max-width:1100px}figure{display:inline-block;margin:8px}figcaption{font-size:12px;color:#555;max-width:"
         << "640px}button{font-size:11px}table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;"
         << "padding:2px 6px}</style></head><body>";
    html << "<h1>Sweep " << escape(manifest["name"].get<std::string>()) << "</h1><p>npuemu "
         << escape(manifest["npuemu_version"].get<std::string>()) << "; spec " << escape(manifest["spec_file"].get<std::string>())
         << " (hash " << escape(manifest["spec_hash"].get<std::string>()) << "); base config " << escape(base) << ". "
         << rows.size() << " of " << manifest["points"].size() << " points finished, " << failed << " failed, " << missing
         << " not run.</p>";
    int chart_id = 0;
    auto figure = [&html, &chart_id](const Chart& chart, const std::string& caption) {
        const std::string id = "chart" + std::to_string(chart_id++);
        html << "<figure>" << chart.svg(id) << "<figcaption>" << caption << " <button onclick=\"savePng('" << id
             << "')\">PNG</button></figcaption></figure>\n";
    };

    // Rooflines: one per distinct configuration (peak TOPS, DMA bandwidth), with the points that ran on it.
    {
        Chart chart("Roofline per configuration", "operational intensity (ops / DMA byte)", "TOPS", true, true);
        std::map<std::pair<double, double>, std::vector<const Row*>> configs;
        double lo = INFINITY, hi = 0;
        for (const auto& row : rows) {
            if (!row.has_roofline) continue;
            configs[{row.peak_tops, row.bandwidth_tbps}].push_back(&row);
            lo = std::min(lo, row.intensity);
            hi = std::max(hi, row.intensity);
        }
        size_t c = 0;
        for (const auto& [key, members] : configs) {
            const auto [peak, bandwidth] = key;
            const std::string color = kColors[c++ % 10];
            Series roof{"peak " + num(peak) + " TOPS, " + num(bandwidth * 1e3) + " GB/s", {}, {}, color, true};
            const double ridge = peak / bandwidth;
            for (double i : {std::min(lo, ridge) / 4, ridge, std::max(hi, ridge) * 4}) {
                roof.xy.emplace_back(i, std::min(peak, i * bandwidth));
            }
            chart.add(roof);
            Series dots{"", {}, {}, color, false};
            for (const Row* row : members) {
                dots.xy.emplace_back(row->intensity, row->achieved_tops);
                dots.tips.push_back(row->label + ": " + num(row->achieved_tops) + " TOPS at " + num(row->intensity) +
                                    " ops/B");
            }
            chart.add(dots);
        }
        figure(chart, configs.empty() ? "No point ran the NPU (no MACs or DMA bytes in the stats): no roofline."
                                      : "Roofline of each configuration: compute roof = npu.peak_tops, memory roof = "
                                        "DMA bytes/cycle x tiles x clock. Dots: achieved TOPS (npu.achieved_tops) at "
                                        "2 x npu.macs / sum of tile*.npu.dma.bytes.");
    }

    // Pareto fronts: throughput against a cost — average power when the runs simulated it, and the area proxy
    // (MAC units = tiles x rows x cols).
    auto pareto = [&](const std::string& title, const std::string& x_label, const std::string& cost_name,
                      double Row::*cost, const std::string& caption) {
        Chart chart(title, x_label, "achieved TOPS", true, false);
        std::map<std::string, Series> by_workload;
        size_t c = 0;
        for (const auto& row : rows) {
            const std::string w = row.point["workload"].get<std::string>();
            if (!by_workload.count(w)) by_workload[w] = Series{w, {}, {}, kColors[c++ % 10], false};
            by_workload[w].xy.emplace_back(row.*cost, row.achieved_tops);
            by_workload[w].tips.push_back(row.label + ": " + num(row.achieved_tops) + " TOPS, " + cost_name + " " +
                                          num(row.*cost));
        }
        for (auto& [w, series] : by_workload) {
            std::vector<std::pair<double, double>> sorted = series.xy;
            std::sort(sorted.begin(), sorted.end(), [](auto a, auto b) {
                return a.first < b.first || (a.first == b.first && a.second > b.second);
            });
            Series front{"", {}, {}, series.color, true};
            double best = -INFINITY;
            for (const auto& p : sorted) {
                if (p.second > best) {
                    if (!front.xy.empty()) front.xy.emplace_back(p.first, best);  // a step
                    front.xy.push_back(p);
                    best = p.second;
                }
            }
            chart.add(series);
            chart.add(front);
        }
        figure(chart, caption);
    };
    const bool have_power = !rows.empty() && std::all_of(rows.begin(), rows.end(), [](const Row& r) {
        return r.power_w > 0;
    });
    if (have_power) {
        pareto("Throughput vs power (Pareto front)", "average power (W)", "power", &Row::power_w,
               "Pareto front of throughput against average power (power.average_w). Lines: the front per workload "
               "(no point above-left of it).");
    }
    pareto("Throughput vs area proxy (Pareto front)", "area proxy: tiles x rows x cols (MAC units)", "area",
           &Row::area,
           std::string(have_power ? "" : "These runs did not simulate power (no power section in their config), so "
                                         "the only cost here is ") +
               "a chip-area proxy: the number of MAC units (tiles x rows x cols). Lines: the front per workload "
               "(no point above-left of it).");

    // One chart per swept parameter: the metric against the parameter's values.
    for (const auto& key_json : manifest["parameters"]) {
        const std::string key = key_json.get<std::string>();
        std::vector<std::string> values;
        bool numeric = true;
        for (const auto& row : rows) {
            const std::string v = row.point["settings"][key].get<std::string>();
            if (std::find(values.begin(), values.end(), v) == values.end()) values.push_back(v);
            char* end = nullptr;
            std::strtod(v.c_str(), &end);
            numeric &= !v.empty() && *end == '\0';
        }
        Chart chart(metric + " by " + key, key, metric, false, false);
        if (!numeric) chart.set_categories(values);
        std::map<std::string, Series> by_workload;
        size_t c = 0;
        for (const auto& row : rows) {
            const std::string w = row.point["workload"].get<std::string>();
            if (!by_workload.count(w)) by_workload[w] = Series{w, {}, {}, kColors[c++ % 10], false};
            const std::string v = row.point["settings"][key].get<std::string>();
            const double x = numeric ? std::strtod(v.c_str(), nullptr)
                                     : static_cast<double>(std::find(values.begin(), values.end(), v) - values.begin());
            const double y = row.metrics.contains(metric) ? row.metrics[metric].get<double>() : NAN;
            by_workload[w].xy.emplace_back(x, y);
            by_workload[w].tips.push_back(row.label + ": " + metric + " = " + num(y));
        }
        for (auto& [w, series] : by_workload) chart.add(series);
        figure(chart, escape(metric) + " at each value of " + escape(key) +
                          " (one dot per point; the other parameters vary within a column).");
    }

    html << "<script>\n"
            "function savePng(id){const svg=document.getElementById(id);const data=new XMLSerializer()"
            ".serializeToString(svg);const img=new Image();img.onload=function(){const c=document.createElement("
            "'canvas');c.width=svg.width.baseVal.value*2;c.height=svg.height.baseVal.value*2;const g=c.getContext("
            "'2d');g.scale(2,2);g.drawImage(img,0,0);const a=document.createElement('a');a.download=id+'.png';"
            "a.href=c.toDataURL('image/png');a.click();};img.src='data:image/svg+xml;charset=utf-8,'+"
            "encodeURIComponent(data);}\n</script></body></html>\n";
    write_file_atomic(out_file, html.str());
    return rows.size();
}

}  // namespace npuemu::sweep
