/* toml.c — TOML 1.0 document structure: key/value pairs, [tables],
 * [[arrays of tables]], dotted keys, arrays and inline tables, with the
 * redefinition rules of the spec (see huginn/toml.h). Lexing lives in
 * tomlLexer.c, tree access and free in tomlTree.c.
 *
 * Every node is allocated as a Node whose first member is the public
 * HgnTomlValue, so hgnTomlFree can release it as a plain value; the extra
 * fields (how a table came to exist, nesting depth) serve the parser only.
 * Key lookups during parsing go through one hash index over (table, key), so
 * parsing stays linear in the size of the document. */
#include "huginn/toml.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/fileIo.h"
#include "core/strBuf.h"
#include "core/tomlLexer.h"

#define MAX_DEPTH HGN_TOML_MAX_DEPTH

enum {
    NODE_IMPLICIT = 1, /* table created as a parent in a [a.b] header */
    NODE_DEFINED = 2,  /* table given its own [header] (or [[header]]) */
    NODE_DOTTED = 4,   /* table created by a dotted key (a.b = 1) */
    NODE_INLINE = 8,   /* inline table { } or static array [ ]: complete once written */
    NODE_AOT = 16,     /* array created by [[header]] */
};

typedef struct Node {
    HgnTomlValue v; /* first: a Node* is a HgnTomlValue* */
    unsigned flags;
    int depth;
} Node;

typedef struct Slot {
    Node *table; /* NULL: empty slot */
    size_t index;
    size_t hash;
} Slot;

typedef struct KeyPart {
    size_t off, len; /* into KeyPath.text */
    int line, col;
} KeyPart;

typedef struct KeyPath {
    HgnBuf text;
    KeyPart *parts;
    size_t count, cap;
} KeyPath;

typedef struct Parser {
    HgnTomlCursor c;
    Node *root;
    Node *current; /* table receiving key/value pairs */
    Slot *slots;
    size_t nSlots, nUsed;
    HgnBuf scratch;
    HgnBuf tableName; /* dotted name of the current [table], for messages */
    int inlineDepth;  /* > 0 while reading an inline table */
} Parser;

static HgnStatus parseValue(Parser *p, int depth, Node **out);

/* ---- nodes ---------------------------------------------------------------- */

static Node *newNode(HgnTomlType type, int line, int col, int depth) {
    Node *n = hgnCalloc(1, sizeof *n);
    if (!n) return NULL;
    n->v.type = type;
    n->v.line = line;
    n->v.column = col;
    n->depth = depth;
    return n;
}

/* Capacity is implicit: arrays grow to the next power of two when count reaches one. */
static bool growFor(void **items, size_t count, size_t itemSize) {
    bool full = count == 0 || (count >= 4 && (count & (count - 1)) == 0);
    if (!full) return true;
    size_t cap = count ? count * 2 : 4;
    if (cap > SIZE_MAX / itemSize) return false;
    void *q = hgnRealloc(*items, cap * itemSize);
    if (!q) return false;
    *items = q;
    return true;
}

static bool arrayPush(Node *array, Node *item) {
    HgnTomlValue *a = &array->v;
    if (!growFor((void **)&a->as.array.items, a->as.array.count, sizeof(HgnTomlValue *))) return false;
    a->as.array.items[a->as.array.count++] = &item->v;
    return true;
}

/* ---- the (table, key) index ---------------------------------------------- */

static size_t hashKey(const Node *table, const char *key, size_t len) {
    size_t h = (size_t)14695981039346656037ull ^ ((size_t)(uintptr_t)table >> 4);
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= (size_t)1099511628211ull;
    }
    return h ? h : 1;
}

static Node *lookup(const Parser *p, const Node *table, const char *key, size_t len) {
    if (!p->nSlots) return NULL;
    size_t h = hashKey(table, key, len);
    for (size_t i = h & (p->nSlots - 1);; i = (i + 1) & (p->nSlots - 1)) {
        const Slot *s = &p->slots[i];
        if (!s->table) return NULL;
        if (s->hash == h && s->table == table) {
            const HgnTomlKeyValue *kv = &table->v.as.table.items[s->index];
            if (kv->keyLen == len && memcmp(kv->key, key, len) == 0) return (Node *)kv->value;
        }
    }
}

static void slotInsert(Slot *slots, size_t nSlots, Node *table, size_t index, size_t h) {
    size_t i = h & (nSlots - 1);
    while (slots[i].table) i = (i + 1) & (nSlots - 1);
    slots[i] = (Slot){table, index, h};
}

