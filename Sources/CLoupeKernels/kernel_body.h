// The kernels' bodies, written once over W-lane vectors and included by each variant's file
// with W (8 or 16) and K(name) (the name of this copy) defined, inside a
// `#pragma clang attribute` that sets the variant's target features. Generic vector types
// lower to whatever the target has: an 8-lane vector is one ymm with AVX2, two xmm with
// SSE2; `a + b * c` fuses into one FMA where the target has it (-ffp-contract=on, clang's
// default for C) and stays a multiply and an add where it does not.
//
// Each function does what its namesake in loupe_kernels.h says, for one lane width; the
// variant files choose the width.

#pragma clang diagnostic ignored "-Wpsabi"
#pragma clang diagnostic ignored "-Wunused-function"

#include <stdlib.h>
#include <string.h>

typedef float K(vf) __attribute__((ext_vector_type(W)));
typedef float K(vfu) __attribute__((ext_vector_type(W), aligned(4)));
typedef int K(vi) __attribute__((ext_vector_type(W)));
typedef uint8_t K(vb) __attribute__((ext_vector_type(W)));
#define VF K(vf)
#define VI K(vi)

static inline VF K(ld)(const float *p) { return *(const K(vfu) *)p; }
static inline void K(st)(float *p, VF v) { *(K(vfu) *)p = v; }
static inline VF K(splat)(float x) { return (VF)x; }

// The first n (< W allowed) floats at p, zeros in the other lanes.
static inline VF K(ld_part)(const float *p, ptrdiff_t n) {
    if (n >= W) return K(ld)(p);
    VF v = K(splat)(0);
    for (ptrdiff_t l = 0; l < n; l++) v[l] = p[l];
    return v;
}

static inline void K(st_part)(float *p, VF v, ptrdiff_t n) {
    if (n >= W) {
        K(st)(p, v);
        return;
    }
    for (ptrdiff_t l = 0; l < n; l++) p[l] = v[l];
}

// mask ? a : b, lane by lane (mask lanes are all ones or all zeros).
static inline VF K(sel)(VI mask, VF a, VF b) { return (VF)(((VI)a & mask) | ((VI)b & ~mask)); }

// Lanes below `lower` become `lower`, above `upper` become `upper`; NaN stays NaN.
static inline VF K(clamp)(VF v, VF lower, VF upper) {
    v = K(sel)(v < lower, lower, v);
    return K(sel)(v > upper, upper, v);
}

#if W == 8
#define EVEN(a, b) __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14)
#define ODD(a, b) __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15)
#define LO_PAIRS(e, o) __builtin_shufflevector(e, o, 0, 8, 1, 9, 2, 10, 3, 11)
#define HI_PAIRS(e, o) __builtin_shufflevector(e, o, 4, 12, 5, 13, 6, 14, 7, 15)
#else
#define EVEN(a, b) __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30)
#define ODD(a, b) __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31)
#define LO_PAIRS(e, o) __builtin_shufflevector(e, o, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23)
#define HI_PAIRS(e, o) __builtin_shufflevector(e, o, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31)
#endif

#ifndef LOUPE_KERNEL_HELPERS
#define LOUPE_KERNEL_HELPERS
static inline ptrdiff_t lk_ceil_div(ptrdiff_t a, ptrdiff_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }
static inline ptrdiff_t lk_min(ptrdiff_t a, ptrdiff_t b) { return a < b ? a : b; }
static inline ptrdiff_t lk_max(ptrdiff_t a, ptrdiff_t b) { return a > b ? a : b; }

// Output columns [lo, hi) whose tap at offset `off` lands inside an axis of length n.
static inline void lk_valid_range(ptrdiff_t stride, ptrdiff_t off, ptrdiff_t pad, ptrdiff_t n, ptrdiff_t out,
                                  ptrdiff_t *lo, ptrdiff_t *hi) {
    *lo = lk_min(lk_max(lk_ceil_div(pad - off, stride), 0), out);
    *hi = lk_min(lk_max(lk_ceil_div(n + pad - off, stride), *lo), out);
}
#endif

// ---------------------------------------------------------------- depthwise

// Copies one input plane into the padded, phase-split scratch (every float written).
static void K(dw_fill)(const loupe_conv_geometry *g, ptrdiff_t rows, ptrdiff_t width, const float *src,
                       float *scratch) {
    ptrdiff_t s = g->stride;
    for (ptrdiff_t p = 0; p < s; p++) {
        // Phase p index q is padded column q·s + p, input column q·s + p − padLeft.
        ptrdiff_t lo, hi;
        lk_valid_range(s, p, g->padLeft, g->inW, width, &lo, &hi);
        for (ptrdiff_t r = 0; r < rows; r++) {
            float *dst = scratch + (p * rows + r) * width;
            ptrdiff_t iy = r - g->padTop;
            if (iy < 0 || iy >= g->inH || hi <= lo) {
                memset(dst, 0, (size_t)width * sizeof(float));
                continue;
            }
            const float *srcRow = src + iy * g->inW + lo * s + p - g->padLeft;
            for (ptrdiff_t j = 0; j < lo; j++) dst[j] = 0;
            ptrdiff_t n = hi - lo;
            if (s == 1) {
                memcpy(dst + lo, srcRow, (size_t)n * sizeof(float));
            } else if (s == 2) {
                // Every other float, W at a time from two loads (a scalar loop costs more than
                // the taps of a stride-2 3×3 conv). Stop while the second load still ends
                // before the row's last source float.
                ptrdiff_t j = 0;
                for (; j + W + 1 <= n; j += W) {
                    VF a = K(ld)(srcRow + 2 * j), b = K(ld)(srcRow + 2 * j + W);
                    K(st)(dst + lo + j, EVEN(a, b));
                }
                for (; j < n; j++) dst[lo + j] = srcRow[2 * j];
            } else {
                for (ptrdiff_t j = 0; j < n; j++) dst[lo + j] = srcRow[j * s];
            }
            for (ptrdiff_t j = hi; j < width; j++) dst[j] = 0;
        }
    }
}

