// The one error type of npuemu: a message a user can act on. The CLI prints it and exits non-zero.
#pragma once

#include <stdexcept>
#include <string>

namespace npuemu {

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace npuemu
