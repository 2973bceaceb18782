// doctest runner for the unit tests. SystemC's library wants an sc_main, so the runner lives there, entered the
// SystemC way (main -> sc_elab_and_sim -> sc_main).
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdlib>

#include <systemc>

#include "model/common/asan_suppressions.h"

int sc_main(int argc, char** argv) {
    doctest::Context context(argc, argv);
    return context.run();
}

int main(int argc, char** argv) {
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
    return sc_core::sc_elab_and_sim(argc, argv);
}
