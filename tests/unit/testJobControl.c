/* testJobControl.c — job control through the real local runtime (fixture
 * plan): mid-generation pause and cancel (asked through another manager: the
 * store poll; and through the running manager: at once), pause → resume
 * continuing from the checkpoint with the uninterrupted run's text, forced
 * cancel of a stuck or dead runner after cancelTimeoutMs (injected clock),
 * cancel racing with completion (threads), per-reason retry limits (their
 * arithmetic and end to end with injected failures and the runtime's fault
 * injection), the memory quota at submit and at claim, and the [jobs]
 * configuration section. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "huginn/config.h"
#include "huginn/jobs.h"
#include "huginn/runtime.h"
#include "testUtil.h"
/* The harness is header-only; this file uses only part of it. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "pgHarness.h"
#pragma GCC diagnostic pop

#define PROMPT       "Once upon a time"
#define FIXTURE_PEAK 70788096 /* assertions.peakBytes of runtime/fixture.plan.json */

static char planPath[512];
static char artRoot[160];

static void expectCode(HgnStatus st, HgnCode code) {
    assert_non_null(st);
    if (hgnStatusCode(st) != code) fprintf(stderr, "got %s\n", hgnStatusMessage(st));
    assert_int_equal(hgnStatusCode(st), code);
    hgnStatusFree(st);
}

static void sleepMs(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int64_t atomicNow(void *u) { return __atomic_load_n((int64_t *)u, __ATOMIC_SEQ_CST); }
static void advance(int64_t *clock, int64_t ms) { __atomic_add_fetch(clock, ms, __ATOMIC_SEQ_CST); }

static void tmpStore(char *buf, size_t n, const char *tag) {
    snprintf(buf, n, "/tmp/hgnJobCtl-%d-%s.db", (int)getpid(), tag);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "rm -f '%s' '%s-wal' '%s-shm'", buf, buf, buf);
    assert_int_equal(system(cmd), 0);
}

static void removeStore(const char *path) {
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "rm -f '%s' '%s-wal' '%s-shm'", path, path, path);
    assert_int_equal(system(cmd), 0);
}

static HgnJobManagerConfig baseConfig(const char *store, const char *id) {
    HgnJobManagerConfig c;
    hgnJobManagerConfigInit(&c);
    c.storePath = store;
    c.managerId = id;
    c.ignoreEos = true;
    c.checkpointEvery = 4;
    c.artifactsRoot = artRoot;
    c.maxRunningPerOwner = 100;
    return c;
}

static HgnJobManager *openManager(const HgnJobManagerConfig *c) {
    HgnJobManager *m = NULL;
    HgnStatus st = hgnJobManagerOpen(c, &m);
    if (st) fail_msg("%s", hgnStatusMessage(st));
    return m;
}

static void submitFixture(HgnJobManager *m, const char *owner, int32_t maxTokens, char *id) {
    HgnJobSubmit s = {.owner = owner, .planPath = planPath, .prompt = PROMPT, .maxTokens = maxTokens};
    HgnStatus st = hgnJobSubmit(m, &s, id);
    if (st) fail_msg("%s", hgnStatusMessage(st));
}

static void runNext(HgnJobManager *m) {
    bool ran = false;
    HgnStatus st = hgnJobRunNext(m, &ran);
    if (st) fail_msg("%s", hgnStatusMessage(st));
    assert_true(ran);
}

static HgnJob getJob(HgnJobManager *m, const char *id) {
    HgnJob j;
    HgnStatus st = hgnJobGet(m, id, NULL, &j);
    if (st) fail_msg("%s", hgnStatusMessage(st));
    return j;
}

static char lastStateMessage[512]; /* of the last STATE event lastStateEvent saw */

/* The last STATE event's target and how many STATE events entered a terminal state. */
static HgnJobState lastStateEvent(HgnJobManager *m, const char *id, int *terminalEvents) {
    HgnJobEvent *ev = NULL;
    size_t n = 0;
    assert_null(hgnJobEventsSince(m, id, 0, 0, &ev, &n));
    HgnJobState last = HGN_JOB_STATE_COUNT;
    int terminal = 0;
    int64_t seq = 0;
    for (size_t i = 0; i < n; i++) {
        assert_true(ev[i].seq > seq); /* oldest first */
        seq = ev[i].seq;
        if (ev[i].kind != HGN_JOB_EVENT_STATE) continue;
        last = ev[i].to;
        snprintf(lastStateMessage, sizeof lastStateMessage, "%s", ev[i].message ? ev[i].message : "");
        if (hgnJobStateTerminal(ev[i].to)) terminal++;
    }
    hgnJobEventsFree(ev, n);
    if (terminalEvents) *terminalEvents = terminal;
    return last;
}

/* The generated text of an uninterrupted run of maxTokens tokens. */
static char *referenceText(int32_t maxTokens) {
    HgnJobManagerConfig c = baseConfig(":memory:", "ref");
    c.artifactsRoot = NULL;
    HgnJobManager *m = openManager(&c);
    char id[HGN_JOB_ID_LEN + 1];
    submitFixture(m, "ref", maxTokens, id);
    runNext(m);
    HgnJob j = getJob(m, id);
    assert_int_equal(j.state, HGN_JOB_COMPLETED);
    assert_int_equal(j.stepsDone, maxTokens);
    char *text = hgnStrdup(j.resultText);
    hgnJobClear(&j);
    hgnJobManagerClose(m);
    return text;
}

/* ---- retry policy arithmetic --------------------------------------------- */

