/* fileIo.c — write-all and atomic file replacement (see fileIo.h). */
#include "core/fileIo.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

bool hgnFileWriteAllAt(int fd, const void *p, uint64_t n, uint64_t at) {
    const uint8_t *q = p;
    while (n) {
        size_t chunk = n > (1u << 30) ? (1u << 30) : (size_t)n;
        ssize_t k = pwrite(fd, q, chunk, (off_t)at);
        if (k < 0 && errno == EINTR) continue;
        if (k == 0) errno = EIO;
        if (k <= 0) return false;
        q += k;
        n -= (uint64_t)k;
        at += (uint64_t)k;
    }
    return true;
}

int hgnFileReadStream(FILE *f, HgnBuf *out) {
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) hgnBufAppend(out, chunk, n);
    return ferror(f) ? (errno ? errno : EIO) : 0;
}

HgnStatus hgnFileReadAll(const char *path, uint64_t maxBytes, const char *what, const char *hint, HgnBuf *out) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return hgnStatusNew(errno == ENOENT ? HGN_CODE_NotFound : HGN_CODE_IoError, path, hint, "cannot open %s: %s",
                            what, strerror(errno));
    HgnStatus st = HGN_OK;
    char chunk[65536];
    size_t n;
    uint64_t total = 0;
    while (!st && (n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        total += n;
        if (total > maxBytes)
            st = hgnStatusNew(HGN_CODE_InvalidArgument, path, NULL, "%s exceeds %llu bytes", what,
                              (unsigned long long)maxBytes);
        else if (!hgnBufAppend(out, chunk, n))
            st = hgnStatusNew(HGN_CODE_OutOfMemory, path, NULL, "cannot read %s", what);
    }
    if (!st && ferror(f)) st = hgnStatusNew(HGN_CODE_IoError, path, hint, "cannot read %s", what);
    fclose(f);
    return st;
}

static HgnStatus ioError(const HgnAtomicFile *f, int err) {
    return hgnStatusNew(HGN_CODE_IoError, f->path, NULL, "cannot write%s%s: %s", f->what ? " " : "",
                        f->what ? f->what : "", strerror(err));
}

HgnStatus hgnAtomicFileOpen(HgnAtomicFile *f, const char *path, const char *what) {
    f->path = path;
    f->what = what;
    f->fd = -1;
    f->err = 0;
    hgnBufInit(&f->tmp);
    hgnBufAppendf(&f->tmp, "%s.tmp", path);
    if (!hgnBufOk(&f->tmp)) {
        hgnBufFree(&f->tmp);
        return hgnStatusNew(HGN_CODE_OutOfMemory, path, NULL, "out of memory");
    }
    f->fd = open(hgnBufStr(&f->tmp), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (f->fd < 0) {
        HgnStatus st = ioError(f, errno);
        hgnBufFree(&f->tmp);
        return st;
    }
    return HGN_OK;
}

bool hgnAtomicFileWriteAt(HgnAtomicFile *f, const void *p, uint64_t n, uint64_t at) {
    if (f->err) return false;
    if (n && !hgnFileWriteAllAt(f->fd, p, n, at)) f->err = errno ? errno : EIO;
    return f->err == 0;
}

void hgnAtomicFileAbort(HgnAtomicFile *f) {
    if (f->fd >= 0) close(f->fd);
    f->fd = -1;
    if (f->tmp.data) unlink(hgnBufStr(&f->tmp));
    hgnBufFree(&f->tmp);
}

/* fsyncs the directory holding path so the rename itself is durable. File
 * systems that cannot sync a directory (EINVAL) are not an error. */
static int syncParentDir(const char *path) {
    const char *slash = strrchr(path, '/');
    HgnBuf dir;
    hgnBufInit(&dir);
    if (!slash)
        hgnBufAppendChar(&dir, '.');
    else if (slash == path)
        hgnBufAppendChar(&dir, '/');
    else
        hgnBufAppend(&dir, path, (size_t)(slash - path));
    if (!hgnBufOk(&dir)) return ENOMEM;
    int err = 0;
    int fd = open(hgnBufStr(&dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        if (fsync(fd) != 0 && errno != EINVAL) err = errno;
        close(fd);
    }
    hgnBufFree(&dir);
    return err;
}

HgnStatus hgnAtomicFileCommit(HgnAtomicFile *f, uint64_t size) {
    int err = f->err;
    if (!err && (ftruncate(f->fd, (off_t)size) != 0 || fsync(f->fd) != 0)) err = errno;
    if (close(f->fd) != 0 && !err) err = errno;
    f->fd = -1;
    if (!err && rename(hgnBufStr(&f->tmp), f->path) != 0) err = errno;
    if (err) {
        HgnStatus st = ioError(f, err);
        hgnAtomicFileAbort(f);
        return st;
    }
    hgnBufFree(&f->tmp);
    err = syncParentDir(f->path);
    return err ? ioError(f, err) : HGN_OK;
}
