// Loupe's hot loops, compiled once per instruction set and chosen at run time.
//
// Every function takes the variant to run first (LOUPE_KERNELS_*); the caller picks it once
// (the best this CPU supports, or a forced one) and must only pass a variant for which
// loupe_kernels_supported() is true. Sizes and offsets are in floats. Buffers that the
// kernels read or write whole vectors past a row's end carry LOUPE_KERNELS_SLACK floats of
// room, which the Swift callers size for.
#ifndef LOUPE_KERNELS_H
#define LOUPE_KERNELS_H

#include <stddef.h>
#include <stdint.h>

enum {
    LOUPE_KERNELS_BASELINE = 0,  // any CPU: 8-lane generic vectors (SSE2 on x86-64, NEON on arm64)
    LOUPE_KERNELS_AVX2 = 1,      // AVX2 + FMA: 8 lanes, fused multiply-adds
    LOUPE_KERNELS_AVX512 = 2,    // AVX-512 F/VL/BW/DQ + FMA: 16 lanes where rows are wide enough
};

// The widest vector any variant loads or stores past the last element it needs.
#define LOUPE_KERNELS_SLACK 16

// 1 when this CPU (and OS: the vector registers must be saved) can run `variant`.
int loupe_kernels_supported(int variant);

// The shape of one convolution seen from the gathered side (ConvGeometry in Swift).
typedef struct {
    ptrdiff_t channels, inH, inW, outH, outW, kh, kw, stride, dilation, padTop, padLeft;
} loupe_conv_geometry;

// ---- Depthwise convolution (one plane): the padded, phase-split scratch layout of
// DepthwisePlan: `rows` padded rows of `width` floats per column phase; `taps` holds each
// tap's offset from an output's base.

// out = clamp(bias + Σ w[t]·x[tap t], lower, upper) for one plane; fills `scratch` from `x`.
void loupe_depthwise_forward(int variant, const loupe_conv_geometry *geo, ptrdiff_t rows, ptrdiff_t width,
                             const float *x, const float *w, float bias, float *out, float *scratch,
                             const ptrdiff_t *taps, float lower, float upper);

// dw[t] = Σ over `batch` planes of Σ dy·x[tap t], one channel; planes `xStride`/`dyStride`
// floats apart. `acc` holds taps·LOUPE_KERNELS_SLACK floats.
void loupe_depthwise_weight_gradient(int variant, const loupe_conv_geometry *geo, ptrdiff_t rows, ptrdiff_t width,
                                     const float *x, ptrdiff_t xStride, const float *dy, ptrdiff_t dyStride,
                                     ptrdiff_t batch, float *dw, float *scratch, const ptrdiff_t *taps, float *acc);

// ---- Winograd F(2×2, 3×3) transforms (WinogradPlan in Swift). A tile row r in
// [rowLo, rowHi) is image r / tilesH, tile row r % tilesH; V and M rows are `ld` floats
// apart (the tiles of the block plus LOUPE_KERNELS_SLACK).

// V[ξ, ch, t] = (Bᵀ d B)[ξ] for channels [chLo, chHi) of group g; V rows of channel ch of ξ
// at v + (ξ·channels + ch)·ld.
void loupe_winograd_input(int variant, const loupe_conv_geometry *geo, ptrdiff_t groups, ptrdiff_t g,
                          ptrdiff_t tilesH, ptrdiff_t tilesW, ptrdiff_t rowLo, ptrdiff_t rowHi,
                          ptrdiff_t chLo, ptrdiff_t chHi, const float *x, float *v, ptrdiff_t ld);

// y = clamp(Aᵀ M A + bias) for output channels [oLo, oHi) of group g (m per group);
// `bias` may be NULL.
void loupe_winograd_output(int variant, const loupe_conv_geometry *geo, ptrdiff_t groups, ptrdiff_t g, ptrdiff_t m,
                           ptrdiff_t tilesH, ptrdiff_t tilesW, ptrdiff_t rowLo, ptrdiff_t rowHi,
                           ptrdiff_t oLo, ptrdiff_t oHi, const float *mm, ptrdiff_t ld, const float *bias,
                           float *y, float lower, float upper);

// ---- Winograd F(4×4, 3×3): the same contracts for 6×6 tiles 4 apart, ξ < 36.
void loupe_winograd4_input(int variant, const loupe_conv_geometry *geo, ptrdiff_t groups, ptrdiff_t g,
                           ptrdiff_t tilesH, ptrdiff_t tilesW, ptrdiff_t rowLo, ptrdiff_t rowHi,
                           ptrdiff_t chLo, ptrdiff_t chHi, const float *x, float *v, ptrdiff_t ld);

void loupe_winograd4_output(int variant, const loupe_conv_geometry *geo, ptrdiff_t groups, ptrdiff_t g, ptrdiff_t m,
                            ptrdiff_t tilesH, ptrdiff_t tilesW, ptrdiff_t rowLo, ptrdiff_t rowHi,
                            ptrdiff_t oLo, ptrdiff_t oHi, const float *mm, ptrdiff_t ld, const float *bias,
                            float *y, float lower, float upper);

// ---- Direct convolution: output rows [firstRow, firstRow + rows) of all m channels from a
// zero-padded tile [channels, tileRows, tileW] (+ LOUPE_KERNELS_SLACK·4 floats of slack);
// `bias` may be NULL.
void loupe_direct_conv_rows(int variant, const loupe_conv_geometry *geo, const float *tile, ptrdiff_t tileRows,
                            ptrdiff_t tileW, const float *w, ptrdiff_t m, const float *bias, float *y,
                            ptrdiff_t firstRow, ptrdiff_t rows, float lower, float upper);

// ---- 2×2 stride-2 max pool of one plane; codes[i] = which of the four won (0 top-left,
// 1 top-right, 2 bottom-left, 3 bottom-right); a later candidate wins when larger or NaN.
// Vectors may read up to `readableEnd`.
void loupe_max_pool_2x2(int variant, const float *src, ptrdiff_t width, ptrdiff_t outH, ptrdiff_t outW,
                        float *dst, uint8_t *codes, const float *readableEnd);

// ---- Elementwise: dst[i] = clamp(src[i] + bias, lower, upper) (src may be dst; NaN stays NaN).
void loupe_bias_clamp(int variant, const float *src, float *dst, ptrdiff_t count, float bias, float lower,
                      float upper);

// dx = g where mask holds, else 0. rule 0: 0 < y < upper; 1: g > 0; 2: both.
void loupe_rectifier_gradient(int variant, const float *y, const float *g, float *dx, ptrdiff_t count,
                              float upper, int rule);

// ---- im2col: one (channel, ky, kx) row run, output rows [yLo, yHi): row + oy·outW gets
// zeros in [0, xLo) and [xHi, outW) and src[(oy·stride + rowOffset)·inW + x0 + j·stride]
// at xLo + j.
void loupe_im2col_run(int variant, const float *plane, float *row, ptrdiff_t yLo, ptrdiff_t yHi,
                      ptrdiff_t xLo, ptrdiff_t xHi, ptrdiff_t outW, ptrdiff_t inW, ptrdiff_t stride,
                      ptrdiff_t x0, ptrdiff_t rowOffset);

#endif
