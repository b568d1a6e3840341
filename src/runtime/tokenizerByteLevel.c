/* tokenizerByteLevel.c — the GPT-2 bytes→unicode table: every byte maps to a
 * printable code point so that byte-level BPE tokens are valid text. Bytes
 * '!'..'~', 0xA1..0xAC and 0xAE..0xFF map to themselves; the other 68 bytes
 * map, in increasing order, to U+0100, U+0101, ... (so ' ' → 'Ġ' U+0120,
 * '\n' → 'Ċ' U+010A), exactly as bytes_to_unicode() in OpenAI's encoder.py. */
#include "runtime/tokenizerInt.h"

static bool selfMapped(unsigned b) { return (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || b >= 0xae; }

/* The 68 other bytes are 0x00..0x20, 0x7F..0xA0 and 0xAD, in that order. */
static unsigned codePointOf(unsigned b) {
    if (selfMapped(b)) return b;
    if (b <= 0x20) return 256 + b;
    if (b <= 0xa0) return 256 + 33 + (b - 0x7f);
    return 256 + 67; /* 0xAD */
}

/* Byte for code point cp, or -1 when cp is not in the table. */
static int byteOf(unsigned cp) {
    if (cp < 256) return selfMapped(cp) ? (int)cp : -1;
    if (cp < 256 + 33) return (int)(cp - 256);
    if (cp < 256 + 67) return (int)(cp - 256 - 33 + 0x7f);
    if (cp == 256 + 67) return 0xad;
    return -1;
}

static size_t putUtf8(unsigned cp, char out[2]) {
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    out[0] = (char)(0xc0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3f));
    return 2;
}

size_t tokByteToUnicode(uint8_t b, char out[2]) { return putUtf8(codePointOf(b), out); }

size_t tokByteLevelDecode(const char *text, size_t len, char *out) {
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t n = tokUtf8CharLen(text + i, len - i);
        unsigned cp = 0x7fffffff;
        const unsigned char *u = (const unsigned char *)text + i;
        if (n == 1 && u[0] < 0x80)
            cp = u[0];
        else if (n == 2)
            cp = ((unsigned)(u[0] & 0x1f) << 6) | (u[1] & 0x3f);
        int b = byteOf(cp);
        if (b >= 0) {
            out[o++] = (char)b;
        } else {
            for (size_t k = 0; k < n; k++) out[o++] = text[i + k];
        }
        i += n;
    }
    return o;
}
