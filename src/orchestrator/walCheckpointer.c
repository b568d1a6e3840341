/* walCheckpointer.c — WAL checkpoints of the SQLite job store on their own
 * thread and connection (walCheckpointer.h). */
#include "orchestrator/walCheckpointer.h"

#include <stdbool.h>

#include "core/alloc.h"

struct WalCheckpointer {
    sqlite3 *db;     /* own connection */
    sqlite3 *writer; /* hooked */
    pthread_mutex_t *writerMu;
    int threshold;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool wanted, stop;
};

/* After every commit of the writer (its thread, inside the commit): nPages is the WAL's size. */
static int walHook(void *arg, sqlite3 *db, const char *name, int nPages) {
    (void)db;
    (void)name;
    WalCheckpointer *c = arg;
    if (nPages >= c->threshold) {
        pthread_mutex_lock(&c->mu);
        if (!c->wanted) {
            c->wanted = true;
            pthread_cond_signal(&c->cv);
        }
        pthread_mutex_unlock(&c->mu);
    }
    return SQLITE_OK;
}

static void *checkpointLoop(void *arg) {
    WalCheckpointer *c = arg;
    pthread_mutex_lock(&c->mu);
    for (;;) {
        while (!c->wanted && !c->stop) pthread_cond_wait(&c->cv, &c->mu);
        if (c->stop) break;
        c->wanted = false;
        pthread_mutex_unlock(&c->mu);
        /* the bulk of the copy, concurrent with commits */
        int nLog = 0, nDone = 0;
        int rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &nLog, &nDone);
        if (rc == SQLITE_OK && nDone < nLog) {
            /* the frames committed meanwhile, with this process's writers held off: short */
            pthread_mutex_lock(c->writerMu);
            sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &nLog, &nDone);
            pthread_mutex_unlock(c->writerMu);
        }
        pthread_mutex_lock(&c->mu);
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

HgnStatus walCheckpointerStart(const char *path, sqlite3 *writer, pthread_mutex_t *writerMu, int thresholdPages,
                               WalCheckpointer **out) {
    *out = NULL;
    WalCheckpointer *c = hgnCalloc(1, sizeof *c);
    if (!c) return hgnStatusNew(HGN_CODE_OutOfMemory, "job store", NULL, "checkpointer");
    c->writer = writer;
    c->writerMu = writerMu;
    c->threshold = thresholdPages > 0 ? thresholdPages : 1000;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    HgnStatus e = HGN_OK;
    if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK)
        e = hgnStatusNew(HGN_CODE_StoreError, "job store", NULL, "checkpointer: %s",
                         c->db ? sqlite3_errmsg(c->db) : "cannot open");
    if (!e) {
        sqlite3_busy_timeout(c->db, 5000);
        /* a first read opens the WAL on this connection; until then a checkpoint does nothing */
        if (sqlite3_exec(c->db, "SELECT COUNT(*) FROM sqlite_master", NULL, NULL, NULL) != SQLITE_OK)
            e = hgnStatusNew(HGN_CODE_StoreError, "job store", NULL, "checkpointer: %s", sqlite3_errmsg(c->db));
    }
    if (!e) {
        if (pthread_create(&c->thread, NULL, checkpointLoop, c) != 0)
            e = hgnStatusNew(HGN_CODE_InternalError, "job store", NULL, "cannot start the checkpoint thread");
    }
    if (e) {
        sqlite3_close(c->db);
        pthread_mutex_destroy(&c->mu);
        pthread_cond_destroy(&c->cv);
        hgnFree(c);
        return e;
    }
    sqlite3_wal_hook(writer, walHook, c); /* replaces the automatic checkpoint hook */
    *out = c;
    return HGN_OK;
}

void walCheckpointerStop(WalCheckpointer *c) {
    if (!c) return;
    pthread_mutex_lock(c->writerMu);
    sqlite3_wal_autocheckpoint(c->writer, 1000); /* unhooks ours */
    pthread_mutex_unlock(c->writerMu);
    pthread_mutex_lock(&c->mu);
    c->stop = true;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->thread, NULL);
    sqlite3_close(c->db);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    hgnFree(c);
}
