/* cliHttp.c — the CLI's HTTP client for huginnd on libcurl: JSON requests,
 * a server-sent event reader and HGN error bodies mapped back to statuses.
 * The bearer token goes only into the Authorization header. */
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cli/cliHttp.h"
#include "core/alloc.h"
#include "huginn/log.h"

static void curlInitOnce(void) {
    static bool done = false;
    if (!done) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        done = true;
    }
}

static size_t collect(char *data, size_t size, size_t n, void *p) {
    HgnBuf *b = p;
    hgnBufAppend(b, data, size * n);
    return hgnBufOk(b) ? size * n : 0;
}

static char *joinUrl(const char *base, const char *path) {
    size_t bl = strlen(base);
    while (bl > 0 && base[bl - 1] == '/') bl--;
    size_t n = bl + strlen(path) + 1;
    char *u = hgnMalloc(n);
    if (u) snprintf(u, n, "%.*s%s", (int)bl, base, path);
    return u;
}

static const char *transportHint(CURLcode rc) {
    switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
        return "start huginnd (docs/operations.md) or point --server / server.url at a running one";
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
        return "give the CA that signed huginnd's certificate with --cacert or server.tls.caFile";
    case CURLE_SSL_CERTPROBLEM:
        return "check the client certificate and key (--cert/--key, server.tls.clientCert/clientKey)";
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
        return "if huginnd requires client certificates, give one it trusts with --cert/--key; an http:// URL "
               "to an HTTPS port fails this way too";
    default:
        return "check the server URL and that huginnd is running";
    }
}

static HgnStatus transportError(const char *url, CURLcode rc, const char *detail) {
    const char *hint = transportHint(rc);
    return hgnStatusNew(HGN_CODE_IoError, url, hint, "cannot reach the server at %s: %s", url,
                        detail && *detail ? detail : curl_easy_strerror(rc));
}

/* True for an http:// URL whose host is not a loopback name or address
 * (localhost, 127.x.y.z, [::1]): a token sent there crosses the network in
 * clear text. */
static bool plainRemote(const char *url) {
    if (strncasecmp(url, "http://", 7) != 0) return false;
    const char *host = url + 7;
    size_t n = strcspn(host, "/?#");
    const char *at = memchr(host, '@', n);
    if (at) {
        n -= (size_t)(at + 1 - host);
        host = at + 1;
    }
    size_t hl = host[0] == '[' ? strcspn(host, "]") + 1 : strcspn(host, ":/?#");
    if (hl > n) hl = n;
    if ((hl == 9 && strncasecmp(host, "localhost", 9) == 0) || (hl == 5 && strncmp(host, "[::1]", 5) == 0))
        return false;
    if (hl > 4 && strncmp(host, "127.", 4) == 0 && strspn(host, "0123456789.") == hl) return false;
    return true;
}

static CURL *openHandle(const CliHttp *h, const char *url, struct curl_slist **hdrs, const char *body) {
    curlInitOnce();
    CURL *c = curl_easy_init();
    if (!c) return NULL;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    if (h->caFile && *h->caFile) curl_easy_setopt(c, CURLOPT_CAINFO, h->caFile);
    if (h->clientCert && *h->clientCert) {
        curl_easy_setopt(c, CURLOPT_SSLCERT, h->clientCert);
        curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
    }
    if (h->clientKey && *h->clientKey) {
        curl_easy_setopt(c, CURLOPT_SSLKEY, h->clientKey);
        curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
    }
    *hdrs = curl_slist_append(*hdrs, "Accept: application/json, text/event-stream");
    if (body) *hdrs = curl_slist_append(*hdrs, "Content-Type: application/json");
    if (h->token && *h->token) {
        static bool warned = false;
        if (!warned && plainRemote(url)) {
            warned = true;
            HGN_WARN("http", "sending the API token to %s over plain HTTP; use https:// (docs/operations.md)", h->base);
        }
        size_t n = strlen(h->token) + 32;
        char *auth = hgnMalloc(n);
        if (auth) {
            snprintf(auth, n, "Authorization: Bearer %s", h->token);
            *hdrs = curl_slist_append(*hdrs, auth);
            memset(auth, 0, n);
            hgnFree(auth);
        }
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, *hdrs);
    return c;
}

HgnStatus cliHttpRequest(const CliHttp *h, const char *method, const char *path, const char *body, long *code,
                         HgnBuf *resp) {
    char *url = joinUrl(h->base, path);
    if (!url) return hgnStatusNew(HGN_CODE_OutOfMemory, "http", NULL, "out of memory");
    struct curl_slist *hdrs = NULL;
    CURL *c = openHandle(h, url, &hdrs, body);
    HgnStatus st = HGN_OK;
    if (!c) {
        st = hgnStatusNew(HGN_CODE_OutOfMemory, "http", NULL, "cannot start an HTTP request");
    } else {
        char errbuf[CURL_ERROR_SIZE] = "";
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
        if (body) {
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
        } else if (strcmp(method, "POST") == 0) {
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
        }
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
        CURLcode rc = curl_easy_perform(c);
        if (rc != CURLE_OK)
            st = transportError(url, rc, errbuf);
        else
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, code);
        curl_easy_cleanup(c);
    }
    curl_slist_free_all(hdrs);
    hgnFree(url);
    return st;
}

