/* cliModel.h — recognises a model path's format from its name and first
 * bytes, so that commands can reject a non-model before doing anything
 * (the library's hgnModelDetect, huginn/planRequest.h). */
#ifndef HGN_CLI_CLIMODEL_H
#define HGN_CLI_CLIMODEL_H

#include "huginn/planRequest.h"

/* See hgnModelDetect. */
static inline HgnStatus cliModelDetect(const char *path, const char *what, const char **format) {
    return hgnModelDetect(path, what, format);
}

#endif
