// AVX2 + FMA (Haswell and later, every Zen): 8 lanes in one ymm register, fused multiply-adds.
#include "kernel_table.h"

#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#define W 8
#define K(name) name##_avx2
#include "kernel_body.h"
#pragma clang attribute pop

const loupe_kernel_table loupe_kernels_avx2 = LOUPE_KERNEL_TABLE(K);
#else
const loupe_kernel_table loupe_kernels_avx2 = {0};
#endif
