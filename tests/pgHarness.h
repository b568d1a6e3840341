/* pgHarness.h — a real, throwaway PostgreSQL server for tests: initdb into a
 * fresh temp folder, a postmaster on a Unix socket inside it (no TCP, so two
 * test trees never collide; the port only names the socket and is picked
 * free anyway), fsync off for speed, databases created on demand, and an
 * immediate stop (SIGQUIT, what `pg_ctl stop -m immediate` sends) that
 * removes the folder — also at exit, and the kernel stops the server should
 * the test process die (PR_SET_PDEATHSIG).
 *
 * PostgreSQL refuses to run as root: under euid 0 the server runs as the
 * user "nobody" (the child drops privileges with setgroups/setgid/setuid
 * before exec, what `setpriv --reuid=nobody` does) and owns the temp folder.
 *
 * pgServerStart returns false with a reason only when the server truly cannot
 * start here (binaries missing, no unprivileged user, cannot drop
 * privileges); every other failure fails the test. Binaries:
 * $HGN_PG_BINDIR, else the newest /usr/lib/postgresql/<v>/bin.
 * Header-only (static functions): include after cmocka.h / testUtil.h. */
#ifndef HGN_TESTS_PGHARNESS_H
#define HGN_TESTS_PGHARNESS_H

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testUtil.h"

#define PG_DROP_FAILED 97 /* exit status of a child that could not drop privileges */
#define PG_EXEC_FAILED 98

typedef struct PgServer {
    char binDir[256];
    char dir[128]; /* temp folder: socket, data/, logs */
    int port;
    pid_t pid; /* postmaster */
    bool dropPrivileges;
    uid_t uid;
    gid_t gid;
    PGconn *admin; /* to the "postgres" database, for CREATE DATABASE */
    char reason[512];
} PgServer;

/* What the atexit handler stops if a test bails out: copies, since the PgServer may live on a stack. */
static pid_t pgExitPid;
static char pgExitDir[128];

static void pgMsleep(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static bool pgFindBinaries(PgServer *pg) {
    const char *env = getenv("HGN_PG_BINDIR");
    if (env && *env) {
        snprintf(pg->binDir, sizeof pg->binDir, "%s", env);
    } else {
        glob_t g;
        double best = -1;
        if (glob("/usr/lib/postgresql/*/bin/postgres", 0, NULL, &g) == 0) {
            for (size_t i = 0; i < g.gl_pathc; i++) {
                double v = strtod(g.gl_pathv[i] + strlen("/usr/lib/postgresql/"), NULL);
                if (v > best) {
                    best = v;
                    snprintf(pg->binDir, sizeof pg->binDir, "%.*s", (int)(strlen(g.gl_pathv[i]) - strlen("/postgres")),
                             g.gl_pathv[i]);
                }
            }
            globfree(&g);
        }
        if (best < 0) {
            snprintf(pg->reason, sizeof pg->reason,
                     "no PostgreSQL server binaries (/usr/lib/postgresql/*/bin; install the Debian package"
                     " postgresql, or set HGN_PG_BINDIR)");
            return false;
        }
    }
    char p[300];
    const char *const need[] = {"initdb", "postgres"};
    for (int i = 0; i < 2; i++) {
        snprintf(p, sizeof p, "%s/%s", pg->binDir, need[i]);
        if (access(p, X_OK) != 0) {
            snprintf(pg->reason, sizeof pg->reason, "%s is missing or not executable", p);
            return false;
        }
    }
    return true;
}

/* In the child: become the unprivileged user, send output to logPath, exec argv. Never returns. */
static void pgChildExec(const PgServer *pg, const char *logPath, char *const argv[], bool dieWithParent) {
    int fd = open(logPath, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
    }
    if (pg->dropPrivileges) {
        if (setgroups(0, NULL) != 0 || setgid(pg->gid) != 0 || setuid(pg->uid) != 0 || getuid() == 0)
            _exit(PG_DROP_FAILED);
    }
    if (dieWithParent) {
        prctl(PR_SET_PDEATHSIG, SIGQUIT); /* after setuid: a credential change clears it */
        if (getppid() == 1) _exit(PG_EXEC_FAILED);
    }
    execv(argv[0], argv);
    _exit(PG_EXEC_FAILED);
}

static void pgPrintLog(const PgServer *pg, const char *name) {
    char p[300];
    snprintf(p, sizeof p, "%s/%s", pg->dir, name);
    char *text = readFile(p, NULL);
    if (text) fprintf(stderr, "---- %s ----\n%s\n----\n", p, text);
    free(text);
}

/* A port nobody listens on now (the socket is a file in our own folder, so this only keeps the socket
 * name and PostgreSQL's shared-memory key apart from other servers). */
static int pgFreePort(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd >= 0) {
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = 0};
        socklen_t len = sizeof a;
        if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && getsockname(fd, (struct sockaddr *)&a, &len) == 0) {
            int port = ntohs(a.sin_port);
            close(fd);
            return port;
        }
        close(fd);
    }
    return 20000 + (int)(getpid() % 20000);
}

