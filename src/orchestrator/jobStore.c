/* jobStore.c — the embedded SQLite job store behind HgnJobStoreOps: WAL
 * journal, busy timeout, versioned schema migrations, compare-and-set state
 * updates, fair-share claiming with leases, the event log, a per-connection
 * cache of prepared statements, and a second (reader) connection so that
 * reads never wait behind a writer's commit (fsync).
 * A PostgreSQL adapter implements the same HgnJobStoreOps vtable. */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "huginn/jobs.h"
#include "orchestrator/jobShares.h"

/* A prepared statement kept for reuse (SQLITE_PREPARE_PERSISTENT); busy while a caller holds it. */
typedef struct CachedStmt {
    sqlite3_stmt *st;
    bool busy;
} CachedStmt;
#define STMT_CACHE_SIZE 32

typedef struct SqliteStore {
    HgnJobStore base;
    sqlite3 *db;
    int32_t version;
    /* One connection shared by the manager's threads: every operation holds this (recursive) lock, so
     * a statement of one thread never lands inside another thread's open transaction (claim). */
    pthread_mutex_t mu;
    CachedStmt cache[STMT_CACHE_SIZE]; /* guarded by mu */
    size_t nCached;
    /* Reads (get, list, events, counts) go through this second connection to the same file, under its
     * own lock: in WAL mode they see every committed write and never wait for a commit's fsync.
     * NULL for ":memory:" (a second connection would open another database). */
    struct SqliteStore *reader;
} SqliteStore;

#define JOB_COLUMNS                                                                                                    \
    "id, owner, plan_json, plan_digest, plan_path, priority, state, created_ms, updated_ms, started_ms, "              \
    "finished_ms, attempts, max_attempts, not_before_ms, last_error, progress, steps_done, steps_total, "              \
    "metrics_json, artefacts_path, result_text, lease_owner, lease_expires_ms, checkpoint_path, checkpoint_step, "     \
    "cancel_requested, pause_requested, prompt, max_tokens, options_json, memory_bytes, cancel_requested_ms, "         \
    "retries_json"
#define JOB_COLUMN_COUNT 33

/* Migrations, applied in order; the store's version is the number applied. Append only. */
static const char *const migrations[] = {
    /* 1: jobs and events */
    "CREATE TABLE jobs (id TEXT PRIMARY KEY, owner TEXT NOT NULL, plan_json TEXT NOT NULL, plan_digest TEXT,"
    " plan_path TEXT, priority INTEGER NOT NULL DEFAULT 0, state INTEGER NOT NULL, created_ms INTEGER NOT NULL,"
    " updated_ms INTEGER NOT NULL, started_ms INTEGER NOT NULL DEFAULT 0, finished_ms INTEGER NOT NULL DEFAULT 0,"
    " attempts INTEGER NOT NULL DEFAULT 0, max_attempts INTEGER NOT NULL DEFAULT 3,"
    " not_before_ms INTEGER NOT NULL DEFAULT 0, last_error TEXT, progress REAL NOT NULL DEFAULT 0,"
    " steps_done INTEGER NOT NULL DEFAULT 0, steps_total INTEGER NOT NULL DEFAULT 0, metrics_json TEXT,"
    " artefacts_path TEXT, result_text TEXT, lease_owner TEXT, lease_expires_ms INTEGER NOT NULL DEFAULT 0,"
    " checkpoint_path TEXT, checkpoint_step INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX jobs_state_owner ON jobs(state, owner, priority);"
    "CREATE INDEX jobs_owner ON jobs(owner, id);"
    "CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT NOT NULL, kind INTEGER NOT NULL,"
    " from_state INTEGER NOT NULL DEFAULT 0, to_state INTEGER NOT NULL DEFAULT 0, steps_done INTEGER NOT NULL"
    " DEFAULT 0, steps_total INTEGER NOT NULL DEFAULT 0, time_ms INTEGER NOT NULL, message TEXT);"
    "CREATE INDEX events_job ON events(job_id, seq);",
    /* 2: graceful stop requests and the generation request */
    "ALTER TABLE jobs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE jobs ADD COLUMN pause_requested INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE jobs ADD COLUMN prompt TEXT;"
    "ALTER TABLE jobs ADD COLUMN max_tokens INTEGER NOT NULL DEFAULT 16;",
    /* 3: generation options, memory quota, forced cancel, retries by reason */
    "ALTER TABLE jobs ADD COLUMN options_json TEXT;"
    "ALTER TABLE jobs ADD COLUMN memory_bytes INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE jobs ADD COLUMN cancel_requested_ms INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE jobs ADD COLUMN retries_json TEXT;",
    /* 4: jobs per (state, owner), kept by triggers in the writing transaction, so that the quota counts
     * are index lookups instead of walks over every queued job; exact for every writer of the file */
    "CREATE TABLE job_counts (state INTEGER NOT NULL, owner TEXT NOT NULL, n INTEGER NOT NULL,"
    " PRIMARY KEY (state, owner)) WITHOUT ROWID;"
    "INSERT INTO job_counts (state, owner, n) SELECT state, owner, COUNT(*) FROM jobs GROUP BY state, owner;"
    "CREATE TRIGGER jobs_count_insert AFTER INSERT ON jobs BEGIN"
    " INSERT INTO job_counts (state, owner, n) VALUES (new.state, new.owner, 1)"
    " ON CONFLICT (state, owner) DO UPDATE SET n = n + 1; END;"
    "CREATE TRIGGER jobs_count_delete AFTER DELETE ON jobs BEGIN"
    " UPDATE job_counts SET n = n - 1 WHERE state = old.state AND owner = old.owner; END;"
    "CREATE TRIGGER jobs_count_update AFTER UPDATE OF state, owner ON jobs"
    " WHEN old.state IS NOT new.state OR old.owner IS NOT new.owner BEGIN"
    " UPDATE job_counts SET n = n - 1 WHERE state = old.state AND owner = old.owner;"
    " INSERT INTO job_counts (state, owner, n) VALUES (new.state, new.owner, 1)"
    " ON CONFLICT (state, owner) DO UPDATE SET n = n + 1; END;",
};
#define MIGRATION_COUNT ((int32_t)(sizeof migrations / sizeof migrations[0]))

