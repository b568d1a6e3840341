/* tls.h — huginnd's TLS settings (server.tls.*): the server certificate and
 * key, and mutual TLS (client certificates checked against server.tls.clientCa
 * with GnuTLS, the library Debian's libmicrohttpd uses). Loaded and validated
 * once at startup; the libmicrohttpd options of the TCP listener are built from
 * it; each request's client certificate is verified here. */
#ifndef HGN_SERVER_TLS_H
#define HGN_SERVER_TLS_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

#include "huginn/config.h"
#include "huginn/status.h"

typedef enum TlsClientAuth {
    TLS_CLIENT_AUTH_NONE = 0, /* no client certificate is asked for */
    TLS_CLIENT_AUTH_OPTIONAL, /* asked for; one that is presented must verify */
    TLS_CLIENT_AUTH_REQUIRED, /* the TLS handshake fails without a valid one */
} TlsClientAuth;

typedef struct TlsServer TlsServer;

/* Most MHD_OptionItem entries tlsServerOptions writes, MHD_OPTION_END included. */
#define TLS_SERVER_MAX_OPTIONS 6

/* Reads and checks server.tls.{cert,key,clientCa,clientAuth,certIdentity}.
 * *out is NULL when TLS is off (cert and key empty). Errors: HGN-0001
 * InvalidConfig naming the key and the path of a missing, unreadable or
 * invalid PEM file, a key that does not match the certificate, clientAuth
 * without a certificate or without clientCa, certIdentity without clientAuth,
 * or a libmicrohttpd built without TLS. Never returns a half-configured *out. */
HGN_NODISCARD HgnStatus tlsServerLoad(const HgnConfig *cfg, TlsServer **out);
void tlsServerFree(TlsServer *t);

TlsClientAuth tlsServerClientAuth(const TlsServer *t); /* NONE for NULL */
bool tlsServerCertIdentity(const TlsServer *t);        /* false for NULL */

/* The MHD options of a TLS listener (certificate, key, priorities, and with
 * client authentication the trusted CAs and the connection hook that makes
 * GnuTLS demand and verify the certificate); END-terminated, at most
 * TLS_SERVER_MAX_OPTIONS entries. t must outlive the daemon. */
void tlsServerOptions(const TlsServer *t, struct MHD_OptionItem items[TLS_SERVER_MAX_OPTIONS]);

/* The client certificate of conn. *present is false when none was presented
 * (HGN_OK). With one, HGN_OK means it chains to server.tls.clientCa, is in
 * its validity period and allows client authentication; its subject CN goes to
 * cn (empty when it has none or one unusable as a user name). Errors: HGN-0017
 * Unauthenticated saying why the certificate was refused. */
HGN_NODISCARD HgnStatus tlsServerPeer(const TlsServer *t, struct MHD_Connection *conn, bool *present, char *cn,
                                      size_t cnSize);

#endif
