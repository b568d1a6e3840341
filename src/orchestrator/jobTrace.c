/* jobTrace.c — job and step spans as JSON lines (see jobTrace.h). */
#include "orchestrator/jobTrace.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "core/alloc.h"
#include "huginn/log.h"

static int64_t nowUs(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* n random bytes as 2n hex digits (+ NUL) from getrandom(2) (one system call, no file to open: this runs per
 * step), else the clock. */
static void randomHex(char *out, size_t n) {
    unsigned char b[16] = {0};
    ssize_t r = getrandom(b, n, GRND_NONBLOCK);
    size_t got = r > 0 ? (size_t)r : 0;
    uint64_t x = (uint64_t)nowUs() ^ (uint64_t)(uintptr_t)out;
    for (size_t i = got; i < n; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        b[i] = (unsigned char)(x >> 56);
    }
    for (size_t i = 0; i < n; i++) snprintf(out + 2 * i, 3, "%02x", b[i]);
}

void jobTraceBegin(JobTrace *t, const char *dir, const char *jobId, const HgnPlan *plan) {
    memset(t, 0, sizeof *t);
    randomHex(t->traceId, 16);
    randomHex(t->jobSpanId, 8);
    snprintf(t->jobId, sizeof t->jobId, "%s", jobId);
    t->jobStartUs = t->stepStartUs = nowUs();
    hgnLogContextSet("jobId", jobId);
    hgnLogContextSet("traceId", t->traceId);
    hgnLogContextSet("spanId", t->jobSpanId);
    if (!dir) return;
    json_t *ids = json_array();
    for (size_t i = 0; plan && ids && i < plan->nNodes; i++)
        json_array_append_new(ids, json_string(plan->nodes[i].id ? plan->nodes[i].id : ""));
    char *text = ids ? json_dumps(ids, JSON_COMPACT) : NULL;
    json_decref(ids);
    t->planNodeIds = text ? hgnStrdup(text) : NULL;
    free(text);
    char path[4096];
    snprintf(path, sizeof path, "%s/trace.jsonl", dir);
    t->f = t->planNodeIds ? fopen(path, "ab") : NULL;
}

static void writeSpan(JobTrace *t, const char *spanId, const char *parent, const char *name, int64_t start, int64_t end,
                      const char *status) {
    if (!t->f) return;
    fprintf(t->f,
            "{\"traceId\":\"%s\",\"spanId\":\"%s\",\"parentSpanId\":%s%s%s,\"name\":\"%s\",\"startUs\":%lld,"
            "\"endUs\":%lld,\"jobId\":\"%s\",\"planNodeIds\":%s,\"status\":\"%s\"}\n",
            t->traceId, spanId, parent ? "\"" : "", parent ? parent : "null", parent ? "\"" : "", name,
            (long long)start, (long long)end, t->jobId, t->planNodeIds, status);
}

void jobTraceStep(JobTrace *t) {
    int64_t now = nowUs();
    char spanId[17], name[48];
    randomHex(spanId, 8);
    snprintf(name, sizeof name, "step %llu", (unsigned long long)++t->steps);
    writeSpan(t, spanId, t->jobSpanId, name, t->stepStartUs, now, "ok");
    t->stepStartUs = now;
}

void jobTraceEnd(JobTrace *t, bool ok) {
    writeSpan(t, t->jobSpanId, NULL, "job", t->jobStartUs, nowUs(), ok ? "ok" : "error");
    if (t->f) fclose(t->f);
    t->f = NULL;
    hgnFree(t->planNodeIds);
    t->planNodeIds = NULL;
    /* the log context (jobId, traceId, spanId) stays until the run's outcome is logged: hgnJobRunNext
     * clears it (jobMetricsRunDone) */
}