// Four output rows at a time: four independent sums hide the add latency that a single
// chain of kh·kw dependent adds would expose, and share each broadcast weight.
static void K(dw_forward)(const loupe_conv_geometry *g, ptrdiff_t rows, ptrdiff_t width, const float *x,
                          const float *w, float bias, float *out, float *scratch, const ptrdiff_t *taps,
                          float lowerf, float upperf) {
    K(dw_fill)(g, rows, width, x, scratch);
    ptrdiff_t n = g->kh * g->kw, rowStep = g->stride * width, outW = g->outW, outH = g->outH;
    VF b = K(splat)(bias), lower = K(splat)(lowerf), upper = K(splat)(upperf);
    ptrdiff_t oy = 0;
    for (; oy + 4 <= outH; oy += 4) {
        for (ptrdiff_t ox = 0; ox < outW; ox += W) {
            const float *p0 = scratch + oy * rowStep + ox;
            VF a0 = b, a1 = b, a2 = b, a3 = b;
            for (ptrdiff_t t = 0; t < n; t++) {
                const float *p = p0 + taps[t];
                VF wt = K(splat)(w[t]);
                a0 = a0 + wt * K(ld)(p);
                a1 = a1 + wt * K(ld)(p + rowStep);
                a2 = a2 + wt * K(ld)(p + 2 * rowStep);
                a3 = a3 + wt * K(ld)(p + 3 * rowStep);
            }
            ptrdiff_t lanes = lk_min(W, outW - ox);
            float *dst = out + oy * outW + ox;
            K(st_part)(dst, K(clamp)(a0, lower, upper), lanes);
            K(st_part)(dst + outW, K(clamp)(a1, lower, upper), lanes);
            K(st_part)(dst + 2 * outW, K(clamp)(a2, lower, upper), lanes);
            K(st_part)(dst + 3 * outW, K(clamp)(a3, lower, upper), lanes);
        }
    }
    if (oy + 2 <= outH) {
        for (ptrdiff_t ox = 0; ox < outW; ox += W) {
            const float *p0 = scratch + oy * rowStep + ox;
            VF a0 = b, a1 = b, c0 = K(splat)(0), c1 = c0;
            // Two half-sums per row for the same reason, added at the end.
            ptrdiff_t t = 0;
            for (; t + 2 <= n; t += 2) {
                const float *p = p0 + taps[t], *q = p0 + taps[t + 1];
                VF wt = K(splat)(w[t]), wu = K(splat)(w[t + 1]);
                a0 = a0 + wt * K(ld)(p);
                a1 = a1 + wt * K(ld)(p + rowStep);
                c0 = c0 + wu * K(ld)(q);
                c1 = c1 + wu * K(ld)(q + rowStep);
            }
            if (t < n) {
                const float *p = p0 + taps[t];
                VF wt = K(splat)(w[t]);
                a0 = a0 + wt * K(ld)(p);
                a1 = a1 + wt * K(ld)(p + rowStep);
            }
            ptrdiff_t lanes = lk_min(W, outW - ox);
            float *dst = out + oy * outW + ox;
            K(st_part)(dst, K(clamp)(a0 + c0, lower, upper), lanes);
            K(st_part)(dst + outW, K(clamp)(a1 + c1, lower, upper), lanes);
        }
        oy += 2;
    }
    if (oy < outH) {
        for (ptrdiff_t ox = 0; ox < outW; ox += W) {
            const float *p0 = scratch + oy * rowStep + ox;
            VF a0 = b, a1 = K(splat)(0);
            ptrdiff_t t = 0;
            for (; t + 2 <= n; t += 2) {
                a0 = a0 + K(splat)(w[t]) * K(ld)(p0 + taps[t]);
                a1 = a1 + K(splat)(w[t + 1]) * K(ld)(p0 + taps[t + 1]);
            }
            if (t < n) a0 = a0 + K(splat)(w[t]) * K(ld)(p0 + taps[t]);
            K(st_part)(out + oy * outW + ox, K(clamp)(a0 + a1, lower, upper), lk_min(W, outW - ox));
        }
    }
}

