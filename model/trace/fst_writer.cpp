#include "model/trace/fst_writer.h"

#include <cstdio>
#include <fstream>

#include "fstapi.h"
#include "model/common/error.h"
#include "model/common/output_file.h"
#include "model/trace/scope_tree.h"

namespace npuemu::trace {

namespace {

// An FST file is a chain of blocks: a type byte, then a big-endian 64-bit length (counting itself) and the data. A
// complete file is a header block, blocks that end exactly at the end of the file, a geometry and a hierarchy block.
bool is_complete_fst(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    in.seekg(0, std::ios::end);
    const uint64_t size = static_cast<uint64_t>(in.tellg());
    uint64_t pos = 0;
    bool header = false, geometry = false, hierarchy = false;
    while (in && pos < size) {
        unsigned char bytes[9];
        in.seekg(static_cast<std::streamoff>(pos));
        if (size - pos < 9 || !in.read(reinterpret_cast<char*>(bytes), 9)) return false;
        uint64_t length = 0;
        for (int i = 1; i < 9; ++i) length = (length << 8) | bytes[i];
        if (length < 8 || length > size - pos - 1) return false;
        header |= pos == 0 && bytes[0] == FST_BL_HDR;
        geometry |= bytes[0] == FST_BL_GEOM;
        hierarchy |= bytes[0] == FST_BL_HIER || bytes[0] == FST_BL_HIER_LZ4 || bytes[0] == FST_BL_HIER_LZ4DUO;
        pos += 1 + length;
    }
    return pos == size && header && geometry && hierarchy;
}

}  // namespace

FstWriter::FstWriter(const std::string& path) : path_(path) {
    // fstapi opens files by name and unlinks before it writes (it would replace a symlink or /dev/null with a regular
    // file), writes a PATH.hier side file, and ignores its write errors. So it writes a private file of a unique new
    // name; finish() checks it by reading it back and only then puts it in place.
    check_output_writable(path, "the trace file");
    temporary_ = reserve_output_temporary(path);
    context_ = fstWriterCreate(temporary_.c_str(), 1);
    if (!context_) {
        std::remove(temporary_.c_str());
        throw Error(path + ": cannot create the FST trace");
    }
    fstWriterSetTimescale(context_, -12);  // 1 ps
    fstWriterSetVersion(context_, "npuemu");
    // fstapi writes the wall-clock date into the header; a fixed one keeps traces of the same run byte-identical.
    fstWriterSetDate(context_, "Thu Jan  1 00:00:00 1970\n");
}

FstWriter::~FstWriter() {
    if (!context_) return;
    // Not finished (an error ended the run early): leave no partial trace and no side file behind.
    fstWriterClose(context_);
    std::remove(temporary_.c_str());
    std::remove((temporary_ + ".hier").c_str());
}

void FstWriter::begin(const std::vector<SignalInfo>& signals, const std::vector<TrackInfo>&) {
    handles_.resize(signals.size());
    widths_.resize(signals.size());
    walk_scopes(
        signals, [this](const std::string& name) { fstWriterSetScope(context_, FST_ST_VCD_MODULE, name.c_str(), nullptr); },
        [this] { fstWriterSetUpscope(context_); },
        [&](uint32_t index, const std::string& leaf) {
            widths_[index] = signals[index].is_real ? 0 : signals[index].width;
            handles_[index] = signals[index].is_real
                                  ? fstWriterCreateVar(context_, FST_VT_VCD_REAL, FST_VD_IMPLICIT, 64, leaf.c_str(), 0)
                                  : fstWriterCreateVar(context_, FST_VT_VCD_WIRE, FST_VD_IMPLICIT, signals[index].width,
                                                       leaf.c_str(), 0);
        });
    at(0);
    for (uint32_t i = 0; i < handles_.size(); ++i) {
        if (widths_[i] == 0) change_real(0, i, 0.0);
        else change(0, i, 0);
    }
}

void FstWriter::at(uint64_t time_ps) {
    if (time_ps == current_time_) return;
    fstWriterEmitTimeChange(context_, time_ps);
    current_time_ = time_ps;
}

void FstWriter::change(uint64_t time_ps, uint32_t signal, uint64_t bits) {
    at(time_ps);
    char text[65];
    const unsigned width = widths_[signal];
    for (unsigned bit = 0; bit < width; ++bit) text[bit] = ((bits >> (width - 1 - bit)) & 1) ? '1' : '0';
    text[width] = '\0';
    fstWriterEmitValueChange(context_, handles_[signal], text);
}

void FstWriter::change_real(uint64_t time_ps, uint32_t signal, double value) {
    at(time_ps);
    fstWriterEmitValueChange(context_, handles_[signal], &value);
}

void FstWriter::finish(uint64_t end_ps) {
    if (end_ps > current_time_) at(end_ps);
    fstWriterClose(context_);
    context_ = nullptr;
    std::remove((temporary_ + ".hier").c_str());  // fstapi removes it when all goes well
    // fstapi does not report failed writes (a full disk), and its reader crashes on a truncated file: check the
    // block structure instead (fstapi writes the geometry and hierarchy blocks last).
    if (!is_complete_fst(temporary_)) {
        std::remove(temporary_.c_str());
        throw OutputError(path_ + ": error while writing the FST trace (the file system is full, or the file could "
                                  "not be written)");
    }
    install_output_file(temporary_, path_);
}

}  // namespace npuemu::trace