static bool indexReserve(Parser *p) {
    if ((p->nUsed + 1) * 2 <= p->nSlots) return true;
    size_t n = p->nSlots ? p->nSlots * 2 : 64;
    Slot *slots = hgnCalloc(n, sizeof *slots);
    if (!slots) return false;
    for (size_t i = 0; i < p->nSlots; i++)
        if (p->slots[i].table) slotInsert(slots, n, p->slots[i].table, p->slots[i].index, p->slots[i].hash);
    hgnFree(p->slots);
    p->slots = slots;
    p->nSlots = n;
    return true;
}

/* Adds key (copied) = value to table. On failure nothing is added and the
 * caller still owns value. */
static bool tableAdd(Parser *p, Node *table, const char *key, size_t len, Node *value) {
    HgnTomlValue *t = &table->v;
    char *copy = hgnMalloc(len + 1);
    if (!copy) return false;
    if (len) memcpy(copy, key, len);
    copy[len] = '\0';
    if (!indexReserve(p) || !growFor((void **)&t->as.table.items, t->as.table.count, sizeof(HgnTomlKeyValue))) {
        hgnFree(copy);
        return false;
    }
    size_t index = t->as.table.count++;
    t->as.table.items[index] = (HgnTomlKeyValue){copy, len, &value->v};
    slotInsert(p->slots, p->nSlots, table, index, hashKey(table, key, len));
    p->nUsed++;
    return true;
}

/* ---- errors --------------------------------------------------------------- */

static HgnStatus oomAt(const Parser *p) {
    char where[4400];
    snprintf(where, sizeof where, "%s:%d:%d", p->c.sourceName, p->c.line, p->c.col);
    return hgnStatusNew(HGN_CODE_OutOfMemory, where, NULL, "out of memory while parsing TOML");
}

/* The dotted key parts[0..upto] as text for messages (in p->scratch); a key
 * of a key/value pair (relative) is prefixed with its [table]'s name. */
static const char *keyText(Parser *p, const KeyPath *k, size_t upto, bool relative) {
    HgnBuf *b = &p->scratch;
    hgnBufClear(b);
    if (relative && p->inlineDepth == 0 && p->tableName.len) {
        hgnBufAppend(b, p->tableName.data, p->tableName.len);
        hgnBufAppendChar(b, '.');
    }
    for (size_t i = 0; i <= upto && i < k->count; i++) {
        const char *s = hgnBufStr(&k->text) + k->parts[i].off;
        size_t n = k->parts[i].len;
        if (i) hgnBufAppendChar(b, '.');
        if (hgnTomlIsBareKey(s, n)) {
            hgnBufAppend(b, s, n);
        } else {
            hgnBufAppendJsonString(b, s, n);
        }
        if (b->len > 200) break;
    }
    return hgnBufOk(b) ? hgnBufStr(b) : "?";
}

static const char *typeName(const HgnTomlValue *v) {
    switch (v->type) {
    case HGN_TOML_STRING:
        return "a string";
    case HGN_TOML_INTEGER:
        return "an integer";
    case HGN_TOML_FLOAT:
        return "a float";
    case HGN_TOML_BOOLEAN:
        return "a boolean";
    case HGN_TOML_OFFSET_DATETIME:
        return "an offset date-time";
    case HGN_TOML_LOCAL_DATETIME:
        return "a local date-time";
    case HGN_TOML_LOCAL_DATE:
        return "a local date";
    case HGN_TOML_LOCAL_TIME:
        return "a local time";
    case HGN_TOML_ARRAY:
        return "an array";
    case HGN_TOML_TABLE:
        return "a table";
    }
    return "a value";
}

/* The error for using an existing non-table (or closed table) `have` as a table. */
static HgnStatus notExtendable(Parser *p, const KeyPath *k, size_t i, const Node *have, bool relative) {
    const KeyPart *kp = &k->parts[i];
    const char *name = keyText(p, k, i, relative);
    if (have->v.type == HGN_TOML_TABLE && (have->flags & NODE_INLINE))
        return hgnTomlErrorAt(
            &p->c, kp->line, kp->col, "put every key of an inline table inside its braces, or use a [section] instead",
            "cannot add keys to '%s': it is an inline table (line %d), complete once written", name, have->v.line);
    if (have->v.type == HGN_TOML_TABLE)
        return hgnTomlErrorAt(&p->c, kp->line, kp->col,
                              "write all keys of that table in its own [section], or move this key there",
                              "cannot add keys to table '%s' (defined at line %d) from here", name, have->v.line);
    if (have->v.type == HGN_TOML_ARRAY && !(have->flags & NODE_AOT))
        return hgnTomlErrorAt(
            &p->c, kp->line, kp->col,
            "a static array [ ... ] is complete once written; write an array of tables as [[name]] sections",
            "cannot extend '%s': it is a static array (line %d)", name, have->v.line);
    return hgnTomlErrorAt(&p->c, kp->line, kp->col, "rename one of the keys",
                          "cannot use '%s' as a table: it is already %s (line %d)", name, typeName(&have->v),
                          have->v.line);
}

