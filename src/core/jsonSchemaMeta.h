/* jsonSchemaMeta.h — the draft-07 meta-schema text, resolvable by $ref. */
#ifndef HGN_CORE_JSON_SCHEMA_META_H
#define HGN_CORE_JSON_SCHEMA_META_H
/* URI without the (empty) fragment. */
extern const char schemaDraft7MetaUri[];
extern const char schemaDraft7Meta[];
#endif
