#include "cli/profile/profile_table.h"

#include <cstdio>
#include <sstream>

namespace npuemu::profile {

constexpr const char* kTableSchema = "npuemu-profile";
constexpr int kTableSchemaVersion = 1;

double mac_utilization(const llm::GemmShape& shape, uint64_t peak_macs_per_cycle, uint64_t cycles) {
    if (peak_macs_per_cycle == 0 || cycles == 0) return 0;
    return double(shape.m) * shape.n * shape.k / (double(peak_macs_per_cycle) * double(cycles));
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
        Json op{{"name", row.shape.name},
                {"m", row.shape.m},
                {"n", row.shape.n},
                {"k", row.shape.k},
                {"dtype", llm::dtype_name(row.shape.dtype)},
                {"cycles", cycles},
                {"mac_utilization", mac_utilization(row.shape, t.peak_macs_per_cycle, cycles)},
                {"hbm_bytes", hbm_bytes(row.run)},
                {"hbm_read_bytes", row.run.at("hbm_read_bytes")},
                {"hbm_write_bytes", row.run.at("hbm_write_bytes")},
                {"energy_j", row.run.at("energy_j")},
                {"run_sim_cycles", row.run.at("sim_cycles")},
                {"run_time_ps", row.run.at("time_ps")}};
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
                {"operating_points", points},
                {"ops", ops}};
}

std::string table_csv(const ProfileTable& t) {
    std::ostringstream csv;
    csv << "op,m,n,k,dtype,cycles,mac_utilization,hbm_bytes,energy_j";
    for (const auto& p : t.points) csv << ",cycles_at_" << point_label(p);
    csv << "\n";
    for (const auto& row : t.rows) {
        const uint64_t cycles = row.run.at("gemm_cycles").get<uint64_t>();
        csv << row.shape.name << ',' << row.shape.m << ',' << row.shape.n << ',' << row.shape.k << ','
            << llm::dtype_name(row.shape.dtype) << ',' << cycles << ','
            << number_text(mac_utilization(row.shape, t.peak_macs_per_cycle, cycles), "%.6f") << ','
            << hbm_bytes(row.run) << ',';
        if (!row.run.at("energy_j").is_null()) csv << number_text(row.run.at("energy_j").get<double>(), "%.9g");
        for (const auto& at : row.at_points) csv << ',' << at.at("gemm_cycles").get<uint64_t>();
        csv << "\n";
    }
    return csv.str();
}

std::string table_text(const ProfileTable& t) {
    std::ostringstream out;
    char line[512];
    std::snprintf(line, sizeof line, "%-14s %7s %7s %7s %5s %12s %6s %12s %11s", "op", "m", "n", "k", "dtype",
                  "cycles", "MAC%", "HBM MiB", "energy mJ");
    out << line;
    for (const auto& p : t.points) {
        std::snprintf(line, sizeof line, " %12s", (std::to_string(p.frequency_mhz) + " MHz").c_str());
        out << line;
    }
    out << "\n";
    for (const auto& row : t.rows) {
        const uint64_t cycles = row.run.at("gemm_cycles").get<uint64_t>();
        const Json& energy = row.run.at("energy_j");
        std::snprintf(line, sizeof line, "%-14s %7u %7u %7u %5s %12llu %5.1f%% %12.2f %11s", row.shape.name.c_str(),
                      row.shape.m, row.shape.n, row.shape.k, llm::dtype_name(row.shape.dtype),
                      static_cast<unsigned long long>(cycles),
                      100 * mac_utilization(row.shape, t.peak_macs_per_cycle, cycles),
                      double(hbm_bytes(row.run)) / (1 << 20),
                      energy.is_null() ? "-" : number_text(energy.get<double>() * 1e3, "%.3f").c_str());
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
