/* configLogging.c — turns the logging.* section of a loaded configuration
 * into the HgnLogConfig that hgnLogConfigure applies. */
#include "core/configInt.h"
#include "huginn/config.h"
#include "huginn/log.h"

#include <string.h>

HgnStatus hgnConfigLogSettings(const HgnConfig *cfg, HgnLogConfig *out) {
    if (!cfg || !out) return hgnStatusNew(HGN_CODE_InvalidArgument, NULL, NULL, "no configuration or output");
    FILE *stream = out->stream;
    hgnLogDefaults(out);
    out->stream = stream;
    const char *level = hgnConfigGetString(cfg, "logging.level", "info");
    const char *format = hgnConfigGetString(cfg, "logging.format", "text");
    const char *color = hgnConfigGetString(cfg, "logging.color", "auto");
    if (!hgnLogLevelParse(level, &out->level) || !hgnLogFormatParse(format, &out->format))
        return hgnStatusNew(HGN_CODE_InternalError, "logging", NULL, "validated logging settings do not parse");
    out->color = strcmp(color, "always") == 0 || (strcmp(color, "auto") == 0 && hgnLogColorWanted(stream));
    const char *file = hgnConfigGetString(cfg, "logging.file", "");
    out->filePath = file[0] ? file : NULL;
    out->fileMaxBytes = (uint64_t)hgnConfigGetInt(cfg, "logging.maxBytes", 0);
    out->fileKeep = (int)hgnConfigGetInt(cfg, "logging.keep", 5);
    return HGN_OK;
}