static void testRetryLimits(void **state) {
    (void)state;
    /* defaults */
    assert_int_equal(hgnJobRetryLimitFor(NULL, HGN_CODE_DeviceLost), 5);
    assert_int_equal(hgnJobRetryLimitFor(NULL, HGN_CODE_OutOfMemory), 1);
    assert_int_equal(hgnJobRetryLimitFor(NULL, HGN_CODE_ExecutionFailed), 3);
    assert_int_equal(hgnJobRetryLimitFor(NULL, HGN_CODE_IoError), 3);
    assert_int_equal(hgnJobRetryLimitFor(NULL, HGN_CODE_StoreError), 5);
    /* permanent codes are never retried, whatever the configuration says */
    HgnJobManagerConfig c;
    hgnJobManagerConfigInit(&c);
    c.retryLimits[0] = (HgnJobRetryLimit){HGN_CODE_InvalidInput, 9};
    c.retryLimits[1] = (HgnJobRetryLimit){HGN_CODE_DeviceLost, 2};
    c.retryLimits[2] = (HgnJobRetryLimit){HGN_CODE_IoError, 0};
    c.nRetryLimits = 3;
    assert_int_equal(hgnJobRetryLimitFor(&c, HGN_CODE_InvalidInput), 0);
    assert_int_equal(hgnJobRetryLimitFor(&c, HGN_CODE_PlanSchemaViolation), 0);
    assert_int_equal(hgnJobRetryLimitFor(&c, HGN_CODE_DeviceLost), 2);
    assert_int_equal(hgnJobRetryLimitFor(&c, HGN_CODE_IoError), 0);
    assert_int_equal(hgnJobRetryLimitFor(&c, HGN_CODE_OutOfMemory), 1); /* not overridden */
    /* counts by reason */
    assert_int_equal(hgnJobRetriesFor(NULL, HGN_CODE_DeviceLost), 0);
    assert_int_equal(hgnJobRetriesFor("{\"DeviceLost\":2,\"IoError\":1}", HGN_CODE_DeviceLost), 2);
    assert_int_equal(hgnJobRetriesFor("{\"DeviceLost\":2,\"IoError\":1}", HGN_CODE_IoError), 1);
    assert_int_equal(hgnJobRetriesFor("{\"DeviceLost\":2}", HGN_CODE_OutOfMemory), 0);
    assert_int_equal(hgnJobRetriesFor("{not json", HGN_CODE_DeviceLost), 0);
    assert_int_equal(hgnJobRetriesFor("[1]", HGN_CODE_DeviceLost), 0);
    assert_int_equal(hgnJobRetriesFor("{\"DeviceLost\":-4}", HGN_CODE_DeviceLost), 0);
    /* the decision: transient, attempts left, reason below its limit */
    HgnJob j;
    memset(&j, 0, sizeof j);
    j.attempts = 2;
    j.maxAttempts = 10;
    j.retriesJson = "{\"DeviceLost\":1}";
    assert_true(hgnJobRetryAllowed(&c, &j, HGN_CODE_DeviceLost)); /* 1 < 2 */
    j.retriesJson = "{\"DeviceLost\":2}";
    assert_false(hgnJobRetryAllowed(&c, &j, HGN_CODE_DeviceLost));     /* at its limit, attempts remain */
    assert_true(hgnJobRetryAllowed(&c, &j, HGN_CODE_ExecutionFailed)); /* another reason still may */
    assert_false(hgnJobRetryAllowed(&c, &j, HGN_CODE_IoError));        /* limit 0 */
    assert_false(hgnJobRetryAllowed(&c, &j, HGN_CODE_InvalidInput));   /* permanent */
    j.retriesJson = NULL;
    j.attempts = 10;
    assert_false(hgnJobRetryAllowed(&c, &j, HGN_CODE_DeviceLost)); /* no attempts left */
}

/* ---- per-reason retries end to end ---------------------------------------- */

typedef struct Faults {
    HgnCode codes[8]; /* the failure of attempt i (0: run normally) */
    int calls;
    int injectKind, injectDevice, injectStep; /* the runtime's fault injection on every run */
} Faults;

static HgnStatus injectFaults(void *u, const HgnJob *job, struct HgnGenerateOptions *go) {
    Faults *f = u;
    int i = f->calls++;
    (void)job;
    go->injectKind = f->injectKind;
    go->injectDevice = f->injectDevice;
    go->injectStep = f->injectStep;
    if (i < 8 && f->codes[i]) return hgnStatusNew(f->codes[i], "test", NULL, "injected failure %d", i);
    return HGN_OK;
}

static void testRetriesByReason(void **state) {
    (void)state;
    int64_t clock = 1000000;
    Faults f;
    memset(&f, 0, sizeof f);
    HgnJobManagerConfig c = baseConfig(":memory:", "m");
    c.artifactsRoot = NULL;
    c.now = atomicNow;
    c.nowUser = &clock;
    c.backoffBaseMs = 1;
    c.backoffCapMs = 1;
    c.maxAttempts = 6;
    c.retryLimits[0] = (HgnJobRetryLimit){HGN_CODE_DeviceLost, 1};
    c.nRetryLimits = 1;
    c.beforeRun = injectFaults;
    c.beforeRunUser = &f;
    HgnJobManager *m = openManager(&c);
    char id[HGN_JOB_ID_LEN + 1];

    /* DeviceLost twice with limit 1: retried once, then FAILED although attempts remain */
    f.codes[0] = f.codes[1] = HGN_CODE_DeviceLost;
    submitFixture(m, "alice", 4, id);
    runNext(m);
    HgnJob j = getJob(m, id);
    assert_int_equal(j.state, HGN_JOB_QUEUED);
    assert_string_equal(j.retriesJson, "{\"DeviceLost\":1}");
    hgnJobClear(&j);
    advance(&clock, 10);
    runNext(m);
    j = getJob(m, id);
    assert_int_equal(j.state, HGN_JOB_FAILED);
    assert_int_equal(j.attempts, 2);
    assert_true(j.attempts < j.maxAttempts);
    assert_string_equal(j.retriesJson, "{\"DeviceLost\":1}");
    assert_non_null(strstr(j.lastError, "DeviceLost"));
    hgnJobClear(&j);

    /* reasons count separately: IoError, DeviceLost, OutOfMemory, then success */
    memset(&f, 0, sizeof f);
    f.codes[0] = HGN_CODE_IoError;
    f.codes[1] = HGN_CODE_DeviceLost;
    f.codes[2] = HGN_CODE_OutOfMemory;
    submitFixture(m, "alice", 4, id);
    for (int i = 0; i < 4; i++) {
        advance(&clock, 10);
        runNext(m);
    }
    j = getJob(m, id);
    assert_int_equal(j.state, HGN_JOB_COMPLETED);
    assert_int_equal(j.attempts, 4);
    assert_string_equal(j.retriesJson, "{\"DeviceLost\":1,\"IoError\":1,\"OutOfMemory\":1}");
    hgnJobClear(&j);
    HgnJobStats stats;
    assert_null(hgnJobStatsGet(m, &stats));
    assert_int_equal(stats.retries, 4);

    /* OutOfMemory: the default limit 1 */
    memset(&f, 0, sizeof f);
    f.codes[0] = f.codes[1] = HGN_CODE_OutOfMemory;
    submitFixture(m, "alice", 4, id);
    runNext(m);
    advance(&clock, 10);
    runNext(m);
    j = getJob(m, id);
    assert_int_equal(j.state, HGN_JOB_FAILED);
    assert_int_equal(j.attempts, 2);
    hgnJobClear(&j);

    /* a permanent code is never retried */
    memset(&f, 0, sizeof f);
    f.codes[0] = HGN_CODE_InvalidInput;
    submitFixture(m, "alice", 4, id);
    runNext(m);
    j = getJob(m, id);
    assert_int_equal(j.state, HGN_JOB_FAILED);
    assert_int_equal(j.attempts, 1);
    assert_null(j.retriesJson);
    hgnJobClear(&j);

    /* the runtime's own fault injection: losing the only device of the plan is no recoverable loss
     * (HGN-0300, permanent): FAILED at once */
    memset(&f, 0, sizeof f);
    f.injectKind = 2;
    f.injectDevice = 0;
    f.injectStep = 2;
    submitFixture(m, "alice", 6, id);
    runNext(m);
    j = getJob(m, id);
    assert_int_equal(j.state, HGN_JOB_FAILED);
    assert_int_equal(j.attempts, 1);
    assert_non_null(strstr(j.lastError, "PlanInfeasible"));
    hgnJobClear(&j);
    hgnJobManagerClose(m);
}

