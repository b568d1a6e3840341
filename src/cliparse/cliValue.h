/* cliValue.h — conversion and checking of one command-line value by its type
 * (integers with ranges, reals, byte sizes, enums, files, URLs, DEV=SIZE, …). */
#ifndef HGN_CLIPARSE_CLIVALUE_H
#define HGN_CLIPARSE_CLIVALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cliparse/cliParse.h"
#include "huginn/status.h"

/* Converts text for opt into arg (integer/real/size/device members) and checks
 * it. what names the value in errors ("--context", "MODEL"). Errors: HGN-0009
 * UsageError for a malformed or out-of-range value, opt->missingCode (default
 * HGN-0014 NotFound) for a missing file, HGN-0008 PermissionDenied for an
 * unreadable one. */
HGN_NODISCARD HgnStatus hgnCliValueConvert(const HgnCliOption *opt, const char *text, const char *what, HgnCliArg *arg);

/* Parses a byte size: a decimal number (fraction allowed) with an optional
 * unit B, KiB, MiB, GiB, TiB, PiB (powers of 1024) or kB/KB, MB, GB, TB, PB
 * (powers of 1000), case-insensitive, optional space before the unit. Plain
 * numbers are bytes. False on malformed text or overflow past 2^64-1. */
bool hgnCliParseSize(const char *text, uint64_t *out);
/* Renders bytes with a binary unit ("2GiB", "1.5MiB", "512B") into buf; returns buf. */
char *hgnCliFormatSize(uint64_t bytes, char *buf, size_t bufSize);

#endif
