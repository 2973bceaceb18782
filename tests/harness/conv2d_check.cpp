// conv2d_check: runs firmware/conv2d on random tensors and checks every output bit for bit.
//   conv2d_check --npuemu BIN --image conv2d.elf [--config test] [--array-rows 16] [--dtype int8|bf16]
//                [--h H --w W --cin C --cout C --kh K --kw K --stride S --pad P] [--seed S] [--workdir DIR]
// INT8: an independent direct convolution (exact). BF16: the documented arithmetic of the GEMM the kernel runs on
// its im2col matrix (k in (ky, kx, ci) order, chunks of array-rows summed from +0.0 in FP32, chunks added in FP32);
// padded taps contribute zero products, which never change an FP32 sum that started at +0.0.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "firmware/conv2d/conv2d_job.h"
#include "tests/harness/harness_options.h"
#include "tests/harness/harness_util.h"

namespace {

using harness::align_64k;
using harness::bf16_to_float;
using harness::hex;
using harness::write_file;


}  // namespace

int main(int argc, char** argv) {
    std::string npuemu, image, config = "test", workdir = ".", dtype = "int8";
    uint32_t h = 8, w = 8, cin = 4, cout = 8, kh = 3, kw = 3, stride = 1, pad = 1, seed = 1, chunk = 16;
    harness::Options options("conv2d_check");
    options.add("--npuemu", npuemu).add("--image", image).add("--config", config).add("--workdir", workdir)
        .add("--dtype", dtype).add("--h", h).add("--w", w).add("--cin", cin).add("--cout", cout).add("--kh", kh)
        .add("--kw", kw).add("--stride", stride).add("--pad", pad).add("--seed", seed).add("--array-rows", chunk);
    if (!options.parse_or_report(argc, argv, std::cerr)) return 2;
    if (npuemu.empty() || image.empty() || (dtype != "int8" && dtype != "bf16") || h + 2 * pad < kh || w + 2 * pad < kw) {
        std::cerr << "usage: conv2d_check --npuemu BIN --image conv2d.elf [--dtype int8|bf16] [shape options]\n";
        return 2;
    }
    const bool bf16 = dtype == "bf16";
    const uint32_t e = bf16 ? 2 : 1;
    const uint32_t oh = (h + 2 * pad - kh) / stride + 1, ow = (w + 2 * pad - kw) / stride + 1, k = kh * kw * cin;
    std::mt19937 rng(seed);
    auto random_tensor = [&](size_t count) {
        std::vector<uint8_t> data(count * e);
        if (!bf16) { for (auto& b : data) b = static_cast<uint8_t>(rng()); return data; }
        std::uniform_int_distribution<int> mantissa(-127, 127), exponent(-5, 2);
        for (size_t i = 0; i < count; ++i) {
            const float v = std::ldexp(mantissa(rng) / 128.0f, exponent(rng));
            uint32_t word;
            std::memcpy(&word, &v, 4);
            const uint16_t bits = static_cast<uint16_t>(word >> 16);
            std::memcpy(&data[2 * i], &bits, 2);
        }
        return data;
    };
    const std::vector<uint8_t> input = random_tensor(size_t(h) * w * cin), filters = random_tensor(size_t(k) * cout);

    conv2d_job job{};
    job.magic = CONV2D_JOB_MAGIC;
    job.input = 0x82000000u;
    job.filters = align_64k(job.input + uint32_t(input.size()));
    job.output = align_64k(job.filters + uint32_t(filters.size()));
    job.im2col = align_64k(job.output + oh * ow * cout * 4);
    job.zeros = align_64k(job.im2col + oh * ow * k * e);
    job.h = h; job.w = w; job.cin = cin; job.cout = cout; job.kh = kh; job.kw = kw; job.stride = stride; job.pad = pad;
    job.dtype = bf16 ? 1 : 0;
    const std::string dir = workdir + "/";
    std::vector<uint8_t> job_bytes(sizeof job);
    std::memcpy(job_bytes.data(), &job, sizeof job);
    write_file(dir + "job.bin", job_bytes);
    write_file(dir + "input.bin", input);
    write_file(dir + "filters.bin", filters);
    // Global memory starts zeroed, which would hide an im2col padding tap or an output the kernel never writes: start
    // both regions from a pattern that is large as INT8 (71) and as BF16 (0x4747 = 50944).
    write_file(dir + "im2col_junk.bin", std::vector<uint8_t>(size_t(oh) * ow * k * e, 0x47));
    write_file(dir + "output_junk.bin", std::vector<uint8_t>(size_t(oh) * ow * cout * 4, 0x47));
    std::ostringstream command;
    command << npuemu << " run -q -c " << config << " --load " << dir << "job.bin@" << hex(CONV2D_JOB_ADDRESS)
            << " --load " << dir << "input.bin@" << hex(job.input) << " --load " << dir << "filters.bin@"
            << hex(job.filters) << " --load " << dir << "im2col_junk.bin@" << hex(job.im2col) << " --load " << dir
            << "output_junk.bin@" << hex(job.output) << " --dump " << hex(job.output) << ":" << oh * ow * cout * 4
            << ":" << dir << "out.bin " << image << " > " << dir << "console.txt";
    if (std::system(command.str().c_str()) != 0) {
        std::cerr << "FAIL: npuemu failed: " << command.str() << "\n";
        return 1;
    }
    std::ifstream console(dir + "console.txt");
    for (std::string line; std::getline(console, line);) std::cout << line << "\n";
    std::ifstream in(dir + "out.bin", std::ios::binary);
    std::vector<uint32_t> actual(size_t(oh) * ow * cout);
    in.read(reinterpret_cast<char*>(actual.data()), static_cast<std::streamsize>(actual.size() * 4));

    auto tap = [&](uint32_t oy, uint32_t ox, uint32_t kk, bool& inside) {  // im2col element (k in (ky, kx, ci) order)
        const uint32_t ky = kk / (kw * cin), kx = kk / cin % kw, ci = kk % cin;
        const int32_t iy = int32_t(oy * stride + ky) - int32_t(pad), ix = int32_t(ox * stride + kx) - int32_t(pad);
        inside = iy >= 0 && ix >= 0 && iy < int32_t(h) && ix < int32_t(w);
        return inside ? (size_t(iy) * w + size_t(ix)) * cin + ci : 0;
    };
    size_t mismatches = 0;
    for (uint32_t oy = 0; oy < oh; ++oy) {
        for (uint32_t ox = 0; ox < ow; ++ox) {
            for (uint32_t co = 0; co < cout; ++co) {
                uint32_t expected;
                if (!bf16) {
                    int32_t sum = 0;
                    for (uint32_t ky = 0; ky < kh; ++ky)
                        for (uint32_t kx = 0; kx < kw; ++kx) {
                            const int32_t iy = int32_t(oy * stride + ky) - int32_t(pad);
                            const int32_t ix = int32_t(ox * stride + kx) - int32_t(pad);
                            if (iy < 0 || ix < 0 || iy >= int32_t(h) || ix >= int32_t(w)) continue;
                            for (uint32_t ci = 0; ci < cin; ++ci) {
                                sum += int8_t(input[(size_t(iy) * w + ix) * cin + ci]) *
                                       int8_t(filters[(size_t(ky * kw + kx) * cin + ci) * cout + co]);
                            }
                        }
                    expected = static_cast<uint32_t>(sum);
                } else {
                    float result = 0.0f;
                    for (uint32_t k0 = 0; k0 < k; k0 += chunk) {
                        float column = 0.0f;
                        for (uint32_t kk = k0; kk < std::min(k, k0 + chunk); ++kk) {
                            bool inside;
                            const size_t at = tap(oy, ox, kk, inside);
                            uint16_t x = 0, f;
                            if (inside) std::memcpy(&x, &input[at * 2], 2);
                            std::memcpy(&f, &filters[(size_t(kk) * cout + co) * 2], 2);
                            column += bf16_to_float(x) * bf16_to_float(f);
                        }
                        result = k0 == 0 ? column : result + column;
                    }
                    std::memcpy(&expected, &result, 4);
                }
                const uint32_t got = actual[(size_t(oy) * ow + ox) * cout + co];
                if (got != expected) {
                    if (mismatches < 5) {
                        std::cerr << "out[" << oy << "][" << ox << "][" << co << "] = " << hex(got) << ", expected "
                                  << hex(expected) << "\n";
                    }
                    ++mismatches;
                }
            }
        }
    }
    if (mismatches) {
        std::cerr << "FAIL: " << mismatches << " of " << actual.size() << " outputs differ\n";
        return 1;
    }
    std::cout << "ok: conv2d " << h << "x" << w << "x" << cin << " -> " << oh << "x" << ow << "x" << cout << " (" << kh
              << "x" << kw << ", stride " << stride << ", pad " << pad << ") " << dtype << ": all " << actual.size()
              << " outputs equal the host reference bit for bit\n";
    return 0;
}