/* A two-device plan: memoryBytes sums the devices' peaks; a device lost mid-run where the plan has no
 * feasible fallback (the runtime's fault injection) fails the job at once (HGN-0300 is permanent). */
static void testTwoDevicePlan(void **state) {
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/plans/fixture-gguf.2cpu.json", HGN_TEST_DATA);
    json_error_t err;
    json_t *plan = json_load_file(path, 0, &err);
    assert_non_null(plan);
    char model[512];
    snprintf(model, sizeof model, "%s/fixture/model-f32.gguf", HGN_TEST_DATA);
    json_object_set_new(json_object_get(json_object_get(plan, "header"), "model"), "path", json_string(model));
    char *text = json_dumps(plan, JSON_COMPACT);
    json_decref(plan);
    Faults f;
    memset(&f, 0, sizeof f);
    HgnJobManagerConfig c = baseConfig(":memory:", "m");
    c.artifactsRoot = NULL;
    c.beforeRun = injectFaults;
    c.beforeRunUser = &f;
    HgnJobManager *m = openManager(&c);
    char id[2][HGN_JOB_ID_LEN + 1];
    for (int k = 0; k < 2; k++) {
        f.injectKind = k ? 2 : 0;
        f.injectDevice = 1;
        f.injectStep = 5;
        HgnJobSubmit s = {.owner = "alice", .planJson = text, .prompt = PROMPT, .maxTokens = 12};
        assert_null(hgnJobSubmit(m, &s, id[k]));
        runNext(m);
    }
    HgnJob a = getJob(m, id[0]), b = getJob(m, id[1]);
    assert_int_equal(a.state, HGN_JOB_COMPLETED);
    assert_int_equal(a.stepsDone, 12);
    assert_int_equal(a.memoryBytes, 80874496 + 79037952); /* the plan's peak summed over its devices */
    assert_int_equal(b.state, HGN_JOB_FAILED);
    assert_int_equal(b.attempts, 1);
    assert_non_null(strstr(b.lastError, "no feasible fallback for cpu:1"));
    assert_null(b.retriesJson);
    hgnJobClear(&a);
    hgnJobClear(&b);
    hgnJobManagerClose(m);
    free(text);
}

/* ---- mid-generation pause / cancel ----------------------------------------- */

/* At step `at`, asks pause or cancel through another manager (another store connection: the
 * runner learns it by polling), then waits past the runner's poll interval: the runner stops
 * after exactly that token. */
typedef struct Trigger {
    HgnJobManager *other;
    const char *id;
    int64_t at;
    bool cancel, fired, ok;
} Trigger;

static void trigger(void *u, const HgnJobEvent *ev) {
    Trigger *t = u;
    if (t->fired || ev->kind != HGN_JOB_EVENT_PROGRESS || ev->stepsDone != t->at || strcmp(ev->jobId, t->id) != 0)
        return;
    t->fired = true;
    HgnStatus st = t->cancel ? hgnJobCancel(t->other, t->id, NULL) : hgnJobPause(t->other, t->id, NULL);
    if (st) fprintf(stderr, "trigger: %s\n", hgnStatusMessage(st));
    t->ok = st == NULL;
    hgnStatusFree(st);
    sleepMs(80);
}

