// gemm_check: runs firmware/gemm on random matrices and checks C exactly against a host reference.
//   gemm_check --npuemu BIN --image gemm.elf --config test --m 100 --n 70 --k 50 --dtype int8|bf16
//              [--seed S] [--array-rows R] [--workdir DIR] [--set KEY=VALUE]... [--min-utilization PERCENT]
//              [--max-utilization PERCENT] [--min-dma-bytes-per-cycle-per-tile B]
//              [--kernel gemm|gemv] [--b-transposed 0|1] [--clock-mhz MHZ] [--min-hbm-percent PERCENT]
//              [--legacy-job 1] [--a-transposed 0|1]
// --kernel gemv runs npu_gemv (the decode kernel) through the job's kernel field; --b-transposed stores B as its
// transpose (n x k) for the kernel (the reference is the same), --a-transposed A as its transpose (k x m: the DMA's
// transposer brings it in); --min-hbm-percent fails the check when the HBM's read
// bytes over the kernel's cycles (hbm.read_bytes of the stats, the whole run's) are below that share of its peak.
// The reference is written independently of the model: INT8 is exact INT32 arithmetic; BF16 follows the documented
// rounding (each array-row chunk of k summed from +0.0 in k order in FP32, chunk results added to the accumulator
// in FP32; the kernel chunks k by the array's rows, so --array-rows must match the chip).
#include <cmath>
#include <cstddef>
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

#include <nlohmann/json.hpp>

#include "firmware/gemm/gemm_job.h"
#include "tests/harness/harness_options.h"
#include "tests/harness/harness_util.h"

namespace {

using harness::align_64k;
using harness::bf16_to_float;
using harness::hex;
using harness::read_file;
using harness::write_file;

struct Options {
    std::string npuemu, image, config = "test", workdir = ".", dtype = "int8", kernel = "gemm";
    uint32_t b_transposed = 0, a_transposed = 0, legacy_job = 0;
    double min_hbm_percent = -1;
    uint32_t m = 64, n = 64, k = 64, seed = 1, array_rows = 16, repeat = 1;
    double clock_mhz = 1000;
    double min_utilization = -1, max_utilization = -1, min_dma_bytes_per_cycle_per_tile = -1;
    std::vector<std::string> sets;
};


}  // namespace

