// Finds a chip config given on the command line or in a system config: a path, or the name of a preset in configs/
// ("default", "test").
#pragma once

#include <string>
#include <system_error>
#include <vector>

namespace npuemu::config {

std::string resolve_config(const std::string& name_or_path);
// A system config: a YAML file or a preset name in configs/systems/ (node4, pod8, ...).
std::string resolve_system_config(const std::string& name_or_path);
std::string default_config();
// The presets in `directory`: the stems of its *.yaml files, sorted; none when the directory cannot be read (a lookup
// that lists them after a miss must not fail on the listing).
std::vector<std::string> yaml_presets_in(const std::string& directory);
// Why a std::filesystem query (the error_code form) failed, as " (reason)" for a message; empty when it did not, or
// when the file is just not there (the message says that already). A name the file system refuses (too long, a
// symlink loop) gets its reason this way instead of an exception from std::filesystem.
std::string refusal_reason(const std::error_code& ec);

}  // namespace npuemu::config
