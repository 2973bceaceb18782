// The DMA engine's transposer: the element shuffle of a transposing copy (dma.shape's `transpose` field). Kept apart
// from the engine so it can be tested on host memory.
#pragma once

#include <cstdint>
#include <vector>

namespace npuemu::npu {

// Element sizes the transposer takes (dma.shape's `transpose` field is the size in bytes; 0: a plain copy).
inline bool transpose_element_supported(uint32_t element_bytes) { return element_bytes == 1 || element_bytes == 2; }

// Moves a block of src_rows.size() rows x dst_rows.size() elements of element_bytes each, transposed: element c of
// source row r lands at element r of destination row c (each destination row holds src_rows.size() elements). The
// source is read whole into `staging` before anything is written, so overlapping blocks give a defined result.
void transpose_block(const std::vector<const uint8_t*>& src_rows, const std::vector<uint8_t*>& dst_rows,
                     uint32_t element_bytes, std::vector<uint8_t>& staging);

}  // namespace npuemu::npu
