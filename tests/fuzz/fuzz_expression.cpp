// libFuzzer: sweep expressions, parsed and evaluated (every name is 3, so evaluation reaches every operator).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "cli/sweep/expression.h"
#include "model/common/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        const auto expression =
            npuemu::sweep::Expression::parse(std::string(reinterpret_cast<const char*>(data), size));
        expression.evaluate([](const std::string&) { return std::optional<double>(3.0); });
    } catch (const npuemu::Error&) {
    }
    return 0;
}
