/* jsonSchemaInt.h — private structures of the JSON Schema validator: the
 * compiled node tree shared by jsonSchemaCompile.c (builds it),
 * jsonSchemaValidate.c (walks it), and the helpers for URIs, regexes, formats
 * and value semantics (equality, numbers) that both use. */
#ifndef HGN_CORE_JSON_SCHEMA_INT_H
#define HGN_CORE_JSON_SCHEMA_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/strBuf.h"
#include "huginn/jsonSchema.h"

/* ---- types ------------------------------------------------------------------ */
enum {
    SCHEMA_TYPE_NULL = 1u << 0,
    SCHEMA_TYPE_BOOLEAN = 1u << 1,
    SCHEMA_TYPE_OBJECT = 1u << 2,
    SCHEMA_TYPE_ARRAY = 1u << 3,
    SCHEMA_TYPE_NUMBER = 1u << 4,
    SCHEMA_TYPE_STRING = 1u << 5,
    SCHEMA_TYPE_INTEGER = 1u << 6,
};

/* ---- regular expressions (jsonSchemaRegex.c) -------------------------------- */
typedef struct SchemaRegex SchemaRegex;
typedef struct SchemaMatchData SchemaMatchData;
/* Compiles an ECMA-262 pattern (UTF mode). On a bad pattern returns NULL and
 * writes the reason into err (when err is not NULL); *oom is set on OOM. */
SchemaRegex *schemaRegexCompile(const char *pattern, size_t len, HgnBuf *err, bool *oom);
void schemaRegexFree(SchemaRegex *re);
/* Per-validation scratch space for matching (one per thread). */
SchemaMatchData *schemaMatchDataCreate(void);
void schemaMatchDataFree(SchemaMatchData *md);
/* 1 on match, 0 on no match, -1 on error (OOM, match limit). */
int schemaRegexSearch(const SchemaRegex *re, SchemaMatchData *md, const char *s, size_t len);
/* True when pattern is a valid ECMA-262 regex (compiles and frees it). */
bool schemaRegexIsValid(const char *pattern, size_t len);

/* ---- formats (jsonSchemaFormats.c) ------------------------------------------ */
typedef bool (*SchemaFormatCheck)(const char *s, size_t len);
/* Checker for a format name, NULL for unknown formats (which always pass). */
SchemaFormatCheck schemaFormatLookup(const char *name);
/* Human-readable description of a format ("a date-time (RFC 3339)"). */
const char *schemaFormatDescribe(const char *name);
bool schemaContentEncodingValid(const char *encoding, const char *s, size_t len, bool *known);
bool schemaContentMediaTypeValid(const char *mediaType, const char *encoding, const char *s, size_t len);

/* ---- values (jsonSchemaValue.c) --------------------------------------------- */
/* Deep equality with mathematical number comparison (1 == 1.0). */
bool schemaValueEqual(const json_t *a, const json_t *b);
/* Hash consistent with schemaValueEqual. */
uint64_t schemaValueHash(const json_t *v);
/* -1, 0, 1 comparing two numbers mathematically (int vs real exact on x86-64). */
int schemaNumberCompare(const json_t *a, const json_t *b);
/* True when the number n is an integer (json integer or integral real). */
bool schemaNumberIsIntegral(const json_t *n);
/* True when n is an exact multiple of d (d > 0): integers exactly, reals by
 * their shortest decimal representation. */
bool schemaNumberIsMultipleOf(const json_t *n, const json_t *d);
/* Unicode code points of a UTF-8 string. */
size_t schemaUtf8Length(const char *s, size_t len);
/* Appends a short description of v: `string "abc"`, `integer 3`, `object`. */
void schemaDescribeValue(HgnBuf *b, const json_t *v);
/* Appends v as compact JSON, truncated to about maxLen bytes. */
void schemaAppendJson(HgnBuf *b, const json_t *v, size_t maxLen);
/* Name of the JSON type of v ("integer" for integral numbers). */
const char *schemaTypeName(const json_t *v);

/* ---- URIs (jsonSchemaUri.c) ------------------------------------------------- */
/* Resolves ref against base (RFC 3986 §5.2); caller frees; NULL on OOM. */
char *schemaUriResolve(const char *base, const char *ref);
/* Copy of uri without its fragment; *fragment (if not NULL) points into uri
 * after the '#' or is NULL when there is none. Caller frees; NULL on OOM. */
char *schemaUriStripFragment(const char *uri, const char **fragment);
/* Percent-decodes s into a new string; NULL on a decoded NUL or on OOM (*oom). */
char *schemaPercentDecode(const char *s, size_t len, bool *oom);