static void testPauseResumeMidRun(void **state) {
    (void)state;
    const int32_t n = 24;
    char *ref = referenceText(n);
    char store[256];
    tmpStore(store, sizeof store, "pause");
    HgnJobManagerConfig ca = baseConfig(store, "runner"), cb = baseConfig(store, "api");
    HgnJobManager *a = openManager(&ca), *b = openManager(&cb);
    char id[HGN_JOB_ID_LEN + 1];
    submitFixture(b, "alice", n, id);
    Trigger t = {.other = b, .id = id, .at = 5};
    int64_t h = hgnJobSubscribe(a, trigger, &t);
    runNext(a);
    assert_true(t.fired && t.ok);
    HgnJob j = getJob(b, id);
    assert_int_equal(j.state, HGN_JOB_PAUSED);
    assert_int_equal(j.stepsDone, 5); /* stopped after the token it was asked at */
    assert_int_equal(j.checkpointStep, 5);
    assert_non_null(j.checkpointPath);
    assert_int_equal(access(j.checkpointPath, R_OK), 0);
    assert_null(j.resultText);
    assert_null(j.leaseOwner);
    assert_false(j.pauseRequested);
    hgnJobClear(&j);
    assert_int_equal(lastStateEvent(b, id, NULL), HGN_JOB_PAUSED);

    /* resume → QUEUED → the next run continues from the checkpoint; paused again at 13 */
    assert_null(hgnJobResume(b, id, NULL));
    t = (Trigger){.other = b, .id = id, .at = 13};
    runNext(a);
    assert_true(t.fired && t.ok);
    j = getJob(b, id);
    assert_int_equal(j.state, HGN_JOB_PAUSED);
    assert_int_equal(j.stepsDone, 13);
    assert_int_equal(j.checkpointStep, 13);
    hgnJobClear(&j);
    hgnJobUnsubscribe(a, h);
    assert_null(hgnJobResume(b, id, NULL));
    runNext(a);
    j = getJob(b, id);
    assert_int_equal(j.state, HGN_JOB_COMPLETED);
    assert_int_equal(j.stepsDone, n);
    assert_int_equal(j.attempts, 1);        /* runs stopped by a pause are no attempts */
    assert_string_equal(j.resultText, ref); /* the uninterrupted run's output */
    assert_non_null(strstr(j.metricsJson, "\"resumedAt\":13"));
    hgnJobClear(&j);
    int terminal = 0;
    assert_int_equal(lastStateEvent(b, id, &terminal), HGN_JOB_COMPLETED);
    assert_int_equal(terminal, 1);

    /* cancel through the other manager: CANCELLED after the token it was asked at */
    submitFixture(b, "alice", n, id);
    t = (Trigger){.other = b, .id = id, .at = 3, .cancel = true};
    h = hgnJobSubscribe(a, trigger, &t);
    runNext(a);
    hgnJobUnsubscribe(a, h);
    assert_true(t.fired && t.ok);
    j = getJob(b, id);
    assert_int_equal(j.state, HGN_JOB_CANCELLED);
    assert_int_equal(j.stepsDone, 3);
    assert_true(j.cancelRequested);
    assert_true(j.cancelRequestedMs > 0);
    assert_null(j.leaseOwner);
    hgnJobClear(&j);
    assert_int_equal(lastStateEvent(b, id, &terminal), HGN_JOB_CANCELLED);
    assert_int_equal(terminal, 1);
    hgnJobManagerClose(a);
    hgnJobManagerClose(b);
    removeStore(store);
    hgnFree(ref);
}

/* Cancel through the running manager itself: flagged at once, the runner stops within one token. */
typedef struct Local {
    HgnJobManager *m;
    char id[HGN_JOB_ID_LEN + 1];
    atomic_llong steps;
    long long stepsAtReturn;
    bool ok;
} Local;

static void slowSteps(void *u, const HgnJobEvent *ev) {
    Local *l = u;
    if (ev->kind != HGN_JOB_EVENT_PROGRESS) return;
    atomic_store(&l->steps, ev->stepsDone);
    sleepMs(1); /* a slower model: the cancel lands long before the end */
}

static void *cancelAt3(void *u) {
    Local *l = u;
    while (atomic_load(&l->steps) < 3) sleepMs(1);
    HgnStatus st = hgnJobCancel(l->m, l->id, NULL);
    l->stepsAtReturn = atomic_load(&l->steps);
    l->ok = st == NULL;
    if (st) fprintf(stderr, "cancel: %s\n", hgnStatusMessage(st));
    hgnStatusFree(st);
    return NULL;
}

static void testLocalCancelIsInstant(void **state) {
    (void)state;
    HgnJobManagerConfig c = baseConfig(":memory:", "m");
    c.artifactsRoot = NULL;
    HgnJobManager *m = openManager(&c);
    Local l = {.m = m};
    atomic_init(&l.steps, 0);
    const int32_t n = 200;
    submitFixture(m, "alice", n, l.id);
    int64_t h = hgnJobSubscribe(m, slowSteps, &l);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, cancelAt3, &l), 0);
    runNext(m);
    pthread_join(t, NULL);
    hgnJobUnsubscribe(m, h);
    assert_true(l.ok);
    HgnJob j = getJob(m, l.id);
    assert_int_equal(j.state, HGN_JOB_CANCELLED);
    assert_true(j.stepsDone < n);
    assert_true(j.stepsDone <= l.stepsAtReturn + 1); /* at most the token in progress */
    hgnJobClear(&j);
    hgnJobManagerClose(m);
}

/* ---- forced cancel ----------------------------------------------------------- */

