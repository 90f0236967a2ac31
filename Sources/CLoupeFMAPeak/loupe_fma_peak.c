#include "loupe_fma_peak.h"

#if defined(__x86_64__)
#include <immintrin.h>

/* Twelve chains: an FMA has a latency of 4 cycles and current cores start two a cycle
   (Zen 4 runs a 512-bit one on both 256-bit pipes at once), so 8 chains in flight fill
   them; 12 leave a margin and, with the two constants, still fit AVX2's 16 registers. The
   fixed-count inner loops unroll into registers (checked in the disassembly: 12 FMAs and
   no memory access per round). The chains start apart so that no compiler merges them,
   and x ↦ 0.9999·x + 0.0001 keeps every value near 1: no overflow, no subnormals. */
enum { CHAINS = LOUPE_PEAK_CHAINS };

/* The loop of every width: CHAINS independent chains of x ↦ x·m + c, then their sum in x[0]. */
#define PEAK_CHAINS(VEC, SET1, MULADD, ADD)                                  \
    const VEC m = SET1(0.9999f), c = SET1(0.0001f);                          \
    VEC x[CHAINS];                                                           \
    for (int i = 0; i < CHAINS; i++) x[i] = SET1(0.5f + 0.01f * i);          \
    for (int64_t r = 0; r < rounds; r++)                                     \
        for (int i = 0; i < CHAINS; i++) x[i] = MULADD(x[i], m, c);          \
    for (int i = 1; i < CHAINS; i++) x[0] = ADD(x[0], x[i]);

/* SSE has no FMA: a multiply and an add, two instructions for the same two flops. */
#define SSE_MULADD(a, b, c) _mm_add_ps(_mm_mul_ps(a, b), c)

__attribute__((target("avx512f")))
float loupe_peak_avx512(int64_t rounds) {
    PEAK_CHAINS(__m512, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_add_ps)
    return _mm512_reduce_add_ps(x[0]);
}

__attribute__((target("avx2,fma")))
float loupe_peak_avx2(int64_t rounds) {
    PEAK_CHAINS(__m256, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_add_ps)
    float lanes[8];
    _mm256_storeu_ps(lanes, x[0]);
    return lanes[0] + lanes[7];
}

float loupe_peak_sse(int64_t rounds) {
    PEAK_CHAINS(__m128, _mm_set1_ps, SSE_MULADD, _mm_add_ps)
    return _mm_cvtss_f32(x[0]);
}

int64_t loupe_peak_clock(int64_t rounds) {
    int64_t x = 1, one = 1;
    for (int64_t r = 0; r < rounds; r++)
        __asm__ volatile(".rept 100\n\timulq %1, %0\n\t.endr" : "+r"(x) : "r"(one));
    return x;
}

#else

float loupe_peak_avx512(int64_t rounds) { (void)rounds; return 0; }
float loupe_peak_avx2(int64_t rounds) { (void)rounds; return 0; }
float loupe_peak_sse(int64_t rounds) { (void)rounds; return 0; }
int64_t loupe_peak_clock(int64_t rounds) { (void)rounds; return 0; }

#endif
