/* artifacts.c — the artefacts folder of a run (see artifacts.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/alloc.h"
#include "core/fileIo.h"
#include "runtime/artifacts.h"

static double mono(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static HgnStatus mkdirs(const char *dir) {
    char path[4096];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
        return hgnStatusNew(HGN_CODE_InvalidArgument, dir, NULL, "artefacts path too long");
    for (char *p = path + 1;; p++) {
        if (*p == '/' || *p == 0) {
            char c = *p;
            *p = 0;
            if (mkdir(path, 0755) != 0 && errno != EEXIST)
                return hgnStatusNew(HGN_CODE_IoError, path, "choose a writable artefacts folder (runtime.artifactsDir)",
                                    "cannot create the artefacts folder: %s", strerror(errno));
            *p = c;
            if (!c) break;
        }
    }
    return HGN_OK;
}

static char *join(const char *dir, const char *name) {
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = hgnMalloc(n);
    if (p) snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static FILE *openPartial(const char *dir, const char *name) {
    char *p = join(dir, name);
    if (!p) return NULL;
    FILE *f = fopen(p, "w");
    hgnFree(p);
    return f;
}

/* The first `keep` lines of fromDir's outputs (.partial first) whose "index" runs 0, 1, …; *n how many. */
static void readKept(const char *fromDir, size_t keep, HgnBuf *out, size_t *n) {
    *n = 0;
    if (!fromDir || !keep) return;
    static const char *const names[] = {"outputs.jsonl.partial", "outputs.jsonl"};
    HgnBuf old;
    hgnBufInit(&old);
    for (size_t i = 0; i < 2 && old.len == 0; i++) {
        char *p = join(fromDir, names[i]);
        FILE *f = p ? fopen(p, "rb") : NULL;
        hgnFree(p);
        if (!f) continue;
        if (hgnFileReadStream(f, &old) != 0) old.len = 0;
        fclose(f);
    }
    const char *s = hgnBufOk(&old) && old.len ? hgnBufStr(&old) : "";
    while (*n < keep) {
        const char *nl = strchr(s, '\n');
        char want[48];
        int wn = snprintf(want, sizeof want, "{\"index\":%zu,", *n);
        if (!nl || strncmp(s, want, (size_t)wn) != 0) break; /* a torn or foreign line ends what is kept */
        hgnBufAppend(out, s, (size_t)(nl + 1 - s));
        s = nl + 1;
        (*n)++;
    }
    hgnBufFree(&old);
}

HgnStatus rtArtifactsOpen(RtArtifacts *a, const char *dir) { return rtArtifactsOpenResumed(a, dir, NULL, 0, NULL); }

HgnStatus rtArtifactsOpenResumed(RtArtifacts *a, const char *dir, const char *fromDir, size_t keep, size_t *kept) {
    memset(a, 0, sizeof *a);
    hgnBufInit(&a->trace);
    a->t0 = mono();
    if (kept) *kept = 0;
    if (!dir) return HGN_OK;
    HgnStatus st = mkdirs(dir);
    if (st) return st;
    HgnBuf carried; /* read before the files below are replaced (fromDir may be dir) */
    hgnBufInit(&carried);
    size_t nCarried = 0;
    readKept(fromDir, keep, &carried, &nCarried);
    a->dir = hgnStrdup(dir);
    if (!a->dir) {
        hgnBufFree(&carried);
        return hgnStatusNew(HGN_CODE_OutOfMemory, dir, NULL, "out of memory");
    }
    /* a previous run's results are no longer this folder's */
    static const char *const old[] = {"summary.json", "error.json", "outputs.jsonl", "metrics.jsonl", "trace.json"};
    for (size_t i = 0; i < sizeof old / sizeof old[0]; i++) {
        char *p = join(dir, old[i]);
        if (p) remove(p);
        hgnFree(p);
    }
    a->outputs = openPartial(dir, "outputs.jsonl.partial");
    a->metrics = openPartial(dir, "metrics.jsonl.partial");
    if (!a->outputs || !a->metrics) {
        hgnBufFree(&carried);
        rtArtifactsClose(a);
        return hgnStatusNew(HGN_CODE_IoError, dir, "choose a writable artefacts folder",
                            "cannot write in the artefacts folder: %s", strerror(errno));
    }
    if (nCarried) {
        fwrite(hgnBufStr(&carried), 1, carried.len, a->outputs);
        fflush(a->outputs);
    }
    hgnBufFree(&carried);
    if (kept) *kept = nCarried;
    return HGN_OK;
}

