/* testSubmitBatcher.c — group commit of submissions (src/orchestrator/submitBatcher.c):
 * concurrent submitters get distinct ids and every job is stored exactly once;
 * owner and total quotas stay exact under concurrency; a batch holding a bad
 * job (a duplicate id) fails only that job; an acknowledged job is visible to
 * another connection at once and survives SIGKILL of the submitting process;
 * the per-(state, owner) counts the quotas read agree with the jobs table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
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
#include "orchestrator/jobManagerInt.h"
#include "orchestrator/submitBatcher.h"

static const char *const minimalPlan = "{\"schemaVersion\":1}";

static void tmpPath(char *buf, size_t n, const char *tag) {
    snprintf(buf, n, "/tmp/hgnSubmitBatcher-%d-%s.db", (int)getpid(), tag);
    char side[300];
    unlink(buf);
    snprintf(side, sizeof side, "%s-wal", buf);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", buf);
    unlink(side);
}

static void removeDb(const char *path) {
    char side[300];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

static HgnJobManager *openManager(const char *path, int32_t perOwner, int32_t total, int32_t batchMax) {
    HgnJobManagerConfig c;
    hgnJobManagerConfigInit(&c);
    c.storePath = path;
    c.managerId = "test";
    c.maxQueuedPerOwner = perOwner;
    c.maxQueuedTotal = total;
    c.submitBatchMax = batchMax;
    HgnJobManager *m = NULL;
    assert_null(hgnJobManagerOpen(&c, &m));
    return m;
}

/* ---- concurrent submitters ------------------------------------------------------------ */

#define THREADS    8
#define PER_THREAD 20

typedef struct Worker {
    HgnJobManager *m;
    const char *owner; /* NULL: "owner<k % 3>" */
    int index;
    char ids[PER_THREAD][HGN_JOB_ID_LEN + 1];
    int ok, full, other;
} Worker;

static void *submitLoop(void *p) {
    Worker *w = p;
    char owner[32];
    for (int k = 0; k < PER_THREAD; k++) {
        snprintf(owner, sizeof owner, "%s", w->owner ? w->owner : (k % 3 == 0 ? "ann" : k % 3 == 1 ? "bo" : "cy"));
        HgnJobSubmit sub = {.owner = owner, .planJson = minimalPlan, .priority = w->index};
        char id[HGN_JOB_ID_LEN + 1];
        HgnStatus st = hgnJobSubmit(w->m, &sub, id);
        if (!st)
            memcpy(w->ids[w->ok++], id, sizeof id);
        else if (hgnStatusCode(st) == HGN_CODE_QueueFull)
            w->full++;
        else {
            fprintf(stderr, "unexpected: %s\n", hgnStatusMessage(st));
            w->other++;
        }
        hgnStatusFree(st);
    }
    return NULL;
}

