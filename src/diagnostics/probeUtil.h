/* probeUtil.h — helpers shared by the diagnostics probes: environment
 * lookup over an injectable environ, small file reads, and a JSON builder
 * that remembers the first failed insertion so probes check once at the end. */
#ifndef HGN_DIAGNOSTICS_PROBE_UTIL_H
#define HGN_DIAGNOSTICS_PROBE_UTIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "huginn/status.h"

/* Value of name in env (NULL: the process environment); NULL when unset or empty. */
const char *hgnDiagEnvGet(char *const *env, const char *name);

/* Reads at most maxBytes of a small file (procfs/sysfs) into a new
 * NUL-terminated string (OUT: *text, free with hgnFree). False when unreadable
 * (errno says why; ENOMEM for allocation failure). */
bool hgnDiagReadSmallFile(const char *path, size_t maxBytes, char **text);
/* "root" + "rel" into a new string (NULL on allocation failure). */
char *hgnDiagPathJoin(const char *root, const char *rel);

/* JSON builder: every call is a no-op after the first failure; a NULL value
 * (jansson allocation failure) counts as a failure. Values are stolen. */
typedef struct HgnJsonBuild {
    bool failed;
} HgnJsonBuild;

void hgnJbSet(HgnJsonBuild *jb, json_t *obj, const char *key, json_t *value);
void hgnJbSetStr(HgnJsonBuild *jb, json_t *obj, const char *key, const char *s); /* NULL s → null */
void hgnJbSetInt(HgnJsonBuild *jb, json_t *obj, const char *key, int64_t v);
void hgnJbSetBool(HgnJsonBuild *jb, json_t *obj, const char *key, bool v);
void hgnJbAppend(HgnJsonBuild *jb, json_t *array, json_t *value);
/* Appends {"code": code, "message": message} to warnings. */
void hgnJbWarn(HgnJsonBuild *jb, json_t *warnings, const char *code, const char *fmt, ...) HGN_PRINTF(4, 5);
/* Returns a new object/array or marks the builder failed and returns NULL. */
json_t *hgnJbObject(HgnJsonBuild *jb);
json_t *hgnJbArray(HgnJsonBuild *jb);

/* PCI bus id in hwloc's spelling "dddd:bb:dd.f" (lowercase) from any of
 * "00000000:01:00.0", "0000:01:00.0", "01:00.0"; false when unparseable. */
bool hgnDiagPciBusIdNormalize(const char *in, char out[16]);

#endif