static HgnStatus dbError(sqlite3 *db, const char *what) {
    int rc = db ? sqlite3_errcode(db) : SQLITE_ERROR;
    return hgnStatusNew(HGN_CODE_StoreError, "job store",
                        rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? "another process holds the store; retry"
                                                                 : "check the store path and free disk space",
                        "%s: %s", what, db ? sqlite3_errmsg(db) : "no database");
}

static HgnStatus execSql(sqlite3 *db, const char *sql, const char *what) {
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        HgnStatus st = hgnStatusNew(HGN_CODE_StoreError, "job store", NULL, "%s: %s", what, err ? err : "?");
        sqlite3_free(err);
        return st;
    }
    return HGN_OK;
}

/* A one-off statement: sqlite3_finalize() it (or release() it). */
static HgnStatus prepare(SqliteStore *s, const char *sql, sqlite3_stmt **st) {
    if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK) return dbError(s->db, "prepare");
    return HGN_OK;
}

/* A statement for sql from the connection's cache: a cached one that is free, else a new one (kept
 * while the cache has room). Hand it back with release(), never sqlite3_finalize(). Caller holds s->mu. */
static HgnStatus prepareCached(SqliteStore *s, const char *sql, sqlite3_stmt **st) {
    for (size_t i = 0; i < s->nCached; i++) {
        CachedStmt *c = &s->cache[i];
        if (!c->busy && strcmp(sqlite3_sql(c->st), sql) == 0) {
            c->busy = true;
            *st = c->st;
            return HGN_OK;
        }
    }
    bool keep = s->nCached < STMT_CACHE_SIZE;
    if (sqlite3_prepare_v3(s->db, sql, -1, keep ? SQLITE_PREPARE_PERSISTENT : 0, st, NULL) != SQLITE_OK)
        return dbError(s->db, "prepare");
    if (keep) s->cache[s->nCached++] = (CachedStmt){*st, true};
    return HGN_OK;
}

/* Gives a statement from prepareCached() back: a cached one is reset (ending its read) and its bindings
 * cleared (they may point at the caller's strings); any other is finalized. NULL is a no-op. */
static void release(SqliteStore *s, sqlite3_stmt *st) {
    if (!st) return;
    for (size_t i = 0; i < s->nCached; i++)
        if (s->cache[i].st == st) {
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            s->cache[i].busy = false;
            return;
        }
    sqlite3_finalize(st);
}

static char *dupCol(sqlite3_stmt *st, int i) {
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? hgnStrdup((const char *)t) : NULL;
}

static bool readJob(sqlite3_stmt *st, HgnJob *j, bool withPlan) {
    memset(j, 0, sizeof *j);
    const unsigned char *id = sqlite3_column_text(st, 0);
    if (id) {
        strncpy(j->id, (const char *)id, HGN_JOB_ID_LEN);
        j->id[HGN_JOB_ID_LEN] = 0;
    }
    j->owner = dupCol(st, 1);
    j->planJson = withPlan ? dupCol(st, 2) : NULL;
    j->planDigest = dupCol(st, 3);
    j->planPath = dupCol(st, 4);
    j->priority = sqlite3_column_int(st, 5);
    j->state = (HgnJobState)sqlite3_column_int(st, 6);
    j->createdMs = sqlite3_column_int64(st, 7);
    j->updatedMs = sqlite3_column_int64(st, 8);
    j->startedMs = sqlite3_column_int64(st, 9);
    j->finishedMs = sqlite3_column_int64(st, 10);
    j->attempts = sqlite3_column_int(st, 11);
    j->maxAttempts = sqlite3_column_int(st, 12);
    j->notBeforeMs = sqlite3_column_int64(st, 13);
    j->lastError = dupCol(st, 14);
    j->progress = sqlite3_column_double(st, 15);
    j->stepsDone = sqlite3_column_int64(st, 16);
    j->stepsTotal = sqlite3_column_int64(st, 17);
    j->metricsJson = dupCol(st, 18);
    j->artefactsPath = dupCol(st, 19);
    j->resultText = dupCol(st, 20);
    j->leaseOwner = dupCol(st, 21);
    j->leaseExpiresMs = sqlite3_column_int64(st, 22);
    j->checkpointPath = dupCol(st, 23);
    j->checkpointStep = sqlite3_column_int64(st, 24);
    j->cancelRequested = sqlite3_column_int(st, 25) != 0;
    j->pauseRequested = sqlite3_column_int(st, 26) != 0;
    j->prompt = dupCol(st, 27);
    j->maxTokens = sqlite3_column_int(st, 28);
    j->optionsJson = dupCol(st, 29);
    j->memoryBytes = sqlite3_column_int64(st, 30);
    j->cancelRequestedMs = sqlite3_column_int64(st, 31);
    j->retriesJson = dupCol(st, 32);
    if (!j->owner || (withPlan && sqlite3_column_type(st, 2) != SQLITE_NULL && !j->planJson) ||
        (sqlite3_column_type(st, 29) != SQLITE_NULL && !j->optionsJson) ||
        (sqlite3_column_type(st, 32) != SQLITE_NULL && !j->retriesJson)) {
        hgnJobClear(j);
        return false;
    }
    return true;
}

