/* jobStorePg.c — the PostgreSQL job store behind HgnJobStoreOps (libpq):
 * the SQLite store's schema and numbered migrations translated to
 * PostgreSQL types, migration under an advisory lock, compare-and-set state
 * updates and transitions (row and event in one transaction), the runner's
 * stop-request poll, fair-share claiming serialised across processes by an advisory
 * lock, the event log with a commit-ordered seq, and one reconnect on a
 * broken connection. Every statement is parameterised (PQexecParams); the
 * connection string is never put into a message (it may hold a password). */
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/strBuf.h"
#include "huginn/jobs.h"
#include "huginn/log.h"
#include "orchestrator/jobShares.h"

/* Type OIDs of the parameters we send (catalog/pg_type_d.h is a server header). */
#define OID_INT8   20
#define OID_INT4   23
#define OID_TEXT   25
#define OID_FLOAT8 701

/* Advisory lock keys: (class, object). The class spells "Hg". */
#define LOCK_CLASS       "18535"
#define LOCK_MIGRATE_SQL "SELECT pg_advisory_xact_lock(" LOCK_CLASS ", 1)"
#define LOCK_CLAIM_SQL   "SELECT pg_advisory_xact_lock(" LOCK_CLASS ", 2)"

typedef struct PgStore {
    HgnJobStore base;
    PGconn *conn;
    int32_t version;
    char *where;    /* "PostgreSQL host=… port=… dbname=…" for messages; never the password */
    char *password; /* scrubbed out of libpq messages, or NULL */
    /* One connection shared by the manager's threads: every operation holds this lock, so a statement of
     * one thread never lands inside another thread's open transaction. */
    pthread_mutex_t mu;
} PgStore;

/* The 33 job columns in the SQLite store's order; list results leave the plan out. */
#define JOB_COLUMNS_HEAD "id, owner, "
#define JOB_COLUMNS_TAIL                                                                                               \
    "plan_digest, plan_path, priority, state, created_ms, updated_ms, started_ms, "                                    \
    "finished_ms, attempts, max_attempts, not_before_ms, last_error, progress, steps_done, steps_total, "              \
    "metrics_json, artefacts_path, result_text, lease_owner, lease_expires_ms, checkpoint_path, checkpoint_step, "     \
    "cancel_requested, pause_requested, prompt, max_tokens, options_json, memory_bytes, cancel_requested_ms, "         \
    "retries_json"
#define JOB_COLUMNS      JOB_COLUMNS_HEAD "plan_json, " JOB_COLUMNS_TAIL
#define JOB_LIST_COLUMNS JOB_COLUMNS_HEAD "NULL, " JOB_COLUMNS_TAIL
#define JOB_COLUMN_COUNT 33

/* Migrations, applied in order inside one transaction; the store's version is the number applied. Append
 * only, numbered like the SQLite store's. Ids sort bytewise (COLLATE "C") as in SQLite, whatever the
 * database's locale, so pagination by id and the claim's tie-break agree with the SQLite store. */
static const char *const migrations[] = {
    /* 1: jobs and events; events append through a function that takes the events lock first, so seq
     * values commit in order and a reader polling "seq > last" never skips a late commit. */
    "CREATE TABLE jobs (id TEXT COLLATE \"C\" PRIMARY KEY, owner TEXT NOT NULL, plan_json TEXT NOT NULL,"
    " plan_digest TEXT, plan_path TEXT, priority INTEGER NOT NULL DEFAULT 0, state INTEGER NOT NULL,"
    " created_ms BIGINT NOT NULL, updated_ms BIGINT NOT NULL, started_ms BIGINT NOT NULL DEFAULT 0,"
    " finished_ms BIGINT NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,"
    " max_attempts INTEGER NOT NULL DEFAULT 3, not_before_ms BIGINT NOT NULL DEFAULT 0, last_error TEXT,"
    " progress DOUBLE PRECISION NOT NULL DEFAULT 0, steps_done BIGINT NOT NULL DEFAULT 0,"
    " steps_total BIGINT NOT NULL DEFAULT 0, metrics_json TEXT, artefacts_path TEXT, result_text TEXT,"
    " lease_owner TEXT, lease_expires_ms BIGINT NOT NULL DEFAULT 0, checkpoint_path TEXT,"
    " checkpoint_step BIGINT NOT NULL DEFAULT 0);"
    "CREATE INDEX jobs_state_owner ON jobs(state, owner, priority);"
    "CREATE INDEX jobs_owner ON jobs(owner, id);"
    "CREATE TABLE events (seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, job_id TEXT COLLATE \"C\" NOT NULL,"
    " kind INTEGER NOT NULL, from_state INTEGER NOT NULL DEFAULT 0, to_state INTEGER NOT NULL DEFAULT 0,"
    " steps_done BIGINT NOT NULL DEFAULT 0, steps_total BIGINT NOT NULL DEFAULT 0, time_ms BIGINT NOT NULL,"
    " message TEXT);"
    "CREATE INDEX events_job ON events(job_id, seq);"
    "CREATE FUNCTION huginn_append_event(p_job TEXT, p_kind INTEGER, p_from INTEGER, p_to INTEGER,"
    " p_done BIGINT, p_total BIGINT, p_time BIGINT, p_message TEXT) RETURNS BIGINT LANGUAGE sql AS $$"
    " SELECT pg_advisory_xact_lock(" LOCK_CLASS ", 3);"
    " INSERT INTO events (job_id, kind, from_state, to_state, steps_done, steps_total, time_ms, message)"
    " VALUES (p_job, p_kind, p_from, p_to, p_done, p_total, p_time, p_message) RETURNING seq; $$;",
    /* 2: graceful stop requests and the generation request */
    "ALTER TABLE jobs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE jobs ADD COLUMN pause_requested INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE jobs ADD COLUMN prompt TEXT;"
    "ALTER TABLE jobs ADD COLUMN max_tokens INTEGER NOT NULL DEFAULT 16;",
    /* 3: generation options, memory quota, forced cancel, retries by reason */
    "ALTER TABLE jobs ADD COLUMN options_json TEXT;"
    "ALTER TABLE jobs ADD COLUMN memory_bytes BIGINT NOT NULL DEFAULT 0;"
    "ALTER TABLE jobs ADD COLUMN cancel_requested_ms BIGINT NOT NULL DEFAULT 0;"
    "ALTER TABLE jobs ADD COLUMN retries_json TEXT;",
    /* 4: the claim's "served longest ago" lookup per owner (SQLite's 4 is its job_counts table: the
     * numbers match so that one schema version names one feature set across backends) */
    "CREATE INDEX jobs_owner_started ON jobs (owner, started_ms);",
};
#define MIGRATION_COUNT ((int32_t)(sizeof migrations / sizeof migrations[0]))

