// The chip kind of sweep workload: firmware (an ELF image) run by `npuemu run` on the base chip config with each
// point's settings; its metrics are the run's stats counters (docs/sweeps.md).
#include <yaml-cpp/yaml.h>

#include "cli/sweep/sweep_plan.h"
#include "cli/sweep/sweep_report_charts.h"
#include "cli/sweep/sweep_report_data.h"
#include "cli/sweep/workload_kind.h"
#include "model/common/output_file.h"
#include "model/config/chip_config.h"
#include "model/loader/elf_image.h"

namespace npuemu::sweep {

namespace {

// A stats file with only its counters kept: its units and histograms are most of its bytes and no metric's business
// (the sweep process reads every point's file, one after the other). Into nlohmann::json, whose objects are maps:
// an ordered_json object finds (and inserts) keys by a linear search, quadratic over a chip's ~1,000s of counters.
// Malformed JSON anywhere is still an error.
nlohmann::json parse_counters_only(std::istream& in) {
    return nlohmann::json::parse(in, [](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
        return !(depth == 1 && event == nlohmann::json::parse_event_t::key && parsed != "counters");
    });
}

class ChipWorkload : public WorkloadKind {
public:
    const char* name() const override { return "chip"; }
    const char* output_file() const override { return "stats.json"; }

    std::string settings_base(const SweepSpec& spec, const Workload&) const override { return spec.base_config; }

    // The image (checked to be a usable ELF here, so a bad image fails the sweep before any point runs) and the
    // files its --load options name.
    std::string workload_inputs(const SweepSpec& spec, const Workload& workload, InputHashes& hashes) const override {
        const std::string where = spec.spec_file + ": workload '" + workload.name + "'";
        const std::vector<uint8_t> image =
            read_input_file(workload.image, 1ull << 30, where + ": " + workload.image, "the firmware image");
        loader::parse_elf(image, where + ": " + workload.image);
        std::string text = "image=" + std::to_string(fnv1a(std::string(image.begin(), image.end()))) + '\0';
        for (size_t i = 0; i < workload.args.size(); ++i) {
            std::string load;
            if (workload.args[i] == "--load" && i + 1 < workload.args.size())
                load = workload.args[i + 1];
            else if (workload.args[i].rfind("--load=", 0) == 0)
                load = workload.args[i].substr(7);
            const auto at = load.rfind('@');
            if (at == std::string::npos || at == 0) continue;
            const std::string file = load.substr(0, at);
            text += "load=" + std::to_string(hashes.of(file, where + ": --load " + load, "the file")) + '\0';
        }
        return text;
    }

    std::string settings_inputs(const SweepSpec& spec, const Workload&, const std::vector<std::string>& overrides,
                                InputHashes& hashes, config::YamlFileCache& parsed_files) const override {
        const uint64_t base_hash = hashes.of(spec.base_config, spec.base_config, "the chip config");
        const YAML::Node base = config::load_yaml_file(spec.base_config, &parsed_files);
        const config::ChipConfig chip =
            config::load_chip_config(YAML::Clone(base), spec.base_config, overrides, &parsed_files);
        const std::string preset = chip.hbm.preset_file;
        return "config=" + std::to_string(base_hash) + '\0' +
               "preset=" + std::to_string(hashes.of(preset, preset, "the HBM preset")) + '\0';
    }

    std::vector<std::string> check_command(const SweepSpec& spec, const Workload& workload, const Point& first,
                                           const std::string& executable, const std::string&) const override {
        std::vector<std::string> args = {executable, "run", "--check", "-c", spec.base_config};
        for (const auto& o : first.overrides()) {
            args.push_back("--set");
            args.push_back(o);
        }
        args.insert(args.end(), workload.args.begin(), workload.args.end());
        args.push_back(workload.image);
        return args;
    }

    // `npuemu run --check` lists the run's counters, one a line.
    std::set<std::string> checked_value_names(const std::string& check_stdout, const std::string&) const override {
        std::set<std::string> counters;
        std::istringstream lines(check_stdout);
        for (std::string line; std::getline(lines, line);) counters.insert(line);
        return counters;
    }

    std::string missing_value(const std::string& name, const std::string& workload) const override {
        return "no counter '" + name + "' in the stats of workload '" + workload +
               "' (`npuemu run --check` lists them; a derived metric can use counters only, not other metrics)";
    }

    std::vector<std::string> point_command(const SweepSpec& spec, const Point& point, const std::string& executable,
                                           const std::string& point_dir) const override {
        const Workload& workload = spec.workloads[point.workload];
        std::vector<std::string> args = {executable, "run", "-c", spec.base_config};
        for (const auto& o : point.overrides()) {
            args.push_back("--set");
            args.push_back(o);
        }
        args.insert(args.end(), workload.args.begin(), workload.args.end());
        args.push_back("--stats");
        args.push_back(point_dir + "/stats.json");
        args.push_back(workload.image);
        return args;
    }

    nlohmann::json read_values(std::istream& output) const override {
        return parse_counters_only(output).at("counters");
    }

    void read_report_point(ReportPoint& p, const Json& manifest) const override {
        if (p.has_output) {
            p.macs = p.value("npu.macs");
            p.peak_tops = p.value("npu.peak_tops");
            p.achieved_tops = p.value("npu.achieved_tops");
            p.power_w = p.value("power.average_w");
            for (const auto& [name, value] : p.values.items()) {
                if (name.size() > 10 && name.compare(name.size() - 10, 10, ".dma.bytes") == 0 && value.is_number()) {
                    p.dma_bytes += value.get<double>();
                }
            }
        }
        if (!p.ok()) return;
        std::vector<std::string> overrides;
        for (const auto& [key, value] : p.settings) overrides.push_back(key + "=" + value);
        const config::ChipConfig chip = config::load_chip_config(manifest["base_config"].get<std::string>(), overrides);
        p.area = static_cast<double>(chip.tile_count) * chip.npu.matrix.rows * chip.npu.matrix.cols;
        p.bandwidth_tbps = static_cast<double>(chip.npu.dma.bandwidth_bytes_per_cycle) * chip.tile_count *
                           static_cast<double>(chip.clock_frequency_hz) / 1e12;
    }

    std::vector<report::Figure> throughput_figures(const ReportData& data) const override {
        std::vector<report::Figure> figures;
        figures.push_back(roofline_figure(data));
        for (auto& f : pareto_figures(data)) figures.push_back(std::move(f));
        return figures;
    }
};

}  // namespace

const WorkloadKind& chip_workload_kind() {
    static const ChipWorkload kind;
    return kind;
}

}  // namespace npuemu::sweep
