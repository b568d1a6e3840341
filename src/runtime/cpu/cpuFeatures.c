/* cpuFeatures.c — run-time CPU feature detection (cpuid + xgetbv) and the
 * kernel dispatch level (see kernels.h). Detection runs once; the active
 * level is a relaxed atomic read by each kernel call. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <strings.h>

#include "runtime/cpu/kernels.h"

#ifdef HGN_KERNELS_X86
#include <cpuid.h>
#endif

static HgnCpuFeatures features;
static HgnCpuLevel bestLevel = HGN_CPU_SCALAR;
static atomic_int activeLevel = HGN_CPU_SCALAR;
static pthread_once_t detectOnce = PTHREAD_ONCE_INIT;

#ifdef HGN_KERNELS_X86
static uint64_t readXcr0(void) {
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

static void detectX86(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return;
    bool osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
    features.fma = (c >> 12) & 1;
    features.f16c = (c >> 29) & 1;
    if (!osxsave || !avx) return;
    uint64_t xcr0 = readXcr0();
    bool ymmOs = (xcr0 & 0x6) == 0x6;   /* SSE + AVX state */
    bool zmmOs = (xcr0 & 0xe6) == 0xe6; /* + opmask, ZMM_Hi256, Hi16_ZMM */
    if (!ymmOs) return;
    if (__get_cpuid_max(0, NULL) < 7) return;
    __cpuid_count(7, 0, a, b, c, d);
    features.avx2 = (b >> 5) & 1;
    if (zmmOs) {
        features.avx512f = (b >> 16) & 1;
        features.avx512bw = (b >> 30) & 1;
        features.avx512vl = (b >> 31) & 1;
        features.avx512vnni = (c >> 11) & 1;
    }
}
#endif

static HgnCpuLevel levelFromEnv(HgnCpuLevel fallback) {
    const char *s = getenv("HGN_CPU_LEVEL");
    if (!s || !*s) return fallback;
    if (!strcasecmp(s, "scalar")) return HGN_CPU_SCALAR;
    if (!strcasecmp(s, "avx2")) return HGN_CPU_AVX2;
    if (!strcasecmp(s, "avx512")) return HGN_CPU_AVX512;
    return fallback;
}

static void detect(void) {
#ifdef HGN_KERNELS_X86
    detectX86();
#endif
    if (features.avx2 && features.fma && features.f16c) {
        bestLevel = HGN_CPU_AVX2;
        if (features.avx512f && features.avx512bw && features.avx512vl) bestLevel = HGN_CPU_AVX512;
    }
    HgnCpuLevel want = levelFromEnv(bestLevel);
    atomic_store(&activeLevel, want > bestLevel ? bestLevel : want);
}

const HgnCpuFeatures *hgnCpuFeatures(void) {
    pthread_once(&detectOnce, detect);
    return &features;
}

HgnCpuLevel hgnCpuBestLevel(void) {
    pthread_once(&detectOnce, detect);
    return bestLevel;
}

HgnCpuLevel hgnCpuLevel(void) {
    pthread_once(&detectOnce, detect);
    return (HgnCpuLevel)atomic_load_explicit(&activeLevel, memory_order_relaxed);
}

HgnCpuLevel hgnCpuSetLevel(HgnCpuLevel level) {
    pthread_once(&detectOnce, detect);
    if ((int)level < HGN_CPU_SCALAR) level = HGN_CPU_SCALAR;
    if (level > bestLevel) level = bestLevel;
    atomic_store(&activeLevel, level);
    return level;
}

const char *hgnCpuLevelName(HgnCpuLevel level) {
    switch (level) {
    case HGN_CPU_SCALAR:
        return "scalar";
    case HGN_CPU_AVX2:
        return "avx2";
    case HGN_CPU_AVX512:
        return "avx512";
    }
    return "unknown";
}