static void K(dw_weight_gradient)(const loupe_conv_geometry *g, ptrdiff_t rows, ptrdiff_t width, const float *x,
                                  ptrdiff_t xStride, const float *dy, ptrdiff_t dyStride, ptrdiff_t batch,
                                  float *dw, float *scratch, const ptrdiff_t *taps, float *accBuffer) {
    ptrdiff_t n = g->kh * g->kw, outW = g->outW;
    K(vfu) *acc = (K(vfu) *)accBuffer;  // the caller's taps·LOUPE_KERNELS_SLACK floats
    for (ptrdiff_t t = 0; t < n; t++) acc[t] = K(splat)(0);
    for (ptrdiff_t b = 0; b < batch; b++) {
        K(dw_fill)(g, rows, width, x + b * xStride, scratch);
        const float *d = dy + b * dyStride;
        for (ptrdiff_t oy = 0; oy < g->outH; oy++) {
            const float *rowBase = scratch + oy * g->stride * width;
            const float *src = d + oy * outW;
            for (ptrdiff_t ox = 0; ox < outW; ox += W) {
                VF gv = K(ld_part)(src + ox, lk_min(W, outW - ox));
                for (ptrdiff_t t = 0; t < n; t++) acc[t] = acc[t] + gv * K(ld)(rowBase + ox + taps[t]);
            }
        }
    }
    for (ptrdiff_t t = 0; t < n; t++) {
        // Lanes summed pairwise, in a fixed order.
        VF v = acc[t];
        float lanes[W];
        memcpy(lanes, &v, sizeof lanes);
        for (int half = W / 2; half > 0; half /= 2)
            for (int l = 0; l < half; l++) lanes[l] += lanes[l + half];
        dw[t] = lanes[0];
    }
}

// ---------------------------------------------------------------- Winograd

// even[k] = src[2k − padLeft], odd[k] = src[2k + 1 − padLeft], zero outside the row, for
// k < count (a multiple of W): the row is copied once into `padded` (2·count floats) with
// its zeros, then de-interleaved 2W floats at a time.
static inline void K(split_row)(const loupe_conv_geometry *g, const float *src, float *even, float *odd,
                                ptrdiff_t count, float *padded) {
    ptrdiff_t pl = g->padLeft, total = 2 * count;
    ptrdiff_t lo = lk_min(lk_max(pl, 0), total), hi = lk_min(lk_max(pl + g->inW, lo), total);
    for (ptrdiff_t j = 0; j < lo; j++) padded[j] = 0;
    const float *from = src + (lo - pl);
    ptrdiff_t n = hi - lo, j = 0;
    for (; j + W <= n; j += W) K(st)(padded + lo + j, K(ld)(from + j));
    for (; j < n; j++) padded[lo + j] = from[j];
    for (ptrdiff_t t = hi; t < total; t++) padded[t] = 0;
    for (ptrdiff_t k = 0; k < count; k += W) {
        VF a = K(ld)(padded + 2 * k), b = K(ld)(padded + 2 * k + W);
        K(st)(even + k, EVEN(a, b));
        K(st)(odd + k, ODD(a, b));
    }
}

// Bᵀ d B for the W neighbouring tiles starting at tile tx, from the split lines of their four
// input rows (e[i], o[i]); ξ = 4i + j goes to out[ξ·stride + lane].
static inline void K(wino_tiles)(float *const e[4], float *const o[4], ptrdiff_t tx, float *out, ptrdiff_t stride) {
    VF d[4][4];
    for (int i = 0; i < 4; i++) {
        d[i][0] = K(ld)(e[i] + tx);
        d[i][1] = K(ld)(o[i] + tx);
        d[i][2] = K(ld)(e[i] + tx + 1);
        d[i][3] = K(ld)(o[i] + tx + 1);
    }
    // Bᵀ down each column: rows d0 − d2, d1 + d2, d2 − d1, d1 − d3.
    VF c[4][4];
    for (int j = 0; j < 4; j++) {
        c[0][j] = d[0][j] - d[2][j];
        c[1][j] = d[1][j] + d[2][j];
        c[2][j] = d[2][j] - d[1][j];
        c[3][j] = d[1][j] - d[3][j];
    }
    // Then B along each row: columns r0 − r2, r1 + r2, r2 − r1, r1 − r3.
    for (int i = 0; i < 4; i++) {
        float *q = out + 4 * i * stride;
        K(st)(q, c[i][0] - c[i][2]);
        K(st)(q + stride, c[i][1] + c[i][2]);
        K(st)(q + 2 * stride, c[i][2] - c[i][1]);
        K(st)(q + 3 * stride, c[i][1] - c[i][3]);
    }
}

// Each input row is split into even and odd columns, so a tile's four columns are four
// unit-stride streams; neighbouring tile rows share two input rows, so split rows live in
// a ring of four slots (input row iy in slot iy mod 4) and each is split once; rows of
// padding point at one zero line.
static void K(wino_input)(const loupe_conv_geometry *g, ptrdiff_t groups, ptrdiff_t grp, ptrdiff_t tilesH,
                          ptrdiff_t tilesW, ptrdiff_t rowLo, ptrdiff_t rowHi, ptrdiff_t chLo, ptrdiff_t chHi,
                          const float *x, float *v, ptrdiff_t ld) {
    ptrdiff_t c = g->channels;
    // E/O lines long enough for the last chunk's loads at tx + 1.
    ptrdiff_t line = (tilesW + W - 1) / W * W + W;
    float *ring = malloc((size_t)(12 * line) * sizeof(float));
    if (!ring) abort();
    float *zero = ring + 8 * line, *padded = zero + line;
    memset(zero, 0, (size_t)line * sizeof(float));
    for (ptrdiff_t ch = chLo; ch < chHi; ch++) {
        ptrdiff_t held[4] = {-1, -1, -1, -1};  // the (image · inH + iy) each slot holds
        for (ptrdiff_t r = rowLo; r < rowHi; r++) {
            ptrdiff_t n = r / tilesH, ty = r % tilesH;
            const float *plane = x + ((n * groups + grp) * c + ch) * g->inH * g->inW;
            float *e[4] = {zero, zero, zero, zero}, *o[4] = {zero, zero, zero, zero};
            for (int i = 0; i < 4; i++) {
                ptrdiff_t iy = 2 * ty - g->padTop + i;
                if (iy < 0 || iy >= g->inH) continue;
                ptrdiff_t slot = iy & 3, key = n * g->inH + iy;
                float *even = ring + 2 * slot * line, *odd = even + line;
                if (held[slot] != key) {
                    K(split_row)(g, plane + iy * g->inW, even, odd, line, padded);
                    held[slot] = key;
                }
                e[i] = even;
                o[i] = odd;
            }
            // Lanes past the row's last tile spill into the next row's first tiles, which
            // that row (next in this loop) overwrites, or into the slack after the block.
            float *out = v + ch * ld + (r - rowLo) * tilesW;
            for (ptrdiff_t tx = 0; tx < tilesW; tx += W) K(wino_tiles)(e, o, tx, out + tx, c * ld);
        }
    }
    free(ring);
}

