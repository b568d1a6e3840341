/* logInt.h — internals shared by the logging files: secret scrubbing
 * (logScrub.c) and the size-rotating, multi-process-safe file sink
 * (logSinks.c). log.c owns configuration, formatting and dispatch. */
#ifndef HGN_CORE_LOGINT_H
#define HGN_CORE_LOGINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/strBuf.h"
#include "huginn/status.h"

/* Appends s to b with registered secrets, bearer tokens, Authorization
 * header values and URL passwords replaced by "***". */
bool logScrubAppend(HgnBuf *b, const char *s);
/* Held across fork() (with log.c's mutex) so a child never inherits a
 * secrets lock held by a thread that does not exist in it. */
void logScrubForkPrepare(void);
/* Registers the fork handlers once (called on every path that takes a lock). */
void logEnsureAtfork(void);
void logScrubForkParent(void);
void logScrubForkChild(void);
/* True when a field named key always holds a secret (password, token, …). */
bool logKeyIsSecret(const char *key);

/* One JSON-lines file. Every record is appended with a single write(2) on an
 * O_APPEND descriptor. With rotation on, each write holds an exclusive
 * flock on PATH.lock, re-opens PATH when another process rotated it (inode
 * changed), and rotates PATH → PATH.1 → … → PATH.keep when the record would
 * push PATH past maxBytes. A forked child re-opens its own descriptors. */
typedef struct LogFileSink {
    char *path;
    char *lockPath;
    int fd;
    int lockFd;
    dev_t dev;
    ino_t ino;
    pid_t pid;
    uint64_t maxBytes;
    int keep;
} LogFileSink;

void logFileInit(LogFileSink *s);
HGN_NODISCARD HgnStatus logFileOpen(LogFileSink *s, const char *path, uint64_t maxBytes, int keep);
/* Returns 0 or an errno value. */
int logFileWrite(LogFileSink *s, const char *data, size_t len);
void logFileClose(LogFileSink *s);
static inline bool logFileIsOpen(const LogFileSink *s) { return s->fd >= 0; }

#endif
