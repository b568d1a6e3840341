/* log.h — structured logging for Huginn.
 *
 * Records carry an RFC 3339 timestamp with microseconds, a level, a component,
 * a message and context fields (jobId, planNodeId, correlationId, …). Sinks:
 * stderr (readable text with optional colour, or JSON lines) and an optional
 * size-rotating file (JSON lines). Every sink scrubs secrets: bearer tokens and
 * any value registered with hgnLogAddSecret. Thread-safe; several processes
 * may append to one file without torn or lost lines. Logging never fails the
 * caller: a sink error is reported once on stderr and the sink is skipped. */
#ifndef HUGINN_LOG_H
#define HUGINN_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "huginn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum HgnLogLevel {
    HGN_LOG_ERROR = 0,
    HGN_LOG_WARN = 1,
    HGN_LOG_INFO = 2,
    HGN_LOG_DEBUG = 3,
    HGN_LOG_TRACE = 4,
} HgnLogLevel;

typedef enum HgnLogFormat { HGN_LOG_FORMAT_TEXT, HGN_LOG_FORMAT_JSON } HgnLogFormat;

typedef struct HgnLogConfig {
    HgnLogLevel level;     /* records above this level are dropped */
    HgnLogFormat format;   /* of the stderr sink; the file sink is always JSON */
    bool color;            /* ANSI colours in text format */
    FILE *stream;          /* stderr sink stream (NULL: stderr) */
    const char *filePath;  /* NULL: no file sink */
    uint64_t fileMaxBytes; /* rotate when the file would exceed this (0: never) */
    int fileKeep;          /* rotated files kept: PATH.1 … PATH.N */
} HgnLogConfig;

typedef struct HgnLogField {
    const char *key;
    const char *value;
} HgnLogField;

/* Applies cfg (copied). Safe to call again at any time. */
HGN_NODISCARD HgnStatus hgnLogConfigure(const HgnLogConfig *cfg);
void hgnLogDefaults(HgnLogConfig *cfg);
/* Closes the file sink; logging continues on stderr. */
void hgnLogShutdown(void);
bool hgnLogEnabled(HgnLogLevel level);

/* Parses "error|warn|info|debug|trace". */
bool hgnLogLevelParse(const char *s, HgnLogLevel *out);
const char *hgnLogLevelName(HgnLogLevel level);
/* Parses "text|json". */
bool hgnLogFormatParse(const char *s, HgnLogFormat *out);
/* Colour decision for color = auto: stream is a terminal, NO_COLOR is unset
 * or empty and TERM is not "dumb". */
bool hgnLogColorWanted(FILE *stream);

/* Registers a secret value: it is replaced by *** in every sink. Copied. */
void hgnLogAddSecret(const char *value);
void hgnLogClearSecrets(void);
/* Scrubs secrets and bearer tokens from s; returns a new string (caller frees). */
char *hgnLogScrub(const char *s);

/* Thread-local context fields added to every record of this thread. */
void hgnLogContextSet(const char *key, const char *value); /* value NULL removes */
void hgnLogContextClear(void);

void hgnLogWrite(HgnLogLevel level, const char *component, const HgnLogField *fields, size_t nFields, const char *fmt,
                 ...) HGN_PRINTF(5, 6);
void hgnLogWriteV(HgnLogLevel level, const char *component, const HgnLogField *fields, size_t nFields, const char *fmt,
                  va_list ap);
/* Logs an error status (code, name, where, hint as fields) at level. */
void hgnLogStatus(HgnLogLevel level, const char *component, HgnStatus st);

#define HGN_LOG(level, component, ...)                                                                                 \
    do {                                                                                                               \
        if (hgnLogEnabled(level)) hgnLogWrite(level, component, NULL, 0, __VA_ARGS__);                                 \
    } while (0)
#define HGN_ERROR(component, ...) HGN_LOG(HGN_LOG_ERROR, component, __VA_ARGS__)
#define HGN_WARN(component, ...)  HGN_LOG(HGN_LOG_WARN, component, __VA_ARGS__)
#define HGN_INFO(component, ...)  HGN_LOG(HGN_LOG_INFO, component, __VA_ARGS__)
#define HGN_DEBUG(component, ...) HGN_LOG(HGN_LOG_DEBUG, component, __VA_ARGS__)
#define HGN_TRACE(component, ...) HGN_LOG(HGN_LOG_TRACE, component, __VA_ARGS__)

#ifdef __cplusplus
}
#endif
#endif