/* ---- parameters ---------------------------------------------------------- */

#define MAX_PARAMS 40

typedef struct Params {
    int n;
    const char *values[MAX_PARAMS];
    Oid types[MAX_PARAMS];
    char text[MAX_PARAMS][32]; /* numbers in text form */
} Params;

static void pText(Params *p, const char *t) {
    p->types[p->n] = OID_TEXT;
    p->values[p->n++] = t;
}
static void pInt8(Params *p, int64_t v) {
    snprintf(p->text[p->n], sizeof p->text[0], "%lld", (long long)v);
    p->types[p->n] = OID_INT8;
    p->values[p->n] = p->text[p->n];
    p->n++;
}
static void pInt4(Params *p, int32_t v) {
    snprintf(p->text[p->n], sizeof p->text[0], "%d", (int)v);
    p->types[p->n] = OID_INT4;
    p->values[p->n] = p->text[p->n];
    p->n++;
}
static void pReal(Params *p, double v) {
    snprintf(p->text[p->n], sizeof p->text[0], "%.17g", v);
    p->types[p->n] = OID_FLOAT8;
    p->values[p->n] = p->text[p->n];
    p->n++;
}

/* Every column ($1..$33) in JOB_COLUMNS order. */
static void pJob(Params *p, const HgnJob *j) {
    pText(p, j->id);
    pText(p, j->owner);
    pText(p, j->planJson ? j->planJson : "");
    pText(p, j->planDigest);
    pText(p, j->planPath);
    pInt4(p, j->priority);
    pInt4(p, (int32_t)j->state);
    pInt8(p, j->createdMs);
    pInt8(p, j->updatedMs);
    pInt8(p, j->startedMs);
    pInt8(p, j->finishedMs);
    pInt4(p, j->attempts);
    pInt4(p, j->maxAttempts);
    pInt8(p, j->notBeforeMs);
    pText(p, j->lastError);
    pReal(p, j->progress);
    pInt8(p, j->stepsDone);
    pInt8(p, j->stepsTotal);
    pText(p, j->metricsJson);
    pText(p, j->artefactsPath);
    pText(p, j->resultText);
    pText(p, j->leaseOwner);
    pInt8(p, j->leaseExpiresMs);
    pText(p, j->checkpointPath);
    pInt8(p, j->checkpointStep);
    pInt4(p, j->cancelRequested ? 1 : 0);
    pInt4(p, j->pauseRequested ? 1 : 0);
    pText(p, j->prompt);
    pInt4(p, j->maxTokens);
    pText(p, j->optionsJson);
    pInt8(p, j->memoryBytes);
    pInt8(p, j->cancelRequestedMs);
    pText(p, j->retriesJson);
}

/* ---- errors -------------------------------------------------------------- */

/* A libpq message made safe and compact: the password (should libpq ever echo it) becomes ***, line
 * breaks become "; ". Caller hgnFree()s; NULL on OOM. */
static char *cleanMessage(const PgStore *s, const char *msg) {
    HgnBuf b;
    hgnBufInit(&b);
    const char *pw = s->password && *s->password ? s->password : NULL;
    size_t pwLen = pw ? strlen(pw) : 0;
    for (const char *c = msg ? msg : ""; *c;) {
        if (pw && strncmp(c, pw, pwLen) == 0) {
            hgnBufAppendStr(&b, "***");
            c += pwLen;
        } else if (*c == '\n') {
            while (*c == '\n' || *c == ' ' || *c == '\t') c++;
            if (*c) hgnBufAppendStr(&b, "; ");
        } else {
            hgnBufAppendf(&b, "%c", *c++);
        }
    }
    return hgnBufDetach(&b);
}

static bool connectionLost(const PgStore *s) { return !s->conn || PQstatus(s->conn) == CONNECTION_BAD; }

static HgnStatus lostError(const PgStore *s, const char *what) {
    char *msg = cleanMessage(s, s->conn ? PQerrorMessage(s->conn) : "no connection");
    HgnStatus e = hgnStatusNew(HGN_CODE_StoreError, "job store",
                               "check that the PostgreSQL server is running and reachable (store.dsn: host, port,"
                               " dbname, user); Huginn reconnects on the next call",
                               "%s: lost the connection to %s: %s", what, s->where, msg ? msg : "?");
    hgnFree(msg);
    return e;
}

/* The error of a failed statement: the primary message and SQLSTATE (no DETAIL: it may quote row data). */
static HgnStatus pgError(const PgStore *s, const char *what, const PGresult *res) {
    if (connectionLost(s)) return lostError(s, what);
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    char *msg = cleanMessage(s, primary ? primary : PQerrorMessage(s->conn));
    const char *hint = "see the PostgreSQL server log; check the store's database and free disk space";
    if (state && strcmp(state, "23505") == 0)
        hint = "a row with this key exists already";
    else if (state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0))
        hint = "another process holds the rows; retry";
    else if (state && strncmp(state, "42", 2) == 0)
        hint = "the database schema does not match this Huginn; check store.dsn points at Huginn's database";
    HgnStatus e = hgnStatusNew(HGN_CODE_StoreError, "job store", hint, "%s: %s (SQLSTATE %s, %s)", what,
                               msg ? msg : "?", state ? state : "?", s->where);
    hgnFree(msg);
    return e;
}

