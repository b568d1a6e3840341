/* renderText.c — hgnDiagnosticsRenderText: the report as aligned text tables. */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/strBuf.h"
#include "huginn/diagnostics.h"

#define MAX_COLS 10
#define MAX_ROWS 512

typedef struct Table {
    char *cells[MAX_ROWS][MAX_COLS];
    int nRows, nCols;
    bool oom;
} Table;

static void tableRow(Table *t, int nCols, ...) {
    if (t->nRows >= MAX_ROWS) return;
    va_list ap;
    va_start(ap, nCols);
    for (int c = 0; c < nCols && c < MAX_COLS; c++) {
        const char *s = va_arg(ap, const char *);
        char *copy = hgnStrdup(s ? s : "-");
        if (!copy) t->oom = true;
        t->cells[t->nRows][c] = copy;
    }
    va_end(ap);
    if (nCols > t->nCols) t->nCols = nCols;
    t->nRows++;
}

static void tableFree(Table *t) {
    for (int r = 0; r < t->nRows; r++)
        for (int c = 0; c < MAX_COLS; c++) {
            hgnFree(t->cells[r][c]);
            t->cells[r][c] = NULL;
        }
    t->nRows = t->nCols = 0;
}

/* Display width: UTF-8 code points (continuation bytes do not count). */
static size_t displayWidth(const char *s) {
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) n++;
    return n;
}

/* Writes t indented by two spaces; row 0 is a header (bold) when header. */
static void tableWrite(HgnBuf *b, Table *t, bool header, bool color) {
    size_t width[MAX_COLS] = {0};
    for (int r = 0; r < t->nRows; r++)
        for (int c = 0; c < t->nCols; c++)
            if (t->cells[r][c] && displayWidth(t->cells[r][c]) > width[c]) width[c] = displayWidth(t->cells[r][c]);
    for (int r = 0; r < t->nRows; r++) {
        hgnBufAppendStr(b, "  ");
        bool bold = header && r == 0 && color;
        if (bold) hgnBufAppendStr(b, "\033[1m");
        for (int c = 0; c < t->nCols; c++) {
            const char *cell = t->cells[r][c] ? t->cells[r][c] : "";
            hgnBufAppendStr(b, cell);
            if (c + 1 < t->nCols) {
                for (size_t pad = displayWidth(cell); pad < width[c] + 2; pad++) hgnBufAppendChar(b, ' ');
            }
        }
        if (bold) hgnBufAppendStr(b, "\033[0m");
        while (b->len && b->data[b->len - 1] == ' ') b->data[--b->len] = '\0';
        hgnBufAppendChar(b, '\n');
    }
    if (t->oom) b->oom = true;
    tableFree(t);
}

static void title(HgnBuf *b, bool color, const char *text, const char *extra) {
    if (b->len) hgnBufAppendChar(b, '\n');
    hgnBufAppendf(b, "%s%s%s%s\n", color ? "\033[1m" : "", text, color ? "\033[0m" : "", extra ? extra : "");
}

static void bytesText(char *out, size_t n, const json_t *v) {
    if (!json_is_integer(v)) {
        snprintf(out, n, "-");
        return;
    }
    double x = (double)json_integer_value(v);
    static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    int u = 0;
    while (x >= 1024 && u < 5) {
        x /= 1024;
        u++;
    }
    snprintf(out, n, u ? "%.1f %s" : "%.0f %s", x, units[u]);
}

static void rateText(char *out, size_t n, const json_t *v) {
    if (!json_is_integer(v)) {
        snprintf(out, n, "-");
        return;
    }
    snprintf(out, n, "%.1f GB/s", (double)json_integer_value(v) / 1e9);
}

static const char *str(const json_t *o, const char *key) { return json_string_value(json_object_get(o, key)); }

static void intText(char *out, size_t n, const json_t *v) {
    if (json_is_integer(v))
        snprintf(out, n, "%lld", (long long)json_integer_value(v));
    else
        snprintf(out, n, "-");
}

static void renderHost(HgnBuf *b, const json_t *r, bool color, Table *t) {
    const json_t *host = json_object_get(r, "host");
    title(b, color, "Host", NULL);
    tableRow(t, 2, "OS", str(host, "os"));
    tableRow(t, 2, "Kernel", str(host, "kernel"));
    tableRow(t, 2, "Architecture", str(host, "arch"));
    tableRow(t, 2, "Hostname", str(host, "hostname"));
    tableRow(t, 2, "Huginn", str(r, "huginnVersion"));
    tableWrite(b, t, false, color);
}