/* ---- keys ----------------------------------------------------------------- */

static void keyPathFree(KeyPath *k) {
    hgnBufFree(&k->text);
    hgnFree(k->parts);
}

/* A dotted key: part (blanks '.' blanks part)*. Stops after the last part. */
static HgnStatus parseKeyPath(Parser *p, KeyPath *k) {
    hgnBufInit(&k->text);
    k->parts = NULL;
    k->count = k->cap = 0;
    for (;;) {
        if (k->count == k->cap) {
            size_t cap = k->cap ? k->cap * 2 : 4;
            KeyPart *q = hgnRealloc(k->parts, cap * sizeof *q);
            if (!q) return oomAt(p);
            k->parts = q;
            k->cap = cap;
        }
        if (k->count >= MAX_DEPTH)
            return hgnTomlErrorAt(&p->c, p->c.line, p->c.col, "use fewer levels of nesting",
                                  "key has more than %d dotted parts", MAX_DEPTH);
        KeyPart *kp = &k->parts[k->count];
        kp->line = p->c.line;
        kp->col = p->c.col;
        HgnStatus st = hgnTomlLexKeyPart(&p->c, &p->scratch);
        if (st) return st;
        kp->off = k->text.len;
        kp->len = p->scratch.len;
        hgnBufAppend(&k->text, hgnBufStr(&p->scratch), p->scratch.len);
        hgnBufAppendChar(&k->text, '\0'); /* keeps an empty key's offset valid */
        if (!hgnBufOk(&k->text)) return oomAt(p);
        k->count++;
        hgnTomlSkipBlanks(&p->c);
        if (hgnTomlPeek(&p->c, 0) != '.') return HGN_OK;
        hgnTomlAdvance(&p->c);
        hgnTomlSkipBlanks(&p->c);
    }
}

static const char *partText(const KeyPath *k, size_t i) { return hgnBufStr(&k->text) + k->parts[i].off; }

/* Creates the table `key` in parent with the given flags. */
static HgnStatus addTable(Parser *p, Node *parent, const KeyPath *k, size_t i, unsigned flags, Node **out) {
    if (parent->depth + 1 > MAX_DEPTH)
        return hgnTomlErrorAt(&p->c, k->parts[i].line, k->parts[i].col, "use fewer levels of nesting",
                              "tables are nested more than %d levels deep", MAX_DEPTH);
    Node *t = newNode(HGN_TOML_TABLE, k->parts[i].line, k->parts[i].col, parent->depth + 1);
    if (!t) return oomAt(p);
    t->flags = flags;
    if (!tableAdd(p, parent, partText(k, i), k->parts[i].len, t)) {
        hgnFree(t);
        return oomAt(p);
    }
    *out = t;
    return HGN_OK;
}

/* ---- key/value pairs ------------------------------------------------------ */

/* key = value into table (the current table or an inline table being read). */
static HgnStatus parseKeyValue(Parser *p, Node *table) {
    KeyPath k;
    HgnStatus st = parseKeyPath(p, &k);
    if (st) goto done;
    if (hgnTomlPeek(&p->c, 0) != '=') {
        st = hgnTomlExpected(&p->c, "'=' after the key", "write key/value pairs as key = value");
        goto done;
    }
    hgnTomlAdvance(&p->c);
    hgnTomlSkipBlanks(&p->c);
    Node *t = table;
    for (size_t i = 0; i + 1 < k.count; i++) {
        Node *child = lookup(p, t, partText(&k, i), k.parts[i].len);
        if (!child) {
            st = addTable(p, t, &k, i, NODE_DOTTED, &child);
            if (st) goto done;
        } else if (child->v.type != HGN_TOML_TABLE || !(child->flags & NODE_DOTTED) || (child->flags & NODE_INLINE)) {
            st = notExtendable(p, &k, i, child, true);
            goto done;
        }
        t = child;
    }
    size_t last = k.count - 1;
    Node *have = lookup(p, t, partText(&k, last), k.parts[last].len);
    if (have) {
        st = hgnTomlErrorAt(&p->c, k.parts[last].line, k.parts[last].col,
                            "each key may be defined only once per table; remove or rename one of them",
                            "duplicate key '%s' (first defined at line %d, column %d)", keyText(p, &k, last, true),
                            have->v.line, have->v.column);
        goto done;
    }
    Node *value = NULL;
    st = parseValue(p, t->depth + 1, &value);
    if (st) goto done;
    if (!tableAdd(p, t, partText(&k, last), k.parts[last].len, value)) {
        hgnTomlFree(&value->v);
        st = oomAt(p);
    }
done:
    keyPathFree(&k);
    return st;
}

