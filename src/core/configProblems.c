/* configProblems.c — collects every configuration problem found while
 * loading and turns them into one HGN-0001 InvalidConfig whose where and hint
 * are those of the first problem and whose message lists up to ten. */
#include <string.h>

#include "core/alloc.h"
#include "core/configInt.h"

enum { MAX_LISTED = 10 };

void problemsInit(ConfigProblems *p) {
    memset(p, 0, sizeof *p);
    hgnBufInit(&p->text);
}

void problemsFree(ConfigProblems *p) {
    hgnFree(p->where);
    hgnFree(p->hint);
    hgnBufFree(&p->text);
    memset(p, 0, sizeof *p);
}

static void addV(ConfigProblems *p, const char *where, const char *hint, const char *fmt, va_list ap) {
    p->count++;
    if (p->count == 1) {
        p->where = where ? hgnStrdup(where) : NULL;
        p->hint = hint ? hgnStrdup(hint) : NULL;
        if ((where && !p->where) || (hint && !p->hint)) p->oom = true;
        hgnBufAppendfV(&p->text, fmt, ap);
    } else if (p->count <= MAX_LISTED) {
        hgnBufAppendf(&p->text, "; also at %s: ", where ? where : "?");
        hgnBufAppendfV(&p->text, fmt, ap);
    }
    if (!hgnBufOk(&p->text)) p->oom = true;
}

void problemsAdd(ConfigProblems *p, const char *where, const char *hint, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    addV(p, where, hint, fmt, ap);
    va_end(ap);
}

void problemsAddStatus(ConfigProblems *p, HgnStatus st) {
    if (!st) return;
    if (hgnStatusCode(st) == HGN_CODE_OutOfMemory)
        p->oom = true;
    else
        problemsAdd(p, hgnStatusWhere(st), hgnStatusHint(st), "%s", hgnStatusMessage(st));
    hgnStatusFree(st);
}

HgnStatus problemsTake(ConfigProblems *p) {
    HgnStatus st = HGN_OK;
    if (p->oom) {
        st = hgnStatusNew(HGN_CODE_OutOfMemory, NULL, NULL, "out of memory while loading the configuration");
    } else if (p->count > 0) {
        if (p->count > MAX_LISTED) hgnBufAppendf(&p->text, "; and %zu more", p->count - MAX_LISTED);
        st = hgnStatusNew(HGN_CODE_InvalidConfig, p->where, p->hint, "%s", hgnBufStr(&p->text));
    }
    problemsFree(p);
    return st;
}
