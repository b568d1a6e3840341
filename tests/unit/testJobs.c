/* testJobs.c — the job orchestrator: exhaustive state table, backoff
 * arithmetic, store crash safety, queue quotas, two managers sharing one
 * store through leases, cancel/pause/resume, and an end-to-end run of the
 * fixture plan through the real local runtime. The store contract (both
 * backends) is testJobStore.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "huginn/jobs.h"

static const char *const minimalPlan = "{\"schemaVersion\":1}";

static int64_t fakeNow(void *u) { return *(int64_t *)u; }
static uint64_t fakeRand(void *u) {
    uint64_t *s = u;
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 11;
}

static void expectCode(HgnStatus st, HgnCode code) {
    assert_non_null(st);
    if (hgnStatusCode(st) != code) fprintf(stderr, "got %s\n", hgnStatusMessage(st));
    assert_int_equal(hgnStatusCode(st), code);
    hgnStatusFree(st);
}

static void tmpPath(char *buf, size_t n, const char *tag) {
    snprintf(buf, n, "/tmp/hgnJobs-%d-%s.db", (int)getpid(), tag);
    unlink(buf);
    char side[300];
    snprintf(side, sizeof side, "%s-wal", buf);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", buf);
    unlink(side);
}

static void testTransitionsExhaustive(void **state) {
    (void)state;
    /* written out independently of the table in jobState.c */
    const char *allowedPairs[] = {"QUEUED>RUNNING", "QUEUED>PAUSED",     "QUEUED>CANCELLED", "RUNNING>QUEUED",
                                  "RUNNING>PAUSED", "RUNNING>COMPLETED", "RUNNING>FAILED",   "RUNNING>CANCELLED",
                                  "PAUSED>QUEUED",  "PAUSED>CANCELLED"};
    int nAllowed = 0;
    for (int f = 0; f < HGN_JOB_STATE_COUNT; f++)
        for (int t = 0; t < HGN_JOB_STATE_COUNT; t++) {
            char pair[40];
            snprintf(pair, sizeof pair, "%s>%s", hgnJobStateName((HgnJobState)f), hgnJobStateName((HgnJobState)t));
            bool want = false;
            for (size_t k = 0; k < sizeof allowedPairs / sizeof *allowedPairs; k++)
                if (strcmp(pair, allowedPairs[k]) == 0) want = true;
            assert_int_equal(hgnJobTransitionAllowed((HgnJobState)f, (HgnJobState)t), want);
            HgnStatus st = hgnJobTransitionCheck((HgnJobState)f, (HgnJobState)t);
            if (want) {
                assert_null(st);
                nAllowed++;
            } else {
                expectCode(st, HGN_CODE_InvalidTransition);
            }
        }
    assert_int_equal(nAllowed, 10);
    assert_false(hgnJobTransitionAllowed((HgnJobState)-1, HGN_JOB_QUEUED));
    assert_false(hgnJobTransitionAllowed(HGN_JOB_QUEUED, HGN_JOB_STATE_COUNT));
    HgnJobState s;
    assert_true(hgnJobStateParse("running", &s));
    assert_int_equal(s, HGN_JOB_RUNNING);
    assert_false(hgnJobStateParse("DONE", &s));
}

static void testBackoff(void **state) {
    (void)state;
    /* ceiling = min(cap, base * 2^(attempt-1)); result = r mod (ceiling + 1) */
    assert_int_equal(hgnJobBackoffMs(100, 10000, 1, 1000), 1000 % 101);
    assert_int_equal(hgnJobBackoffMs(100, 10000, 3, 12345), 12345 % 401);
    assert_int_equal(hgnJobBackoffMs(100, 10000, 3, 400), 400);
    assert_int_equal(hgnJobBackoffMs(100, 10000, 8, UINT64_MAX), (int64_t)(UINT64_MAX % 10001));
    assert_int_equal(hgnJobBackoffMs(100, 1000, 60, 999999), 999999 % 1001); /* capped, no overflow */
    assert_int_equal(hgnJobBackoffMs(100, 1000, 0, 7), 7);
    uint64_t seed = 42;
    for (int a = 1; a < 40; a++) {
        int64_t w = hgnJobBackoffMs(500, 60000, a, fakeRand(&seed));
        assert_true(w >= 0 && w <= 60000);
    }
    assert_true(hgnJobCodeRetryable(HGN_CODE_DeviceLost));
    assert_true(hgnJobCodeRetryable(HGN_CODE_ExecutionFailed));
    assert_false(hgnJobCodeRetryable(HGN_CODE_PlanSchemaViolation));
    assert_false(hgnJobCodeRetryable(HGN_CODE_InvalidInput));
    assert_false(hgnJobCodeRetryable(HGN_CODE_ModelFormatInvalid));
}

