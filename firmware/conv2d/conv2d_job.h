/* The job block a host puts at CONV2D_JOB_ADDRESS (npuemu run --load job.bin@0x81000000) to give firmware/conv2d its
 * convolution. Shared by the firmware and tests/harness/conv2d_check.cpp. */
#ifndef CONV2D_JOB_H
#define CONV2D_JOB_H

#include <stdint.h>

#define CONV2D_JOB_ADDRESS 0x81000000u
#define CONV2D_JOB_MAGIC 0x564E4F43u /* "CONV" */

struct conv2d_job {
    uint32_t magic;
    uint32_t input, filters, output, im2col, zeros; /* zeros: a zero-filled buffer (global memory starts zeroed) */
    uint32_t h, w, cin, cout, kh, kw, stride, pad;
    uint32_t dtype;
};

#endif
