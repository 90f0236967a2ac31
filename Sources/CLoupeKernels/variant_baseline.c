// Any CPU: what the target's base instruction set has (SSE2 on x86-64).
#include "kernel_table.h"

#define W 8
#define K(name) name##_base
#include "kernel_body.h"

const loupe_kernel_table loupe_kernels_baseline = LOUPE_KERNEL_TABLE(K);
