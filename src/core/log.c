/* log.c — structured logging: configuration, level filter, thread-local
 * context, record formatting (JSON lines and readable text) and dispatch to
 * the stderr/stream sink and the file sink (logSinks.c). Every value passes
 * through the scrubber (logScrub.c) before it reaches any sink. */
#include "huginn/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/logInt.h"
#include "core/strBuf.h"

typedef struct LogState {
    HgnLogFormat format;
    bool color;
    FILE *stream; /* NULL: stderr */
    LogFileSink file;
    bool fileErrorReported;
    bool streamErrorReported;
} LogState;

static pthread_mutex_t logMutex = PTHREAD_MUTEX_INITIALIZER;
static atomic_int logLevel = HGN_LOG_INFO;
static LogState logState = {HGN_LOG_FORMAT_TEXT, false, NULL, {NULL, NULL, -1, -1, 0, 0, 0, 0, 0}, false, false};
static pthread_once_t atforkOnce = PTHREAD_ONCE_INIT;

/* A fork while another thread holds the mutex must not leave the child with a
 * locked mutex. */
static void forkPrepare(void) {
    pthread_mutex_lock(&logMutex);
    logScrubForkPrepare();
}
static void forkParent(void) {
    logScrubForkParent();
    pthread_mutex_unlock(&logMutex);
}
static void forkChild(void) {
    logScrubForkChild();
    pthread_mutex_unlock(&logMutex);
}
static void registerAtfork(void) { pthread_atfork(forkPrepare, forkParent, forkChild); }
void logEnsureAtfork(void) { pthread_once(&atforkOnce, registerAtfork); }

static const char *const levelNames[] = {"error", "warn", "info", "debug", "trace"};

const char *hgnLogLevelName(HgnLogLevel level) {
    return (unsigned)level <= HGN_LOG_TRACE ? levelNames[level] : "unknown";
}

bool hgnLogLevelParse(const char *s, HgnLogLevel *out) {
    if (!s) return false;
    for (int i = 0; i <= HGN_LOG_TRACE; i++)
        if (strcasecmp(s, levelNames[i]) == 0) {
            *out = (HgnLogLevel)i;
            return true;
        }
    if (strcasecmp(s, "warning") == 0) {
        *out = HGN_LOG_WARN;
        return true;
    }
    return false;
}

bool hgnLogFormatParse(const char *s, HgnLogFormat *out) {
    if (!s) return false;
    if (strcasecmp(s, "text") == 0)
        *out = HGN_LOG_FORMAT_TEXT;
    else if (strcasecmp(s, "json") == 0)
        *out = HGN_LOG_FORMAT_JSON;
    else
        return false;
    return true;
}

bool hgnLogColorWanted(FILE *stream) {
    const char *noColor = getenv("NO_COLOR");
    if (noColor && noColor[0]) return false;
    const char *term = getenv("TERM");
    if (term && strcmp(term, "dumb") == 0) return false;
    return isatty(fileno(stream ? stream : stderr)) == 1;
}

void hgnLogDefaults(HgnLogConfig *cfg) {
    memset(cfg, 0, sizeof *cfg);
    cfg->level = HGN_LOG_INFO;
    cfg->format = HGN_LOG_FORMAT_TEXT;
    cfg->color = false;
    cfg->stream = NULL;
    cfg->filePath = NULL;
    cfg->fileMaxBytes = 0;
    cfg->fileKeep = 5;
}

HgnStatus hgnLogConfigure(const HgnLogConfig *cfg) {
    logEnsureAtfork();
    if (!cfg) return hgnStatusNew(HGN_CODE_InvalidArgument, NULL, NULL, "no log configuration given");
    if ((unsigned)cfg->level > HGN_LOG_TRACE)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "logging.level", "use error, warn, info, debug or trace",
                            "log level %d is out of range", (int)cfg->level);
    if (cfg->format != HGN_LOG_FORMAT_TEXT && cfg->format != HGN_LOG_FORMAT_JSON)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "logging.format", "use text or json", "log format %d is unknown",
                            (int)cfg->format);
    if (cfg->fileKeep < 0)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "logging.keep", "use 0 or more", "log files to keep is %d",
                            cfg->fileKeep);
    LogFileSink file;
    logFileInit(&file);
    if (cfg->filePath && cfg->filePath[0]) {
        HgnStatus st = logFileOpen(&file, cfg->filePath, cfg->fileMaxBytes, cfg->fileKeep);
        if (st) return st;
    }
    pthread_mutex_lock(&logMutex);
    logFileClose(&logState.file);
    logState.file = file;
    logState.format = cfg->format;
    logState.color = cfg->color;
    logState.stream = cfg->stream;
    logState.fileErrorReported = false;
    logState.streamErrorReported = false;
    atomic_store(&logLevel, (int)cfg->level);
    pthread_mutex_unlock(&logMutex);
    return HGN_OK;
}

