/* benchJobControl.c — what job control costs and how fast it acts, on the
 * SQLite store (a file in /tmp, WAL) and the fixture model: the per-token
 * stop check of a running job (an atomic flag, a clock read, and a narrow
 * store poll every 50 ms), and the latency from hgnJobCancel returning to
 * the job being CANCELLED, asked through the running manager (a flag) and
 * through another manager on the same store (the poll). Prints figures.
 * Run from the source root or set HGN_SOURCE_DIR (for the fixture plan). */
#include <pthread.h>
#include <stdatomic.h>
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

static int fail(HgnStatus st) {
    fprintf(stderr, "benchJobControl: %s\n", hgnStatusMessage(st));
    hgnStatusFree(st);
    return 1;
}

typedef struct Latency {
    HgnJobManager *asker;
    char id[HGN_JOB_ID_LEN + 1];
    atomic_llong steps;
    long long stepsAtAsk;
    double askedAt, lastStepAt;
} Latency;

static void countSteps(void *u, const HgnJobEvent *ev) {
    Latency *l = u;
    if (ev->kind != HGN_JOB_EVENT_PROGRESS) return;
    atomic_store(&l->steps, ev->stepsDone);
    l->lastStepAt = now();
}

static void *cancelAt(void *u) {
    Latency *l = u;
    while (atomic_load(&l->steps) < 4) {
        struct timespec ts = {0, 100000};
        nanosleep(&ts, NULL);
    }
    HgnStatus st = hgnJobCancel(l->asker, l->id, NULL);
    l->askedAt = now();
    l->stepsAtAsk = atomic_load(&l->steps);
    if (st) {
        fprintf(stderr, "cancel: %s\n", hgnStatusMessage(st));
        hgnStatusFree(st);
    }
    return NULL;
}

/* One cancel of a running 240-token job: ms from the cancel's return to the last token (*stopMs), tokens
 * produced after it (*extra); returns the ms to CANCELLED (the stop, the checkpoint at the stop, the
 * final commit). */
static double cancelLatency(HgnJobManager *runner, HgnJobManager *asker, const char *plan, double *stopMs,
                            long long *extra) {
    Latency l = {.asker = asker};
    atomic_init(&l.steps, 0);
    HgnJobSubmit s = {.owner = "bench", .planPath = plan, .prompt = "Once upon a time", .maxTokens = 240};
    HgnStatus st = hgnJobSubmit(runner, &s, l.id);
    if (st) return fail(st), -1;
    int64_t h = hgnJobSubscribe(runner, countSteps, &l);
    pthread_t t;
    pthread_create(&t, NULL, cancelAt, &l);
    bool ran = false;
    st = hgnJobRunNext(runner, &ran);
    double end = now();
    pthread_join(t, NULL);
    hgnJobUnsubscribe(runner, h);
    if (st) return fail(st), -1;
    HgnJob j;
    if ((st = hgnJobGet(runner, l.id, NULL, &j))) return fail(st), -1;
    bool cancelled = j.state == HGN_JOB_CANCELLED;
    long long steps = (long long)j.stepsDone;
    hgnJobClear(&j);
    *extra = steps - l.stepsAtAsk;
    *stopMs = l.lastStepAt > l.askedAt ? (l.lastStepAt - l.askedAt) * 1e3 : 0;
    if (!cancelled) {
        fprintf(stderr, "benchJobControl: the job ended before the cancel (%lld tokens)\n", steps);
        return -1;
    }
    return (end - l.askedAt) * 1e3;
}

int main(void) {
    char path[128], art[160], plan[512];
    snprintf(path, sizeof path, "/tmp/benchJobControl-%d.db", (int)getpid());
    snprintf(art, sizeof art, "/tmp/benchJobControl-%d-artifacts", (int)getpid());
    const char *root = getenv("HGN_SOURCE_DIR");
    snprintf(plan, sizeof plan, "%s/tests/data/runtime/fixture.plan.json", root ? root : ".");
    HgnJobManagerConfig c;
    hgnJobManagerConfigInit(&c);
    c.storePath = path;
    c.artifactsRoot = art;
    c.managerId = "runner";
    c.ignoreEos = true;
    HgnJobManager *runner = NULL, *api = NULL;
    HgnStatus st = hgnJobManagerOpen(&c, &runner);
    if (st) return fail(st);
    c.managerId = "api";
    if ((st = hgnJobManagerOpen(&c, &api))) return fail(st);

    /* per-token stop check of a running job (no request standing) */
    char id[HGN_JOB_ID_LEN + 1];
    HgnJobSubmit s = {.owner = "bench", .planJson = "{\"schemaVersion\":1}"};
    if ((st = hgnJobSubmit(runner, &s, id))) return fail(st);
    HgnJobStore *store = hgnJobManagerStore(runner);
    HgnJob job;
    bool found = false;
    if ((st = store->ops->claim(store, "runner", managerNow(runner), 600000,
                                &(HgnJobClaimPolicy){.maxRunningPerOwner = 100, .maxMemoryPerOwner = 0}, &job, &found)))
        return fail(st);
    ExecStep step = {.m = runner, .job = &job, .lastBeatMs = managerNow(runner), .promptTokens = -1};
    atomic_init(&step.stopFlags, 0);
    const long n = 2000000;
    long stops = 0;
    double t0 = now();
    for (long i = 0; i < n; i++) stops += executionStopWanted(&step);
    double dt = now() - t0;
    printf("stop check per token: %.1f ns (%ld calls, %.2f s, store polled every %d ms, %ld stops)\n", dt / n * 1e9, n,
           dt, EXEC_STOP_POLL_MS, stops);
    hgnJobClear(&job);

    /* cancel latency */
    if (access(plan, R_OK) != 0) {
        printf("cancel latency: skipped (no %s; run from the source root)\n", plan);
    } else {
        for (int remote = 0; remote < 2; remote++) {
            printf("cancel via %s: ms to the last token / tokens after the cancel / ms to CANCELLED:",
                   remote ? "another manager (poll)" : "the running manager (flag)");
            for (int k = 0; k < 5; k++) {
                double stopMs = 0;
                long long extra = 0;
                double total = cancelLatency(runner, remote ? api : runner, plan, &stopMs, &extra);
                printf("  %.2f/%lld/%.1f", stopMs, extra, total);
            }
            printf("\n");
        }
    }
    hgnJobManagerClose(runner);
    hgnJobManagerClose(api);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s-wal' '%s-shm' '%s'", path, path, path, art);
    if (system(cmd) != 0) fprintf(stderr, "cleanup failed\n");
    return 0;
}