static HgnStatus oom(const char *what) { return hgnStatusNew(HGN_CODE_OutOfMemory, "job store", NULL, "%s", what); }

/* Runs one parameterised statement; on success *out (when asked) holds the result (PQclear it). */
static HgnStatus run(PgStore *s, const char *what, const char *sql, const Params *p, PGresult **out) {
    if (out) *out = NULL;
    PGresult *res = PQexecParams(s->conn, sql, p ? p->n : 0, p ? p->types : NULL, p ? p->values : NULL, NULL, NULL, 0);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        HgnStatus e = pgError(s, what, res);
        PQclear(res);
        return e;
    }
    if (out)
        *out = res;
    else
        PQclear(res);
    return HGN_OK;
}

/* Rows a command touched. */
static int64_t affected(PGresult *res) { return strtoll(PQcmdTuples(res), NULL, 10); }

static void rollback(PgStore *s) { PQclear(PQexec(s->conn, "ROLLBACK")); }

/* ---- reading rows -------------------------------------------------------- */

static int64_t colInt(const PGresult *res, int r, int c) {
    return PQgetisnull(res, r, c) ? 0 : strtoll(PQgetvalue(res, r, c), NULL, 10);
}

/* A copy of a text column (NULL stays NULL; *bad set on OOM). */
static char *colDup(const PGresult *res, int r, int c, bool *bad) {
    if (PQgetisnull(res, r, c)) return NULL;
    char *t = hgnStrdup(PQgetvalue(res, r, c));
    if (!t) *bad = true;
    return t;
}

static bool readJob(const PGresult *res, int r, HgnJob *j) {
    memset(j, 0, sizeof *j);
    bool bad = false;
    snprintf(j->id, sizeof j->id, "%s", PQgetvalue(res, r, 0));
    j->owner = colDup(res, r, 1, &bad);
    j->planJson = colDup(res, r, 2, &bad);
    j->planDigest = colDup(res, r, 3, &bad);
    j->planPath = colDup(res, r, 4, &bad);
    j->priority = (int32_t)colInt(res, r, 5);
    j->state = (HgnJobState)colInt(res, r, 6);
    j->createdMs = colInt(res, r, 7);
    j->updatedMs = colInt(res, r, 8);
    j->startedMs = colInt(res, r, 9);
    j->finishedMs = colInt(res, r, 10);
    j->attempts = (int32_t)colInt(res, r, 11);
    j->maxAttempts = (int32_t)colInt(res, r, 12);
    j->notBeforeMs = colInt(res, r, 13);
    j->lastError = colDup(res, r, 14, &bad);
    j->progress = PQgetisnull(res, r, 15) ? 0.0 : strtod(PQgetvalue(res, r, 15), NULL);
    j->stepsDone = colInt(res, r, 16);
    j->stepsTotal = colInt(res, r, 17);
    j->metricsJson = colDup(res, r, 18, &bad);
    j->artefactsPath = colDup(res, r, 19, &bad);
    j->resultText = colDup(res, r, 20, &bad);
    j->leaseOwner = colDup(res, r, 21, &bad);
    j->leaseExpiresMs = colInt(res, r, 22);
    j->checkpointPath = colDup(res, r, 23, &bad);
    j->checkpointStep = colInt(res, r, 24);
    j->cancelRequested = colInt(res, r, 25) != 0;
    j->pauseRequested = colInt(res, r, 26) != 0;
    j->prompt = colDup(res, r, 27, &bad);
    j->maxTokens = (int32_t)colInt(res, r, 28);
    j->optionsJson = colDup(res, r, 29, &bad);
    j->memoryBytes = colInt(res, r, 30);
    j->cancelRequestedMs = colInt(res, r, 31);
    j->retriesJson = colDup(res, r, 32, &bad);
    if (bad || !j->owner) {
        hgnJobClear(j);
        return false;
    }
    return true;
}

/* ---- operations (called with the lock held) ------------------------------ */

static HgnStatus implAppendEvent(PgStore *s, HgnJobEvent *ev) {
    Params p = {0};
    pText(&p, ev->jobId);
    pInt4(&p, (int32_t)ev->kind);
    pInt4(&p, (int32_t)ev->from);
    pInt4(&p, (int32_t)ev->to);
    pInt8(&p, ev->stepsDone);
    pInt8(&p, ev->stepsTotal);
    pInt8(&p, ev->timeMs);
    pText(&p, ev->message);
    PGresult *res;
    HgnStatus e = run(s, "append event", "SELECT huginn_append_event($1, $2, $3, $4, $5, $6, $7, $8)", &p, &res);
    if (e) return e;
    ev->seq = colInt(res, 0, 0);
    PQclear(res);
    return HGN_OK;
}

/* One job row and its "submitted" event, inside the caller's transaction. */
static HgnStatus insertRow(PgStore *s, const HgnJob *job, int64_t *seq) {
    Params p = {0};
    pJob(&p, job);
    HgnStatus e = run(s, "insert job",
                      "INSERT INTO jobs (" JOB_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,"
                      " $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30,"
                      " $31, $32, $33)",
                      &p, NULL);
    if (e) return e;
    HgnJobEvent ev = {.kind = HGN_JOB_EVENT_STATE,
                      .from = job->state,
                      .to = job->state,
                      .timeMs = job->createdMs,
                      .message = "submitted"};
    memcpy(ev.jobId, job->id, sizeof ev.jobId);
    e = implAppendEvent(s, &ev);
    if (!e && seq) *seq = ev.seq;
    return e;
}

