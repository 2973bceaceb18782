#include "model/config/config_lookup.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "model/common/error.h"

namespace npuemu::config {

std::string default_config() { return std::string(NPUEMU_CONFIG_DIR) + "/default.yaml"; }

std::vector<std::string> yaml_presets_in(const std::string& directory) {
    namespace fs = std::filesystem;
    std::vector<std::string> names;
    std::error_code ec;
    for (fs::directory_iterator it(directory, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->path().extension() == ".yaml") names.push_back(it->path().stem().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::string refusal_reason(const std::error_code& ec) {
    return ec && ec != std::errc::no_such_file_or_directory ? " (" + ec.message() + ")" : "";
}

namespace {

// A file, or the name of a preset in directory (a name has no '/' and no '.').
std::string resolve_in(const std::string& name_or_path, const std::string& directory, const std::string& what) {
    namespace fs = std::filesystem;
    // (The error_code forms: a name the file system refuses, e.g. too long, is an Error with the reason.)
    auto refused = [&](const std::error_code& ec) {
        const std::string reason = refusal_reason(ec);
        if (!reason.empty()) throw Error(name_or_path + ": cannot open the " + what + reason);
    };
    std::error_code ec;
    if (fs::exists(name_or_path, ec)) {
        if (fs::is_directory(name_or_path, ec)) throw Error(name_or_path + ": is a directory, not a " + what + " file");
        return name_or_path;
    }
    refused(ec);
    const bool looks_like_name =
        name_or_path.find('/') == std::string::npos && name_or_path.find('.') == std::string::npos;
    if (looks_like_name) {
        const std::string preset = directory + "/" + name_or_path + ".yaml";
        if (fs::exists(preset, ec)) return preset;
        refused(ec);
        std::string listed;
        for (const auto& name : yaml_presets_in(directory)) listed += " " + name;
        throw Error("no " + what + " named '" + name_or_path + "' (presets:" + listed + ")");
    }
    throw Error(name_or_path + ": cannot open the " + what + " (no such file)");
}

}  // namespace

std::string resolve_config(const std::string& name_or_path) {
    if (name_or_path.empty()) return default_config();
    return resolve_in(name_or_path, NPUEMU_CONFIG_DIR, "chip config");
}

std::string resolve_system_config(const std::string& name_or_path) {
    return resolve_in(name_or_path, std::string(NPUEMU_CONFIG_DIR) + "/systems", "system config");
}

}  // namespace npuemu::config
