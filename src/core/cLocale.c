/* cLocale.c — the "C" locale object for locale-independent number text (see cLocale.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strtod_l */
#endif
#include "core/cLocale.h"

#include <pthread.h>
#include <stdlib.h>

static locale_t cLocale;
static pthread_once_t cLocaleOnce = PTHREAD_ONCE_INIT;

static void makeCLocale(void) { cLocale = newlocale(LC_ALL_MASK, "C", (locale_t)0); }

locale_t hgnCLocale(void) {
    pthread_once(&cLocaleOnce, makeCLocale);
    return cLocale;
}

double hgnStrtodC(const char *s, char **end) {
    locale_t loc = hgnCLocale();
    return loc ? strtod_l(s, end, loc) : strtod(s, end);
}