// row[2l] = even[l], row[2l + 1] = odd[l] for l < full; then the even column alone for the
// one tile (if any) whose right output falls off an odd-width edge.
static inline void K(interleave)(VF even, VF odd, float *row, ptrdiff_t full, ptrdiff_t lanes) {
    if (full == W) {
        K(st)(row, LO_PAIRS(even, odd));
        K(st)(row + W, HI_PAIRS(even, odd));
        return;
    }
    for (ptrdiff_t l = 0; l < full; l++) {
        row[2 * l] = even[l];
        row[2 * l + 1] = odd[l];
    }
    if (full < lanes) row[2 * full] = even[full];
}

static void K(wino_output)(const loupe_conv_geometry *g, ptrdiff_t groups, ptrdiff_t grp, ptrdiff_t m,
                           ptrdiff_t tilesH, ptrdiff_t tilesW, ptrdiff_t rowLo, ptrdiff_t rowHi, ptrdiff_t oLo,
                           ptrdiff_t oHi, const float *mm, ptrdiff_t ld, const float *bias, float *y, float lowerf,
                           float upperf) {
    ptrdiff_t stride = m * ld, outW = g->outW, outPlane = g->outH * g->outW;
    VF lo = K(splat)(lowerf), hi = K(splat)(upperf);
    ptrdiff_t pairs = outW / 2;  // tiles whose two output columns both exist
    for (ptrdiff_t o = oLo; o < oHi; o++) {
        VF b = K(splat)(bias ? bias[grp * m + o] : 0);
        for (ptrdiff_t r = rowLo; r < rowHi; r++) {
            ptrdiff_t n = r / tilesH, ty = r % tilesH;
            float *top = y + ((n * groups + grp) * m + o) * outPlane + 2 * ty * outW;
            int hasBottom = 2 * ty + 1 < g->outH;
            const float *src = mm + o * ld + (r - rowLo) * tilesW;
            for (ptrdiff_t tx = 0; tx < tilesW; tx += W) {
                ptrdiff_t lanes = lk_min(W, tilesW - tx);
                // Lanes past the row's end read the next row's tiles or the slack: computed, not stored.
                VF s[16];
                for (int xi = 0; xi < 16; xi++) s[xi] = K(ld)(src + xi * stride + tx);
                // Aᵀ down each column: rows m0 + m1 + m2 and m1 − m2 − m3.
                VF d0[4], d1[4];
                for (int j = 0; j < 4; j++) {
                    d0[j] = s[j] + s[4 + j] + s[8 + j];
                    d1[j] = s[4 + j] - s[8 + j] - s[12 + j];
                }
                // Then A along each row, bias and clamp.
                VF y00 = K(clamp)(d0[0] + d0[1] + d0[2] + b, lo, hi);
                VF y01 = K(clamp)(d0[1] - d0[2] - d0[3] + b, lo, hi);
                ptrdiff_t full = lk_max(0, lk_min(lanes, pairs - tx));
                K(interleave)(y00, y01, top + 2 * tx, full, lanes);
                if (hasBottom) {
                    VF y10 = K(clamp)(d1[0] + d1[1] + d1[2] + b, lo, hi);
                    VF y11 = K(clamp)(d1[1] - d1[2] - d1[3] + b, lo, hi);
                    K(interleave)(y10, y11, top + outW + 2 * tx, full, lanes);
                }
            }
        }
    }
}

// ---------------------------------------------------------------- Winograd F(4×4, 3×3)

