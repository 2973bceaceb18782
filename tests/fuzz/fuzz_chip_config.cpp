// libFuzzer: the chip config reader. The input is a YAML document, optionally followed by a line "#--set" and one
// KEY.PATH=VALUE override per line (as `npuemu run --set` gives them).
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "model/common/error.h"
#include "model/config/chip_config.h"
#include "model/config/config_node.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string input(reinterpret_cast<const char*>(data), size);
    const auto split = input.find("\n#--set\n");
    std::vector<std::string> overrides;
    if (split != std::string::npos) {
        std::istringstream lines(input.substr(split + 8));
        for (std::string line; std::getline(lines, line);) overrides.push_back(line);
    }
    try {
        const YAML::Node root = npuemu::config::parse_yaml_text(input.substr(0, split), "fuzz.yaml");
        if (root && root.IsMap()) npuemu::config::load_chip_config(root, NPUEMU_CONFIG_DIR "/fuzz.yaml", overrides);
    } catch (const npuemu::Error&) {
    }
    return 0;
}
