#include "model/common/register_bank.h"

#include "model/common/error.h"

namespace npuemu {

namespace {

bool readable(RegisterAccess access) { return access != RegisterAccess::WriteOnly; }
bool writable(RegisterAccess access) { return access != RegisterAccess::ReadOnly; }

}  // namespace

RegisterBank::RegisterBank(std::string map, const RegisterInfo* table, size_t registers) : map_(std::move(map)) {
    for (size_t r = 0; r < registers; ++r) {
        const RegisterInfo& info = table[r];
        if ((info.width_bytes != 4 && info.width_bytes != 8) || info.offset % info.width_bytes ||
            (info.count > 1 && info.stride < info.width_bytes)) {
            throw Error("internal: register " + map_ + "." + info.name + " has an unusable width, offset or stride");
        }
        slots_.push_back(Slot{&info, info.count, {}, {}});
    }
}

RegisterBank::Slot& RegisterBank::slot(unsigned reg) {
    if (reg >= slots_.size()) throw Error("internal: register map " + map_ + " has no register " + std::to_string(reg));
    return slots_[reg];
}

void RegisterBank::bind_read(unsigned reg, Reader reader) {
    Slot& s = slot(reg);
    if (!readable(s.info->access)) {
        throw Error(std::string("internal: register ") + map_ + "." + s.info->name + " is write-only");
    }
    s.reader = std::move(reader);
}

void RegisterBank::bind_write(unsigned reg, Writer writer) {
    Slot& s = slot(reg);
    if (!writable(s.info->access)) {
        throw Error(std::string("internal: register ") + map_ + "." + s.info->name + " is read-only");
    }
    s.writer = std::move(writer);
}

void RegisterBank::limit(unsigned reg, unsigned count) {
    Slot& s = slot(reg);
    s.instances = std::min(count, s.info->count);
}

void RegisterBank::check_complete() const {
    for (const Slot& s : slots_) {
        if (readable(s.info->access) && !s.reader) {
            throw Error(std::string("internal: register ") + map_ + "." + s.info->name + " has no reader");
        }
        if (writable(s.info->access) && !s.writer) {
            throw Error(std::string("internal: register ") + map_ + "." + s.info->name + " has no writer");
        }
    }
}

const RegisterBank::Slot* RegisterBank::find(uint64_t offset, unsigned size, unsigned& index,
                                             unsigned& byte_offset) const {
    if ((size != 4 && size != 8) || offset % size) return nullptr;
    for (const Slot& s : slots_) {
        const RegisterInfo& info = *s.info;
        if (offset < info.offset) continue;
        const uint64_t relative = offset - info.offset;
        const uint64_t stride = info.count > 1 ? info.stride : info.width_bytes;
        const uint64_t instance = relative / stride;
        const uint64_t inside = relative % stride;
        if (instance >= s.instances || inside + size > info.width_bytes) continue;
        index = static_cast<unsigned>(instance);
        byte_offset = static_cast<unsigned>(inside);
        return &s;
    }
    return nullptr;
}

bool RegisterBank::read(uint64_t offset, unsigned size, uint64_t& value, int64_t hart) const {
    unsigned index = 0, byte_offset = 0;
    const Slot* s = find(offset, size, index, byte_offset);
    if (!s || !readable(s->info->access) || !s->reader) return false;
    const uint64_t whole = s->reader(index, hart);
    value = size == 8 ? whole : (whole >> (8 * byte_offset)) & 0xFFFFFFFFull;
    return true;
}

bool RegisterBank::write(uint64_t offset, unsigned size, uint64_t value, int64_t hart) {
    unsigned index = 0, byte_offset = 0;
    const Slot* s = find(offset, size, index, byte_offset);
    if (!s || !writable(s->info->access) || !s->writer) return false;
    uint64_t whole = value;
    if (size < s->info->width_bytes) {
        // Half of an 8-byte register: the other half keeps its value.
        const uint64_t current = s->reader ? s->reader(index, hart) : 0;
        const unsigned shift = 8 * byte_offset;
        whole = (current & ~(0xFFFFFFFFull << shift)) | ((value & 0xFFFFFFFFull) << shift);
    }
    return s->writer(index, whole, hart);
}

}  // namespace npuemu