// phase[q·line + k] = src[4k + q − padLeft], zero outside the row, for q < 4 and k < line (a
// multiple of W): the row is copied once into `padded` (4·line floats) with its zeros, then
// de-interleaved 4W floats at a time by two rounds of even/odd splits.
static inline void K(split4_row)(const loupe_conv_geometry *g, const float *src, float *phase, ptrdiff_t line,
                                 float *padded) {
    ptrdiff_t pl = g->padLeft, total = 4 * line;
    ptrdiff_t lo = lk_min(lk_max(pl, 0), total), hi = lk_min(lk_max(pl + g->inW, lo), total);
    for (ptrdiff_t j = 0; j < lo; j++) padded[j] = 0;
    const float *from = src + (lo - pl);
    ptrdiff_t n = hi - lo, j = 0;
    for (; j + W <= n; j += W) K(st)(padded + lo + j, K(ld)(from + j));
    for (; j < n; j++) padded[lo + j] = from[j];
    for (ptrdiff_t t = hi; t < total; t++) padded[t] = 0;
    for (ptrdiff_t k = 0; k < line; k += W) {
        const float *p = padded + 4 * k;
        VF a = K(ld)(p), b = K(ld)(p + W), c = K(ld)(p + 2 * W), d = K(ld)(p + 3 * W);
        VF e0 = EVEN(a, b), o0 = ODD(a, b), e1 = EVEN(c, d), o1 = ODD(c, d);
        K(st)(phase + k, EVEN(e0, e1));
        K(st)(phase + line + k, EVEN(o0, o1));
        K(st)(phase + 2 * line + k, ODD(e0, e1));
        K(st)(phase + 3 * line + k, ODD(o0, o1));
    }
}

// r = Bᵀ d for one column (or row) of six: Bᵀ's rows (4, 0, −5, 0, 1, 0), (0, −4, −4, 1, 1, 0),
// (0, 4, −4, −1, 1, 0), (0, −2, −1, 2, 1, 0), (0, 2, −1, −2, 1, 0), (0, 4, 0, −5, 0, 1), with
// the shared partial sums. Every product is by a power of two (5d = 4d + d), so it is exact
// and a fused multiply-add rounds like the separate add: all variants agree bit for bit.
static inline void K(bt6)(VF d0, VF d1, VF d2, VF d3, VF d4, VF d5, VF r[6]) {
    VF four = K(splat)(4), two = K(splat)(2);
    VF a = d4 - four * d2, b = d3 - four * d1;
    VF c = d4 - d2, e = two * (d3 - d1);
    r[0] = (four * d0 + d4) - (four * d2 + d2);
    r[1] = a + b;
    r[2] = a - b;
    r[3] = c + e;
    r[4] = c - e;
    r[5] = (four * d1 + d5) - (four * d3 + d3);
}

// Bᵀ d B for the W neighbouring tiles starting at tile tx, from the phase lines of their six
// input rows (row i's phase q at rows[i] + q·line); ξ = 6i + j goes to out[ξ·stride + lane].
static inline void K(wino6_tiles)(const float *const rows[6], ptrdiff_t line, ptrdiff_t tx, float *out,
                                  ptrdiff_t stride) {
    VF c[6][6];
    for (int i = 0; i < 6; i++) {
        const float *p = rows[i] + tx;
        VF r[6];
        // Along the row first: columns 4tx + 0…5 are phases 0–3 at tx, then 0–1 at tx + 1.
        K(bt6)(K(ld)(p), K(ld)(p + line), K(ld)(p + 2 * line), K(ld)(p + 3 * line), K(ld)(p + 1),
               K(ld)(p + line + 1), r);
        for (int j = 0; j < 6; j++) c[i][j] = r[j];
    }
    for (int j = 0; j < 6; j++) {
        VF r[6];
        K(bt6)(c[0][j], c[1][j], c[2][j], c[3][j], c[4][j], c[5][j], r);
        for (int i = 0; i < 6; i++) K(st)(out + (6 * i + j) * stride, r[i]);
    }
}

// As wino_input, for 6×6 tiles 4 apart: each input row is split into its four column phases
// (a tile's six columns are then six unit-stride streams), and neighbouring tile rows share
// two input rows, so split rows live in a ring of eight slots (row iy in slot iy mod 8).
static void K(wino6_input)(const loupe_conv_geometry *g, ptrdiff_t groups, ptrdiff_t grp, ptrdiff_t tilesH,
                           ptrdiff_t tilesW, ptrdiff_t rowLo, ptrdiff_t rowHi, ptrdiff_t chLo, ptrdiff_t chHi,
                           const float *x, float *v, ptrdiff_t ld) {
    ptrdiff_t c = g->channels;
    // Phase lines long enough for the last chunk's loads at tx + 1.
    ptrdiff_t line = (tilesW + W - 1) / W * W + W;
    float *ring = malloc((size_t)(40 * line) * sizeof(float));
    if (!ring) abort();
    float *zero = ring + 32 * line, *padded = zero + 4 * line;
    memset(zero, 0, (size_t)(4 * line) * sizeof(float));
    for (ptrdiff_t ch = chLo; ch < chHi; ch++) {
        ptrdiff_t held[8] = {-1, -1, -1, -1, -1, -1, -1, -1};  // the (image · inH + iy) each slot holds
        for (ptrdiff_t r = rowLo; r < rowHi; r++) {
            ptrdiff_t n = r / tilesH, ty = r % tilesH;
            const float *plane = x + ((n * groups + grp) * c + ch) * g->inH * g->inW;
            const float *rows[6] = {zero, zero, zero, zero, zero, zero};
            for (int i = 0; i < 6; i++) {
                ptrdiff_t iy = 4 * ty - g->padTop + i;
                if (iy < 0 || iy >= g->inH) continue;
                ptrdiff_t slot = iy & 7, key = n * g->inH + iy;
                float *phase = ring + 4 * slot * line;
                if (held[slot] != key) {
                    K(split4_row)(g, plane + iy * g->inW, phase, line, padded);
                    held[slot] = key;
                }
                rows[i] = phase;
            }
            // Lanes past the row's last tile spill into the next row's first tiles, which
            // that row (next in this loop) overwrites, or into the slack after the block.
            float *out = v + ch * ld + (r - rowLo) * tilesW;
            for (ptrdiff_t tx = 0; tx < tilesW; tx += W) K(wino6_tiles)(rows, line, tx, out + tx, c * ld);
        }
    }
    free(ring);
}