void hgnLogShutdown(void) {
    pthread_mutex_lock(&logMutex);
    logFileClose(&logState.file);
    pthread_mutex_unlock(&logMutex);
}

bool hgnLogEnabled(HgnLogLevel level) { return (int)level <= atomic_load_explicit(&logLevel, memory_order_relaxed); }

/* ---- thread-local context ------------------------------------------------ */

typedef struct LogContext {
    HgnLogField *items; /* keys and values owned */
    size_t count, cap;
} LogContext;

static pthread_key_t contextKey;
static pthread_once_t contextOnce = PTHREAD_ONCE_INIT;

static void contextFree(void *p) {
    LogContext *c = p;
    if (!c) return;
    for (size_t i = 0; i < c->count; i++) {
        hgnFree((char *)c->items[i].key);
        hgnFree((char *)c->items[i].value);
    }
    hgnFree(c->items);
    hgnFree(c);
}

static void contextKeyCreate(void) { pthread_key_create(&contextKey, contextFree); }

static LogContext *contextGet(bool create) {
    pthread_once(&contextOnce, contextKeyCreate);
    LogContext *c = pthread_getspecific(contextKey);
    if (!c && create) {
        c = hgnCalloc(1, sizeof *c);
        if (c && pthread_setspecific(contextKey, c) != 0) {
            hgnFree(c);
            c = NULL;
        }
    }
    return c;
}

void hgnLogContextSet(const char *key, const char *value) {
    if (!key || !key[0]) return;
    LogContext *c = contextGet(value != NULL);
    if (!c) return;
    size_t i = 0;
    while (i < c->count && strcmp(c->items[i].key, key) != 0) i++;
    if (!value) {
        if (i == c->count) return;
        hgnFree((char *)c->items[i].key);
        hgnFree((char *)c->items[i].value);
        memmove(c->items + i, c->items + i + 1, (c->count - i - 1) * sizeof *c->items);
        c->count--;
        return;
    }
    char *v = hgnStrdup(value);
    if (!v) return;
    if (i < c->count) {
        hgnFree((char *)c->items[i].value);
        c->items[i].value = v;
        return;
    }
    if (c->count == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 4;
        HgnLogField *p = hgnRealloc(c->items, cap * sizeof *p);
        if (!p) {
            hgnFree(v);
            return;
        }
        c->items = p;
        c->cap = cap;
    }
    char *k = hgnStrdup(key);
    if (!k) {
        hgnFree(v);
        return;
    }
    c->items[c->count].key = k;
    c->items[c->count].value = v;
    c->count++;
}

void hgnLogContextClear(void) {
    pthread_once(&contextOnce, contextKeyCreate);
    LogContext *c = pthread_getspecific(contextKey);
    if (!c) return;
    pthread_setspecific(contextKey, NULL);
    contextFree(c);
}

/* ---- formatting -------------------------------------------------------------- */

/* Appends s escaped: JSON string escapes for control characters, invalid
 * UTF-8 replaced by U+FFFD. quoted adds the surrounding quotes. */
static void appendEscaped(HgnBuf *b, const char *s, bool quoted) {
    hgnBufAppendEscaped(b, s, strlen(s), HGN_ESC_FIX_UTF8 | HGN_ESC_NO_BF | (quoted ? 0u : HGN_ESC_BARE));
}

/* A field after merging context and call fields, scrubbed. */
typedef struct OutField {
    const char *key;
    char *value; /* owned */
} OutField;

static char *scrubbed(const char *key, const char *value) {
    if (key && logKeyIsSecret(key)) return hgnStrdup("***");
    return hgnLogScrub(value ? value : "");
}

static bool isReservedKey(const char *key) {
    return strcmp(key, "ts") == 0 || strcmp(key, "level") == 0 || strcmp(key, "component") == 0 ||
           strcmp(key, "msg") == 0;
}

