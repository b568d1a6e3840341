/* cLocale.h — the "C" locale as an object, so that number text (TOML floats)
 * is read and written with a '.' decimal point whatever setlocale() the
 * program has called. */
#ifndef HGN_CORE_CLOCALE_H
#define HGN_CORE_CLOCALE_H

#include <locale.h>

/* The process-wide "C" locale, created on first use (thread-safe); (locale_t)0
 * when it cannot be created, in which case callers fall back to the current locale. */
locale_t hgnCLocale(void);

/* strtod that always uses '.' as the decimal point. */
double hgnStrtodC(const char *s, char **end);

#endif
