#include "model/trace/vcd_writer.h"

#include "model/common/error.h"
#include "model/common/output_file.h"
#include "model/trace/scope_tree.h"

namespace npuemu::trace {

namespace {

std::string identifier(uint32_t index) {  // printable ASCII '!'..'~', base 94
    std::string code;
    do {
        code += static_cast<char>('!' + index % 94);
        index /= 94;
    } while (index);
    return code;
}

}  // namespace

VcdWriter::VcdWriter(const std::string& path) : path_(path), file_(std::fopen(path.c_str(), "w")) {
    if (!file_) throw Error(path + ": cannot write the trace file (does the directory exist, is it writable?)");
}

VcdWriter::~VcdWriter() {
    if (file_) std::fclose(file_);
}

void VcdWriter::begin(const std::vector<SignalInfo>& signals, const std::vector<TrackInfo>&) {
    std::fprintf(file_, "$version npuemu %s $end\n$timescale 1ps $end\n", NPUEMU_VERSION);
    codes_.resize(signals.size());
    widths_.resize(signals.size());
    walk_scopes(
        signals, [this](const std::string& name) { std::fprintf(file_, "$scope module %s $end\n", name.c_str()); },
        [this] { std::fprintf(file_, "$upscope $end\n"); },
        [&](uint32_t index, const std::string& leaf) {
            codes_[index] = identifier(index);
            widths_[index] = signals[index].is_real ? 0 : signals[index].width;
            if (signals[index].is_real) {
                std::fprintf(file_, "$var real 64 %s %s $end\n", codes_[index].c_str(), leaf.c_str());
            } else {
                std::fprintf(file_, "$var wire %u %s %s $end\n", signals[index].width, codes_[index].c_str(),
                             leaf.c_str());
            }
        });
    std::fprintf(file_, "$enddefinitions $end\n#0\n$dumpvars\n");
    for (uint32_t i = 0; i < codes_.size(); ++i) {
        if (widths_[i] == 0) std::fprintf(file_, "r0 %s\n", codes_[i].c_str());
        else if (widths_[i] == 1) std::fprintf(file_, "0%s\n", codes_[i].c_str());
        else std::fprintf(file_, "b0 %s\n", codes_[i].c_str());
    }
    std::fprintf(file_, "$end\n");
    current_time_ = 0;
}

void VcdWriter::at(uint64_t time_ps) {
    if (time_ps == current_time_) return;
    std::fprintf(file_, "#%llu\n", static_cast<unsigned long long>(time_ps));
    current_time_ = time_ps;
}

void VcdWriter::change(uint64_t time_ps, uint32_t signal, uint64_t bits) {
    at(time_ps);
    if (widths_[signal] == 1) {
        std::fprintf(file_, "%c%s\n", (bits & 1) ? '1' : '0', codes_[signal].c_str());
        return;
    }
    char binary[65];
    int length = 0;
    for (int bit = static_cast<int>(widths_[signal]) - 1; bit >= 0; --bit) {
        if (length == 0 && bit > 0 && !((bits >> bit) & 1)) continue;  // no leading zeros
        binary[length++] = ((bits >> bit) & 1) ? '1' : '0';
    }
    binary[length] = '\0';
    std::fprintf(file_, "b%s %s\n", binary, codes_[signal].c_str());
}

void VcdWriter::change_real(uint64_t time_ps, uint32_t signal, double value) {
    at(time_ps);
    std::fprintf(file_, "r%.17g %s\n", value, codes_[signal].c_str());
}

void VcdWriter::finish(uint64_t end_ps) {
    if (end_ps > current_time_) at(end_ps);
    if (std::fflush(file_) != 0 || std::ferror(file_)) throw OutputError(path_ + ": error while writing the trace");
}

}  // namespace npuemu::trace