// y = Aᵀ m for one column (or row) of six: Aᵀ's rows (1, 1, 1, 1, 1, 0), (0, 1, −1, 2, −2, 0),
// (0, 1, 1, 4, 4, 0), (0, 1, −1, 8, −8, 1) (powers of two again: exact products).
static inline void K(at6)(VF m0, VF m1, VF m2, VF m3, VF m4, VF m5, VF y[4]) {
    VF a = m1 + m2, b = m1 - m2, c = m3 + m4, d = m3 - m4;
    y[0] = m0 + a + c;
    y[1] = b + K(splat)(2) * d;
    y[2] = a + K(splat)(4) * c;
    y[3] = (b + K(splat)(8) * d) + m5;
}

// row[4l + j] = y[j][l] for the W tiles when all their columns exist (`cols` ≥ 4W), else
// only the columns below `cols`.
static inline void K(interleave4)(const VF y[4], float *row, ptrdiff_t cols, ptrdiff_t lanes) {
    if (cols >= 4 * W) {
        VF p = LO_PAIRS(y[0], y[2]), q = LO_PAIRS(y[1], y[3]);
        VF s = HI_PAIRS(y[0], y[2]), t = HI_PAIRS(y[1], y[3]);
        K(st)(row, LO_PAIRS(p, q));
        K(st)(row + W, HI_PAIRS(p, q));
        K(st)(row + 2 * W, LO_PAIRS(s, t));
        K(st)(row + 3 * W, HI_PAIRS(s, t));
        return;
    }
    for (ptrdiff_t l = 0; l < lanes; l++)
        for (int j = 0; j < 4 && 4 * l + j < cols; j++) row[4 * l + j] = y[j][l];
}

static void K(wino6_output)(const loupe_conv_geometry *g, ptrdiff_t groups, ptrdiff_t grp, ptrdiff_t m,
                            ptrdiff_t tilesH, ptrdiff_t tilesW, ptrdiff_t rowLo, ptrdiff_t rowHi, ptrdiff_t oLo,
                            ptrdiff_t oHi, const float *mm, ptrdiff_t ld, const float *bias, float *y, float lowerf,
                            float upperf) {
    ptrdiff_t stride = m * ld, outW = g->outW, outPlane = g->outH * g->outW;
    VF lo = K(splat)(lowerf), hi = K(splat)(upperf);
    for (ptrdiff_t o = oLo; o < oHi; o++) {
        VF b = K(splat)(bias ? bias[grp * m + o] : 0);
        for (ptrdiff_t r = rowLo; r < rowHi; r++) {
            ptrdiff_t n = r / tilesH, ty = r % tilesH;
            float *top = y + ((n * groups + grp) * m + o) * outPlane + 4 * ty * outW;
            ptrdiff_t outRows = lk_min(4, g->outH - 4 * ty);
            const float *src = mm + o * ld + (r - rowLo) * tilesW;
            for (ptrdiff_t tx = 0; tx < tilesW; tx += W) {
                ptrdiff_t lanes = lk_min(W, tilesW - tx);
                // Lanes past the row's end read the next row's tiles or the slack: computed, not stored.
                // Aᵀ down each column, then A along each of the (up to) four rows kept.
                VF t[4][6];
                for (int j = 0; j < 6; j++) {
                    const float *s = src + j * stride + tx;
                    VF col[4];
                    K(at6)(K(ld)(s), K(ld)(s + 6 * stride), K(ld)(s + 12 * stride), K(ld)(s + 18 * stride),
                           K(ld)(s + 24 * stride), K(ld)(s + 30 * stride), col);
                    for (int i = 0; i < 4; i++) t[i][j] = col[i];
                }
                for (ptrdiff_t i = 0; i < outRows; i++) {
                    VF out[4];
                    K(at6)(t[i][0], t[i][1], t[i][2], t[i][3], t[i][4], t[i][5], out);
                    for (int j = 0; j < 4; j++) out[j] = K(clamp)(out[j] + b, lo, hi);
                    K(interleave4)(out, top + i * outW + 4 * tx, outW - 4 * tx, lanes);
                }
            }
        }
    }
}

// ---------------------------------------------------------------- direct conv

static inline void K(dc_finish)(VF acc, const float *bias, ptrdiff_t o, float *y, ptrdiff_t outPlane, ptrdiff_t outW,
                                ptrdiff_t row, ptrdiff_t x, VF lo, VF hi) {
    VF v = K(clamp)(acc + K(splat)(bias ? bias[o] : 0), lo, hi);
    K(st_part)(y + o * outPlane + row * outW + x, v, outW - x);
}

