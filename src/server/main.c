/* main.c — huginnd: loads configuration, the token file, metrics and request
 * schemas, listens on TCP (optionally TLS) and/or a Unix socket with
 * libmicrohttpd, and serves until SIGINT/SIGTERM. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/alloc.h"
#include "huginn/config.h"
#include "huginn/diagnostics.h"
#include "huginn/log.h"
#include "huginn/version.h"
#include "server/server.h"
#include "server/tls.h"

static void usage(FILE *f) {
    fprintf(f,
            "usage: huginnd [--config FILE] [--listen HOST:PORT] [--unix-socket PATH] [--token-file PATH]\n"
            "               [--port-file PATH] [--workers N] [--queue-limit N] [--max-body-bytes N]\n"
            "               [--log-level LEVEL] [--help] [--version]\n"
            "Serves the Huginn job API (see schemas/openapi.json). Settings: [server] and [jobs] in the configuration\n"
            "(--queue-limit sets jobs.maxQueuedTotal).\n"
            "--listen \"\" disables TCP; port 0 picks a free port (written to --port-file).\n"
            "--workers N threads run queued jobs (default 1; 0 serves the API only).\n");
}

static int fail(HgnStatus st) {
    char *s = hgnStatusToString(st);
    fprintf(stderr, "huginnd: %s\n", s ? s : "error");
    hgnFree(s);
    int code = hgnCodeExitStatus(hgnStatusCode(st));
    hgnStatusFree(st);
    return code;
}

static HgnStatus listenTcp(const char *addr, int *fdOut, int *portOut) {
    char host[256];
    const char *colon = strrchr(addr, ':');
    if (!colon || colon == addr || (size_t)(colon - addr) >= sizeof host)
        return hgnStatusNew(HGN_CODE_InvalidConfig, "server.listen", "write HOST:PORT, e.g. 127.0.0.1:8765",
                            "cannot parse listen address '%s'", addr);
    memcpy(host, addr, (size_t)(colon - addr));
    host[colon - addr] = 0;
    if (host[0] == '[' && host[strlen(host) - 1] == ']') {
        memmove(host, host + 1, strlen(host));
        host[strlen(host) - 1] = 0;
    }
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int rc = getaddrinfo(host, colon + 1, &hints, &res);
    if (rc != 0)
        return hgnStatusNew(HGN_CODE_InvalidConfig, "server.listen", NULL, "cannot resolve '%s': %s", addr,
                            gai_strerror(rc));
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd >= 0) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 512) != 0) {
        int e = errno;
        if (fd >= 0) close(fd);
        freeaddrinfo(res);
        return hgnStatusNew(HGN_CODE_IoError, "server.listen", "is another huginnd running on that port?",
                            "cannot listen on %s: %s", addr, strerror(e));
    }
    freeaddrinfo(res);
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    *portOut = 0;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
        *portOut = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                  : ((struct sockaddr_in *)&ss)->sin_port);
    *fdOut = fd;
    return HGN_OK;
}

static HgnStatus listenUnix(const char *path, const char *modeText, int *fdOut) {
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path)
        return hgnStatusNew(HGN_CODE_InvalidConfig, "server.unixSocket", "use a shorter path",
                            "socket path longer than %zu bytes", sizeof sa.sun_path - 1);
    char *end = NULL;
    long mode = strtol(modeText, &end, 8);
    if (!*modeText || *end || mode < 0 || mode > 0777)
        return hgnStatusNew(HGN_CODE_InvalidConfig, "server.socketMode", "write an octal mode such as \"0660\"",
                            "invalid socket mode '%s'", modeText);
    strcpy(sa.sun_path, path);
    struct stat stt;
    if (lstat(path, &stt) == 0 && S_ISSOCK(stt.st_mode)) unlink(path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || chmod(path, (mode_t)mode) != 0 ||
        listen(fd, 512) != 0) {
        int e = errno;
        if (fd >= 0) close(fd);
        return hgnStatusNew(HGN_CODE_IoError, path, NULL, "cannot listen on the Unix socket: %s", strerror(e));
    }
    *fdOut = fd;
    return HGN_OK;
}

static struct MHD_Daemon *startDaemon(Listener *l, int fd, const TlsServer *tls) {
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG;
    if (tls) flags |= MHD_USE_TLS;
    struct MHD_OptionItem tlsOpts[TLS_SERVER_MAX_OPTIONS] = {{MHD_OPTION_END, 0, NULL}};
    if (tls) tlsServerOptions(tls, tlsOpts);
    return MHD_start_daemon(flags, 0, NULL, NULL, serverHandle, l, MHD_OPTION_LISTEN_SOCKET, fd,
                            MHD_OPTION_NOTIFY_COMPLETED, serverRequestDone, l, MHD_OPTION_CONNECTION_TIMEOUT,
                            (unsigned)120, MHD_OPTION_ARRAY, tlsOpts, MHD_OPTION_END);
}

int main(int argc, char **argv) {
    hgnDiagnosticsProcessInit(); /* before any thread starts */
    HgnConfigFlag flags[8];
    size_t nFlags = 0;
    const char *configFile = NULL, *portFile = NULL;
    int workers = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        static const struct {
            const char *opt, *path;
        } map[] = {{"--listen", "server.listen"},
                   {"--unix-socket", "server.unixSocket"},
                   {"--token-file", "server.tokenFile"},
                   {"--log-level", "logging.level"},
                   {"--queue-limit", "jobs.maxQueuedTotal"},
                   {"--max-body-bytes", "server.maxBodyBytes"}};
        bool matched = false;
        for (size_t k = 0; k < sizeof map / sizeof map[0] && !matched; k++)
            if (!strcmp(a, map[k].opt)) {
                if (i + 1 >= argc || nFlags == 8) break;
                flags[nFlags++] = (HgnConfigFlag){map[k].path, argv[++i], map[k].opt};
                matched = true;
            }
        if (matched) continue;
        if (!strcmp(a, "--config") && i + 1 < argc)
            configFile = argv[++i];
        else if (!strcmp(a, "--port-file") && i + 1 < argc)
            portFile = argv[++i];
        else if (!strcmp(a, "--workers") && i + 1 < argc) {
            char *end = NULL;
            long w = strtol(argv[++i], &end, 10);
            if (*end || w < 0 || w > 256) {
                fprintf(stderr, "huginnd: --workers takes 0..256, not '%s'\n", argv[i]);
                return 2;
            }
            workers = (int)w;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--version")) {
            printf("huginnd %s\n", HGN_VERSION);
            return 0;
        } else {
            fprintf(stderr, "huginnd: unknown or incomplete option '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    HgnConfigOptions copts = {.configFile = configFile, .flags = flags, .nFlags = nFlags};
    HgnConfig *cfg = NULL;
    HgnStatus st = hgnConfigLoad(&copts, &cfg);
    if (st) return fail(st);
    HgnLogConfig lc;
    hgnLogDefaults(&lc);
    st = hgnConfigLogSettings(cfg, &lc);
    if (!st) st = hgnLogConfigure(&lc);
    if (st) {
        hgnConfigFree(cfg);
        return fail(st);
    }

    Server server = {0};
    atomic_init(&server.stopping, false);
    atomic_init(&server.ready, false);
    server.maxBodyBytes = (uint64_t)hgnConfigGetInt(cfg, "server.maxBodyBytes", 16 << 20);
    server.config = cfg;
    const char *tokenFile = hgnConfigGetString(cfg, "server.tokenFile", "");
    const char *authToken = hgnConfigGetString(cfg, "server.auth.token", "");
    if (*authToken) hgnLogAddSecret(authToken);
    if (*tokenFile) {
        st = hgnTokenFileLoad(tokenFile, &server.tokens);
        server.authEnabled = true;
        if (*authToken) HGN_WARN("server", "server.auth.token is ignored: server.tokenFile is set");
    } else if (*authToken) {
        /* One shared token: its holder is the admin "admin". */
        char line[128];
        hgnTokenHashHex(authToken, line);
        strcat(line, " admin admin\n");
        st = hgnTokenFileParse(line, strlen(line), "server.auth.token", &server.tokens);
        server.authEnabled = true;
    }
    TlsServer *tls = NULL;
    if (!st) st = tlsServerLoad(cfg, &tls);
    server.tls = tls;
    /* certIdentity: a client certificate names the user, so callers without one are not admins. */
    if (tlsServerCertIdentity(tls)) server.authEnabled = true;
    if (!st && !server.authEnabled)
        HGN_WARN("server",
                 "no server.tokenFile or server.auth.token: authentication is off, every TCP caller is admin");
    if (!st) st = hgnMetricsCreate(&server.metrics);
    if (!st) st = hgnMetricsRegisterStandard(server.metrics);
    if (!st) st = hgnApiSchemasLoad(&server.schemas);
    JobAdapterConfig jc = {.config = cfg, .workers = workers};
    if (!st) st = jobAdapterOpen(&jc, &server.jobs);

    const char *listenAddr = hgnConfigGetString(cfg, "server.listen", "");
    const char *unixPath = hgnConfigGetString(cfg, "server.unixSocket", "");
    Listener tcpL = {&server, false}, unixL = {&server, true};
    struct MHD_Daemon *tcpD = NULL, *unixD = NULL;
    int tcpFd = -1, unixFd = -1, port = 0;
    if (!st && !*listenAddr && !*unixPath)
        st = hgnStatusNew(HGN_CODE_InvalidConfig, "server.listen", "set server.listen or server.unixSocket",
                          "nothing to listen on");
    if (!st && *listenAddr) st = listenTcp(listenAddr, &tcpFd, &port);
    if (!st && *unixPath) st = listenUnix(unixPath, hgnConfigGetString(cfg, "server.socketMode", "0660"), &unixFd);
    signal(SIGPIPE, SIG_IGN);
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    if (!st && tcpFd >= 0 && !(tcpD = startDaemon(&tcpL, tcpFd, tls)))
        st = hgnStatusNew(HGN_CODE_IoError, "server.listen", NULL, "libmicrohttpd could not start on TCP");
    if (!st && unixFd >= 0 && !(unixD = startDaemon(&unixL, unixFd, NULL)))
        st = hgnStatusNew(HGN_CODE_IoError, unixPath, NULL, "libmicrohttpd could not start on the Unix socket");
    if (!st && portFile) {
        FILE *f = fopen(portFile, "w");
        if (!f)
            st = hgnStatusNew(HGN_CODE_IoError, portFile, NULL, "cannot write the port file: %s", strerror(errno));
        else {
            fprintf(f, "%d\n", port);
            fclose(f);
        }
    }
    int rc = 0;
    if (st) {
        rc = fail(st);
    } else {
        atomic_store(&server.ready, true);
        HGN_INFO("server", "huginnd %s listening%s%s%s%s (port %d)", HGN_VERSION, *listenAddr ? " on " : "", listenAddr,
                 *unixPath ? " and " : "", unixPath, port);
        int sig = 0;
        sigwait(&sigs, &sig);
        HGN_INFO("server", "signal %d: shutting down", sig);
    }
    atomic_store(&server.stopping, true);
    if (tcpD) MHD_stop_daemon(tcpD);
    if (unixD) MHD_stop_daemon(unixD);
    if (tcpFd >= 0) close(tcpFd);
    if (unixFd >= 0) {
        close(unixFd);
        unlink(unixPath);
    }
    tlsServerFree(tls);
    jobAdapterClose(server.jobs);
    hgnApiSchemasFree(server.schemas);
    hgnMetricsFree(server.metrics);
    hgnTokenFileFree(&server.tokens);
    hgnConfigFree(cfg);
    hgnLogShutdown();
    return rc;
}
