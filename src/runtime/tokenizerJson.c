/* tokenizerJson.c — loads a Hugging Face tokenizer.json (model.type "BPE")
 * into a tokenizer: vocab and merges (string "a b" and array ["a","b"]
 * forms), byte_fallback, ignore_merges, unk_token, fuse_unk; normalizers
 * Prepend/Replace(" "→"▁")/NFC; pre-tokenizers ByteLevel, Metaspace, Split
 * (Isolated) and Sequences of them; decoders ByteLevel, Metaspace and
 * Sequence(Replace ▁, ByteFallback, Fuse, Strip); added_tokens; the
 * TemplateProcessing post-processor (BOS/EOS). Anything else is HGN-0108
 * naming the JSON pointer of the unsupported field. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/strBuf.h"
#include "runtime/tokenizerInt.h"

#define META "\xe2\x96\x81"

typedef struct Loader {
    const char *where;
    HgnTokenizer *tok;
    int32_t templateBos, templateEos;
    bool sawByteLevelPre, sawMetaspace;
} Loader;

static HgnStatus fail(const Loader *ld, const char *pointer, const char *hint, const char *fmt, ...) HGN_PRINTF(4, 5);
static HgnStatus fail(const Loader *ld, const char *pointer, const char *hint, const char *fmt, ...) {
    char where[512];
    snprintf(where, sizeof where, "%s#%s", ld->where, pointer);
    va_list ap;
    va_start(ap, fmt);
    HgnStatus st = hgnStatusNewV(HGN_CODE_TokenizerMismatch, where, hint, fmt, ap);
    va_end(ap);
    return st;
}

/* "/model/vocab/<key>" with key escaped as a JSON pointer token (~ → ~0, / → ~1), truncated to fit. */
static void vocabPointer(char *out, size_t cap, const char *key) {
    size_t n = (size_t)snprintf(out, cap, "/model/vocab/");
    for (const char *k = key; *k && n + 3 < cap; k++) {
        if (*k == '~' || *k == '/') {
            out[n++] = '~';
            out[n++] = *k == '~' ? '0' : '1';
        } else {
            out[n++] = *k;
        }
    }
    out[n] = '\0';
}

static const char *typeOf(const json_t *obj) {
    const json_t *t = json_object_get(obj, "type");
    return json_is_string(t) ? json_string_value(t) : NULL;
}

static bool flag(const json_t *obj, const char *key, bool dflt) {
    const json_t *v = json_object_get(obj, key);
    return json_is_boolean(v) ? json_is_true(v) : dflt;
}

static bool isString(const json_t *v, const char *s) { return json_is_string(v) && !strcmp(json_string_value(v), s); }

/* Split/Replace pattern: {"String": s} or {"Regex": r}; returns the pattern text and whether it is a regex. */
static const char *patternOf(const json_t *obj, bool *regex) {
    const json_t *p = json_object_get(obj, "pattern");
    const json_t *s = json_object_get(p, "String"), *r = json_object_get(p, "Regex");
    *regex = json_is_string(r);
    return json_is_string(r) ? json_string_value(r) : json_is_string(s) ? json_string_value(s) : NULL;
}

static HgnStatus addRegex(Loader *ld, const char *pattern, bool literal, const char *pointer) {
    HgnTokenizer *tok = ld->tok;
    if (tok->nRegex >= TOK_MAX_REGEX)
        return fail(ld, pointer, NULL, "more than %d Split pre-tokenizers are not supported", TOK_MAX_REGEX);
    char where[512];
    snprintf(where, sizeof where, "%s#%s", ld->where, pointer);
    HgnBuf b;
    hgnBufInit(&b);
    if (literal) { /* \Q...\E, with any \E inside written as \E\\E\Q */
        hgnBufAppendStr(&b, "\\Q");
        for (const char *c = pattern; *c; c++) {
            if (c[0] == '\\' && c[1] == 'E') {
                hgnBufAppendStr(&b, "\\E\\\\E\\Q");
                c++;
            } else {
                hgnBufAppendChar(&b, *c);
            }
        }
        hgnBufAppendStr(&b, "\\E");
    } else {
        hgnBufAppendStr(&b, pattern);
    }
    HgnStatus st = hgnBufOk(&b) ? tokRegexCompile(hgnBufStr(&b), where, &tok->regex[tok->nRegex])
                                : hgnStatusNew(HGN_CODE_OutOfMemory, where, NULL, "out of memory");
    hgnBufFree(&b);
    if (!st) tok->nRegex++;
    return st;
}

