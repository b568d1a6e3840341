/* benchJobs.c — the job orchestrator in-process on the SQLite store (a file in
 * /tmp, WAL, synchronous=FULL): submissions/s, status reads/s, and the
 * scheduling overhead per step event (what the execution engine does per
 * generated piece: record a progress event in the store and notify
 * subscribers; a heartbeat every leaseMs/3), with p50/p99. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "huginn/jobs.h"
#include "orchestrator/jobManagerInt.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmpD(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void onEvent(void *u, const HgnJobEvent *ev) {
    (void)ev;
    ++*(long *)u;
}

static int fail(HgnStatus st) {
    fprintf(stderr, "benchJobs: %s\n", hgnStatusMessage(st));
    hgnStatusFree(st);
    return 1;
}

static int runOne(HgnJobDurability durability, const char *label) {
    char path[128];
    snprintf(path, sizeof path, "/tmp/benchJobs-%d.db", (int)getpid());
    HgnJobManagerConfig c;
    hgnJobManagerConfigInit(&c);
    c.storePath = path;
    c.durability = durability;
    c.maxQueuedPerOwner = 1 << 30;
    c.maxQueuedTotal = 1 << 30;
    c.maxRunningPerOwner = 1 << 30;
    HgnJobManager *m = NULL;
    HgnStatus st = hgnJobManagerOpen(&c, &m);
    if (st) return fail(st);
    long seen = 0;
    hgnJobSubscribe(m, onEvent, &seen);
    const char *plan = "{\"schemaVersion\":1,\"model\":{\"path\":\"model.gguf\"},\"nodes\":[]}";
    enum { N = 2000 };
    static char ids[N][HGN_JOB_ID_LEN + 1];
    static double lat[N * 10];
    double t0 = now();
    for (int i = 0; i < N; i++) {
        HgnJobSubmit s = {.owner = i % 2 ? "alice" : "bob", .planJson = plan};
        double a = now();
        if ((st = hgnJobSubmit(m, &s, ids[i]))) return fail(st);
        lat[i] = now() - a;
    }
    double dt = now() - t0;
    qsort(lat, N, sizeof *lat, cmpD);
    printf("[%s] submissions: %.0f /s (p50 %.3f ms, p99 %.3f ms, %d jobs)\n", label, N / dt, lat[N / 2] * 1e3,
           lat[N * 99 / 100] * 1e3, N);
    t0 = now();
    enum { R = 20000 };
    for (int i = 0; i < R; i++) {
        HgnJob j;
        if ((st = hgnJobGet(m, ids[(i * 7919) % N], NULL, &j))) return fail(st);
        hgnJobClear(&j);
    }
    dt = now() - t0;
    printf("[%s] status reads: %.0f /s\n", label, R / dt);
    HgnJobStore *s = hgnJobManagerStore(m);
    HgnJob job;
    bool found = false;
    if ((st = s->ops->claim(s, hgnJobManagerId(m), (int64_t)(now() * 1e3), 30000,
                            &(HgnJobClaimPolicy){.maxRunningPerOwner = 1 << 30, .maxMemoryPerOwner = 0}, &job, &found)))
        return fail(st);
    if (!found) return 1;
    /* the engine's per-step path; the lease clock is wall time so heartbeats happen every 10 s */
    ExecStep step = {.m = m, .job = &job, .lastBeatMs = managerNow(m)};
    enum { E = 20000 };
    for (int i = 0; i < E; i++) {
        double a = now();
        executionRecordStep(&step);
        lat[i] = now() - a;
    }
    qsort(lat, E, sizeof *lat, cmpD);
    printf("[%s] step event overhead: p50 %.2f us, p99 %.2f us, max %.1f us (%d steps)\n", label, lat[E / 2] * 1e6,
           lat[E * 99 / 100] * 1e6, lat[E - 1] * 1e6, E);
    hgnJobClear(&job);
    hgnJobManagerClose(m);
    unlink(path);
    char side[160];
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    return 0;
}

int main(void) {
    int rc = runOne(HGN_JOB_DURABILITY_FULL, "synchronous=FULL");
    if (!rc) rc = runOne(HGN_JOB_DURABILITY_NORMAL, "synchronous=NORMAL");
    return rc;
}
