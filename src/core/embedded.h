/* embedded.h — data files compiled into libhuginn (config/, schemas/, registry/).
 * Returns the bytes (NUL-terminated, size excludes the NUL) of the file at the
 * repository-relative path `name`, or NULL when no such file was embedded. */
#ifndef HGN_CORE_EMBEDDED_H
#define HGN_CORE_EMBEDDED_H
#include <stddef.h>
const unsigned char *hgnEmbeddedGet(const char *name, size_t *size);
#endif
