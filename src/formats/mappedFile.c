/* mappedFile.c — read-only private mappings of model files (see mappedFile.h). */
#include "formats/mappedFile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"

static void clear(HgnMappedFile *m) {
    m->data = NULL;
    m->size = 0;
    m->path = NULL;
    m->mapBase = NULL;
    m->mapLen = 0;
}

HgnStatus hgnMappedFileOpen(const char *path, HgnMappedFile *out) {
    clear(out);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT || e == ENOTDIR)
            return hgnStatusNew(HGN_CODE_NotFound, path, "check the path", "no such file: %s", strerror(e));
        return hgnStatusNew(HGN_CODE_IoError, path, NULL, "cannot open: %s", strerror(e));
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return hgnStatusNew(HGN_CODE_IoError, path, NULL, "cannot stat: %s", strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return hgnStatusNew(HGN_CODE_IoError, path, "pass a regular file", "not a regular file");
    }
    out->path = hgnStrdup(path);
    if (!out->path) {
        close(fd);
        return hgnStatusNew(HGN_CODE_OutOfMemory, path, NULL, "out of memory");
    }
    out->size = (uint64_t)st.st_size;
    if (st.st_size > 0) {
        if ((uint64_t)st.st_size > SIZE_MAX) {
            close(fd);
            hgnMappedFileClose(out);
            return hgnStatusNew(HGN_CODE_IoError, path, NULL, "file too large to map");
        }
        void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            int e = errno;
            close(fd);
            hgnMappedFileClose(out);
            return hgnStatusNew(HGN_CODE_IoError, path, NULL, "cannot mmap %lld bytes: %s", (long long)st.st_size,
                                strerror(e));
        }
        out->mapBase = p;
        out->mapLen = (size_t)st.st_size;
        out->data = p;
    }
    close(fd);
    return HGN_OK;
}

HgnStatus hgnMappedFileFromMemory(const void *data, size_t size, const char *name, HgnMappedFile *out) {
    clear(out);
    out->path = hgnStrdup(name ? name : "<memory>");
    if (!out->path) return hgnStatusNew(HGN_CODE_OutOfMemory, name, NULL, "out of memory");
    out->data = size ? data : NULL;
    out->size = size;
    return HGN_OK;
}

void hgnMappedFileClose(HgnMappedFile *m) {
    if (!m) return;
    if (m->mapLen) munmap(m->mapBase, m->mapLen);
    hgnFree(m->path);
    clear(m);
}
