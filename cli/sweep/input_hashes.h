// Content hashes of the files a sweep's points read, for their ids (a rebuilt image or an edited config makes new
// points): FNV-1a, 64 bits, each file read once however many points use it.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace npuemu::sweep {

uint64_t fnv1a(const std::string& text);

class InputHashes {
public:
    // The hash of the file at path; label and what name it in the error when it cannot be read.
    uint64_t of(const std::string& path, const std::string& label, const std::string& what);

private:
    std::map<std::string, uint64_t> hashes_;
};

}  // namespace npuemu::sweep