/* ---- values --------------------------------------------------------------- */

/* Skips blanks, newlines and comments (inside arrays). */
static void skipSpaceInArray(Parser *p) {
    for (;;) {
        hgnTomlSkipBlanks(&p->c);
        hgnTomlSkipComment(&p->c);
        if (!hgnTomlEatNewline(&p->c)) return;
    }
}

static HgnStatus parseArray(Parser *p, Node *array) {
    hgnTomlAdvance(&p->c); /* [ */
    for (;;) {
        skipSpaceInArray(p);
        if (hgnTomlPeek(&p->c, 0) == ']') break;
        Node *item = NULL;
        HgnStatus st = parseValue(p, array->depth + 1, &item);
        if (st) return st;
        if (!arrayPush(array, item)) {
            hgnTomlFree(&item->v);
            return oomAt(p);
        }
        skipSpaceInArray(p);
        int ch = hgnTomlPeek(&p->c, 0);
        if (ch == ',') {
            hgnTomlAdvance(&p->c);
        } else if (ch == ']') {
            break;
        } else {
            return hgnTomlExpected(&p->c, "',' or ']' in the array", "separate array items with commas");
        }
    }
    hgnTomlAdvance(&p->c); /* ] */
    return HGN_OK;
}

#define ONE_LINE_HINT "an inline table must be written on one line in TOML 1.0; use a [section] for longer tables"

static bool atLineEnd(const Parser *p) {
    int ch = hgnTomlPeek(&p->c, 0);
    return ch == '\n' || ch == '\r' || ch == '#';
}

static HgnStatus parseInlineTable(Parser *p, Node *table) {
    hgnTomlAdvance(&p->c); /* { */
    hgnTomlSkipBlanks(&p->c);
    if (hgnTomlPeek(&p->c, 0) != '}') {
        for (;;) {
            if (atLineEnd(p)) return hgnTomlExpected(&p->c, "a key in the inline table", ONE_LINE_HINT);
            p->inlineDepth++;
            HgnStatus st = parseKeyValue(p, table);
            p->inlineDepth--;
            if (st) return st;
            hgnTomlSkipBlanks(&p->c);
            int ch = hgnTomlPeek(&p->c, 0);
            if (ch == '}') break;
            if (ch != ',')
                return hgnTomlExpected(&p->c, "',' or '}' in the inline table",
                                       atLineEnd(p) ? ONE_LINE_HINT : "separate inline-table entries with commas");
            hgnTomlAdvance(&p->c);
            hgnTomlSkipBlanks(&p->c);
            if (hgnTomlPeek(&p->c, 0) == '}')
                return hgnTomlExpected(&p->c, "a key after ','",
                                       "TOML 1.0 does not allow a trailing comma in an inline table");
        }
    }
    hgnTomlAdvance(&p->c); /* } */
    table->flags |= NODE_INLINE;
    return HGN_OK;
}

