// `npuemu run --report out.html`: the charts a firmware developer looks at to see why a kernel is slow, on one
// self-contained page (cli/report/): utilisation per tile and unit, each unit's busy and stall cycles, HBM channel
// and mesh link heat maps, and temperature, frequency and power of every tile over time (when the chip models power).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "cli/report/html_page.h"
#include "model/power/power_history.h"

namespace npuemu::cli {

struct RunReportInput {
    std::string chip, image, outcome, message;
    nlohmann::ordered_json counters;               // stats_to_json(): {"tile0.npu.dma.busy_cycles": 17455, ...}
    const power::PowerHistory* history = nullptr;  // nullptr: the chip has no power model
};

report::Page run_report_page(const RunReportInput& input);

// Before the run: throws npuemu::Error when the report could not be written after it (Vega not installed, the
// file not writable), so a long run is not lost to a typo.
void check_run_report_possible(const std::string& path);

// Writes the page as write_output_file() does (atomically for a regular file). Throws npuemu::OutputError.
void write_run_report(const RunReportInput& input, const std::string& path);

}  // namespace npuemu::cli