int main(int argc, char** argv) {
    Options o;
    harness::Options options("gemm_check");
    options.add("--npuemu", o.npuemu)
        .add("--image", o.image)
        .add("--config", o.config)
        .add("--workdir", o.workdir)
        .add("--dtype", o.dtype)
        .add("--m", o.m)
        .add("--n", o.n)
        .add("--k", o.k)
        .add("--seed", o.seed)
        .add("--array-rows", o.array_rows)
        .add("--min-utilization", o.min_utilization)
        .add("--max-utilization", o.max_utilization)
        .add("--min-dma-bytes-per-cycle-per-tile", o.min_dma_bytes_per_cycle_per_tile)
        .add("--set", o.sets)
        .add("--repeat", o.repeat)
        .add("--kernel", o.kernel)
        .add("--b-transposed", o.b_transposed)
        .add("--min-hbm-percent", o.min_hbm_percent)
        .add("--clock-mhz", o.clock_mhz)
        .add("--legacy-job", o.legacy_job)
        .add("--a-transposed", o.a_transposed);
    if (!options.parse_or_report(argc, argv, std::cerr)) return 2;
    if (o.npuemu.empty() || o.image.empty() || (o.dtype != "int8" && o.dtype != "bf16") ||
        (o.kernel != "gemm" && o.kernel != "gemv")) {
        std::cerr << "usage: gemm_check --npuemu BIN --image gemm.elf [--dtype int8|bf16] [--m M --n N --k K] ...\n";
        return 2;
    }
    const bool bf16 = o.dtype == "bf16";
    const uint32_t elem = bf16 ? 2 : 1;
    std::mt19937 rng(o.seed);
    std::vector<uint8_t> a(size_t(o.m) * o.k * elem), b(size_t(o.k) * o.n * elem);
    auto fill = [&](std::vector<uint8_t>& data) {
        if (!bf16) {
            for (auto& byte : data) byte = static_cast<uint8_t>(rng());
            return;
        }
        std::uniform_int_distribution<int> mantissa(-127, 127);
        std::uniform_int_distribution<int> exponent(-6, 2);
        for (size_t i = 0; i < data.size() / 2; ++i) {
            const float value = std::ldexp(static_cast<float>(mantissa(rng)) / 128.0f, exponent(rng));
            uint32_t word;
            std::memcpy(&word, &value, 4);
            const uint16_t bits = static_cast<uint16_t>(word >> 16);  // exact: 8 significant bits at most
            std::memcpy(&data[2 * i], &bits, 2);
        }
    };
    fill(a);
    fill(b);

    gemm_job job{GEMM_JOB_MAGIC,
                 o.m,
                 o.n,
                 o.k,
                 bf16 ? 1u : 0u,
                 0x82000000u,
                 0,
                 0,
                 o.repeat,
                 o.kernel == "gemv" ? GEMM_KERNEL_GEMV : GEMM_KERNEL_GEMM,
                 o.b_transposed ? 1u : 0u,
                 o.a_transposed ? 1u : 0u};
    job.b = align_64k(job.a + uint32_t(a.size()));
    job.c = align_64k(job.b + uint32_t(b.size()));
    const uint32_t c_bytes = o.m * o.n * 4;
    const std::string dir = o.workdir + "/";
    // --legacy-job 1: the job block as it was before the kernel and b_transposed fields (36 bytes), which firmware
    // must still run as an npu_gemm job.
    if (o.legacy_job && (o.kernel != "gemm" || o.b_transposed || o.a_transposed)) {
        std::cerr << "gemm_check: --legacy-job has no kernel or b_transposed fields\n";
        return 2;
    }
    write_file(dir + "job.bin", &job, o.legacy_job ? offsetof(gemm_job, kernel) : sizeof job);
    // Stored transposed, an operand is written as its transpose; the reference below still reads a as m x k, b as k x n.
    const auto transpose = [elem](const std::vector<uint8_t>& data, uint32_t rows, uint32_t cols) {
        std::vector<uint8_t> t(data.size());
        for (uint32_t r = 0; r < rows; ++r) {
            for (uint32_t c = 0; c < cols; ++c) {
                std::memcpy(&t[(size_t(c) * rows + r) * elem], &data[(size_t(r) * cols + c) * elem], elem);
            }
        }
        return t;
    };
    if (o.a_transposed)
        write_file(dir + "a.bin", transpose(a, o.m, o.k).data(), a.size());
    else
        write_file(dir + "a.bin", a.data(), a.size());
    if (o.b_transposed) {
        write_file(dir + "b.bin", transpose(b, o.k, o.n).data(), b.size());
    } else {
        write_file(dir + "b.bin", b.data(), b.size());
    }

    std::ostringstream command;
    command << o.npuemu << " run -q -c " << o.config << " --max-cycles 2000000000";
    // A value may hold spaces or brackets (hbm.address_hash=[channels, banks]): single-quote it for the shell.
    for (const auto& set : o.sets) {
        command << " --set '";
        for (char c : set) command << (c == '\'' ? std::string("'\\''") : std::string(1, c));
        command << "'";
    }
    command << " --load " << dir << "job.bin@" << hex(GEMM_JOB_ADDRESS) << " --load " << dir << "a.bin@" << hex(job.a)
            << " --load " << dir << "b.bin@" << hex(job.b) << " --dump " << hex(job.c) << ":" << c_bytes << ":" << dir
            << "c.bin --stats " << dir << "stats.json " << o.image << " > " << dir << "console.txt";
    const int status = std::system(command.str().c_str());
    std::ifstream console(dir + "console.txt");
    std::string line, report;
    std::string hbm_report;
    while (std::getline(console, line)) {
        if (line.find("utilisation") != std::string::npos) report = line;
        if (line.find("HBM reads") != std::string::npos) hbm_report = line;
    }
    if (status != 0) {
        std::cerr << "FAIL: npuemu exited with status " << status << ": " << command.str() << "\n";
        return 1;
    }
    const std::vector<uint8_t> c = read_file(dir + "c.bin");

    // The reference, a row of C at a time (k outer, j inner: the same operations per element, in the same order,
    // as the per-element formulation, but fast enough for large checks).
    uint64_t mismatches = 0;
    std::vector<int32_t> row_int(o.n);
    std::vector<float> row_acc(o.n), row_column(o.n), b_float(bf16 ? size_t(o.k) * o.n : 0);
    for (size_t idx = 0; idx < b_float.size(); ++idx) {
        uint16_t y;
        std::memcpy(&y, &b[idx * 2], 2);
        b_float[idx] = bf16_to_float(y);
    }
    for (uint32_t i = 0; i < o.m; ++i) {
        if (!bf16) {
            std::fill(row_int.begin(), row_int.end(), 0);
            for (uint32_t kk = 0; kk < o.k; ++kk) {
                const int32_t x = int8_t(a[size_t(i) * o.k + kk]);
                const int8_t* b_row = reinterpret_cast<const int8_t*>(&b[size_t(kk) * o.n]);
                for (uint32_t j = 0; j < o.n; ++j) row_int[j] += x * b_row[j];  // no overflow at these sizes
            }
        } else {
            for (uint32_t k0 = 0; k0 < o.k; k0 += o.array_rows) {
                std::fill(row_column.begin(), row_column.end(), 0.0f);
                for (uint32_t kk = k0; kk < std::min(o.k, k0 + o.array_rows); ++kk) {
                    uint16_t x;
                    std::memcpy(&x, &a[(size_t(i) * o.k + kk) * 2], 2);
                    const float xf = bf16_to_float(x);
                    const float* b_row = &b_float[size_t(kk) * o.n];
                    for (uint32_t j = 0; j < o.n; ++j) row_column[j] += xf * b_row[j];
                }
                for (uint32_t j = 0; j < o.n; ++j) row_acc[j] = k0 == 0 ? row_column[j] : row_acc[j] + row_column[j];
            }
        }
        for (uint32_t j = 0; j < o.n; ++j) {
            uint32_t expected_bits;
            if (!bf16) expected_bits = static_cast<uint32_t>(row_int[j]);
            else std::memcpy(&expected_bits, &row_acc[j], 4);
            uint32_t actual_bits;
            std::memcpy(&actual_bits, &c[(size_t(i) * o.n + j) * 4], 4);
            if (actual_bits != expected_bits) {
                if (mismatches < 5) {
                    std::cerr << "C[" << i << "][" << j << "] = " << hex(actual_bits) << ", expected " << hex(expected_bits)
                              << "\n";
                }
                ++mismatches;
            }
        }
    }
    // Achieved DMA bandwidth over the kernel, from the stats (all tiles' DMA bytes) and the kernel's cycles.
    const nlohmann::json stats = nlohmann::json::parse(std::ifstream(dir + "stats.json"));
    uint64_t dma_bytes = 0, tiles = 0;
    const auto counter = [&](const char* name) {
        const auto& counters = stats["counters"];
        return counters.contains(name) ? counters[name].get<double>() : 0.0;
    };
    const double hbm_read_bytes = counter("hbm.read_bytes"), hbm_peak_gbps = counter("hbm.peak_gbps");
    for (const auto& [name, value] : stats["counters"].items()) {
        if (name.size() > 10 && name.compare(name.size() - 10, 10, ".dma.bytes") == 0) {
            dma_bytes += value.get<uint64_t>();
            ++tiles;
        }
    }
    const auto cycles_at = report.find(": ");
    const double kernel_cycles = cycles_at == std::string::npos ? 0 : std::stod(report.substr(cycles_at + 2));
    const double bytes_per_cycle = kernel_cycles > 0 ? dma_bytes / kernel_cycles : 0;
    std::cout << report << "\n";
    if (!hbm_report.empty()) std::cout << hbm_report << "\n";
    // The HBM's reads over the kernel's cycles (the core clock's: clock_mhz from the stats), against its peak.
    const double clock_mhz = counter("chip.clock_mhz") > 0 ? counter("chip.clock_mhz") : o.clock_mhz;
    const double hbm_peak_per_cycle = hbm_peak_gbps * 1000.0 / clock_mhz;
    const double hbm_percent = kernel_cycles > 0 && hbm_peak_per_cycle > 0
                                   ? 100.0 * hbm_read_bytes / kernel_cycles / hbm_peak_per_cycle : 0;
    std::printf("HBM read %.0f bytes: %.1f bytes/cycle over the kernel, %.1f%% of the %.1f bytes/cycle peak\n",
                hbm_read_bytes, kernel_cycles > 0 ? hbm_read_bytes / kernel_cycles : 0.0, hbm_percent,
                hbm_peak_per_cycle);
    std::printf("DMA moved %llu bytes: %.1f bytes/cycle over the kernel (%.1f per tile)\n",
                static_cast<unsigned long long>(dma_bytes), bytes_per_cycle, tiles ? bytes_per_cycle / tiles : 0.0);
    if (mismatches) {
        std::cerr << "FAIL: " << mismatches << " of " << uint64_t(o.m) * o.n << " elements differ\n";
        return 1;
    }
    std::cout << "ok: " << o.m << "x" << o.n << "x" << o.k << " " << o.dtype << ": all " << uint64_t(o.m) * o.n
              << " elements equal the host reference bit for bit\n";
    if (o.min_dma_bytes_per_cycle_per_tile >= 0 && tiles &&
        bytes_per_cycle / tiles < o.min_dma_bytes_per_cycle_per_tile) {
        std::cerr << "FAIL: DMA bandwidth " << bytes_per_cycle / tiles << " bytes/cycle per tile is below "
                  << o.min_dma_bytes_per_cycle_per_tile << "\n";
        return 1;
    }
    if (o.min_hbm_percent >= 0 && hbm_percent < o.min_hbm_percent) {
        std::cerr << "FAIL: HBM reads at " << hbm_percent << "% of the peak, below " << o.min_hbm_percent << "%\n";
        return 1;
    }
    if (o.max_utilization >= 0) {
        const auto at = report.find("utilisation ");
        const double utilization = at == std::string::npos ? 100 : std::stod(report.substr(at + 12));
        if (utilization > o.max_utilization) {
            std::cerr << "FAIL: MAC utilisation " << utilization << "% is above " << o.max_utilization << "%\n";
            return 1;
        }
    }
    if (o.min_utilization >= 0) {
        const auto at = report.find("utilisation ");
        const double utilization = at == std::string::npos ? 0 : std::stod(report.substr(at + 12));
        if (utilization < o.min_utilization) {
            std::cerr << "FAIL: MAC utilisation " << utilization << "% is below " << o.min_utilization << "%\n";
            return 1;
        }
    }
    return 0;
}