static void bindText(sqlite3_stmt *st, int i, const char *t) {
    if (t)
        sqlite3_bind_text(st, i, t, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

/* Binds every column (1..JOB_COLUMN_COUNT) in JOB_COLUMNS order. */
static void bindJob(sqlite3_stmt *st, const HgnJob *j) {
    bindText(st, 1, j->id);
    bindText(st, 2, j->owner);
    bindText(st, 3, j->planJson ? j->planJson : "");
    bindText(st, 4, j->planDigest);
    bindText(st, 5, j->planPath);
    sqlite3_bind_int(st, 6, j->priority);
    sqlite3_bind_int(st, 7, (int)j->state);
    sqlite3_bind_int64(st, 8, j->createdMs);
    sqlite3_bind_int64(st, 9, j->updatedMs);
    sqlite3_bind_int64(st, 10, j->startedMs);
    sqlite3_bind_int64(st, 11, j->finishedMs);
    sqlite3_bind_int(st, 12, j->attempts);
    sqlite3_bind_int(st, 13, j->maxAttempts);
    sqlite3_bind_int64(st, 14, j->notBeforeMs);
    bindText(st, 15, j->lastError);
    sqlite3_bind_double(st, 16, j->progress);
    sqlite3_bind_int64(st, 17, j->stepsDone);
    sqlite3_bind_int64(st, 18, j->stepsTotal);
    bindText(st, 19, j->metricsJson);
    bindText(st, 20, j->artefactsPath);
    bindText(st, 21, j->resultText);
    bindText(st, 22, j->leaseOwner);
    sqlite3_bind_int64(st, 23, j->leaseExpiresMs);
    bindText(st, 24, j->checkpointPath);
    sqlite3_bind_int64(st, 25, j->checkpointStep);
    sqlite3_bind_int(st, 26, j->cancelRequested);
    sqlite3_bind_int(st, 27, j->pauseRequested);
    bindText(st, 28, j->prompt);
    sqlite3_bind_int(st, 29, j->maxTokens);
    bindText(st, 30, j->optionsJson);
    sqlite3_bind_int64(st, 31, j->memoryBytes);
    sqlite3_bind_int64(st, 32, j->cancelRequestedMs);
    bindText(st, 33, j->retriesJson);
}

static void opClose(HgnJobStore *base) {
    SqliteStore *s = (SqliteStore *)base;
    if (!s) return;
    if (s->reader) opClose(&s->reader->base);
    for (size_t i = 0; i < s->nCached; i++) sqlite3_finalize(s->cache[i].st);
    sqlite3_close(s->db);
    pthread_mutex_destroy(&s->mu);
    hgnFree(s);
}

static HgnStatus implAppendEvent(HgnJobStore *base, HgnJobEvent *ev);

/* One job row and its "submitted" event, inside the caller's transaction; *seq the event's seq. */
static HgnStatus insertRow(SqliteStore *s, const HgnJob *job, int64_t *seq) {
    sqlite3_stmt *st;
    HgnStatus e = prepareCached(s,
                                "INSERT INTO jobs (" JOB_COLUMNS
                                ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                                &st);
    if (e) return e;
    bindJob(st, job);
    int rc = sqlite3_step(st);
    release(s, st);
    if (rc != SQLITE_DONE) return dbError(s->db, "insert job");
    HgnJobEvent ev = {.kind = HGN_JOB_EVENT_STATE,
                      .from = job->state,
                      .to = job->state,
                      .timeMs = job->createdMs,
                      .message = "submitted"};
    memcpy(ev.jobId, job->id, sizeof ev.jobId);
    e = implAppendEvent(&s->base, &ev);
    *seq = e ? 0 : ev.seq;
    return e;
}

/* Every row of the batch and its "submitted" event commit together: one fsync for the batch. */
static HgnStatus implInsertBatch(HgnJobStore *base, const HgnJob *const *jobs, size_t n, int64_t *seqs) {
    SqliteStore *s = (SqliteStore *)base;
    HgnStatus e = execSql(s->db, "BEGIN IMMEDIATE", "begin insert");
    if (e) return e;
    for (size_t i = 0; i < n && !e; i++) {
        int64_t seq = 0;
        e = insertRow(s, jobs[i], &seq);
        if (seqs) seqs[i] = seq;
    }
    if (!e) e = execSql(s->db, "COMMIT", "commit insert");
    if (e) hgnStatusFree(execSql(s->db, "ROLLBACK", "rollback insert"));
    return e;
}

static HgnStatus implInsert(HgnJobStore *base, const HgnJob *job) {
    const HgnJob *one[1] = {job};
    return implInsertBatch(base, one, 1, NULL);
}

static HgnStatus notFound(const char *id) {
    return hgnStatusNew(HGN_CODE_JobNotFound, NULL, "list your jobs with `huginn jobs`", "no job `%s`", id);
}

static HgnStatus implGet(HgnJobStore *base, const char *id, HgnJob *out) {
    SqliteStore *s = (SqliteStore *)base;
    sqlite3_stmt *st;
    HgnStatus e = prepareCached(s, "SELECT " JOB_COLUMNS " FROM jobs WHERE id = ?", &st);
    if (e) return e;
    bindText(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        bool ok = readJob(st, out, true);
        release(s, st);
        return ok ? HGN_OK : hgnStatusNew(HGN_CODE_OutOfMemory, "job store", NULL, "reading job `%s`", id);
    }
    release(s, st);
    return rc == SQLITE_DONE ? notFound(id) : dbError(s->db, "get job");
}

static HgnStatus implList(HgnJobStore *base, const HgnJobFilter *f, HgnJobList *out) {
    SqliteStore *s = (SqliteStore *)base;
    HgnJobFilter none = {0};
    if (!f) f = &none;
    int32_t mask = hgnJobFilterStateMask(f);
    out->items = NULL;
    out->count = 0;
    if (mask == -1) return HGN_OK; /* activeOnly with terminal states only: nothing matches */
    sqlite3_stmt *st;
    HgnStatus e = prepareCached(s,
                                "SELECT " JOB_COLUMNS
                                " FROM jobs WHERE (?1 IS NULL OR owner = ?1) AND (?2 = 0 OR ((1 << state) & ?2) != 0)"
                                " AND (?3 IS NULL OR id > ?3) ORDER BY id LIMIT ?4",
                                &st);
    if (e) return e;
    bindText(st, 1, f->owner);
    sqlite3_bind_int(st, 2, mask);
    bindText(st, 3, f->afterId);
    sqlite3_bind_int64(st, 4, f->limit ? (sqlite3_int64)f->limit : -1);
    out->items = NULL;
    out->count = 0;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (out->count == cap) {
            size_t nc = cap ? cap * 2 : 16;
            HgnJob *ni = hgnRealloc(out->items, nc * sizeof *ni);
            if (!ni) goto oom;
            out->items = ni;
            cap = nc;
        }
        if (!readJob(st, &out->items[out->count], false)) goto oom;
        out->count++;
    }
    release(s, st);
    if (rc != SQLITE_DONE) {
        hgnJobListFree(out);
        return dbError(s->db, "list jobs");
    }
    return HGN_OK;
oom:
    release(s, st);
    hgnJobListFree(out);
    return hgnStatusNew(HGN_CODE_OutOfMemory, "job store", NULL, "listing jobs");
}

static HgnStatus implUpdate(HgnJobStore *base, const HgnJob *job, HgnJobState expectFrom) {
    SqliteStore *s = (SqliteStore *)base;
    sqlite3_stmt *st;
    HgnStatus e = prepareCached(
        s,
        "UPDATE jobs SET owner=?2, plan_json=?3, plan_digest=?4, plan_path=?5, priority=?6, state=?7, created_ms=?8,"
        " updated_ms=?9, started_ms=?10, finished_ms=?11, attempts=?12, max_attempts=?13, not_before_ms=?14,"
        " last_error=?15, progress=?16, steps_done=?17, steps_total=?18, metrics_json=?19, artefacts_path=?20,"
        " result_text=?21, lease_owner=?22, lease_expires_ms=?23, checkpoint_path=?24, checkpoint_step=?25,"
        " cancel_requested=?26, pause_requested=?27, prompt=?28, max_tokens=?29, options_json=?30, memory_bytes=?31,"
        " cancel_requested_ms=?32, retries_json=?33 WHERE id=?1 AND state=?34",
        &st);
    if (e) return e;
    bindJob(st, job);
    sqlite3_bind_int(st, 34, (int)expectFrom);
    int rc = sqlite3_step(st);
    release(s, st);
    if (rc != SQLITE_DONE) return dbError(s->db, "update job");
    if (sqlite3_changes(s->db) == 1) return HGN_OK;
    HgnJob cur;
    e = implGet(base, job->id, &cur);
    if (e) return e;
    HgnJobState now = cur.state;
    hgnJobClear(&cur);
    return hgnStatusNew(HGN_CODE_InvalidTransition, NULL, "read the job again and retry",
                        "job `%s` is %s now, not %s as expected", job->id, hgnJobStateName(now),
                        hgnJobStateName(expectFrom));
}

static HgnStatus implClaim(HgnJobStore *base, const char *leaseOwner, int64_t nowMs, int64_t leaseMs,
                           const HgnJobClaimPolicy *policy, HgnJob *out, bool *found) {
    SqliteStore *s = (SqliteStore *)base;
    *found = false;
    int32_t maxRunningPerOwner = policy ? policy->maxRunningPerOwner : 0;
    int64_t maxMemoryPerOwner = policy ? policy->maxMemoryPerOwner : 0;
    char *shares = hgnJobSharesJson(policy);
    if (!shares) return hgnStatusNew(HGN_CODE_OutOfMemory, "job store", NULL, "claim: shares");
    HgnStatus e = execSql(s->db, "BEGIN IMMEDIATE", "begin claim");
    if (e) {
        hgnFree(shares);
        return e;
    }
    sqlite3_stmt *st = NULL;
    /* Weighted fair share: the owner with the smallest running / weight (weights bound as JSON, ?4;
     * the default ?5), then the one served longest ago, then the oldest job; a queued job counts only
     * while it fits the owner's memory quota next to the owner's running jobs. */
    e = prepare(s,
                "SELECT q.owner, (SELECT COUNT(*) FROM jobs r WHERE r.owner = q.owner AND r.state = 1) AS running,"
                " (SELECT COALESCE(MAX(started_ms), 0) FROM jobs r WHERE r.owner = q.owner) AS last"
                " FROM jobs q WHERE q.state = 0 AND q.not_before_ms <= ?1 AND (?3 <= 0 OR q.memory_bytes +"
                " (SELECT COALESCE(SUM(memory_bytes), 0) FROM jobs r WHERE r.owner = q.owner AND r.state = 1) <= ?3)"
                " GROUP BY q.owner HAVING running < ?2 ORDER BY running * 1.0 / COALESCE((SELECT w.value FROM"
                " json_each(?4) w WHERE w.key = q.owner), ?5) ASC, last ASC, MIN(q.id) ASC LIMIT 1",
                &st);
    if (e) goto fail;
    sqlite3_bind_int64(st, 1, nowMs);
    sqlite3_bind_int(st, 2, maxRunningPerOwner > 0 ? maxRunningPerOwner : 1 << 30);
    sqlite3_bind_int64(st, 3, maxMemoryPerOwner);
    bindText(st, 4, shares);
    sqlite3_bind_double(st, 5, hgnJobSharesDefault(policy));
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        sqlite3_finalize(st);
        hgnFree(shares);
        return execSql(s->db, "COMMIT", "commit claim");
    }
    if (rc != SQLITE_ROW) {
        e = dbError(s->db, "claim: pick owner");
        goto fail;
    }
    char *owner = dupCol(st, 0);
    sqlite3_finalize(st);
    st = NULL;
    if (!owner) {
        e = hgnStatusNew(HGN_CODE_OutOfMemory, "job store", NULL, "claim");
        goto fail;
    }
    e = prepare(s,
                "SELECT id FROM jobs WHERE owner = ?1 AND state = 0 AND not_before_ms <= ?2 AND (?3 <= 0 OR"
                " memory_bytes + (SELECT COALESCE(SUM(memory_bytes), 0) FROM jobs r WHERE r.owner = ?1 AND"
                " r.state = 1) <= ?3) ORDER BY priority DESC, id ASC LIMIT 1",
                &st);
    if (e) {
        hgnFree(owner);
        goto fail;
    }
    bindText(st, 1, owner);
    sqlite3_bind_int64(st, 2, nowMs);
    sqlite3_bind_int64(st, 3, maxMemoryPerOwner);
    rc = sqlite3_step(st);
    hgnFree(owner);
    if (rc != SQLITE_ROW) {
        e = dbError(s->db, "claim: pick job");
        goto fail;
    }
    char id[HGN_JOB_ID_LEN + 1];
    strncpy(id, (const char *)sqlite3_column_text(st, 0), HGN_JOB_ID_LEN);
    id[HGN_JOB_ID_LEN] = 0;
    sqlite3_finalize(st);
    st = NULL;
    e = prepare(s,
                "UPDATE jobs SET state = 1, lease_owner = ?2, lease_expires_ms = ?3, started_ms = ?4, updated_ms = ?4,"
                " attempts = attempts + 1 WHERE id = ?1 AND state = 0",
                &st);
    if (e) goto fail;
    bindText(st, 1, id);
    bindText(st, 2, leaseOwner);
    sqlite3_bind_int64(st, 3, nowMs + leaseMs);
    sqlite3_bind_int64(st, 4, nowMs);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    st = NULL;
    if (rc != SQLITE_DONE) {
        e = dbError(s->db, "claim: lease");
        goto fail;
    }
    e = execSql(s->db, "COMMIT", "commit claim");
    if (e) goto fail;
    hgnFree(shares);
    e = implGet(base, id, out);
    if (!e) *found = true;
    return e;
fail:
    if (st) sqlite3_finalize(st);
    hgnFree(shares);
    hgnStatusFree(execSql(s->db, "ROLLBACK", "rollback claim"));
    return e;
}

