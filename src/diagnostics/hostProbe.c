/* hostProbe.c — OS, CPU and memory facts for the diagnostics report (see hostProbe.h). */
#include "diagnostics/hostProbe.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define HGN_HAVE_CPUID 1
#endif

#include "core/alloc.h"

#define SMALL_FILE_MAX (4u << 20)

/* ---- OS ------------------------------------------------------------------ */

/* Value of KEY= in an os-release text, unquoted, into out. */
static bool osReleaseValue(const char *text, const char *key, char *out, size_t outSize) {
    size_t n = strlen(key);
    for (const char *line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
        if (strncmp(line, key, n) != 0 || line[n] != '=') continue;
        const char *v = line + n + 1;
        const char *end = strchr(v, '\n');
        size_t len = end ? (size_t)(end - v) : strlen(v);
        if (len >= 2 && (v[0] == '"' || v[0] == '\'') && v[len - 1] == v[0]) {
            v++;
            len -= 2;
        }
        if (len >= outSize) len = outSize - 1;
        memcpy(out, v, len);
        out[len] = '\0';
        return true;
    }
    return false;
}

void hgnHostProbeOs(HgnJsonBuild *jb, json_t *host) {
    struct utsname u;
    bool haveUname = uname(&u) == 0;
    char hostname[256] = "";
    if (gethostname(hostname, sizeof hostname - 1) != 0) hostname[0] = '\0';
    hgnJbSetStr(jb, host, "hostname", hostname[0] ? hostname : NULL);
    char pretty[256] = "";
    char *text = NULL;
    if (hgnDiagReadSmallFile("/etc/os-release", 65536, &text) ||
        hgnDiagReadSmallFile("/usr/lib/os-release", 65536, &text)) {
        if (!osReleaseValue(text, "PRETTY_NAME", pretty, sizeof pretty))
            osReleaseValue(text, "NAME", pretty, sizeof pretty);
    }
    hgnFree(text);
    if (!pretty[0] && haveUname) snprintf(pretty, sizeof pretty, "%s", u.sysname);
    hgnJbSetStr(jb, host, "os", pretty[0] ? pretty : NULL);
    hgnJbSetStr(jb, host, "kernel", haveUname ? u.release : NULL);
    hgnJbSetStr(jb, host, "kernelVersion", haveUname ? u.version : NULL);
    hgnJbSetStr(jb, host, "arch", haveUname ? u.machine : NULL);
}

/* ---- CPU features -------------------------------------------------------- */

enum {
    F_SSE4_2,
    F_AVX,
    F_AVX2,
    F_FMA,
    F_F16C,
    F_AVX_VNNI,
    F_AVX512F,
    F_AVX512BW,
    F_AVX512VL,
    F_AVX512_VNNI,
    F_AVX512_BF16,
    F_AVX512_FP16,
    F_AMX_TILE,
    F_AMX_BF16,
    F_AMX_INT8,
    F_NEON,
    F_FP16,
    F_DOTPROD,
    F_I8MM,
    F_BF16,
    F_SVE,
    F_SVE2,
    F_COUNT
};

/* Canonical name, then the /proc/cpuinfo spellings that mean it. */
static const struct {
    const char *name;
    const char *aliases[3];
} featureTable[F_COUNT] = {
    [F_SSE4_2] = {"sse4_2", {"sse4_2"}},
    [F_AVX] = {"avx", {"avx"}},
    [F_AVX2] = {"avx2", {"avx2"}},
    [F_FMA] = {"fma", {"fma"}},
    [F_F16C] = {"f16c", {"f16c"}},
    [F_AVX_VNNI] = {"avx_vnni", {"avx_vnni"}},
    [F_AVX512F] = {"avx512f", {"avx512f"}},
    [F_AVX512BW] = {"avx512bw", {"avx512bw"}},
    [F_AVX512VL] = {"avx512vl", {"avx512vl"}},
    [F_AVX512_VNNI] = {"avx512_vnni", {"avx512_vnni", "avx512vnni"}},
    [F_AVX512_BF16] = {"avx512_bf16", {"avx512_bf16", "avx512bf16"}},
    [F_AVX512_FP16] = {"avx512_fp16", {"avx512_fp16", "avx512fp16"}},
    [F_AMX_TILE] = {"amx_tile", {"amx_tile", "amx-tile"}},
    [F_AMX_BF16] = {"amx_bf16", {"amx_bf16", "amx-bf16"}},
    [F_AMX_INT8] = {"amx_int8", {"amx_int8", "amx-int8"}},
    [F_NEON] = {"neon", {"asimd", "neon"}},
    [F_FP16] = {"fp16", {"asimdhp", "fphp"}},
    [F_DOTPROD] = {"dotprod", {"asimddp", "dotprod"}},
    [F_I8MM] = {"i8mm", {"i8mm"}},
    [F_BF16] = {"bf16", {"bf16"}},
    [F_SVE] = {"sve", {"sve"}},
    [F_SVE2] = {"sve2", {"sve2"}},
};

