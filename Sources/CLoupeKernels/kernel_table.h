// One variant's kernels, as the variant files export them to dispatch.c.
#ifndef LOUPE_KERNEL_TABLE_H
#define LOUPE_KERNEL_TABLE_H

#include "loupe_kernels.h"

typedef struct {
    void (*depthwise_forward)(const loupe_conv_geometry *, ptrdiff_t, ptrdiff_t, const float *, const float *, float,
                              float *, float *, const ptrdiff_t *, float, float);
    void (*depthwise_weight_gradient)(const loupe_conv_geometry *, ptrdiff_t, ptrdiff_t, const float *, ptrdiff_t,
                                      const float *, ptrdiff_t, ptrdiff_t, float *, float *, const ptrdiff_t *,
                                      float *);
    void (*winograd_input)(const loupe_conv_geometry *, ptrdiff_t, ptrdiff_t, ptrdiff_t, ptrdiff_t, ptrdiff_t,
                           ptrdiff_t, ptrdiff_t, ptrdiff_t, const float *, float *, ptrdiff_t);
    void (*winograd_output)(const loupe_conv_geometry *, ptrdiff_t, ptrdiff_t, ptrdiff_t, ptrdiff_t, ptrdiff_t,
                            ptrdiff_t, ptrdiff_t, ptrdiff_t, ptrdiff_t, const float *, ptrdiff_t, const float *,
                            float *, float, float);
    void (*winograd4_input)(const loupe_conv_geometry *, ptrdiff_t, ptrdiff_t, ptrdiff_t, ptrdiff_t, ptrdiff_t,
                            ptrdiff_t, ptrdiff_t, ptrdiff_t, const float *, float *, ptrdiff_t);
    void (*winograd4_output)(const loupe_conv_geometry *, ptrdiff_t, ptrdiff_t, ptrdiff_t, ptrdiff_t, ptrdiff_t,
                             ptrdiff_t, ptrdiff_t, ptrdiff_t, ptrdiff_t, const float *, ptrdiff_t, const float *,
                             float *, float, float);
    void (*direct_conv_rows)(const loupe_conv_geometry *, const float *, ptrdiff_t, ptrdiff_t, const float *,
                             ptrdiff_t, const float *, float *, ptrdiff_t, ptrdiff_t, float, float);
    void (*max_pool_2x2)(const float *, ptrdiff_t, ptrdiff_t, ptrdiff_t, float *, uint8_t *, const float *);
    void (*bias_clamp)(const float *, float *, ptrdiff_t, float, float, float);
    void (*rectifier_gradient)(const float *, const float *, float *, ptrdiff_t, float, int);
    void (*im2col_run)(const float *, float *, ptrdiff_t, ptrdiff_t, ptrdiff_t, ptrdiff_t, ptrdiff_t, ptrdiff_t,
                       ptrdiff_t, ptrdiff_t, ptrdiff_t);
} loupe_kernel_table;

// The table of one lane width's copy of the bodies (K(name) = name_SUFFIX).
#define LOUPE_KERNEL_TABLE(K)                                                                           \
    {K(dw_forward), K(dw_weight_gradient), K(wino_input), K(wino_output), K(wino6_input),               \
     K(wino6_output), K(direct_conv_rows), K(max_pool_2x2), K(bias_clamp), K(rectifier_gradient),       \
     K(im2col_run)}

extern const loupe_kernel_table loupe_kernels_baseline, loupe_kernels_avx2, loupe_kernels_avx512;

#endif
