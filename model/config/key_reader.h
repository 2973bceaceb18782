// Reads a block's keys from YAML through its key table (model/common/config_keys.h), with the validating reader's
// errors (file:line:col:key), and lists them for `npuemu config --list`.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "model/common/config_keys.h"
#include "model/common/error.h"
#include "model/config/config_node.h"

namespace npuemu::config {

namespace detail {

inline std::string format_number(double value) {
    std::ostringstream text;
    text << value;
    return text.str();
}

template <class Int>
void check_fits(const char* key, double max, uint64_t scale) {
    if (max * static_cast<double>(scale) > static_cast<double>(std::numeric_limits<Int>::max())) {
        throw Error(std::string("internal: config key '") + key + "' can exceed its field");
    }
}

}  // namespace detail

// Every key of the table that the node has, read into config (absent keys keep the field's value). Does not call
// node.finish(): a section may hold keys of its own that the caller reads.
template <class Config>
void read_keys(ConfigNode& node, const KeyTable<Config>& table, Config& config) {
    for (const ConfigKey<Config>& k : table) {
        std::visit([&](auto&& field) {
            using Field = std::decay_t<decltype(field)>;
            if constexpr (std::is_same_v<Field, double Config::*>) {
                config.*field = node.get_double(k.key, config.*field, k.min, k.max);
                if (k.above_min && !(config.*field > k.min)) {
                    node.fail(k.key, "must be greater than " + detail::format_number(k.min));
                }
            } else if constexpr (std::is_same_v<Field, bool Config::*>) {
                config.*field = node.get_bool(k.key, config.*field);
            } else if constexpr (std::is_same_v<Field, ChoiceField<Config>>) {
                const std::vector<std::string> names(field.names.begin(), field.names.end());
                const std::string chosen = node.get_choice(k.key, names[field.get(config)], names);
                for (size_t i = 0; i < names.size(); ++i) {
                    if (names[i] == chosen) field.set(config, static_cast<int>(i));
                }
            } else {
                using Int = std::remove_reference_t<decltype(config.*field)>;
                detail::check_fits<Int>(k.key, k.max, k.scale);
                const uint64_t value = node.get_uint(k.key, static_cast<uint64_t>(config.*field) / k.scale,
                                                     static_cast<uint64_t>(k.min), static_cast<uint64_t>(k.max));
                config.*field = static_cast<Int>(value * k.scale);
            }
        }, k.field);
    }
}

// Rows for the table's keys under prefix ("npu.dma"), with the defaults of a default-made Config (or of the given
// one, where the chip fills a block's defaults from other keys).
template <class Config>
void list_keys(const std::string& prefix, const KeyTable<Config>& table, std::vector<ConfigKeyRow>& rows,
               const Config& defaults = Config{}) {
    for (const ConfigKey<Config>& k : table) {
        ConfigKeyRow row;
        row.path = prefix.empty() ? k.key : prefix + "." + k.key;
        row.unit = k.unit;
        row.doc = k.doc;
        std::visit([&](auto&& field) {
            using Field = std::decay_t<decltype(field)>;
            if constexpr (std::is_same_v<Field, double Config::*>) {
                row.type = "number";
                row.default_value = detail::format_number(defaults.*field);
                row.range = (k.above_min ? "> " : "") + detail::format_number(k.min) + " .. " +
                            detail::format_number(k.max);
            } else if constexpr (std::is_same_v<Field, bool Config::*>) {
                row.type = "boolean";
                row.default_value = defaults.*field ? "true" : "false";
            } else if constexpr (std::is_same_v<Field, ChoiceField<Config>>) {
                row.type = "one of:";
                for (size_t i = 0; i < field.names.size(); ++i) row.type += std::string(i ? ", " : " ") + field.names[i];
                row.default_value = field.names[field.get(defaults)];
            } else {
                row.type = "integer";
                row.default_value = std::to_string(static_cast<uint64_t>(defaults.*field) / k.scale);
                row.range = std::to_string(static_cast<uint64_t>(k.min)) + " .. " +
                            std::to_string(static_cast<uint64_t>(k.max));
            }
        }, k.field);
        rows.push_back(row);
    }
}

}  // namespace npuemu::config
