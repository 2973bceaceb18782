#include "model/config/config_lookup.h"

#include <filesystem>

#include "model/common/error.h"

namespace npuemu::config {

std::string default_config() { return std::string(NPUEMU_CONFIG_DIR) + "/default.yaml"; }

std::string resolve_config(const std::string& name_or_path) {
    namespace fs = std::filesystem;
    if (name_or_path.empty()) return default_config();
    if (fs::exists(name_or_path)) {
        if (fs::is_directory(name_or_path)) throw Error(name_or_path + ": is a directory, not a chip config file");
        return name_or_path;
    }
    const bool looks_like_name = name_or_path.find('/') == std::string::npos &&
                                 name_or_path.find('.') == std::string::npos;
    if (looks_like_name) {
        const std::string preset = std::string(NPUEMU_CONFIG_DIR) + "/" + name_or_path + ".yaml";
        if (fs::exists(preset)) return preset;
        std::string known;
        for (const auto& entry : fs::directory_iterator(NPUEMU_CONFIG_DIR)) {
            if (entry.path().extension() == ".yaml") known += " " + entry.path().stem().string();
        }
        throw Error("no chip config named '" + name_or_path + "' (presets:" + known + ")");
    }
    throw Error(name_or_path + ": cannot open the chip config (no such file)");
}

}  // namespace npuemu::config
