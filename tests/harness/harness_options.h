// Command-line options of the host harnesses (gemm_check, conv2d_check, transformer_check): "--name value" pairs
// bound to variables, with one error message for an unknown option, a missing value or a value that is not a number.
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <map>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace harness {

class Options {
public:
    explicit Options(std::string program) : program_(std::move(program)) {}

    Options& add(const std::string& name, std::string& target) {
        setters_[name] = [&target](const std::string& value) { target = value; };
        return *this;
    }
    Options& add(const std::string& name, uint32_t& target) {
        setters_[name] = [this, name, &target](const std::string& value) {
            const unsigned long long parsed = parse_unsigned(name, value);
            if (parsed > UINT32_MAX) fail("value of " + name + " is larger than 4294967295: " + value);
            target = static_cast<uint32_t>(parsed);
        };
        return *this;
    }
    Options& add(const std::string& name, double& target) {
        setters_[name] = [this, name, &target](const std::string& value) {
            char* end = nullptr;
            errno = 0;
            target = std::strtod(value.c_str(), &end);
            if (value.empty() || *end != '\0' || errno == ERANGE) fail("value of " + name + " is not a number: " + value);
        };
        return *this;
    }
    // A repeatable option: each occurrence appends its value.
    Options& add(const std::string& name, std::vector<std::string>& target) {
        setters_[name] = [&target](const std::string& value) { target.push_back(value); };
        return *this;
    }

    // Throws std::invalid_argument naming the program and the offending option.
    void parse(int argc, char** argv) const {
        for (int i = 1; i < argc; i += 2) {
            const std::string name = argv[i];
            const auto setter = setters_.find(name);
            if (setter == setters_.end()) fail("unknown option " + name);
            if (i + 1 >= argc) fail("option " + name + " needs a value");
            setter->second(argv[i + 1]);
        }
    }

    // parse(), with its error written to `errors`: false when the command line is bad (the harness exits 2).
    bool parse_or_report(int argc, char** argv, std::ostream& errors) const {
        try {
            parse(argc, argv);
            return true;
        } catch (const std::invalid_argument& error) {
            errors << error.what() << "\n";
            return false;
        }
    }

private:
    [[noreturn]] void fail(const std::string& message) const { throw std::invalid_argument(program_ + ": " + message); }

    unsigned long long parse_unsigned(const std::string& name, const std::string& value) const {
        char* end = nullptr;
        errno = 0;
        const unsigned long long parsed = std::strtoull(value.c_str(), &end, 10);
        if (value.empty() || value[0] == '-' || *end != '\0' || errno == ERANGE)
            fail("value of " + name + " is not an unsigned integer: " + value);
        return parsed;
    }

    std::string program_;
    std::map<std::string, std::function<void(const std::string&)>> setters_;
};

}  // namespace harness
