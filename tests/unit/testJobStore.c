/* testJobStore.c — the job store contract (HgnJobStoreOps), run twice: once
 * against SQLite (a temp file per test) and once against a real PostgreSQL
 * server (tests/pgHarness.h; a fresh database per test). Covers insert, get,
 * list and pagination, compare-and-set, fair-share claiming, running and
 * memory quotas, leases, two handles ("processes") claiming concurrently,
 * events, schema version and migration, insertBatch atomicity, allocation
 * failures, opening from the configuration, and for PostgreSQL: concurrent
 * migration, reconnecting, and connection strings kept out of messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "huginn/config.h"
#include "huginn/jobs.h"
#include "pgHarness.h"
#include "testUtil.h"

/* ---- fixture: one store per test, parameterised by backend ----------------- */

typedef enum Backend { BACKEND_SQLITE, BACKEND_POSTGRES } Backend;

typedef struct Suite {
    Backend backend;
    const char *name;
    char *scratch; /* temp folder: SQLite files, artefacts */
    PgServer pg;
    bool up;
    int counter;
} Suite;

static Suite sqliteSuite = {.backend = BACKEND_SQLITE, .name = "sqlite"};
static Suite pgSuite = {.backend = BACKEND_POSTGRES, .name = "postgresql"};
static Suite *suite; /* the group now running */

typedef struct Fixture {
    Backend backend;
    char target[512]; /* SQLite path or PostgreSQL conninfo */
    HgnJobStore *s;
} Fixture;

static HgnJobStore *openStore(const Fixture *fx) {
    HgnJobStore *s = NULL;
    HgnStatus st =
        fx->backend == BACKEND_SQLITE ? hgnJobStoreOpenSqlite(fx->target, &s) : hgnJobStoreOpenPostgres(fx->target, &s);
    assertOk(st);
    assert_non_null(s);
    return s;
}

static int sqliteGroupSetup(void **state) {
    (void)state;
    suite = &sqliteSuite;
    suite->scratch = makeScratchDir("jobstore");
    suite->up = true;
    return 0;
}

static int pgGroupSetup(void **state) {
    (void)state;
    suite = &pgSuite;
    suite->scratch = makeScratchDir("jobstore-pg");
    suite->up = pgServerStart(&suite->pg);
    if (!suite->up) fprintf(stdout, "SKIP: PostgreSQL store tests: %s\n", suite->pg.reason);
    char conninfo[300];
    if (suite->up) pgCreateDatabase(&suite->pg, "huginn", conninfo, sizeof conninfo); /* a schema per test */
    return 0;
}

static int groupTeardown(void **state) {
    (void)state;
    if (suite->backend == BACKEND_POSTGRES) pgServerStop(&suite->pg);
    removeTree(suite->scratch);
    free(suite->scratch);
    suite->scratch = NULL;
    return 0;
}

/* A fresh, empty store: a new SQLite file or a new PostgreSQL database. */
static void freshTarget(Fixture *fx) {
    int n = ++suite->counter;
    if (fx->backend == BACKEND_SQLITE) {
        snprintf(fx->target, sizeof fx->target, "%s/store%d.db", suite->scratch, n);
    } else {
        char name[32];
        snprintf(name, sizeof name, "t%d", n);
        pgCreateSchema(&suite->pg, "huginn", name, fx->target, sizeof fx->target);
    }
}

static int testSetup(void **state) {
    Fixture *fx = calloc(1, sizeof *fx);
    fx->backend = suite->backend;
    *state = fx;
    if (!suite->up) return 0;
    freshTarget(fx);
    fx->s = openStore(fx);
    return 0;
}

static int testTeardown(void **state) {
    Fixture *fx = *state;
    hgnJobStoreClose(fx->s);
    free(fx);
    return 0;
}

/* Every test starts with this: the fixture, or a skip when the backend cannot run here. */
static Fixture *fixture(void **state) {
    if (!suite->up) skip();
    return *state;
}

/* Runs raw SQL on the backend behind fx (test set-up only). */
static void rawSql(const Fixture *fx, const char *sql) {
    if (fx->backend == BACKEND_POSTGRES) {
        pgExecOn(fx->target, sql);
        return;
    }
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(fx->target, &db), SQLITE_OK);
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) fail_msg("%s: %s", sql, err);
    sqlite3_close(db);
}

/* ---- job helpers ---------------------------------------------------------- */

static void expectCode(HgnStatus st, HgnCode code) {
    if (!st) fail_msg("expected %s, got OK", hgnCodeName(code));
    if (hgnStatusCode(st) != code) fail_msg("expected %s, got: %s", hgnCodeName(code), hgnStatusMessage(st));
    hgnStatusFree(st);
}

/* Ids sort by creation like UUIDv7: n gives the order. */
static void jobId(char id[HGN_JOB_ID_LEN + 1], int n) {
    snprintf(id, HGN_JOB_ID_LEN + 1, "01900000-0000-7000-8000-%012d", n);
}

/* A queued job with every field set (text fields owned by the stack frame: static strings). */
static HgnJob makeJob(int n, const char *owner, int priority, int64_t memoryBytes) {
    HgnJob j;
    memset(&j, 0, sizeof j);
    jobId(j.id, n);
    j.owner = (char *)owner;
    j.planJson = (char *)"{\"schemaVersion\":1}";
    j.planDigest = (char *)"sha256:00";
    j.priority = priority;
    j.state = HGN_JOB_QUEUED;
    j.createdMs = 1000 + n;
    j.updatedMs = 1000 + n;
    j.maxAttempts = 3;
    j.maxTokens = 16;
    j.memoryBytes = memoryBytes;
    return j;
}

static void insertJob(HgnJobStore *s, int n, const char *owner, int priority, int64_t memoryBytes) {
    HgnJob j = makeJob(n, owner, priority, memoryBytes);
    assertOk(s->ops->insert(s, &j));
}

static bool claim(HgnJobStore *s, const char *lease, int64_t now, int32_t maxRunning, int64_t maxMemory, HgnJob *out) {
    bool found = false;
    assertOk(s->ops->claim(s, lease, now, 1000,
                           &(HgnJobClaimPolicy){.maxRunningPerOwner = maxRunning, .maxMemoryPerOwner = maxMemory}, out,
                           &found));
    return found;
}

/* Claims one job and returns its number (id suffix), or -1 when none was runnable. */
static int claimNumber(HgnJobStore *s, int64_t now, int32_t maxRunning, int64_t maxMemory) {
    HgnJob j;
    if (!claim(s, "w", now, maxRunning, maxMemory, &j)) return -1;
    int n = atoi(j.id + 24);
    assert_int_equal(j.state, HGN_JOB_RUNNING);
    hgnJobClear(&j);
    return n;
}

static void setState(HgnJobStore *s, int n, HgnJobState to) {
    char id[HGN_JOB_ID_LEN + 1];
    jobId(id, n);
    HgnJob j;
    assertOk(s->ops->get(s, id, &j));
    HgnJobState from = j.state;
    j.state = to;
    assertOk(s->ops->update(s, &j, from));
    hgnJobClear(&j);
}

static void assertStrEq(const char *a, const char *b) {
    if (!a || !b)
        assert_ptr_equal(a, b);
    else
        assert_string_equal(a, b);
}

/* ---- tests ---------------------------------------------------------------- */

static void testSchemaVersionAndReopen(void **state) {
    Fixture *fx = fixture(state);
    assert_int_equal(fx->s->ops->schemaVersion(fx->s), 4);
    assert_int_equal(hgnJobStoreSchemaVersion(fx->s), 4);
    insertJob(fx->s, 1, "alice", 0, 0);
    hgnJobStoreClose(fx->s);
    fx->s = openStore(fx); /* reopening migrates nothing, keeps data and version */
    assert_int_equal(hgnJobStoreSchemaVersion(fx->s), 4);
    HgnJobStore *second = openStore(fx); /* a second handle while the first is open */
    assert_int_equal(hgnJobStoreSchemaVersion(second), 4);
    int64_t n = 0;
    assertOk(second->ops->countInState(second, HGN_JOB_QUEUED, NULL, &n));
    assert_int_equal(n, 1);
    hgnJobStoreClose(second);
    /* a store from a newer Huginn is refused, naming both versions */
    hgnJobStoreClose(fx->s);
    fx->s = NULL;
    rawSql(fx, "UPDATE schema_version SET version = 99");
    HgnJobStore *s = NULL;
    HgnStatus st =
        fx->backend == BACKEND_SQLITE ? hgnJobStoreOpenSqlite(fx->target, &s) : hgnJobStoreOpenPostgres(fx->target, &s);
    expectError(st, HGN_CODE_StoreError, "99", "4", "upgrade Huginn");
    assert_null(s);
}

