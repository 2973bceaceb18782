#include "cli/report/units.h"

#include <cstdio>

namespace npuemu::report {

namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
    return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::string with_unit(const std::string& name) {
    struct Rule {
        const char* suffix;
        const char* unit;
    };
    static constexpr Rule kRules[] = {
        {"_tops", "TOPS"},
        {"_w", "W"},
        {"_j", "J"},
        {"_mC", "m°C"},
        {"_ps", "ps"},
        {"_hz", "Hz"},
        {"cycles", "cycles"},
        {"bytes", "bytes"},
        {"utilization", "fraction of peak"},
        {"macs", "MACs"},
        {"instructions", "instructions"},
        {"_per_cycle", "per cycle"},
    };
    for (const auto& rule : kRules) {
        if (ends_with(name, rule.suffix)) return name + " (" + rule.unit + ")";
    }
    return name;
}

std::string round4(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.4g", value);
    return text;
}

std::string fixed(double value, int decimals) {
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    return text;
}

}  // namespace npuemu::report