static void pgAdminConninfo(const PgServer *pg, const char *db, char *out, size_t n) {
    snprintf(out, n, "host=%s port=%d user=postgres dbname=%s", pg->dir, pg->port, db);
}

static void pgServerStop(PgServer *pg) {
    if (!pg) return;
    if (pg->admin) PQfinish(pg->admin);
    pg->admin = NULL;
    if (pg->pid > 0) {
        kill(pg->pid, SIGQUIT); /* immediate shutdown */
        int st;
        for (int i = 0; i < 500 && waitpid(pg->pid, &st, WNOHANG) == 0; i++) pgMsleep(10);
        if (waitpid(pg->pid, &st, WNOHANG) == 0) {
            kill(pg->pid, SIGKILL);
            waitpid(pg->pid, &st, 0);
        }
        pg->pid = 0;
    }
    if (pg->dir[0]) removeTree(pg->dir);
    if (strcmp(pg->dir, pgExitDir) == 0) {
        pgExitPid = 0;
        pgExitDir[0] = 0;
    }
    pg->dir[0] = 0;
}

static void pgAtExit(void) {
    if (pgExitPid > 0) {
        kill(pgExitPid, SIGQUIT);
        waitpid(pgExitPid, NULL, 0);
    }
    if (pgExitDir[0]) removeTree(pgExitDir);
}

/* Starts a server; false (pg->reason says why) when it cannot run here. Fails the test on any other
 * problem, after printing the server's log. */