static void testInsertGetRoundTrip(void **state) {
    Fixture *fx = fixture(state);
    HgnJobStore *s = fx->s;
    HgnJob j = makeJob(7, "alice", -5, 123456789012LL);
    j.planPath = (char *)"/models/x.plan.json";
    j.startedMs = 1700000000123LL;
    j.finishedMs = 1700000000456LL;
    j.attempts = 2;
    j.notBeforeMs = 99;
    j.lastError = (char *)"{\"code\":\"HGN-0401\",\"message\":\"caf\xc3\xa9 \\\"quoted\\\"\"}";
    j.progress = 0.1 + 0.2; /* not representable exactly: must round-trip bit for bit */
    j.stepsDone = 5;
    j.stepsTotal = 1LL << 40;
    j.metricsJson = (char *)"{\"tps\":3.5}";
    j.artefactsPath = (char *)"/var/lib/huginn/artifacts/x";
    j.resultText = (char *)"line1\nline2\t'single' \"double\" $1 \\ %s";
    j.leaseOwner = (char *)"host:1:abc";
    j.leaseExpiresMs = 5555;
    j.checkpointPath = (char *)"/ck/x.zst";
    j.checkpointStep = 4;
    j.cancelRequested = true;
    j.pauseRequested = false;
    j.prompt = (char *)"Once upon a time; DROP TABLE jobs; --";
    j.maxTokens = 64;
    j.optionsJson = (char *)"{\"temperature\":0.7}";
    j.cancelRequestedMs = 777;
    j.retriesJson = (char *)"{\"DeviceLost\":2}";
    assertOk(s->ops->insert(s, &j));
    HgnJob g;
    assertOk(s->ops->get(s, j.id, &g));
    assert_string_equal(g.id, j.id);
    assertStrEq(g.owner, j.owner);
    assertStrEq(g.planJson, j.planJson);
    assertStrEq(g.planDigest, j.planDigest);
    assertStrEq(g.planPath, j.planPath);
    assert_int_equal(g.priority, -5);
    assert_int_equal(g.state, HGN_JOB_QUEUED);
    assert_int_equal(g.createdMs, j.createdMs);
    assert_int_equal(g.updatedMs, j.updatedMs);
    assert_int_equal(g.startedMs, j.startedMs);
    assert_int_equal(g.finishedMs, j.finishedMs);
    assert_int_equal(g.attempts, 2);
    assert_int_equal(g.maxAttempts, 3);
    assert_int_equal(g.notBeforeMs, 99);
    assertStrEq(g.lastError, j.lastError);
    assert_true(g.progress == j.progress);
    assert_int_equal(g.stepsDone, 5);
    assert_int_equal(g.stepsTotal, 1LL << 40);
    assertStrEq(g.metricsJson, j.metricsJson);
    assertStrEq(g.artefactsPath, j.artefactsPath);
    assertStrEq(g.resultText, j.resultText);
    assertStrEq(g.leaseOwner, j.leaseOwner);
    assert_int_equal(g.leaseExpiresMs, 5555);
    assertStrEq(g.checkpointPath, j.checkpointPath);
    assert_int_equal(g.checkpointStep, 4);
    assert_true(g.cancelRequested);
    assert_false(g.pauseRequested);
    assertStrEq(g.prompt, j.prompt);
    assert_int_equal(g.maxTokens, 64);
    assertStrEq(g.optionsJson, j.optionsJson);
    assert_int_equal(g.memoryBytes, 123456789012LL);
    assert_int_equal(g.cancelRequestedMs, 777);
    assertStrEq(g.retriesJson, j.retriesJson);
    hgnJobClear(&g);
    /* NULL text fields stay NULL */
    insertJob(s, 8, "bob", 0, 0);
    char id[HGN_JOB_ID_LEN + 1];
    jobId(id, 8);
    assertOk(s->ops->get(s, id, &g));
    assert_null(g.planPath);
    assert_null(g.lastError);
    assert_null(g.leaseOwner);
    assert_null(g.optionsJson);
    assert_null(g.retriesJson);
    hgnJobClear(&g);
    /* unknown job: HGN-0006 naming it */
    expectError(s->ops->get(s, "no-such-job", &g), HGN_CODE_JobNotFound, "no-such-job");
    /* duplicate id */
    expectCode(s->ops->insert(s, &j), HGN_CODE_StoreError);
}

static void testListFiltersAndPagination(void **state) {
    Fixture *fx = fixture(state);
    HgnJobStore *s = fx->s;
    for (int i = 1; i <= 25; i++) insertJob(s, i, i % 3 == 0 ? "bob" : "alice", 0, 0);
    setState(s, 3, HGN_JOB_CANCELLED);
    setState(s, 4, HGN_JOB_PAUSED);
    HgnJobList l;
    assertOk(s->ops->list(s, NULL, &l));
    assert_int_equal(l.count, 25);
    for (size_t i = 0; i < l.count; i++) {
        assert_int_equal(atoi(l.items[i].id + 24), (int)i + 1); /* id order */
        assert_null(l.items[i].planJson);                       /* lists leave the plan out */
        assert_non_null(l.items[i].planDigest);
    }
    hgnJobListFree(&l);
    HgnJobFilter f = {.owner = "bob"};
    assertOk(s->ops->list(s, &f, &l));
    assert_int_equal(l.count, 8);
    for (size_t i = 0; i < l.count; i++) assert_string_equal(l.items[i].owner, "bob");
    hgnJobListFree(&l);
    f = (HgnJobFilter){.activeOnly = true};
    assertOk(s->ops->list(s, &f, &l));
    assert_int_equal(l.count, 24); /* the cancelled one is gone */
    hgnJobListFree(&l);
    f = (HgnJobFilter){.stateMask = 1 << HGN_JOB_PAUSED};
    assertOk(s->ops->list(s, &f, &l));
    assert_int_equal(l.count, 1);
    assert_int_equal(l.items[0].state, HGN_JOB_PAUSED);
    hgnJobListFree(&l);
    f = (HgnJobFilter){.activeOnly = true, .stateMask = 1 << HGN_JOB_PAUSED | 1 << HGN_JOB_CANCELLED};
    assertOk(s->ops->list(s, &f, &l));
    assert_int_equal(l.count, 1); /* the intersection */
    hgnJobListFree(&l);
    f = (HgnJobFilter){.activeOnly = true, .stateMask = 1 << HGN_JOB_COMPLETED | 1 << HGN_JOB_CANCELLED};
    assertOk(s->ops->list(s, &f, &l));
    assert_int_equal(l.count, 0); /* an empty intersection matches nothing (not "any state") */
    hgnJobListFree(&l);
    /* pages of 7 visit every alice job exactly once, in order */
    char after[HGN_JOB_ID_LEN + 1] = "";
    int seen = 0, pages = 0, last = 0;
    for (;;) {
        f = (HgnJobFilter){.owner = "alice", .limit = 7, .afterId = after[0] ? after : NULL};
        assertOk(s->ops->list(s, &f, &l));
        if (l.count == 0) break;
        pages++;
        assert_true(l.count <= 7);
        for (size_t i = 0; i < l.count; i++) {
            int n = atoi(l.items[i].id + 24);
            assert_true(n > last);
            assert_true(n % 3 != 0);
            last = n;
            seen++;
        }
        snprintf(after, sizeof after, "%s", l.items[l.count - 1].id);
        hgnJobListFree(&l);
    }
    hgnJobListFree(&l);
    assert_int_equal(seen, 17);
    assert_int_equal(pages, 3);
}

static void testCompareAndSet(void **state) {
    Fixture *fx = fixture(state);
    HgnJobStore *s = fx->s;
    insertJob(s, 1, "alice", 0, 0);
    HgnJob j;
    char id[HGN_JOB_ID_LEN + 1];
    jobId(id, 1);
    assertOk(s->ops->get(s, id, &j));
    j.state = HGN_JOB_RUNNING;
    j.progress = 0.5;
    assertOk(s->ops->update(s, &j, HGN_JOB_QUEUED));
    /* a second writer that still believes QUEUED loses, and is told the state now */
    j.state = HGN_JOB_CANCELLED;
    expectError(s->ops->update(s, &j, HGN_JOB_QUEUED), HGN_CODE_InvalidTransition, "RUNNING", "QUEUED", id);
    hgnJobClear(&j);
    assertOk(s->ops->get(s, id, &j));
    assert_int_equal(j.state, HGN_JOB_RUNNING);
    assert_true(j.progress == 0.5);
    /* a second handle sees the same: CAS holds across connections */
    HgnJobStore *other = openStore(fx);
    j.state = HGN_JOB_COMPLETED;
    assertOk(other->ops->update(other, &j, HGN_JOB_RUNNING));
    j.state = HGN_JOB_FAILED;
    expectCode(s->ops->update(s, &j, HGN_JOB_RUNNING), HGN_CODE_InvalidTransition);
    hgnJobStoreClose(other);
    /* unknown job */
    snprintf(j.id, sizeof j.id, "%s", "00000000-0000-7000-8000-999999999999");
    expectCode(s->ops->update(s, &j, HGN_JOB_QUEUED), HGN_CODE_JobNotFound);
    hgnJobClear(&j);
}