static HgnJobManager *openManager(const char *path, HgnJobStore *store, int64_t *clock, uint64_t *seed,
                                  const char *id) {
    HgnJobManagerConfig c;
    hgnJobManagerConfigInit(&c);
    c.storePath = path;
    c.store = store;
    c.now = fakeNow;
    c.nowUser = clock;
    c.random = fakeRand;
    c.randomUser = seed;
    c.managerId = id;
    c.leaseMs = 1000;
    c.maxQueuedPerOwner = 200;
    c.maxRunningPerOwner = 100;
    HgnJobManager *m = NULL;
    assert_null(hgnJobManagerOpen(&c, &m));
    return m;
}

static void submit(HgnJobManager *m, const char *owner, int prio, char *id) {
    HgnJobSubmit s = {.owner = owner, .planJson = minimalPlan, .priority = prio};
    HgnStatus st = hgnJobSubmit(m, &s, id);
    if (st) fprintf(stderr, "%s\n", hgnStatusMessage(st));
    assert_null(st);
    assert_int_equal(strlen(id), HGN_JOB_ID_LEN);
    assert_int_equal(id[14], '7'); /* UUIDv7 version nibble */
}

/* Submit and read back through the manager on a borrowed store; the store contract itself (migrations,
 * CRUD, claims, events) is tests/unit/testJobStore.c, run against SQLite and PostgreSQL. */
static void testSubmitGetOnBorrowedStore(void **state) {
    (void)state;
    char path[256];
    tmpPath(path, sizeof path, "mig");
    HgnJobStore *s = NULL;
    assert_null(hgnJobStoreOpenSqlite(path, &s));
    int64_t clock = 1000;
    uint64_t seed = 1;
    HgnJobManager *m = openManager(NULL, s, &clock, &seed, "m1");
    char id[HGN_JOB_ID_LEN + 1];
    submit(m, "alice", 0, id);
    HgnJob j;
    assert_null(hgnJobGet(m, id, "alice", &j));
    assert_int_equal(j.state, HGN_JOB_QUEUED);
    assert_string_equal(j.planJson, minimalPlan);
    assert_non_null(strstr(j.planDigest, "sha256:"));
    char *json = hgnJobToJson(&j, true);
    assert_non_null(strstr(json, "\"state\":\"QUEUED\""));
    hgnFree(json);
    hgnJobClear(&j);
    expectCode(hgnJobGet(m, id, "bob", &j), HGN_CODE_JobNotFound); /* not revealed to others */
    expectCode(hgnJobGet(m, "nope", NULL, &j), HGN_CODE_JobNotFound);
    /* bad input */
    HgnJobSubmit bad = {.owner = "alice", .planJson = "{not json"};
    expectCode(hgnJobSubmit(m, &bad, id), HGN_CODE_InvalidJson);
    bad.planJson = "[1]";
    expectCode(hgnJobSubmit(m, &bad, id), HGN_CODE_PlanSchemaViolation);
    bad.owner = NULL;
    expectCode(hgnJobSubmit(m, &bad, id), HGN_CODE_InvalidArgument);
    hgnJobManagerClose(m);
    hgnJobStoreClose(s);
    unlink(path);
}