static void appendJsonKey(HgnBuf *b, const char *key) {
    hgnBufAppendChar(b, ',');
    if (isReservedKey(key)) { /* never shadow the record's own keys */
        HgnBuf k;
        hgnBufInit(&k);
        hgnBufAppendf(&k, "_%s", key);
        appendEscaped(b, hgnBufStr(&k), true);
        hgnBufFree(&k);
    } else {
        appendEscaped(b, key, true);
    }
    hgnBufAppendChar(b, ':');
}

static void formatJson(HgnBuf *b, const char *ts, HgnLogLevel level, const char *component, const char *msg,
                       const OutField *fields, size_t n) {
    hgnBufAppendStr(b, "{\"ts\":\"");
    hgnBufAppendStr(b, ts);
    hgnBufAppendStr(b, "\",\"level\":\"");
    hgnBufAppendStr(b, hgnLogLevelName(level));
    hgnBufAppendStr(b, "\",\"component\":");
    appendEscaped(b, component, true);
    hgnBufAppendStr(b, ",\"msg\":");
    appendEscaped(b, msg, true);
    for (size_t i = 0; i < n; i++) {
        appendJsonKey(b, fields[i].key);
        appendEscaped(b, fields[i].value, true);
    }
    hgnBufAppendStr(b, "}\n");
}

static bool needsQuotes(const char *s) {
    if (!s[0]) return true;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= ' ' || *p == '"' || *p == '=' || *p == '\\' || *p == 0x7f) return true;
    return false;
}

static const char *const levelColors[] = {"\033[1;31m", "\033[33m", "\033[32m", "\033[36m", "\033[90m"};

static void formatText(HgnBuf *b, const char *ts, HgnLogLevel level, const char *component, const char *msg,
                       const OutField *fields, size_t n, bool color) {
    /* ts is 2026-11-29T01:02:03.123456Z: the text form shows 01:02:03.123 */
    hgnBufAppend(b, ts + 11, 12);
    hgnBufAppendChar(b, ' ');
    char lvl[8];
    snprintf(lvl, sizeof lvl, "%-5s", hgnLogLevelName(level));
    for (char *p = lvl; *p; p++) *p = (char)(*p - ('a' <= *p && *p <= 'z' ? 32 : 0));
    if (color) hgnBufAppendStr(b, levelColors[level]);
    hgnBufAppendStr(b, lvl);
    if (color) hgnBufAppendStr(b, "\033[0m");
    hgnBufAppendChar(b, ' ');
    HgnBuf comp;
    hgnBufInit(&comp);
    appendEscaped(&comp, component, false);
    if (color) hgnBufAppendStr(b, "\033[1m");
    hgnBufAppendf(b, "%-8s", hgnBufStr(&comp));
    if (color) hgnBufAppendStr(b, "\033[0m");
    hgnBufFree(&comp);
    hgnBufAppendChar(b, ' ');
    appendEscaped(b, msg, false);
    for (size_t i = 0; i < n; i++) {
        hgnBufAppendChar(b, ' ');
        if (color) hgnBufAppendStr(b, "\033[2m");
        appendEscaped(b, fields[i].key, false);
        hgnBufAppendChar(b, '=');
        if (color) hgnBufAppendStr(b, "\033[0m");
        appendEscaped(b, fields[i].value, needsQuotes(fields[i].value));
    }
    hgnBufAppendChar(b, '\n');
}

static void formatTimestamp(char *out, size_t size) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct tm tm;
    gmtime_r(&now.tv_sec, &tm);
    snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, (long)(now.tv_nsec / 1000));
}

/* ---- dispatch ------------------------------------------------------------------ */

static void reportSinkError(const char *what, const char *path, int err) {
    fprintf(stderr, "huginn: log %s%s%s failed: %s; the sink is skipped from now on\n", what, path ? " " : "",
            path ? path : "", strerror(err));
}

static void dispatch(HgnLogLevel level, const char *jsonLine, size_t jsonLen, const char *textLine, size_t textLen) {
    pthread_mutex_lock(&logMutex);
    FILE *stream = logState.stream ? logState.stream : stderr;
    const char *line = logState.format == HGN_LOG_FORMAT_JSON ? jsonLine : textLine;
    size_t len = logState.format == HGN_LOG_FORMAT_JSON ? jsonLen : textLen;
    if (!logState.streamErrorReported && line) {
        if (fwrite(line, 1, len, stream) != len || fflush(stream) != 0) {
            logState.streamErrorReported = true;
            if (stream != stderr) reportSinkError("stream", NULL, errno ? errno : EIO);
        }
    }
    if (logFileIsOpen(&logState.file) && jsonLine) {
        int e = logFileWrite(&logState.file, jsonLine, jsonLen);
        if (e) {
            reportSinkError("file", logState.file.path, e);
            logFileClose(&logState.file);
        }
    }
    pthread_mutex_unlock(&logMutex);
    (void)level;
}