static HgnStatus implHeartbeat(HgnJobStore *base, const char *id, const char *leaseOwner, int64_t untilMs) {
    SqliteStore *s = (SqliteStore *)base;
    sqlite3_stmt *st;
    HgnStatus e =
        prepareCached(s, "UPDATE jobs SET lease_expires_ms = ?3 WHERE id = ?1 AND lease_owner = ?2 AND state = 1", &st);
    if (e) return e;
    bindText(st, 1, id);
    bindText(st, 2, leaseOwner);
    sqlite3_bind_int64(st, 3, untilMs);
    int rc = sqlite3_step(st);
    release(s, st);
    if (rc != SQLITE_DONE) return dbError(s->db, "heartbeat");
    if (sqlite3_changes(s->db) != 1)
        return hgnStatusNew(HGN_CODE_InvalidTransition, NULL,
                            "another manager took the job over after the lease expired",
                            "the lease on job `%s` is no longer held by `%s`", id, leaseOwner);
    return HGN_OK;
}

static HgnStatus implReapExpired(HgnJobStore *base, int64_t nowMs, size_t *count) {
    SqliteStore *s = (SqliteStore *)base;
    sqlite3_stmt *st;
    *count = 0;
    HgnStatus e = prepareCached(s,
                                "UPDATE jobs SET state = 0, lease_owner = NULL, lease_expires_ms = 0, updated_ms = ?1"
                                " WHERE state = 1 AND lease_expires_ms < ?1",
                                &st);
    if (e) return e;
    sqlite3_bind_int64(st, 1, nowMs);
    int rc = sqlite3_step(st);
    release(s, st);
    if (rc != SQLITE_DONE) return dbError(s->db, "reap expired leases");
    *count = (size_t)sqlite3_changes(s->db);
    return HGN_OK;
}

