/* jsonSchemaUri.c — the URI arithmetic $id and $ref need: RFC 3986 reference
 * resolution (§5.2, with dot-segment removal), fragment splitting and
 * percent-decoding. */
#include <string.h>

#include "core/alloc.h"
#include "core/jsonSchemaInt.h"
#include "core/strBuf.h"

typedef struct UriParts {
    const char *scheme, *authority, *path, *query, *fragment;
    size_t schemeLen, authorityLen, pathLen, queryLen, fragmentLen;
    bool hasScheme, hasAuthority, hasQuery, hasFragment;
} UriParts;

static bool isSchemeChar(char c, bool first) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
    if (first) return false;
    return (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

static void uriSplit(const char *s, UriParts *u) {
    memset(u, 0, sizeof *u);
    const char *p = s;
    /* scheme */
    const char *q = p;
    while (*q && isSchemeChar(*q, q == p)) q++;
    if (q > p && *q == ':') {
        u->hasScheme = true;
        u->scheme = p;
        u->schemeLen = (size_t)(q - p);
        p = q + 1;
    }
    if (p[0] == '/' && p[1] == '/') {
        u->hasAuthority = true;
        u->authority = p + 2;
        const char *e = u->authority;
        while (*e && *e != '/' && *e != '?' && *e != '#') e++;
        u->authorityLen = (size_t)(e - u->authority);
        p = e;
    }
    u->path = p;
    while (*p && *p != '?' && *p != '#') p++;
    u->pathLen = (size_t)(p - u->path);
    if (*p == '?') {
        u->hasQuery = true;
        u->query = ++p;
        while (*p && *p != '#') p++;
        u->queryLen = (size_t)(p - u->query);
    }
    if (*p == '#') {
        u->hasFragment = true;
        u->fragment = p + 1;
        u->fragmentLen = strlen(u->fragment);
    }
}

/* RFC 3986 §5.2.4 remove_dot_segments, appending the result to out. */
static void removeDotSegments(HgnBuf *out, const char *in, size_t len) {
    HgnBuf res;
    hgnBufInit(&res);
    size_t i = 0;
    while (i < len) {
        const char *s = in + i;
        size_t rest = len - i;
        if (rest >= 3 && memcmp(s, "../", 3) == 0)
            i += 3;
        else if (rest >= 2 && memcmp(s, "./", 2) == 0)
            i += 2;
        else if (rest >= 3 && memcmp(s, "/./", 3) == 0)
            i += 2;
        else if (rest == 2 && memcmp(s, "/.", 2) == 0) {
            hgnBufAppendChar(&res, '/');
            i += 2;
        } else if ((rest >= 4 && memcmp(s, "/../", 4) == 0) || (rest == 3 && memcmp(s, "/..", 3) == 0)) {
            /* drop the last segment of res */
            size_t n = res.len;
            while (n > 0 && res.data[n - 1] != '/') n--;
            if (n > 0) n--;
            res.len = n;
            if (res.data) res.data[n] = '\0';
            if (rest == 3) {
                hgnBufAppendChar(&res, '/');
                i += 3;
            } else {
                i += 3;
            }
        } else if ((rest == 1 && s[0] == '.') || (rest == 2 && memcmp(s, "..", 2) == 0)) {
            i += rest;
        } else {
            size_t j = s[0] == '/' ? 1 : 0;
            while (j < rest && s[j] != '/') j++;
            hgnBufAppend(&res, s, j);
            i += j;
        }
    }
    if (!hgnBufOk(&res))
        out->oom = true;
    else
        hgnBufAppend(out, hgnBufStr(&res), res.len);
    hgnBufFree(&res);
}

char *schemaUriResolve(const char *base, const char *ref) {
    UriParts b, r;
    uriSplit(base ? base : "", &b);
    uriSplit(ref, &r);
    HgnBuf out;
    hgnBufInit(&out);
    /* scheme */
    const UriParts *schemeFrom = r.hasScheme ? &r : &b;
    if (schemeFrom->hasScheme) {
        hgnBufAppend(&out, schemeFrom->scheme, schemeFrom->schemeLen);
        hgnBufAppendChar(&out, ':');
    }
    if (r.hasScheme || r.hasAuthority) {
        if (r.hasAuthority) {
            hgnBufAppend(&out, "//", 2);
            hgnBufAppend(&out, r.authority, r.authorityLen);
        }
        removeDotSegments(&out, r.path, r.pathLen);
        if (r.hasQuery) {
            hgnBufAppendChar(&out, '?');
            hgnBufAppend(&out, r.query, r.queryLen);
        }
    } else {
        if (b.hasAuthority) {
            hgnBufAppend(&out, "//", 2);
            hgnBufAppend(&out, b.authority, b.authorityLen);
        }
        if (r.pathLen == 0) {
            hgnBufAppend(&out, b.path, b.pathLen);
            if (r.hasQuery) {
                hgnBufAppendChar(&out, '?');
                hgnBufAppend(&out, r.query, r.queryLen);
            } else if (b.hasQuery) {
                hgnBufAppendChar(&out, '?');
                hgnBufAppend(&out, b.query, b.queryLen);
            }
        } else {
            if (r.path[0] == '/') {
                removeDotSegments(&out, r.path, r.pathLen);
            } else {
                /* merge (§5.2.3) */
                HgnBuf merged;
                hgnBufInit(&merged);
                if (b.hasAuthority && b.pathLen == 0) {
                    hgnBufAppendChar(&merged, '/');
                } else {
                    size_t n = b.pathLen;
                    while (n > 0 && b.path[n - 1] != '/') n--;
                    hgnBufAppend(&merged, b.path, n);
                }
                hgnBufAppend(&merged, r.path, r.pathLen);
                if (!hgnBufOk(&merged))
                    out.oom = true;
                else
                    removeDotSegments(&out, hgnBufStr(&merged), merged.len);
                hgnBufFree(&merged);
            }
            if (r.hasQuery) {
                hgnBufAppendChar(&out, '?');
                hgnBufAppend(&out, r.query, r.queryLen);
            }
        }
    }
    if (r.hasFragment) {
        hgnBufAppendChar(&out, '#');
        hgnBufAppend(&out, r.fragment, r.fragmentLen);
    }
    if (!hgnBufOk(&out)) {
        hgnBufFree(&out);
        return NULL;
    }
    return hgnBufDetach(&out);
}

char *schemaUriStripFragment(const char *uri, const char **fragment) {
    const char *hash = strchr(uri, '#');
    if (fragment) *fragment = hash ? hash + 1 : NULL;
    return hgnStrndup(uri, hash ? (size_t)(hash - uri) : strlen(uri));
}

static int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

char *schemaPercentDecode(const char *s, size_t len, bool *oom) {
    *oom = false;
    char *out = hgnMalloc(len + 1);
    if (!out) {
        *oom = true;
        return NULL;
    }
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '%' && i + 2 < len) {
            int hi = hexValue(s[i + 1]);
            int lo = hexValue(s[i + 2]);
            if (hi >= 0 && lo >= 0) {
                char c = (char)(hi * 16 + lo);
                if (c == '\0') {
                    hgnFree(out);
                    return NULL;
                }
                out[n++] = c;
                i += 2;
                continue;
            }
        }
        out[n++] = s[i];
    }
    out[n] = '\0';
    return out;
}