/* ---- the compiled tree -------------------------------------------------------- */
typedef struct SchemaNode SchemaNode;

typedef struct SchemaNamedNode {
    const char *name; /* borrowed from the schema document */
    size_t nameLen;
    SchemaNode *node;
} SchemaNamedNode;

typedef struct SchemaPatternNode {
    SchemaRegex *re;
    const char *source;
    SchemaNode *node;
} SchemaPatternNode;

typedef struct SchemaDependency {
    const char *name;
    SchemaNode *node;      /* schema form */
    const char **required; /* array form (borrowed strings) */
    size_t nRequired;
} SchemaDependency;

enum {
    KW_TYPE = 1u << 0,
    KW_ENUM = 1u << 1,
    KW_CONST = 1u << 2,
    KW_MINIMUM = 1u << 3,
    KW_MAXIMUM = 1u << 4,
    KW_EXCL_MINIMUM = 1u << 5,
    KW_EXCL_MAXIMUM = 1u << 6,
    KW_MULTIPLE_OF = 1u << 7,
    KW_MIN_LENGTH = 1u << 8,
    KW_MAX_LENGTH = 1u << 9,
    KW_PATTERN = 1u << 10,
    KW_FORMAT = 1u << 11,
    KW_MIN_ITEMS = 1u << 12,
    KW_MAX_ITEMS = 1u << 13,
    KW_UNIQUE_ITEMS = 1u << 14,
    KW_MIN_PROPERTIES = 1u << 15,
    KW_MAX_PROPERTIES = 1u << 16,
    KW_CONTENT = 1u << 17,
    /* groups, to skip whole families quickly */
    KW_NUMERIC = KW_MINIMUM | KW_MAXIMUM | KW_EXCL_MINIMUM | KW_EXCL_MAXIMUM | KW_MULTIPLE_OF,
    KW_STRING = KW_MIN_LENGTH | KW_MAX_LENGTH | KW_PATTERN | KW_FORMAT | KW_CONTENT,
};

struct SchemaNode {
    const json_t *json; /* the schema value (borrowed from a document the schema holds) */
    char *pointer;      /* "<doc>#/json/pointer" of this schema, for messages */
    bool isBool;        /* true/false schema */
    bool boolValue;
    SchemaNode *ref;     /* $ref target (all sibling keywords ignored) */
    const char *refText; /* the $ref string as written */

    uint32_t kw;    /* KW_* present */
    unsigned types; /* SCHEMA_TYPE_* mask when KW_TYPE */
    const json_t *enumValues, *constValue;
    const json_t *minimum, *maximum, *exclMinimum, *exclMaximum, *multipleOf;
    size_t minLength, maxLength, minItems, maxItems, minProperties, maxProperties;
    SchemaRegex *pattern;
    const char *patternSource;
    const char *format;
    SchemaFormatCheck formatCheck;
    const char *contentEncoding, *contentMediaType;

    /* objects */
    SchemaNamedNode *properties; /* sorted by name for binary search */
    size_t nProperties;
    SchemaPatternNode *patternProperties;
    size_t nPatternProperties;
    SchemaNode *additionalProperties;
    const char **required;
    size_t nRequired;
    SchemaDependency *dependencies;
    size_t nDependencies;
    SchemaNode *propertyNames;
    bool hasObjectKeywords;

    /* arrays */
    SchemaNode *items;       /* single-schema form */
    SchemaNode **itemsArray; /* tuple form */
    size_t nItemsArray;
    bool itemsIsArray;
    SchemaNode *additionalItems;
    SchemaNode *contains;
    bool hasArrayKeywords;

    /* combinators */
    SchemaNode **allOf, **anyOf, **oneOf;
    size_t nAllOf, nAnyOf, nOneOf;
    SchemaNode *notNode, *ifNode, *thenNode, *elseNode;
};

/* Pointer → node map used while compiling (cycles of $ref). */
typedef struct SchemaPtrMap {
    const void **keys;
    void **values;
    size_t cap, count;
} SchemaPtrMap;

struct HgnSchema {
    SchemaNode *root;
    SchemaNode **nodes; /* every node, for freeing */
    size_t nNodes, capNodes;
    json_t **docs; /* documents we hold a reference to */
    size_t nDocs, capDocs;
    char *sourceName;
    bool validateFormats;
    size_t maxEvaluations;
    bool hasPatterns; /* some node has pattern / patternProperties */
};

/* Lookup of a property by name (binary search over node->properties). */
SchemaNode *schemaFindProperty(const SchemaNode *node, const char *name, size_t len);

#define SCHEMA_MAX_DEPTH               4096
#define SCHEMA_DEFAULT_MAX_EVALUATIONS 50000000u

#endif