static void testCancelPauseResume(void **state) {
    (void)state;
    int64_t clock = 1000;
    uint64_t seed = 2;
    HgnJobManager *m = openManager(":memory:", NULL, &clock, &seed, "m1");
    char id[HGN_JOB_ID_LEN + 1];
    submit(m, "alice", 0, id);
    expectCode(hgnJobResume(m, id, NULL), HGN_CODE_InvalidTransition);
    expectCode(hgnJobPause(m, id, "bob"), HGN_CODE_JobNotFound);
    assert_null(hgnJobPause(m, id, "alice"));
    expectCode(hgnJobPause(m, id, NULL), HGN_CODE_InvalidTransition);
    assert_null(hgnJobResume(m, id, NULL));
    assert_null(hgnJobCancel(m, id, NULL));
    expectCode(hgnJobCancel(m, id, NULL), HGN_CODE_InvalidTransition);
    HgnJob j;
    assert_null(hgnJobGet(m, id, NULL, &j));
    assert_int_equal(j.state, HGN_JOB_CANCELLED);
    assert_true(j.finishedMs > 0);
    hgnJobClear(&j);
    HgnJobStats st;
    assert_null(hgnJobStatsGet(m, &st));
    assert_int_equal(st.byState[HGN_JOB_CANCELLED], 1);
    assert_int_equal(st.transitions[HGN_JOB_QUEUED][HGN_JOB_PAUSED], 1);
    assert_int_equal(st.transitions[HGN_JOB_PAUSED][HGN_JOB_QUEUED], 1);
    assert_int_equal(st.transitions[HGN_JOB_QUEUED][HGN_JOB_CANCELLED], 1);
    HgnJobEvent *ev = NULL;
    size_t n = 0;
    assert_null(hgnJobEventsSince(m, id, 0, 0, &ev, &n));
    assert_int_equal(n, 4); /* submitted, paused, resumed, cancelled */
    assert_int_equal(ev[3].to, HGN_JOB_CANCELLED);
    assert_true(ev[3].seq > ev[0].seq);
    hgnJobEventsFree(ev, n);
    hgnJobManagerClose(m);
}

/* Queue quotas are the manager's (claim fair share and running/memory quotas: testJobStore.c). */
static void testQueueQuotas(void **state) {
    (void)state;
    HgnJobManager *m = NULL;
    char id[HGN_JOB_ID_LEN + 1];
    HgnJobManagerConfig c;
    hgnJobManagerConfigInit(&c);
    c.storePath = ":memory:";
    c.maxQueuedPerOwner = 3;
    c.maxQueuedTotal = 5;
    assert_null(hgnJobManagerOpen(&c, &m));
    HgnJobSubmit sub = {.owner = "alice", .planJson = minimalPlan};
    for (int i = 0; i < 3; i++) assert_null(hgnJobSubmit(m, &sub, id));
    expectCode(hgnJobSubmit(m, &sub, id), HGN_CODE_QueueFull);
    sub.owner = "bob";
    assert_null(hgnJobSubmit(m, &sub, id));
    assert_null(hgnJobSubmit(m, &sub, id));
    sub.owner = "carol";
    expectCode(hgnJobSubmit(m, &sub, id), HGN_CODE_QueueFull); /* total limit */
    hgnJobManagerClose(m);
}

