#include "cli/profile/profile_table.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace npuemu::profile {

constexpr const char* kTableSchema = "npuemu-profile";
constexpr int kTableSchemaVersion = 1;  // "kind" and "params" were added to the ops: readers of version 1 ignore them

double ProfileRow::macs() const {
    if (kind == OpKind::Attention) return attention.macs();
    if (kind == OpKind::AttentionBackward) return attention.backward_macs();
    if (kind == OpKind::Optimizer || kind == OpKind::Rows) return 0;
    return double(shape.m) * shape.n * shape.k;
}

double mac_utilization(double macs, uint64_t peak_macs_per_cycle, uint64_t cycles) {
    if (peak_macs_per_cycle == 0 || cycles == 0) return 0;
    return macs / (double(peak_macs_per_cycle) * double(cycles));
}

double mac_utilization(const llm::GemmShape& shape, uint64_t peak_macs_per_cycle, uint64_t cycles) {
    return mac_utilization(double(shape.m) * shape.n * shape.k, peak_macs_per_cycle, cycles);
}

RooflinePosition roofline_position(const llm::GemmShape& shape, uint64_t hbm_bytes, uint64_t cycles,
                                   uint64_t peak_macs_per_cycle, double memory_bytes_per_cycle) {
    return roofline_position(double(shape.m) * shape.n * shape.k, hbm_bytes, cycles, peak_macs_per_cycle,
                             memory_bytes_per_cycle);
}

RooflinePosition roofline_position(double macs, uint64_t hbm_bytes, uint64_t cycles, uint64_t peak_macs_per_cycle,
                                   double memory_bytes_per_cycle) {
    RooflinePosition r;
    if (cycles == 0 || peak_macs_per_cycle == 0 || memory_bytes_per_cycle <= 0) return r;
    const double compute_cycles = macs / double(peak_macs_per_cycle);
    const double memory_cycles = double(hbm_bytes) / memory_bytes_per_cycle;
    r.ops_per_byte = hbm_bytes ? 2 * macs / double(hbm_bytes) : 0;
    r.memory_bound = memory_cycles > compute_cycles;
    r.fraction_of_roof = std::max(compute_cycles, memory_cycles) / double(cycles);
    return r;
}

namespace {

std::string point_label(const power::OperatingPoint& p) {
    return std::to_string(p.frequency_mhz) + "MHz_" + std::to_string(p.voltage_mv) + "mV";
}

uint64_t hbm_bytes(const Json& run) {
    return run.at("hbm_read_bytes").get<uint64_t>() + run.at("hbm_write_bytes").get<uint64_t>();
}

std::string number_text(double value, const char* format) {
    char text[64];
    std::snprintf(text, sizeof text, format, value);
    return text;
}

}  // namespace

Json table_json(const ProfileTable& t) {
    Json points = Json::array();
    for (const auto& p : t.points) points.push_back({{"voltage_mv", p.voltage_mv}, {"frequency_mhz", p.frequency_mhz}});
    Json ops = Json::array();
    for (const auto& row : t.rows) {
        const uint64_t cycles = row.run.at("gemm_cycles").get<uint64_t>();
        const RooflinePosition roof =
            roofline_position(row.macs(), hbm_bytes(row.run), cycles, t.peak_macs_per_cycle, t.memory_bytes_per_cycle);
        Json op{{"name", row.shape.name},
                {"kind", op_kind_name(row.kind)},
                {"m", row.shape.m},
                {"n", row.shape.n},
                {"k", row.shape.k},
                {"dtype", llm::dtype_name(row.shape.dtype)},
                {"cycles", cycles},
                {"mac_utilization", mac_utilization(row.macs(), t.peak_macs_per_cycle, cycles)},
                {"hbm_bytes", hbm_bytes(row.run)},
                {"hbm_read_bytes", row.run.at("hbm_read_bytes")},
                {"hbm_write_bytes", row.run.at("hbm_write_bytes")},
                {"energy_j", row.run.at("energy_j")},
                {"ops_per_byte", roof.ops_per_byte},
                {"bound", roof.memory_bound ? "memory" : "compute"},
                {"fraction_of_roof", roof.fraction_of_roof},
                {"run_sim_cycles", row.run.at("sim_cycles")},
                {"run_time_ps", row.run.at("time_ps")}};
        if (row.kind == OpKind::Optimizer) op["params"] = row.params;
        if (row.kind == OpKind::Gemm && !row.shape.plain()) {  // absent: a plain GEMM (FP32 out), as older tables
            op["a_transposed"] = row.shape.a_transposed;
            op["b_transposed"] = row.shape.b_transposed;
            op["bias"] = row.shape.bias;
            op["scale_cols"] = row.shape.scale_cols;
            op["gelu"] = row.shape.gelu;
            op["out"] = row.shape.out_bf16 ? "bf16" : "fp32";
        }
        if (row.kind == OpKind::Rows) {
            op["pass"] = llm::row_pass_name(row.row_pass);
            op["rows"] = row.shape.m;
            op["cols"] = row.shape.n;
            op["scale_cols"] = row.shape.k;
        }
        if (row.kind == OpKind::Attention || row.kind == OpKind::AttentionBackward) {
            op["attention"] = {{"seq", row.attention.seq},           {"heads", row.attention.heads},
                               {"kv_heads", row.attention.kv_heads}, {"d_head", row.attention.d_head},
                               {"causal", row.attention.causal},     {"macs", row.macs()}};
        }
        Json at = Json::array();
        for (size_t i = 0; i < row.at_points.size(); ++i) {
            at.push_back({{"frequency_mhz", t.points[i].frequency_mhz},
                          {"voltage_mv", t.points[i].voltage_mv},
                          {"cycles", row.at_points[i].at("gemm_cycles")},
                          {"energy_j", row.at_points[i].at("energy_j")}});
        }
        op["at_operating_points"] = at;
        ops.push_back(op);
    }
    return Json{{"schema", kTableSchema},
                {"schema_version", kTableSchemaVersion},
                {"chip", t.chip},
                {"config", t.config_file},
                {"config_hash", t.config_hash},
                {"image", t.image},
                {"image_hash", t.image_hash},
                {"workload", t.workload},
                {"peak_macs_per_cycle", t.peak_macs_per_cycle},
                {"memory_bytes_per_cycle", t.memory_bytes_per_cycle},
                {"operating_points", points},
                {"ops", ops}};
}