static void testForcedCancelDeadRunner(void **state) {
    (void)state;
    int64_t clock = 5000000;
    HgnJobManagerConfig c = baseConfig(":memory:", "reaper");
    c.artifactsRoot = NULL;
    c.now = atomicNow;
    c.nowUser = &clock;
    c.leaseMs = 600000;
    c.cancelTimeoutMs = 30000;
    HgnJobManager *m = openManager(&c);
    HgnJobStore *s = hgnJobManagerStore(m);
    char id[HGN_JOB_ID_LEN + 1];
    submitFixture(m, "alice", 4, id);
    /* a runner in a dead process holds it: its lease has 10 minutes to go */
    HgnJob j;
    bool found = false;
    assert_null(s->ops->claim(s, "dead", clock, 600000,
                              &(HgnJobClaimPolicy){.maxRunningPerOwner = 10, .maxMemoryPerOwner = 0}, &j, &found));
    assert_true(found);
    HgnJob stale = j; /* the dead runner's copy */
    assert_null(hgnJobCancel(m, id, NULL));
    j = getJob(m, id);
    assert_int_equal(j.state, HGN_JOB_RUNNING);
    assert_true(j.cancelRequested);
    assert_int_equal(j.cancelRequestedMs, clock);
    assert_string_equal(j.leaseOwner, "dead"); /* the request leaves the lease alone */
    hgnJobClear(&j);
    assert_null(hgnJobCancel(m, id, NULL)); /* asking again is harmless */
    size_t n = 0;
    advance(&clock, 29999);
    assert_null(hgnJobRecover(m, &n));
    assert_int_equal(n, 0); /* within the graceful window */
    advance(&clock, 1);
    assert_null(hgnJobRecover(m, &n));
    assert_int_equal(n, 1);
    j = getJob(m, id);
    assert_int_equal(j.state, HGN_JOB_CANCELLED);
    assert_null(j.leaseOwner);
    assert_int_equal(j.leaseExpiresMs, 0);
    assert_int_equal(j.finishedMs, clock);
    hgnJobClear(&j);
    int terminal = 0;
    assert_int_equal(lastStateEvent(m, id, &terminal), HGN_JOB_CANCELLED);
    assert_int_equal(terminal, 1);
    assert_non_null(strstr(lastStateMessage, "runner `dead` did not stop within 30000 ms"));
    /* the runner's later writes fail and cannot overwrite CANCELLED */
    expectCode(s->ops->heartbeat(s, id, "dead", clock + 1000), HGN_CODE_InvalidTransition);
    stale.state = HGN_JOB_COMPLETED;
    HgnJobExpect ex = {.state = HGN_JOB_RUNNING, .leaseOwner = "dead"};
    expectCode(s->ops->transition(s, &stale, &ex, NULL), HGN_CODE_InvalidTransition);
    expectCode(s->ops->update(s, &stale, HGN_JOB_RUNNING), HGN_CODE_InvalidTransition);
    hgnJobClear(&stale);
    j = getJob(m, id);
    assert_int_equal(j.state, HGN_JOB_CANCELLED);
    hgnJobClear(&j);
    assert_null(hgnJobRecover(m, &n));
    assert_int_equal(n, 0);

    /* an expired lease: cancel asked → CANCELLED at once; pause asked → PAUSED; else QUEUED */
    char ids[3][HGN_JOB_ID_LEN + 1];
    for (int k = 0; k < 3; k++) {
        submitFixture(m, "alice", 4, ids[k]);
        assert_null(s->ops->claim(s, "dead", clock, 1000,
                                  &(HgnJobClaimPolicy){.maxRunningPerOwner = 10, .maxMemoryPerOwner = 0}, &j, &found));
        assert_true(found);
        hgnJobClear(&j);
    }
    assert_null(hgnJobCancel(m, ids[0], NULL));
    assert_null(hgnJobPause(m, ids[1], NULL));
    advance(&clock, 1001);
    assert_null(hgnJobRecover(m, &n));
    assert_int_equal(n, 3);
    HgnJobState want[3] = {HGN_JOB_CANCELLED, HGN_JOB_PAUSED, HGN_JOB_QUEUED};
    for (int k = 0; k < 3; k++) {
        j = getJob(m, ids[k]);
        assert_int_equal(j.state, want[k]);
        assert_null(j.leaseOwner);
        hgnJobClear(&j);
        assert_int_equal(lastStateEvent(m, ids[k], NULL), want[k]); /* the reaper records its moves */
        assert_non_null(strstr(lastStateMessage, k == 2 ? "lease of `dead` expired" : "before the runner died"));
    }
    hgnJobManagerClose(m);
}

/* A stuck runner (blocked before generating) in this very process. */
typedef struct Stuck {
    atomic_bool entered, release;
} Stuck;

static HgnStatus blockRun(void *u, const HgnJob *job, struct HgnGenerateOptions *go) {
    (void)job;
    (void)go;
    Stuck *s = u;
    atomic_store(&s->entered, true);
    while (!atomic_load(&s->release)) sleepMs(1);
    return HGN_OK;
}

typedef struct RunArg {
    HgnJobManager *m;
    HgnStatus st;
} RunArg;

static void *runInThread(void *u) {
    RunArg *a = u;
    bool ran = false;
    a->st = hgnJobRunNext(a->m, &ran);
    return NULL;
}

static void testForcedCancelStuckRunner(void **state) {
    (void)state;
    int64_t clock = 7000000;
    Stuck stuck;
    atomic_init(&stuck.entered, false);
    atomic_init(&stuck.release, false);
    HgnJobManagerConfig c = baseConfig(":memory:", "m");
    c.artifactsRoot = NULL;
    c.now = atomicNow;
    c.nowUser = &clock;
    c.leaseMs = 600000;
    c.cancelTimeoutMs = 5000;
    c.beforeRun = blockRun;
    c.beforeRunUser = &stuck;
    HgnJobManager *m = openManager(&c);
    char id[HGN_JOB_ID_LEN + 1];
    submitFixture(m, "alice", 8, id);
    RunArg arg = {.m = m};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, runInThread, &arg), 0);
    while (!atomic_load(&stuck.entered)) sleepMs(1);
    assert_null(hgnJobCancel(m, id, NULL)); /* flagged, but the runner does not get to look */
    size_t n = 0;
    advance(&clock, 4999);
    assert_null(hgnJobRecover(m, &n));
    assert_int_equal(n, 0);
    advance(&clock, 1);
    assert_null(hgnJobRecover(m, &n));
    assert_int_equal(n, 1);
    HgnJob j = getJob(m, id);
    assert_int_equal(j.state, HGN_JOB_CANCELLED);
    int64_t finished = j.finishedMs;
    hgnJobClear(&j);
    atomic_store(&stuck.release, true);
    pthread_join(t, NULL);
    expectCode(arg.st, HGN_CODE_InvalidTransition); /* the runner learns it lost the job */
    j = getJob(m, id);
    assert_int_equal(j.state, HGN_JOB_CANCELLED);
    assert_int_equal(j.finishedMs, finished);
    assert_null(j.resultText);
    hgnJobClear(&j);
    int terminal = 0;
    assert_int_equal(lastStateEvent(m, id, &terminal), HGN_JOB_CANCELLED);
    assert_int_equal(terminal, 1);
    hgnJobManagerClose(m);
}

/* ---- cancel racing with completion --------------------------------------------- */

#define RACE_JOBS 24

typedef struct Race {
    HgnJobManager *runner, *api;
    char ids[RACE_JOBS][HGN_JOB_ID_LEN + 1];
    atomic_bool cancelOk[RACE_JOBS];
    atomic_bool done;
    atomic_int errors;
    unsigned seed;
} Race;

static void *raceRunner(void *u) {
    Race *r = u;
    for (;;) {
        bool ran = false;
        HgnStatus st = hgnJobRunNext(r->runner, &ran);
        if (st) {
            fprintf(stderr, "runner: %s\n", hgnStatusMessage(st));
            atomic_fetch_add(&r->errors, 1);
            hgnStatusFree(st);
        }
        if (!ran) break;
    }
    return NULL;
}