static HgnStatus normalizer(Loader *ld, const json_t *n, const char *pointer) {
    if (json_is_null(n) || !n) return HGN_OK;
    const char *type = typeOf(n);
    char sub[256];
    if (!type) return fail(ld, pointer, NULL, "normalizer has no \"type\"");
    if (!strcmp(type, "Sequence")) {
        const json_t *list = json_object_get(n, "normalizers");
        if (!json_is_array(list)) return fail(ld, pointer, NULL, "Sequence normalizer has no \"normalizers\" array");
        for (size_t i = 0; i < json_array_size(list); i++) {
            snprintf(sub, sizeof sub, "%s/normalizers/%zu", pointer, i);
            HgnStatus st = normalizer(ld, json_array_get(list, i), sub);
            if (st) return st;
        }
        return HGN_OK;
    }
    if (!strcmp(type, "Prepend")) {
        if (!isString(json_object_get(n, "prepend"), META))
            return fail(ld, pointer, "only Prepend(\"\xe2\x96\x81\") is supported", "Prepend of another string");
        ld->tok->prepend = TOK_PREPEND_ALWAYS;
        ld->tok->prependIfMissing = false;
        ld->tok->spaceToMeta = true;
        return HGN_OK;
    }
    if (!strcmp(type, "Replace")) {
        bool regex;
        const char *pat = patternOf(n, &regex);
        if (regex || !pat || strcmp(pat, " ") != 0 || !isString(json_object_get(n, "content"), META))
            return fail(ld, pointer, "only Replace(\" \", \"\xe2\x96\x81\") is supported",
                        "Replace normalizer with another pattern");
        ld->tok->spaceToMeta = true;
        return HGN_OK;
    }
    if (!strcmp(type, "NFC")) return HGN_OK; /* documented: input is taken as already NFC */
    return fail(ld, pointer, "supported normalizers: Sequence, Prepend, Replace, NFC",
                "normalizer type \"%s\" is not supported", type);
}

static HgnStatus metaspace(Loader *ld, const json_t *p, const char *pointer, bool decoder) {
    const json_t *rep = json_object_get(p, "replacement");
    if (rep && !isString(rep, META))
        return fail(ld, pointer, "use replacement \"\xe2\x96\x81\"", "Metaspace replacement other than U+2581");
    const json_t *scheme = json_object_get(p, "prepend_scheme");
    int prepend = flag(p, "add_prefix_space", true) ? TOK_PREPEND_ALWAYS : TOK_PREPEND_NEVER;
    if (json_is_string(scheme)) {
        const char *s = json_string_value(scheme);
        if (!strcmp(s, "always"))
            prepend = TOK_PREPEND_ALWAYS;
        else if (!strcmp(s, "first"))
            prepend = TOK_PREPEND_FIRST;
        else if (!strcmp(s, "never"))
            prepend = TOK_PREPEND_NEVER;
        else
            return fail(ld, pointer, "use always, first or never", "prepend_scheme \"%s\" is unknown", s);
    }
    if (decoder) {
        ld->tok->decodeMode = TOK_DECODE_META;
        ld->tok->stripLeadingSpace = prepend != TOK_PREPEND_NEVER;
        return HGN_OK;
    }
    ld->sawMetaspace = true;
    ld->tok->spaceToMeta = true;
    ld->tok->prepend = prepend;
    ld->tok->prependIfMissing = true;
    ld->tok->metaSplit = flag(p, "split", true);
    return HGN_OK;
}

