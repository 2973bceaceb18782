#include "cpubench_kernel.h"

#include <string.h>

#include "npuemu/rand.h"

static uint32_t crc32(const uint8_t *data, uint32_t length) {
    uint32_t crc = 0xFFFFFFFFu;
    for (uint32_t i = 0; i < length; ++i) {
        crc ^= data[i];
        for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static uint32_t count_primes(uint8_t *sieve) {
    memset(sieve, 1, CPUBENCH_SIEVE_LIMIT);
    uint32_t primes = 0;
    for (uint32_t i = 2; i < CPUBENCH_SIEVE_LIMIT; ++i) {
        if (!sieve[i]) continue;
        ++primes;
        for (uint32_t j = i * i; j < CPUBENCH_SIEVE_LIMIT; j += i) sieve[j] = 0;
    }
    return primes;
}

static uint32_t sort_checksum(int32_t *values, uint32_t *seed) {
    for (int i = 0; i < CPUBENCH_SORT_COUNT; ++i) values[i] = (int32_t)(npu_xorshift32(seed) % 100000) - 50000;
    for (int i = 1; i < CPUBENCH_SORT_COUNT; ++i) {
        const int32_t v = values[i];
        int j = i - 1;
        while (j >= 0 && values[j] > v) {
            values[j + 1] = values[j];
            --j;
        }
        values[j + 1] = v;
    }
    uint32_t sum = 0;
    for (int i = 0; i < CPUBENCH_SORT_COUNT; ++i) sum = sum * 31u + (uint32_t)values[i];
    return sum;
}

static uint32_t matmul_checksum(struct cpubench_workspace *w, uint32_t *seed) {
    for (int i = 0; i < CPUBENCH_MATRIX_N; ++i)
        for (int j = 0; j < CPUBENCH_MATRIX_N; ++j) {
            w->a[i][j] = (int32_t)(npu_xorshift32(seed) & 0xFF) - 128;
            w->b[i][j] = (int32_t)(npu_xorshift32(seed) & 0xFF) - 128;
        }
    uint32_t sum = 0;
    for (int i = 0; i < CPUBENCH_MATRIX_N; ++i)
        for (int j = 0; j < CPUBENCH_MATRIX_N; ++j) {
            int32_t acc = 0;
            for (int k = 0; k < CPUBENCH_MATRIX_N; ++k) acc += w->a[i][k] * w->b[k][j];
            w->c[i][j] = acc;
            sum ^= (uint32_t)acc + (uint32_t)(i * CPUBENCH_MATRIX_N + j);
        }
    return sum;
}

uint32_t cpubench_run(struct cpubench_workspace *w, int rounds) {
    uint32_t seed = 12345;
    uint32_t checksum = 0;
    for (int round = 0; round < rounds; ++round) {
        for (int i = 0; i < CPUBENCH_BUFFER_BYTES; ++i) w->buffer[i] = (uint8_t)npu_xorshift32(&seed);
        checksum ^= crc32(w->buffer, CPUBENCH_BUFFER_BYTES);
        checksum += count_primes(w->sieve);
        checksum ^= sort_checksum(w->sort, &seed);
        checksum += matmul_checksum(w, &seed);
    }
    return checksum;
}
