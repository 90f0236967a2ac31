// Which variants this CPU runs, and the exported entry points, each forwarding to the
// chosen variant's copy.
#include "kernel_table.h"

#if defined(__x86_64__)
#include <cpuid.h>

// CPUID says what the core implements; XCR0 says whether the OS saves the wider registers
// across context switches (without that an AVX instruction faults even on a capable core).
static int has_features(int variant) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1;
    if (!osxsave || !avx || !fma) return 0;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & 0x6) != 0x6) return 0;  // SSE and AVX state
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    int avx2 = (b >> 5) & 1;
    if (variant == LOUPE_KERNELS_AVX2) return avx2;
    int avx512 = ((b >> 16) & 1) && ((b >> 17) & 1) && ((b >> 30) & 1) && ((b >> 31) & 1);  // F, DQ, BW, VL
    return avx2 && avx512 && (lo & 0xE0) == 0xE0;  // opmask and both halves of the 32 zmm
}
#else
static int has_features(int variant) {
    (void)variant;
    return 0;
}
#endif

int loupe_kernels_supported(int variant) {
    switch (variant) {
    case LOUPE_KERNELS_BASELINE: return 1;
    case LOUPE_KERNELS_AVX2:
    case LOUPE_KERNELS_AVX512: return has_features(variant);
    default: return 0;
    }
}

static const loupe_kernel_table *table(int variant) {
    switch (variant) {
    case LOUPE_KERNELS_AVX512: return &loupe_kernels_avx512;
    case LOUPE_KERNELS_AVX2: return &loupe_kernels_avx2;
    default: return &loupe_kernels_baseline;
    }
}

void loupe_depthwise_forward(int variant, const loupe_conv_geometry *geo, ptrdiff_t rows, ptrdiff_t width,
                             const float *x, const float *w, float bias, float *out, float *scratch,
                             const ptrdiff_t *taps, float lower, float upper) {
    table(variant)->depthwise_forward(geo, rows, width, x, w, bias, out, scratch, taps, lower, upper);
}

void loupe_depthwise_weight_gradient(int variant, const loupe_conv_geometry *geo, ptrdiff_t rows, ptrdiff_t width,
                                     const float *x, ptrdiff_t xStride, const float *dy, ptrdiff_t dyStride,
                                     ptrdiff_t batch, float *dw, float *scratch, const ptrdiff_t *taps, float *acc) {
    table(variant)->depthwise_weight_gradient(geo, rows, width, x, xStride, dy, dyStride, batch, dw, scratch, taps,
                                              acc);
}

void loupe_winograd_input(int variant, const loupe_conv_geometry *geo, ptrdiff_t groups, ptrdiff_t g,
                          ptrdiff_t tilesH, ptrdiff_t tilesW, ptrdiff_t rowLo, ptrdiff_t rowHi, ptrdiff_t chLo,
                          ptrdiff_t chHi, const float *x, float *v, ptrdiff_t ld) {
    table(variant)->winograd_input(geo, groups, g, tilesH, tilesW, rowLo, rowHi, chLo, chHi, x, v, ld);
}

void loupe_winograd_output(int variant, const loupe_conv_geometry *geo, ptrdiff_t groups, ptrdiff_t g, ptrdiff_t m,
                           ptrdiff_t tilesH, ptrdiff_t tilesW, ptrdiff_t rowLo, ptrdiff_t rowHi, ptrdiff_t oLo,
                           ptrdiff_t oHi, const float *mm, ptrdiff_t ld, const float *bias, float *y, float lower,
                           float upper) {
    table(variant)->winograd_output(geo, groups, g, m, tilesH, tilesW, rowLo, rowHi, oLo, oHi, mm, ld, bias, y, lower,
                                    upper);
}

void loupe_winograd4_input(int variant, const loupe_conv_geometry *geo, ptrdiff_t groups, ptrdiff_t g,
                           ptrdiff_t tilesH, ptrdiff_t tilesW, ptrdiff_t rowLo, ptrdiff_t rowHi, ptrdiff_t chLo,
                           ptrdiff_t chHi, const float *x, float *v, ptrdiff_t ld) {
    table(variant)->winograd4_input(geo, groups, g, tilesH, tilesW, rowLo, rowHi, chLo, chHi, x, v, ld);
}

void loupe_winograd4_output(int variant, const loupe_conv_geometry *geo, ptrdiff_t groups, ptrdiff_t g, ptrdiff_t m,
                            ptrdiff_t tilesH, ptrdiff_t tilesW, ptrdiff_t rowLo, ptrdiff_t rowHi, ptrdiff_t oLo,
                            ptrdiff_t oHi, const float *mm, ptrdiff_t ld, const float *bias, float *y, float lower,
                            float upper) {
    table(variant)->winograd4_output(geo, groups, g, m, tilesH, tilesW, rowLo, rowHi, oLo, oHi, mm, ld, bias, y, lower,
                                     upper);
}

void loupe_direct_conv_rows(int variant, const loupe_conv_geometry *geo, const float *tile, ptrdiff_t tileRows,
                            ptrdiff_t tileW, const float *w, ptrdiff_t m, const float *bias, float *y,
                            ptrdiff_t firstRow, ptrdiff_t rows, float lower, float upper) {
    table(variant)->direct_conv_rows(geo, tile, tileRows, tileW, w, m, bias, y, firstRow, rows, lower, upper);
}

void loupe_max_pool_2x2(int variant, const float *src, ptrdiff_t width, ptrdiff_t outH, ptrdiff_t outW, float *dst,
                        uint8_t *codes, const float *readableEnd) {
    table(variant)->max_pool_2x2(src, width, outH, outW, dst, codes, readableEnd);
}

void loupe_bias_clamp(int variant, const float *src, float *dst, ptrdiff_t count, float bias, float lower,
                      float upper) {
    table(variant)->bias_clamp(src, dst, count, bias, lower, upper);
}

void loupe_rectifier_gradient(int variant, const float *y, const float *g, float *dx, ptrdiff_t count, float upper,
                              int rule) {
    table(variant)->rectifier_gradient(y, g, dx, count, upper, rule);
}

void loupe_im2col_run(int variant, const float *plane, float *row, ptrdiff_t yLo, ptrdiff_t yHi, ptrdiff_t xLo,
                      ptrdiff_t xHi, ptrdiff_t outW, ptrdiff_t inW, ptrdiff_t stride, ptrdiff_t x0,
                      ptrdiff_t rowOffset) {
    table(variant)->im2col_run(plane, row, yLo, yHi, xLo, xHi, outW, inW, stride, x0, rowOffset);
}