static bool listHasWord(const char *list, const char *word) {
    size_t n = strlen(word);
    for (const char *p = list; (p = strstr(p, word)) != NULL; p += n) {
        bool startOk = p == list || p[-1] == ' ' || p[-1] == '\t';
        bool endOk = p[n] == '\0' || p[n] == ' ' || p[n] == '\t' || p[n] == '\n';
        if (startOk && endOk) return true;
    }
    return false;
}

static void appendFlags(HgnJsonBuild *jb, const bool have[F_COUNT], json_t *flags) {
    for (int i = 0; i < F_COUNT; i++)
        if (have[i]) hgnJbAppend(jb, flags, json_string(featureTable[i].name));
}

void hgnCpuFlagsFromList(HgnJsonBuild *jb, const char *list, json_t *flags) {
    bool have[F_COUNT] = {false};
    for (int i = 0; i < F_COUNT; i++)
        for (int a = 0; a < 3 && featureTable[i].aliases[a]; a++)
            if (listHasWord(list, featureTable[i].aliases[a])) have[i] = true;
    appendFlags(jb, have, flags);
}

#ifdef HGN_HAVE_CPUID
static uint64_t readXcr0(void) {
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

/* Features the CPU has and the OS has enabled (XCR0 state components). */
static void cpuidFeatures(bool have[F_COUNT]) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return;
    have[F_SSE4_2] = c & (1u << 20);
    bool osxsave = c & (1u << 27);
    uint64_t xcr0 = osxsave ? readXcr0() : 0;
    bool avxState = (xcr0 & 0x6) == 0x6;
    bool avx512State = avxState && (xcr0 & 0xe0) == 0xe0;
    bool amxState = (xcr0 & 0x60000) == 0x60000;
    have[F_AVX] = avxState && (c & (1u << 28));
    have[F_FMA] = avxState && (c & (1u << 12));
    have[F_F16C] = avxState && (c & (1u << 29));
    unsigned maxLeaf = (unsigned)__get_cpuid_max(0, NULL);
    if (maxLeaf < 7) return;
    __cpuid_count(7, 0, a, b, c, d);
    unsigned maxSub = a;
    have[F_AVX2] = avxState && (b & (1u << 5));
    have[F_AVX512F] = avx512State && (b & (1u << 16));
    have[F_AVX512BW] = avx512State && (b & (1u << 30));
    have[F_AVX512VL] = avx512State && (b & (1u << 31));
    have[F_AVX512_VNNI] = avx512State && (c & (1u << 11));
    have[F_AVX512_FP16] = avx512State && (d & (1u << 23));
    have[F_AMX_BF16] = amxState && (d & (1u << 22));
    have[F_AMX_TILE] = amxState && (d & (1u << 24));
    have[F_AMX_INT8] = amxState && (d & (1u << 25));
    if (maxSub >= 1) {
        __cpuid_count(7, 1, a, b, c, d);
        have[F_AVX_VNNI] = avxState && (a & (1u << 4));
        have[F_AVX512_BF16] = avx512State && (a & (1u << 5));
    }
}

static bool cpuidBrand(char out[49]) {
    unsigned regs[12];
    if ((unsigned)__get_cpuid_max(0x80000000u, NULL) < 0x80000004u) return false;
    for (unsigned i = 0; i < 3; i++)
        __get_cpuid(0x80000002 + i, &regs[i * 4], &regs[i * 4 + 1], &regs[i * 4 + 2], &regs[i * 4 + 3]);
    memcpy(out, regs, 48);
    out[48] = '\0';
    char *s = out;
    while (*s == ' ') s++;
    memmove(out, s, strlen(s) + 1);
    return out[0] != '\0';
}
#endif

/* ---- CPU identity and counts ---------------------------------------------- */