static bool pgServerStart(PgServer *pg) {
    memset(pg, 0, sizeof *pg);
    if (!pgFindBinaries(pg)) return false;
    const char *base = "/tmp";
    if (geteuid() == 0) {
        struct passwd *pw = getpwnam("nobody");
        if (!pw) {
            snprintf(pg->reason, sizeof pg->reason,
                     "running as root and there is no user \"nobody\" to run PostgreSQL as (it refuses root)");
            return false;
        }
        pg->dropPrivileges = true;
        pg->uid = pw->pw_uid;
        pg->gid = pw->pw_gid;
    } else {
        const char *t = getenv("TMPDIR");
        if (t && *t && strlen(t) < 60) base = t; /* a Unix socket path holds at most 107 bytes */
    }
    snprintf(pg->dir, sizeof pg->dir, "%s/hgn-pg-XXXXXX", base);
    if (!mkdtemp(pg->dir)) fail_msg("mkdtemp %s: %s", pg->dir, strerror(errno));
    if (pg->dropPrivileges && chown(pg->dir, pg->uid, pg->gid) != 0)
        fail_msg("chown %s to nobody: %s", pg->dir, strerror(errno));
    snprintf(pgExitDir, sizeof pgExitDir, "%s", pg->dir);
    static bool registered;
    if (!registered) atexit(pgAtExit);
    registered = true;

    char initdb[300], postgres[300], data[200], log[200], portText[16];
    snprintf(initdb, sizeof initdb, "%s/initdb", pg->binDir);
    snprintf(postgres, sizeof postgres, "%s/postgres", pg->binDir);
    snprintf(data, sizeof data, "%s/data", pg->dir);
    snprintf(log, sizeof log, "%s/initdb.log", pg->dir);
    char *initArgv[] = {initdb,     "-D", data,   "-A",         "trust",     "-U",
                        "postgres", "-E", "UTF8", "--locale=C", "--no-sync", NULL};
    pid_t pid = fork();
    if (pid < 0) fail_msg("fork: %s", strerror(errno));
    if (pid == 0) pgChildExec(pg, log, initArgv, false);
    int st = 0;
    waitpid(pid, &st, 0);
    if (WIFEXITED(st) && WEXITSTATUS(st) == PG_DROP_FAILED) {
        snprintf(pg->reason, sizeof pg->reason, "cannot drop root privileges to run PostgreSQL as nobody");
        pgServerStop(pg);
        return false;
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        pgPrintLog(pg, "initdb.log");
        pgServerStop(pg);
        fail_msg("initdb failed (status %d)", st);
    }

    pg->port = pgFreePort();
    snprintf(portText, sizeof portText, "%d", pg->port);
    snprintf(log, sizeof log, "%s/server.log", pg->dir);
    char *serverArgv[] = {postgres,
                          "-D",
                          data,
                          "-k",
                          pg->dir,
                          "-p",
                          portText,
                          "-c",
                          "listen_addresses=",
                          "-c",
                          "fsync=off",
                          "-c",
                          "full_page_writes=off",
                          "-c",
                          "shared_buffers=16MB",
                          "-c",
                          "max_connections=60",
                          NULL};
    pid = fork();
    if (pid < 0) fail_msg("fork: %s", strerror(errno));
    if (pid == 0) pgChildExec(pg, log, serverArgv, true);
    pg->pid = pgExitPid = pid;
    char admin[300];
    pgAdminConninfo(pg, "postgres", admin, sizeof admin);
    for (int i = 0; PQping(admin) != PQPING_OK; i++) {
        if (waitpid(pg->pid, &st, WNOHANG) == pg->pid || i > 3000) {
            if (i <= 3000) pg->pid = 0;
            pgPrintLog(pg, "server.log");
            pgServerStop(pg);
            fail_msg("the PostgreSQL server did not start");
        }
        pgMsleep(10);
    }
    pg->admin = PQconnectdb(admin);
    if (PQstatus(pg->admin) != CONNECTION_OK) {
        fprintf(stderr, "%s\n", PQerrorMessage(pg->admin));
        pgServerStop(pg);
        fail_msg("cannot connect to the test server");
    }
    return true;
}

/* Creates database `name` (a test-chosen identifier) and writes its conninfo into out. */
static void pgCreateDatabase(PgServer *pg, const char *name, char *out, size_t n) {
    char sql[200];
    /* FILE_COPY (PostgreSQL 15+) skips WAL-logging the template's pages: faster with fsync off */
    snprintf(sql, sizeof sql, "CREATE DATABASE \"%s\"%s", name,
             PQserverVersion(pg->admin) >= 150000 ? " STRATEGY = FILE_COPY" : "");
    PGresult *r = PQexec(pg->admin, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) fail_msg("%s: %s", sql, PQerrorMessage(pg->admin));
    PQclear(r);
    pgAdminConninfo(pg, name, out, n);
}

/* Runs SQL on database `conninfo` (test set-up and inspection); fails the test on error. */
static void pgExecOn(const char *conninfo, const char *sql) {
    PGconn *c = PQconnectdb(conninfo);
    if (PQstatus(c) != CONNECTION_OK) fail_msg("connect: %s", PQerrorMessage(c));
    PGresult *r = PQexec(c, sql);
    ExecStatusType s = PQresultStatus(r);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) fail_msg("%s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
}

/* Creates schema `name` in database `db` and writes a conninfo whose search_path is that schema: an
 * empty store in milliseconds (a new database takes a checkpoint). */
static void pgCreateSchema(PgServer *pg, const char *db, const char *name, char *out, size_t n) {
    char conninfo[300], sql[200];
    pgAdminConninfo(pg, db, conninfo, sizeof conninfo);
    snprintf(sql, sizeof sql, "CREATE SCHEMA \"%s\"", name);
    pgExecOn(conninfo, sql);
    snprintf(out, n, "%s options='-c search_path=%s'", conninfo, name);
}

#endif