static HgnStatus preTokenizer(Loader *ld, const json_t *p, const char *pointer) {
    if (json_is_null(p) || !p) return HGN_OK;
    const char *type = typeOf(p);
    char sub[256];
    if (!type) return fail(ld, pointer, NULL, "pre_tokenizer has no \"type\"");
    if (!strcmp(type, "Sequence")) {
        const json_t *list = json_object_get(p, "pretokenizers");
        if (!json_is_array(list)) return fail(ld, pointer, NULL, "Sequence pre_tokenizer has no \"pretokenizers\"");
        for (size_t i = 0; i < json_array_size(list); i++) {
            snprintf(sub, sizeof sub, "%s/pretokenizers/%zu", pointer, i);
            HgnStatus st = preTokenizer(ld, json_array_get(list, i), sub);
            if (st) return st;
        }
        return HGN_OK;
    }
    if (!strcmp(type, "ByteLevel")) {
        ld->sawByteLevelPre = true;
        ld->tok->byteLevel = true;
        if (flag(p, "add_prefix_space", false)) {
            ld->tok->prepend = TOK_PREPEND_ALWAYS;
            ld->tok->prependIfMissing = true;
        }
        if (flag(p, "use_regex", true)) return addRegex(ld, tokPretokPattern("gpt2"), false, pointer);
        return HGN_OK;
    }
    if (!strcmp(type, "Split")) {
        bool regex;
        const char *pat = patternOf(p, &regex);
        snprintf(sub, sizeof sub, "%s/pattern", pointer);
        if (!pat) return fail(ld, sub, "give {\"Regex\": ...} or {\"String\": ...}", "Split has no pattern");
        if (!isString(json_object_get(p, "behavior"), "Isolated")) {
            snprintf(sub, sizeof sub, "%s/behavior", pointer);
            return fail(ld, sub, "only \"Isolated\" is supported", "Split behavior is not supported");
        }
        if (flag(p, "invert", false)) {
            snprintf(sub, sizeof sub, "%s/invert", pointer);
            return fail(ld, sub, NULL, "inverted Split is not supported");
        }
        return addRegex(ld, pat, !regex, sub);
    }
    if (!strcmp(type, "Metaspace")) return metaspace(ld, p, pointer, false);
    snprintf(sub, sizeof sub, "%s/type", pointer);
    return fail(ld, sub, "supported pre_tokenizers: ByteLevel, Split, Metaspace, Sequence",
                "pre_tokenizer type \"%s\" is not supported", type);
}

static HgnStatus decoder(Loader *ld, const json_t *d, const char *pointer) {
    if (json_is_null(d) || !d) return HGN_OK;
    const char *type = typeOf(d);
    char sub[256];
    if (!type) return fail(ld, pointer, NULL, "decoder has no \"type\"");
    if (!strcmp(type, "Sequence")) {
        const json_t *list = json_object_get(d, "decoders");
        if (!json_is_array(list)) return fail(ld, pointer, NULL, "Sequence decoder has no \"decoders\" array");
        for (size_t i = 0; i < json_array_size(list); i++) {
            snprintf(sub, sizeof sub, "%s/decoders/%zu", pointer, i);
            HgnStatus st = decoder(ld, json_array_get(list, i), sub);
            if (st) return st;
        }
        return HGN_OK;
    }
    if (!strcmp(type, "ByteLevel")) {
        ld->tok->decodeMode = TOK_DECODE_BYTELEVEL;
        return HGN_OK;
    }
    if (!strcmp(type, "Metaspace")) return metaspace(ld, d, pointer, true);
    if (!strcmp(type, "ByteFallback") || !strcmp(type, "Fuse")) return HGN_OK;
    if (!strcmp(type, "Replace")) {
        bool regex;
        const char *pat = patternOf(d, &regex);
        if (regex || !pat || strcmp(pat, META) != 0 || !isString(json_object_get(d, "content"), " "))
            return fail(ld, pointer, "only Replace(\"\xe2\x96\x81\", \" \") is supported",
                        "Replace decoder with another pattern");
        ld->tok->decodeMode = TOK_DECODE_META;
        return HGN_OK;
    }
    if (!strcmp(type, "Strip")) {
        const json_t *start = json_object_get(d, "start"), *stop = json_object_get(d, "stop");
        if (!isString(json_object_get(d, "content"), " ") || json_integer_value(start) > 1 ||
            json_integer_value(stop) != 0)
            return fail(ld, pointer, "only Strip(\" \", start 1, stop 0) is supported", "Strip decoder not supported");
        ld->tok->stripLeadingSpace = json_integer_value(start) == 1;
        return HGN_OK;
    }
    snprintf(sub, sizeof sub, "%s/type", pointer);
    return fail(ld, sub, "supported decoders: ByteLevel, Metaspace, Replace, ByteFallback, Fuse, Strip, Sequence",
                "decoder type \"%s\" is not supported", type);
}

