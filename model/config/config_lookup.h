// Finds a chip config given on the command line or in a system config: a path, or the name of a preset in configs/
// ("default", "test").
#pragma once

#include <string>

namespace npuemu::config {

std::string resolve_config(const std::string& name_or_path);
// A system config: a YAML file or a preset name in configs/systems/ (node4, pod8, ...).
std::string resolve_system_config(const std::string& name_or_path);
std::string default_config();

}  // namespace npuemu::config
