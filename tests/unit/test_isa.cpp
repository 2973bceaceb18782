// The ISA is defined once (isa/npu_isa.yaml); these tests prove that the SDK and the model read it the same way.
#include <doctest/doctest.h>

#include <cstring>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "model/loader/elf_image.h"
#include "npu_isa_table.h"
#include "npuemu/npu_isa.h"  // the SDK header: its packing helpers are plain C, compiled here on the host

namespace isa = npuemu::npu::isa;

TEST_CASE("isa: every encoding decodes to its own instruction and nothing else collides") {
    std::set<uint32_t> seen;
    for (const auto& info : isa::kInstructions) {
        uint32_t word = info.opcode | (uint32_t(info.funct3) << 12);
        word |= info.r4 ? (uint32_t(info.funct) << 25) : (uint32_t(info.funct) << 25);
        const auto* decoded = isa::decode(word);
        REQUIRE(decoded != nullptr);
        CHECK(std::string(decoded->mnemonic) == info.mnemonic);
        CHECK(seen.insert(word).second);
    }
    CHECK(isa::decode(0x0000000B | (7u << 12) | (127u << 25)) == nullptr);  // custom-0 funct3 7: undefined
    CHECK(isa::decode(0x00000013) == nullptr);                              // addi: not an NPU opcode
}

TEST_CASE("isa: the code the cross compiler made from the SDK intrinsics decodes, in order, to every instruction") {
    const auto image = npuemu::loader::read_elf_file(std::string(NPUEMU_FIRMWARE_DIR) + "/isa_probe.elf");
    const auto probe = image.symbol("npu_isa_probe");
    REQUIRE(probe);
    const auto& code = image.segments.front();
    REQUIRE(*probe >= code.load_address);
    std::vector<std::string> decoded;
    for (uint32_t offset = *probe - code.load_address; offset + 4 <= code.data.size(); offset += 4) {
        uint32_t word;
        std::memcpy(&word, &code.data[offset], 4);
        if (word == 0x00008067) break;  // ret: end of the probe function
        if (!isa::is_npu_opcode(word & 0x7F)) continue;
        const auto* info = isa::decode(word);
        REQUIRE_MESSAGE(info, "undecodable NPU word " << word);
        decoded.push_back(info->mnemonic);
    }
    std::vector<std::string> expected;
    for (const auto& info : isa::kInstructions) expected.push_back(info.mnemonic);
    CHECK(decoded == expected);
}

TEST_CASE("isa: operands packed by the SDK unpack to the same values in the model") {
    std::mt19937 rng(42);
    for (int round = 0; round < 200; ++round) {
        const uint32_t v1 = rng(), v2 = rng(), v3 = rng();
        {
            const auto args = isa::unpack_mx_matmul(npu_mx_matmul_rs1(v1), npu_mx_matmul_rs2(v2), npu_mx_matmul_rs3(v3, v1 & 1));
            CHECK(args.act == v1);
            CHECK(args.acc == v2);
            CHECK(args.m == (v3 & 0xFFFF));
            CHECK(args.accumulate == (v1 & 1));
        }
        {
            const auto args = isa::unpack_mx_load_weights(npu_mx_load_weights_rs1(v1), npu_mx_load_weights_rs2(v2, v3, v1),
                                                          npu_mx_load_weights_rs3(v2));
            CHECK(args.weights == v1);
            CHECK(args.k == (v2 & 0xFFF));
            CHECK(args.n == (v3 & 0xFFF));
            CHECK(args.transpose == (v1 & 1));
            CHECK(args.stride == (v2 & 0xFFFFFF));
        }
        {
            const auto args = isa::unpack_dma_shape(npu_dma_shape_rs1(v1, v2), npu_dma_shape_rs2(v2, v3), 0);
            CHECK(args.row_bytes == (v1 & 0xFFFFFF));
            CHECK(args.transpose == (v2 & 3));
            CHECK(args.rows == (v2 & 0xFFFF));
            CHECK(args.planes == (v3 & 0xFFFF));
        }
        {
            const auto args = isa::unpack_vx_shape(npu_vx_shape_rs1(v1, v2), npu_vx_shape_rs2(v3, v1),
                                                   npu_vx_shape_rs3(v2, v3));
            CHECK(args.cols == (v1 & 0xFFFF));
            CHECK(args.rows == (v2 & 0xFFFF));
            CHECK(args.in_dtype == (v3 & 3));
            CHECK(args.out_dtype == (v1 & 3));
            CHECK(args.shift == (v2 & 0x3F));
            CHECK(args.zero_point == (v3 & 0xFF));
        }
        {
            const auto args = isa::unpack_signal(npu_signal_rs1(v1), npu_signal_rs2(v2), 0);
            CHECK(args.queue == (v1 & 3));
            CHECK(args.flag == (v2 & 31));
        }
    }
}

TEST_CASE("isa: register map and types agree between the SDK header and the model") {
    CHECK(NPU_STATUS_BASE == isa::npu_status::kBase);
    CHECK(NPU_STATUS_ARRAY_ROWS_OFFSET == isa::npu_status::kARRAY_ROWS);
    CHECK(NPU_STATUS_FLAG_BASE_OFFSET == isa::npu_status::kFLAG_BASE);
    CHECK(NPU_DTYPE_BF16 == static_cast<unsigned>(isa::Dtype::BF16));
    CHECK(NPU_QUEUE_VECTOR == static_cast<unsigned>(isa::Queue::VECTOR));
    CHECK(isa::dtype_bytes(NPU_DTYPE_FP32) == 4);
}
