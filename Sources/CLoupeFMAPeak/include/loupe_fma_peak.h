#ifndef LOUPE_FMA_PEAK_H
#define LOUPE_FMA_PEAK_H

#include <stdint.h>

/* Loops that keep one core's floating-point units full, for the FMA peak of
   `loupe bench kernels`. Each round is LOUPE_PEAK_CHAINS independent multiply-adds on
   full vectors, so a round is chains × lanes × 2 flops. The result only keeps the work
   from being optimized away. Call a variant only on a CPU with its extensions. */
enum { LOUPE_PEAK_CHAINS = 12 };

float loupe_peak_avx512(int64_t rounds);  /* AVX-512F: 16 lanes, fused */
float loupe_peak_avx2(int64_t rounds);    /* AVX2 + FMA: 8 lanes, fused */
float loupe_peak_sse(int64_t rounds);     /* SSE2: 4 lanes, a multiply and an add */

/* `rounds` × 100 multiplies, each waiting for the one before: 300 cycles a round on every
   x86-64 core since Sandy Bridge and Zen (3-cycle imul latency), a clock to set the peak
   against. */
int64_t loupe_peak_clock(int64_t rounds);

#endif