static void testClaimFairShare(void **state) {
    Fixture *fx = fixture(state);
    HgnJobStore *s = fx->s;
    for (int i = 1; i <= 100; i++) insertJob(s, i, "alice", i == 50 ? 10 : 0, 0);
    insertJob(s, 101, "bob", -100, 0); /* lowest priority, submitted last */
    HgnJob j;
    assert_true(claim(s, "w", 5000, 100, 0, &j));
    assert_string_equal(j.owner, "alice");
    assert_int_equal(j.priority, 10); /* within an owner, priority first */
    assert_int_equal(j.state, HGN_JOB_RUNNING);
    assert_string_equal(j.leaseOwner, "w");
    assert_int_equal(j.leaseExpiresMs, 6000);
    assert_int_equal(j.startedMs, 5000);
    assert_int_equal(j.attempts, 1);
    hgnJobClear(&j);
    assert_true(claim(s, "w", 5000, 100, 0, &j));
    assert_string_equal(j.owner, "bob"); /* bob is not starved by alice's 99 others */
    hgnJobClear(&j);
    assert_int_equal(claimNumber(s, 5001, 100, 0), 1); /* then alice again, oldest first */
    /* per-owner running limit: alice runs 2, bob 1 → with limit 1 nothing is claimable */
    assert_int_equal(claimNumber(s, 5002, 1, 0), -1);
    /* equal running counts: the owner served longest ago goes first */
    insertJob(s, 200, "carol", 0, 0);
    insertJob(s, 201, "dave", 0, 0);
    insertJob(s, 202, "carol", 0, 0);
    insertJob(s, 203, "dave", 0, 0);
    assert_int_equal(claimNumber(s, 6000, 100, 0), 200); /* carol and dave both 0 running, never served */
    assert_int_equal(claimNumber(s, 6001, 100, 0), 201); /* dave: 0 running */
    setState(s, 200, HGN_JOB_COMPLETED);
    setState(s, 201, HGN_JOB_COMPLETED);
    /* both 0 running again; carol last started at 6000, dave at 6001 → carol */
    assert_int_equal(claimNumber(s, 6002, 100, 0), 202);
    /* a job waiting for its retry backoff is not picked before notBeforeMs */
    HgnJob late = makeJob(300, "erin", 0, 0);
    late.notBeforeMs = 9000;
    assertOk(s->ops->insert(s, &late));
    for (int k = 0; k < 3; k++) {
        assert_true(claim(s, "w", 8000, 100, 0, &j));
        assert_string_not_equal(j.owner, "erin");
        hgnJobClear(&j);
    }
    assert_true(claim(s, "w", 9000, 100, 0, &j));
    assert_string_equal(j.owner, "erin"); /* 0 running: first in line once due */
    hgnJobClear(&j);
}

static void testRunningQuota(void **state) {
    Fixture *fx = fixture(state);
    HgnJobStore *s = fx->s;
    for (int i = 1; i <= 5; i++) insertJob(s, i, "alice", 0, 0);
    insertJob(s, 6, "bob", 0, 0);
    assert_int_equal(claimNumber(s, 100, 2, 0), 1);
    assert_int_equal(claimNumber(s, 100, 2, 0), 6); /* bob has 0 running */
    assert_int_equal(claimNumber(s, 100, 2, 0), 2);
    assert_int_equal(claimNumber(s, 100, 2, 0), -1); /* alice at 2, bob has nothing queued */
    int64_t running = 0;
    assertOk(s->ops->countInState(s, HGN_JOB_RUNNING, "alice", &running));
    assert_int_equal(running, 2);
    setState(s, 1, HGN_JOB_COMPLETED);
    assert_int_equal(claimNumber(s, 100, 2, 0), 3); /* a slot freed */
    assert_int_equal(claimNumber(s, 100, 2, 0), -1);
    assert_int_equal(claimNumber(s, 100, 0, 0), 4); /* 0: no limit */
}

static void testMemoryQuota(void **state) {
    Fixture *fx = fixture(state);
    HgnJobStore *s = fx->s;
    const int64_t gib = 1LL << 30;
    insertJob(s, 1, "alice", 0, 4 * gib);
    insertJob(s, 2, "alice", 0, 4 * gib);
    insertJob(s, 3, "alice", 0, 4 * gib);
    insertJob(s, 4, "alice", 0, 1 * gib);
    insertJob(s, 5, "bob", 0, 20 * gib); /* larger than the quota on its own */
    insertJob(s, 6, "bob", 0, 2 * gib);
    const int64_t quota = 9 * gib;
    assert_int_equal(claimNumber(s, 100, 10, quota), 1);
    assert_int_equal(claimNumber(s, 100, 10, quota), 6);  /* bob: 20 GiB never fits; 2 GiB does */
    assert_int_equal(claimNumber(s, 100, 10, quota), 2);  /* alice 8 GiB running */
    assert_int_equal(claimNumber(s, 100, 10, quota), 4);  /* 4 GiB more would be 12: the 1 GiB job fits */
    assert_int_equal(claimNumber(s, 100, 10, quota), -1); /* alice at 9 GiB, bob's 20 GiB job never fits */
    setState(s, 2, HGN_JOB_COMPLETED);
    assert_int_equal(claimNumber(s, 100, 10, quota), 3); /* 4 + 1 + 4 = 9 GiB: exactly at the quota */
    assert_int_equal(claimNumber(s, 100, 10, 0), 5);     /* no quota: anything goes */
}

static void testLeaseHeartbeatReap(void **state) {
    Fixture *fx = fixture(state);
    HgnJobStore *s = fx->s;
    insertJob(s, 1, "alice", 0, 0);
    char id[HGN_JOB_ID_LEN + 1];
    jobId(id, 1);
    HgnJob j;
    bool found;
    assertOk(s->ops->claim(s, "A", 5000, 1000, &(HgnJobClaimPolicy){.maxRunningPerOwner = 10, .maxMemoryPerOwner = 0},
                           &j, &found));
    assert_true(found);
    hgnJobClear(&j);
    assertOk(s->ops->claim(s, "B", 5000, 1000, &(HgnJobClaimPolicy){.maxRunningPerOwner = 10, .maxMemoryPerOwner = 0},
                           &j, &found));
    assert_false(found); /* never twice at the same time */
    expectError(s->ops->heartbeat(s, id, "B", 7000), HGN_CODE_InvalidTransition, "B");
    assertOk(s->ops->heartbeat(s, id, "A", 6500)); /* A keeps it alive */
    size_t n = 99;
    assertOk(s->ops->reapExpired(s, 6400, &n));
    assert_int_equal(n, 0);
    assertOk(s->ops->reapExpired(s, 6501, &n));
    assert_int_equal(n, 1);
    assertOk(s->ops->get(s, id, &j));
    assert_int_equal(j.state, HGN_JOB_QUEUED);
    assert_null(j.leaseOwner);
    assert_int_equal(j.leaseExpiresMs, 0);
    assert_int_equal(j.updatedMs, 6501);
    hgnJobClear(&j);
    expectCode(s->ops->heartbeat(s, id, "A", 8000), HGN_CODE_InvalidTransition); /* A learns it lost it */
    assertOk(s->ops->claim(s, "B", 7000, 1000, &(HgnJobClaimPolicy){.maxRunningPerOwner = 10, .maxMemoryPerOwner = 0},
                           &j, &found));
    assert_true(found);
    assert_int_equal(j.attempts, 2);
    assert_string_equal(j.leaseOwner, "B");
    hgnJobClear(&j);
}

typedef struct ClaimArg {
    HgnJobStore *s;
    const char *lease;
    int32_t maxRunning;
    int nIds, errors;
    char (*ids)[HGN_JOB_ID_LEN + 1]; /* claimed here */
} ClaimArg;

static void *claimUntilEmpty(void *p) {
    ClaimArg *a = p;
    for (;;) {
        HgnJob j;
        bool found = false;
        HgnStatus st = a->s->ops->claim(
            a->s, a->lease, 1, 100000,
            &(HgnJobClaimPolicy){.maxRunningPerOwner = a->maxRunning, .maxMemoryPerOwner = 0}, &j, &found);
        if (st) {
            fprintf(stderr, "claim: %s\n", hgnStatusMessage(st));
            hgnStatusFree(st);
            if (++a->errors > 50) break;
            continue;
        }
        if (!found) break;
        snprintf(a->ids[a->nIds++], HGN_JOB_ID_LEN + 1, "%s", j.id);
        hgnJobClear(&j);
    }
    return NULL;
}

