#include "model/config/config_lookup.h"

#include <filesystem>
#include <set>

#include "model/common/error.h"

namespace npuemu::config {

std::string default_config() { return std::string(NPUEMU_CONFIG_DIR) + "/default.yaml"; }

namespace {

// A file, or the name of a preset in directory (a name has no '/' and no '.').
std::string resolve_in(const std::string& name_or_path, const std::string& directory, const std::string& what) {
    namespace fs = std::filesystem;
    if (fs::exists(name_or_path)) {
        if (fs::is_directory(name_or_path)) throw Error(name_or_path + ": is a directory, not a " + what + " file");
        return name_or_path;
    }
    const bool looks_like_name = name_or_path.find('/') == std::string::npos &&
                                 name_or_path.find('.') == std::string::npos;
    if (looks_like_name) {
        const std::string preset = directory + "/" + name_or_path + ".yaml";
        if (fs::exists(preset)) return preset;
        std::set<std::string> known;
        for (const auto& entry : fs::directory_iterator(directory)) {
            if (entry.path().extension() == ".yaml") known.insert(entry.path().stem().string());
        }
        std::string listed;
        for (const auto& name : known) listed += " " + name;
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
