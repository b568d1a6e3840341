/* walCheckpointer.h — WAL checkpoints of the SQLite job store off the commit
 * path: a thread with its own connection copies the WAL into the database
 * while writers keep committing, instead of the committing thread doing it
 * (which stalls every submission waiting on that commit). */
#ifndef HGN_ORCHESTRATOR_WALCHECKPOINTER_H
#define HGN_ORCHESTRATOR_WALCHECKPOINTER_H

#include <pthread.h>
#include <sqlite3.h>

#include "huginn/status.h"

typedef struct WalCheckpointer WalCheckpointer;

/* Opens a connection to path (a WAL-mode database), turns the writer connection's automatic
 * checkpoints off and hooks its commits: once the WAL holds thresholdPages or more, the thread
 * checkpoints (PASSIVE: never blocks readers or writers), then repeats the pass holding
 * writerMu (the lock every write through writer holds) so that the few frames committed
 * meanwhile are copied too and the next commit starts the WAL over (it cannot grow without
 * bound under sustained load). Checkpoint failures are retried at the next trigger; the
 * database stays correct without them (the WAL just grows). */
HGN_NODISCARD HgnStatus walCheckpointerStart(const char *path, sqlite3 *writer, pthread_mutex_t *writerMu,
                                             int thresholdPages, WalCheckpointer **out);
/* Stops and joins the thread, unhooks the writer (automatic checkpoints back on) and closes the
 * connection. Call before closing the writer. NULL is a no-op. */
void walCheckpointerStop(WalCheckpointer *c);

#endif
