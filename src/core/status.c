/* status.c — HgnStatus error objects and the HGN-xxxx code table (see status.h). */
#include "huginn/status.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/strBuf.h"

struct HgnError {
    HgnCode code;
    char *message;
    char *where;
    char *hint;
    HgnError *cause;
    bool isStatic;
};

static HgnError oomError = {HGN_CODE_OutOfMemory,
                            "out of memory while reporting an error",
                            NULL,
                            "free memory or lower the workload size",
                            NULL,
                            true};

typedef struct CodeRow {
    HgnCode code;
    const char *name;
    int exitStatus;
    const char *description;
} CodeRow;

static const CodeRow codeTable[] = {
#define X(num, name, exitStatus, desc) {(HgnCode)(num), #name, exitStatus, desc},
#include "huginn/errorCodes.def"
#undef X
};
static const int nCodes = (int)(sizeof(codeTable) / sizeof(codeTable[0]));

static const CodeRow *findCode(HgnCode code) {
    for (int i = 0; i < nCodes; i++)
        if (codeTable[i].code == code) return &codeTable[i];
    return NULL;
}

const char *hgnCodeName(HgnCode code) {
    if (code == HGN_CODE_OK) return "Ok";
    const CodeRow *r = findCode(code);
    return r ? r->name : "Unknown";
}

const char *hgnCodeDescription(HgnCode code) {
    if (code == HGN_CODE_OK) return "success";
    const CodeRow *r = findCode(code);
    return r ? r->description : "unknown error code";
}

int hgnCodeExitStatus(HgnCode code) {
    if (code == HGN_CODE_OK) return 0;
    const CodeRow *r = findCode(code);
    return r ? r->exitStatus : 1;
}

char *hgnCodeFormat(HgnCode code, char *buf) {
    unsigned n = (unsigned)code % 10000u;
    memcpy(buf, "HGN-", 4);
    for (int i = 7; i >= 4; i--, n /= 10) buf[i] = (char)('0' + n % 10);
    buf[8] = '\0';
    return buf;
}

bool hgnCodeAt(int index, HgnCode *code) {
    if (index < 0 || index >= nCodes) return false;
    *code = codeTable[index].code;
    return true;
}

HgnStatus hgnStatusNewV(HgnCode code, const char *where, const char *hint, const char *fmt, va_list ap) {
    HgnError *e = hgnCalloc(1, sizeof *e);
    if (!e) return &oomError;
    e->code = code == HGN_CODE_OK ? HGN_CODE_InternalError : code;
    HgnBuf b;
    hgnBufInit(&b);
    hgnBufAppendfV(&b, fmt ? fmt : "", ap);
    e->message = hgnBufDetach(&b);
    e->where = where ? hgnStrdup(where) : NULL;
    e->hint = hint ? hgnStrdup(hint) : NULL;
    if (!e->message || (where && !e->where) || (hint && !e->hint)) {
        hgnStatusFree(e);
        return &oomError;
    }
    return e;
}

HgnStatus hgnStatusNew(HgnCode code, const char *where, const char *hint, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    HgnStatus st = hgnStatusNewV(code, where, hint, fmt, ap);
    va_end(ap);
    return st;
}

HgnStatus hgnStatusWrap(HgnStatus cause, HgnCode code, const char *where, const char *hint, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    HgnStatus st = hgnStatusNewV(code, where, hint, fmt, ap);
    va_end(ap);
    if (st->isStatic) {
        hgnStatusFree(cause);
        return st;
    }
    st->cause = cause;
    return st;
}

static HgnStatus replaceField(HgnStatus st, char **field, const char *value) {
    if (!st || st->isStatic) return st;
    char *copy = value ? hgnStrdup(value) : NULL;
    if (value && !copy) return st; /* keep the old value rather than lose the error */
    hgnFree(*field);
    *field = copy;
    return st;
}

HgnStatus hgnStatusSetWhere(HgnStatus st, const char *where) { return st ? replaceField(st, &st->where, where) : st; }
HgnStatus hgnStatusSetHint(HgnStatus st, const char *hint) { return st ? replaceField(st, &st->hint, hint) : st; }

HgnStatus hgnStatusPrefixWhere(HgnStatus st, const char *prefix) {
    if (!st || st->isStatic || !prefix) return st;
    HgnBuf b;
    hgnBufInit(&b);
    hgnBufAppendStr(&b, prefix);
    if (st->where && st->where[0]) hgnBufAppendf(&b, ":%s", st->where);
    char *s = hgnBufDetach(&b);
    if (!s) return st;
    hgnFree(st->where);
    st->where = s;
    return st;
}

void hgnStatusFree(HgnStatus st) {
    while (st && !st->isStatic) {
        HgnError *cause = st->cause;
        hgnFree(st->message);
        hgnFree(st->where);
        hgnFree(st->hint);
        hgnFree(st);
        st = cause;
    }
}

HgnCode hgnStatusCode(HgnStatus st) { return st ? st->code : HGN_CODE_OK; }
const char *hgnStatusMessage(HgnStatus st) { return st ? st->message : ""; }
const char *hgnStatusWhere(HgnStatus st) { return st ? st->where : NULL; }
const char *hgnStatusHint(HgnStatus st) { return st ? st->hint : NULL; }
HgnStatus hgnStatusCause(HgnStatus st) { return st ? st->cause : HGN_OK; }

char *hgnStatusToString(HgnStatus st) {
    HgnBuf b;
    hgnBufInit(&b);
    if (!st) return hgnStrdup("ok");
    for (HgnStatus e = st; e; e = e->cause) {
        char code[9];
        if (e != st) hgnBufAppendStr(&b, "\n  caused by: ");
        hgnBufAppendf(&b, "%s %s", hgnCodeFormat(e->code, code), hgnCodeName(e->code));
        if (e->where && e->where[0]) hgnBufAppendf(&b, " at %s", e->where);
        hgnBufAppendf(&b, ": %s", e->message);
        if (e->hint && e->hint[0]) hgnBufAppendf(&b, "\n  hint: %s", e->hint);
    }
    return hgnBufDetach(&b);
}

static void appendErrorJson(HgnBuf *b, HgnStatus e) {
    char code[9];
    hgnBufAppendStr(b, "{\"code\":");
    hgnCodeFormat(e->code, code);
    hgnBufAppendJsonString(b, code, strlen(code));
    hgnBufAppendStr(b, ",\"name\":");
    hgnBufAppendJsonString(b, hgnCodeName(e->code), strlen(hgnCodeName(e->code)));
    hgnBufAppendStr(b, ",\"message\":");
    hgnBufAppendJsonString(b, e->message, strlen(e->message));
    hgnBufAppendStr(b, ",\"where\":");
    if (e->where)
        hgnBufAppendJsonString(b, e->where, strlen(e->where));
    else
        hgnBufAppendStr(b, "null");
    hgnBufAppendStr(b, ",\"hint\":");
    if (e->hint)
        hgnBufAppendJsonString(b, e->hint, strlen(e->hint));
    else
        hgnBufAppendStr(b, "null");
    if (e->cause) {
        hgnBufAppendStr(b, ",\"cause\":");
        appendErrorJson(b, e->cause);
    }
    hgnBufAppendChar(b, '}');
}

char *hgnStatusToJson(HgnStatus st) {
    if (!st) return hgnStrdup("{\"error\":null}");
    HgnBuf b;
    hgnBufInit(&b);
    hgnBufAppendStr(&b, "{\"error\":");
    appendErrorJson(&b, st);
    hgnBufAppendChar(&b, '}');
    return hgnBufDetach(&b);
}