/* Id of a special token named in a TemplateProcessing. */
static HgnStatus templateId(Loader *ld, const json_t *post, const char *name, const char *pointer, int32_t *id) {
    const json_t *entry = json_object_get(json_object_get(post, "special_tokens"), name);
    const json_t *ids = json_object_get(entry, "ids");
    if (json_is_array(ids) && json_array_size(ids) == 1 && json_is_integer(json_array_get(ids, 0))) {
        json_int_t v = json_integer_value(json_array_get(ids, 0));
        if (v >= 0 && (size_t)v < ld->tok->vocab.n) {
            *id = (int32_t)v;
            return HGN_OK;
        }
    }
    *id = tokVocabFind(&ld->tok->vocab, name, strlen(name));
    if (*id < 0) return fail(ld, pointer, NULL, "template special token \"%s\" is not a token", name);
    return HGN_OK;
}

static HgnStatus postProcessor(Loader *ld, const json_t *p, const char *pointer) {
    if (json_is_null(p) || !p) return HGN_OK;
    const char *type = typeOf(p);
    char sub[256];
    if (!type) return fail(ld, pointer, NULL, "post_processor has no \"type\"");
    if (!strcmp(type, "ByteLevel")) return HGN_OK;
    if (!strcmp(type, "Sequence")) {
        const json_t *list = json_object_get(p, "processors");
        if (!json_is_array(list)) return fail(ld, pointer, NULL, "Sequence post_processor has no \"processors\"");
        for (size_t i = 0; i < json_array_size(list); i++) {
            snprintf(sub, sizeof sub, "%s/processors/%zu", pointer, i);
            HgnStatus st = postProcessor(ld, json_array_get(list, i), sub);
            if (st) return st;
        }
        return HGN_OK;
    }
    if (strcmp(type, "TemplateProcessing") != 0) {
        snprintf(sub, sizeof sub, "%s/type", pointer);
        return fail(ld, sub, "supported post_processors: TemplateProcessing, ByteLevel, Sequence",
                    "post_processor type \"%s\" is not supported", type);
    }
    const json_t *single = json_object_get(p, "single");
    if (!json_is_array(single)) return fail(ld, pointer, NULL, "TemplateProcessing has no \"single\" array");
    bool seenA = false;
    for (size_t i = 0; i < json_array_size(single); i++) {
        const json_t *item = json_array_get(single, i);
        snprintf(sub, sizeof sub, "%s/single/%zu", pointer, i);
        if (json_object_get(item, "Sequence")) {
            if (seenA) return fail(ld, sub, NULL, "the single template has two sequences");
            seenA = true;
            continue;
        }
        const json_t *sp = json_object_get(json_object_get(item, "SpecialToken"), "id");
        if (!json_is_string(sp)) return fail(ld, sub, NULL, "template item is neither Sequence nor SpecialToken");
        int32_t id;
        HgnStatus st = templateId(ld, p, json_string_value(sp), sub, &id);
        if (st) return st;
        if (!seenA) {
            if (ld->templateBos >= 0) return fail(ld, sub, NULL, "more than one special token before the sequence");
            ld->templateBos = id;
        } else {
            if (ld->templateEos >= 0) return fail(ld, sub, NULL, "more than one special token after the sequence");
            ld->templateEos = id;
        }
    }
    return HGN_OK;
}