static void K(direct_conv_rows)(const loupe_conv_geometry *g, const float *tile, ptrdiff_t tileRows,
                                ptrdiff_t tileW, const float *w, ptrdiff_t m, const float *bias, float *y,
                                ptrdiff_t firstRow, ptrdiff_t rows, float lowerf, float upperf) {
    ptrdiff_t kh = g->kh, kw = g->kw, channels = g->channels, outW = g->outW, outPlane = g->outH * g->outW;
    ptrdiff_t taps = kh * kw, plane = tileRows * tileW;
    VF lo = K(splat)(lowerf), hi = K(splat)(upperf);
    float *yr = y + firstRow * outW;  // finish() addresses rows from firstRow
    for (ptrdiff_t o = 0; o < m;) {
        // A lone output channel (the input gradient of a grayscale layer) would waste three
        // of the four accumulator rows below: it takes 4W columns per pass instead.
        if (m - o == 1) {
            const float *w0 = w + o * channels * taps;
            for (ptrdiff_t r = 0; r < rows; r++) {
                for (ptrdiff_t x = 0; x < outW; x += 4 * W) {
                    VF a0 = K(splat)(0), a1 = a0, a2 = a0, a3 = a0;
                    for (ptrdiff_t c = 0; c < channels; c++) {
                        const float *base = tile + c * plane + r * tileW + x;
                        for (ptrdiff_t ky = 0; ky < kh; ky++) {
                            const float *row = base + ky * tileW;
                            for (ptrdiff_t kx = 0; kx < kw; kx++) {
                                VF s = K(splat)(w0[c * taps + ky * kw + kx]);
                                a0 = a0 + K(ld)(row + kx) * s;
                                a1 = a1 + K(ld)(row + kx + W) * s;
                                a2 = a2 + K(ld)(row + kx + 2 * W) * s;
                                a3 = a3 + K(ld)(row + kx + 3 * W) * s;
                            }
                        }
                    }
                    K(dc_finish)(a0, bias, o, yr, outPlane, outW, r, x, lo, hi);
                    if (x + W < outW) K(dc_finish)(a1, bias, o, yr, outPlane, outW, r, x + W, lo, hi);
                    if (x + 2 * W < outW) K(dc_finish)(a2, bias, o, yr, outPlane, outW, r, x + 2 * W, lo, hi);
                    if (x + 3 * W < outW) K(dc_finish)(a3, bias, o, yr, outPlane, outW, r, x + 3 * W, lo, hi);
                }
            }
            return;
        }
        // Four output channels at a time share every input load; fewer at the end.
        ptrdiff_t count = lk_min(4, m - o);
        const float *w0 = w + o * channels * taps;
        const float *w1 = w + lk_min(o + 1, m - 1) * channels * taps;
        const float *w2 = w + lk_min(o + 2, m - 1) * channels * taps;
        const float *w3 = w + lk_min(o + 3, m - 1) * channels * taps;
        for (ptrdiff_t r = 0; r < rows; r++) {
            for (ptrdiff_t x = 0; x < outW; x += 2 * W) {
                // Two vectors per pass: 2 input loads and 4 weight broadcasts feed 8 FMAs.
                VF a0 = K(splat)(0), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
                for (ptrdiff_t c = 0; c < channels; c++) {
                    const float *base = tile + c * plane + r * tileW + x;
                    ptrdiff_t wc = c * taps;
                    for (ptrdiff_t ky = 0; ky < kh; ky++) {
                        const float *row = base + ky * tileW;
                        for (ptrdiff_t kx = 0; kx < kw; kx++) {
                            VF u = K(ld)(row + kx), v = K(ld)(row + kx + W);
                            ptrdiff_t t = wc + ky * kw + kx;
                            VF s0 = K(splat)(w0[t]), s1 = K(splat)(w1[t]), s2 = K(splat)(w2[t]), s3 = K(splat)(w3[t]);
                            a0 = a0 + u * s0;
                            b0 = b0 + v * s0;
                            a1 = a1 + u * s1;
                            b1 = b1 + v * s1;
                            a2 = a2 + u * s2;
                            b2 = b2 + v * s2;
                            a3 = a3 + u * s3;
                            b3 = b3 + v * s3;
                        }
                    }
                }
                K(dc_finish)(a0, bias, o, yr, outPlane, outW, r, x, lo, hi);
                if (count > 1) K(dc_finish)(a1, bias, o + 1, yr, outPlane, outW, r, x, lo, hi);
                if (count > 2) K(dc_finish)(a2, bias, o + 2, yr, outPlane, outW, r, x, lo, hi);
                if (count > 3) K(dc_finish)(a3, bias, o + 3, yr, outPlane, outW, r, x, lo, hi);
                if (x + W < outW) {
                    K(dc_finish)(b0, bias, o, yr, outPlane, outW, r, x + W, lo, hi);
                    if (count > 1) K(dc_finish)(b1, bias, o + 1, yr, outPlane, outW, r, x + W, lo, hi);
                    if (count > 2) K(dc_finish)(b2, bias, o + 2, yr, outPlane, outW, r, x + W, lo, hi);
                    if (count > 3) K(dc_finish)(b3, bias, o + 3, yr, outPlane, outW, r, x + W, lo, hi);
                }
            }
        }
        o += count;
    }
}

// ---------------------------------------------------------------- 2×2 max pool