std::string table_csv(const ProfileTable& t) {
    std::ostringstream csv;
    csv << "op,m,n,k,dtype,cycles,mac_utilization,hbm_bytes,energy_j,ops_per_byte,bound,fraction_of_roof";
    for (const auto& p : t.points) csv << ",cycles_at_" << point_label(p);
    csv << "\n";
    for (const auto& row : t.rows) {
        const uint64_t cycles = row.run.at("gemm_cycles").get<uint64_t>();
        csv << row.shape.name << ',' << row.shape.m << ',' << row.shape.n << ',' << row.shape.k << ','
            << llm::dtype_name(row.shape.dtype) << ',' << cycles << ','
            << number_text(mac_utilization(row.macs(), t.peak_macs_per_cycle, cycles), "%.6f") << ','
            << hbm_bytes(row.run) << ',';
        if (!row.run.at("energy_j").is_null()) csv << number_text(row.run.at("energy_j").get<double>(), "%.9g");
        const RooflinePosition roof =
            roofline_position(row.macs(), hbm_bytes(row.run), cycles, t.peak_macs_per_cycle, t.memory_bytes_per_cycle);
        csv << ',' << number_text(roof.ops_per_byte, "%.3f") << ',' << (roof.memory_bound ? "memory" : "compute") << ','
            << number_text(roof.fraction_of_roof, "%.6f");
        for (const auto& at : row.at_points) csv << ',' << at.at("gemm_cycles").get<uint64_t>();
        csv << "\n";
    }
    return csv.str();
}

std::string table_text(const ProfileTable& t) {
    std::ostringstream out;
    char line[512];
    std::snprintf(line, sizeof line, "%-18s %7s %7s %7s %5s %12s %6s %12s %11s %8s %7s %-7s", "op", "m", "n", "k",
                  "dtype", "cycles", "MAC%", "HBM MiB", "energy mJ", "ops/B", "of roof", "bound");
    out << line;
    for (const auto& p : t.points) {
        std::snprintf(line, sizeof line, " %12s", (std::to_string(p.frequency_mhz) + " MHz").c_str());
        out << line;
    }
    out << "\n";
    for (const auto& row : t.rows) {
        const uint64_t cycles = row.run.at("gemm_cycles").get<uint64_t>();
        const Json& energy = row.run.at("energy_j");
        std::snprintf(
            line, sizeof line, "%-18s %7u %7u %7u %5s %12llu %5.1f%% %12.2f %11s", row.shape.name.c_str(), row.shape.m,
            row.shape.n, row.shape.k, llm::dtype_name(row.shape.dtype), static_cast<unsigned long long>(cycles),
            100 * mac_utilization(row.macs(), t.peak_macs_per_cycle, cycles), double(hbm_bytes(row.run)) / (1 << 20),
            energy.is_null() ? "-" : number_text(energy.get<double>() * 1e3, "%.3f").c_str());
        out << line;
        const RooflinePosition roof =
            roofline_position(row.macs(), hbm_bytes(row.run), cycles, t.peak_macs_per_cycle, t.memory_bytes_per_cycle);
        std::snprintf(line, sizeof line, " %8.1f %6.1f%% %-7s", roof.ops_per_byte, 100 * roof.fraction_of_roof,
                      roof.memory_bound ? "memory" : "compute");
        out << line;
        for (const auto& at : row.at_points) {
            std::snprintf(line, sizeof line, " %12llu",
                          static_cast<unsigned long long>(at.at("gemm_cycles").get<uint64_t>()));
            out << line;
        }
        out << "\n";
    }
    return out.str();
}

}  // namespace npuemu::profile