/* Compare-and-set of the mutable columns against expect, and the event, in one transaction. */
static HgnStatus implTransition(HgnJobStore *base, const HgnJob *job, const HgnJobExpect *ex, HgnJobEvent *ev) {
    SqliteStore *s = (SqliteStore *)base;
    HgnStatus e = execSql(s->db, "BEGIN IMMEDIATE", "begin transition");
    if (e) return e;
    sqlite3_stmt *st = NULL;
    e = prepare(s,
                "UPDATE jobs SET state=?7, updated_ms=?9, started_ms=?10, finished_ms=?11, attempts=?12,"
                " max_attempts=?13, not_before_ms=?14, last_error=?15, progress=?16, steps_done=?17, steps_total=?18,"
                " metrics_json=?19, artefacts_path=?20, result_text=?21, lease_owner=?22,"
                " lease_expires_ms = CASE WHEN ?7 = 1 THEN MAX(lease_expires_ms, ?23) ELSE ?23 END,"
                " checkpoint_path=?24, checkpoint_step=?25, cancel_requested=?26, pause_requested=?27,"
                " memory_bytes=?31, cancel_requested_ms = MAX(cancel_requested_ms, ?32), retries_json=?33"
                " WHERE id=?1 AND state=?34 AND (?35 IS NULL OR lease_owner = ?35)"
                " AND (?36 <= 0 OR lease_expires_ms < ?36) AND (?37 OR cancel_requested = 0)"
                " AND (?38 OR pause_requested = 0)",
                &st);
    if (!e) {
        bindJob(st, job);
        sqlite3_bind_int(st, 34, (int)ex->state);
        bindText(st, 35, ex->leaseOwner);
        sqlite3_bind_int64(st, 36, ex->leaseExpiredBefore);
        sqlite3_bind_int(st, 37, ex->cancelSeen);
        sqlite3_bind_int(st, 38, ex->pauseSeen);
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE) e = dbError(s->db, "transition");
    }
    bool applied = !e && sqlite3_changes(s->db) == 1;
    if (applied && ev) e = implAppendEvent(base, ev);
    if (!e && applied) e = execSql(s->db, "COMMIT", "commit transition");
    if (e || !applied) hgnStatusFree(execSql(s->db, "ROLLBACK", "rollback transition"));
    if (e || applied) return e;
    HgnJob cur;
    if ((e = implGet(base, job->id, &cur))) return e;
    if (cur.state != ex->state)
        e = hgnStatusNew(HGN_CODE_InvalidTransition, NULL, "read the job again and retry",
                         "job `%s` is %s now, not %s as expected", job->id, hgnJobStateName(cur.state),
                         hgnJobStateName(ex->state));
    else
        e = hgnStatusNew(HGN_CODE_InvalidTransition, NULL, "read the job again and retry",
                         "job `%s` changed meanwhile (its lease or a stop request), not as expected", job->id);
    hgnJobClear(&cur);
    return e;
}