static int32_t firstOf(const HgnTokenizer *tok, const char *const *names) {
    for (; *names; names++) {
        int32_t id = tokVocabFind(&tok->vocab, *names, strlen(*names));
        if (id >= 0 && tok->vocab.type[id] == HGN_TOKEN_CONTROL) return id;
    }
    return -1;
}

static HgnStatus load(Loader *ld, const json_t *root) {
    HgnTokenizer *tok = ld->tok;
    if (!json_is_object(root)) return fail(ld, "", "a tokenizer.json is a JSON object", "document is not an object");
    const json_t *model = json_object_get(root, "model");
    if (!json_is_object(model)) return fail(ld, "/model", NULL, "\"model\" is missing or not an object");
    const char *type = typeOf(model);
    if (type && strcmp(type, "BPE") != 0)
        return fail(ld, "/model/type", "only BPE tokenizers are supported", "model type \"%s\" is not supported", type);
    const json_t *vocab = json_object_get(model, "vocab"), *merges = json_object_get(model, "merges");
    if (!json_is_object(vocab)) return fail(ld, "/model/vocab", NULL, "BPE vocab is missing or not an object");
    if (merges && !json_is_array(merges)) return fail(ld, "/model/merges", NULL, "BPE merges is not an array");
    const json_t *dropout = json_object_get(model, "dropout");
    if (json_is_number(dropout) && json_number_value(dropout) > 0)
        return fail(ld, "/model/dropout", "set dropout to null", "BPE dropout is not supported at inference");
    const json_t *cont = json_object_get(model, "continuing_subword_prefix");
    const json_t *suffix = json_object_get(model, "end_of_word_suffix");
    if ((json_is_string(cont) && json_string_length(cont)) || (json_is_string(suffix) && json_string_length(suffix)))
        return fail(ld,
                    json_is_string(cont) && json_string_length(cont) ? "/model/continuing_subword_prefix"
                                                                     : "/model/end_of_word_suffix",
                    NULL, "subword prefixes and suffixes are not supported");
    const json_t *added = json_object_get(root, "added_tokens");
    if (added && !json_is_array(added) && !json_is_null(added))
        return fail(ld, "/added_tokens", NULL, "added_tokens is not an array");
    /* Size the vocabulary: the largest id + 1. */
    json_int_t maxId = -1;
    size_t count = json_object_size(vocab) + json_array_size(added);
    const char *key;
    const json_t *val;
    char ptr[256];
    json_object_foreach((json_t *)vocab, key, val) {
        if (!json_is_integer(val) || json_integer_value(val) < 0) {
            vocabPointer(ptr, sizeof ptr, key);
            return fail(ld, ptr, NULL, "token id is not a non-negative integer");
        }
        if (json_integer_value(val) > maxId) maxId = json_integer_value(val);
    }
    for (size_t i = 0; i < json_array_size(added); i++) {
        const json_t *a = json_array_get(added, i);
        const json_t *id = json_object_get(a, "id"), *content = json_object_get(a, "content");
        snprintf(ptr, sizeof ptr, "/added_tokens/%zu", i);
        if (!json_is_integer(id) || json_integer_value(id) < 0 || !json_is_string(content))
            return fail(ld, ptr, NULL, "added token needs a non-negative \"id\" and a \"content\" string");
        if (json_integer_value(id) > maxId) maxId = json_integer_value(id);
    }
    if (maxId < 0) return fail(ld, "/model/vocab", NULL, "the vocabulary is empty");
    if ((size_t)maxId > 4 * count + 1024)
        return fail(ld, "/model/vocab", NULL, "token id %lld is far beyond the %zu tokens defined", (long long)maxId,
                    count);
    HgnStatus st = tokVocabInit(&tok->vocab, (size_t)maxId + 1);
    if (st) return st;
    bool byteFallback = flag(model, "byte_fallback", false);
    json_object_foreach((json_t *)vocab, key, val) {
        int32_t id = (int32_t)json_integer_value(val);
        size_t len = strlen(key);
        if (tok->vocab.type[id] != HGN_TOKEN_UNUSED) {
            vocabPointer(ptr, sizeof ptr, key);
            return fail(ld, ptr, NULL, "token id %ld is given to two tokens", (long)id);
        }
        bool isByte = byteFallback && len == 6 && !strncmp(key, "<0x", 3) && key[5] == '>';
        st = tokVocabSet(&tok->vocab, id, key, len, 0.0f, isByte ? HGN_TOKEN_BYTE : HGN_TOKEN_NORMAL);
        if (st) return st;
    }
    for (size_t i = 0; i < json_array_size(added); i++) {
        const json_t *a = json_array_get(added, i);
        int32_t id = (int32_t)json_integer_value(json_object_get(a, "id"));
        const json_t *content = json_object_get(a, "content");
        st = tokVocabSet(&tok->vocab, id, json_string_value(content), json_string_length(content), 0.0f,
                         flag(a, "special", false) ? HGN_TOKEN_CONTROL : HGN_TOKEN_USER_DEFINED);
        if (st) return st;
    }
    if ((st = tokVocabIndex(&tok->vocab))) return st;
    /* Merges. */
    if ((st = tokMergesInit(&tok->merges, json_array_size(merges)))) return st;
    for (size_t i = 0; i < json_array_size(merges); i++) {
        const json_t *m = json_array_get(merges, i);
        const char *l = NULL, *r = NULL;
        size_t ll = 0, rl = 0;
        snprintf(ptr, sizeof ptr, "/model/merges/%zu", i);
        if (json_is_string(m)) {
            const char *s = json_string_value(m);
            const char *sp = s[0] ? strchr(s + 1, ' ') : NULL;
            if (sp) l = s, ll = (size_t)(sp - s), r = sp + 1, rl = strlen(sp + 1);
        } else if (json_is_array(m) && json_array_size(m) == 2 && json_is_string(json_array_get(m, 0)) &&
                   json_is_string(json_array_get(m, 1))) {
            l = json_string_value(json_array_get(m, 0)), ll = json_string_length(json_array_get(m, 0));
            r = json_string_value(json_array_get(m, 1)), rl = json_string_length(json_array_get(m, 1));
        }
        if (!l) return fail(ld, ptr, "write a merge as \"left right\" or [\"left\", \"right\"]", "malformed merge");
        char *joined = hgnMalloc(ll + rl + 1);
        if (!joined) return hgnStatusNew(HGN_CODE_OutOfMemory, ld->where, NULL, "out of memory");
        memcpy(joined, l, ll);
        memcpy(joined + ll, r, rl);
        int32_t li = tokVocabFind(&tok->vocab, l, ll), ri = tokVocabFind(&tok->vocab, r, rl);
        int32_t mi = tokVocabFind(&tok->vocab, joined, ll + rl);
        hgnFree(joined);
        if (li < 0 || ri < 0 || mi < 0)
            return fail(ld, ptr, "every merge and its result must be in model.vocab",
                        "merge uses or makes a token that is not in the vocabulary");
        if ((st = tokMergesAdd(&tok->merges, li, ri, mi, (int32_t)i))) return st;
    }
    tok->model = HGN_TOKENIZER_GPT2;
    tok->byteFallback = byteFallback;
    tok->ignoreMerges = flag(model, "ignore_merges", false);
    tok->fuseUnk = flag(model, "fuse_unk", false);
    const json_t *unk = json_object_get(model, "unk_token");
    if (json_is_string(unk)) {
        tok->unk = tokVocabFind(&tok->vocab, json_string_value(unk), json_string_length(unk));
        if (tok->unk < 0) return fail(ld, "/model/unk_token", NULL, "unk_token is not in the vocabulary");
    }
    if ((st = normalizer(ld, json_object_get(root, "normalizer"), "/normalizer")) ||
        (st = preTokenizer(ld, json_object_get(root, "pre_tokenizer"), "/pre_tokenizer")) ||
        (st = decoder(ld, json_object_get(root, "decoder"), "/decoder")) ||
        (st = postProcessor(ld, json_object_get(root, "post_processor"), "/post_processor")))
        return st;
    if (ld->sawByteLevelPre && (ld->sawMetaspace || tok->spaceToMeta))
        return fail(ld, "/pre_tokenizer", NULL, "ByteLevel cannot be combined with Metaspace or a ▁ normalizer");
    if (!tok->byteLevel) tok->model = HGN_TOKENIZER_LLAMA;
    static const char *const bosNames[] = {"<s>", "<|begin_of_text|>", "<|startoftext|>", "<bos>", NULL};
    static const char *const eosNames[] = {"</s>", "<|end_of_text|>", "<|endoftext|>", "<eos>", "<|im_end|>", NULL};
    tok->bos = ld->templateBos >= 0 ? ld->templateBos : firstOf(tok, bosNames);
    tok->eos = ld->templateEos >= 0 ? ld->templateEos : firstOf(tok, eosNames);
    tok->addBos = ld->templateBos >= 0;
    tok->addEos = ld->templateEos >= 0;
    tok->eot = tokVocabFind(&tok->vocab, "<|eot_id|>", 10);
    return tokFinish(tok);
}

