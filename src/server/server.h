/* server.h — huginnd's shared state: configuration, token file, metrics,
 * request schemas and the job adapter, used by the routes. */
#ifndef HGN_SERVER_SERVER_H
#define HGN_SERVER_SERVER_H

#include <microhttpd.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "api/apiRequest.h"
#include "auth/tokenFile.h"
#include "huginn/config.h"
#include "huginn/metrics.h"
#include "server/jobAdapter.h"
#include "server/tls.h"

typedef struct Server {
    HgnTokenFile tokens;
    bool authEnabled;     /* false: no token file; every caller is the admin "anonymous" */
    const TlsServer *tls; /* TLS of the TCP listener; NULL for plain HTTP */
    uint64_t maxBodyBytes;
    const HgnConfig *config; /* planner.* defaults for POST /v1/plans */
    HgnMetrics *metrics;
    HgnApiSchemas *schemas;
    JobAdapter *jobs;
    atomic_bool stopping;
    atomic_bool ready;
} Server;

/* Per-listener context handed to MHD (TCP or Unix socket). */
typedef struct Listener {
    Server *server;
    bool unixSocket;
} Listener;

enum MHD_Result serverHandle(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                             const char *version, const char *uploadData, size_t *uploadSize, void **conCls);
void serverRequestDone(void *cls, struct MHD_Connection *conn, void **conCls, enum MHD_RequestTerminationCode toe);

#endif