static void testTwoManagersLease(void **state) {
    (void)state;
    char path[256];
    tmpPath(path, sizeof path, "lease");
    int64_t clock = 5000;
    uint64_t s1 = 4, s2 = 5;
    HgnJobManager *a = openManager(path, NULL, &clock, &s1, "A");
    HgnJobManager *b = openManager(path, NULL, &clock, &s2, "B");
    HgnJobStore *sa = hgnJobManagerStore(a), *sb = hgnJobManagerStore(b);
    char id[HGN_JOB_ID_LEN + 1];
    submit(a, "alice", 0, id);
    HgnJob j;
    bool found;
    assert_null(sa->ops->claim(sa, "A", clock, 1000,
                               &(HgnJobClaimPolicy){.maxRunningPerOwner = 10, .maxMemoryPerOwner = 0}, &j, &found));
    assert_true(found);
    hgnJobClear(&j);
    assert_null(sb->ops->claim(sb, "B", clock, 1000,
                               &(HgnJobClaimPolicy){.maxRunningPerOwner = 10, .maxMemoryPerOwner = 0}, &j, &found));
    assert_false(found); /* never twice at the same time */
    expectCode(sb->ops->heartbeat(sb, id, "B", clock + 1000), HGN_CODE_InvalidTransition);
    clock += 500;
    assert_null(sa->ops->heartbeat(sa, id, "A", clock + 1000)); /* A keeps it alive */
    size_t n;
    clock += 900;
    assert_null(hgnJobRecover(b, &n));
    assert_int_equal(n, 0); /* still within A's renewed lease */
    clock += 200;           /* A stops beating: lease expires */
    assert_null(hgnJobRecover(b, &n));
    assert_int_equal(n, 1);
    HgnJobStats stats;
    assert_null(hgnJobStatsGet(b, &stats));
    assert_int_equal(stats.transitions[HGN_JOB_RUNNING][HGN_JOB_QUEUED], 1);
    assert_int_equal(stats.queueDepth, 1);
    assert_null(sb->ops->claim(sb, "B", clock, 1000,
                               &(HgnJobClaimPolicy){.maxRunningPerOwner = 10, .maxMemoryPerOwner = 0}, &j, &found));
    assert_true(found);
    assert_int_equal(j.attempts, 2);
    assert_string_equal(j.leaseOwner, "B");
    hgnJobClear(&j);
    expectCode(sa->ops->heartbeat(sa, id, "A", clock + 1000), HGN_CODE_InvalidTransition); /* A learns it lost it */
    hgnJobManagerClose(a);
    hgnJobManagerClose(b);
    unlink(path);
}

static void testCrashDuringWrites(void **state) {
    (void)state;
    char path[256];
    tmpPath(path, sizeof path, "crash");
    HgnJobStore *s = NULL;
    assert_null(hgnJobStoreOpenSqlite(path, &s));
    hgnJobStoreClose(s);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        HgnJobManager *m = NULL;
        HgnJobManagerConfig c;
        hgnJobManagerConfigInit(&c);
        c.storePath = path;
        c.maxQueuedPerOwner = 1 << 30;
        if (hgnJobManagerOpen(&c, &m)) _exit(2);
        char id[HGN_JOB_ID_LEN + 1];
        HgnJobSubmit sub = {.owner = "alice", .planJson = minimalPlan};
        for (;;) {
            HgnStatus st = hgnJobSubmit(m, &sub, id);
            if (st) _exit(3);
        }
    }
    struct timespec ts = {0, 300 * 1000 * 1000};
    nanosleep(&ts, NULL);
    kill(pid, SIGKILL);
    int wst;
    waitpid(pid, &wst, 0);
    assert_true(WIFSIGNALED(wst));
    assert_null(hgnJobStoreOpenSqlite(path, &s));
    HgnJobList l;
    assert_null(s->ops->list(s, NULL, &l));
    assert_true(l.count > 0);
    for (size_t i = 0; i < l.count; i++) assert_int_equal(l.items[i].state, HGN_JOB_QUEUED);
    hgnJobListFree(&l);
    hgnJobStoreClose(s);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "sqlite3 '%s' 'PRAGMA integrity_check' 2>/dev/null | grep -qx ok", path);
    int rc = system(cmd);
    (void)rc; /* sqlite3 shell may be absent; opening and listing above is the required check */
    unlink(path);
}