static void renderCpu(HgnBuf *b, const json_t *r, bool color, Table *t) {
    const json_t *cpu = json_object_get(r, "cpu");
    title(b, color, "CPU", NULL);
    char cores[200], s[32], p[32], l[32];
    intText(s, sizeof s, json_object_get(cpu, "sockets"));
    intText(p, sizeof p, json_object_get(cpu, "physicalCores"));
    intText(l, sizeof l, json_object_get(cpu, "logicalCores"));
    char a[32];
    intText(a, sizeof a, json_object_get(cpu, "availableCores"));
    snprintf(cores, sizeof cores, "%s socket(s), %s physical, %s logical, %s usable by this process", s, p, l, a);
    HgnBuf flags;
    hgnBufInit(&flags);
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(cpu, "flags"), i, f) {
        hgnBufAppendf(&flags, "%s%s", i ? " " : "", json_string_value(f));
    }
    if (str(cpu, "flagsSource")) hgnBufAppendf(&flags, " (%s)", str(cpu, "flagsSource"));
    tableRow(t, 2, "Model", str(cpu, "model"));
    tableRow(t, 2, "Architecture", str(cpu, "architecture"));
    tableRow(t, 2, "Cores", cores);
    tableRow(t, 2, "ISA features", flags.len ? hgnBufStr(&flags) : NULL);
    if (!hgnBufOk(&flags)) b->oom = true;
    hgnBufFree(&flags);
    tableWrite(b, t, false, color);
}

static void renderMemory(HgnBuf *b, const json_t *r, bool color, Table *t) {
    const json_t *mem = json_object_get(r, "memory");
    const json_t *huge = json_object_get(mem, "hugePages");
    title(b, color, "Memory", NULL);
    char total[32], avail[32], swapT[32], swapF[32], hp[256], hpSize[32], line[256];
    bytesText(total, sizeof total, json_object_get(mem, "totalBytes"));
    bytesText(avail, sizeof avail, json_object_get(mem, "availableBytes"));
    bytesText(swapT, sizeof swapT, json_object_get(mem, "swapTotalBytes"));
    bytesText(swapF, sizeof swapF, json_object_get(mem, "swapFreeBytes"));
    bytesText(hpSize, sizeof hpSize, json_object_get(huge, "pageSizeBytes"));
    char hf[32], ht[32];
    intText(hf, sizeof hf, json_object_get(huge, "free"));
    intText(ht, sizeof ht, json_object_get(huge, "total"));
    snprintf(hp, sizeof hp, "%s free of %s (%s pages); THP %s", hf, ht, hpSize,
             str(mem, "transparentHugePages") ? str(mem, "transparentHugePages") : "-");
    snprintf(line, sizeof line, "%s free of %s", swapF, swapT);
    tableRow(t, 2, "Total", total);
    tableRow(t, 2, "Available", avail);
    tableRow(t, 2, "Swap", line);
    tableRow(t, 2, "Huge pages", hp);
    if (json_is_integer(json_object_get(mem, "cgroupLimitBytes"))) {
        char limit[32];
        bytesText(limit, sizeof limit, json_object_get(mem, "cgroupLimitBytes"));
        tableRow(t, 2, "Cgroup limit", limit);
    }
    tableWrite(b, t, false, color);
}

static void renderDisk(HgnBuf *b, const json_t *r, bool color, Table *t) {
    const json_t *disk = json_object_get(r, "disk");
    title(b, color, "Cache disk", NULL);
    char path[1200], space[256], fr[32], tot[32], fs[160];
    snprintf(path, sizeof path, "%s (%s%s)", str(disk, "path") ? str(disk, "path") : "-",
             str(disk, "pathSource") ? str(disk, "pathSource") : "-",
             json_is_false(json_object_get(disk, "exists")) ? "; not created yet" : "");
    bytesText(fr, sizeof fr, json_object_get(disk, "freeBytes"));
    bytesText(tot, sizeof tot, json_object_get(disk, "totalBytes"));
    snprintf(space, sizeof space, "%s free of %s", fr, tot);
    snprintf(fs, sizeof fs, "%s%s", str(disk, "filesystem") ? str(disk, "filesystem") : "-",
             json_is_true(json_object_get(disk, "network")) ? " (network)" : "");
    tableRow(t, 2, "Path", path);
    tableRow(t, 2, "Filesystem", fs);
    tableRow(t, 2, "Space", space);
    tableRow(t, 2, "Writable", json_is_true(json_object_get(disk, "writable")) ? "yes" : "no");
    tableWrite(b, t, false, color);
}