static void *raceCanceller(void *u) {
    Race *r = u;
    unsigned seed = __atomic_add_fetch(&r->seed, 7919, __ATOMIC_SEQ_CST);
    while (!atomic_load(&r->done)) {
        int k = (int)(rand_r(&seed) % RACE_JOBS);
        HgnJobManager *m = rand_r(&seed) & 1 ? r->runner : r->api;
        HgnStatus st = hgnJobCancel(m, r->ids[k], NULL);
        if (!st) {
            atomic_store(&r->cancelOk[k], true);
        } else if (hgnStatusCode(st) != HGN_CODE_InvalidTransition) {
            fprintf(stderr, "cancel: %s\n", hgnStatusMessage(st));
            atomic_fetch_add(&r->errors, 1);
        }
        hgnStatusFree(st);
        sleepMs((int)(rand_r(&seed) % 3));
    }
    return NULL;
}

/* Two managers (runner, api) on one queue: two runner threads finish jobs while two threads cancel them
 * at random through either manager. Every job ends in exactly one terminal state, and an acknowledged
 * cancel always wins. */
static void cancelRace(const HgnJobManagerConfig *ca, const HgnJobManagerConfig *cb) {
    Race *r = calloc(1, sizeof *r);
    assert_non_null(r);
    r->runner = openManager(ca);
    r->api = openManager(cb);
    atomic_init(&r->done, false);
    atomic_init(&r->errors, 0);
    for (int k = 0; k < RACE_JOBS; k++) {
        atomic_init(&r->cancelOk[k], false);
        submitFixture(r->api, k & 1 ? "alice" : "bob", 2 + k % 5, r->ids[k]);
    }
    pthread_t runners[2], cancellers[2];
    for (int i = 0; i < 2; i++) assert_int_equal(pthread_create(&cancellers[i], NULL, raceCanceller, r), 0);
    for (int i = 0; i < 2; i++) assert_int_equal(pthread_create(&runners[i], NULL, raceRunner, r), 0);
    for (int i = 0; i < 2; i++) pthread_join(runners[i], NULL);
    atomic_store(&r->done, true);
    for (int i = 0; i < 2; i++) pthread_join(cancellers[i], NULL);
    assert_int_equal(atomic_load(&r->errors), 0);
    int completed = 0, cancelled = 0;
    for (int k = 0; k < RACE_JOBS; k++) {
        HgnJob j = getJob(r->api, r->ids[k]);
        if (j.state != HGN_JOB_COMPLETED && j.state != HGN_JOB_CANCELLED)
            fail_msg("job %d ended %s", k, hgnJobStateName(j.state));
        /* a cancel that was acknowledged always wins */
        if (atomic_load(&r->cancelOk[k])) assert_int_equal(j.state, HGN_JOB_CANCELLED);
        if (j.state == HGN_JOB_CANCELLED) assert_true(atomic_load(&r->cancelOk[k]));
        completed += j.state == HGN_JOB_COMPLETED;
        cancelled += j.state == HGN_JOB_CANCELLED;
        int terminal = 0;
        assert_int_equal(lastStateEvent(r->api, r->ids[k], &terminal), j.state);
        assert_int_equal(terminal, 1); /* exactly one terminal state was ever entered */
        assert_null(j.leaseOwner);
        hgnJobClear(&j);
    }
    assert_int_equal(completed + cancelled, RACE_JOBS);
    hgnJobManagerClose(r->runner);
    hgnJobManagerClose(r->api);
    free(r);
}

static void testCancelRace(void **state) {
    (void)state;
    char store[256];
    tmpStore(store, sizeof store, "race");
    HgnJobManagerConfig ca = baseConfig(store, "runner"), cb = baseConfig(store, "api");
    ca.artifactsRoot = cb.artifactsRoot = NULL;
    cancelRace(&ca, &cb);
    removeStore(store);
}

/* The same race on the PostgreSQL store: each manager on its own connection, as two hosts would be
 * (the store's transition is then one UPDATE ... WHERE plus its event in one PostgreSQL transaction). */
static void testCancelRacePostgres(void **state) {
    (void)state;
    PgServer pg;
    if (!pgServerStart(&pg)) {
        printf("SKIP: cancel race on PostgreSQL: %s\n", pg.reason);
        skip();
    }
    char conninfo[512];
    pgCreateSchema(&pg, "postgres", "race", conninfo, sizeof conninfo);
    HgnJobStore *sa = NULL, *sb = NULL;
    assertOk(hgnJobStoreOpenPostgres(conninfo, &sa));
    assertOk(hgnJobStoreOpenPostgres(conninfo, &sb));
    HgnJobManagerConfig ca = baseConfig(NULL, "runner"), cb = baseConfig(NULL, "api");
    ca.artifactsRoot = cb.artifactsRoot = NULL;
    ca.store = sa;
    cb.store = sb;
    cancelRace(&ca, &cb);
    hgnJobStoreClose(sa);
    hgnJobStoreClose(sb);
    pgServerStop(&pg);
}

/* ---- memory quota ---------------------------------------------------------------- */