/* Arm MIDR implementer/part → a readable name for common server and client cores. */
static const char *armCoreName(unsigned implementer, unsigned part) {
    static const struct {
        unsigned impl, part;
        const char *name;
    } cores[] = {
        {0x41, 0xd0c, "ARM Neoverse-N1"}, {0x41, 0xd40, "ARM Neoverse-V1"}, {0x41, 0xd49, "ARM Neoverse-N2"},
        {0x41, 0xd4f, "ARM Neoverse-V2"}, {0x41, 0xd08, "ARM Cortex-A72"},  {0x41, 0xd0b, "ARM Cortex-A76"},
        {0x41, 0xd03, "ARM Cortex-A53"},  {0x61, 0x022, "Apple M1"},        {0x51, 0x001, "Qualcomm Oryon"},
    };
    for (size_t i = 0; i < sizeof cores / sizeof cores[0]; i++)
        if (cores[i].impl == implementer && cores[i].part == part) return cores[i].name;
    return NULL;
}

typedef struct CpuCounts {
    int logical;
    int sockets;
    int physical;
} CpuCounts;

#define MAX_TRACKED 4096

/* Counts distinct (package) and (package, core) pairs. */
typedef struct PairSet {
    long pkg[MAX_TRACKED], core[MAX_TRACKED];
    int n;
} PairSet;

static void pairAdd(PairSet *s, long pkg, long core) {
    for (int i = 0; i < s->n; i++)
        if (s->pkg[i] == pkg && s->core[i] == core) return;
    if (s->n < MAX_TRACKED) {
        s->pkg[s->n] = pkg;
        s->core[s->n] = core;
        s->n++;
    }
}

static int distinctPackages(const PairSet *s) {
    int n = 0;
    for (int i = 0; i < s->n; i++) {
        bool seen = false;
        for (int j = 0; j < i && !seen; j++) seen = s->pkg[j] == s->pkg[i];
        if (!seen) n++;
    }
    return n;
}

static bool readLong(const char *path, long *out) {
    char *text = NULL;
    if (!hgnDiagReadSmallFile(path, 64, &text)) return false;
    char *end;
    long v = strtol(text, &end, 10);
    bool ok = end != text;
    hgnFree(text);
    if (ok) *out = v;
    return ok;
}

/* sysfs topology of logical CPUs 0..n-1 (used when cpuinfo lacks physical ids). */
static bool sysfsCounts(const char *sysRoot, int logical, CpuCounts *cc) {
    PairSet *s = hgnCalloc(1, sizeof *s);
    if (!s) return false;
    for (int i = 0; i < logical; i++) {
        char rel[128];
        long pkg = 0, core = 0;
        snprintf(rel, sizeof rel, "devices/system/cpu/cpu%d/topology/physical_package_id", i);
        char *p = hgnDiagPathJoin(sysRoot, rel);
        bool ok = p && readLong(p, &pkg);
        hgnFree(p);
        snprintf(rel, sizeof rel, "devices/system/cpu/cpu%d/topology/core_id", i);
        p = hgnDiagPathJoin(sysRoot, rel);
        ok = ok && p && readLong(p, &core);
        hgnFree(p);
        if (!ok) {
            hgnFree(s);
            return false;
        }
        pairAdd(s, pkg, core);
    }
    cc->sockets = distinctPackages(s);
    cc->physical = s->n;
    hgnFree(s);
    return cc->physical > 0;
}

/* Value after "key\t: " on a cpuinfo line (NULL when the line is another key). */
static const char *cpuinfoValue(const char *line, const char *key) {
    size_t n = strlen(key);
    if (strncmp(line, key, n) != 0) return NULL;
    const char *p = line + n;
    while (*p == ' ' || *p == '\t') p++;
    if (*p != ':') return NULL;
    p++;
    while (*p == ' ') p++;
    return p;
}

