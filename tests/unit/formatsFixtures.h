/* formatsFixtures.h — helpers shared by the format reader tests: a raw byte
 * builder for hand-made (often malformed) files; the generic assertions and
 * file helpers come from testUtil.h.
 * Header-only (static functions) because every test is its own program. */
#ifndef HGN_TESTS_FORMATSFIXTURES_H
#define HGN_TESTS_FORMATSFIXTURES_H

#include "core/strBuf.h"
#include "testUtil.h"

static inline void putU8(HgnBuf *b, uint8_t v) { hgnBufAppend(b, (const char *)&v, 1); }
static inline void putU32(HgnBuf *b, uint32_t v) {
    for (int k = 0; k < 4; k++) putU8(b, (uint8_t)(v >> (8 * k)));
}
static inline void putU64(HgnBuf *b, uint64_t v) {
    for (int k = 0; k < 8; k++) putU8(b, (uint8_t)(v >> (8 * k)));
}
static inline void putStr(HgnBuf *b, const char *s) {
    putU64(b, strlen(s));
    hgnBufAppendStr(b, s);
}
static inline void putZeros(HgnBuf *b, size_t n) {
    for (size_t i = 0; i < n; i++) putU8(b, 0);
}

#endif