static void testMemoryQuota(void **state) {
    (void)state;
    HgnJobManagerConfig c = baseConfig(":memory:", "m");
    c.artifactsRoot = NULL;
    c.maxMemoryPerOwner = 1000;
    HgnJobManager *m = openManager(&c);
    char id[HGN_JOB_ID_LEN + 1];
    /* alone over the quota: refused at submit, naming the quota, the need and the key */
    HgnJobSubmit s = {.owner = "alice", .planPath = planPath, .prompt = PROMPT};
    HgnStatus st = hgnJobSubmit(m, &s, id);
    assert_non_null(st);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_OverBudget);
    assert_non_null(strstr(hgnStatusMessage(st), "70788096"));
    assert_non_null(strstr(hgnStatusMessage(st), "1000"));
    assert_string_equal(hgnStatusWhere(st), "jobs.maxMemoryPerOwner");
    assert_non_null(strstr(hgnStatusHint(st), "jobs.maxMemoryPerOwner"));
    hgnStatusFree(st);
    /* a plan without memory figures has nothing to hold against the quota */
    HgnJobSubmit bare = {.owner = "alice", .planJson = "{\"schemaVersion\":1}"};
    assert_null(hgnJobSubmit(m, &bare, id));
    HgnJob j = getJob(m, id);
    assert_int_equal(j.memoryBytes, 0);
    hgnJobClear(&j);
    hgnJobManagerClose(m);

    /* the quota fits one fixture job: alice's second waits until her first ends, bob's runs */
    c.maxMemoryPerOwner = FIXTURE_PEAK + FIXTURE_PEAK / 2;
    m = openManager(&c);
    HgnJobStore *store = hgnJobManagerStore(m);
    char a1[HGN_JOB_ID_LEN + 1], a2[HGN_JOB_ID_LEN + 1], b1[HGN_JOB_ID_LEN + 1];
    submitFixture(m, "alice", 4, a1);
    submitFixture(m, "alice", 4, a2);
    submitFixture(m, "bob", 4, b1);
    j = getJob(m, a1);
    assert_int_equal(j.memoryBytes, FIXTURE_PEAK);
    hgnJobClear(&j);
    bool found = false;
    HgnJob running[3];
    assert_null(store->ops->claim(
        store, "w", 1000, 60000,
        &(HgnJobClaimPolicy){.maxRunningPerOwner = 4, .maxMemoryPerOwner = c.maxMemoryPerOwner}, &running[0], &found));
    assert_true(found);
    assert_null(store->ops->claim(
        store, "w", 1000, 60000,
        &(HgnJobClaimPolicy){.maxRunningPerOwner = 4, .maxMemoryPerOwner = c.maxMemoryPerOwner}, &running[1], &found));
    assert_true(found);
    int alice = strcmp(running[0].owner, "alice") == 0 ? 0 : 1;
    /* a1 and a2 may share a millisecond: either goes first */
    assert_true(strcmp(running[alice].id, a1) == 0 || strcmp(running[alice].id, a2) == 0);
    const char *aliceNext = strcmp(running[alice].id, a1) == 0 ? a2 : a1;
    assert_string_equal(running[1 - alice].id, b1); /* another owner's job runs */
    HgnJob none;
    assert_null(store->ops->claim(
        store, "w", 1000, 60000,
        &(HgnJobClaimPolicy){.maxRunningPerOwner = 4, .maxMemoryPerOwner = c.maxMemoryPerOwner}, &none, &found));
    assert_false(found); /* alice is at her memory quota although under her running limit */
    running[alice].state = HGN_JOB_COMPLETED;
    running[alice].finishedMs = 1001;
    assert_null(store->ops->update(store, &running[alice], HGN_JOB_RUNNING));
    assert_null(store->ops->claim(
        store, "w", 1001, 60000,
        &(HgnJobClaimPolicy){.maxRunningPerOwner = 4, .maxMemoryPerOwner = c.maxMemoryPerOwner}, &running[2], &found));
    assert_true(found);
    assert_string_equal(running[2].id, aliceNext);
    for (int k = 0; k < 3; k++) hgnJobClear(&running[k]);
    hgnJobManagerClose(m);
}

/* ---- configuration ----------------------------------------------------------------- */

static char *emptyEnv[] = {NULL};

/* Loads a configuration made of toml alone (no system, user or environment layers). */
static HgnStatus loadConfigText(const char *toml, HgnConfig **cfg) {
    char path[256];
    snprintf(path, sizeof path, "/tmp/hgnJobCtl-%d.toml", (int)getpid());
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(toml, f);
    fclose(f);
    HgnConfigOptions o;
    memset(&o, 0, sizeof o);
    o.systemFile = "";
    o.userFile = "";
    o.environ = emptyEnv;
    o.configFile = path;
    *cfg = NULL;
    HgnStatus st = hgnConfigLoad(&o, cfg);
    unlink(path);
    return st;
}

static HgnStatus loadJobs(const char *toml, HgnJobManagerConfig *out) {
    HgnConfig *cfg = NULL;
    hgnJobManagerConfigInit(out);
    HgnStatus st = loadConfigText(toml, &cfg);
    if (!st) st = hgnJobManagerConfigFromConfig(cfg, out);
    hgnConfigFree(cfg);
    return st;
}

static void expectConfigError(const char *toml, const char *key) {
    HgnJobManagerConfig c;
    HgnStatus st = loadJobs(toml, &c);
    if (!st) fail_msg("accepted: %s", toml);
    char *s = hgnStatusToString(st);
    if (hgnStatusCode(st) != HGN_CODE_InvalidConfig || !strstr(s, key)) fail_msg("%s: got %s", toml, s);
    hgnFree(s);
    hgnStatusFree(st);
}

