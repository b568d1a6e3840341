/* tokenFile.h — huginnd's bearer-token file: one line per token,
 *   <sha256-hex-of-token> <user> <role>      (role: user | admin)
 * with '#' comments and blank lines. Only hashes are stored; a presented
 * token is hashed and compared with every entry in constant time. */
#ifndef HGN_AUTH_TOKEN_FILE_H
#define HGN_AUTH_TOKEN_FILE_H

#include <stdbool.h>
#include <stddef.h>

#include "huginn/status.h"

typedef enum HgnRole { HGN_ROLE_NONE = 0, HGN_ROLE_USER, HGN_ROLE_ADMIN } HgnRole;

typedef struct HgnTokenEntry {
    unsigned char hash[32];
    char *user;
    HgnRole role;
} HgnTokenEntry;

typedef struct HgnTokenFile {
    HgnTokenEntry *entries;
    size_t count;
} HgnTokenFile;

/* Parses text (sourceName names it in errors: "PATH:LINE"). Errors: HGN-0001
 * InvalidConfig for a malformed line (bad hash, missing user, unknown role,
 * duplicate hash). */
HGN_NODISCARD HgnStatus hgnTokenFileParse(const char *text, size_t len, const char *sourceName, HgnTokenFile *out);
HGN_NODISCARD HgnStatus hgnTokenFileLoad(const char *path, HgnTokenFile *out);
void hgnTokenFileFree(HgnTokenFile *tf);
/* The entry whose hash matches SHA-256(token), or NULL. Every entry is
 * compared (CRYPTO_memcmp) so timing does not depend on which one matched.
 * An empty token never matches (not even a listed hash of ""). */
const HgnTokenEntry *hgnTokenFileLookup(const HgnTokenFile *tf, const char *token);
/* As hgnTokenFileLookup for the len bytes at token (no NUL needed). */
const HgnTokenEntry *hgnTokenFileLookupBytes(const HgnTokenFile *tf, const char *token, size_t len);
/* The role of user: the least privileged of the lines that name it, or
 * HGN_ROLE_NONE when none does (used for client-certificate identities). */
HgnRole hgnTokenFileUserRole(const HgnTokenFile *tf, const char *user);
/* SHA-256 of token as 64 lowercase hex digits + NUL. */
void hgnTokenHashHex(const char *token, char hex[65]);
const char *hgnRoleName(HgnRole role);

#endif
