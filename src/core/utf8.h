/* utf8.h — UTF-8 well-formedness (RFC 3629: no overlongs, no surrogates,
 * nothing above U+10FFFF), shared by the TOML lexer and the escapers. */
#ifndef HGN_CORE_UTF8_H
#define HGN_CORE_UTF8_H

#include <stddef.h>

/* Length (1..4) of the well-formed UTF-8 sequence at s[0..n), 0 when it is
 * not one (bad lead byte, bad continuation, overlong, surrogate, > U+10FFFF,
 * or cut short by n). n must be at least 1. */
size_t hgnUtf8SeqLen(const unsigned char *s, size_t n);

#endif
