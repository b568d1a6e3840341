/* cliSuggest.h — "did you mean" suggestions for mistyped commands, options and values.
 *
 * The distance is the optimal-string-alignment edit distance (insertions,
 * deletions, substitutions and swaps of two neighbours each cost 1), so `pln`
 * is 1 from `plan` and `exeucte` is 1 from `execute`. */
#ifndef HGN_CLIPARSE_CLISUGGEST_H
#define HGN_CLIPARSE_CLISUGGEST_H

#include <stddef.h>

/* Edit distance between a and b (compared byte-wise, case-sensitive). Words
 * longer than 64 bytes are compared on their first 64 bytes. */
size_t hgnCliEditDistance(const char *a, const char *b);

/* The candidate closest to word when it is close enough to be a likely typo
 * (distance ≤ 1 for words up to 4 bytes, ≤ 2 up to 8, ≤ 3 beyond), or when
 * word (3+ bytes) is a prefix of exactly one candidate; ties go to the first
 * candidate. Returns a borrowed candidate or NULL. */
const char *hgnCliSuggest(const char *word, const char *const *candidates, size_t nCandidates);

#endif
