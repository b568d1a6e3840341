/* testJobRecover.c — recovery of jobs whose runner died: a job leased by
 * manager A whose lease expires is requeued by manager B with one RUNNING →
 * QUEUED event naming A (and no second one on the next recovery), so that
 * the job's state events stay one chain through the state table; the next
 * run's QUEUED → RUNNING event names B; a live lease is never taken; a
 * cancel or pause asked of the dead runner is honoured at recovery. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "huginn/jobs.h"

static int64_t fakeNow(void *u) { return *(int64_t *)u; }

static HgnJobManager *openManager(const char *path, int64_t *clock, const char *id) {
    HgnJobManagerConfig c;
    hgnJobManagerConfigInit(&c);
    c.storePath = path;
    c.now = fakeNow;
    c.nowUser = clock;
    c.managerId = id;
    c.leaseMs = 1000;
    c.artifactsRoot = "/nonexistent-unused"; /* no job here runs */
    HgnJobManager *m = NULL;
    assert_null(hgnJobManagerOpen(&c, &m));
    return m;
}

/* The job's STATE events after the submission, as "FROM>TO" joined by spaces, and the last message. */
static void stateChain(HgnJobManager *m, const char *id, char *out, size_t n, char *lastMsg, size_t nMsg) {
    HgnJobEvent *ev = NULL;
    size_t count = 0;
    assert_null(hgnJobEventsSince(m, id, 0, 100, &ev, &count));
    out[0] = lastMsg[0] = 0;
    for (size_t i = 0; i < count; i++) {
        if (ev[i].kind != HGN_JOB_EVENT_STATE || ev[i].from == ev[i].to) continue;
        size_t len = strlen(out);
        snprintf(out + len, n - len, "%s%s>%s", len ? " " : "", hgnJobStateName(ev[i].from), hgnJobStateName(ev[i].to));
        snprintf(lastMsg, nMsg, "%s", ev[i].message ? ev[i].message : "");
    }
    hgnJobEventsFree(ev, count);
}

static void testExpiredLeaseIsOneEvent(void **state) {
    (void)state;
    char path[256];
    snprintf(path, sizeof path, "/tmp/hgnJobRecover-%d.db", (int)getpid());
    unlink(path);
    int64_t clock = 10000;
    HgnJobManager *a = openManager(path, &clock, "A"), *b = openManager(path, &clock, "B");
    char id[HGN_JOB_ID_LEN + 1];
    HgnJobSubmit sub = {.owner = "alice", .planJson = "{\"schemaVersion\":1}"};
    assert_null(hgnJobSubmit(a, &sub, id));
    /* A claims the job (as hgnJobRunNext does) and then "dies": it never renews */
    HgnJobStore *sa = hgnJobManagerStore(a);
    HgnJob j;
    bool found = false;
    assert_null(sa->ops->claim(sa, "A", clock, 1000,
                               &(HgnJobClaimPolicy){.maxRunningPerOwner = 10, .maxMemoryPerOwner = 0}, &j, &found));
    assert_true(found);
    hgnJobClear(&j);
    size_t n = 99;
    clock += 999; /* still A's */
    assert_null(hgnJobRecover(b, &n));
    assert_int_equal(n, 0);
    char chain[512], msg[512];
    stateChain(b, id, chain, sizeof chain, msg, sizeof msg);
    assert_string_equal(chain, "");
    clock += 2;
    assert_null(hgnJobRecover(b, &n));
    assert_int_equal(n, 1);
    stateChain(b, id, chain, sizeof chain, msg, sizeof msg);
    assert_string_equal(chain, "RUNNING>QUEUED");
    assert_non_null(strstr(msg, "lease of `A` expired"));
    assert_null(hgnJobRecover(b, &n)); /* nothing left: no second event */
    assert_int_equal(n, 0);
    stateChain(b, id, chain, sizeof chain, msg, sizeof msg);
    assert_string_equal(chain, "RUNNING>QUEUED");
    /* B runs it (the plan is broken, so it fails at once): its RUNNING event names B */
    bool ran = false;
    assert_null(hgnJobRunNext(b, &ran));
    assert_true(ran);
    stateChain(b, id, chain, sizeof chain, msg, sizeof msg);
    assert_string_equal(chain, "RUNNING>QUEUED QUEUED>RUNNING RUNNING>FAILED");
    HgnJobEvent *ev = NULL;
    size_t count = 0;
    assert_null(hgnJobEventsSince(b, id, 0, 100, &ev, &count));
    bool namedB = false;
    for (size_t i = 0; i < count; i++)
        if (ev[i].kind == HGN_JOB_EVENT_STATE && ev[i].to == HGN_JOB_RUNNING)
            namedB = ev[i].message && strcmp(ev[i].message, "B") == 0;
    hgnJobEventsFree(ev, count);
    assert_true(namedB);
    assert_null(hgnJobGet(b, id, NULL, &j));
    assert_int_equal(j.attempts, 2);
    hgnJobClear(&j);
    hgnJobManagerClose(a);
    hgnJobManagerClose(b);
    unlink(path);
    char side[300];
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

/* A cancel (or pause) asked while the runner was alive, which then died: honoured at recovery. */
static void testRequestOfDeadRunner(void **state) {
    (void)state;
    char path[256];
    snprintf(path, sizeof path, "/tmp/hgnJobRecover-%d-req.db", (int)getpid());
    unlink(path);
    int64_t clock = 10000;
    HgnJobManager *a = openManager(path, &clock, "A"), *b = openManager(path, &clock, "B");
    HgnJobStore *sa = hgnJobManagerStore(a);
    for (int k = 0; k < 2; k++) {
        char id[HGN_JOB_ID_LEN + 1];
        HgnJobSubmit sub = {.owner = "alice", .planJson = "{\"schemaVersion\":1}"};
        assert_null(hgnJobSubmit(a, &sub, id));
        HgnJob j;
        bool found = false;
        assert_null(sa->ops->claim(sa, "A", clock, 1000,
                                   &(HgnJobClaimPolicy){.maxRunningPerOwner = 10, .maxMemoryPerOwner = 0}, &j, &found));
        assert_true(found);
        hgnJobClear(&j);
        assert_null(k == 0 ? hgnJobCancel(b, id, NULL) : hgnJobPause(b, id, NULL)); /* graceful: still RUNNING */
        assert_null(hgnJobGet(b, id, NULL, &j));
        assert_int_equal(j.state, HGN_JOB_RUNNING);
        hgnJobClear(&j);
        clock += 1001;
        size_t n = 0;
        assert_null(hgnJobRecover(b, &n));
        assert_int_equal(n, 1);
        char chain[512], msg[512];
        stateChain(b, id, chain, sizeof chain, msg, sizeof msg);
        /* straight to the requested state: no window in which another worker could claim it */
        assert_string_equal(chain, k == 0 ? "RUNNING>CANCELLED" : "RUNNING>PAUSED");
        assert_non_null(strstr(msg, "before the runner died"));
        bool ran = true;
        assert_null(hgnJobRunNext(b, &ran));
        assert_false(ran); /* nothing is run again */
    }
    hgnJobManagerClose(a);
    hgnJobManagerClose(b);
    unlink(path);
    char side[300];
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testExpiredLeaseIsOneEvent),
        cmocka_unit_test(testRequestOfDeadRunner),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