/* Every row of the batch and its "submitted" event commit together: one commit for the batch. */
static HgnStatus implInsertBatch(PgStore *s, const HgnJob *const *jobs, size_t n, int64_t *seqs) {
    HgnStatus e = run(s, "begin insert", "BEGIN", NULL, NULL);
    if (e) return e;
    for (size_t i = 0; i < n && !e; i++) e = insertRow(s, jobs[i], seqs ? &seqs[i] : NULL);
    if (!e) e = run(s, "commit insert", "COMMIT", NULL, NULL);
    if (e) rollback(s);
    return e;
}

static HgnStatus notFound(const char *id) {
    return hgnStatusNew(HGN_CODE_JobNotFound, NULL, "list your jobs with `huginn jobs`", "no job `%s`", id);
}

static HgnStatus implGet(PgStore *s, const char *id, HgnJob *out) {
    Params p = {0};
    pText(&p, id);
    PGresult *res;
    HgnStatus e = run(s, "get job", "SELECT " JOB_COLUMNS " FROM jobs WHERE id = $1", &p, &res);
    if (e) return e;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return notFound(id);
    }
    bool ok = readJob(res, 0, out);
    PQclear(res);
    return ok ? HGN_OK : hgnStatusNew(HGN_CODE_OutOfMemory, "job store", NULL, "reading job `%s`", id);
}

static HgnStatus implList(PgStore *s, const HgnJobFilter *f, HgnJobList *out) {
    HgnJobFilter none = {0};
    if (!f) f = &none;
    out->items = NULL;
    out->count = 0;
    int32_t mask = hgnJobFilterStateMask(f);
    out->items = NULL;
    out->count = 0;
    if (mask == -1) return HGN_OK; /* activeOnly with terminal states only: nothing matches */
    Params p = {0};
    pText(&p, f->owner);
    pInt4(&p, mask);
    pText(&p, f->afterId);
    if (f->limit) {
        pInt8(&p, (int64_t)f->limit);
    } else {
        p.types[p.n] = OID_INT8;
        p.values[p.n++] = NULL; /* LIMIT NULL: no limit */
    }
    PGresult *res;
    HgnStatus e = run(s, "list jobs",
                      "SELECT " JOB_LIST_COLUMNS " FROM jobs WHERE ($1 IS NULL OR owner = $1)"
                      " AND ($2 = 0 OR ((1 << state) & $2) <> 0) AND ($3 IS NULL OR id > $3) ORDER BY id LIMIT $4",
                      &p, &res);
    if (e) return e;
    int rows = PQntuples(res);
    if (rows > 0) {
        out->items = hgnCalloc((size_t)rows, sizeof *out->items);
        if (!out->items) {
            PQclear(res);
            return oom("listing jobs");
        }
    }
    for (int r = 0; r < rows; r++) {
        if (!readJob(res, r, &out->items[r])) {
            PQclear(res);
            hgnJobListFree(out);
            return oom("listing jobs");
        }
        out->count++;
    }
    PQclear(res);
    return HGN_OK;
}

static HgnStatus implUpdate(PgStore *s, const HgnJob *job, HgnJobState expectFrom) {
    Params p = {0};
    pJob(&p, job);
    pInt4(&p, (int32_t)expectFrom);
    PGresult *res;
    HgnStatus e = run(
        s, "update job",
        "UPDATE jobs SET owner=$2, plan_json=$3, plan_digest=$4, plan_path=$5, priority=$6, state=$7, created_ms=$8,"
        " updated_ms=$9, started_ms=$10, finished_ms=$11, attempts=$12, max_attempts=$13, not_before_ms=$14,"
        " last_error=$15, progress=$16, steps_done=$17, steps_total=$18, metrics_json=$19, artefacts_path=$20,"
        " result_text=$21, lease_owner=$22, lease_expires_ms=$23, checkpoint_path=$24, checkpoint_step=$25,"
        " cancel_requested=$26, pause_requested=$27, prompt=$28, max_tokens=$29, options_json=$30, memory_bytes=$31,"
        " cancel_requested_ms=$32, retries_json=$33 WHERE id=$1 AND state=$34",
        &p, &res);
    if (e) return e;
    int64_t n = affected(res);
    PQclear(res);
    if (n == 1) return HGN_OK;
    HgnJob cur;
    e = implGet(s, job->id, &cur);
    if (e) return e;
    HgnJobState now = cur.state;
    hgnJobClear(&cur);
    return hgnStatusNew(HGN_CODE_InvalidTransition, NULL, "read the job again and retry",
                        "job `%s` is %s now, not %s as expected", job->id, hgnJobStateName(now),
                        hgnJobStateName(expectFrom));
}

/* Claims are serialised across processes by the claim advisory lock (held to commit), so the fair-share
 * and quota decisions read the RUNNING set exactly as the previous claim left it, as SQLite's BEGIN
 * IMMEDIATE does. Other writers (cancel, completion) are not blocked: the lease UPDATE re-checks
 * state = 0 and skips rows they hold locked; a job lost that way is picked again (a few tries). */
