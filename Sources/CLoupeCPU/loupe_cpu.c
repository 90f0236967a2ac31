#include "loupe_cpu.h"

#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

/* XCR0 read with the raw opcode, so the file builds without -mxsave. */
static uint64_t xcr0(void) {
    uint32_t eax, edx;
    __asm__ volatile(".byte 0x0f, 0x01, 0xd0" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((uint64_t)edx << 32) | eax;
}

void loupe_cpu_identify(loupe_cpu_info *info) {
    memset(info, 0, sizeof *info);
    unsigned a, b, c, d;
    if (!__get_cpuid(0, &a, &b, &c, &d)) return;
    unsigned maxLeaf = a;
    memcpy(info->vendor, &b, 4);
    memcpy(info->vendor + 4, &d, 4);
    memcpy(info->vendor + 8, &c, 4);

    __get_cpuid(1, &a, &b, &c, &d);
    uint32_t family = (a >> 8) & 0xf, model = (a >> 4) & 0xf;
    info->stepping = a & 0xf;
    if (family == 0xf) family += (a >> 20) & 0xff;
    if (family == 0x6 || family >= 0xf) model |= ((a >> 16) & 0xf) << 4;
    info->family = family;
    info->model = model;

    uint64_t f = 0;
    if (c & bit_SSE3) f |= LOUPE_CPU_SSE3;
    if (c & bit_SSSE3) f |= LOUPE_CPU_SSSE3;
    if (c & bit_SSE4_2) f |= LOUPE_CPU_SSE42;
    /* AVX state (XMM and YMM halves) must be enabled by the OS, or every AVX/FMA/AVX2
       instruction faults; AVX-512 also needs the opmask and both ZMM halves, AMX its tile
       configuration and data. */
    int osxsave = (c & bit_OSXSAVE) != 0;
    uint64_t xcr = osxsave ? xcr0() : 0;
    int osAVX = (xcr & 0x6) == 0x6, osAVX512 = osAVX && (xcr & 0xe0) == 0xe0;
    int osAMX = (xcr & 0x60000) == 0x60000;
    if (osAVX && (c & bit_AVX)) f |= LOUPE_CPU_AVX;
    if (osAVX && (c & bit_FMA)) f |= LOUPE_CPU_FMA;

    if (maxLeaf >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        unsigned subleaves = a;
        if (osAVX && (b & (1u << 5))) f |= LOUPE_CPU_AVX2;
        if (osAVX512) {
            if (b & (1u << 16)) f |= LOUPE_CPU_AVX512F;
            if (b & (1u << 17)) f |= LOUPE_CPU_AVX512DQ;
            if (b & (1u << 28)) f |= LOUPE_CPU_AVX512CD;
            if (b & (1u << 30)) f |= LOUPE_CPU_AVX512BW;
            if (b & (1u << 31)) f |= LOUPE_CPU_AVX512VL;
            if (c & (1u << 11)) f |= LOUPE_CPU_AVX512VNNI;
            if (d & (1u << 23)) f |= LOUPE_CPU_AVX512FP16;
        }
        if (osAMX) {
            if (d & (1u << 24)) f |= LOUPE_CPU_AMXTILE;
            if (d & (1u << 22)) f |= LOUPE_CPU_AMXBF16;
        }
        if (subleaves >= 1) {
            __cpuid_count(7, 1, a, b, c, d);
            if (osAVX512 && (a & (1u << 5))) f |= LOUPE_CPU_AVX512BF16;
        }
    }
    info->features = f;

    if (__get_cpuid(0x80000000, &a, &b, &c, &d) && a >= 0x80000004) {
        unsigned words[12];
        for (unsigned i = 0; i < 3; i++)
            __get_cpuid(0x80000002 + i, &words[4 * i], &words[4 * i + 1], &words[4 * i + 2], &words[4 * i + 3]);
        memcpy(info->brand, words, 48);
    }
}

#else

void loupe_cpu_identify(loupe_cpu_info *info) { memset(info, 0, sizeof *info); }

#endif
