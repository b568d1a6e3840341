/* fileIo.h — reading and writing files whole: read a stream to its end,
 * write-all at an offset, and
 * atomic replacement (PATH.tmp written, sized, fsynced, renamed over PATH,
 * directory fsynced), so a reader sees the old file or the new one, never a
 * torn one. Used by the model writers; checkpoints use it too. */
#ifndef HGN_CORE_FILEIO_H
#define HGN_CORE_FILEIO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/strBuf.h"
#include "huginn/status.h"

/* Writes n bytes of p at offset at, retrying short writes and EINTR.
 * False with errno set on failure. */
bool hgnFileWriteAllAt(int fd, const void *p, uint64_t n, uint64_t at);

/* Appends the rest of stream f to out. Returns 0, or the errno of a read
 * error; an allocation failure leaves out failed (check hgnBufOk). */
int hgnFileReadStream(FILE *f, HgnBuf *out);

/* Reads the whole file at path into out (appended), refusing files larger
 * than maxBytes. Errors name path and `what` ("the plan"): NotFound (14) or
 * IoError (11) with hint, InvalidArgument (15) when too large, OutOfMemory. */
HGN_NODISCARD HgnStatus hgnFileReadAll(const char *path, uint64_t maxBytes, const char *what, const char *hint,
                                       HgnBuf *out);

/* A file being written in place of path. Errors are sticky: after one,
 * writes do nothing and hgnAtomicFileCommit reports it. */
typedef struct HgnAtomicFile {
    const char *path; /* borrowed */
    const char *what; /* for messages: "cannot write <what>: ..." (NULL: "cannot write: ...") */
    HgnBuf tmp;       /* PATH.tmp */
    int fd;
    int err; /* first errno, 0 while all is well */
} HgnAtomicFile;

/* Creates (truncates) PATH.tmp. On failure nothing is left to clean up. */
HGN_NODISCARD HgnStatus hgnAtomicFileOpen(HgnAtomicFile *f, const char *path, const char *what);
/* Writes n bytes of p at offset at of the new file. False once any write failed. */
bool hgnAtomicFileWriteAt(HgnAtomicFile *f, const void *p, uint64_t n, uint64_t at);
/* Sizes the new file to size bytes (unwritten ranges read as zeros), fsyncs
 * it, renames it over path and fsyncs the directory. On any failure (also an
 * earlier write's) the temporary file is removed and an HGN_CODE_IoError
 * naming path is returned. Always releases f. */
HGN_NODISCARD HgnStatus hgnAtomicFileCommit(HgnAtomicFile *f, uint64_t size);
/* Gives up: closes and removes the temporary file, releases f. */
void hgnAtomicFileAbort(HgnAtomicFile *f);

#endif