static HgnStatus parseValue(Parser *p, int depth, Node **out) {
    *out = NULL;
    int line = p->c.line, col = p->c.col;
    if (depth > MAX_DEPTH)
        return hgnTomlErrorAt(&p->c, line, col, "use fewer levels of nesting",
                              "values are nested more than %d levels deep", MAX_DEPTH);
    int ch = hgnTomlPeek(&p->c, 0);
    HgnTomlType type = ch == '[' ? HGN_TOML_ARRAY : ch == '{' ? HGN_TOML_TABLE : HGN_TOML_STRING;
    Node *n = newNode(type, line, col, depth);
    if (!n) return oomAt(p);
    HgnStatus st;
    if (ch == '"' || ch == '\'') {
        st = hgnTomlLexString(&p->c, &p->scratch);
        if (!st) {
            char *s = hgnMalloc(p->scratch.len + 1);
            if (!s) {
                st = oomAt(p);
            } else {
                if (p->scratch.len) memcpy(s, p->scratch.data, p->scratch.len);
                s[p->scratch.len] = '\0';
                n->v.as.string.ptr = s;
                n->v.as.string.len = p->scratch.len;
            }
        }
    } else if (ch == '[') {
        n->flags = NODE_INLINE;
        st = parseArray(p, n);
    } else if (ch == '{') {
        st = parseInlineTable(p, n);
    } else {
        HgnTomlValue scalar = n->v;
        st = hgnTomlLexScalar(&p->c, &scalar);
        if (!st) n->v = scalar;
    }
    if (st) {
        hgnTomlFree(&n->v);
        return st;
    }
    *out = n;
    return HGN_OK;
}

/* ---- [tables] and [[arrays of tables]] ------------------------------------ */

static HgnStatus parseHeader(Parser *p) {
    int line = p->c.line, col = p->c.col;
    hgnTomlAdvance(&p->c); /* [ */
    bool aot = hgnTomlPeek(&p->c, 0) == '[';
    if (aot) hgnTomlAdvance(&p->c);
    hgnTomlSkipBlanks(&p->c);
    KeyPath k;
    HgnStatus st = parseKeyPath(p, &k);
    if (st) goto done;
    if (hgnTomlPeek(&p->c, 0) != ']' || (aot && hgnTomlPeek(&p->c, 1) != ']')) {
        st = hgnTomlExpected(&p->c, aot ? "']]' to close the array-of-tables header" : "']' to close the table header",
                             "write table headers as [name] or [[name]]; quote names with spaces or dots");
        goto done;
    }
    hgnTomlAdvance(&p->c);
    if (aot) hgnTomlAdvance(&p->c);
    Node *t = p->root;
    for (size_t i = 0; i + 1 < k.count; i++) {
        Node *child = lookup(p, t, partText(&k, i), k.parts[i].len);
        if (!child) {
            st = addTable(p, t, &k, i, NODE_IMPLICIT, &child);
            if (st) goto done;
        } else if (child->v.type == HGN_TOML_ARRAY && (child->flags & NODE_AOT)) {
            child = (Node *)child->v.as.array.items[child->v.as.array.count - 1];
        } else if (child->v.type != HGN_TOML_TABLE || (child->flags & NODE_INLINE)) {
            st = notExtendable(p, &k, i, child, false);
            goto done;
        }
        t = child;
    }
    size_t last = k.count - 1;
    Node *have = lookup(p, t, partText(&k, last), k.parts[last].len);
    if (!aot) {
        if (!have) {
            st = addTable(p, t, &k, last, NODE_DEFINED, &have);
            if (st) goto done;
        } else if (have->v.type == HGN_TOML_TABLE && have->flags == NODE_IMPLICIT) {
            have->flags = NODE_DEFINED;
        } else if (have->v.type == HGN_TOML_TABLE && (have->flags & NODE_DOTTED)) {
            st = hgnTomlErrorAt(&p->c, line, col, "add its keys with the dotted keys, or use only the [section]",
                                "cannot define table [%s]: dotted keys already created it at line %d",
                                keyText(p, &k, last, false), have->v.line);
            goto done;
        } else if (have->v.type == HGN_TOML_TABLE && !(have->flags & NODE_INLINE)) {
            st = hgnTomlErrorAt(&p->c, line, col, "merge the two sections into one",
                                "table [%s] is defined twice (first at line %d)", keyText(p, &k, last, false),
                                have->v.line);
            goto done;
        } else {
            st = notExtendable(p, &k, last, have, false);
            goto done;
        }
        have->v.line = line;
        have->v.column = col;
        p->current = have;
    } else {
        Node *array = have;
        if (!array) {
            if (t->depth + 2 > MAX_DEPTH) {
                st = hgnTomlErrorAt(&p->c, line, col, "use fewer levels of nesting",
                                    "tables are nested more than %d levels deep", MAX_DEPTH);
                goto done;
            }
            array = newNode(HGN_TOML_ARRAY, line, col, t->depth + 1);
            if (!array) {
                st = oomAt(p);
                goto done;
            }
            array->flags = NODE_AOT;
            if (!tableAdd(p, t, partText(&k, last), k.parts[last].len, array)) {
                hgnFree(array);
                st = oomAt(p);
                goto done;
            }
        } else if (array->v.type != HGN_TOML_ARRAY || !(array->flags & NODE_AOT)) {
            if (array->v.type == HGN_TOML_TABLE && !(array->flags & NODE_INLINE))
                st = hgnTomlErrorAt(&p->c, line, col, "use either [name] or [[name]] for one name, not both",
                                    "cannot define [[%s]]: '%s' is already a table (line %d)",
                                    keyText(p, &k, last, false), keyText(p, &k, last, false), array->v.line);
            else
                st = notExtendable(p, &k, last, array, false);
            goto done;
        }
        Node *elem = newNode(HGN_TOML_TABLE, line, col, array->depth + 1);
        if (!elem) {
            st = oomAt(p);
            goto done;
        }
        elem->flags = NODE_DEFINED;
        if (!arrayPush(array, elem)) {
            hgnFree(elem);
            st = oomAt(p);
            goto done;
        }
        p->current = elem;
    }
done:
    if (!st) {
        const char *name = keyText(p, &k, k.count - 1, false);
        hgnBufClear(&p->tableName);
        hgnBufAppendStr(&p->tableName, name);
        if (!hgnBufOk(&p->tableName)) st = oomAt(p);
    }
    keyPathFree(&k);
    return st;
}

