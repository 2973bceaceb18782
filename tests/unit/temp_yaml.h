// A YAML file in the temporary directory with the given text, removed at the end of the test. A unique name:
// ctest runs the test cases of one binary in parallel processes.
#pragma once

#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace npuemu::test {

class TempYaml {
public:
    explicit TempYaml(const std::string& text) {
        char name[] = "/tmp/npuemu_test_XXXXXX.yaml";
        const int fd = mkstemps(name, 5);
        REQUIRE(fd >= 0);
        close(fd);
        path_ = name;
        std::ofstream(path_) << text;
    }
    ~TempYaml() { std::remove(path_.c_str()); }
    TempYaml(const TempYaml&) = delete;
    TempYaml& operator=(const TempYaml&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

}  // namespace npuemu::test