static HgnStatus implStopRequests(HgnJobStore *base, const char *id, const char *leaseOwner, bool *cancel, bool *pause,
                                  bool *leaseHeld) {
    SqliteStore *s = (SqliteStore *)base;
    *cancel = *pause = *leaseHeld = false;
    sqlite3_stmt *st;
    HgnStatus e = prepare(s,
                          "SELECT cancel_requested, pause_requested, state = 1 AND lease_owner IS ?2"
                          " FROM jobs WHERE id = ?1",
                          &st);
    if (e) return e;
    bindText(st, 1, id);
    bindText(st, 2, leaseOwner);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *cancel = sqlite3_column_int(st, 0) != 0;
        *pause = sqlite3_column_int(st, 1) != 0;
        *leaseHeld = sqlite3_column_int(st, 2) != 0;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? HGN_OK : rc == SQLITE_DONE ? notFound(id) : dbError(s->db, "stop requests");
}

static HgnStatus implCountByState(HgnJobStore *base, const char *owner, int64_t counts[HGN_JOB_STATE_COUNT]) {
    SqliteStore *s = (SqliteStore *)base;
    for (int i = 0; i < HGN_JOB_STATE_COUNT; i++) counts[i] = 0;
    sqlite3_stmt *st;
    HgnStatus e =
        prepareCached(s, "SELECT state, SUM(n) FROM job_counts WHERE (?1 IS NULL OR owner = ?1) GROUP BY state", &st);
    if (e) return e;
    bindText(st, 1, owner);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int k = sqlite3_column_int(st, 0);
        if (k >= 0 && k < HGN_JOB_STATE_COUNT) counts[k] = sqlite3_column_int64(st, 1);
    }
    release(s, st);
    return rc == SQLITE_DONE ? HGN_OK : dbError(s->db, "count jobs");
}

static HgnStatus implCountInState(HgnJobStore *base, HgnJobState state, const char *owner, int64_t *count) {
    SqliteStore *s = (SqliteStore *)base;
    *count = 0;
    sqlite3_stmt *st;
    /* job_counts (migration 4): a range of (state, owner) keys, not a walk over the jobs. Two statements,
     * not "(?2 IS NULL OR owner = ?2)", which could not use the key's owner part. */
    HgnStatus e = prepareCached(s,
                                owner ? "SELECT COALESCE(SUM(n), 0) FROM job_counts WHERE state = ?1 AND owner = ?2"
                                      : "SELECT COALESCE(SUM(n), 0) FROM job_counts WHERE state = ?1",
                                &st);
    if (e) return e;
    sqlite3_bind_int(st, 1, (int)state);
    if (owner) bindText(st, 2, owner);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *count = sqlite3_column_int64(st, 0);
    release(s, st);
    return rc == SQLITE_ROW ? HGN_OK : dbError(s->db, "count jobs");
}

static HgnStatus implAppendEvent(HgnJobStore *base, HgnJobEvent *ev) {
    SqliteStore *s = (SqliteStore *)base;
    sqlite3_stmt *st;
    HgnStatus e =
        prepareCached(s,
                      "INSERT INTO events (job_id, kind, from_state, to_state, steps_done, steps_total, time_ms,"
                      " message) VALUES (?,?,?,?,?,?,?,?)",
                      &st);
    if (e) return e;
    bindText(st, 1, ev->jobId);
    sqlite3_bind_int(st, 2, (int)ev->kind);
    sqlite3_bind_int(st, 3, (int)ev->from);
    sqlite3_bind_int(st, 4, (int)ev->to);
    sqlite3_bind_int64(st, 5, ev->stepsDone);
    sqlite3_bind_int64(st, 6, ev->stepsTotal);
    sqlite3_bind_int64(st, 7, ev->timeMs);
    bindText(st, 8, ev->message);
    int rc = sqlite3_step(st);
    release(s, st);
    if (rc != SQLITE_DONE) return dbError(s->db, "append event");
    ev->seq = sqlite3_last_insert_rowid(s->db);
    return HGN_OK;
}