void hgnLogWriteV(HgnLogLevel level, const char *component, const HgnLogField *fields, size_t nFields, const char *fmt,
                  va_list ap) {
    if ((unsigned)level > HGN_LOG_TRACE || !hgnLogEnabled(level)) return;
    logEnsureAtfork();
    int savedErrno = errno;
    HgnBuf raw, msg, json, text;
    hgnBufInit(&raw);
    hgnBufInit(&msg);
    hgnBufInit(&json);
    hgnBufInit(&text);
    hgnBufAppendfV(&raw, fmt ? fmt : "", ap);
    logScrubAppend(&msg, hgnBufStr(&raw));

    LogContext *ctx = contextGet(false);
    size_t nCtx = ctx ? ctx->count : 0, n = 0;
    OutField *out = hgnCalloc(nCtx + nFields + 1, sizeof *out);
    if (out) {
        for (size_t i = 0; i < nCtx; i++) { /* context first; a call field of the same key wins */
            bool overridden = false;
            for (size_t j = 0; j < nFields && !overridden; j++)
                overridden = fields[j].key && strcmp(fields[j].key, ctx->items[i].key) == 0;
            if (overridden) continue;
            out[n].key = ctx->items[i].key;
            out[n++].value = scrubbed(ctx->items[i].key, ctx->items[i].value);
        }
        for (size_t j = 0; j < nFields; j++) {
            if (!fields[j].key || !fields[j].key[0]) continue;
            bool dup = false;
            for (size_t k = 0; k < j && !dup; k++) dup = fields[k].key && strcmp(fields[k].key, fields[j].key) == 0;
            if (dup) continue;
            out[n].key = fields[j].key;
            out[n++].value = scrubbed(fields[j].key, fields[j].value);
        }
    }
    bool ok = out != NULL && hgnBufOk(&msg);
    for (size_t i = 0; i < n; i++) ok = ok && out[i].value;
    if (ok) {
        char ts[96];
        formatTimestamp(ts, sizeof ts);
        const char *comp = component ? component : "huginn";
        formatJson(&json, ts, level, comp, hgnBufStr(&msg), out, n);
        pthread_mutex_lock(&logMutex);
        bool wantText = logState.format == HGN_LOG_FORMAT_TEXT, color = logState.color;
        pthread_mutex_unlock(&logMutex);
        if (wantText) formatText(&text, ts, level, comp, hgnBufStr(&msg), out, n, color);
        if (hgnBufOk(&json) && hgnBufOk(&text))
            dispatch(level, hgnBufStr(&json), json.len, wantText ? hgnBufStr(&text) : NULL, text.len);
    }
    for (size_t i = 0; i < n; i++) hgnFree(out[i].value);
    hgnFree(out);
    hgnBufFree(&raw);
    hgnBufFree(&msg);
    hgnBufFree(&json);
    hgnBufFree(&text);
    errno = savedErrno;
}

void hgnLogWrite(HgnLogLevel level, const char *component, const HgnLogField *fields, size_t nFields, const char *fmt,
                 ...) {
    va_list ap;
    va_start(ap, fmt);
    hgnLogWriteV(level, component, fields, nFields, fmt, ap);
    va_end(ap);
}

void hgnLogStatus(HgnLogLevel level, const char *component, HgnStatus st) {
    if (!st || !hgnLogEnabled(level)) return;
    char code[9];
    HgnLogField f[5];
    size_t n = 0;
    f[n++] = (HgnLogField){"code", hgnCodeFormat(hgnStatusCode(st), code)};
    f[n++] = (HgnLogField){"name", hgnCodeName(hgnStatusCode(st))};
    if (hgnStatusWhere(st)) f[n++] = (HgnLogField){"where", hgnStatusWhere(st)};
    if (hgnStatusHint(st)) f[n++] = (HgnLogField){"hint", hgnStatusHint(st)};
    char *cause = NULL;
    if (hgnStatusCause(st)) {
        cause = hgnStatusToString(hgnStatusCause(st));
        if (cause) f[n++] = (HgnLogField){"cause", cause};
    }
    hgnLogWrite(level, component, f, n, "%s", hgnStatusMessage(st));
    hgnFree(cause);
}
