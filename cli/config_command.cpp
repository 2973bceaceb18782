// npuemu config --list: the chip configuration's keys, from the blocks' key tables.
#include <iostream>

#include "cli/commands.h"
#include "model/config/config_list.h"

namespace npuemu::cli {

int config_command(const ConfigArguments& args) {
    const auto rows = config::list_chip_config_keys();
    std::cout << (args.markdown ? config::format_config_keys_markdown(rows) : config::format_config_keys_text(rows));
    return 0;
}

}  // namespace npuemu::cli