static void runWorkers(Worker *w, HgnJobManager *m, const char *owner) {
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].m = m;
        w[i].owner = owner;
        w[i].index = i;
        assert_int_equal(pthread_create(&t[i], NULL, submitLoop, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
}

static int cmpId(const void *a, const void *b) { return strcmp((const char *)a, (const char *)b); }

static void testConcurrentSubmitsStoredOnce(void **state) {
    (void)state;
    char path[256];
    tmpPath(path, sizeof path, "many");
    HgnJobManager *m = openManager(path, 100000, 100000, 0);
    Worker w[THREADS];
    runWorkers(w, m, NULL);
    char(*all)[HGN_JOB_ID_LEN + 1] = hgnCalloc(THREADS * PER_THREAD, sizeof *all);
    assert_non_null(all);
    int n = 0;
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(w[i].ok, PER_THREAD);
        assert_int_equal(w[i].other + w[i].full, 0);
        for (int k = 0; k < w[i].ok; k++) memcpy(all[n++], w[i].ids[k], HGN_JOB_ID_LEN + 1);
    }
    qsort(all, (size_t)n, sizeof *all, cmpId);
    for (int i = 1; i < n; i++) assert_true(strcmp(all[i - 1], all[i]) < 0); /* distinct */
    /* every job is in the store exactly once: the store's list (ordered by id) equals the acknowledged ids */
    HgnJobStore *fresh = NULL;
    assert_null(hgnJobStoreOpenSqlite(path, &fresh));
    HgnJobList l;
    assert_null(fresh->ops->list(fresh, NULL, &l));
    assert_int_equal(l.count, (size_t)n);
    for (size_t i = 0; i < l.count; i++) {
        assert_string_equal(l.items[i].id, all[i]);
        assert_int_equal(l.items[i].state, HGN_JOB_QUEUED);
    }
    hgnJobListFree(&l);
    /* and each has exactly one "submitted" event */
    HgnJobEvent *ev = NULL;
    size_t nev = 0;
    assert_null(fresh->ops->events(fresh, NULL, 0, 0, &ev, &nev));
    assert_int_equal(nev, (size_t)n);
    hgnJobEventsFree(ev, nev);
    hgnJobStoreClose(fresh);
    SubmitBatcherStats bs;
    submitBatcherStatsGet(m->batcher, &bs);
    assert_int_equal(bs.jobs, n);
    assert_true(bs.commits >= 1 && bs.commits <= n);
    fprintf(stderr, "%d jobs in %lld commits (largest %lld)\n", n, (long long)bs.commits, (long long)bs.largest);
    hgnFree(all);
    hgnJobManagerClose(m);
    removeDb(path);
}

static int totals(Worker *w, int *full) {
    int ok = 0;
    *full = 0;
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(w[i].other, 0);
        ok += w[i].ok;
        *full += w[i].full;
    }
    return ok;
}

static void testOwnerQuotaExact(void **state) {
    (void)state;
    /* with and without group commit */
    for (int32_t batchMax = 256; batchMax >= 1; batchMax = batchMax == 256 ? 1 : 0) {
        char path[256];
        tmpPath(path, sizeof path, "owner");
        HgnJobManager *m = openManager(path, 50, 100000, batchMax);
        Worker w[THREADS];
        runWorkers(w, m, "alice");
        int full = 0;
        assert_int_equal(totals(w, &full), 50);
        assert_int_equal(full, THREADS * PER_THREAD - 50);
        int64_t queued = 0;
        assert_null(m->store->ops->countInState(m->store, HGN_JOB_QUEUED, "alice", &queued));
        assert_int_equal(queued, 50);
        SubmitBatcherStats bs;
        submitBatcherStatsGet(m->batcher, &bs);
        assert_int_equal(bs.quotaFull, full);
        if (batchMax == 1) assert_int_equal(bs.largest, 1);
        hgnJobManagerClose(m);
        removeDb(path);
    }
}

static void testTotalQuotaExact(void **state) {
    (void)state;
    char path[256];
    tmpPath(path, sizeof path, "total");
    HgnJobManager *m = openManager(path, 100000, 70, 0);
    Worker w[THREADS];
    runWorkers(w, m, NULL); /* three owners */
    int full = 0;
    assert_int_equal(totals(w, &full), 70);
    assert_int_equal(full, THREADS * PER_THREAD - 70);
    int64_t queued = 0;
    assert_null(m->store->ops->countInState(m->store, HGN_JOB_QUEUED, NULL, &queued));
    assert_int_equal(queued, 70);
    /* the refusal names the limit */
    HgnJobSubmit sub = {.owner = "dee", .planJson = minimalPlan};
    char id[HGN_JOB_ID_LEN + 1];
    HgnStatus st = hgnJobSubmit(m, &sub, id);
    assert_non_null(st);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_QueueFull);
    assert_non_null(strstr(hgnStatusMessage(st), "limit 70"));
    hgnStatusFree(st);
    hgnJobManagerClose(m);
    removeDb(path);
}

/* ---- a bad job in a batch ----------------------------------------------------------- */

/* A store that forwards to a real one; its first insertBatch waits at a gate, and it records
 * the size of every insertBatch call. */
