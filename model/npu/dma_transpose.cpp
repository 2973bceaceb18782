#include "model/npu/dma_transpose.h"

#include <cstring>

namespace npuemu::npu {

void transpose_block(const std::vector<const uint8_t*>& src_rows, const std::vector<uint8_t*>& dst_rows,
                     uint32_t element_bytes, std::vector<uint8_t>& staging) {
    const size_t rows = src_rows.size(), cols = dst_rows.size(), row_bytes = cols * element_bytes;
    staging.resize(rows * row_bytes);
    for (size_t r = 0; r < rows; ++r) std::memcpy(&staging[r * row_bytes], src_rows[r], row_bytes);
    for (size_t c = 0; c < cols; ++c) {
        uint8_t* to = dst_rows[c];
        const uint8_t* from = &staging[c * element_bytes];
        for (size_t r = 0; r < rows; ++r) std::memcpy(to + r * element_bytes, from + r * row_bytes, element_bytes);
    }
}

}  // namespace npuemu::npu
