// npuemu: parse the command line, hand over to a subcommand, turn every npuemu::Error into one line and an exit code.
#include <cstdlib>
#include <iostream>

#include <systemc>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "model/common/error.h"

// SystemC's way in: main() hands over to sc_elab_and_sim(), which sets up the kernel and calls sc_main().
int main(int argc, char** argv) {
    // SystemC prints a banner when the first module is made; a tool's output should be its own.
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
    return sc_core::sc_elab_and_sim(argc, argv);
}

int sc_main(int argc, char** argv) {
    CLI::App app{"npuemu: a cycle-approximate emulator of a 7nm-class NPU chip"};
    app.set_version_flag("--version", std::string("npuemu ") + NPUEMU_VERSION);
    app.require_subcommand(1);

    npuemu::cli::RunArguments run_args;
    npuemu::cli::InfoArguments info_args;
    npuemu::cli::add_run_command(app, run_args);
    npuemu::cli::add_info_command(app, info_args);
    npuemu::cli::SweepArguments sweep_args;
    npuemu::cli::add_sweep_command(app, sweep_args);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? 0 : npuemu::cli::kExitBadInput;
    }
    try {
        if (app.got_subcommand("run")) return npuemu::cli::run_command(run_args);
        if (app.got_subcommand("info")) return npuemu::cli::info_command(info_args);
        if (app.got_subcommand("sweep")) return npuemu::cli::sweep_command(sweep_args);
    } catch (const npuemu::Error& e) {
        std::cerr << "npuemu: error: " << e.what() << std::endl;
        return npuemu::cli::kExitBadInput;
    }
    return npuemu::cli::kExitBadInput;
}
