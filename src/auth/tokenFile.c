/* tokenFile.c — parsing and constant-time lookup of huginnd's hashed bearer
 * tokens (src/auth/tokenFile.h). */
#include "auth/tokenFile.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include <errno.h>

static int hexVal(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

const char *hgnRoleName(HgnRole role) {
    return role == HGN_ROLE_ADMIN ? "admin" : role == HGN_ROLE_USER ? "user" : "none";
}

void hgnTokenFileFree(HgnTokenFile *tf) {
    if (!tf) return;
    for (size_t i = 0; i < tf->count; i++) hgnFree(tf->entries[i].user);
    hgnFree(tf->entries);
    tf->entries = NULL;
    tf->count = 0;
}

/* Splits the next whitespace-separated field of [*p, end). */
static bool nextField(const char **p, const char *end, const char **start, size_t *n) {
    while (*p < end && (**p == ' ' || **p == '\t' || **p == '\r')) (*p)++;
    if (*p >= end) return false;
    *start = *p;
    while (*p < end && **p != ' ' && **p != '\t' && **p != '\r') (*p)++;
    *n = (size_t)(*p - *start);
    return true;
}

HgnStatus hgnTokenFileParse(const char *text, size_t len, const char *sourceName, HgnTokenFile *out) {
    memset(out, 0, sizeof *out);
    const char *src = sourceName ? sourceName : "token file";
    const char *p = text, *end = text + len;
    size_t cap = 0;
    char where[512];
    for (int line = 1; p < end; line++) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol) eol = end;
        snprintf(where, sizeof where, "%s:%d", src, line);
        const char *q = p, *f[4];
        size_t n[4], nf = 0;
        while (nf < 4 && nextField(&q, eol, &f[nf], &n[nf])) {
            if (f[nf][0] == '#') break;
            nf++;
        }
        p = eol < end ? eol + 1 : end;
        if (nf == 0) continue;
        HgnStatus st = HGN_OK;
        HgnTokenEntry e = {0};
        if (nf != 3)
            st = hgnStatusNew(HGN_CODE_InvalidConfig, where, "write: <sha256-hex> <user> <user|admin>",
                              "expected 3 fields, found %zu", nf);
        else if (n[0] != 64)
            st = hgnStatusNew(HGN_CODE_InvalidConfig, where,
                              "store the SHA-256 of the token: printf %%s TOKEN | sha256sum",
                              "the hash must be 64 hex digits, found %zu characters", n[0]);
        for (size_t i = 0; !st && i < 32; i++) {
            int hi = hexVal(f[0][2 * i]), lo = hexVal(f[0][2 * i + 1]);
            if (hi < 0 || lo < 0)
                st = hgnStatusNew(HGN_CODE_InvalidConfig, where, "use hex digits 0-9a-f",
                                  "the hash has a non-hex character at column %zu", 2 * i + (hi < 0 ? 1 : 2));
            else
                e.hash[i] = (unsigned char)(hi << 4 | lo);
        }
        if (!st) {
            if (n[2] == 4 && memcmp(f[2], "user", 4) == 0)
                e.role = HGN_ROLE_USER;
            else if (n[2] == 5 && memcmp(f[2], "admin", 5) == 0)
                e.role = HGN_ROLE_ADMIN;
            else
                st = hgnStatusNew(HGN_CODE_InvalidConfig, where, "roles are 'user' or 'admin'", "unknown role '%.*s'",
                                  (int)n[2], f[2]);
        }
        for (size_t i = 0; !st && i < out->count; i++)
            if (memcmp(out->entries[i].hash, e.hash, 32) == 0)
                st = hgnStatusNew(HGN_CODE_InvalidConfig, where, "give every token its own line",
                                  "this token hash is already listed for user '%s'", out->entries[i].user);
        if (!st && !(e.user = hgnStrndup(f[1], n[1])))
            st = hgnStatusNew(HGN_CODE_OutOfMemory, where, NULL, "out of memory");
        if (!st && out->count == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            HgnTokenEntry *ne = hgnRealloc(out->entries, ncap * sizeof *ne);
            if (!ne)
                st = hgnStatusNew(HGN_CODE_OutOfMemory, where, NULL, "out of memory");
            else {
                out->entries = ne;
                cap = ncap;
            }
        }
        if (st) {
            hgnFree(e.user);
            hgnTokenFileFree(out);
            return st;
        }
        out->entries[out->count++] = e;
    }
    return HGN_OK;
}

HgnStatus hgnTokenFileLoad(const char *path, HgnTokenFile *out) {
    memset(out, 0, sizeof *out);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return hgnStatusNew(errno == ENOENT ? HGN_CODE_NotFound : HGN_CODE_IoError, path, "check server.tokenFile",
                            "cannot open the token file: %s", strerror(errno));
    size_t cap = 4096, len = 0;
    char *text = hgnMalloc(cap);
    HgnStatus st = HGN_OK;
    while (text) {
        if (len == cap) {
            if (cap >= (1u << 24)) {
                st = hgnStatusNew(HGN_CODE_InvalidConfig, path, NULL, "the token file is larger than 16 MiB");
                break;
            }
            char *nt = hgnRealloc(text, cap * 2);
            if (!nt) break;
            text = nt;
            cap *= 2;
        }
        size_t n = fread(text + len, 1, cap - len, fp);
        len += n;
        if (n == 0) break;
    }
    if (!st && !text) st = hgnStatusNew(HGN_CODE_OutOfMemory, path, NULL, "out of memory");
    if (!st && ferror(fp)) st = hgnStatusNew(HGN_CODE_IoError, path, NULL, "cannot read the token file");
    fclose(fp);
    if (!st) st = hgnTokenFileParse(text, len, path, out);
    if (text) OPENSSL_cleanse(text, cap);
    hgnFree(text);
    return st;
}

void hgnTokenHashHex(const char *token, char hex[65]) {
    unsigned char h[32];
    SHA256((const unsigned char *)token, strlen(token), h);
    for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", h[i]);
}

const HgnTokenEntry *hgnTokenFileLookupBytes(const HgnTokenFile *tf, const char *token, size_t len) {
    if (!tf || !token || len == 0) return NULL;
    unsigned char h[32];
    SHA256((const unsigned char *)token, len, h);
    const HgnTokenEntry *found = NULL;
    for (size_t i = 0; i < tf->count; i++)
        if (CRYPTO_memcmp(tf->entries[i].hash, h, 32) == 0 && !found) found = &tf->entries[i];
    OPENSSL_cleanse(h, sizeof h);
    return found;
}

const HgnTokenEntry *hgnTokenFileLookup(const HgnTokenFile *tf, const char *token) {
    return token ? hgnTokenFileLookupBytes(tf, token, strlen(token)) : NULL;
}

HgnRole hgnTokenFileUserRole(const HgnTokenFile *tf, const char *user) {
    HgnRole role = HGN_ROLE_NONE;
    for (size_t i = 0; tf && user && i < tf->count; i++)
        if (strcmp(tf->entries[i].user, user) == 0 && (role == HGN_ROLE_NONE || tf->entries[i].role < role))
            role = tf->entries[i].role;
    return role;
}