static int cmpId(const void *a, const void *b) { return strcmp(a, b); }

/* Two handles (as two processes would have), two threads each, hammering claim: every job exactly once. */
static void runConcurrentClaims(Fixture *fx, int nJobs, int32_t maxRunning, int expectClaimed) {
    HgnJob *jobs = calloc((size_t)nJobs, sizeof *jobs);
    const HgnJob **ptrs = calloc((size_t)nJobs, sizeof *ptrs);
    const char *owners[] = {"alice", "bob", "carol", "dave", "erin"};
    for (int i = 0; i < nJobs; i++) {
        jobs[i] = makeJob(i + 1, owners[i % 5], i % 7, 0);
        ptrs[i] = &jobs[i];
    }
    assertOk(fx->s->ops->insertBatch(fx->s, (const HgnJob *const *)ptrs, (size_t)nJobs, NULL));
    HgnJobStore *h[2] = {openStore(fx), openStore(fx)};
    pthread_t t[4];
    ClaimArg a[4];
    for (int i = 0; i < 4; i++) {
        a[i] = (ClaimArg){.s = h[i % 2], .lease = i % 2 ? "B" : "A", .maxRunning = maxRunning};
        a[i].ids = calloc((size_t)nJobs, sizeof *a[i].ids);
        assert_int_equal(pthread_create(&t[i], NULL, claimUntilEmpty, &a[i]), 0);
    }
    char(*all)[HGN_JOB_ID_LEN + 1] = calloc((size_t)nJobs, sizeof *all);
    int total = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(a[i].errors, 0);
        for (int k = 0; k < a[i].nIds; k++) memcpy(all[total++], a[i].ids[k], sizeof all[0]);
        free(a[i].ids);
    }
    assert_int_equal(total, expectClaimed);
    qsort(all, (size_t)total, sizeof all[0], cmpId);
    for (int i = 1; i < total; i++)
        if (strcmp(all[i - 1], all[i]) == 0) fail_msg("job %s claimed twice", all[i]);
    int64_t counts[HGN_JOB_STATE_COUNT];
    assertOk(fx->s->ops->countByState(fx->s, NULL, counts));
    assert_int_equal(counts[HGN_JOB_RUNNING], expectClaimed);
    assert_int_equal(counts[HGN_JOB_QUEUED], nJobs - expectClaimed);
    for (int o = 0; o < 5 && maxRunning > 0; o++) {
        int64_t r = 0;
        assertOk(fx->s->ops->countInState(fx->s, HGN_JOB_RUNNING, owners[o], &r));
        assert_int_equal(r, maxRunning); /* the quota held across handles */
    }
    free(all);
    hgnJobStoreClose(h[0]);
    hgnJobStoreClose(h[1]);
    free(ptrs);
    free(jobs);
}

static void testTwoHandlesNeverDoubleClaim(void **state) {
    Fixture *fx = fixture(state);
    runConcurrentClaims(fx, 200, 0, 200);
}

static void testTwoHandlesHoldRunningQuota(void **state) {
    Fixture *fx = fixture(state);
    runConcurrentClaims(fx, 100, 3, 15); /* 5 owners × 3 */
}

static void testEvents(void **state) {
    Fixture *fx = fixture(state);
    HgnJobStore *s = fx->s;
    insertJob(s, 1, "alice", 0, 0);
    insertJob(s, 2, "bob", 0, 0);
    char a[HGN_JOB_ID_LEN + 1], b[HGN_JOB_ID_LEN + 1];
    jobId(a, 1);
    jobId(b, 2);
    int64_t last = 0;
    for (int i = 0; i < 10; i++) {
        HgnJobEvent ev = {.kind = i % 2 ? HGN_JOB_EVENT_PROGRESS : HGN_JOB_EVENT_LOG,
                          .stepsDone = i,
                          .stepsTotal = 10,
                          .timeMs = 2000 + i,
                          .message = i % 3 == 0 ? NULL : "retry scheduled: 'x' \"y\""};
        snprintf(ev.jobId, sizeof ev.jobId, "%s", i % 2 ? a : b);
        assertOk(s->ops->appendEvent(s, &ev));
        assert_true(ev.seq > last); /* monotonic */
        last = ev.seq;
    }
    HgnJobEvent *evs = NULL;
    size_t n = 0;
    assertOk(s->ops->events(s, NULL, 0, 0, &evs, &n));
    assert_int_equal(n, 12); /* two "submitted" events + 10 */
    assert_int_equal(evs[0].kind, HGN_JOB_EVENT_STATE);
    assert_int_equal(evs[0].from, HGN_JOB_QUEUED);
    assert_int_equal(evs[0].to, HGN_JOB_QUEUED);
    assert_string_equal(evs[0].message, "submitted");
    assert_string_equal(evs[0].jobId, a);
    assert_int_equal(evs[0].timeMs, 1001);
    for (size_t i = 1; i < n; i++) assert_true(evs[i].seq > evs[i - 1].seq);
    int64_t afterFirst = evs[2].seq;
    hgnJobEventsFree(evs, n);
    /* filtered by job */
    assertOk(s->ops->events(s, a, 0, 0, &evs, &n));
    assert_int_equal(n, 6);
    for (size_t i = 0; i < n; i++) assert_string_equal(evs[i].jobId, a);
    assert_int_equal(evs[1].kind, HGN_JOB_EVENT_PROGRESS);
    assert_int_equal(evs[1].stepsDone, 1);
    assert_int_equal(evs[1].stepsTotal, 10);
    assert_string_equal(evs[1].message, "retry scheduled: 'x' \"y\"");
    assert_null(evs[2].message); /* i == 3 */
    hgnJobEventsFree(evs, n);
    /* after a seq, at most max */
    assertOk(s->ops->events(s, NULL, afterFirst, 4, &evs, &n));
    assert_int_equal(n, 4);
    assert_true(evs[0].seq > afterFirst);
    hgnJobEventsFree(evs, n);
    assertOk(s->ops->events(s, b, last, 0, &evs, &n));
    assert_int_equal(n, 0);
    hgnJobEventsFree(evs, n);
    assertOk(s->ops->events(s, "unknown", 0, 0, &evs, &n));
    assert_int_equal(n, 0);
    hgnJobEventsFree(evs, n);
    /* a second handle continues the same sequence */
    HgnJobStore *other = openStore(fx);
    HgnJobEvent ev = {.kind = HGN_JOB_EVENT_LOG, .timeMs = 1};
    snprintf(ev.jobId, sizeof ev.jobId, "%s", a);
    assertOk(other->ops->appendEvent(other, &ev));
    assert_true(ev.seq > last);
    hgnJobStoreClose(other);
}

static void testInsertBatchAllOrNothing(void **state) {
    Fixture *fx = fixture(state);
    HgnJobStore *s = fx->s;
    HgnJob jobs[5];
    const HgnJob *ptrs[5];
    for (int i = 0; i < 5; i++) {
        jobs[i] = makeJob(i + 1, "alice", 0, 0);
        ptrs[i] = &jobs[i];
    }
    jobId(jobs[3].id, 2); /* a duplicate id inside the batch */
    expectCode(s->ops->insertBatch(s, ptrs, 5, NULL), HGN_CODE_StoreError);
    int64_t counts[HGN_JOB_STATE_COUNT];
    assertOk(s->ops->countByState(s, NULL, counts));
    assert_int_equal(counts[HGN_JOB_QUEUED], 0); /* the whole batch rolled back */
    HgnJobEvent *evs = NULL;
    size_t n = 9;
    assertOk(s->ops->events(s, NULL, 0, 0, &evs, &n));
    assert_int_equal(n, 0); /* and its events */
    hgnJobEventsFree(evs, n);
    /* the store is usable afterwards: a good batch commits whole */
    jobId(jobs[3].id, 4);
    assertOk(s->ops->insertBatch(s, ptrs, 5, NULL));
    assertOk(s->ops->countByState(s, "alice", counts));
    assert_int_equal(counts[HGN_JOB_QUEUED], 5);
    assertOk(s->ops->events(s, NULL, 0, 0, &evs, &n));
    assert_int_equal(n, 5);
    hgnJobEventsFree(evs, n);
    /* a batch colliding with a stored job rolls back too */
    HgnJob more[2] = {makeJob(10, "bob", 0, 0), makeJob(3, "bob", 0, 0)};
    const HgnJob *morePtrs[2] = {&more[0], &more[1]};
    expectCode(s->ops->insertBatch(s, morePtrs, 2, NULL), HGN_CODE_StoreError);
    assertOk(s->ops->countByState(s, "bob", counts));
    assert_int_equal(counts[HGN_JOB_QUEUED], 0);
    assertOk(s->ops->insertBatch(s, morePtrs, 0, NULL)); /* empty batch: nothing to do */
}