static void renderGpus(HgnBuf *b, const json_t *r, bool color, Table *t) {
    const json_t *drv = json_object_get(r, "gpuDriver");
    char extra[256];
    if (json_is_true(json_object_get(drv, "available")))
        snprintf(extra, sizeof extra, "  (NVIDIA driver %s, CUDA %s)",
                 str(drv, "nvidiaDriverVersion") ? str(drv, "nvidiaDriverVersion") : "?",
                 str(drv, "cudaDriverVersion") ? str(drv, "cudaDriverVersion") : "?");
    else
        snprintf(extra, sizeof extra, "  (no NVIDIA driver)");
    title(b, color, "GPUs", extra);
    const json_t *gpus = json_object_get(r, "gpus");
    if (json_array_size(gpus) == 0) {
        hgnBufAppendStr(b, "  none found\n");
        return;
    }
    tableRow(t, 9, "#", "Name", "Memory", "Free", "CC", "PCIe", "Power", "NUMA", "State");
    size_t i;
    json_t *g;
    json_array_foreach(gpus, i, g) {
        char idx[16], mem[32], fr[32], pcie[32], power[32], numa[16];
        intText(idx, sizeof idx, json_object_get(g, "index"));
        bytesText(mem, sizeof mem, json_object_get(g, "memoryTotalBytes"));
        if (str(g, "memorySource") && strcmp(str(g, "memorySource"), "nvml") != 0) {
            size_t n = strlen(mem);
            snprintf(mem + n, sizeof mem - n, " (%s)", str(g, "memorySource"));
        }
        bytesText(fr, sizeof fr, json_object_get(g, "memoryFreeBytes"));
        json_t *gen = json_object_get(g, "pcieGeneration"), *width = json_object_get(g, "pcieWidth");
        if (json_is_integer(gen) && json_is_integer(width))
            snprintf(pcie, sizeof pcie, "Gen%lld x%lld", (long long)json_integer_value(gen),
                     (long long)json_integer_value(width));
        else
            snprintf(pcie, sizeof pcie, "-");
        json_t *pw = json_object_get(g, "powerLimitWatts");
        if (json_is_number(pw))
            snprintf(power, sizeof power, "%.0f W", json_number_value(pw));
        else
            snprintf(power, sizeof power, "-");
        intText(numa, sizeof numa, json_object_get(g, "numaNode"));
        const char *state = str(g, "state") ? str(g, "state") : "-";
        char stateText[48];
        bool bad = strcmp(state, "ok") != 0;
        snprintf(stateText, sizeof stateText, "%s%s%s", bad && color ? "\033[31m" : "", state,
                 bad && color ? "\033[0m" : "");
        tableRow(t, 9, idx, str(g, "name"), mem, fr, str(g, "computeCapability"), pcie, power, numa, stateText);
    }
    tableWrite(b, t, true, color);
}

