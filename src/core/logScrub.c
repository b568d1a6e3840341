/* logScrub.c — secret scrubbing for every log sink: registered secret values,
 * `Bearer <token>`, `Authorization: <value>` (also Proxy-Authorization, also
 * in JSON or key=value form), and the password of URLs like
 * postgres://user:pass@host. Each becomes "***". */
#include <ctype.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/logInt.h"
#include "huginn/log.h"

static pthread_rwlock_t secretsLock = PTHREAD_RWLOCK_INITIALIZER;
static char **secrets; /* sorted longest first so overlapping secrets mask fully */
static size_t nSecrets, capSecrets;

static const char mask[] = "***";

void hgnLogAddSecret(const char *value) {
    if (!value || !value[0]) return;
    logEnsureAtfork();
    pthread_rwlock_wrlock(&secretsLock);
    for (size_t i = 0; i < nSecrets; i++)
        if (strcmp(secrets[i], value) == 0) goto out;
    if (nSecrets == capSecrets) {
        size_t cap = capSecrets ? capSecrets * 2 : 8;
        char **p = hgnRealloc(secrets, cap * sizeof *p);
        if (!p) goto out;
        secrets = p;
        capSecrets = cap;
    }
    char *copy = hgnStrdup(value);
    if (!copy) goto out;
    size_t len = strlen(copy), at = nSecrets;
    while (at > 0 && strlen(secrets[at - 1]) < len) at--;
    memmove(secrets + at + 1, secrets + at, (nSecrets - at) * sizeof *secrets);
    secrets[at] = copy;
    nSecrets++;
out:
    pthread_rwlock_unlock(&secretsLock);
}

void hgnLogClearSecrets(void) {
    pthread_rwlock_wrlock(&secretsLock);
    for (size_t i = 0; i < nSecrets; i++) {
        memset(secrets[i], 0, strlen(secrets[i]));
        hgnFree(secrets[i]);
    }
    hgnFree(secrets);
    secrets = NULL;
    nSecrets = capSecrets = 0;
    pthread_rwlock_unlock(&secretsLock);
}

void logScrubForkPrepare(void) { pthread_rwlock_wrlock(&secretsLock); }
void logScrubForkParent(void) { pthread_rwlock_unlock(&secretsLock); }
/* glibc records the writer's thread id; the child's thread has another, so
 * an unlock there would be taken for a reader's: start the lock afresh. */
void logScrubForkChild(void) { pthread_rwlock_init(&secretsLock, NULL); }

static bool isTokenChar(unsigned char c) {
    return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '=';
}

/* "bearer" + blanks + token at s[i] (word start). Returns the length matched
 * up to the token start in *prefix and the token length in *tok. */
static bool matchBearer(const char *s, size_t i, size_t *prefix, size_t *tok) {
    if (strncasecmp(s + i, "bearer", 6) != 0) return false;
    if (i > 0 && isalnum((unsigned char)s[i - 1])) return false;
    size_t j = i + 6;
    if (s[j] != ' ' && s[j] != '\t') return false;
    while (s[j] == ' ' || s[j] == '\t') j++;
    size_t k = j;
    while (isTokenChar((unsigned char)s[k])) k++;
    if (k == j) return false;
    *prefix = j - i;
    *tok = k - j;
    return true;
}

/* "authorization" [quote] blanks (':'|'=') blanks [quote] value. The value
 * ends at the matching quote, else at the end of the line. */
static bool matchAuthorization(const char *s, size_t i, size_t *prefix, size_t *valueLen) {
    if (strncasecmp(s + i, "authorization", 13) != 0) return false;
    size_t j = i + 13;
    if (s[j] == '"' || s[j] == '\'') j++;
    while (s[j] == ' ' || s[j] == '\t') j++;
    if (s[j] != ':' && s[j] != '=') return false;
    j++;
    while (s[j] == ' ' || s[j] == '\t') j++;
    char quote = 0;
    if (s[j] == '"' || s[j] == '\'') quote = s[j++];
    size_t k = j;
    if (quote) {
        while (s[k] && s[k] != quote) {
            if (s[k] == '\\' && s[k + 1]) k++;
            k++;
        }
    } else {
        while (s[k] && s[k] != '\r' && s[k] != '\n') k++;
    }
    if (k == j) return false;
    *prefix = j - i;
    *valueLen = k - j;
    return true;
}

/* "://user:password@" — returns the offset of the password and its length. */
static bool matchUrlPassword(const char *s, size_t i, size_t *prefix, size_t *pwLen) {
    if (strncmp(s + i, "://", 3) != 0) return false;
    size_t j = i + 3;
    while (s[j] && s[j] != ':' && s[j] != '@' && s[j] != '/' && !isspace((unsigned char)s[j])) j++;
    if (s[j] != ':') return false;
    size_t k = j + 1;
    while (s[k] && s[k] != '@' && s[k] != '/' && !isspace((unsigned char)s[k])) k++;
    if (s[k] != '@' || k == j + 1) return false;
    *prefix = j + 1 - i;
    *pwLen = k - (j + 1);
    return true;
}

bool logScrubAppend(HgnBuf *b, const char *s) {
    logEnsureAtfork();
    pthread_rwlock_rdlock(&secretsLock);
    size_t i = 0, copied = 0;
    while (s[i]) {
        size_t prefix = 0, n = 0, skip = 0;
        char c = s[i];
        for (size_t k = 0; k < nSecrets; k++) {
            if (secrets[k][0] != c) continue;
            size_t len = strlen(secrets[k]);
            if (strncmp(s + i, secrets[k], len) == 0) {
                skip = len;
                break;
            }
        }
        /* each pattern starts with a known character: test only there */
        bool hit = false;
        if (!skip) {
            if (c == 'a' || c == 'A')
                hit = matchAuthorization(s, i, &prefix, &n);
            else if (c == 'b' || c == 'B')
                hit = matchBearer(s, i, &prefix, &n);
            else if (c == ':')
                hit = matchUrlPassword(s, i, &prefix, &n);
        }
        if (hit) skip = prefix + n;
        if (!skip) {
            i++;
            continue;
        }
        hgnBufAppend(b, s + copied, i + prefix - copied);
        hgnBufAppend(b, mask, sizeof mask - 1);
        i += skip;
        copied = i;
    }
    hgnBufAppend(b, s + copied, i - copied);
    pthread_rwlock_unlock(&secretsLock);
    return hgnBufOk(b);
}

char *hgnLogScrub(const char *s) {
    if (!s) return NULL;
    HgnBuf b;
    hgnBufInit(&b);
    logScrubAppend(&b, s);
    return hgnBufDetach(&b);
}

bool logKeyIsSecret(const char *key) {
    static const char *const names[] = {
        "authorization", "proxyAuthorization", "password",  "passwd",      "secret",       "token", "apiKey",
        "api_key",       "accessToken",        "authToken", "bearerToken", "clientSecret", "dsn"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(key, names[i]) == 0) return true;
    return false;
}