bool cliHttpCode(const char *text, HgnCode *out) {
    int num = 0;
    HgnCode c;
    if (!text || sscanf(text, "HGN-%d", &num) != 1) return false;
    for (int i = 0; hgnCodeAt(i, &c); i++)
        if ((int)c == num) {
            *out = c;
            return true;
        }
    return false;
}

HgnStatus cliHttpError(const CliHttp *h, const char *path, long code, const char *body) {
    json_t *doc = body ? json_loads(body, 0, NULL) : NULL;
    json_t *e = json_object_get(doc, "error");
    HgnCode hc = HGN_CODE_InternalError;
    bool known = cliHttpCode(json_string_value(json_object_get(e, "code")), &hc);
    HgnStatus st;
    if (known) {
        const char *msg = json_string_value(json_object_get(e, "message"));
        const char *where = json_string_value(json_object_get(e, "where"));
        const char *hint = json_string_value(json_object_get(e, "hint"));
        st = hgnStatusNew(hc, where ? where : path, hint, "%s (server answered HTTP %ld)", msg ? msg : "error", code);
    } else {
        st = hgnStatusNew(code == 401 || code == 403 ? HGN_CODE_PermissionDenied : HGN_CODE_IoError, path,
                          "check the server URL", "%s%s answered HTTP %ld without an HGN error", h->base, path, code);
    }
    json_decref(doc);
    return st;
}

typedef struct Sse {
    HgnBuf line, event, data;
    CliSseFn fn;
    void *p;
    bool stopped;
} Sse;

static void sseLine(Sse *s, const char *l, size_t n) {
    if (n == 0) { /* dispatch */
        if (s->data.len || s->event.len) {
            if (!s->fn(s->p, s->event.len ? hgnBufStr(&s->event) : "message", hgnBufStr(&s->data))) s->stopped = true;
        }
        hgnBufClear(&s->event);
        hgnBufClear(&s->data);
        return;
    }
    if (l[0] == ':') return;
    const char *colon = memchr(l, ':', n);
    size_t fl = colon ? (size_t)(colon - l) : n;
    const char *v = colon ? colon + 1 : l + n;
    size_t vl = colon ? n - fl - 1 : 0;
    if (vl && *v == ' ') v++, vl--;
    if (fl == 5 && memcmp(l, "event", 5) == 0) {
        hgnBufClear(&s->event);
        hgnBufAppend(&s->event, v, vl);
    } else if (fl == 4 && memcmp(l, "data", 4) == 0) {
        if (s->data.len) hgnBufAppendChar(&s->data, '\n');
        hgnBufAppend(&s->data, v, vl);
    }
}

static size_t sseWrite(char *data, size_t size, size_t n, void *p) {
    Sse *s = p;
    size_t total = size * n;
    for (size_t i = 0; i < total && !s->stopped; i++) {
        if (data[i] == '\n') {
            size_t len = s->line.len;
            if (len && s->line.data[len - 1] == '\r') len--;
            sseLine(s, s->line.data ? s->line.data : "", len);
            hgnBufClear(&s->line);
        } else {
            hgnBufAppendChar(&s->line, data[i]);
        }
    }
    if (!hgnBufOk(&s->line) || !hgnBufOk(&s->data) || !hgnBufOk(&s->event)) return 0;
    return s->stopped ? 0 : total;
}

HgnStatus cliHttpEvents(const CliHttp *h, const char *path, CliSseFn fn, void *p) {
    char *url = joinUrl(h->base, path);
    if (!url) return hgnStatusNew(HGN_CODE_OutOfMemory, "http", NULL, "out of memory");
    struct curl_slist *hdrs = NULL;
    CURL *c = openHandle(h, url, &hdrs, NULL);
    HgnStatus st = HGN_OK;
    Sse s = {.fn = fn, .p = p};
    hgnBufInit(&s.line);
    hgnBufInit(&s.event);
    hgnBufInit(&s.data);
    if (!c) {
        st = hgnStatusNew(HGN_CODE_OutOfMemory, "http", NULL, "cannot start an HTTP request");
    } else {
        char errbuf[CURL_ERROR_SIZE] = "";
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sseWrite);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
        curl_easy_setopt(c, CURLOPT_FAILONERROR, 0L);
        CURLcode rc = curl_easy_perform(c);
        long code = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
        if (code >= 300) {
            /* the error body went through the event parser; fetch it again as JSON */
            HgnBuf b;
            hgnBufInit(&b);
            long c2 = 0;
            st = cliHttpRequest(h, "GET", path, NULL, &c2, &b);
            if (!st) st = cliHttpError(h, path, c2 ? c2 : code, hgnBufStr(&b));
            hgnBufFree(&b);
        } else if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && s.stopped)) {
            st = transportError(url, rc, errbuf);
        }
        curl_easy_cleanup(c);
    }
    hgnBufFree(&s.line);
    hgnBufFree(&s.event);
    hgnBufFree(&s.data);
    curl_slist_free_all(hdrs);
    hgnFree(url);
    return st;
}