HgnStatus hgnTokenizerParseJson(const char *text, size_t len, const char *where, HgnTokenizer **out) {
    *out = NULL;
    if (!where) where = "tokenizer.json";
    if (!text) return hgnStatusNew(HGN_CODE_InvalidArgument, where, NULL, "text is NULL");
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_ALLOW_NUL, &jerr);
    if (!root) {
        char at[512];
        snprintf(at, sizeof at, "%s:%d:%d", where, jerr.line, jerr.column);
        return hgnStatusNew(HGN_CODE_InvalidJson, at, "fix the JSON syntax", "%s", jerr.text);
    }
    Loader ld = {where, NULL, -1, -1, false, false};
    HgnStatus st = tokCreateEmpty(&ld.tok);
    if (!st) st = load(&ld, root);
    json_decref(root);
    if (st) {
        hgnTokenizerFree(ld.tok);
        return st;
    }
    *out = ld.tok;
    return HGN_OK;
}

HgnStatus hgnTokenizerLoadJson(const char *path, HgnTokenizer **out) {
    *out = NULL;
    if (!path) return hgnStatusNew(HGN_CODE_InvalidArgument, "hgnTokenizerLoadJson", NULL, "path is NULL");
    FILE *f = fopen(path, "rb");
    if (!f) return hgnStatusNew(HGN_CODE_NotFound, path, "check the tokenizer.json path", "cannot open the file");
    HgnBuf b;
    hgnBufInit(&b);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) hgnBufAppend(&b, chunk, n);
    bool readErr = ferror(f) != 0;
    fclose(f);
    HgnStatus st;
    if (readErr)
        st = hgnStatusNew(HGN_CODE_IoError, path, NULL, "read error");
    else if (!hgnBufOk(&b))
        st = hgnStatusNew(HGN_CODE_OutOfMemory, path, NULL, "out of memory");
    else
        st = hgnTokenizerParseJson(hgnBufStr(&b), b.len, path, out);
    hgnBufFree(&b);
    return st;
}