static HgnStatus implClaim(PgStore *s, const char *leaseOwner, int64_t nowMs, int64_t leaseMs,
                           const HgnJobClaimPolicy *policy, HgnJob *out, bool *found) {
    *found = false;
    int32_t maxRunningPerOwner = policy ? policy->maxRunningPerOwner : 0;
    int64_t maxMemoryPerOwner = policy ? policy->maxMemoryPerOwner : 0;
    char *shares = hgnJobSharesJson(policy);
    if (!shares) return oom("claim: shares");
    HgnStatus e = run(s, "begin claim", "BEGIN", NULL, NULL);
    if (!e) e = run(s, "claim: lock", LOCK_CLAIM_SQL, NULL, NULL);
    for (int attempt = 0; !e && !*found && attempt < 4; attempt++) {
        /* Weighted fair share: the owner with the smallest running / weight (weights bound as JSON, $4;
         * the default $5), then the one served longest ago, then the oldest job; a queued job counts
         * only while it fits the owner's memory quota next to the owner's running jobs. */
        Params p = {0};
        pInt8(&p, nowMs);
        pInt4(&p, maxRunningPerOwner > 0 ? maxRunningPerOwner : 1 << 30);
        pInt8(&p, maxMemoryPerOwner);
        pText(&p, shares);
        pReal(&p, hgnJobSharesDefault(policy));
        PGresult *res;
        /* The running set (an index range of jobs_state_owner) is summed per owner once and joined to the
         * queued jobs, not re-summed per queued job; "last" is an index lookup in jobs_owner_started per
         * candidate owner. */
        e = run(s, "claim: pick owner",
                "WITH r AS (SELECT owner, COUNT(*) AS running, SUM(memory_bytes) AS memory FROM jobs WHERE state = 1"
                " GROUP BY owner)"
                " SELECT q.owner FROM jobs q LEFT JOIN r ON r.owner = q.owner"
                " WHERE q.state = 0 AND q.not_before_ms <= $1 AND COALESCE(r.running, 0) < $2"
                " AND ($3 <= 0 OR q.memory_bytes + COALESCE(r.memory, 0) <= $3)"
                " GROUP BY q.owner, r.running ORDER BY COALESCE(r.running, 0) / COALESCE((SELECT w.value::float8 FROM"
                " json_each_text($4::json) w WHERE w.key = q.owner), $5),"
                " (SELECT COALESCE(MAX(l.started_ms), 0) FROM jobs l WHERE l.owner = q.owner), MIN(q.id) LIMIT 1",
                &p, &res);
        if (e) break;
        if (PQntuples(res) == 0) {
            PQclear(res);
            break;
        }
        char *owner = colDup(res, 0, 0, &(bool){false});
        PQclear(res);
        if (!owner) {
            e = oom("claim");
            break;
        }
        Params q = {0};
        pText(&q, owner);
        pText(&q, leaseOwner);
        pInt8(&q, nowMs + leaseMs);
        pInt8(&q, nowMs);
        pInt8(&q, maxMemoryPerOwner);
        e = run(
            s, "claim: lease",
            "UPDATE jobs SET state = 1, lease_owner = $2, lease_expires_ms = $3, started_ms = $4, updated_ms = $4,"
            " attempts = attempts + 1 WHERE state = 0 AND id = (SELECT id FROM jobs WHERE owner = $1 AND"
            " state = 0 AND not_before_ms <= $4 AND ($5 <= 0 OR memory_bytes + (SELECT COALESCE(SUM(r.memory_bytes),"
            " 0) FROM jobs r WHERE r.owner = $1 AND r.state = 1) <= $5) ORDER BY priority DESC, id ASC LIMIT 1"
            " FOR UPDATE SKIP LOCKED) RETURNING " JOB_COLUMNS,
            &q, &res);
        hgnFree(owner);
        if (e) break;
        if (PQntuples(res) == 1) {
            if (readJob(res, 0, out))
                *found = true;
            else
                e = oom("claim");
        }
        PQclear(res);
    }
    hgnFree(shares);
    if (!e) e = run(s, "commit claim", "COMMIT", NULL, NULL);
    if (e) {
        if (*found) hgnJobClear(out);
        *found = false;
        rollback(s);
    }
    return e;
}

static HgnStatus implHeartbeat(PgStore *s, const char *id, const char *leaseOwner, int64_t untilMs) {
    Params p = {0};
    pText(&p, id);
    pText(&p, leaseOwner);
    pInt8(&p, untilMs);
    PGresult *res;
    HgnStatus e =
        run(s, "heartbeat", "UPDATE jobs SET lease_expires_ms = $3 WHERE id = $1 AND lease_owner = $2 AND state = 1",
            &p, &res);
    if (e) return e;
    int64_t n = affected(res);
    PQclear(res);
    if (n != 1)
        return hgnStatusNew(HGN_CODE_InvalidTransition, NULL,
                            "another manager took the job over after the lease expired",
                            "the lease on job `%s` is no longer held by `%s`", id, leaseOwner);
    return HGN_OK;
}

static HgnStatus implReapExpired(PgStore *s, int64_t nowMs, size_t *count) {
    *count = 0;
    Params p = {0};
    pInt8(&p, nowMs);
    PGresult *res;
    HgnStatus e = run(s, "reap expired leases",
                      "UPDATE jobs SET state = 0, lease_owner = NULL, lease_expires_ms = 0, updated_ms = $1"
                      " WHERE state = 1 AND lease_expires_ms < $1",
                      &p, &res);
    if (e) return e;
    *count = (size_t)affected(res);
    PQclear(res);
    return HGN_OK;
}

/* Compare-and-set of the mutable columns against ex, and the event, in one transaction: one UPDATE whose
 * WHERE carries every expectation (PostgreSQL re-checks it on the newest row version when a concurrent
 * writer held the row), then the event through huginn_append_event; both commit or neither does. */
