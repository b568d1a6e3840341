/* fmtError.h — building the errors of the model-file readers, whose `where`
 * is always the file path followed by the offset or field concerned. */
#ifndef HGN_FORMATS_FMTERROR_H
#define HGN_FORMATS_FMTERROR_H

#include <stdint.h>

#include "huginn/status.h"

/* where = "PATH:offset N" */
HgnStatus hgnFmtErrorAt(HgnCode code, const char *path, uint64_t offset, const char *hint, const char *fmt, ...)
    HGN_PRINTF(5, 6);
/* where = "PATH:FIELD" (just PATH when field is NULL) */
HgnStatus hgnFmtErrorIn(HgnCode code, const char *path, const char *field, const char *hint, const char *fmt, ...)
    HGN_PRINTF(5, 6);

#endif
