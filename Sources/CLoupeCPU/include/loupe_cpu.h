#ifndef LOUPE_CPU_H
#define LOUPE_CPU_H

#include <stdint.h>

/* Instruction-set extensions a program may use on this CPU: the CPU reports them (CPUID)
   and, for those with registers of their own, the operating system saves that state on a
   context switch (XGETBV). A feature the CPU has but the OS does not enable is left out. */
enum {
    LOUPE_CPU_SSE3 = 1 << 0,
    LOUPE_CPU_SSSE3 = 1 << 1,
    LOUPE_CPU_SSE42 = 1 << 2,
    LOUPE_CPU_AVX = 1 << 3,
    LOUPE_CPU_FMA = 1 << 4,
    LOUPE_CPU_AVX2 = 1 << 5,
    LOUPE_CPU_AVX512F = 1 << 6,
    LOUPE_CPU_AVX512CD = 1 << 7,
    LOUPE_CPU_AVX512BW = 1 << 8,
    LOUPE_CPU_AVX512DQ = 1 << 9,
    LOUPE_CPU_AVX512VL = 1 << 10,
    LOUPE_CPU_AVX512VNNI = 1 << 11,
    LOUPE_CPU_AVX512BF16 = 1 << 12,
    LOUPE_CPU_AVX512FP16 = 1 << 13,
    LOUPE_CPU_AMXTILE = 1 << 14,
    LOUPE_CPU_AMXBF16 = 1 << 15,
};

typedef struct {
    char vendor[13];      /* "GenuineIntel", "AuthenticAMD", …; empty off x86 */
    char brand[49];       /* the processor brand string, e.g. "AMD EPYC 9R14 96-Core Processor" */
    uint32_t family;      /* display family: base + extended when base is 15 */
    uint32_t model;       /* display model: extended model folded in for families 6 and 15+ */
    uint32_t stepping;
    uint64_t features;    /* LOUPE_CPU_* bits */
} loupe_cpu_info;

/* Fills `info` from CPUID and XGETBV; all zero on other architectures. */
void loupe_cpu_identify(loupe_cpu_info *info);

#endif
