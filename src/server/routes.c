/* routes.c — huginnd's request handling: body accumulation with the size
 * limit, authentication (bearer token or SO_PEERCRED), the route table,
 * HGN error responses, server-sent events and per-route HTTP metrics. */
#include <jansson.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/strBuf.h"
#include "huginn/diagnostics.h"
#include "huginn/log.h"
#include "huginn/plan.h"
#include "huginn/planRequest.h"
#include "server/server.h"

typedef struct Identity {
    char user[128];
    HgnRole role;
} Identity;

typedef struct Request {
    HgnBuf body;
    bool tooLarge;
    Identity who;        /* valid when authError is HGN_OK */
    HgnStatus authError; /* from the headers, before any body byte is kept */
    double start;
    const char *route; /* metrics label */
    unsigned code;
} Request;

static double monoNow(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned httpCodeFor(HgnCode code) {
    switch (code) {
    case HGN_CODE_InvalidJson:
    case HGN_CODE_SchemaViolation:
    case HGN_CODE_PlanSchemaViolation:
    case HGN_CODE_InvalidArgument:
    case HGN_CODE_InvalidInput:
    case HGN_CODE_UsageError:
    case HGN_CODE_OverBudget:
        return 400;
    case HGN_CODE_JobNotFound:
    case HGN_CODE_NotFound:
        return 404;
    case HGN_CODE_PermissionDenied:
        return 403;
    case HGN_CODE_Unauthenticated:
        return 401;
    case HGN_CODE_RequestTooLarge:
        return 413;
    case HGN_CODE_MethodNotAllowed:
        return 405;
    case HGN_CODE_InvalidTransition:
        return 409;
    case HGN_CODE_QueueFull:
        return 429;
    case HGN_CODE_NotImplemented:
        return 501;
    default:
        return 500;
    }
}

static enum MHD_Result sendText(struct MHD_Connection *conn, Request *r, unsigned code, const char *type, char *text) {
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(text ? strlen(text) : 0, text ? text : (char *)"", MHD_RESPMEM_MUST_COPY);
    free(text);
    if (!resp) return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", type);
    if (code == 429) MHD_add_response_header(resp, "Retry-After", "1");
    if (code == 401) MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"huginnd\"");
    r->code = code;
    enum MHD_Result ret = MHD_queue_response(conn, code, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result sendJson(struct MHD_Connection *conn, Request *r, unsigned code, json_t *doc) {
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (text) {
        size_t n = strlen(text);
        char *t2 = realloc(text, n + 2);
        if (t2) {
            t2[n] = '\n';
            t2[n + 1] = 0;
            text = t2;
        }
    }
    return sendText(conn, r, code, "application/json", text);
}

/* Sends st as the HGN error JSON with the mapped status (or forced when nonzero); frees st. */
static enum MHD_Result sendError(struct MHD_Connection *conn, Request *r, HgnStatus st, unsigned forced) {
    unsigned code = forced ? forced : httpCodeFor(hgnStatusCode(st));
    char *json = hgnStatusToJson(st);
    hgnStatusFree(st);
    char *text = NULL;
    if (json) {
        text = malloc(strlen(json) + 2);
        if (text) sprintf(text, "%s\n", json);
        hgnFree(json);
    }
    return sendText(conn, r, code, "application/json", text);
}

/* ---- authentication ------------------------------------------------------- */

typedef enum AuthHeader { AUTH_NONE, AUTH_BEARER, AUTH_MALFORMED } AuthHeader;

enum { MAX_TOKEN_BYTES = 4096 };

static bool blank(char c) { return c == ' ' || c == '\t'; }

/* The Authorization header (RFC 6750): absent, "Bearer" in any case followed
 * by blanks and a token of visible ASCII (its span in *token, *len; blanks
 * around it are dropped), or anything else (malformed: another scheme, no
 * token, control characters, inner blanks, longer than MAX_TOKEN_BYTES). */
static AuthHeader bearerToken(struct MHD_Connection *conn, const char **token, size_t *len) {
    const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    *token = NULL;
    *len = 0;
    if (!h) return AUTH_NONE;
    while (blank(*h)) h++;
    if (strncasecmp(h, "Bearer", 6) != 0 || !blank(h[6])) return AUTH_MALFORMED;
    h += 6;
    while (blank(*h)) h++;
    size_t n = strlen(h);
    while (n > 0 && blank(h[n - 1])) n--;
    if (n == 0 || n > MAX_TOKEN_BYTES) return AUTH_MALFORMED;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)h[i] <= 0x20 || (unsigned char)h[i] >= 0x7f) return AUTH_MALFORMED;
    *token = h;
    *len = n;
    return AUTH_BEARER;
}