static void testCounts(void **state) {
    Fixture *fx = fixture(state);
    HgnJobStore *s = fx->s;
    for (int i = 1; i <= 6; i++) insertJob(s, i, i <= 4 ? "alice" : "bob", 0, 0);
    setState(s, 1, HGN_JOB_PAUSED);
    setState(s, 5, HGN_JOB_CANCELLED);
    int64_t c[HGN_JOB_STATE_COUNT];
    assertOk(s->ops->countByState(s, NULL, c));
    assert_int_equal(c[HGN_JOB_QUEUED], 4);
    assert_int_equal(c[HGN_JOB_PAUSED], 1);
    assert_int_equal(c[HGN_JOB_CANCELLED], 1);
    assert_int_equal(c[HGN_JOB_RUNNING], 0);
    assertOk(s->ops->countByState(s, "alice", c));
    assert_int_equal(c[HGN_JOB_QUEUED], 3);
    assert_int_equal(c[HGN_JOB_CANCELLED], 0);
    int64_t k = -1;
    assertOk(s->ops->countInState(s, HGN_JOB_QUEUED, "bob", &k));
    assert_int_equal(k, 1);
    assertOk(s->ops->countInState(s, HGN_JOB_QUEUED, NULL, &k));
    assert_int_equal(k, 4);
    assertOk(s->ops->countInState(s, HGN_JOB_RUNNING, "nobody", &k));
    assert_int_equal(k, 0);
}

/* How many events the store holds (every job). */
static size_t eventCount(HgnJobStore *s) {
    HgnJobEvent *evs = NULL;
    size_t n = 0;
    assertOk(s->ops->events(s, NULL, 0, 0, &evs, &n));
    hgnJobEventsFree(evs, n);
    return n;
}

/* A STATE event for job n. */
static HgnJobEvent stateEvent(int n, HgnJobState from, HgnJobState to) {
    HgnJobEvent ev = {.kind = HGN_JOB_EVENT_STATE, .from = from, .to = to, .timeMs = 9000 + n, .message = "t"};
    jobId(ev.jobId, n);
    return ev;
}

/* Claims job n (the only queued one) for lease until 6000. */
static HgnJob claimAs(HgnJobStore *s, const char *lease) {
    HgnJob j;
    assert_true(claim(s, lease, 5000, -1, 0, &j));
    assert_int_equal(j.leaseExpiresMs, 6000);
    return j;
}

static void testTransition(void **state) {
    Fixture *fx = fixture(state);
    HgnJobStore *s = fx->s;
    assert_non_null(s->ops->transition);
    insertJob(s, 1, "alice", 0, 0);
    HgnJob j = claimAs(s, "w1");
    size_t events = eventCount(s);
    HgnJobExpect ex = {.state = HGN_JOB_RUNNING, .leaseOwner = "w1"};
    /* a runner's progress write: stays RUNNING, the stored lease only grows */
    j.progress = 0.25;
    j.stepsDone = 4;
    j.leaseExpiresMs = 5500;
    char *owner = j.owner;
    j.owner = (char *)"mallory"; /* never written */
    HgnJobEvent ev = stateEvent(1, HGN_JOB_RUNNING, HGN_JOB_RUNNING);
    assertOk(s->ops->transition(s, &j, &ex, &ev));
    j.owner = owner;
    assert_true(ev.seq > 0);
    HgnJob got;
    assertOk(s->ops->get(s, j.id, &got));
    assert_true(got.progress == 0.25);
    assert_int_equal(got.stepsDone, 4);
    assert_int_equal(got.leaseExpiresMs, 6000);
    assert_string_equal(got.owner, "alice");
    hgnJobClear(&got);
    HgnJobEvent *evs = NULL;
    size_t n = 0;
    assertOk(s->ops->events(s, j.id, 0, 0, &evs, &n));
    assert_int_equal(n, events + 1);
    assert_int_equal(evs[n - 1].seq, ev.seq);
    assert_int_equal(evs[n - 1].kind, HGN_JOB_EVENT_STATE);
    assert_int_equal(evs[n - 1].timeMs, 9001);
    hgnJobEventsFree(evs, n);
    events++;
    /* expectations that differ: HGN-0500, neither row nor event written */
    j.state = HGN_JOB_COMPLETED;
    j.progress = 1.0;
    HgnJobExpect wrongState = {.state = HGN_JOB_QUEUED};
    ev = stateEvent(1, HGN_JOB_QUEUED, HGN_JOB_COMPLETED);
    expectError(s->ops->transition(s, &j, &wrongState, &ev), HGN_CODE_InvalidTransition, "RUNNING", "QUEUED");
    HgnJobExpect wrongLease = {.state = HGN_JOB_RUNNING, .leaseOwner = "w2"};
    expectError(s->ops->transition(s, &j, &wrongLease, &ev), HGN_CODE_InvalidTransition, "as expected");
    HgnJobExpect notExpired = {.state = HGN_JOB_RUNNING, .leaseExpiredBefore = 6000}; /* expires at 6000 */
    expectCode(s->ops->transition(s, &j, &notExpired, &ev), HGN_CODE_InvalidTransition);
    /* a cancel request the writer has not seen blocks its write; once seen, it goes through */
    assertOk(s->ops->get(s, j.id, &got));
    got.cancelRequested = true;
    got.cancelRequestedMs = 5100;
    assertOk(s->ops->update(s, &got, HGN_JOB_RUNNING));
    hgnJobClear(&got);
    expectError(s->ops->transition(s, &j, &ex, &ev), HGN_CODE_InvalidTransition, "as expected");
    assertOk(s->ops->get(s, j.id, &got));
    assert_int_equal(got.state, HGN_JOB_RUNNING);
    assert_true(got.progress == 0.25);
    hgnJobClear(&got);
    assert_int_equal(eventCount(s), events);
    /* the expired lease of a reaper's expectation, and the cancel seen: written with the event */
    HgnJobExpect reap = {.state = HGN_JOB_RUNNING, .leaseExpiredBefore = 6001, .cancelSeen = true};
    j.state = HGN_JOB_CANCELLED;
    j.cancelRequested = true;
    j.cancelRequestedMs = 0; /* never shortened: the stored request time stays */
    hgnFree(j.leaseOwner);
    j.leaseOwner = NULL;
    j.leaseExpiresMs = 0;
    ev = stateEvent(1, HGN_JOB_RUNNING, HGN_JOB_CANCELLED);
    assertOk(s->ops->transition(s, &j, &reap, &ev));
    assertOk(s->ops->get(s, j.id, &got));
    assert_int_equal(got.state, HGN_JOB_CANCELLED);
    assert_null(got.leaseOwner);
    assert_int_equal(got.leaseExpiresMs, 0);
    assert_int_equal(got.cancelRequestedMs, 5100);
    hgnJobClear(&got);
    assertOk(s->ops->events(s, j.id, 0, 0, &evs, &n));
    assert_int_equal(n, events + 1);
    assert_int_equal(evs[n - 1].seq, ev.seq);
    assert_int_equal(evs[n - 1].to, HGN_JOB_CANCELLED);
    hgnJobEventsFree(evs, n);
    events++;
    hgnJobClear(&j);
    /* a pause request not seen blocks too; NULL event: the row alone */
    insertJob(s, 2, "bob", 0, 0);
    j = claimAs(s, "w1");
    events = eventCount(s);
    assertOk(s->ops->get(s, j.id, &got));
    got.pauseRequested = true;
    assertOk(s->ops->update(s, &got, HGN_JOB_RUNNING));
    hgnJobClear(&got);
    j.state = HGN_JOB_PAUSED;
    expectError(s->ops->transition(s, &j, &ex, NULL), HGN_CODE_InvalidTransition, "as expected");
    HgnJobExpect paused = {.state = HGN_JOB_RUNNING, .leaseOwner = "w1", .pauseSeen = true};
    j.pauseRequested = false;
    assertOk(s->ops->transition(s, &j, &paused, NULL));
    assertOk(s->ops->get(s, j.id, &got));
    assert_int_equal(got.state, HGN_JOB_PAUSED);
    assert_false(got.pauseRequested);
    hgnJobClear(&got);
    assert_int_equal(eventCount(s), events);
    /* the event cannot be written: the row stays as it was (one transaction) */
    rawSql(fx, "ALTER TABLE events RENAME TO events_away");
    HgnJobExpect fromPaused = {.state = HGN_JOB_PAUSED};
    j.state = HGN_JOB_QUEUED;
    ev = stateEvent(2, HGN_JOB_PAUSED, HGN_JOB_QUEUED);
    expectCode(s->ops->transition(s, &j, &fromPaused, &ev), HGN_CODE_StoreError);
    rawSql(fx, "ALTER TABLE events_away RENAME TO events");
    assertOk(s->ops->get(s, j.id, &got));
    assert_int_equal(got.state, HGN_JOB_PAUSED);
    hgnJobClear(&got);
    assert_int_equal(eventCount(s), events);
    assertOk(s->ops->transition(s, &j, &fromPaused, &ev)); /* and works once it can */
    assert_int_equal(eventCount(s), events + 1);
    hgnJobClear(&j);
    /* an unknown job */
    HgnJob ghost = makeJob(99, "alice", 0, 0);
    expectCode(s->ops->transition(s, &ghost, &wrongState, NULL), HGN_CODE_JobNotFound);
}