static HgnStatus implTransition(PgStore *s, const HgnJob *job, const HgnJobExpect *ex, HgnJobEvent *ev) {
    Params p = {0};
    pJob(&p, job);
    pInt4(&p, (int32_t)ex->state);
    pText(&p, ex->leaseOwner);
    pInt8(&p, ex->leaseExpiredBefore);
    pInt4(&p, ex->cancelSeen ? 1 : 0);
    pInt4(&p, ex->pauseSeen ? 1 : 0);
    HgnStatus e = run(s, "begin transition", "BEGIN", NULL, NULL);
    if (e) return e;
    PGresult *res = NULL;
    e = run(s, "transition",
            "UPDATE jobs SET state=$7, updated_ms=$9, started_ms=$10, finished_ms=$11, attempts=$12,"
            " max_attempts=$13, not_before_ms=$14, last_error=$15, progress=$16, steps_done=$17, steps_total=$18,"
            " metrics_json=$19, artefacts_path=$20, result_text=$21, lease_owner=$22,"
            " lease_expires_ms = CASE WHEN $7 = 1 THEN GREATEST(lease_expires_ms, $23) ELSE $23 END,"
            " checkpoint_path=$24, checkpoint_step=$25, cancel_requested=$26, pause_requested=$27,"
            " memory_bytes=$31, cancel_requested_ms = GREATEST(cancel_requested_ms, $32), retries_json=$33"
            " WHERE id=$1 AND state=$34 AND ($35::text IS NULL OR lease_owner = $35)"
            " AND ($36 <= 0 OR lease_expires_ms < $36) AND ($37 <> 0 OR cancel_requested = 0)"
            " AND ($38 <> 0 OR pause_requested = 0)",
            &p, &res);
    bool applied = !e && affected(res) == 1;
    PQclear(res);
    if (applied && ev) e = implAppendEvent(s, ev);
    if (!e && applied) e = run(s, "commit transition", "COMMIT", NULL, NULL);
    if (e || !applied) rollback(s);
    if (e || applied) return e;
    HgnJob cur;
    if ((e = implGet(s, job->id, &cur))) return e;
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

/* The runner's poll: two flags and whether leaseOwner still holds the lease, by primary key. */
static HgnStatus implStopRequests(PgStore *s, const char *id, const char *leaseOwner, bool *cancel, bool *pause,
                                  bool *leaseHeld) {
    *cancel = *pause = *leaseHeld = false;
    Params p = {0};
    pText(&p, id);
    pText(&p, leaseOwner);
    PGresult *res;
    HgnStatus e = run(s, "stop requests",
                      "SELECT cancel_requested, pause_requested,"
                      " CASE WHEN state = 1 AND lease_owner IS NOT DISTINCT FROM $2 THEN 1 ELSE 0 END"
                      " FROM jobs WHERE id = $1",
                      &p, &res);
    if (e) return e;
    bool found = PQntuples(res) == 1;
    if (found) {
        *cancel = colInt(res, 0, 0) != 0;
        *pause = colInt(res, 0, 1) != 0;
        *leaseHeld = colInt(res, 0, 2) != 0;
    }
    PQclear(res);
    return found ? HGN_OK : notFound(id);
}

static HgnStatus implCountByState(PgStore *s, const char *owner, int64_t counts[HGN_JOB_STATE_COUNT]) {
    for (int i = 0; i < HGN_JOB_STATE_COUNT; i++) counts[i] = 0;
    Params p = {0};
    pText(&p, owner);
    PGresult *res;
    HgnStatus e = run(s, "count jobs",
                      "SELECT state, COUNT(*) FROM jobs WHERE ($1 IS NULL OR owner = $1) GROUP BY state", &p, &res);
    if (e) return e;
    for (int r = 0; r < PQntuples(res); r++) {
        int64_t k = colInt(res, r, 0);
        if (k >= 0 && k < HGN_JOB_STATE_COUNT) counts[k] = colInt(res, r, 1);
    }
    PQclear(res);
    return HGN_OK;
}

/* A range of the (state, owner, priority) index: two statements, so that neither carries an "owner
 * IS NULL OR" disjunction that could keep the planner off the index. */
static HgnStatus implCountInState(PgStore *s, HgnJobState state, const char *owner, int64_t *count) {
    *count = 0;
    Params p = {0};
    pInt4(&p, (int32_t)state);
    if (owner) pText(&p, owner);
    PGresult *res;
    HgnStatus e = run(s, "count jobs",
                      owner ? "SELECT COUNT(*) FROM jobs WHERE state = $1 AND owner = $2"
                            : "SELECT COUNT(*) FROM jobs WHERE state = $1",
                      &p, &res);
    if (e) return e;
    *count = colInt(res, 0, 0);
    PQclear(res);
    return HGN_OK;
}

static HgnStatus implEvents(PgStore *s, const char *jobId, int64_t afterSeq, size_t max, HgnJobEvent **out,
                            size_t *count) {
    *out = NULL;
    *count = 0;
    Params p = {0};
    pText(&p, jobId);
    pInt8(&p, afterSeq);
    if (max) {
        pInt8(&p, (int64_t)max);
    } else {
        p.types[p.n] = OID_INT8;
        p.values[p.n++] = NULL;
    }
    PGresult *res;
    HgnStatus e = run(s, "read events",
                      "SELECT seq, job_id, kind, from_state, to_state, steps_done, steps_total, time_ms, message"
                      " FROM events WHERE ($1 IS NULL OR job_id = $1) AND seq > $2 ORDER BY seq LIMIT $3",
                      &p, &res);
    if (e) return e;
    int rows = PQntuples(res);
    if (rows > 0 && !(*out = hgnCalloc((size_t)rows, sizeof **out))) {
        PQclear(res);
        return oom("reading events");
    }
    for (int r = 0; r < rows; r++) {
        HgnJobEvent *ev = &(*out)[r];
        bool bad = false;
        ev->seq = colInt(res, r, 0);
        snprintf(ev->jobId, sizeof ev->jobId, "%s", PQgetvalue(res, r, 1));
        ev->kind = (HgnJobEventKind)colInt(res, r, 2);
        ev->from = (HgnJobState)colInt(res, r, 3);
        ev->to = (HgnJobState)colInt(res, r, 4);
        ev->stepsDone = colInt(res, r, 5);
        ev->stepsTotal = colInt(res, r, 6);
        ev->timeMs = colInt(res, r, 7);
        ev->message = colDup(res, r, 8, &bad);
        (*count)++;
        if (bad) {
            PQclear(res);
            hgnJobEventsFree(*out, *count);
            *out = NULL;
            *count = 0;
            return oom("reading events");
        }
    }
    PQclear(res);
    return HGN_OK;
}

/* ---- locking, reconnecting ----------------------------------------------- */

/* Takes the lock and makes sure the connection is usable: a broken one is reset (PQreset) once; a
 * transaction a failed call left open is rolled back. On error the lock is released. */
static HgnStatus enter(PgStore *s, const char *what) {
    pthread_mutex_lock(&s->mu);
    if (connectionLost(s)) {
        PQreset(s->conn);
        if (connectionLost(s)) {
            HgnStatus e = lostError(s, what);
            pthread_mutex_unlock(&s->mu);
            return e;
        }
    }
    if (PQtransactionStatus(s->conn) != PQTRANS_IDLE) rollback(s);
    return HGN_OK;
}

/* After a failed call: when the connection broke, reset it once and say "run the call again". */
static bool retryAfterReset(PgStore *s, HgnStatus *e, int *tries) {
    if (!*e || *tries > 0 || !connectionLost(s)) return false;
    (*tries)++;
    PQreset(s->conn);
    if (connectionLost(s)) return false;
    HGN_WARN("jobStore", "reconnected to %s after: %s", s->where, hgnStatusMessage(*e));
    hgnStatusFree(*e);
    *e = HGN_OK;
    return true;
}

#define STORE_OP(base, what, call)                                                                                     \
    PgStore *s = (PgStore *)(base);                                                                                    \
    HgnStatus e = enter(s, what);                                                                                      \
    if (e) return e;                                                                                                   \
    int tries = 0;                                                                                                     \
    do e = (call);                                                                                                     \
    while (retryAfterReset(s, &e, &tries));                                                                            \
    pthread_mutex_unlock(&s->mu);                                                                                      \
    return e

static HgnStatus opInsert(HgnJobStore *base, const HgnJob *job) {
    const HgnJob *one[1] = {job};
    STORE_OP(base, "insert job", implInsertBatch(s, one, 1, NULL));
}
static HgnStatus opInsertBatch(HgnJobStore *base, const HgnJob *const *jobs, size_t n, int64_t *seqs) {
    STORE_OP(base, "insert jobs", implInsertBatch(s, jobs, n, seqs));
}
static HgnStatus opGet(HgnJobStore *base, const char *id, HgnJob *out) {
    STORE_OP(base, "get job", implGet(s, id, out));
}
static HgnStatus opList(HgnJobStore *base, const HgnJobFilter *f, HgnJobList *out) {
    STORE_OP(base, "list jobs", implList(s, f, out));
}
static HgnStatus opUpdate(HgnJobStore *base, const HgnJob *job, HgnJobState expectFrom) {
    STORE_OP(base, "update job", implUpdate(s, job, expectFrom));
}
static HgnStatus opClaim(HgnJobStore *base, const char *leaseOwner, int64_t nowMs, int64_t leaseMs,
                         const HgnJobClaimPolicy *policy, HgnJob *out, bool *found) {
    STORE_OP(base, "claim", implClaim(s, leaseOwner, nowMs, leaseMs, policy, out, found));
}
static HgnStatus opHeartbeat(HgnJobStore *base, const char *id, const char *leaseOwner, int64_t untilMs) {
    STORE_OP(base, "heartbeat", implHeartbeat(s, id, leaseOwner, untilMs));
}
static HgnStatus opReapExpired(HgnJobStore *base, int64_t nowMs, size_t *count) {
    STORE_OP(base, "reap expired leases", implReapExpired(s, nowMs, count));
}
static HgnStatus opCountByState(HgnJobStore *base, const char *owner, int64_t counts[HGN_JOB_STATE_COUNT]) {
    STORE_OP(base, "count jobs", implCountByState(s, owner, counts));
}
static HgnStatus opAppendEvent(HgnJobStore *base, HgnJobEvent *ev) {
    STORE_OP(base, "append event", implAppendEvent(s, ev));
}
static HgnStatus opEvents(HgnJobStore *base, const char *jobId, int64_t afterSeq, size_t max, HgnJobEvent **out,
                          size_t *count) {
    STORE_OP(base, "read events", implEvents(s, jobId, afterSeq, max, out, count));
}
static HgnStatus opCountInState(HgnJobStore *base, HgnJobState state, const char *owner, int64_t *count) {
    STORE_OP(base, "count jobs", implCountInState(s, state, owner, count));
}

static HgnStatus opTransition(HgnJobStore *base, const HgnJob *job, const HgnJobExpect *expect, HgnJobEvent *ev) {
    STORE_OP(base, "transition", implTransition(s, job, expect, ev));
}
static HgnStatus opStopRequests(HgnJobStore *base, const char *id, const char *leaseOwner, bool *cancel, bool *pause,
                                bool *leaseHeld) {
    STORE_OP(base, "stop requests", implStopRequests(s, id, leaseOwner, cancel, pause, leaseHeld));
}

static int32_t opSchemaVersion(HgnJobStore *base) { return ((PgStore *)base)->version; }

static void opClose(HgnJobStore *base) {
    PgStore *s = (PgStore *)base;
    if (!s) return;
    PQfinish(s->conn);
    pthread_mutex_destroy(&s->mu);
    hgnFree(s->where);
    if (s->password) memset(s->password, 0, strlen(s->password));
    hgnFree(s->password);
    hgnFree(s);
}

static const HgnJobStoreOps pgOps = {
    .name = "postgresql",
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

/* ---- open, migrate -------------------------------------------------------- */

/* Applies the missing migrations in one transaction under the migration advisory lock: two processes
 * opening a fresh database at once migrate it once (the second waits, then finds it current). */
static HgnStatus migrate(PgStore *s) {
    HgnStatus e = run(s, "begin migration", "BEGIN", NULL, NULL);
    if (!e) e = run(s, "migration lock", LOCK_MIGRATE_SQL, NULL, NULL);
    if (!e)
        e = run(s, "create schema_version", "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)",
                NULL, NULL);
    PGresult *res = NULL;
    if (!e) e = run(s, "read schema version", "SELECT COALESCE(MAX(version), 0) FROM schema_version", NULL, &res);
    int32_t v = res ? (int32_t)colInt(res, 0, 0) : 0;
    PQclear(res);
    if (!e && v > MIGRATION_COUNT)
        e = hgnStatusNew(HGN_CODE_StoreError, "job store", "upgrade Huginn, or restore the store from a backup",
                         "the store has schema version %d, newer than this Huginn's %d (%s)", v, MIGRATION_COUNT,
                         s->where);
    for (int32_t i = v; !e && i < MIGRATION_COUNT; i++) {
        /* Multi-statement DDL without user data: the simple query protocol. */
        res = PQexec(s->conn, migrations[i]);
        if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
            e = pgError(s, "migration", res);
        PQclear(res);
    }
    if (!e && v < MIGRATION_COUNT) {
        Params p = {0};
        pInt4(&p, MIGRATION_COUNT);
        e = run(s, "record schema version", "DELETE FROM schema_version", NULL, NULL);
        if (!e) e = run(s, "record schema version", "INSERT INTO schema_version VALUES ($1)", &p, NULL);
    }
    if (!e) e = run(s, "commit migration", "COMMIT", NULL, NULL);
    if (e) {
        rollback(s);
        return e;
    }
    s->version = MIGRATION_COUNT;
    return HGN_OK;
}

/* "PostgreSQL host=… port=… dbname=…" from the parsed connection options (no password, no other keys). */
static HgnStatus describe(PgStore *s, PQconninfoOption *opts) {
    const char *host = NULL, *hostaddr = NULL, *port = NULL, *db = NULL, *user = NULL, *pw = NULL;
    for (PQconninfoOption *o = opts; o && o->keyword; o++) {
        if (!o->val || !*o->val) continue;
        if (strcmp(o->keyword, "host") == 0) host = o->val;
        if (strcmp(o->keyword, "hostaddr") == 0) hostaddr = o->val;
        if (strcmp(o->keyword, "port") == 0) port = o->val;
        if (strcmp(o->keyword, "dbname") == 0) db = o->val;
        if (strcmp(o->keyword, "user") == 0) user = o->val;
        if (strcmp(o->keyword, "password") == 0) pw = o->val;
    }
    HgnBuf b;
    hgnBufInit(&b);
    hgnBufAppendf(&b, "PostgreSQL host=%s", host ? host : hostaddr ? hostaddr : "(default)");
    if (port) hgnBufAppendf(&b, " port=%s", port);
    hgnBufAppendf(&b, " dbname=%s", db ? db : user ? user : "(default)");
    s->where = hgnBufDetach(&b);
    if (pw) s->password = hgnStrdup(pw);
    return s->where && (!pw || s->password) ? HGN_OK : oom("opening the store");
}

/* Server notices ("relation already exists, skipping") go to the debug log, not to stderr. */
static void onNotice(void *user, const char *message) {
    (void)user;
    HGN_DEBUG("jobStore", "%.*s", (int)strcspn(message, "\n"), message);
}

HgnStatus hgnJobStoreOpenPostgres(const char *conninfo, HgnJobStore **out) {
    *out = NULL;
    if (!conninfo || !*conninfo)
        return hgnStatusNew(HGN_CODE_InvalidConfig, "store.dsn",
                            "set store.dsn to a PostgreSQL connection string, e.g."
                            " postgresql://huginn@db.example/huginn",
                            "the PostgreSQL connection string is empty");
    /* Parse first: libpq's parse errors may quote the string (and so a password), never pass them on. */
    char *parseErr = NULL;
    PQconninfoOption *opts = PQconninfoParse(conninfo, &parseErr);
    if (!opts) {
        PQfreemem(parseErr);
        return hgnStatusNew(HGN_CODE_InvalidConfig, "store.dsn",
                            "use key=value pairs (host=/run/postgresql dbname=huginn user=huginn) or a URI"
                            " (postgresql://user@host:5432/dbname)",
                            "store.dsn is not a valid PostgreSQL connection string (not shown: it may hold a"
                            " password)");
    }
    PgStore *s = hgnCalloc(1, sizeof *s);
    if (!s) {
        PQconninfoFree(opts);
        return oom("opening the store");
    }
    s->base.ops = &pgOps;
    pthread_mutex_init(&s->mu, NULL);
    HgnStatus e = describe(s, opts);
    PQconninfoFree(opts);
    if (e) {
        opClose(&s->base);
        return e;
    }
    /* Defaults first: the DSN (expanded in place of dbname) overrides them. */
    const char *const keys[] = {"connect_timeout", "fallback_application_name", "dbname", NULL};
    const char *const values[] = {"10", "huginn", conninfo, NULL};
    s->conn = PQconnectdbParams(keys, values, 1);
    if (!s->conn) {
        opClose(&s->base);
        return oom("connecting to PostgreSQL");
    }
    if (PQstatus(s->conn) != CONNECTION_OK) {
        char *msg = cleanMessage(s, PQerrorMessage(s->conn));
        e = hgnStatusNew(HGN_CODE_StoreError, "store.dsn",
                         "check that the server runs and that store.dsn names the right host, port, dbname and user"
                         " (with a password or a ~/.pgpass entry when the server asks for one)",
                         "cannot connect to %s: %s", s->where, msg ? msg : "?");
        hgnFree(msg);
        opClose(&s->base);
        return e;
    }
    PQsetNoticeProcessor(s->conn, onNotice, NULL);
    if (PQsetClientEncoding(s->conn, "UTF8") != 0) e = pgError(s, "set client encoding", NULL);
    PGresult *res = NULL;
    if (!e) e = run(s, "read synchronous_commit", "SHOW synchronous_commit", NULL, &res);
    if (!e && strcmp(PQgetvalue(res, 0, 0), "off") == 0)
        HGN_WARN("jobStore",
                 "%s runs with synchronous_commit = off: acknowledged job changes may be lost on a crash; set it to"
                 " on (docs/operations.md)",
                 s->where);
    PQclear(res);
    if (!e) e = migrate(s);
    if (e) {
        opClose(&s->base);
        return e;
    }
    *out = &s->base;
    return HGN_OK;
}
