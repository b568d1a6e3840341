/* probeUtil.c — environment, file and JSON-building helpers of the diagnostics probes. */
#include "diagnostics/probeUtil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/strBuf.h"

extern char **environ;

const char *hgnDiagEnvGet(char *const *env, const char *name) {
    char *const *e = env ? env : environ;
    if (!e || !name) return NULL;
    size_t n = strlen(name);
    for (; *e; e++) {
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=') {
            const char *v = *e + n + 1;
            return *v ? v : NULL;
        }
    }
    return NULL;
}

bool hgnDiagReadSmallFile(const char *path, size_t maxBytes, char **text) {
    *text = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    HgnBuf b;
    hgnBufInit(&b);
    char chunk[4096];
    bool ok = true;
    while (b.len < maxBytes) {
        size_t want = maxBytes - b.len < sizeof chunk ? maxBytes - b.len : sizeof chunk;
        ssize_t got = read(fd, chunk, want);
        if (got < 0) {
            if (errno == EINTR) continue;
            ok = false;
            break;
        }
        if (got == 0) break;
        if (!hgnBufAppend(&b, chunk, (size_t)got)) {
            ok = false;
            errno = ENOMEM;
            break;
        }
    }
    int savedErrno = errno;
    close(fd);
    errno = savedErrno;
    if (ok && !hgnBufAppend(&b, "", 0)) {
        ok = false;
        errno = ENOMEM;
    }
    if (!ok) {
        hgnBufFree(&b);
        return false;
    }
    *text = hgnBufDetach(&b);
    return *text != NULL;
}

char *hgnDiagPathJoin(const char *root, const char *rel) {
    HgnBuf b;
    hgnBufInit(&b);
    hgnBufAppendStr(&b, root);
    if (b.len && b.data[b.len - 1] != '/' && rel[0] != '/') hgnBufAppendChar(&b, '/');
    hgnBufAppendStr(&b, rel);
    if (!hgnBufOk(&b)) {
        hgnBufFree(&b);
        return NULL;
    }
    return hgnBufDetach(&b);
}

void hgnJbSet(HgnJsonBuild *jb, json_t *obj, const char *key, json_t *value) {
    if (jb->failed || !obj || !value) {
        jb->failed = true;
        json_decref(value);
        return;
    }
    if (json_object_set_new(obj, key, value) != 0) jb->failed = true;
}

void hgnJbSetStr(HgnJsonBuild *jb, json_t *obj, const char *key, const char *s) {
    hgnJbSet(jb, obj, key, s ? json_string(s) : json_null());
}

void hgnJbSetInt(HgnJsonBuild *jb, json_t *obj, const char *key, int64_t v) {
    hgnJbSet(jb, obj, key, json_integer((json_int_t)v));
}

void hgnJbSetBool(HgnJsonBuild *jb, json_t *obj, const char *key, bool v) { hgnJbSet(jb, obj, key, json_boolean(v)); }

void hgnJbAppend(HgnJsonBuild *jb, json_t *array, json_t *value) {
    if (jb->failed || !array || !value) {
        jb->failed = true;
        json_decref(value);
        return;
    }
    if (json_array_append_new(array, value) != 0) jb->failed = true;
}

void hgnJbWarn(HgnJsonBuild *jb, json_t *warnings, const char *code, const char *fmt, ...) {
    HgnBuf b;
    hgnBufInit(&b);
    va_list ap;
    va_start(ap, fmt);
    hgnBufAppendfV(&b, fmt, ap);
    va_end(ap);
    json_t *w = json_object();
    hgnJbSetStr(jb, w, "code", code);
    if (hgnBufOk(&b))
        hgnJbSetStr(jb, w, "message", hgnBufStr(&b));
    else
        jb->failed = true;
    hgnBufFree(&b);
    hgnJbAppend(jb, warnings, w);
}

json_t *hgnJbObject(HgnJsonBuild *jb) {
    json_t *o = json_object();
    if (!o) jb->failed = true;
    return o;
}

json_t *hgnJbArray(HgnJsonBuild *jb) {
    json_t *a = json_array();
    if (!a) jb->failed = true;
    return a;
}

bool hgnDiagPciBusIdNormalize(const char *in, char out[16]) {
    if (!in) return false;
    unsigned dom = 0, bus, dev, fn;
    char tail;
    if (sscanf(in, "%x:%x:%x.%x%c", &dom, &bus, &dev, &fn, &tail) == 4) {
        /* full form */
    } else if (sscanf(in, "%x:%x.%x%c", &bus, &dev, &fn, &tail) == 3) {
        dom = 0;
    } else {
        return false;
    }
    if (dom > 0xffff || bus > 0xff || dev > 0x1f || fn > 7) return false;
    snprintf(out, 16, "%04x:%02x:%02x.%x", dom, bus, dev, fn);
    return true;
}