static bool peerIdentity(struct MHD_Connection *conn, Identity *id) {
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!ci) return false;
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (getsockopt(ci->connect_fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return false;
    struct passwd pw, *res = NULL;
    char buf[1024];
    if (getpwuid_r(cred.uid, &pw, buf, sizeof buf, &res) == 0 && res)
        snprintf(id->user, sizeof id->user, "%s", pw.pw_name);
    else
        snprintf(id->user, sizeof id->user, "uid:%u", (unsigned)cred.uid);
    id->role = (cred.uid == 0 || cred.uid == geteuid()) ? HGN_ROLE_ADMIN : HGN_ROLE_USER;
    return true;
}

/* HGN_OK with *id filled, else an error to send with 401. Order: a client
 * certificate is checked first (TCP with client authentication: a refused
 * one, or none under "required", ends here); then a bearer token when
 * authentication is on; then the certificate's CN (certIdentity); then the
 * Unix socket peer; then the anonymous admin when authentication is off. The
 * token itself never goes into an error or a log line. */
static HgnStatus authenticate(Listener *l, struct MHD_Connection *conn, Identity *id) {
    Server *s = l->server;
    bool certPresent = false;
    char cn[sizeof id->user];
    if (!l->unixSocket && tlsServerClientAuth(s->tls) != TLS_CLIENT_AUTH_NONE) {
        HgnStatus st = tlsServerPeer(s->tls, conn, &certPresent, cn, sizeof cn);
        if (st) return st;
        if (!certPresent && tlsServerClientAuth(s->tls) == TLS_CLIENT_AUTH_REQUIRED)
            return hgnStatusNew(HGN_CODE_Unauthenticated, "client certificate",
                                "present a client certificate signed by a CA in server.tls.clientCa",
                                "a client certificate is required");
    }
    const char *token = NULL;
    size_t tokenLen = 0;
    AuthHeader kind = bearerToken(conn, &token, &tokenLen);
    if (kind != AUTH_NONE && s->authEnabled) {
        if (kind == AUTH_MALFORMED)
            return hgnStatusNew(HGN_CODE_Unauthenticated, "Authorization", "send Authorization: Bearer TOKEN",
                                "the Authorization header is not a bearer token");
        const HgnTokenEntry *e = hgnTokenFileLookupBytes(&s->tokens, token, tokenLen);
        if (!e)
            return hgnStatusNew(HGN_CODE_Unauthenticated, "Authorization", "present a token listed in server.tokenFile",
                                "the bearer token is not valid");
        snprintf(id->user, sizeof id->user, "%s", e->user);
        id->role = e->role;
        return HGN_OK;
    }
    if (certPresent && tlsServerCertIdentity(s->tls)) {
        if (!cn[0])
            return hgnStatusNew(HGN_CODE_Unauthenticated, "client certificate",
                                "issue the certificate with one subject CN of 1-127 visible ASCII characters",
                                "the client certificate's subject CN cannot be used as a user name");
        HgnRole role = hgnTokenFileUserRole(&s->tokens, cn);
        snprintf(id->user, sizeof id->user, "%s", cn);
        id->role = role == HGN_ROLE_NONE ? HGN_ROLE_USER : role;
        return HGN_OK;
    }
    if (l->unixSocket && peerIdentity(conn, id)) return HGN_OK;
    if (!s->authEnabled) {
        snprintf(id->user, sizeof id->user, "anonymous");
        id->role = HGN_ROLE_ADMIN;
        return HGN_OK;
    }
    return hgnStatusNew(HGN_CODE_Unauthenticated, "Authorization",
                        tlsServerCertIdentity(s->tls) ? "send Authorization: Bearer TOKEN or a client certificate"
                                                      : "send Authorization: Bearer TOKEN",
                        "authentication required");
}

/* ---- server-sent events ----------------------------------------------------- */

typedef struct EventStream {
    Server *server;
    char id[128];
    int64_t afterSeq;
    HgnBuf pending;
    size_t off;
    bool done;
    bool sawEnd;    /* a state event into a terminal state was sent */
    int gracePolls; /* polls since the job looked terminal without that event */
} EventStream;

static bool terminalName(const char *s) {
    return s && (!strcmp(s, "COMPLETED") || !strcmp(s, "FAILED") || !strcmp(s, "CANCELLED"));
}

static ssize_t eventReader(void *cls, uint64_t pos, char *buf, size_t max) {
    EventStream *es = cls;
    for (int idle = 0;; idle++) {
        if (es->off < es->pending.len) {
            size_t n = es->pending.len - es->off;
            if (n > max) n = max;
            memcpy(buf, es->pending.data + es->off, n);
            es->off += n;
            return (ssize_t)n;
        }
        hgnBufClear(&es->pending);
        es->off = 0;
        if (es->done || atomic_load(&es->server->stopping)) return MHD_CONTENT_READER_END_OF_STREAM;
        json_t *events = NULL;
        bool terminal = false;
        HgnStatus st = jobAdapterEvents(es->server->jobs, es->id, es->afterSeq, &events, &terminal);
        if (st) {
            hgnStatusFree(st);
            return MHD_CONTENT_READER_END_WITH_ERROR;
        }
        size_t i;
        json_t *ev;
        json_array_foreach(events, i, ev) {
            char *data = json_dumps(ev, JSON_COMPACT);
            int64_t seq = (int64_t)json_integer_value(json_object_get(ev, "seq"));
            hgnBufAppendf(&es->pending, "id: %lld\nevent: %s\ndata: %s\n\n", (long long)seq,
                          json_string_value(json_object_get(ev, "type")), data ? data : "{}");
            free(data);
            es->afterSeq = seq;
            if (terminalName(json_string_value(json_object_get(ev, "to")))) es->sawEnd = true;
        }
        json_decref(events);
        /* The job's state may be read before its final event is stored: end
         * the stream once that event went out (or after ~2 s of waiting). */
        if (terminal && (es->sawEnd || ++es->gracePolls > 20)) {
            hgnBufAppendStr(&es->pending, "event: end\ndata: {}\n\n");
            es->done = true;
        }
        if (!hgnBufOk(&es->pending)) return MHD_CONTENT_READER_END_WITH_ERROR;
        if (es->pending.len == 0) {
            if (idle > 0 && idle % 150 == 0) hgnBufAppendStr(&es->pending, ": keepalive\n\n");
            struct timespec ts = {0, 100 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
}

static void eventFree(void *cls) {
    EventStream *es = cls;
    hgnBufFree(&es->pending);
    hgnFree(es);
}

static enum MHD_Result sendEvents(struct MHD_Connection *conn, Request *r, Server *s, const char *id) {
    EventStream *es = hgnCalloc(1, sizeof *es);
    if (!es) return MHD_NO;
    hgnBufInit(&es->pending);
    es->server = s;
    snprintf(es->id, sizeof es->id, "%s", id);
    const char *last = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Last-Event-ID");
    if (last) es->afterSeq = strtoll(last, NULL, 10);
    struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, eventReader, es, eventFree);
    if (!resp) {
        eventFree(es);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", "text/event-stream");
    MHD_add_response_header(resp, "Cache-Control", "no-cache");
    r->code = 200;
    enum MHD_Result ret = MHD_queue_response(conn, 200, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* ---- routes ------------------------------------------------------------------- */

static HgnStatus methodNotAllowed(const char *method, const char *url) {
    return hgnStatusNew(HGN_CODE_MethodNotAllowed, url, "see schemas/openapi.json for the methods of each route",
                        "method %s is not allowed on %s", method, url);
}

static enum MHD_Result submitJob(struct MHD_Connection *conn, Request *r, Server *s, const Identity *who) {
    json_t *req = NULL;
    HgnStatus st = hgnApiParseBody(s->schemas, "JobSubmit", r->body.data, r->body.len, &req);
    if (st) return sendError(conn, r, st, 400);
    json_t *plan = json_object_get(req, "plan");
    const char *planPath = json_string_value(json_object_get(req, "planPath"));
    char *planText = NULL; /* the planPath file, read once */
    if (plan) {
        st = hgnPlanValidate(plan);
        if (st) {
            char where[512];
            const char *w = hgnStatusWhere(st);
            snprintf(where, sizeof where, "/plan%s", w && w[0] == '/' && w[1] ? w : "");
            hgnStatusSetWhere(st, where);
        }
    } else {
        st = jobAdapterCheckPlanFile(s->jobs, planPath, &planText);
    }
    if (st) {
        json_decref(req);
        return sendError(conn, r, st, hgnStatusCode(st) == HGN_CODE_NotFound ? 404 : 400);
    }
    char id[64];
    st = jobAdapterSubmit(s->jobs, who->user, req, planText, id);
    hgnFree(planText);
    json_decref(req);
    if (st) return sendError(conn, r, st, 0);
    json_t *job = NULL;
    char *owner = NULL;
    st = jobAdapterGet(s->jobs, id, &job, &owner);
    hgnFree(owner);
    if (st) return sendError(conn, r, st, 0);
    HGN_INFO("server", "job %s submitted by %s", id, who->user);
    return sendJson(conn, r, 201, job);
}

/* POST /v1/plans: plans a registry id or a server-side model path (read as
 * the server, as POST /v1/jobs reads planPath) for the inline hardware or
 * this host; 200 with the plan JSON, 422 HGN-0003 when it does not fit. */
static enum MHD_Result planModel(struct MHD_Connection *conn, Request *r, Server *s) {
    json_t *req = NULL;
    HgnStatus st = hgnApiParseBody(s->schemas, "PlanRequest", r->body.data, r->body.len, &req);
    if (st) return sendError(conn, r, st, 400);
    HgnPlanItems items;
    hgnPlanItemsInit(&items);
    HgnMachine machine = {0};
    bool haveMachine = false;
    if (!st) st = hgnPlanItemsLoadModel(json_string_value(json_object_get(req, "model")), "/model", NULL, &items);
    json_t *hw = json_object_get(req, "hardware");
    if (!st && hw) {
        char *text = json_dumps(hw, JSON_COMPACT);
        st = text ? hgnMachineFromHardwareJson(text, strlen(text), "/hardware", &machine)
                  : hgnStatusNew(HGN_CODE_OutOfMemory, "/hardware", NULL, "cannot copy the hardware");
        free(text);
        haveMachine = !st;
    } else if (!st) {
        json_t *report = NULL;
        st = hgnDiagnosticsCollect(NULL, &report);
        if (!st) st = hgnMachineFromDiagnostics(report, &machine);
        json_decref(report);
        haveMachine = !st;
    }
    HgnPlanOptions opts = {0};
    HgnPlanReserve *res = NULL;
    if (!st) st = hgnPlanOptionsFromConfig(s->config, &machine, 0, &opts, &res);
    const char *policy = json_string_value(json_object_get(req, "policy"));
    const char *objective = json_string_value(json_object_get(req, "objective"));
    if (!st && policy && !hgnPlanPolicyFromName(policy, &opts.policy))
        st = hgnStatusNew(HGN_CODE_InvalidArgument, "/policy", "use balanced, locality-first or throughput-max",
                          "unknown planner policy `%s`", policy);
    if (!st && objective && !hgnPlanObjectiveFromName(objective, &opts.objective))
        st = hgnStatusNew(HGN_CODE_InvalidArgument, "/objective", "use latency or throughput",
                          "unknown planner objective `%s`", objective);
    json_t *ctxLen = json_object_get(req, "context"), *batch = json_object_get(req, "batch");
    if (ctxLen) opts.context = (uint64_t)json_integer_value(ctxLen), opts.contextFixed = true;
    if (batch) opts.batch = (uint64_t)json_integer_value(batch), opts.batchFixed = true;
    if (!st && items.isLlm && items.maxContext && !opts.contextFixed && opts.context > items.maxContext)
        opts.context = items.maxContext;
    HgnPlan *plan = NULL;
    char *text = NULL;
    if (!st) st = hgnPlanCreate(&items, &machine, &opts, &plan);
    if (!st) st = hgnPlanWriteJson(plan, &text);
    hgnPlanFree(plan);
    hgnFree(res);
    if (haveMachine) hgnMachineFree(&machine);
    hgnPlanItemsFree(&items);
    json_decref(req);
    if (st) {
        HgnCode code = hgnStatusCode(st);
        unsigned http = code == HGN_CODE_OverBudget || code == HGN_CODE_PlanInfeasible   ? 422
                        : code == HGN_CODE_NotFound                                      ? 404
                        : code == HGN_CODE_OutOfMemory || code == HGN_CODE_InternalError ? 500
                                                                                         : 400;
        hgnFree(text);
        return sendError(conn, r, st, http);
    }
    size_t n = strlen(text);
    char *body = malloc(n + 2);
    if (body) {
        memcpy(body, text, n);
        memcpy(body + n, "\n", 2);
    }
    hgnFree(text);
    return sendText(conn, r, body ? 200 : 500, "application/json", body);
}

/* Loads the job and checks the caller may see it (owner or admin). */
static HgnStatus visibleJob(Server *s, const Identity *who, const char *id, json_t **job) {
    char *owner = NULL;
    HgnStatus st = jobAdapterGet(s->jobs, id, job, &owner);
    if (!st && who->role != HGN_ROLE_ADMIN && strcmp(owner, who->user) != 0) {
        json_decref(*job);
        *job = NULL;
        st = hgnStatusNew(HGN_CODE_PermissionDenied, id, "a user acts only on their own jobs",
                          "job %s belongs to another user", id);
    }
    hgnFree(owner);
    return st;
}

static enum MHD_Result jobRoute(struct MHD_Connection *conn, Request *r, Server *s, const Identity *who,
                                const char *method, const char *rest) {
    /* rest: "{id}", "{id}:action" or "{id}/events" */
    char id[128];
    const char *action = NULL;
    bool events = false;
    size_t n = strcspn(rest, ":/");
    if (n == 0 || n >= sizeof id) {
        r->route = "/v1/jobs/{id}";
        return sendError(
            conn, r, hgnStatusNew(HGN_CODE_JobNotFound, rest, "list your jobs with GET /v1/jobs", "no such job"), 404);
    }
    memcpy(id, rest, n);
    id[n] = 0;
    if (rest[n] == ':') {
        action = rest + n + 1;
        r->route = !strcmp(action, "cancel")   ? "/v1/jobs/{id}:cancel"
                   : !strcmp(action, "pause")  ? "/v1/jobs/{id}:pause"
                   : !strcmp(action, "resume") ? "/v1/jobs/{id}:resume"
                                               : "/v1/jobs/{id}:unknown";
        if (!strcmp(r->route, "/v1/jobs/{id}:unknown"))
            return sendError(conn, r,
                             hgnStatusNew(HGN_CODE_NotFound, action, "actions are :cancel, :pause and :resume",
                                          "unknown job action"),
                             404);
        if (strcmp(method, "POST")) return sendError(conn, r, methodNotAllowed(method, r->route), 405);
    } else if (rest[n] == '/') {
        r->route = "/v1/jobs/{id}/events";
        if (strcmp(rest + n, "/events"))
            return sendError(conn, r, hgnStatusNew(HGN_CODE_NotFound, rest, NULL, "no such route"), 404);
        if (strcmp(method, "GET")) return sendError(conn, r, methodNotAllowed(method, r->route), 405);
        events = true;
    } else {
        r->route = "/v1/jobs/{id}";
        if (strcmp(method, "GET")) return sendError(conn, r, methodNotAllowed(method, r->route), 405);
    }
    if (action && r->body.len) {
        json_t *body = NULL;
        HgnStatus st = hgnApiParseBody(s->schemas, "JobAction", r->body.data, r->body.len, &body);
        json_decref(body);
        if (st) return sendError(conn, r, st, 400);
    }
    json_t *job = NULL;
    HgnStatus st = visibleJob(s, who, id, &job);
    if (st) return sendError(conn, r, st, 0);
    if (events) {
        json_decref(job);
        return sendEvents(conn, r, s, id);
    }
    if (!action) return sendJson(conn, r, 200, job);
    json_decref(job);
    st = jobAdapterAct(s->jobs, id, action);
    if (st) return sendError(conn, r, st, 0);
    HGN_INFO("server", "job %s: %s by %s", id, action, who->user);
    st = visibleJob(s, who, id, &job);
    if (st) return sendError(conn, r, st, 0);
    return sendJson(conn, r, 200, job);
}

static enum MHD_Result metricsRoute(struct MHD_Connection *conn, Request *r, Server *s) {
    jobAdapterExportMetrics(s->jobs, s->metrics);
    char *text = NULL;
    HgnStatus st = hgnMetricsRender(s->metrics, &text);
    if (st) return sendError(conn, r, st, 0);
    char *copy = malloc(strlen(text) + 1);
    if (copy) strcpy(copy, text);
    hgnFree(text);
    return sendText(conn, r, 200, "text/plain; version=0.0.4; charset=utf-8", copy);
}

static enum MHD_Result dispatch(Listener *l, struct MHD_Connection *conn, Request *r, const char *url,
                                const char *method) {
    Server *s = l->server;
    bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD"), post = !strcmp(method, "POST");
    if (!strcmp(url, "/healthz")) {
        r->route = "/healthz";
        return sendJson(conn, r, 200, json_pack("{s:s}", "status", "ok"));
    }
    if (!strcmp(url, "/readyz")) {
        r->route = "/readyz";
        if (!atomic_load(&s->ready) || atomic_load(&s->stopping))
            return sendError(conn, r, hgnStatusNew(HGN_CODE_InternalError, "/readyz", NULL, "not ready"), 503);
        return sendJson(conn, r, 200, json_pack("{s:s}", "status", "ready"));
    }
    r->route = !strcmp(url, "/metrics")          ? "/metrics"
               : !strcmp(url, "/v1/jobs")        ? "/v1/jobs"
               : !strcmp(url, "/v1/plans")       ? "/v1/plans"
               : !strcmp(url, "/v1/diagnostics") ? "/v1/diagnostics"
               : !strncmp(url, "/v1/jobs/", 9)   ? "/v1/jobs/{id}"
                                                 : "unknown";
    if (!strcmp(r->route, "unknown"))
        return sendError(
            conn, r,
            hgnStatusNew(HGN_CODE_NotFound, url, "see schemas/openapi.json for the routes", "no route %s", url), 404);
    if (r->authError) {
        HgnStatus st = r->authError;
        r->authError = HGN_OK;
        return sendError(conn, r, st, 401);
    }
    const Identity who = r->who;
    HgnStatus st;
    if (r->tooLarge)
        return sendError(
            conn, r,
            hgnStatusNew(HGN_CODE_RequestTooLarge, "body", "send a smaller body or raise server.maxBodyBytes",
                         "the request body is larger than %llu bytes", (unsigned long long)s->maxBodyBytes),
            413);
    if (!strcmp(r->route, "/metrics")) {
        if (!get) return sendError(conn, r, methodNotAllowed(method, url), 405);
        return metricsRoute(conn, r, s);
    }
    if (!strcmp(r->route, "/v1/diagnostics")) {
        if (!get) return sendError(conn, r, methodNotAllowed(method, url), 405);
        if (who.role != HGN_ROLE_ADMIN)
            return sendError(conn, r,
                             hgnStatusNew(HGN_CODE_PermissionDenied, url, "ask an admin", "diagnostics are admin-only"),
                             403);
        json_t *report = NULL;
        st = hgnDiagnosticsCollect(NULL, &report);
        if (st) return sendError(conn, r, st, 0);
        return sendJson(conn, r, 200, report);
    }
    if (!strcmp(r->route, "/v1/plans")) {
        if (!post) return sendError(conn, r, methodNotAllowed(method, url), 405);
        return planModel(conn, r, s);
    }
    if (!strcmp(r->route, "/v1/jobs")) {
        if (post) return submitJob(conn, r, s, &who);
        if (!get) return sendError(conn, r, methodNotAllowed(method, url), 405);
        const char *owner =
            who.role == HGN_ROLE_ADMIN ? MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "owner") : who.user;
        json_t *list = NULL;
        st = jobAdapterList(s->jobs, owner, &list);
        if (st) return sendError(conn, r, st, 0);
        return sendJson(conn, r, 200, list);
    }
    return jobRoute(conn, r, s, &who, method, url + 9);
}

enum MHD_Result serverHandle(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                             const char *version, const char *uploadData, size_t *uploadSize, void **conCls) {
    Listener *l = cls;
    Request *r = *conCls;
    if (!r) {
        r = hgnCalloc(1, sizeof *r);
        if (!r) return MHD_NO;
        hgnBufInit(&r->body);
        r->start = monoNow();
        r->route = "unknown";
        r->authError = authenticate(l, conn, &r->who);
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > l->server->maxBodyBytes) r->tooLarge = true;
        *conCls = r;
        return MHD_YES;
    }
    if (*uploadSize) {
        if (!r->tooLarge && !r->authError) { /* an unauthenticated caller's body is read and dropped */
            if (r->body.len + *uploadSize > l->server->maxBodyBytes) {
                r->tooLarge = true;
                hgnBufFree(&r->body);
                hgnBufInit(&r->body);
            } else if (!hgnBufAppend(&r->body, uploadData, *uploadSize))
                return MHD_NO;
        }
        *uploadSize = 0;
        return MHD_YES;
    }
    return dispatch(l, conn, r, url, method);
}

void serverRequestDone(void *cls, struct MHD_Connection *conn, void **conCls, enum MHD_RequestTerminationCode toe) {
    Listener *l = cls;
    Request *r = *conCls;
    if (!r) return;
    char code[16];
    snprintf(code, sizeof code, "%u", r->code);
    const char *labels[] = {r->route, code};
    hgnStatusFree(hgnMetricsAdd(l->server->metrics, "huginn_http_requests_total", labels, 1));
    hgnStatusFree(
        hgnMetricsObserve(l->server->metrics, "huginn_http_request_duration_seconds", labels, monoNow() - r->start));
    HGN_DEBUG("server", "%s %u", r->route, r->code);
    hgnStatusFree(r->authError);
    hgnBufFree(&r->body);
    hgnFree(r);
    *conCls = NULL;
}
