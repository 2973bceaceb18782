// The register-block loop the row-blocked matmul kernels share (matmul_kernels.cpp, matmul_kernels_x86.cpp): blocks of
// kBlockRows activation rows x kBlockColumns result columns, each block's sums stored (or accumulated) row by row.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "model/npu/matmul_kernels.h"

namespace npuemu::npu::matmul_blocks {

constexpr uint32_t kBlockRows = 4;
constexpr uint32_t kBlockColumns = 16;

template <class Sum>
[[gnu::always_inline]] inline void store_row(uint8_t* c_row, const Sum* sums, uint32_t columns, bool accumulate) {
    if (!accumulate) {
        std::memcpy(c_row, sums, 4 * columns);
        return;
    }
    for (uint32_t j = 0; j < columns; ++j) {
        Sum old;
        std::memcpy(&old, c_row + 4 * j, 4);
        const Sum value = old + sums[j];  // FP32: the accumulator's value plus the column's result
        std::memcpy(c_row + 4 * j, &value, 4);
    }
}

// For each block of kBlockRows rows: rows_of(i, rows) prepares its operands, then block(j0, sums) computes each
// column block, stored (or accumulated) into the rows' results.
template <class Sum, class RowsOf, class Block>
[[gnu::always_inline]] inline void for_each_block(const MatmulShape& s, uint8_t* acc, RowsOf&& rows_of, Block&& block) {
    Sum sums[kBlockRows][kBlockColumns];
    for (uint32_t i = 0; i < s.m; i += kBlockRows) {
        const uint32_t rows = std::min(kBlockRows, s.m - i);
        rows_of(i, rows);
        for (uint32_t j0 = 0; j0 < s.n; j0 += kBlockColumns) {
            block(j0, sums);
            const uint32_t columns = std::min(kBlockColumns, s.n - j0);
            for (uint32_t r = 0; r < rows; ++r)
                store_row(acc + (i + r) * s.acc_stride_bytes + 4 * j0, sums[r], columns, s.accumulate);
        }
    }
}

}  // namespace npuemu::npu::matmul_blocks