static HgnStatus implEvents(HgnJobStore *base, const char *jobId, int64_t afterSeq, size_t max, HgnJobEvent **out,
                            size_t *count) {
    SqliteStore *s = (SqliteStore *)base;
    *out = NULL;
    *count = 0;
    sqlite3_stmt *st;
    HgnStatus e =
        prepareCached(s,
                      "SELECT seq, job_id, kind, from_state, to_state, steps_done, steps_total, time_ms, message"
                      " FROM events WHERE (?1 IS NULL OR job_id = ?1) AND seq > ?2 ORDER BY seq LIMIT ?3",
                      &st);
    if (e) return e;
    bindText(st, 1, jobId);
    sqlite3_bind_int64(st, 2, afterSeq);
    sqlite3_bind_int64(st, 3, max ? (sqlite3_int64)max : -1);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*count == cap) {
            size_t nc = cap ? cap * 2 : 16;
            HgnJobEvent *n = hgnRealloc(*out, nc * sizeof *n);
            if (!n) goto oom;
            *out = n;
            cap = nc;
        }
        HgnJobEvent *ev = &(*out)[*count];
        memset(ev, 0, sizeof *ev);
        ev->seq = sqlite3_column_int64(st, 0);
        const unsigned char *jid = sqlite3_column_text(st, 1);
        if (jid) strncpy(ev->jobId, (const char *)jid, HGN_JOB_ID_LEN);
        ev->kind = (HgnJobEventKind)sqlite3_column_int(st, 2);
        ev->from = (HgnJobState)sqlite3_column_int(st, 3);
        ev->to = (HgnJobState)sqlite3_column_int(st, 4);
        ev->stepsDone = sqlite3_column_int64(st, 5);
        ev->stepsTotal = sqlite3_column_int64(st, 6);
        ev->timeMs = sqlite3_column_int64(st, 7);
        ev->message = dupCol(st, 8);
        (*count)++;
        if (sqlite3_column_type(st, 8) != SQLITE_NULL && !ev->message) goto oom;
    }
    release(s, st);
    if (rc != SQLITE_DONE) {
        hgnJobEventsFree(*out, *count);
        *out = NULL;
        *count = 0;
        return dbError(s->db, "read events");
    }
    return HGN_OK;
oom:
    release(s, st);
    hgnJobEventsFree(*out, *count);
    *out = NULL;
    *count = 0;
    return hgnStatusNew(HGN_CODE_OutOfMemory, "job store", NULL, "reading events");
}

void hgnJobEventsFree(HgnJobEvent *ev, size_t count) {
    if (!ev) return;
    for (size_t i = 0; i < count; i++) hgnFree((void *)ev[i].message);
    hgnFree(ev);
}

/* The connection reads go through: the reader when there is one. */
static SqliteStore *readerOf(HgnJobStore *base) {
    SqliteStore *s = (SqliteStore *)base;
    return s->reader ? s->reader : s;
}

/* Every op holds its connection's (recursive) lock for the whole implementation, so one thread's
 * statement never lands inside another thread's open transaction; `call` runs on connection `s`. */
#define LOCKED(store, call)                                                                                            \
    SqliteStore *s = (store);                                                                                          \
    pthread_mutex_lock(&s->mu);                                                                                        \
    HgnStatus e = (call);                                                                                              \
    pthread_mutex_unlock(&s->mu);                                                                                      \
    return e

static HgnStatus opInsert(HgnJobStore *base, const HgnJob *job) {
    LOCKED((SqliteStore *)base, implInsert(&s->base, job));
}

static HgnStatus opInsertBatch(HgnJobStore *base, const HgnJob *const *jobs, size_t n, int64_t *seqs) {
    LOCKED((SqliteStore *)base, implInsertBatch(&s->base, jobs, n, seqs));
}

static HgnStatus opGet(HgnJobStore *base, const char *id, HgnJob *out) {
    LOCKED(readerOf(base), implGet(&s->base, id, out));
}

static HgnStatus opList(HgnJobStore *base, const HgnJobFilter *f, HgnJobList *out) {
    LOCKED(readerOf(base), implList(&s->base, f, out));
}

static HgnStatus opUpdate(HgnJobStore *base, const HgnJob *job, HgnJobState expectFrom) {
    LOCKED((SqliteStore *)base, implUpdate(&s->base, job, expectFrom));
}

static HgnStatus opClaim(HgnJobStore *base, const char *leaseOwner, int64_t nowMs, int64_t leaseMs,
                         const HgnJobClaimPolicy *policy, HgnJob *out, bool *found) {
    LOCKED((SqliteStore *)base, implClaim(&s->base, leaseOwner, nowMs, leaseMs, policy, out, found));
}

static HgnStatus opHeartbeat(HgnJobStore *base, const char *id, const char *leaseOwner, int64_t untilMs) {
    LOCKED((SqliteStore *)base, implHeartbeat(&s->base, id, leaseOwner, untilMs));
}

static HgnStatus opReapExpired(HgnJobStore *base, int64_t nowMs, size_t *count) {
    LOCKED((SqliteStore *)base, implReapExpired(&s->base, nowMs, count));
}

static HgnStatus opCountByState(HgnJobStore *base, const char *owner, int64_t counts[HGN_JOB_STATE_COUNT]) {
    LOCKED(readerOf(base), implCountByState(&s->base, owner, counts));
}

static HgnStatus opAppendEvent(HgnJobStore *base, HgnJobEvent *ev) {
    LOCKED((SqliteStore *)base, implAppendEvent(&s->base, ev));
}

static HgnStatus opEvents(HgnJobStore *base, const char *jobId, int64_t afterSeq, size_t max, HgnJobEvent **out,
                          size_t *count) {
    LOCKED(readerOf(base), implEvents(&s->base, jobId, afterSeq, max, out, count));
}