static void testJobsConfig(void **state) {
    (void)state;
    HgnJobManagerConfig c;
    /* the defaults */
    assert_null(loadJobs("", &c));
    assert_int_equal(c.maxQueuedPerOwner, 1000);
    assert_int_equal(c.maxRunningPerOwner, 4);
    assert_int_equal(c.maxQueuedTotal, 1024);
    assert_int_equal(c.maxMemoryPerOwner, 0);
    assert_int_equal(c.leaseMs, 30000);
    assert_int_equal(c.cancelTimeoutMs, 30000);
    assert_int_equal(c.checkpointEvery, 16);
    assert_int_equal(c.maxAttempts, 3);
    assert_int_equal(c.backoffBaseMs, 500);
    assert_int_equal(c.backoffCapMs, 60000);
    assert_int_equal(hgnJobRetryLimitFor(&c, HGN_CODE_DeviceLost), 5);
    assert_int_equal(hgnJobRetryLimitFor(&c, HGN_CODE_OutOfMemory), 1);
    /* set */
    assert_null(
        loadJobs("[jobs]\nmaxQueuedPerOwner = 7\nmaxRunningPerOwner = 2\nmaxQueuedTotal = 9\n"
                 "maxMemoryPerOwner = 17179869184\nleaseMs = 1500\ncancelTimeoutMs = 2500\ncheckpointEvery = 8\n"
                 "[jobs.retry]\nmaxAttempts = 6\nbackoffBaseMs = 10\nbackoffCapMs = 20\n"
                 "limits = { DeviceLost = 2, OutOfMemory = 0 }\n",
                 &c));
    assert_int_equal(c.maxQueuedPerOwner, 7);
    assert_int_equal(c.maxRunningPerOwner, 2);
    assert_int_equal(c.maxQueuedTotal, 9);
    assert_int_equal(c.maxMemoryPerOwner, 17179869184LL);
    assert_int_equal(c.leaseMs, 1500);
    assert_int_equal(c.cancelTimeoutMs, 2500);
    assert_int_equal(c.checkpointEvery, 8);
    assert_int_equal(c.maxAttempts, 6);
    assert_int_equal(c.backoffBaseMs, 10);
    assert_int_equal(c.backoffCapMs, 20);
    assert_int_equal(hgnJobRetryLimitFor(&c, HGN_CODE_DeviceLost), 2);
    assert_int_equal(hgnJobRetryLimitFor(&c, HGN_CODE_OutOfMemory), 0);
    assert_int_equal(hgnJobRetryLimitFor(&c, HGN_CODE_IoError), 3);
    /* every bad value is HGN-0001 naming the key */
    expectConfigError("[jobs]\nleaseMs = 5\n", "leaseMs");
    expectConfigError("[jobs]\ncancelTimeoutMs = \"soon\"\n", "cancelTimeoutMs");
    expectConfigError("[jobs]\ncancelTimeoutMs = 0\n", "cancelTimeoutMs");
    expectConfigError("[jobs]\nmaxRunningPerOwner = 0\n", "maxRunningPerOwner");
    expectConfigError("[jobs]\nmaxMemoryPerOwner = -1\n", "maxMemoryPerOwner");
    expectConfigError("[jobs]\ncheckpointEvery = 3000000000\n", "checkpointEvery");
    expectConfigError("[jobs]\nmaxQueued = 3\n", "maxQueued");
    expectConfigError("[jobs.retry]\nmaxAttempts = 0\n", "maxAttempts");
    expectConfigError("[jobs.retry]\nbackoffBaseMs = 100\nbackoffCapMs = 50\n", "backoffCapMs");
    expectConfigError("[jobs.retry.limits]\nBogus = 1\n", "Bogus");
    expectConfigError("[jobs.retry.limits]\nInvalidInput = 2\n", "InvalidInput");
    expectConfigError("[jobs.retry.limits]\nDeviceLost = -1\n", "DeviceLost");
    expectConfigError("[server]\nqueueLimit = 5\n", "queueLimit"); /* moved to jobs.maxQueuedTotal */
}

/* [jobs.shares] and jobs.defaultShare: read with the owner names borrowed from the configuration, which
 * the manager copies (the configuration is freed before the manager claims); bad weights name the key. */
static void testJobSharesConfig(void **state) {
    (void)state;
    HgnJobManagerConfig c;
    assert_null(loadJobs("", &c)); /* defaults: no shares, weight 1 */
    assert_int_equal(c.nShares, 0);
    assert_true(c.defaultShare == 1.0);
    HgnConfig *cfg = NULL;
    hgnJobManagerConfigInit(&c);
    assert_null(loadConfigText(
        "[jobs]\ndefaultShare = 0.25\n[jobs.shares]\nalice = 3\nbatch = 0.5\n\"team.x\" = 1000000\n", &cfg));
    assert_null(hgnJobManagerConfigFromConfig(cfg, &c));
    assert_true(c.defaultShare == 0.25);
    assert_int_equal(c.nShares, 3);
    double alice = 0, batch = 0, team = 0;
    for (size_t i = 0; i < c.nShares; i++) {
        if (strcmp(c.shares[i].owner, "alice") == 0) alice = c.shares[i].weight;
        if (strcmp(c.shares[i].owner, "batch") == 0) batch = c.shares[i].weight;
        if (strcmp(c.shares[i].owner, "team.x") == 0) team = c.shares[i].weight;
    }
    assert_true(alice == 3.0 && batch == 0.5 && team == 1e6);
    c.storePath = ":memory:";
    HgnJobManager *m = NULL;
    assert_null(hgnJobManagerOpen(&c, &m));
    hgnConfigFree(cfg); /* the manager holds its own copy of the names */
    bool ran = true;
    assert_null(hgnJobRunNext(m, &ran)); /* a claim with the shares bound (nothing queued) */
    assert_false(ran);
    hgnJobManagerClose(m);
    /* bad weights: HGN-0001 naming the key */
    expectConfigError("[jobs.shares]\nalice = 0\n", "jobs.shares.alice");
    expectConfigError("[jobs.shares]\nalice = -2\n", "jobs.shares.alice");
    expectConfigError("[jobs.shares]\nalice = \"lots\"\n", "jobs.shares.alice");
    expectConfigError("[jobs.shares]\nalice = 1e9\n", "jobs.shares.alice");
    expectConfigError("[jobs]\nshares = 3\n", "jobs.shares");
    expectConfigError("[jobs]\ndefaultShare = 0\n", "jobs.defaultShare");
    expectConfigError("[jobs]\ndefaultShare = \"x\"\n", "jobs.defaultShare");
}

static int setup(void **state) {
    (void)state;
    snprintf(planPath, sizeof planPath, "%s/runtime/fixture.plan.json", HGN_TEST_DATA);
    snprintf(artRoot, sizeof artRoot, "/tmp/hgnJobCtl-%d-artifacts", (int)getpid());
    return access(planPath, R_OK) == 0 ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", artRoot);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testRetryLimits),
        cmocka_unit_test(testRetriesByReason),
        cmocka_unit_test(testTwoDevicePlan),
        cmocka_unit_test(testPauseResumeMidRun),
        cmocka_unit_test(testLocalCancelIsInstant),
        cmocka_unit_test(testForcedCancelDeadRunner),
        cmocka_unit_test(testForcedCancelStuckRunner),
        cmocka_unit_test(testCancelRace),
        cmocka_unit_test(testCancelRacePostgres),
        cmocka_unit_test(testMemoryQuota),
        cmocka_unit_test(testJobsConfig),
        cmocka_unit_test(testJobSharesConfig),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
