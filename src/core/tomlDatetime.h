/* tomlDatetime.h — TOML/RFC 3339 date-time scanning and validation (calendar,
 * clock and offset ranges). Rendering is the public hgnTomlFormatDatetime. */
#ifndef HGN_CORE_TOMLDATETIME_H
#define HGN_CORE_TOMLDATETIME_H

#include <stddef.h>

#include "huginn/toml.h"

/* Scans exactly n bytes of date-time text ("1979-05-27T07:32:00Z",
 * "1979-05-27 07:32:00.5", "1979-05-27", "07:32:00") into *type and *dt.
 * Returns NULL on success, else a static reason ("day 30 is past the end of
 * February 2001"-style text is written into why, ≥ 96 bytes). */
const char *hgnTomlDatetimeScan(const char *s, size_t n, HgnTomlType *type, HgnTomlDatetime *dt, char *why,
                                size_t whySize);

/* True when s (n bytes) is a complete TOML date-time of any of the four kinds. */
bool hgnTomlIsDatetime(const char *s, size_t n);

#endif