void hgnHostProbeCpu(HgnJsonBuild *jb, const char *procRoot, const char *sysRoot, json_t *cpu) {
    bool realProc = procRoot == NULL;
    procRoot = procRoot ? procRoot : "/proc";
    sysRoot = sysRoot ? sysRoot : "/sys";
    struct utsname u;
    const char *arch = uname(&u) == 0 ? u.machine : NULL;

    char *path = hgnDiagPathJoin(procRoot, "cpuinfo");
    char *text = NULL;
    if (path) hgnDiagReadSmallFile(path, SMALL_FILE_MAX, &text);
    hgnFree(path);

    char model[256] = "", vendor[64] = "";
    char *flagList = NULL;
    unsigned implementer = 0, part = 0;
    CpuCounts cc = {0, 0, 0};
    PairSet *pairs = hgnCalloc(1, sizeof *pairs);
    long curPkg = -1, curCore = -1;
    bool sawPhysical = false;
    for (char *line = text; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        const char *v;
        if ((v = cpuinfoValue(line, "processor"))) {
            cc.logical++;
        } else if ((v = cpuinfoValue(line, "model name")) || (v = cpuinfoValue(line, "cpu model")) ||
                   (v = cpuinfoValue(line, "Model Name"))) {
            if (!model[0]) snprintf(model, sizeof model, "%s", v);
        } else if ((v = cpuinfoValue(line, "vendor_id"))) {
            if (!vendor[0]) snprintf(vendor, sizeof vendor, "%s", v);
        } else if ((v = cpuinfoValue(line, "CPU implementer"))) {
            implementer = (unsigned)strtoul(v, NULL, 0);
        } else if ((v = cpuinfoValue(line, "CPU part"))) {
            part = (unsigned)strtoul(v, NULL, 0);
        } else if ((v = cpuinfoValue(line, "physical id"))) {
            curPkg = strtol(v, NULL, 10);
            sawPhysical = true;
        } else if ((v = cpuinfoValue(line, "core id"))) {
            curCore = strtol(v, NULL, 10);
        } else if ((v = cpuinfoValue(line, "flags")) || (v = cpuinfoValue(line, "Features"))) {
            if (!flagList) flagList = hgnStrdup(v);
        } else if (line[0] == '\0') {
            if (pairs && curPkg >= 0) pairAdd(pairs, curPkg, curCore);
            curPkg = curCore = -1;
        }
        line = nl ? nl + 1 : NULL;
    }
    if (pairs && curPkg >= 0) pairAdd(pairs, curPkg, curCore);
    if (cc.logical == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        cc.logical = n > 0 ? (int)n : 0;
    }
    if (sawPhysical && pairs && pairs->n > 0) {
        cc.sockets = distinctPackages(pairs);
        cc.physical = pairs->n;
    } else if (!sysfsCounts(sysRoot, cc.logical, &cc)) {
        cc.sockets = cc.logical ? 1 : 0;
        cc.physical = cc.logical;
    }
    hgnFree(pairs);

    if (!model[0] && implementer) {
        const char *name = armCoreName(implementer, part);
        if (name)
            snprintf(model, sizeof model, "%s", name);
        else
            snprintf(model, sizeof model, "Arm implementer 0x%02x part 0x%03x", implementer, part);
    }
    if (!vendor[0] && implementer == 0x41) snprintf(vendor, sizeof vendor, "ARM");

    json_t *flags = hgnJbArray(jb);
    const char *flagsSource = NULL;
#ifdef HGN_HAVE_CPUID
    if (realProc) {
        bool have[F_COUNT] = {false};
        cpuidFeatures(have);
        appendFlags(jb, have, flags);
        flagsSource = "cpuid";
        char brand[49];
        if (!model[0] && cpuidBrand(brand)) snprintf(model, sizeof model, "%s", brand);
    }
#else
    (void)realProc;
#endif
    if (!flagsSource && flagList) {
        hgnCpuFlagsFromList(jb, flagList, flags);
        flagsSource = "cpuinfo";
    }
    hgnFree(flagList);
    hgnFree(text);

    hgnJbSetStr(jb, cpu, "vendor", vendor[0] ? vendor : NULL);
    hgnJbSetStr(jb, cpu, "model", model[0] ? model : "unknown");
    hgnJbSetStr(jb, cpu, "architecture", arch);
    hgnJbSetInt(jb, cpu, "sockets", cc.sockets);
    hgnJbSetInt(jb, cpu, "physicalCores", cc.physical);
    hgnJbSetInt(jb, cpu, "logicalCores", cc.logical);
    /* CPUs this process may run on (container cpusets, taskset) */
    cpu_set_t set;
    CPU_ZERO(&set);
    if (realProc && sched_getaffinity(0, sizeof set, &set) == 0)
        hgnJbSetInt(jb, cpu, "availableCores", CPU_COUNT(&set));
    else
        hgnJbSet(jb, cpu, "availableCores", json_null());
    hgnJbSet(jb, cpu, "flags", flags);
    hgnJbSetStr(jb, cpu, "flagsSource", flagsSource ? flagsSource : "none");
}

/* ---- memory ---------------------------------------------------------------- */

/* "Key:   123 kB" → bytes (kB scaled) into *out. */
static bool meminfoValue(const char *text, const char *key, bool scaleKb, int64_t *out) {
    size_t n = strlen(key);
    for (const char *line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
        if (strncmp(line, key, n) != 0 || line[n] != ':') continue;
        char *end;
        long long v = strtoll(line + n + 1, &end, 10);
        if (end == line + n + 1 || v < 0) return false;
        *out = scaleKb ? (int64_t)v * 1024 : (int64_t)v;
        return true;
    }
    return false;
}