static void testEndToEndFixture(void **state) {
    (void)state;
    char plan[512];
    snprintf(plan, sizeof plan, "%s/runtime/fixture.plan.json", HGN_TEST_DATA);
    if (access(plan, R_OK) != 0) skip();
    HgnJobManagerConfig c;
    hgnJobManagerConfigInit(&c);
    c.storePath = ":memory:";
    HgnJobManager *m = NULL;
    assert_null(hgnJobManagerOpen(&c, &m));
    char id[HGN_JOB_ID_LEN + 1];
    HgnJobSubmit sub = {.owner = "alice", .planPath = plan, .prompt = "Once upon a time", .maxTokens = 8};
    assert_null(hgnJobSubmit(m, &sub, id));
    bool ran = false;
    HgnStatus st = hgnJobRunNext(m, &ran);
    if (st) fprintf(stderr, "%s\n", hgnStatusMessage(st));
    assert_null(st);
    assert_true(ran);
    HgnJob j;
    assert_null(hgnJobGet(m, id, NULL, &j));
    if (j.state != HGN_JOB_COMPLETED) fprintf(stderr, "lastError %s\n", j.lastError ? j.lastError : "-");
    assert_int_equal(j.state, HGN_JOB_COMPLETED);
    assert_true(j.stepsDone > 0);
    assert_non_null(j.resultText);
    assert_non_null(j.metricsJson);
    assert_int_equal(j.attempts, 1);
    hgnJobClear(&j);
    /* a broken plan is permanent: FAILED after one attempt, not retried */
    HgnJobSubmit bad = {.owner = "alice", .planJson = "{\"schemaVersion\":1}", .maxAttempts = 5};
    assert_null(hgnJobSubmit(m, &bad, id));
    assert_null(hgnJobRunNext(m, &ran));
    assert_null(hgnJobGet(m, id, NULL, &j));
    assert_int_equal(j.state, HGN_JOB_FAILED);
    assert_int_equal(j.attempts, 1);
    assert_non_null(j.lastError);
    hgnJobClear(&j);
    hgnJobManagerClose(m);
}

typedef struct ThreadArg {
    HgnJobManager *m;
    int claimed, errors;
} ThreadArg;

static void *submitAndClaim(void *p) {
    ThreadArg *a = p;
    char id[HGN_JOB_ID_LEN + 1];
    for (int i = 0; i < 50; i++) {
        HgnJobSubmit sub = {.owner = (i & 1) ? "alice" : "bob", .planJson = minimalPlan};
        HgnStatus st = hgnJobSubmit(a->m, &sub, id);
        if (st) {
            a->errors++;
            hgnStatusFree(st);
        }
    }
    HgnJobStore *s = hgnJobManagerStore(a->m);
    for (;;) {
        HgnJob j;
        bool found = false;
        HgnStatus st = s->ops->claim(
            s, "w", 1, 100000, &(HgnJobClaimPolicy){.maxRunningPerOwner = 1 << 30, .maxMemoryPerOwner = 0}, &j, &found);
        if (st) {
            a->errors++;
            hgnStatusFree(st);
            continue;
        }
        if (!found) break;
        a->claimed++;
        hgnJobClear(&j);
    }
    return NULL;
}

static void testThreadsShareOneManager(void **state) {
    (void)state;
    HgnJobManagerConfig c;
    hgnJobManagerConfigInit(&c);
    c.storePath = ":memory:";
    HgnJobManager *m = NULL;
    assert_null(hgnJobManagerOpen(&c, &m));
    pthread_t t[4];
    ThreadArg a[4] = {{m, 0, 0}, {m, 0, 0}, {m, 0, 0}, {m, 0, 0}};
    for (int i = 0; i < 4; i++) assert_int_equal(pthread_create(&t[i], NULL, submitAndClaim, &a[i]), 0);
    int claimed = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(a[i].errors, 0);
        claimed += a[i].claimed;
    }
    assert_int_equal(claimed, 200); /* every job claimed exactly once */
    HgnJobStats st;
    assert_null(hgnJobStatsGet(m, &st));
    assert_int_equal(st.running, 200);
    assert_int_equal(st.queueDepth, 0);
    assert_int_equal(st.submitted, 200);
    hgnJobManagerClose(m);
}

static void crashAtStep5(void *u, const HgnJobEvent *ev) {
    (void)u;
    if (ev->kind == HGN_JOB_EVENT_PROGRESS && ev->stepsDone >= 5) _exit(9); /* the process dies mid-run */
}

