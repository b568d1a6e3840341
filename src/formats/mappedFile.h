/* mappedFile.h — a model file mapped read-only (mmap, PROT_READ,
 * MAP_PRIVATE), or a caller's memory buffer presented the same way so the
 * parsers (and the fuzz targets) can run on bytes that never touched disk. */
#ifndef HGN_FORMATS_MAPPEDFILE_H
#define HGN_FORMATS_MAPPEDFILE_H

#include <stddef.h>
#include <stdint.h>

#include "huginn/status.h"

typedef struct HgnMappedFile {
    const uint8_t *data; /* NULL when size is 0 */
    uint64_t size;
    char *path; /* owned; the display name for a memory buffer */
    void *mapBase;
    size_t mapLen; /* 0 when nothing is mapped (memory buffer or empty file) */
} HgnMappedFile;

/* Maps path. Missing file: HGN-0014 NotFound; other failures: HGN-0011. */
HGN_NODISCARD HgnStatus hgnMappedFileOpen(const char *path, HgnMappedFile *out);
/* Borrows data (must outlive the handle); name is copied for messages. */
HGN_NODISCARD HgnStatus hgnMappedFileFromMemory(const void *data, size_t size, const char *name, HgnMappedFile *out);
void hgnMappedFileClose(HgnMappedFile *m);

#endif