// Selects rather than branches: which of the four wins is a coin toss on real activations,
// and mispredictions dominated a scalar loop. Rows shorter than W outputs run the vector
// body too, reading past the row end (into the next row, never past `readableEnd`) and
// keeping only the valid lanes.
static void K(max_pool_2x2)(const float *src, ptrdiff_t w, ptrdiff_t oh, ptrdiff_t ow, float *dst, uint8_t *codes,
                            const float *readableEnd) {
    for (ptrdiff_t oy = 0; oy < oh; oy++) {
        const float *top = src + 2 * oy * w, *bottom = top + w;
        float *out = dst + oy * ow;
        uint8_t *sw = codes + oy * ow;
        ptrdiff_t ox = 0;
        for (; ox < ow && (ox + W <= ow || bottom + 2 * ox + 2 * W <= readableEnd); ox += W) {
            VF t0 = K(ld)(top + 2 * ox), t1 = K(ld)(top + 2 * ox + W);
            VF b0 = K(ld)(bottom + 2 * ox), b1 = K(ld)(bottom + 2 * ox + W);
            VF best = EVEN(t0, t1);
            VI which = (VI)0;
#define CONSIDER(v, k)                                  \
    do {                                                \
        VF cand = (v);                                  \
        VI take = (cand > best) | (cand != cand);       \
        best = K(sel)(take, cand, best);                \
        which = (which & ~take) | ((VI)(k) & take);     \
    } while (0)
            CONSIDER(ODD(t0, t1), 1);
            CONSIDER(EVEN(b0, b1), 2);
            CONSIDER(ODD(b0, b1), 3);
#undef CONSIDER
            ptrdiff_t lanes = lk_min(W, ow - ox);
            K(st_part)(out + ox, best, lanes);
            if (lanes == W) {
                K(vb) bytes = __builtin_convertvector(which, K(vb));  // one W-byte store
                memcpy(sw + ox, &bytes, W);
            } else {
                for (ptrdiff_t l = 0; l < lanes; l++) sw[ox + l] = (uint8_t)which[l];
            }
        }
        for (; ox < ow; ox++) {
            ptrdiff_t i0 = 2 * ox;
            float best = top[i0];
            uint8_t code = 0;  // a −∞ first element keeps code 0 either way
            float cand[3] = {top[i0 + 1], bottom[i0], bottom[i0 + 1]};
            for (int k = 0; k < 3; k++) {
                int take = cand[k] > best || cand[k] != cand[k];
                best = take ? cand[k] : best;
                code = take ? (uint8_t)(k + 1) : code;
            }
            out[ox] = best;
            sw[ox] = code;
        }
    }
}

// ---------------------------------------------------------------- elementwise

static void K(bias_clamp)(const float *src, float *dst, ptrdiff_t count, float bias, float lowerf, float upperf) {
    VF b = K(splat)(bias), lo = K(splat)(lowerf), hi = K(splat)(upperf);
    ptrdiff_t j = 0;
    for (; j + W <= count; j += W) K(st)(dst + j, K(clamp)(K(ld)(src + j) + b, lo, hi));
    for (; j < count; j++) {
        float v = src[j] + bias;
        v = v < lowerf ? lowerf : v;
        dst[j] = v > upperf ? upperf : v;
    }
}

// One loop per rule, so the rule is not tested per vector.
#define RECTIFIER_LOOP(KEEP, KEEP1)                                          \
    for (; j + W <= count; j += W) {                                         \
        VF v = K(ld)(y + j), d = K(ld)(g + j);                               \
        (void)v;                                                             \
        K(st)(dx + j, K(sel)(KEEP, d, zero));                                \
    }                                                                        \
    for (; j < count; j++) dx[j] = (KEEP1) ? g[j] : 0;

static void K(rectifier_gradient)(const float *y, const float *g, float *dx, ptrdiff_t count, float upperf,
                                  int rule) {
    VF zero = K(splat)(0), top = K(splat)(upperf);
    ptrdiff_t j = 0;
    switch (rule) {
    case 0: RECTIFIER_LOOP((v > zero) & (v < top), y[j] > 0 && y[j] < upperf) break;
    case 1: RECTIFIER_LOOP(d > zero, g[j] > 0) break;
    default: RECTIFIER_LOOP((v > zero) & (v < top) & (d > zero), y[j] > 0 && y[j] < upperf && g[j] > 0) break;
    }
}
#undef RECTIFIER_LOOP

// ---------------------------------------------------------------- im2col

// Small images (Fashion-MNIST's 28 and 14 columns) make these runs a few floats long, where
// a memcpy/memset call costs more than the copy.
static void K(im2col_run)(const float *plane, float *row, ptrdiff_t yLo, ptrdiff_t yHi, ptrdiff_t xLo,
                          ptrdiff_t xHi, ptrdiff_t outW, ptrdiff_t inW, ptrdiff_t stride, ptrdiff_t x0,
                          ptrdiff_t rowOffset) {
    ptrdiff_t n = xHi - xLo;
    for (ptrdiff_t oy = yLo; oy < yHi; oy++) {
        float *dst = row + oy * outW;
        const float *srcRow = plane + (oy * stride + rowOffset) * inW + x0;
        for (ptrdiff_t j = 0; j < xLo; j++) dst[j] = 0;
        if (stride != 1) {
            for (ptrdiff_t j = 0; j < n; j++) dst[xLo + j] = srcRow[j * stride];
        } else if (n > 64) {
            memcpy(dst + xLo, srcRow, (size_t)n * sizeof(float));
        } else {
            ptrdiff_t j = 0;
            for (; j + W <= n; j += W) K(st)(dst + xLo + j, K(ld)(srcRow + j));
            for (; j < n; j++) dst[xLo + j] = srcRow[j];
        }
        for (ptrdiff_t j = xHi; j < outW; j++) dst[j] = 0;
    }
}

#undef VF
#undef VI
#undef EVEN
#undef ODD
#undef LO_PAIRS
#undef HI_PAIRS
