// AVX-512 (F, VL, BW, DQ) + FMA: the bodies at 16 lanes and, for rows too narrow for 16 to
// pay, at 8 lanes with the AVX-512 encodings (32 vector registers). Each kernel picks the
// width whose padded row is no longer: a 7-wide plane runs 8 lanes (16 would compute 9 lanes
// for nothing; Zen 4 executes a 512-bit operation as two 256-bit halves, so wasted lanes cost
// time), a 14- or 112-wide one 16.
#include "kernel_table.h"

#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))), \
                             apply_to = function)
#define W 16
#define K(name) name##_z16
#include "kernel_body.h"
#undef W
#undef K
#define W 8
#define K(name) name##_z8
#include "kernel_body.h"
#undef K

// 16 lanes when n columns, processed `per` vectors a pass, pad to no more than with 8.
static inline int wide(ptrdiff_t n, ptrdiff_t per) {
    return 2 * ((n + 16 * per - 1) / (16 * per)) <= (n + 8 * per - 1) / (8 * per);
}

static void dw_forward_z(const loupe_conv_geometry *g, ptrdiff_t rows, ptrdiff_t width, const float *x,
                         const float *w, float bias, float *out, float *scratch, const ptrdiff_t *taps, float lower,
                         float upper) {
    (wide(g->outW, 1) ? dw_forward_z16 : dw_forward_z8)(g, rows, width, x, w, bias, out, scratch, taps, lower, upper);
}

static void dw_weight_gradient_z(const loupe_conv_geometry *g, ptrdiff_t rows, ptrdiff_t width, const float *x,
                                 ptrdiff_t xStride, const float *dy, ptrdiff_t dyStride, ptrdiff_t batch, float *dw,
                                 float *scratch, const ptrdiff_t *taps, float *acc) {
    (wide(g->outW, 1) ? dw_weight_gradient_z16 : dw_weight_gradient_z8)(g, rows, width, x, xStride, dy, dyStride,
                                                                        batch, dw, scratch, taps, acc);
}

static void wino_input_z(const loupe_conv_geometry *g, ptrdiff_t groups, ptrdiff_t grp, ptrdiff_t tilesH,
                         ptrdiff_t tilesW, ptrdiff_t rowLo, ptrdiff_t rowHi, ptrdiff_t chLo, ptrdiff_t chHi,
                         const float *x, float *v, ptrdiff_t ld) {
    (wide(tilesW, 1) ? wino_input_z16 : wino_input_z8)(g, groups, grp, tilesH, tilesW, rowLo, rowHi, chLo, chHi, x,
                                                       v, ld);
}

static void wino_output_z(const loupe_conv_geometry *g, ptrdiff_t groups, ptrdiff_t grp, ptrdiff_t m,
                          ptrdiff_t tilesH, ptrdiff_t tilesW, ptrdiff_t rowLo, ptrdiff_t rowHi, ptrdiff_t oLo,
                          ptrdiff_t oHi, const float *mm, ptrdiff_t ld, const float *bias, float *y, float lower,
                          float upper) {
    (wide(tilesW, 1) ? wino_output_z16 : wino_output_z8)(g, groups, grp, m, tilesH, tilesW, rowLo, rowHi, oLo, oHi,
                                                         mm, ld, bias, y, lower, upper);
}

static void wino6_input_z(const loupe_conv_geometry *g, ptrdiff_t groups, ptrdiff_t grp, ptrdiff_t tilesH,
                          ptrdiff_t tilesW, ptrdiff_t rowLo, ptrdiff_t rowHi, ptrdiff_t chLo, ptrdiff_t chHi,
                          const float *x, float *v, ptrdiff_t ld) {
    (wide(tilesW, 1) ? wino6_input_z16 : wino6_input_z8)(g, groups, grp, tilesH, tilesW, rowLo, rowHi, chLo, chHi, x,
                                                         v, ld);
}

static void wino6_output_z(const loupe_conv_geometry *g, ptrdiff_t groups, ptrdiff_t grp, ptrdiff_t m,
                           ptrdiff_t tilesH, ptrdiff_t tilesW, ptrdiff_t rowLo, ptrdiff_t rowHi, ptrdiff_t oLo,
                           ptrdiff_t oHi, const float *mm, ptrdiff_t ld, const float *bias, float *y, float lower,
                           float upper) {
    (wide(tilesW, 1) ? wino6_output_z16 : wino6_output_z8)(g, groups, grp, m, tilesH, tilesW, rowLo, rowHi, oLo, oHi,
                                                           mm, ld, bias, y, lower, upper);
}

static void direct_conv_rows_z(const loupe_conv_geometry *g, const float *tile, ptrdiff_t tileRows,
                               ptrdiff_t tileW, const float *w, ptrdiff_t m, const float *bias, float *y,
                               ptrdiff_t firstRow, ptrdiff_t rows, float lower, float upper) {
    (wide(g->outW, m == 1 ? 4 : 2) ? direct_conv_rows_z16 : direct_conv_rows_z8)(g, tile, tileRows, tileW, w, m, bias,
                                                                                y, firstRow, rows, lower, upper);
}

static void max_pool_2x2_z(const float *src, ptrdiff_t width, ptrdiff_t outH, ptrdiff_t outW, float *dst,
                           uint8_t *codes, const float *readableEnd) {
    (wide(outW, 1) ? max_pool_2x2_z16 : max_pool_2x2_z8)(src, width, outH, outW, dst, codes, readableEnd);
}

#define Z(name) name##_z
#define bias_clamp_z bias_clamp_z16
#define rectifier_gradient_z rectifier_gradient_z16
#define im2col_run_z im2col_run_z16
#pragma clang attribute pop

const loupe_kernel_table loupe_kernels_avx512 = LOUPE_KERNEL_TABLE(Z);
#else
const loupe_kernel_table loupe_kernels_avx512 = {0};
#endif
