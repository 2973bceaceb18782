// A block's configuration keys, as data: for each YAML key the struct field it sets, its range, its unit and what it
// means. Each block declares its table next to its config struct; the loader (model/config/key_reader.h) reads YAML
// through the tables and `npuemu config --list` and docs/config.md are written from them. The field's initial value
// in the struct is the key's one default.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace npuemu {

// An enum field: its YAML names, in the enum's order (value i is names[i]).
template <class Config>
struct ChoiceField {
    std::vector<const char*> names;
    int (*get)(const Config&);
    void (*set)(Config&, int);
};

template <class Config>
struct ConfigKey {
    using Field = std::variant<uint32_t Config::*, uint64_t Config::*, double Config::*, bool Config::*,
                               ChoiceField<Config>>;
    const char* key;
    Field field;
    double min = 0;  // the range of the value as written (before scale)
    double max = 0;
    const char* unit = "";
    const char* doc = "";
    uint64_t scale = 1;  // integer keys: field = value x scale (size_kib -> bytes)
    bool above_min = false;  // numbers: the value must be greater than min, not just at least min
};

template <class Config>
using KeyTable = std::vector<ConfigKey<Config>>;

// An integer key: written in `unit`, stored in the field times scale.
template <class Config, class Int>
ConfigKey<Config> uint_key(const char* key, Int Config::*field, double min, double max, const char* unit,
                           const char* doc, uint64_t scale = 1) {
    return ConfigKey<Config>{key, field, min, max, unit, doc, scale};
}

template <class Config>
ConfigKey<Config> double_key(const char* key, double Config::*field, double min, double max, const char* unit,
                             const char* doc) {
    return ConfigKey<Config>{key, field, min, max, unit, doc, 1};
}

// A number that must be greater than min (a resistance, a capacitance).
template <class Config>
ConfigKey<Config> positive_key(const char* key, double Config::*field, double max, const char* unit, const char* doc) {
    return ConfigKey<Config>{key, field, 0, max, unit, doc, 1, true};
}

template <class Config>
ConfigKey<Config> bool_key(const char* key, bool Config::*field, const char* doc) {
    return ConfigKey<Config>{key, field, 0, 1, "", doc, 1};
}

// An enum key: Enum values 0 .. names.size() - 1, named in order.
template <class Config, class Enum, Enum Config::*Member>
ConfigKey<Config> choice_key(const char* key, std::vector<const char*> names, const char* doc) {
    ChoiceField<Config> choice{std::move(names), [](const Config& c) { return static_cast<int>(c.*Member); },
                               [](Config& c, int value) { c.*Member = static_cast<Enum>(value); }};
    return ConfigKey<Config>{key, choice, 0, 0, "", doc, 1};
}

// One row of `npuemu config --list`: a key path and what the table says of it.
struct ConfigKeyRow {
    std::string path;     // "npu.dma.burst_bytes"
    std::string type;     // "integer", "number", "boolean", "one of: air, liquid", or what a special key takes
    std::string default_value;
    std::string range;    // "4 .. 65536", empty where none
    std::string unit;
    std::string doc;
};

}  // namespace npuemu