static HgnStatus opCountInState(HgnJobStore *base, HgnJobState state, const char *owner, int64_t *count) {
    LOCKED(readerOf(base), implCountInState(&s->base, state, owner, count));
}

static HgnStatus opTransition(HgnJobStore *base, const HgnJob *job, const HgnJobExpect *expect, HgnJobEvent *ev) {
    LOCKED((SqliteStore *)base, implTransition(&s->base, job, expect, ev));
}

static HgnStatus opStopRequests(HgnJobStore *base, const char *id, const char *leaseOwner, bool *cancel, bool *pause,
                                bool *leaseHeld) {
    LOCKED((SqliteStore *)base, implStopRequests(&s->base, id, leaseOwner, cancel, pause, leaseHeld));
}

static int32_t opSchemaVersion(HgnJobStore *base) { return ((SqliteStore *)base)->version; }

static const HgnJobStoreOps sqliteOps = {
    .name = "sqlite",
    .close = opClose,
    .insert = opInsert,
    .insertBatch = opInsertBatch,
    .get = opGet,
    .list = opList,
    .update = opUpdate,
    .claim = opClaim,
    .heartbeat = opHeartbeat,
    .reapExpired = opReapExpired,
    .countByState = opCountByState,
    .appendEvent = opAppendEvent,
    .events = opEvents,
    .countInState = opCountInState,
    .schemaVersion = opSchemaVersion,
    .transition = opTransition,
    .stopRequests = opStopRequests,
};

static HgnStatus migrate(SqliteStore *s) {
    HgnStatus e =
        execSql(s->db, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)", "create schema_version");
    if (e) return e;
    sqlite3_stmt *st;
    e = prepare(s, "SELECT COALESCE(MAX(version), 0) FROM schema_version", &st);
    if (e) return e;
    int32_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    if (v > MIGRATION_COUNT)
        return hgnStatusNew(HGN_CODE_StoreError, "job store", "upgrade Huginn, or restore the store from a backup",
                            "the store has schema version %d, newer than this Huginn's %d", v, MIGRATION_COUNT);
    for (int32_t i = v; i < MIGRATION_COUNT; i++) {
        /* Each migration and its version row commit together: a crash leaves the old or the new schema. */
        e = execSql(s->db, "BEGIN IMMEDIATE", "begin migration");
        if (e) return e;
        e = execSql(s->db, migrations[i], "migration");
        if (!e) {
            char sql[96];
            snprintf(sql, sizeof sql, "DELETE FROM schema_version; INSERT INTO schema_version VALUES (%d)", i + 1);
            e = execSql(s->db, sql, "record schema version");
        }
        if (!e) e = execSql(s->db, "COMMIT", "commit migration");
        if (e) {
            HgnStatus r = execSql(s->db, "ROLLBACK", "rollback migration");
            hgnStatusFree(r);
            return e;
        }
    }
    s->version = MIGRATION_COUNT;
    return HGN_OK;
}

HgnStatus hgnJobStoreOpenSqlite(const char *path, HgnJobStore **out) {
    return hgnJobStoreOpenSqliteWith(path, HGN_JOB_DURABILITY_FULL, out);
}

/* A store struct with its lock and an open connection (busy timeout set); on failure *out is NULL. */
static HgnStatus openConnection(const char *path, int flags, SqliteStore **out) {
    *out = NULL;
    SqliteStore *s = hgnCalloc(1, sizeof *s);
    if (!s) return hgnStatusNew(HGN_CODE_OutOfMemory, "job store", NULL, "opening the store");
    s->base.ops = &sqliteOps;
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&s->mu, &attr);
    pthread_mutexattr_destroy(&attr);
    if (sqlite3_open_v2(path, &s->db, flags | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
        HgnStatus e = dbError(s->db, "open");
        opClose(&s->base);
        return e;
    }
    sqlite3_busy_timeout(s->db, 5000);
    *out = s;
    return HGN_OK;
}

/* Whether the connection runs in WAL mode (where a reader connection never waits for the writer). */
static bool inWal(SqliteStore *s) {
    sqlite3_stmt *st = NULL;
    if (prepare(s, "PRAGMA journal_mode", &st)) return false;
    bool wal = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) &&
               strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0;
    release(s, st);
    return wal;
}

HgnStatus hgnJobStoreOpenSqliteWith(const char *path, HgnJobDurability durability, HgnJobStore **out) {
    *out = NULL;
    if (!path || !*path)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "store.path", "set store.path in the configuration",
                            "the job store path is empty");
    SqliteStore *s = NULL;
    HgnStatus e = openConnection(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &s);
    if (e) return hgnStatusPrefixWhere(e, path);
    /* WAL: readers never block the writer; synchronous=FULL: a commit (an acknowledged submission
     * or state change) survives power loss, not just a process crash (docs/operations.md). */
    e = execSql(s->db,
                durability == HGN_JOB_DURABILITY_NORMAL ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                                                        : "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
                "configure");
    if (!e) e = migrate(s);
    if (!e && strcmp(path, ":memory:") != 0 && inWal(s)) {
        e = openConnection(path, SQLITE_OPEN_READWRITE, &s->reader);
        if (!e) e = execSql(s->reader->db, "PRAGMA query_only=1", "configure the reader");
    }
    if (e) {
        hgnStatusPrefixWhere(e, path);
        opClose(&s->base);
        return e;
    }
    *out = &s->base;
    return HGN_OK;
}

void hgnJobStoreClose(HgnJobStore *s) {
    if (s) s->ops->close(s);
}

int32_t hgnJobStoreSchemaVersion(HgnJobStore *base) {
    return base && base->ops->schemaVersion ? base->ops->schemaVersion(base) : 0;
}