typedef struct GateStore {
    HgnJobStore base;
    HgnJobStoreOps ops;
    HgnJobStore *inner;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool entered, open;
    size_t sizes[64];
    size_t nCalls;
} GateStore;

static HgnJobStore *innerOf(HgnJobStore *s) { return ((GateStore *)s)->inner; }

static HgnStatus gateInsertBatch(HgnJobStore *s, const HgnJob *const *jobs, size_t n, int64_t *seqs) {
    GateStore *g = (GateStore *)s;
    pthread_mutex_lock(&g->mu);
    if (g->nCalls < 64) g->sizes[g->nCalls] = n;
    bool first = g->nCalls++ == 0;
    g->entered = true;
    pthread_cond_broadcast(&g->cv);
    while (first && !g->open) pthread_cond_wait(&g->cv, &g->mu);
    pthread_mutex_unlock(&g->mu);
    return g->inner->ops->insertBatch(g->inner, jobs, n, seqs);
}
static HgnStatus gateInsert(HgnJobStore *s, const HgnJob *job) { return innerOf(s)->ops->insert(innerOf(s), job); }
static HgnStatus gateGet(HgnJobStore *s, const char *id, HgnJob *out) {
    return innerOf(s)->ops->get(innerOf(s), id, out);
}
static HgnStatus gateList(HgnJobStore *s, const HgnJobFilter *f, HgnJobList *out) {
    return innerOf(s)->ops->list(innerOf(s), f, out);
}
static HgnStatus gateCountInState(HgnJobStore *s, HgnJobState state, const char *owner, int64_t *count) {
    return innerOf(s)->ops->countInState(innerOf(s), state, owner, count);
}
static HgnStatus gateCountByState(HgnJobStore *s, const char *owner, int64_t counts[HGN_JOB_STATE_COUNT]) {
    return innerOf(s)->ops->countByState(innerOf(s), owner, counts);
}
static HgnStatus gateAppendEvent(HgnJobStore *s, HgnJobEvent *ev) {
    return innerOf(s)->ops->appendEvent(innerOf(s), ev);
}
static HgnStatus gateEvents(HgnJobStore *s, const char *jobId, int64_t afterSeq, size_t max, HgnJobEvent **out,
                            size_t *count) {
    return innerOf(s)->ops->events(innerOf(s), jobId, afterSeq, max, out, count);
}

/* Random numbers: a fixed sequence; while `replay` is set, the sequence from its start again
 * (so the next id equals the first job's, the clock being fixed). */
typedef struct Rng {
    pthread_mutex_t mu;
    uint64_t next;
    bool replay;
    uint64_t replayed;
} Rng;
static uint64_t rngNext(void *u) {
    Rng *r = u;
    pthread_mutex_lock(&r->mu);
    uint64_t v = r->replay ? (++r->replayed) * 0x9E3779B97F4A7C15ull : (++r->next) * 0x9E3779B97F4A7C15ull;
    pthread_mutex_unlock(&r->mu);
    return v;
}
static int64_t fixedNow(void *u) { return *(int64_t *)u; }

typedef struct OneSubmit {
    HgnJobManager *m;
    const char *owner;
    HgnStatus st;
    char id[HGN_JOB_ID_LEN + 1];
} OneSubmit;
static void *submitOne(void *p) {
    OneSubmit *o = p;
    HgnJobSubmit sub = {.owner = o->owner, .planJson = minimalPlan};
    o->st = hgnJobSubmit(o->m, &sub, o->id);
    return NULL;
}