static void testStopRequests(void **state) {
    Fixture *fx = fixture(state);
    HgnJobStore *s = fx->s;
    assert_non_null(s->ops->stopRequests);
    insertJob(s, 1, "alice", 0, 0);
    char id[HGN_JOB_ID_LEN + 1];
    jobId(id, 1);
    bool cancel = true, pause = true, held = true;
    assertOk(s->ops->stopRequests(s, id, "w1", &cancel, &pause, &held));
    assert_false(cancel || pause || held); /* queued: nobody holds it */
    HgnJob j = claimAs(s, "w1");
    assertOk(s->ops->stopRequests(s, id, "w1", &cancel, &pause, &held));
    assert_false(cancel || pause);
    assert_true(held);
    assertOk(s->ops->stopRequests(s, id, "w2", &cancel, &pause, &held));
    assert_false(held);
    j.cancelRequested = true;
    assertOk(s->ops->update(s, &j, HGN_JOB_RUNNING));
    assertOk(s->ops->stopRequests(s, id, "w1", &cancel, &pause, &held));
    assert_true(cancel);
    assert_false(pause);
    assert_true(held);
    j.cancelRequested = false;
    j.pauseRequested = true;
    j.state = HGN_JOB_PAUSED; /* paused: the lease is no longer held, whoever asks */
    assertOk(s->ops->update(s, &j, HGN_JOB_RUNNING));
    assertOk(s->ops->stopRequests(s, id, "w1", &cancel, &pause, &held));
    assert_false(cancel);
    assert_true(pause);
    assert_false(held);
    hgnJobClear(&j);
    expectError(s->ops->stopRequests(s, "00000000-0000-7000-8000-999999999999", "w1", &cancel, &pause, &held),
                HGN_CODE_JobNotFound, "999999999999");
}

static void testInsertBatchSeqs(void **state) {
    Fixture *fx = fixture(state);
    HgnJobStore *s = fx->s;
    insertJob(s, 1, "alice", 0, 0);
    HgnJob jobs[6];
    const HgnJob *ptrs[6];
    int64_t seqs[6] = {0};
    for (int i = 0; i < 6; i++) {
        jobs[i] = makeJob(i + 2, i % 2 ? "bob" : "carol", 0, 0);
        ptrs[i] = &jobs[i];
    }
    assertOk(s->ops->insertBatch(s, ptrs, 4, seqs));
    assertOk(s->ops->insertBatch(s, ptrs + 4, 2, seqs + 4));
    HgnJobEvent *evs = NULL;
    size_t n = 0;
    assertOk(s->ops->events(s, NULL, 0, 0, &evs, &n));
    assert_int_equal(n, 7);
    for (int i = 0; i < 6; i++) {
        if (i > 0) assert_true(seqs[i] > seqs[i - 1]); /* monotonic, across batches too */
        assert_int_equal(seqs[i], evs[i + 1].seq);     /* the stored "submitted" event of job i */
        assert_string_equal(evs[i + 1].jobId, jobs[i].id);
        assert_string_equal(evs[i + 1].message, "submitted");
    }
    assert_true(seqs[0] > evs[0].seq);
    hgnJobEventsFree(evs, n);
}

/* Each allocation of get, list, events and claim fails in turn: an HGN-0012 or success, never a crash
 * or a leak (the ASan tree checks the leaks). */
static void testAllocationFailures(void **state) {
    Fixture *fx = fixture(state);
    HgnJobStore *s = fx->s;
    for (int i = 1; i <= 3; i++) insertJob(s, i, "alice", 0, 0);
    char id[HGN_JOB_ID_LEN + 1];
    jobId(id, 1);
    for (int op = 0; op < 4; op++) {
        for (uint64_t nth = 1; nth < 200; nth++) {
            hgnAllocFailAt(nth, 0);
            HgnStatus st = HGN_OK;
            HgnJob j;
            HgnJobList l;
            HgnJobEvent *evs = NULL;
            size_t n = 0;
            bool found = false;
            if (op == 0) {
                st = s->ops->get(s, id, &j);
                if (!st) hgnJobClear(&j);
            } else if (op == 1) {
                st = s->ops->list(s, NULL, &l);
                if (!st) hgnJobListFree(&l);
            } else if (op == 2) {
                st = s->ops->events(s, NULL, 0, 0, &evs, &n);
                if (!st) hgnJobEventsFree(evs, n);
            } else {
                st = s->ops->claim(s, "w", 1, 1000,
                                   &(HgnJobClaimPolicy){.maxRunningPerOwner = 0, .maxMemoryPerOwner = 0}, &j, &found);
                if (!st && found) {
                    int k = atoi(j.id + 24);
                    hgnJobClear(&j);
                    hgnAllocFailAt(0, 0);
                    setState(s, k, HGN_JOB_QUEUED); /* put it back: every round claims from the same set */
                }
            }
            bool injected = hgnAllocInjectedFailures() > 0;
            hgnAllocFailAt(0, 0);
            if (st) {
                assert_true(injected);
                assert_int_equal(hgnStatusCode(st), HGN_CODE_OutOfMemory);
                hgnStatusFree(st);
            }
            if (!injected) break;
        }
    }
}

/* The configuration picks the store: [store] backend/path/dsn/artifactsRoot. */
static HgnConfig *loadConfig(char **env, HgnStatus *stOut) {
    HgnConfigOptions o = {.environ = env, .systemFile = "", .userFile = ""};
    HgnConfig *cfg = NULL;
    *stOut = hgnConfigLoad(&o, &cfg);
    return cfg;
}

static void testOpenFromConfig(void **state) {
    Fixture *fx = fixture(state);
    char backend[64], target[600], root[512], artifacts[400];
    snprintf(backend, sizeof backend, "HUGINN_STORE__BACKEND=%s",
             fx->backend == BACKEND_SQLITE ? "sqlite" : "postgres");
    snprintf(target, sizeof target, "HUGINN_STORE__%s=%s", fx->backend == BACKEND_SQLITE ? "PATH" : "DSN", fx->target);
    snprintf(artifacts, sizeof artifacts, "%s/art%d", suite->scratch, suite->counter);
    snprintf(root, sizeof root, "HUGINN_STORE__ARTIFACTSROOT=%s", artifacts);
    char *env[] = {backend, target, NULL};
    HgnStatus st;
    HgnConfig *cfg = loadConfig(env, &st);
    assertOk(st);
    HgnJobStore *s = NULL;
    char *art = NULL;
    assertOk(hgnJobStoreOpenFromConfig(cfg, HGN_JOB_DURABILITY_FULL, &s, &art));
    assert_string_equal(s->ops->name, fx->backend == BACKEND_SQLITE ? "sqlite" : "postgresql");
    if (fx->backend == BACKEND_SQLITE) {
        char want[600];
        snprintf(want, sizeof want, "%s/artifacts", suite->scratch); /* next to the file, as before */
        assert_string_equal(art, want);
    } else {
        assert_string_equal(art, "huginn-artifacts"); /* runtime.artifactsDir */
    }
    hgnFree(art);
    hgnJobStoreClose(s);
    hgnConfigFree(cfg);

    /* a manager on it, with store.artifactsRoot: submit and run a job through to FAILED (the minimal plan
     * cannot run) — the manager's compare-and-set updates and events on this backend */
    char *env2[] = {backend, target, root, NULL};
    cfg = loadConfig(env2, &st);
    assertOk(st);
    HgnJobManager *m = NULL;
    assertOk(hgnJobManagerOpenFromConfig(cfg, NULL, &m));
    assert_ptr_not_equal(hgnJobManagerStore(m), fx->s);
    char id[HGN_JOB_ID_LEN + 1];
    HgnJobSubmit sub = {.owner = "alice", .planJson = "{\"schemaVersion\":1}", .maxAttempts = 2};
    assertOk(hgnJobSubmit(m, &sub, id));
    bool ran = false;
    assertOk(hgnJobRunNext(m, &ran));
    assert_true(ran);
    HgnJob j;
    assertOk(fx->s->ops->get(fx->s, id, &j)); /* visible through the fixture's own handle */
    assert_int_equal(j.state, HGN_JOB_FAILED);
    assert_int_equal(j.attempts, 1);
    assert_non_null(j.lastError);
    char wantPath[600];
    snprintf(wantPath, sizeof wantPath, "%s/%s", artifacts, id); /* store.artifactsRoot/<id> */
    assert_string_equal(j.artefactsPath, wantPath);
    hgnJobClear(&j);
    HgnJobEvent *evs = NULL;
    size_t n = 0;
    assertOk(hgnJobEventsSince(m, id, 0, 0, &evs, &n));
    assert_true(n >= 3); /* submitted, RUNNING, FAILED */
    assert_int_equal(evs[n - 1].to, HGN_JOB_FAILED);
    hgnJobEventsFree(evs, n);
    hgnJobManagerClose(m);
    hgnConfigFree(cfg);

    /* postgres without a dsn, and an unknown backend: HGN-0001 naming the key */
    char pgNoDsn[] = "HUGINN_STORE__BACKEND=postgres";
    char *env3[] = {pgNoDsn, NULL};
    cfg = loadConfig(env3, &st);
    if (st) {
        expectError(st, HGN_CODE_InvalidConfig, "store.dsn"); /* the schema already says so */
    } else {
        expectError(hgnJobManagerOpenFromConfig(cfg, NULL, &m), HGN_CODE_InvalidConfig, "store.dsn");
        assert_null(m);
    }
    hgnConfigFree(cfg);
    char unknown[] = "HUGINN_STORE__BACKEND=mysql";
    char *env4[] = {unknown, NULL};
    cfg = loadConfig(env4, &st);
    if (st) {
        expectError(st, HGN_CODE_InvalidConfig, "store.backend", "sqlite", "postgres");
    } else {
        expectError(hgnJobManagerOpenFromConfig(cfg, NULL, &m), HGN_CODE_InvalidConfig, "store.backend", "sqlite",
                    "postgres");
    }
    hgnConfigFree(cfg);
}