double rtArtifactsClock(const RtArtifacts *a) { return mono() - a->t0; }

void rtArtifactsOutput(RtArtifacts *a, const char *line) {
    if (a->outputs) fprintf(a->outputs, "%s\n", line), fflush(a->outputs);
}

void rtArtifactsMetric(RtArtifacts *a, const char *line) {
    if (a->metrics) fprintf(a->metrics, "%s\n", line), fflush(a->metrics);
}

void rtArtifactsTrace(RtArtifacts *a, const char *name, double start, double end, const char *args) {
    if (!a->dir) return;
    if (a->trace.len) hgnBufAppendStr(&a->trace, ",\n");
    hgnBufAppendf(&a->trace, "{\"name\":\"%s\",\"ph\":\"X\",\"pid\":1,\"tid\":1,\"ts\":%.1f,\"dur\":%.1f%s%s}", name,
                  start * 1e6, (end - start) * 1e6, args ? ",\"args\":" : "", args ? args : "");
}

static HgnStatus writeAtomic(const char *dir, const char *name, const char *text) {
    char *p = join(dir, name);
    if (!p) return hgnStatusNew(HGN_CODE_OutOfMemory, dir, NULL, "out of memory");
    HgnAtomicFile f;
    HgnStatus st = hgnAtomicFileOpen(&f, p, name);
    if (!st) {
        size_t n = strlen(text);
        hgnAtomicFileWriteAt(&f, text, n, 0);
        st = hgnAtomicFileCommit(&f, n);
    }
    hgnFree(p);
    return st;
}

static HgnStatus renamePartial(const char *dir, const char *name) {
    char *to = join(dir, name), *from = NULL;
    HgnStatus st = HGN_OK;
    if (to) {
        size_t n = strlen(to) + 9;
        from = hgnMalloc(n);
        if (from) snprintf(from, n, "%s.partial", to);
    }
    if (!to || !from)
        st = hgnStatusNew(HGN_CODE_OutOfMemory, dir, NULL, "out of memory");
    else if (rename(from, to) != 0)
        st = hgnStatusNew(HGN_CODE_IoError, from, NULL, "cannot rename: %s", strerror(errno));
    hgnFree(to);
    hgnFree(from);
    return st;
}

HgnStatus rtArtifactsFinish(RtArtifacts *a, const char *summaryJson) {
    if (!a->dir) return HGN_OK;
    if (a->outputs) fclose(a->outputs);
    if (a->metrics) fclose(a->metrics);
    a->outputs = a->metrics = NULL;
    HgnBuf t;
    hgnBufInit(&t);
    hgnBufAppendStr(&t, "{\"traceEvents\":[\n");
    hgnBufAppend(&t, hgnBufStr(&a->trace), a->trace.len);
    hgnBufAppendStr(&t, "\n]}\n");
    HgnStatus st = hgnBufOk(&t) ? writeAtomic(a->dir, "trace.json", hgnBufStr(&t))
                                : hgnStatusNew(HGN_CODE_OutOfMemory, a->dir, NULL, "out of memory");
    hgnBufFree(&t);
    if (!st) st = renamePartial(a->dir, "outputs.jsonl");
    if (!st) st = renamePartial(a->dir, "metrics.jsonl");
    if (!st) st = writeAtomic(a->dir, "summary.json", summaryJson);
    return st;
}

void rtArtifactsFail(RtArtifacts *a, HgnStatus st) {
    if (!a->dir || !st) return;
    HgnBuf b;
    hgnBufInit(&b);
    hgnBufAppendf(&b, "{\"status\":\"failed\",\"code\":\"HGN-%04d\",\"message\":", (int)hgnStatusCode(st));
    const char *m = hgnStatusMessage(st);
    hgnBufAppendJsonString(&b, m, strlen(m));
    hgnBufAppendStr(&b, "}\n");
    if (hgnBufOk(&b)) hgnStatusFree(writeAtomic(a->dir, "error.json", hgnBufStr(&b)));
    hgnBufFree(&b);
}

void rtArtifactsClose(RtArtifacts *a) {
    if (a->outputs) fclose(a->outputs);
    if (a->metrics) fclose(a->metrics);
    hgnBufFree(&a->trace);
    hgnFree(a->dir);
    memset(a, 0, sizeof *a);
}
