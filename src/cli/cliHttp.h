/* cliHttp.h — the small HTTP client (libcurl) the CLI uses to talk to
 * huginnd: JSON requests, server-sent event streams, and HGN error bodies
 * turned back into HGN statuses. */
#ifndef HGN_CLI_CLIHTTP_H
#define HGN_CLI_CLIHTTP_H

#include <stdbool.h>

#include "core/strBuf.h"
#include "huginn/status.h"

typedef struct CliHttp {
    const char *base;       /* server URL, e.g. http://127.0.0.1:8765 (no trailing slash needed) */
    const char *token;      /* bearer token or NULL; never logged */
    const char *caFile;     /* PEM CAs for the server's certificate; NULL/"" = the system CAs */
    const char *clientCert; /* PEM client certificate (mutual TLS) or NULL */
    const char *clientKey;  /* PEM key of clientCert; NULL = in clientCert's file */
} CliHttp;

/* METHOD base+path with an optional JSON body; the status code in *code and
 * the body in resp. Transport failures are HGN-0011 naming the URL. */
HgnStatus cliHttpRequest(const CliHttp *h, const char *method, const char *path, const char *body, long *code,
                         HgnBuf *resp);

/* An error status from a non-2xx answer: the HGN code of an HGN error body,
 * else an error naming the HTTP status. */
HgnStatus cliHttpError(const CliHttp *h, const char *path, long code, const char *body);

/* The code of an "HGN-NNNN" text, when it is a known code. */
bool cliHttpCode(const char *text, HgnCode *out);

/* One server-sent event; return false to stop reading. */
typedef bool (*CliSseFn)(void *p, const char *event, const char *data);

/* GET base+path as text/event-stream, calling fn per event until the stream
 * ends or fn returns false. */
HgnStatus cliHttpEvents(const CliHttp *h, const char *path, CliSseFn fn, void *p);

#endif