/* ---- PostgreSQL only -------------------------------------------------------- */

typedef struct OpenArg {
    const char *conninfo;
    HgnJobStore *s;
    HgnStatus st;
} OpenArg;

static void *openInThread(void *p) {
    OpenArg *a = p;
    a->st = hgnJobStoreOpenPostgres(a->conninfo, &a->s);
    return NULL;
}

static void testPgConcurrentMigration(void **state) {
    Fixture *fx = fixture(state);
    char conninfo[512];
    pgCreateSchema(&suite->pg, "huginn", "fresh", conninfo, sizeof conninfo);
    OpenArg a[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        a[i] = (OpenArg){.conninfo = conninfo};
        assert_int_equal(pthread_create(&t[i], NULL, openInThread, &a[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assertOk(a[i].st);
        assert_int_equal(hgnJobStoreSchemaVersion(a[i].s), 4);
    }
    insertJob(a[0].s, 1, "alice", 0, 0);
    int64_t n = 0;
    assertOk(a[3].s->ops->countInState(a[3].s, HGN_JOB_QUEUED, NULL, &n));
    assert_int_equal(n, 1);
    for (int i = 0; i < 4; i++) hgnJobStoreClose(a[i].s);
    /* one version row: migrated once */
    PGconn *c = PQconnectdb(conninfo);
    PGresult *r = PQexec(c, "SELECT COUNT(*), MAX(version) FROM schema_version");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_string_equal(PQgetvalue(r, 0, 0), "1");
    assert_string_equal(PQgetvalue(r, 0, 1), "4");
    PQclear(r);
    PQfinish(c);
    (void)fx;
}

/* Ends every Huginn session on the server (as a restart or a failover would) and waits until they are gone. */
static void terminateHuginnSessions(void) {
    char admin[300];
    pgAdminConninfo(&suite->pg, "postgres", admin, sizeof admin);
    PGconn *c = PQconnectdb(admin);
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PQclear(PQexec(c, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'huginn'"));
    for (int i = 0; i < 500; i++) {
        PGresult *r = PQexec(c, "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = 'huginn'");
        bool gone = PQresultStatus(r) == PGRES_TUPLES_OK && strcmp(PQgetvalue(r, 0, 0), "0") == 0;
        PQclear(r);
        if (gone) break;
        pgMsleep(10);
    }
    PQfinish(c);
}

static void testPgReconnects(void **state) {
    Fixture *fx = fixture(state);
    HgnJobStore *s = fx->s;
    insertJob(s, 1, "alice", 0, 0);
    terminateHuginnSessions();
    HgnJob j;
    char id[HGN_JOB_ID_LEN + 1];
    jobId(id, 1);
    assertOk(s->ops->get(s, id, &j)); /* reset once, then answered */
    assert_string_equal(j.owner, "alice");
    hgnJobClear(&j);
    terminateHuginnSessions();
    assert_int_equal(claimNumber(s, 100, 0, 0), 1); /* a transaction after a reset too */
    insertJob(s, 2, "bob", 0, 0);
    /* the server stays unreachable: HGN-0502 with a hint, and the call after it comes back reconnects */
    char admin[300];
    pgAdminConninfo(&suite->pg, "postgres", admin, sizeof admin);
    pgExecOn(admin, "ALTER DATABASE huginn ALLOW_CONNECTIONS false");
    terminateHuginnSessions();
    jobId(id, 2);
    expectError(s->ops->get(s, id, &j), HGN_CODE_StoreError, "huginn", "PostgreSQL server is running");
    expectError(s->ops->get(s, id, &j), HGN_CODE_StoreError, "huginn");
    pgExecOn(admin, "ALTER DATABASE huginn ALLOW_CONNECTIONS true");
    assertOk(s->ops->get(s, id, &j));
    assert_string_equal(j.owner, "bob");
    hgnJobClear(&j);
}

static void testPgConnectionErrorsHideTheDsn(void **state) {
    Fixture *fx = fixture(state);
    HgnJobStore *s = NULL;
    expectError(hgnJobStoreOpenPostgres("", &s), HGN_CODE_InvalidConfig, "store.dsn");
    expectError(hgnJobStoreOpenPostgres(NULL, &s), HGN_CODE_InvalidConfig, "store.dsn");
    /* malformed: libpq would quote the string back; we do not */
    const char *const malformed[] = {"host=x password=hunter2secret bogus", "password=hunter2secret nokey=1",
                                     "postgresql://u:hunter2secret@h/db?bad%zz=1"};
    for (int i = 0; i < 3; i++) {
        HgnStatus st = hgnJobStoreOpenPostgres(malformed[i], &s);
        assert_non_null(st);
        char *text = hgnStatusToString(st);
        if (strstr(text, "hunter2secret")) fail_msg("the password leaked: %s", text);
        hgnFree(text);
        expectError(st, HGN_CODE_InvalidConfig, "store.dsn");
        assert_null(s);
    }
    /* well formed, no server there: HGN-0502 naming host and db, not the password */
    char dsn[300];
    snprintf(dsn, sizeof dsn, "host=%s/nowhere port=5 dbname=jobsdb user=u password=hunter2secret", suite->scratch);
    HgnStatus st = hgnJobStoreOpenPostgres(dsn, &s);
    assert_non_null(st);
    char *text = hgnStatusToString(st);
    if (strstr(text, "hunter2secret")) fail_msg("the password leaked: %s", text);
    hgnFree(text);
    expectError(st, HGN_CODE_StoreError, "nowhere", "jobsdb");
    assert_null(s);
    snprintf(dsn, sizeof dsn, "postgresql://u:hunter2secret@%%2Fno%%2Fsuch%%2Fdir:5/jobsdb");
    st = hgnJobStoreOpenPostgres(dsn, &s);
    assert_non_null(st);
    text = hgnStatusToString(st);
    if (strstr(text, "hunter2secret")) fail_msg("the password leaked: %s", text);
    hgnFree(text);
    expectError(st, HGN_CODE_StoreError, "jobsdb");
    /* the URI form reaches the same store as the fixture's key=value form */
    char uri[600], dir[300];
    size_t k = 0;
    for (const char *c = suite->pg.dir; *c && k + 4 < sizeof dir; c++)
        k += (size_t)(*c == '/' ? snprintf(dir + k, sizeof dir - k, "%%2F")
                                : snprintf(dir + k, sizeof dir - k, "%c", *c));
    snprintf(uri, sizeof uri, "postgresql://postgres@%s:%d/huginn?options=-c%%20search_path%%3Dt%d", dir,
             suite->pg.port, suite->counter);
    assertOk(hgnJobStoreOpenPostgres(uri, &s));
    insertJob(s, 5, "alice", 0, 0);
    hgnJobStoreClose(s);
    HgnJob j;
    char id[HGN_JOB_ID_LEN + 1];
    jobId(id, 5);
    assertOk(fx->s->ops->get(fx->s, id, &j));
    hgnJobClear(&j);
}

/* ---- weighted fair share ------------------------------------------------------ */

/* Ends every job numbered from..to still QUEUED or RUNNING, so the next scenario starts clean. */
static void retireJobs(HgnJobStore *s, int from, int to) {
    for (int n = from; n <= to; n++) {
        char id[HGN_JOB_ID_LEN + 1];
        jobId(id, n);
        HgnJob j;
        assertOk(s->ops->get(s, id, &j));
        HgnJobState was = j.state;
        if (was == HGN_JOB_QUEUED || was == HGN_JOB_RUNNING) {
            j.state = was == HGN_JOB_QUEUED ? HGN_JOB_CANCELLED : HGN_JOB_COMPLETED;
            assertOk(s->ops->update(s, &j, was));
        }
        hgnJobClear(&j);
    }
}

static int claimWith(HgnJobStore *s, int64_t now, const HgnJobClaimPolicy *policy) {
    HgnJob j;
    bool found = false;
    assertOk(s->ops->claim(s, "w", now, 600000, policy, &j, &found));
    if (!found) return -1;
    int n = atoi(j.id + 24);
    hgnJobClear(&j);
    return n;
}

/* 4 running slots, all held by bob (jobs base+1..base+40, submitted first); alice (base+101..base+140)
 * submits later. The oldest running job completes, one claim refills the slot, 30 times: the number of
 * alice's running jobs the mix settles at (asserted stable over the last 24 steps). */
static int settledMix(HgnJobStore *s, int base, const char *alice, const char *bob, const HgnJobClaimPolicy *policy) {
    for (int i = 1; i <= 40; i++) insertJob(s, base + i, bob, 0, 0);
    int64_t now = 1000;
    int running[4];
    for (int k = 0; k < 4; k++) {
        running[k] = claimWith(s, now++, policy);
        assert_true(running[k] > base && running[k] <= base + 40); /* only bob has jobs yet */
    }
    for (int i = 1; i <= 40; i++) insertJob(s, base + 100 + i, alice, 0, 0);
    int settled = -1;
    for (int step = 0; step < 30; step++) {
        setState(s, running[0], HGN_JOB_COMPLETED); /* the oldest completes */
        memmove(running, running + 1, 3 * sizeof running[0]);
        running[3] = claimWith(s, now++, policy);
        assert_true(running[3] > base);
        int nAlice = 0;
        for (int k = 0; k < 4; k++) nAlice += running[k] > base + 100;
        if (step == 6) settled = nAlice;
        if (step > 6) assert_int_equal(nAlice, settled);
    }
    retireJobs(s, base + 1, base + 40);
    retireJobs(s, base + 101, base + 140);
    return settled;
}

static void testClaimWeightedShare(void **state) {
    Fixture *fx = fixture(state);
    HgnJobStore *s = fx->s;
    /* weights 3 : 1 → running slots 3 : 1 (unweighted the mix would settle at 2 : 2) */
    HgnJobShare w31[] = {{"alice", 3}, {"bob", 1}};
    HgnJobClaimPolicy p31 = {.maxRunningPerOwner = 100, .shares = w31, .nShares = 2};
    assert_int_equal(settledMix(s, 1000, "alice", "bob", &p31), 3);
    /* equal weights (none given: the default 1 each) → 1 : 1 */
    HgnJobClaimPolicy equal = {.maxRunningPerOwner = 100};
    assert_int_equal(settledMix(s, 2000, "ann", "ben", &equal), 2);
    /* the reverse weights; the unlisted owner weighs defaultShare: 1.5 : 0.5 → 3 : 1 for bob's side */
    HgnJobShare w13[] = {{"bea", 1.5}, {"unrelated", 9}};
    HgnJobClaimPolicy p13 = {.maxRunningPerOwner = 100, .shares = w13, .nShares = 2, .defaultShare = 0.5};
    assert_int_equal(settledMix(s, 3000, "amy", "bea", &p13), 1);
    /* the per-owner running quota still caps the heavier owner: 3 : 1 wanted, 2 allowed → 2 : 2 */
    HgnJobShare w31b[] = {{"al", 3}, {"bo", 1}};
    HgnJobClaimPolicy capped = {.maxRunningPerOwner = 2, .shares = w31b, .nShares = 2};
    for (int i = 1; i <= 10; i++) insertJob(s, 4000 + i, "al", 0, 0);
    for (int i = 1; i <= 10; i++) insertJob(s, 4100 + i, "bo", 0, 0);
    int nAl = 0, nBo = 0;
    for (int k = 0; k < 5; k++) {
        int n = claimWith(s, 5000 + k, &capped);
        if (n < 0) break;
        if (n > 4100)
            nBo++;
        else
            nAl++;
    }
    assert_int_equal(nAl, 2);
    assert_int_equal(nBo, 2);
    retireJobs(s, 4001, 4010);
    retireJobs(s, 4101, 4110);

    /* a weight-1 owner with one job is never starved by a weight-3 owner with 100 */
    HgnJobShare heavy[] = {{"heavy", 3}};
    HgnJobClaimPolicy ph = {.maxRunningPerOwner = 100, .shares = heavy, .nShares = 1};
    for (int i = 1; i <= 100; i++) insertJob(s, 6000 + i, "heavy", i % 7, 0);
    int run[4];
    for (int k = 0; k < 4; k++) run[k] = claimWith(s, 7000 + k, &ph); /* heavy fills the 4 slots */
    for (int k = 0; k < 4; k++) assert_true(run[k] > 6000 && run[k] <= 6100);
    insertJob(s, 6200, "light", -100, 0); /* lowest priority, submitted last */
    setState(s, run[0], HGN_JOB_COMPLETED);
    assert_int_equal(claimWith(s, 7100, &ph), 6200); /* the first free slot is light's */
    setState(s, 6200, HGN_JOB_COMPLETED);
    /* both queues full from the start: light's one job is the second claim */
    retireJobs(s, 6001, 6100);
    for (int i = 1; i <= 100; i++) insertJob(s, 8000 + i, "heavy2", 0, 0);
    insertJob(s, 8200, "light2", 0, 0);
    HgnJobShare heavy2[] = {{"heavy2", 3}};
    ph.shares = heavy2;
    int first = claimWith(s, 9000, &ph);
    assert_true(first > 8000 && first <= 8100); /* both 0 running, never served: the oldest job */
    assert_int_equal(claimWith(s, 9001, &ph), 8200);
    retireJobs(s, 8001, 8100);
    /* nothing left: no claim */
    assert_int_equal(claimWith(s, 9002, &ph), -1);
}

/* ---- main --------------------------------------------------------------------- */

#define STORE_TEST(f) cmocka_unit_test_setup_teardown(f, testSetup, testTeardown)
#define COMMON_TESTS                                                                                                   \
    STORE_TEST(testSchemaVersionAndReopen), STORE_TEST(testInsertGetRoundTrip),                                        \
        STORE_TEST(testListFiltersAndPagination), STORE_TEST(testCompareAndSet), STORE_TEST(testClaimFairShare),       \
        STORE_TEST(testRunningQuota), STORE_TEST(testMemoryQuota), STORE_TEST(testLeaseHeartbeatReap),                 \
        STORE_TEST(testTwoHandlesNeverDoubleClaim), STORE_TEST(testTwoHandlesHoldRunningQuota),                        \
        STORE_TEST(testEvents), STORE_TEST(testInsertBatchAllOrNothing), STORE_TEST(testCounts),                       \
        STORE_TEST(testTransition), STORE_TEST(testStopRequests), STORE_TEST(testInsertBatchSeqs),                     \
        STORE_TEST(testAllocationFailures), STORE_TEST(testOpenFromConfig), STORE_TEST(testClaimWeightedShare)

int main(void) {
    const struct CMUnitTest sqliteTests[] = {COMMON_TESTS};
    const struct CMUnitTest pgTests[] = {COMMON_TESTS, STORE_TEST(testPgConcurrentMigration),
                                         STORE_TEST(testPgReconnects), STORE_TEST(testPgConnectionErrorsHideTheDsn)};
    int failed = cmocka_run_group_tests_name("jobStore.sqlite", sqliteTests, sqliteGroupSetup, groupTeardown);
    failed += cmocka_run_group_tests_name("jobStore.postgresql", pgTests, pgGroupSetup, groupTeardown);
    return failed;
}