/* ---- document ------------------------------------------------------------- */

static HgnStatus parseDocument(Parser *p) {
    HgnStatus st = hgnTomlCheckText(&p->c);
    if (st) return st;
    for (;;) {
        hgnTomlSkipBlanks(&p->c);
        int ch = hgnTomlPeek(&p->c, 0);
        if (ch < 0) return HGN_OK;
        if (hgnTomlEatNewline(&p->c)) continue;
        if (ch == '[') {
            st = parseHeader(p);
        } else if (ch != '#') {
            st = parseKeyValue(p, p->current);
        }
        if (st) return st;
        hgnTomlSkipBlanks(&p->c);
        hgnTomlSkipComment(&p->c);
        if (hgnTomlPeek(&p->c, 0) >= 0 && !hgnTomlEatNewline(&p->c))
            return hgnTomlExpected(&p->c,
                                   ch == '[' ? "a new line after the table header" : "a new line after the value",
                                   "put each key/value pair and each [header] on its own line");
    }
}

HgnStatus hgnTomlParse(const char *text, size_t len, const char *sourceName, HgnTomlValue **out) {
    if (!out) return hgnStatusNew(HGN_CODE_InvalidArgument, NULL, NULL, "hgnTomlParse: out is NULL");
    *out = NULL;
    if (!text && len)
        return hgnStatusNew(HGN_CODE_InvalidArgument, NULL, NULL, "hgnTomlParse: text is NULL but len is %zu", len);
    Parser p;
    memset(&p, 0, sizeof p);
    hgnTomlCursorInit(&p.c, text ? text : "", len, sourceName);
    hgnBufInit(&p.scratch);
    hgnBufInit(&p.tableName);
    p.root = newNode(HGN_TOML_TABLE, 1, 1, 0);
    if (!p.root) return oomAt(&p);
    p.root->flags = NODE_DEFINED;
    p.current = p.root;
    HgnStatus st = parseDocument(&p);
    hgnFree(p.slots);
    hgnBufFree(&p.scratch);
    hgnBufFree(&p.tableName);
    if (st) {
        hgnTomlFree(&p.root->v);
        return st;
    }
    *out = &p.root->v;
    return HGN_OK;
}

HgnStatus hgnTomlParseFile(const char *path, HgnTomlValue **out) {
    if (!out || !path) return hgnStatusNew(HGN_CODE_InvalidArgument, NULL, NULL, "hgnTomlParseFile: NULL argument");
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return hgnStatusNew(HGN_CODE_IoError, path, "check that the file exists and is readable",
                            "cannot open TOML file: %s", strerror(errno));
    HgnBuf b;
    hgnBufInit(&b);
    int err = hgnFileReadStream(f, &b);
    fclose(f);
    if (err) {
        hgnBufFree(&b);
        return hgnStatusNew(HGN_CODE_IoError, path, NULL, "cannot read TOML file: %s", strerror(err));
    }
    if (!hgnBufOk(&b)) {
        hgnBufFree(&b);
        return hgnStatusNew(HGN_CODE_OutOfMemory, path, NULL, "out of memory reading TOML file");
    }
    HgnStatus st = hgnTomlParse(hgnBufStr(&b), b.len, path, out);
    hgnBufFree(&b);
    return st;
}