static void waitQueued(HgnJobManager *m, size_t n) {
    for (int i = 0; i < 20000 && submitBatcherWaiting(m->batcher) < n; i++) {
        struct timespec ts = {0, 100 * 1000};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(submitBatcherWaiting(m->batcher), n);
}

static void testBadJobFailsAlone(void **state) {
    (void)state;
    char path[256];
    tmpPath(path, sizeof path, "bad");
    GateStore g;
    memset(&g, 0, sizeof g);
    assert_null(hgnJobStoreOpenSqlite(path, &g.inner));
    g.ops = *g.inner->ops;
    g.ops.insertBatch = gateInsertBatch;
    g.ops.insert = gateInsert;
    g.ops.get = gateGet;
    g.ops.list = gateList;
    g.ops.countInState = gateCountInState;
    g.ops.countByState = gateCountByState;
    g.ops.appendEvent = gateAppendEvent;
    g.ops.events = gateEvents;
    g.base.ops = &g.ops;
    pthread_mutex_init(&g.mu, NULL);
    pthread_cond_init(&g.cv, NULL);
    Rng rng = {.mu = PTHREAD_MUTEX_INITIALIZER};
    int64_t clock = 1700000000000;
    HgnJobManagerConfig c;
    hgnJobManagerConfigInit(&c);
    c.store = &g.base;
    c.managerId = "test";
    c.random = rngNext;
    c.randomUser = &rng;
    c.now = fixedNow;
    c.nowUser = &clock;
    HgnJobManager *m = NULL;
    assert_null(hgnJobManagerOpen(&c, &m));

    /* the first submitter leads a batch of one and is held at the gate inside insertBatch */
    OneSubmit subs[6];
    pthread_t t[6];
    memset(subs, 0, sizeof subs);
    const char *owners[6] = {"first", "a", "b", "dup", "c", "d"};
    for (int i = 0; i < 6; i++) {
        subs[i].m = m;
        subs[i].owner = owners[i];
    }
    assert_int_equal(pthread_create(&t[0], NULL, submitOne, &subs[0]), 0);
    pthread_mutex_lock(&g.mu);
    while (!g.entered) pthread_cond_wait(&g.cv, &g.mu);
    pthread_mutex_unlock(&g.mu);
    /* five more queue behind it, one at a time so that their ids are made in this order; the
     * fourth ("dup") replays the random sequence: its id is the first job's */
    for (int i = 1; i < 6; i++) {
        pthread_mutex_lock(&rng.mu);
        rng.replay = i == 3;
        pthread_mutex_unlock(&rng.mu);
        assert_int_equal(pthread_create(&t[i], NULL, submitOne, &subs[i]), 0);
        waitQueued(m, (size_t)i);
    }
    pthread_mutex_lock(&rng.mu);
    rng.replay = false;
    pthread_mutex_unlock(&rng.mu);
    pthread_mutex_lock(&g.mu);
    g.open = true;
    pthread_cond_broadcast(&g.cv);
    pthread_mutex_unlock(&g.mu);
    for (int i = 0; i < 6; i++) pthread_join(t[i], NULL);

    assert_null(subs[0].st);
    for (int i = 1; i < 6; i++) {
        if (i == 3) {
            assert_non_null(subs[i].st);
            assert_int_equal(hgnStatusCode(subs[i].st), HGN_CODE_StoreError);
            hgnStatusFree(subs[i].st);
        } else {
            assert_null(subs[i].st);
        }
    }
    /* calls: [1] the first job; [5] the batch of five, which failed; then one per job of it */
    assert_int_equal(g.nCalls, 7);
    assert_int_equal(g.sizes[0], 1);
    assert_int_equal(g.sizes[1], 5);
    for (size_t i = 2; i < 7; i++) assert_int_equal(g.sizes[i], 1);
    /* the store holds the five good jobs once each, and the first job is untouched */
    HgnJobList l;
    assert_null(g.inner->ops->list(g.inner, NULL, &l));
    assert_int_equal(l.count, 5);
    for (size_t i = 0; i < l.count; i++) assert_string_not_equal(l.items[i].owner, "dup");
    hgnJobListFree(&l);
    HgnJob j;
    assert_null(g.inner->ops->get(g.inner, subs[0].id, &j));
    assert_string_equal(j.owner, "first");
    hgnJobClear(&j);
    SubmitBatcherStats bs;
    submitBatcherStatsGet(m->batcher, &bs);
    assert_int_equal(bs.fallbacks, 1);
    assert_int_equal(bs.jobs, 5);
    hgnJobManagerClose(m);
    hgnJobStoreClose(g.inner);
    pthread_mutex_destroy(&g.mu);
    pthread_cond_destroy(&g.cv);
    removeDb(path);
}

/* ---- durability ----------------------------------------------------------------------- */

typedef struct Seen {
    HgnJobManager *m;
    HgnJobStore *other; /* another connection to the file */
    int missing;
} Seen;
static void *submitAndLook(void *p) {
    Seen *s = p;
    for (int k = 0; k < 10; k++) {
        HgnJobSubmit sub = {.owner = "eve", .planJson = minimalPlan};
        char id[HGN_JOB_ID_LEN + 1];
        HgnStatus st = hgnJobSubmit(s->m, &sub, id);
        if (st) {
            hgnStatusFree(st);
            s->missing++;
            continue;
        }
        HgnJob j;
        st = s->other->ops->get(s->other, id, &j);
        if (st)
            s->missing++;
        else
            hgnJobClear(&j);
        hgnStatusFree(st);
    }
    return NULL;
}

static void testAcknowledgedIsCommitted(void **state) {
    (void)state;
    /* hgnJobSubmit returns only after the transaction holding the job committed: another
     * connection (which sees committed data only) finds it at once */
    char path[256];
    tmpPath(path, sizeof path, "ack");
    HgnJobManager *m = openManager(path, 100000, 100000, 0);
    HgnJobStore *other = NULL;
    assert_null(hgnJobStoreOpenSqlite(path, &other));
    Seen s[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        s[i] = (Seen){m, other, 0};
        assert_int_equal(pthread_create(&t[i], NULL, submitAndLook, &s[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(s[i].missing, 0);
    }
    hgnJobStoreClose(other);
    hgnJobManagerClose(m);
    removeDb(path);
}

typedef struct Pipe {
    HgnJobManager *m;
    int fd;
} Pipe;
static void *submitForever(void *p) {
    Pipe *pp = p;
    for (;;) {
        HgnJobSubmit sub = {.owner = "zed", .planJson = minimalPlan};
        char id[HGN_JOB_ID_LEN + 2];
        HgnStatus st = hgnJobSubmit(pp->m, &sub, id);
        if (st) _exit(3);
        id[HGN_JOB_ID_LEN] = '\n';
        if (write(pp->fd, id, HGN_JOB_ID_LEN + 1) != HGN_JOB_ID_LEN + 1) _exit(4);
    }
    return NULL;
}

static void testAcknowledgedSurvivesKill(void **state) {
    (void)state;
    /* a child submits from four threads and reports each acknowledged id; SIGKILL at an arbitrary
     * moment; every reported id is in the store afterwards */
    char path[256];
    tmpPath(path, sizeof path, "kill");
    HgnJobStore *s = NULL;
    assert_null(hgnJobStoreOpenSqlite(path, &s));
    hgnJobStoreClose(s);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        HgnJobManagerConfig c;
        hgnJobManagerConfigInit(&c);
        c.storePath = path;
        c.maxQueuedPerOwner = 1 << 30;
        c.maxQueuedTotal = 1 << 30;
        HgnJobManager *m = NULL;
        if (hgnJobManagerOpen(&c, &m)) _exit(2);
        Pipe p = {m, fds[1]};
        pthread_t t[4];
        for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, submitForever, &p);
        pthread_join(t[0], NULL);
        _exit(5);
    }
    close(fds[1]);
    struct timespec ts = {0, 400 * 1000 * 1000};
    nanosleep(&ts, NULL);
    kill(pid, SIGKILL);
    int wst;
    waitpid(pid, &wst, 0);
    assert_true(WIFSIGNALED(wst));
    size_t cap = 1 << 16, len = 0;
    char *buf = hgnMalloc(cap);
    assert_non_null(buf);
    ssize_t r;
    while ((r = read(fds[0], buf + len, cap - len)) > 0) {
        len += (size_t)r;
        if (len == cap) {
            char *nb = hgnRealloc(buf, cap * 2);
            assert_non_null(nb);
            buf = nb;
            cap *= 2;
        }
    }
    close(fds[0]);
    size_t n = len / (HGN_JOB_ID_LEN + 1);
    assert_true(n > 0);
    assert_null(hgnJobStoreOpenSqlite(path, &s));
    for (size_t i = 0; i < n; i++) {
        char id[HGN_JOB_ID_LEN + 1];
        memcpy(id, buf + i * (HGN_JOB_ID_LEN + 1), HGN_JOB_ID_LEN);
        id[HGN_JOB_ID_LEN] = 0;
        HgnJob j;
        HgnStatus st = s->ops->get(s, id, &j);
        if (st) fprintf(stderr, "acknowledged job %s is missing: %s\n", id, hgnStatusMessage(st));
        assert_null(st);
        hgnJobClear(&j);
    }
    fprintf(stderr, "%zu acknowledged jobs all present after SIGKILL\n", n);
    hgnFree(buf);
    hgnJobStoreClose(s);
    removeDb(path);
}

/* ---- the counts the quotas read -------------------------------------------------------- */

static void testCountsMatchJobs(void **state) {
    (void)state;
    char path[256];
    tmpPath(path, sizeof path, "counts");
    HgnJobManager *m = openManager(path, 100000, 100000, 0);
    const char *owners[3] = {"ann", "bo", "cy"};
    char ids[30][HGN_JOB_ID_LEN + 1];
    for (int i = 0; i < 30; i++) {
        HgnJobSubmit sub = {.owner = owners[i % 3], .planJson = minimalPlan};
        assert_null(hgnJobSubmit(m, &sub, ids[i]));
    }
    HgnJobStore *s = m->store;
    for (int i = 0; i < 5; i++) { /* claim five */
        HgnJob j;
        bool found = false;
        assert_null(s->ops->claim(s, "runner", 1000, 1,
                                  &(HgnJobClaimPolicy){.maxRunningPerOwner = 0, .maxMemoryPerOwner = 0}, &j, &found));
        assert_true(found);
        hgnJobClear(&j);
    }
    for (int i = 0; i < 30; i += 7) { /* cancel some (QUEUED or RUNNING) */
        HgnStatus st = hgnJobCancel(m, ids[i], NULL);
        hgnStatusFree(st);
    }
    hgnStatusFree(hgnJobPause(m, ids[29], NULL)); /* QUEUED: PAUSED; RUNNING: a pause request */
    size_t reaped = 0;
    assert_null(s->ops->reapExpired(s, 1 << 30, &reaped)); /* the leases (1 ms) expired: back to QUEUED */
    HgnJobList l;
    assert_null(s->ops->list(s, NULL, &l));
    assert_int_equal(l.count, 30);
    for (int o = -1; o < 3; o++) {
        const char *owner = o < 0 ? NULL : owners[o];
        int64_t want[HGN_JOB_STATE_COUNT] = {0}, got[HGN_JOB_STATE_COUNT];
        for (size_t i = 0; i < l.count; i++)
            if (!owner || !strcmp(owner, l.items[i].owner)) want[l.items[i].state]++;
        assert_null(s->ops->countByState(s, owner, got));
        for (int st = 0; st < HGN_JOB_STATE_COUNT; st++) {
            int64_t one = -1;
            assert_null(s->ops->countInState(s, (HgnJobState)st, owner, &one));
            assert_int_equal(one, want[st]);
            assert_int_equal(got[st], want[st]);
        }
    }
    hgnJobListFree(&l);
    hgnJobManagerClose(m);
    removeDb(path);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testConcurrentSubmitsStoredOnce),
        cmocka_unit_test(testOwnerQuotaExact),
        cmocka_unit_test(testTotalQuotaExact),
        cmocka_unit_test(testBadJobFailsAlone),
        cmocka_unit_test(testAcknowledgedIsCommitted),
        cmocka_unit_test(testAcknowledgedSurvivesKill),
        cmocka_unit_test(testCountsMatchJobs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
