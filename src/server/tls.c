/* tls.c — huginnd's TLS and mutual-TLS settings (src/server/tls.h): PEM files
 * read and checked with GnuTLS at startup, the libmicrohttpd options of the
 * TCP listener, a connection hook that makes the handshake demand and verify
 * a client certificate (clientAuth = "required"), and the per-request check
 * of the peer's certificate and its subject CN. */
#include "server/tls.h"

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/fileIo.h"
#include "core/strBuf.h"
#include "huginn/log.h"

struct TlsServer {
    char *certPem, *keyPem, *clientCaPem; /* NUL-terminated PEM text; clientCaPem NULL without client auth */
    TlsClientAuth clientAuth;
    bool certIdentity;
};

/* TLS 1.2 and 1.3 only: GnuTLS's NORMAL set without the older versions. */
static const char tlsPriorities[] = "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2";

/* What a client certificate must allow: TLS client authentication (a
 * certificate without an extended key usage allows every purpose). GnuTLS
 * keeps the pointer, so this lives as long as the process. */
static gnutls_typed_vdata_st clientPurpose[] = {
    {GNUTLS_DT_KEY_PURPOSE_OID, (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT, 0},
};

enum { PEM_MAX_BYTES = 1 << 20 };

/* Reads the PEM file named by config key `key` into *out (NUL-terminated). */
static HgnStatus readPem(const char *key, const char *path, char **out) {
    HgnBuf b;
    hgnBufInit(&b);
    HgnStatus st = hgnFileReadAll(path, PEM_MAX_BYTES, "the file", NULL, &b);
    if (st) {
        HgnStatus e = hgnStatusNew(HGN_CODE_InvalidConfig, key, "point it at a readable PEM file",
                                   "cannot read `%s`: %s", path, hgnStatusMessage(st));
        hgnStatusFree(st);
        hgnBufFree(&b);
        return e;
    }
    if (!hgnBufOk(&b) || !hgnBufAppendChar(&b, '\0')) {
        hgnBufFree(&b);
        return hgnStatusNew(HGN_CODE_OutOfMemory, key, NULL, "out of memory reading `%s`", path);
    }
    *out = hgnBufDetach(&b);
    return HGN_OK;
}

static gnutls_datum_t datumOf(const char *text) {
    return (gnutls_datum_t){(unsigned char *)text, (unsigned)strlen(text)};
}

static HgnStatus invalidPem(const char *key, const char *path, const char *what, int rc) {
    return hgnStatusNew(HGN_CODE_InvalidConfig, key, "give a PEM file (-----BEGIN ...-----); see docs/operations.md",
                        "`%s` is not %s: %s", path, what, gnutls_strerror(rc));
}

/* Parses every certificate of pem; at least one must be there. Warns about
 * certificates outside their validity period (the server's own would make
 * every client refuse it). */
static HgnStatus checkCertificates(const char *key, const char *path, const char *pem) {
    gnutls_x509_crt_t *certs = NULL;
    unsigned n = 0;
    gnutls_datum_t d = datumOf(pem);
    int rc = gnutls_x509_crt_list_import2(&certs, &n, &d, GNUTLS_X509_FMT_PEM, 0);
    if (rc < 0 || n == 0)
        return invalidPem(key, path, "a PEM certificate file", rc < 0 ? rc : GNUTLS_E_NO_CERTIFICATE_FOUND);
    time_t now = time(NULL);
    for (unsigned i = 0; i < n; i++) {
        time_t notAfter = gnutls_x509_crt_get_expiration_time(certs[i]);
        time_t notBefore = gnutls_x509_crt_get_activation_time(certs[i]);
        if (notAfter != (time_t)-1 && notAfter < now)
            HGN_WARN("server", "%s: certificate %u of `%s` expired", key, i + 1, path);
        else if (notBefore != (time_t)-1 && notBefore > now)
            HGN_WARN("server", "%s: certificate %u of `%s` is not valid yet", key, i + 1, path);
        gnutls_x509_crt_deinit(certs[i]);
    }
    gnutls_free(certs);
    return HGN_OK;
}

static HgnStatus checkKey(const char *path, const char *pem) {
    gnutls_x509_privkey_t k = NULL;
    int rc = gnutls_x509_privkey_init(&k);
    gnutls_datum_t d = datumOf(pem);
    if (rc >= 0) rc = gnutls_x509_privkey_import2(k, &d, GNUTLS_X509_FMT_PEM, NULL, 0);
    gnutls_x509_privkey_deinit(k);
    if (rc < 0) return invalidPem("server.tls.key", path, "an unencrypted PEM private key", rc);
    return HGN_OK;
}

/* The key must belong to the certificate (GnuTLS checks the pair). */
static HgnStatus checkPair(const char *certPath, const char *keyPath, const char *certPem, const char *keyPem) {
    gnutls_certificate_credentials_t cred = NULL;
    int rc = gnutls_certificate_allocate_credentials(&cred);
    gnutls_datum_t c = datumOf(certPem), k = datumOf(keyPem);
    if (rc >= 0) rc = gnutls_certificate_set_x509_key_mem2(cred, &c, &k, GNUTLS_X509_FMT_PEM, NULL, 0);
    gnutls_certificate_free_credentials(cred);
    if (rc < 0)
        return hgnStatusNew(
            HGN_CODE_InvalidConfig, "server.tls.key", "give the private key that belongs to server.tls.cert",
            "server.tls.key `%s` does not go with server.tls.cert `%s`: %s", keyPath, certPath, gnutls_strerror(rc));
    return HGN_OK;
}

static HgnStatus parseClientAuth(const char *text, TlsClientAuth *out) {
    if (!strcmp(text, "none"))
        *out = TLS_CLIENT_AUTH_NONE;
    else if (!strcmp(text, "optional"))
        *out = TLS_CLIENT_AUTH_OPTIONAL;
    else if (!strcmp(text, "required"))
        *out = TLS_CLIENT_AUTH_REQUIRED;
    else
        return hgnStatusNew(HGN_CODE_InvalidConfig, "server.tls.clientAuth", "use none, optional or required",
                            "unknown client authentication `%s`", text);
    return HGN_OK;
}

void tlsServerFree(TlsServer *t) {
    if (!t) return;
    if (t->keyPem) explicit_bzero(t->keyPem, strlen(t->keyPem));
    hgnFree(t->certPem);
    hgnFree(t->keyPem);
    hgnFree(t->clientCaPem);
    hgnFree(t);
}

HgnStatus tlsServerLoad(const HgnConfig *cfg, TlsServer **out) {
    *out = NULL;
    const char *certPath = hgnConfigGetString(cfg, "server.tls.cert", "");
    const char *keyPath = hgnConfigGetString(cfg, "server.tls.key", "");
    const char *caPath = hgnConfigGetString(cfg, "server.tls.clientCa", "");
    bool certIdentity = hgnConfigGetBool(cfg, "server.tls.certIdentity", false);
    TlsClientAuth auth = TLS_CLIENT_AUTH_NONE;
    HgnStatus st = parseClientAuth(hgnConfigGetString(cfg, "server.tls.clientAuth", "none"), &auth);
    if (st) return st;
    bool tls = *certPath || *keyPath;
    if (!tls) {
        if (auth != TLS_CLIENT_AUTH_NONE)
            return hgnStatusNew(HGN_CODE_InvalidConfig, "server.tls.clientAuth",
                                "set server.tls.cert and server.tls.key, or clientAuth = \"none\"",
                                "client certificates need TLS, and server.tls.cert is not set");
        if (*caPath || certIdentity)
            return hgnStatusNew(HGN_CODE_InvalidConfig, *caPath ? "server.tls.clientCa" : "server.tls.certIdentity",
                                "set server.tls.cert, server.tls.key and server.tls.clientAuth, or clear it",
                                "client certificate settings need TLS, and server.tls.cert is not set");
        return HGN_OK;
    }
    if (!*certPath || !*keyPath)
        return hgnStatusNew(HGN_CODE_InvalidConfig, *certPath ? "server.tls.key" : "server.tls.cert",
                            "set both server.tls.cert and server.tls.key (PEM files), or neither",
                            "%s is set but %s is empty", *certPath ? "server.tls.cert" : "server.tls.key",
                            *certPath ? "server.tls.key" : "server.tls.cert");
    if (auth != TLS_CLIENT_AUTH_NONE && !*caPath)
        return hgnStatusNew(HGN_CODE_InvalidConfig, "server.tls.clientCa",
                            "set server.tls.clientCa to the PEM file of the CAs that sign client certificates",
                            "server.tls.clientAuth = \"%s\" needs server.tls.clientCa",
                            auth == TLS_CLIENT_AUTH_REQUIRED ? "required" : "optional");
    if (auth == TLS_CLIENT_AUTH_NONE && certIdentity)
        return hgnStatusNew(HGN_CODE_InvalidConfig, "server.tls.certIdentity",
                            "set server.tls.clientAuth to optional or required",
                            "certIdentity maps client certificates to users, and clientAuth is \"none\"");
    if (auth == TLS_CLIENT_AUTH_NONE && *caPath)
        HGN_WARN("server", "server.tls.clientCa is ignored: server.tls.clientAuth is \"none\"");
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
        return hgnStatusNew(HGN_CODE_InvalidConfig, "server.tls.cert", "clear server.tls.cert and server.tls.key",
                            "this libmicrohttpd was built without TLS");
    TlsServer *t = hgnCalloc(1, sizeof *t);
    if (!t) return hgnStatusNew(HGN_CODE_OutOfMemory, "server.tls", NULL, "out of memory");
    t->clientAuth = auth;
    t->certIdentity = certIdentity;
    st = readPem("server.tls.cert", certPath, &t->certPem);
    if (!st) st = checkCertificates("server.tls.cert", certPath, t->certPem);
    if (!st) st = readPem("server.tls.key", keyPath, &t->keyPem);
    if (!st) st = checkKey(keyPath, t->keyPem);
    if (!st) st = checkPair(certPath, keyPath, t->certPem, t->keyPem);
    if (!st && auth != TLS_CLIENT_AUTH_NONE) {
        st = readPem("server.tls.clientCa", caPath, &t->clientCaPem);
        if (!st) st = checkCertificates("server.tls.clientCa", caPath, t->clientCaPem);
    }
    if (st) {
        tlsServerFree(t);
        return st;
    }
    *out = t;
    return HGN_OK;
}

TlsClientAuth tlsServerClientAuth(const TlsServer *t) { return t ? t->clientAuth : TLS_CLIENT_AUTH_NONE; }

bool tlsServerCertIdentity(const TlsServer *t) { return t && t->certIdentity; }

/* MHD asks for a client certificate when it has trusted CAs, but does not
 * insist nor check it. With clientAuth = "required" this makes GnuTLS do both
 * during the handshake, so a client without a valid certificate never gets
 * to send a request. */
static void requireClientCertificate(void *cls, struct MHD_Connection *conn, void **socketContext,
                                     enum MHD_ConnectionNotificationCode toe) {
    (void)cls;
    (void)socketContext;
    if (toe != MHD_CONNECTION_NOTIFY_STARTED) return;
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    if (!ci || !ci->tls_session) return; /* the per-request check still refuses it */
    gnutls_session_t s = (gnutls_session_t)ci->tls_session;
    gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUIRE);
    gnutls_session_set_verify_cert2(s, clientPurpose, 1, 0);
}

