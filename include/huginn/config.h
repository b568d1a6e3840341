/* config.h — Huginn's layered configuration.
 *
 * Layers, lowest first: built-in defaults (config/defaults.toml, compiled in),
 * /etc/huginn/config.toml, $XDG_CONFIG_HOME/huginn/config.toml (or
 * ~/.config/huginn/config.toml), --config FILE, environment variables
 * HUGINN_<SECTION>__<KEY>=value (typed by config/schema.json), command-line
 * flags. A profile ([profile.NAME], `inherits = "other"`) chosen by --profile
 * or HUGINN_PROFILE is applied on top of the file layers that define it. The
 * merged document is validated against config/schema.json; any problem is
 * HGN-0001 InvalidConfig naming the file:line:column or JSON pointer, what was
 * expected and what was found. Every value remembers its source. */
#ifndef HUGINN_CONFIG_H
#define HUGINN_CONFIG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "huginn/log.h"
#include "huginn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct HgnConfig HgnConfig;

typedef struct HgnConfigFlag {
    const char *path;   /* dotted key, e.g. "logging.format" */
    const char *value;  /* textual value, typed by the schema */
    const char *origin; /* e.g. "--log-format"; shown as the source */
} HgnConfigFlag;

typedef struct HgnConfigOptions {
    const char *configFile;       /* --config FILE (NULL: none) */
    const char *profile;          /* --profile NAME (NULL: HUGINN_PROFILE or none) */
    const HgnConfigFlag *flags;   /* command-line overrides, applied last */
    size_t nFlags;
    char *const *environ;         /* environment to read (NULL: the process environment) */
    const char *systemFile;       /* NULL: /etc/huginn/config.toml ("" disables) */
    const char *userFile;         /* NULL: $XDG_CONFIG_HOME/huginn/config.toml ("" disables) */
} HgnConfigOptions;

HGN_NODISCARD HgnStatus hgnConfigLoad(const HgnConfigOptions *opts, HgnConfig **out);
void hgnConfigFree(HgnConfig *cfg);

/* The effective document (borrowed). */
const json_t *hgnConfigJson(const HgnConfig *cfg);
/* Value at a dotted path (borrowed), NULL when absent. */
const json_t *hgnConfigGet(const HgnConfig *cfg, const char *path);
const char *hgnConfigGetString(const HgnConfig *cfg, const char *path, const char *fallback);
int64_t hgnConfigGetInt(const HgnConfig *cfg, const char *path, int64_t fallback);
double hgnConfigGetReal(const HgnConfig *cfg, const char *path, double fallback);
bool hgnConfigGetBool(const HgnConfig *cfg, const char *path, bool fallback);
/* Where the value at path came from: "default", "file:PATH:LINE",
 * "env:HUGINN_X__Y", "flag:--opt", "profile:NAME@file:PATH:LINE". */
const char *hgnConfigSource(const HgnConfig *cfg, const char *path);
const char *hgnConfigProfile(const HgnConfig *cfg); /* NULL when none */
/* True when the schema marks path secret ("x-secret": true). */
bool hgnConfigIsSecret(const HgnConfig *cfg, const char *path);

/* `huginn config show`: {"profile":…, "values":[{"path","value","source"}…]}
 * with secrets as "***" (OUT: new reference). */
HGN_NODISCARD HgnStatus hgnConfigShowJson(const HgnConfig *cfg, json_t **out);
/* The effective configuration as TOML (secrets included only when
 * includeSecrets); loading it again yields the same configuration. */
HGN_NODISCARD HgnStatus hgnConfigDumpToml(const HgnConfig *cfg, bool includeSecrets, char **out);
/* The logging.* section as an HgnLogConfig for hgnLogConfigure: colour "auto"
 * is decided with hgnLogColorWanted(out->stream); filePath points into cfg
 * (NULL when logging.file is empty). out->stream is left as the caller set it
 * after hgnLogDefaults (NULL: stderr). */
HGN_NODISCARD HgnStatus hgnConfigLogSettings(const HgnConfig *cfg, HgnLogConfig *out);
/* Validates one TOML file as a config layer (syntax, keys, types, ranges). */
HGN_NODISCARD HgnStatus hgnConfigValidateFile(const char *path);

#ifdef __cplusplus
}
#endif
#endif
