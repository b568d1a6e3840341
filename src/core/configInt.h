/* configInt.h — internals of the layered configuration (config*.c).
 *
 * A layer is a JSON document plus its origins: a JSON object mapping the JSON
 * pointer of every value in the layer to [label, where], where label is what
 * hgnConfigSource shows ("default", "file:PATH:LINE", "env:HUGINN_X__Y",
 * "flag:--opt", "profile:NAME@file:PATH:LINE") and where is what an error
 * names ("PATH:LINE:COLUMN", "env HUGINN_X__Y", "flag --opt"). */
#ifndef HGN_CORE_CONFIGINT_H
#define HGN_CORE_CONFIGINT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/strBuf.h"
#include "huginn/config.h"
#include "huginn/status.h"

struct HgnConfig {
    json_t *doc;     /* effective document */
    json_t *origins; /* pointer -> [label, where] */
    json_t *schema;  /* config/schema.json */
    char *profile;   /* chosen profile or NULL */
};

typedef struct ConfigLayer {
    json_t *doc;
    json_t *origins;
} ConfigLayer;

/* ---- problems: every error found, reported as one HGN-0001 ------------------ */
typedef struct ConfigProblems {
    size_t count;
    char *where; /* of the first problem */
    char *hint;  /* of the first problem */
    HgnBuf text; /* first message, then "; also at WHERE: MSG" for up to 9 more */
    bool oom;
} ConfigProblems;

void problemsInit(ConfigProblems *p);
void problemsAdd(ConfigProblems *p, const char *where, const char *hint, const char *fmt, ...) HGN_PRINTF(4, 5);
/* Adds an existing error (ownership taken); OOM errors are kept as OOM. */
void problemsAddStatus(ConfigProblems *p, HgnStatus st);
/* HGN_OK when there were none; frees p either way. */
HgnStatus problemsTake(ConfigProblems *p);
void problemsFree(ConfigProblems *p);

/* ---- schema navigation (configSchema.c) ------------------------------------ */
/* Follows a local "$ref": "#/definitions/…" once; returns node otherwise. */
const json_t *schemaResolve(const json_t *root, const json_t *node);
/* Schema of property key inside an object schema: properties[key], else an
 * additionalProperties schema, else NULL (unknown key). */
const json_t *schemaChild(const json_t *root, const json_t *node, const char *key);
/* Like schemaChild but matches key case-insensitively ignoring '_' (for
 * environment variables). OUT: *name, the schema's spelling (borrowed) or key itself. */
const json_t *schemaChildLoose(const json_t *root, const json_t *node, const char *key, const char **name);
/* Schema at a JSON pointer ("" = root), NULL when the path is not in the schema. */
const json_t *schemaAt(const json_t *root, const char *pointer);
bool schemaHasType(const json_t *node, const char *type);
/* "string", "integer or string", … (static or borrowed). */
void schemaDescribeExpected(const json_t *node, HgnBuf *out);
/* Names of the properties of an object schema, for did-you-mean. */
const char *closestName(const char *word, const char *const *names, size_t n);
/* Did-you-mean among the properties of an object schema (NULL: none close). */
const char *schemaSuggest(const json_t *node, const char *key);

/* ---- JSON pointers ----------------------------------------------------------- */
/* Appends "/" + escaped token to b. */
bool pointerAppend(HgnBuf *b, const char *token);
/* "/logging/level" -> "logging.level" (caller frees). */
char *pointerToDotted(const char *pointer);
/* "logging.level" -> "/logging/level" (caller frees). */
char *dottedToPointer(const char *dotted);

/* ---- layers (configLayers.c) ---------------------------------------------------- */
void layerInit(ConfigLayer *l);
void layerFree(ConfigLayer *l);
/* Parses TOML text into a layer. labelBase is "default" or "file:PATH";
 * profiles found ([profile.NAME]) are moved into *profiles (merged over what
 * earlier files defined): name -> {"doc":…, "origins":…, "inherits":name, "inheritsWhere":…}.
 * Unknown keys are added to problems. */
HGN_NODISCARD HgnStatus layerParseToml(const char *text, size_t len, const char *sourceName, const char *labelBase,
                                       const json_t *schema, json_t *profiles, ConfigLayer *out,
                                       ConfigProblems *problems);
/* Merges src over dst (objects recursively; other values replaced). */
HGN_NODISCARD HgnStatus layerMerge(ConfigLayer *dst, const ConfigLayer *src);
/* Applies profile name (and what it inherits, base first) over dst.
 * where/origin name the selector ("--profile", "env HUGINN_PROFILE"). */
HGN_NODISCARD HgnStatus profileApply(ConfigLayer *dst, const json_t *profiles, const char *name, const char *where);
/* Checks that every profile's inheritance resolves (unknown names, cycles). */
void profilesCheckAll(const json_t *profiles, ConfigProblems *problems);

/* ---- environment and flags (configEnv.c) ------------------------------------ */
/* Builds the layer of HUGINN_<SECTION>__<KEY> variables. */
HGN_NODISCARD HgnStatus layerFromEnv(char *const *env, const json_t *schema, ConfigLayer *out,
                                     ConfigProblems *problems);
HGN_NODISCARD HgnStatus layerFromFlags(const HgnConfigFlag *flags, size_t n, const json_t *schema, ConfigLayer *out,
                                       ConfigProblems *problems);
/* Looks a variable up in env (NULL: the process environment). */
const char *envLookup(char *const *env, const char *name);

/* ---- validation (configValidate.c) ---------------------------------------------- */
/* Validates the merged layer against the schema; violations are mapped to
 * their origins and added to problems. */
HGN_NODISCARD HgnStatus layerValidate(const ConfigLayer *layer, const json_t *schema, ConfigProblems *problems);
/* The embedded schema (new reference). */
HGN_NODISCARD HgnStatus configSchemaLoad(json_t **out);

#endif