static char artRoot[128];

static HgnJobManager *resumeManager(const char *path) {
    HgnJobManagerConfig c;
    hgnJobManagerConfigInit(&c);
    c.storePath = path;
    c.leaseMs = 300;
    c.checkpointEvery = 2;
    c.ignoreEos = true;
    c.artifactsRoot = artRoot;
    HgnJobManager *m = NULL;
    assert_null(hgnJobManagerOpen(&c, &m));
    return m;
}

static void testCrashRecoveryResumesFromCheckpoint(void **state) {
    (void)state;
    char plan[512], path[256];
    snprintf(plan, sizeof plan, "%s/runtime/fixture.plan.json", HGN_TEST_DATA);
    if (access(plan, R_OK) != 0) skip();
    tmpPath(path, sizeof path, "resume");
    snprintf(artRoot, sizeof artRoot, "/tmp/hgnJobs-%d-artifacts", (int)getpid());
    HgnJobManager *m = resumeManager(path);
    char id[HGN_JOB_ID_LEN + 1];
    HgnJobSubmit sub = {.owner = "alice", .planPath = plan, .prompt = "Once upon a time", .maxTokens = 12};
    assert_null(hgnJobSubmit(m, &sub, id));
    hgnJobManagerClose(m);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        HgnJobManager *cm = NULL;
        HgnJobManagerConfig c;
        hgnJobManagerConfigInit(&c);
        c.storePath = path;
        c.leaseMs = 300;
        c.checkpointEvery = 2;
        c.ignoreEos = true;
        c.artifactsRoot = artRoot;
        if (hgnJobManagerOpen(&c, &cm)) _exit(2);
        hgnJobSubscribe(cm, crashAtStep5, NULL);
        bool ran;
        HgnStatus st = hgnJobRunNext(cm, &ran);
        _exit(st ? 3 : 4); /* never reached when the crash happens */
    }
    int wst;
    waitpid(pid, &wst, 0);
    assert_true(WIFEXITED(wst));
    assert_int_equal(WEXITSTATUS(wst), 9);
    m = resumeManager(path);
    HgnJob j;
    assert_null(hgnJobGet(m, id, NULL, &j));
    assert_int_equal(j.state, HGN_JOB_RUNNING); /* the dead manager's lease still holds it */
    char ck[600];
    snprintf(ck, sizeof ck, "%s/checkpoint.zst", j.artefactsPath);
    assert_int_equal(access(ck, R_OK), 0);
    hgnJobClear(&j);
    bool ran = false;
    assert_null(hgnJobRunNext(m, &ran));
    assert_false(ran); /* not twice at the same time: the lease has not expired yet */
    struct timespec ts = {0, 400 * 1000 * 1000};
    nanosleep(&ts, NULL);
    HgnStatus st = hgnJobRunNext(m, &ran);
    if (st) fprintf(stderr, "%s\n", hgnStatusMessage(st));
    assert_null(st);
    assert_true(ran);
    assert_null(hgnJobGet(m, id, NULL, &j));
    if (j.state != HGN_JOB_COMPLETED) fprintf(stderr, "lastError %s\n", j.lastError ? j.lastError : "-");
    assert_int_equal(j.state, HGN_JOB_COMPLETED);
    assert_int_equal(j.attempts, 2);
    assert_non_null(j.metricsJson);
    assert_null(strstr(j.metricsJson, "\"resumedAt\":0,")); /* resumed from the checkpoint, not from the start */
    assert_non_null(strstr(j.metricsJson, "\"resumedAt\":"));
    assert_non_null(j.checkpointPath);
    hgnJobClear(&j);
    hgnJobManagerClose(m);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", artRoot);
    if (system(cmd) != 0) fprintf(stderr, "cleanup failed\n");
    unlink(path);
}

