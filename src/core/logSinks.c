/* logSinks.c — the size-rotating JSON-lines file sink of the logger.
 *
 * Safety under concurrent writers: threads are serialised by log.c's mutex;
 * processes by an exclusive flock on PATH.lock held around the size check,
 * any rotation and the write. Each record goes out in one write(2) on an
 * O_APPEND descriptor, so no line is torn; a writer whose PATH was rotated by
 * another process notices the changed inode and re-opens before writing, so
 * no line lands in a rotated file behind the rotation's back. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/logInt.h"
#include "core/strBuf.h"

void logFileInit(LogFileSink *s) {
    memset(s, 0, sizeof *s);
    s->fd = -1;
    s->lockFd = -1;
}

static int openPath(LogFileSink *s) {
    int fd = open(s->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) return errno;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return e;
    }
    if (s->fd >= 0) close(s->fd);
    s->fd = fd;
    s->dev = st.st_dev;
    s->ino = st.st_ino;
    return 0;
}

static int openLock(LogFileSink *s) {
    if (s->maxBytes == 0) return 0;
    int fd = open(s->lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) return errno;
    if (s->lockFd >= 0) close(s->lockFd);
    s->lockFd = fd;
    return 0;
}

HgnStatus logFileOpen(LogFileSink *s, const char *path, uint64_t maxBytes, int keep) {
    logFileInit(s);
    HgnBuf lock;
    hgnBufInit(&lock);
    hgnBufAppendf(&lock, "%s.lock", path);
    s->path = hgnStrdup(path);
    s->lockPath = hgnBufDetach(&lock);
    s->maxBytes = maxBytes;
    s->keep = keep < 0 ? 0 : keep;
    s->pid = getpid();
    if (!s->path || !s->lockPath) {
        logFileClose(s);
        return hgnStatusNew(HGN_CODE_OutOfMemory, NULL, NULL, "out of memory opening the log file");
    }
    int e = openPath(s);
    const char *what = s->path;
    if (!e) {
        e = openLock(s);
        what = s->lockPath;
    }
    if (e) {
        HgnStatus st = hgnStatusNew(HGN_CODE_IoError, what, "check that the directory exists and is writable",
                                    "cannot open log file: %s", strerror(e));
        logFileClose(s);
        return st;
    }
    return HGN_OK;
}

void logFileClose(LogFileSink *s) {
    if (s->fd >= 0) close(s->fd);
    if (s->lockFd >= 0) close(s->lockFd);
    hgnFree(s->path);
    hgnFree(s->lockPath);
    logFileInit(s);
}

static int lockEx(int fd) {
    while (flock(fd, LOCK_EX) != 0)
        if (errno != EINTR) return errno;
    return 0;
}

static void unlockEx(int fd) { flock(fd, LOCK_UN); }

/* Re-opens PATH when it is gone or is no longer the file we hold. */
static int followRotation(LogFileSink *s) {
    struct stat st;
    if (stat(s->path, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino) return 0;
    return openPath(s);
}

static void numbered(char *buf, size_t size, const char *path, int n) { snprintf(buf, size, "%s.%d", path, n); }

/* PATH.keep-1 → PATH.keep, …, PATH → PATH.1; with keep 0 PATH is removed. */
static int rotate(LogFileSink *s) {
    char from[PATH_MAX + 16], to[PATH_MAX + 16];
    if (s->keep == 0) {
        if (unlink(s->path) != 0 && errno != ENOENT) return errno;
    } else {
        for (int i = s->keep - 1; i >= 1; i--) {
            numbered(from, sizeof from, s->path, i);
            numbered(to, sizeof to, s->path, i + 1);
            if (rename(from, to) != 0 && errno != ENOENT) return errno;
        }
        numbered(to, sizeof to, s->path, 1);
        if (rename(s->path, to) != 0 && errno != ENOENT) return errno;
    }
    return openPath(s);
}

static int writeAll(int fd, const char *data, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

int logFileWrite(LogFileSink *s, const char *data, size_t len) {
    if (s->fd < 0) return EBADF;
    int e = 0;
    if (s->pid != getpid()) { /* forked: the descriptors are shared with the parent */
        s->pid = getpid();
        if ((e = openPath(s)) || (e = openLock(s))) return e;
    }
    bool locked = false;
    if (s->maxBytes > 0) {
        if ((e = lockEx(s->lockFd))) return e;
        locked = true;
    }
    if ((e = followRotation(s))) goto out;
    if (s->maxBytes > 0) {
        struct stat st;
        if (fstat(s->fd, &st) != 0) {
            e = errno;
            goto out;
        }
        if (st.st_size > 0 && (uint64_t)st.st_size + len > s->maxBytes && (e = rotate(s))) goto out;
    }
    e = writeAll(s->fd, data, len);
out:
    if (locked) unlockEx(s->lockFd);
    return e;
}