static void setMeminfo(HgnJsonBuild *jb, json_t *obj, const char *text, const char *key, bool scaleKb,
                       const char *field) {
    int64_t v;
    if (text && meminfoValue(text, key, scaleKb, &v))
        hgnJbSetInt(jb, obj, field, v);
    else
        hgnJbSet(jb, obj, field, json_null());
}

/* memory.max of this process's cgroup v2 (0 when unlimited or unknown). */
static int64_t cgroupMemoryLimit(const char *procRoot, const char *sysRoot) {
    char *path = hgnDiagPathJoin(procRoot, "self/cgroup");
    char *text = NULL;
    bool ok = path && hgnDiagReadSmallFile(path, 65536, &text);
    hgnFree(path);
    if (!ok) return 0;
    int64_t limit = 0;
    const char *line = strstr(text, "0::");
    if (line && (line == text || line[-1] == '\n')) {
        const char *group = line + 3, *end = strchr(group, '\n');
        size_t n = end ? (size_t)(end - group) : strlen(group);
        char rel[1024];
        if (n < sizeof rel - 32) {
            snprintf(rel, sizeof rel, "fs/cgroup%.*s/memory.max", (int)n, group);
            char *maxPath = hgnDiagPathJoin(sysRoot, rel);
            char *value = NULL;
            if (maxPath && hgnDiagReadSmallFile(maxPath, 64, &value)) {
                char *stop;
                long long v = strtoll(value, &stop, 10);
                if (stop != value && v > 0) limit = v;
            }
            hgnFree(value);
            hgnFree(maxPath);
        }
    }
    hgnFree(text);
    return limit;
}

void hgnHostProbeMemory(HgnJsonBuild *jb, const char *procRoot, const char *sysRoot, json_t *memory) {
    procRoot = procRoot ? procRoot : "/proc";
    sysRoot = sysRoot ? sysRoot : "/sys";
    char *path = hgnDiagPathJoin(procRoot, "meminfo");
    char *text = NULL;
    if (path) hgnDiagReadSmallFile(path, SMALL_FILE_MAX, &text);
    hgnFree(path);
    int64_t total = 0;
    if (text && meminfoValue(text, "MemTotal", true, &total)) {
        hgnJbSetInt(jb, memory, "totalBytes", total);
    } else {
        long pages = sysconf(_SC_PHYS_PAGES), pageSize = sysconf(_SC_PAGESIZE);
        hgnJbSetInt(jb, memory, "totalBytes", pages > 0 && pageSize > 0 ? (int64_t)pages * pageSize : 0);
    }
    int64_t avail;
    if (text && meminfoValue(text, "MemAvailable", true, &avail)) {
        hgnJbSetInt(jb, memory, "availableBytes", avail);
    } else {
        long pages = sysconf(_SC_AVPHYS_PAGES), pageSize = sysconf(_SC_PAGESIZE);
        hgnJbSetInt(jb, memory, "availableBytes", pages > 0 && pageSize > 0 ? (int64_t)pages * pageSize : 0);
    }
    setMeminfo(jb, memory, text, "SwapTotal", true, "swapTotalBytes");
    setMeminfo(jb, memory, text, "SwapFree", true, "swapFreeBytes");
    json_t *huge = hgnJbObject(jb);
    setMeminfo(jb, huge, text, "HugePages_Total", false, "total");
    setMeminfo(jb, huge, text, "HugePages_Free", false, "free");
    setMeminfo(jb, huge, text, "Hugepagesize", true, "pageSizeBytes");
    hgnJbSet(jb, memory, "hugePages", huge);
    hgnFree(text);

    /* "always [madvise] never" → "madvise" */
    char *thpPath = hgnDiagPathJoin(sysRoot, "kernel/mm/transparent_hugepage/enabled");
    char *thp = NULL;
    char mode[32] = "";
    if (thpPath && hgnDiagReadSmallFile(thpPath, 256, &thp)) {
        const char *open = strchr(thp, '['), *close = open ? strchr(open, ']') : NULL;
        if (open && close && (size_t)(close - open - 1) < sizeof mode) {
            memcpy(mode, open + 1, (size_t)(close - open - 1));
            mode[close - open - 1] = '\0';
        }
    }
    hgnFree(thp);
    hgnFree(thpPath);
    hgnJbSetStr(jb, memory, "transparentHugePages", mode[0] ? mode : NULL);
    int64_t limit = cgroupMemoryLimit(procRoot, sysRoot);
    hgnJbSet(jb, memory, "cgroupLimitBytes", limit > 0 ? json_integer(limit) : json_null());
}