/* One job span and one span per recorded step in <artefacts>/trace.jsonl, linked by traceId and parentSpanId. */
static void testTraceSpans(void **state) {
    (void)state;
    char plan[512], path[256];
    snprintf(plan, sizeof plan, "%s/runtime/fixture.plan.json", HGN_TEST_DATA);
    if (access(plan, R_OK) != 0) skip();
    tmpPath(path, sizeof path, "trace");
    snprintf(artRoot, sizeof artRoot, "/tmp/hgnJobs-%d-trace", (int)getpid());
    HgnJobManager *m = resumeManager(path);
    char id[HGN_JOB_ID_LEN + 1];
    HgnJobSubmit sub = {.owner = "alice", .planPath = plan, .prompt = "Once upon a time", .maxTokens = 4};
    assert_null(hgnJobSubmit(m, &sub, id));
    bool ran = false;
    assert_null(hgnJobRunNext(m, &ran));
    assert_true(ran);
    HgnJob j;
    assert_null(hgnJobGet(m, id, NULL, &j));
    assert_int_equal(j.state, HGN_JOB_COMPLETED);
    char tpath[4096];
    snprintf(tpath, sizeof tpath, "%s/trace.jsonl", j.artefactsPath);
    FILE *f = fopen(tpath, "rb");
    assert_non_null(f);
    char line[65536];
    int steps = 0, jobs = 0;
    char traceId[64] = "", jobSpan[64] = "";
    int64_t lastEnd = 0, jobStart = 0, jobEnd = 0;
    while (fgets(line, sizeof line, f)) {
        json_error_t err;
        json_t *o = json_loads(line, 0, &err);
        assert_non_null(o);
        const char *tid = json_string_value(json_object_get(o, "traceId"));
        assert_non_null(tid);
        assert_int_equal(strlen(tid), 32);
        if (!traceId[0]) snprintf(traceId, sizeof traceId, "%s", tid);
        assert_string_equal(tid, traceId);
        assert_string_equal(json_string_value(json_object_get(o, "jobId")), id);
        assert_true(json_array_size(json_object_get(o, "planNodeIds")) > 0);
        assert_string_equal(json_string_value(json_object_get(o, "status")), "ok");
        int64_t start = json_integer_value(json_object_get(o, "startUs"));
        int64_t end = json_integer_value(json_object_get(o, "endUs"));
        assert_true(start > 0 && end >= start);
        if (json_is_null(json_object_get(o, "parentSpanId"))) {
            jobs++;
            assert_string_equal(json_string_value(json_object_get(o, "name")), "job");
            snprintf(jobSpan, sizeof jobSpan, "%s", json_string_value(json_object_get(o, "spanId")));
            jobStart = start;
            jobEnd = end;
        } else {
            steps++;
            assert_true(start >= lastEnd);
            lastEnd = end;
        }
        json_decref(o);
    }
    fclose(f);
    assert_int_equal(jobs, 1);
    assert_int_equal(steps, (int)j.stepsDone);
    assert_true(steps > 0);
    assert_true(lastEnd <= jobEnd && jobStart > 0);
    /* every step span's parent is the job span */
    f = fopen(tpath, "rb");
    assert_non_null(f);
    char want[128];
    snprintf(want, sizeof want, "\"parentSpanId\":\"%s\"", jobSpan);
    int children = 0;
    while (fgets(line, sizeof line, f)) children += strstr(line, want) != NULL;
    fclose(f);
    assert_int_equal(children, steps);
    hgnJobClear(&j);
    hgnJobManagerClose(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testTransitionsExhaustive),
        cmocka_unit_test(testBackoff),
        cmocka_unit_test(testSubmitGetOnBorrowedStore),
        cmocka_unit_test(testCancelPauseResume),
        cmocka_unit_test(testQueueQuotas),
        cmocka_unit_test(testTwoManagersLease),
        cmocka_unit_test(testCrashDuringWrites),
        cmocka_unit_test(testEndToEndFixture),
        cmocka_unit_test(testCrashRecoveryResumesFromCheckpoint),
        cmocka_unit_test(testTraceSpans),
        cmocka_unit_test(testThreadsShareOneManager),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