void tlsServerOptions(const TlsServer *t, struct MHD_OptionItem items[TLS_SERVER_MAX_OPTIONS]) {
    size_t n = 0;
    items[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, t->certPem};
    items[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, t->keyPem};
    items[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)tlsPriorities};
    if (t->clientAuth != TLS_CLIENT_AUTH_NONE)
        items[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_TRUST, 0, t->clientCaPem};
    if (t->clientAuth == TLS_CLIENT_AUTH_REQUIRED)
        items[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)requireClientCertificate, NULL};
    items[n] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
}

/* A CN usable as a user name: 1..127 printable ASCII characters, no blanks
 * (token-file user names are whitespace-separated fields). */
static bool usableName(const char *s, size_t n) {
    if (n == 0 || n > 127) return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] <= 0x20 || s[i] >= 0x7f) return false;
    return true;
}

static HgnStatus refused(const char *fmt, const char *detail) {
    return hgnStatusNew(HGN_CODE_Unauthenticated, "client certificate",
                        "present a current client certificate signed by a CA in server.tls.clientCa", fmt, detail);
}

HgnStatus tlsServerPeer(const TlsServer *t, struct MHD_Connection *conn, bool *present, char *cn, size_t cnSize) {
    *present = false;
    if (cnSize) cn[0] = '\0';
    if (!t || t->clientAuth == TLS_CLIENT_AUTH_NONE) return HGN_OK;
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    gnutls_session_t s = ci ? (gnutls_session_t)ci->tls_session : NULL;
    if (!s) return HGN_OK;
    unsigned nChain = 0;
    const gnutls_datum_t *chain = gnutls_certificate_get_peers(s, &nChain);
    if (!chain || nChain == 0) return HGN_OK;
    *present = true;
    if (gnutls_certificate_type_get(s) != GNUTLS_CRT_X509) return refused("%s", "the certificate is not X.509");
    unsigned status = 0;
    int rc = gnutls_certificate_verify_peers(s, clientPurpose, 1, &status);
    if (rc < 0) return refused("the client certificate cannot be verified: %s", gnutls_strerror(rc));
    if (status) {
        gnutls_datum_t why = {NULL, 0};
        HgnStatus st;
        if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &why, 0) >= 0 && why.data) {
            char *text = (char *)why.data;
            size_t n = strlen(text);
            while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\n')) text[--n] = '\0';
            st = refused("the client certificate was refused: %s", text);
        } else
            st = refused("%s", "the client certificate was refused");
        gnutls_free(why.data);
        return st;
    }
    gnutls_x509_crt_t crt = NULL;
    char name[256];
    size_t nameSize = sizeof name;
    bool ok = gnutls_x509_crt_init(&crt) >= 0 && gnutls_x509_crt_import(crt, &chain[0], GNUTLS_X509_FMT_DER) >= 0 &&
              gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, name, &nameSize) >= 0;
    /* a second CN makes the name ambiguous */
    char second[8];
    size_t secondSize = sizeof second;
    if (ok && gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 1, 0, second, &secondSize) !=
                  GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
        ok = false;
    if (crt) gnutls_x509_crt_deinit(crt);
    /* nameSize excludes the NUL: a shorter strlen means a NUL inside the CN */
    size_t n = ok ? strlen(name) : 0;
    if (ok && n == nameSize && usableName(name, n) && n < cnSize) memcpy(cn, name, n + 1);
    return HGN_OK;
}
