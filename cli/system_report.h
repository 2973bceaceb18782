// `npuemu run --system ... --report out.html`: a system of chips on one page (cli/report/): each chip's tiles'
// utilisation, every link direction's utilisation and the data each carried, and the traffic between chips.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "cli/report/html_page.h"

namespace npuemu::cli {

struct SystemReportInput {
    std::string system, image, outcome, message;
    size_t chips = 0;
    nlohmann::ordered_json counters;  // stats_to_json() of the system: {"chip0.tile3.npu.dma.busy_cycles": ..., ...}
};

report::Page system_report_page(const SystemReportInput& input);

// Writes the page as write_output_file() does. Throws npuemu::OutputError.
void write_system_report(const SystemReportInput& input, const std::string& path);

}  // namespace npuemu::cli
