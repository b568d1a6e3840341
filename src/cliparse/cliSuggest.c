/* cliSuggest.c — edit distance and did-you-mean suggestions (see cliSuggest.h). */
#include "cliparse/cliSuggest.h"

#include <string.h>

enum { MAX_WORD = 64 };

size_t hgnCliEditDistance(const char *a, const char *b) {
    size_t n = strlen(a), m = strlen(b);
    if (n > MAX_WORD) n = MAX_WORD;
    if (m > MAX_WORD) m = MAX_WORD;
    /* Three rows of the dynamic-programming table: i-2, i-1 and i. */
    size_t rows[3][MAX_WORD + 1];
    for (size_t j = 0; j <= m; j++) rows[1][j] = j;
    for (size_t i = 1; i <= n; i++) {
        size_t *cur = rows[(i + 1) % 3], *prev = rows[i % 3], *prev2 = rows[(i + 2) % 3];
        cur[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = prev[j] + 1;                                /* deletion */
            if (cur[j - 1] + 1 < best) best = cur[j - 1] + 1;         /* insertion */
            if (prev[j - 1] + cost < best) best = prev[j - 1] + cost; /* substitution */
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < best)
                best = prev2[j - 2] + 1; /* swap of neighbours */
            cur[j] = best;
        }
    }
    return rows[(n + 1) % 3][m];
}

static size_t allowedDistance(size_t len) {
    if (len <= 4) return 1;
    if (len <= 8) return 2;
    return 3;
}

const char *hgnCliSuggest(const char *word, const char *const *candidates, size_t nCandidates) {
    if (!word || !word[0]) return NULL;
    const char *best = NULL;
    size_t bestDistance = (size_t)-1;
    size_t wordLen = strlen(word);
    for (size_t i = 0; i < nCandidates; i++) {
        size_t d = hgnCliEditDistance(word, candidates[i]);
        if (d < bestDistance) {
            bestDistance = d;
            best = candidates[i];
        }
    }
    if (best && bestDistance > 0 && bestDistance <= allowedDistance(wordLen)) return best;
    if (wordLen >= 3) {
        const char *prefixMatch = NULL;
        for (size_t i = 0; i < nCandidates; i++) {
            if (strncmp(candidates[i], word, wordLen) != 0) continue;
            if (prefixMatch) return NULL; /* ambiguous */
            prefixMatch = candidates[i];
        }
        if (prefixMatch) return prefixMatch;
    }
    return NULL;
}