static void renderTopology(HgnBuf *b, const json_t *r, bool color, Table *t) {
    const json_t *topo = json_object_get(r, "topology");
    if (!topo) return;
    title(b, color, "Topology", NULL);
    HgnBuf line;
    hgnBufInit(&line);
    size_t i;
    json_t *n;
    const json_t *numa = json_object_get(topo, "numaNodes");
    hgnBufAppendf(&line, "%zu", json_array_size(numa));
    json_array_foreach(numa, i, n) {
        char mem[32];
        bytesText(mem, sizeof mem, json_object_get(n, "memoryBytes"));
        hgnBufAppendf(&line, "%s node %lld: %s, %lld cores", i ? ";" : " —",
                      (long long)json_integer_value(json_object_get(n, "index")), mem,
                      (long long)json_integer_value(json_object_get(n, "cores")));
    }
    tableRow(t, 2, "NUMA nodes", hgnBufStr(&line));
    hgnBufClear(&line);
    const char *machine = str(topo, "machine");
    if (machine) tableRow(t, 2, "Machine", machine);
    char count[64];
    snprintf(count, sizeof count, "%zu GPU(s), %zu NVSwitch(es), %zu NVLink link record(s)",
             json_array_size(json_object_get(topo, "gpus")), json_array_size(json_object_get(topo, "nvswitches")),
             json_array_size(json_object_get(topo, "links")));
    tableRow(t, 2, "Devices", count);
    /* one line per distinct GPU↔GPU path kind: count, slowest bandwidth, sources */
    static const char *paths[] = {"nvlink", "nvswitch", "pcieSwitch", "pcieHost", "pcieCrossSocket"};
    const json_t *entries = json_object_get(json_object_get(topo, "matrix"), "entries");
    for (size_t p = 0; p < sizeof paths / sizeof paths[0]; p++) {
        size_t cnt = 0;
        json_int_t minBps = 0;
        const char *src = NULL;
        json_t *e;
        json_array_foreach(entries, i, e) {
            const char *a = str(e, "a");
            if (!a || strncmp(a, "gpu:", 4) != 0 || !str(e, "path") || strcmp(str(e, "path"), paths[p]) != 0) continue;
            json_int_t bps = json_integer_value(json_object_get(e, "bandwidthBytesPerSec"));
            if (!cnt || bps < minBps) minBps = bps;
            src = str(e, "source");
            cnt++;
        }
        if (!cnt) continue;
        char label[48], rate[32];
        snprintf(label, sizeof label, "GPU↔GPU %s", paths[p]);
        json_t *v = json_integer(minBps);
        rateText(rate, sizeof rate, v);
        json_decref(v);
        hgnBufClear(&line);
        hgnBufAppendf(&line, "%zu pair(s), ≥ %s (%s)", cnt, rate, src ? src : "-");
        tableRow(t, 2, label, hgnBufStr(&line));
    }
    const json_t *gpus = json_object_get(topo, "gpus");
    json_array_foreach(gpus, i, n) {
        if (i >= 64) break;
        char label[32], rate[32], nm[16];
        snprintf(label, sizeof label, "GPU %lld", (long long)json_integer_value(json_object_get(n, "index")));
        rateText(rate, sizeof rate, json_object_get(n, "pcieLinkBytesPerSec"));
        intText(nm, sizeof nm, json_object_get(n, "numaNode"));
        hgnBufClear(&line);
        hgnBufAppendf(&line, "%s, NUMA %s, PCIe %s, %zu bridge(s) up to the host", str(n, "pciBusId"), nm, rate,
                      json_array_size(json_object_get(n, "pciPath")));
        tableRow(t, 2, label, hgnBufStr(&line));
    }
    tableRow(t, 2, "Digest", str(topo, "topologyDigest"));
    if (!hgnBufOk(&line)) b->oom = true;
    hgnBufFree(&line);
    tableWrite(b, t, false, color);
}

static void renderMessages(HgnBuf *b, const json_t *r, bool color) {
    const json_t *warnings = json_object_get(r, "warnings");
    size_t i;
    json_t *w;
    if (json_array_size(warnings)) {
        title(b, color, "Warnings", NULL);
        json_array_foreach(warnings, i, w) {
            hgnBufAppendf(b, "  %s! %s%s\n", color ? "\033[33m" : "", str(w, "message") ? str(w, "message") : "-",
                          color ? "\033[0m" : "");
        }
    }
    const json_t *notes = json_object_get(r, "notes");
    if (json_array_size(notes)) {
        title(b, color, "Notes", NULL);
        json_array_foreach(notes, i, w) {
            hgnBufAppendf(b, "  - %s\n", json_string_value(w) ? json_string_value(w) : "-");
        }
    }
}

HgnStatus hgnDiagnosticsRenderText(const json_t *report, bool color, char **out) {
    *out = NULL;
    if (!json_is_object(report))
        return hgnStatusNew(HGN_CODE_InvalidArgument, "diagnostics", NULL, "the report is not a JSON object");
    Table *t = hgnCalloc(1, sizeof *t);
    if (!t) return hgnStatusNew(HGN_CODE_OutOfMemory, "diagnostics", NULL, "cannot render the report");
    HgnBuf b;
    hgnBufInit(&b);
    renderHost(&b, report, color, t);
    renderCpu(&b, report, color, t);
    renderMemory(&b, report, color, t);
    renderDisk(&b, report, color, t);
    renderGpus(&b, report, color, t);
    tableFree(t);
    renderTopology(&b, report, color, t);
    renderMessages(&b, report, color);
    hgnFree(t);
    if (!hgnBufOk(&b)) {
        hgnBufFree(&b);
        return hgnStatusNew(HGN_CODE_OutOfMemory, "diagnostics", NULL, "cannot render the report");
    }
    *out = hgnBufDetach(&b);
    return HGN_OK;
}
