/* quantConfig.c — `huginn plan --quant-config FILE`: the weights format per
 * tensor-name pattern (and a default) and the KV cache format the plan is
 * costed with, read from TOML or JSON and checked field by field. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/fileIo.h"
#include "core/jsonUtil.h"
#include "core/strBuf.h"
#include "huginn/planner.h"
#include "huginn/toml.h"

void hgnPlanQuantConfigFree(HgnPlanQuantConfig *qc) {
    if (!qc) return;
    for (size_t i = 0; i < qc->nRules; i++) hgnFree(qc->rules[i].pattern);
    hgnFree(qc->rules);
    memset(qc, 0, sizeof *qc);
}

static HgnStatus at(HgnCode code, const char *source, const char *pointer, const char *hint, const char *msg,
                    const char *detail) {
    HgnBuf w;
    hgnBufInit(&w);
    hgnBufAppendf(&w, "%s#%s", source, pointer);
    HgnStatus st = hgnStatusNew(code, hgnBufStr(&w), hint, "%s%s", msg, detail ? detail : "");
    hgnBufFree(&w);
    return st;
}

static HgnStatus formatAt(const json_t *v, const char *source, const char *pointer, bool kv, HgnWeightFormat *out) {
    if (!json_is_string(v))
        return at(HGN_CODE_InvalidConfig, source, pointer, "give a format name such as \"q4_K\" or \"f16\"",
                  "expected a string, got ", hgnJsonTypeName(v));
    const char *name = json_string_value(v);
    if (!hgnWeightFormatFromName(name, out)) {
        HgnBuf b;
        hgnBufInit(&b);
        hgnBufAppendf(&b, "`%s`", name);
        HgnStatus st = at(HGN_CODE_IncompatibleQuantizer, source, pointer,
                          "use one of f32, f16, bf16, fp8, q8_0, q4_0, q4_1, q5_0, q5_1, q2_K … q8_K, nf4, fp4, int8",
                          "unknown quantisation format ", hgnBufStr(&b));
        hgnBufFree(&b);
        return st;
    }
    if (kv && !hgnWeightFormatIsKvCapable(*out))
        return at(HGN_CODE_IncompatibleQuantizer, source, pointer, "use f16, bf16, fp8 or q8_0 for the KV cache",
                  "this format cannot hold a KV cache: ", name);
    return HGN_OK;
}

static HgnStatus unknownKey(const char *source, const char *parent, const char *key, const char *allowed) {
    HgnBuf p;
    hgnBufInit(&p);
    hgnBufAppendf(&p, "%s/%s", parent, key);
    HgnStatus st = at(HGN_CODE_InvalidConfig, source, hgnBufStr(&p), allowed, "unknown key ", key);
    hgnBufFree(&p);
    return st;
}

static HgnStatus fromJson(const json_t *doc, const char *source, HgnPlanQuantConfig *out) {
    if (!json_is_object(doc))
        return at(HGN_CODE_InvalidConfig, source, "", "the file is a table with [weights] and [kvCache]",
                  "expected an object, got ", hgnJsonTypeName(doc));
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)doc, key, v) {
        if (strcmp(key, "weights") == 0) {
            if (!json_is_object(v))
                return at(HGN_CODE_InvalidConfig, source, "/weights", "write [weights] with default and rules",
                          "expected a table, got ", hgnJsonTypeName(v));
            const char *k2;
            json_t *v2;
            json_object_foreach(v, k2, v2) {
                if (strcmp(k2, "default") == 0) {
                    HgnStatus st = formatAt(v2, source, "/weights/default", false, &out->weightsDefault);
                    if (st) return st;
                    out->hasDefault = true;
                } else if (strcmp(k2, "rules") == 0) {
                    if (!json_is_object(v2))
                        return at(HGN_CODE_InvalidConfig, source, "/weights/rules",
                                  "write rules = { \"blk.*.ffn_*\" = \"q4_K\" }", "expected a table, got ",
                                  hgnJsonTypeName(v2));
                    size_t n = json_object_size(v2);
                    out->rules = hgnCalloc(n ? n : 1, sizeof *out->rules);
                    if (!out->rules) return hgnStatusNew(HGN_CODE_OutOfMemory, source, NULL, "cannot allocate rules");
                    const char *pat;
                    json_t *fv;
                    json_object_foreach(v2, pat, fv) {
                        HgnBuf p;
                        hgnBufInit(&p);
                        hgnBufAppendStr(&p, "/weights/rules/");
                        for (const char *c = pat; *c; c++) {
                            if (*c == '~')
                                hgnBufAppendStr(&p, "~0");
                            else if (*c == '/')
                                hgnBufAppendStr(&p, "~1");
                            else
                                hgnBufAppendChar(&p, *c);
                        }
                        HgnPlanQuantRule *r = &out->rules[out->nRules];
                        HgnStatus st = HGN_OK;
                        if (!*pat)
                            st = at(HGN_CODE_InvalidConfig, source, hgnBufStr(&p), "give a tensor name or pattern",
                                    "empty tensor pattern", NULL);
                        if (!st) st = formatAt(fv, source, hgnBufStr(&p), false, &r->format);
                        hgnBufFree(&p);
                        if (st) return st;
                        r->pattern = hgnStrdup(pat);
                        if (!r->pattern) return hgnStatusNew(HGN_CODE_OutOfMemory, source, NULL, "cannot copy a rule");
                        out->nRules++;
                    }
                } else {
                    return unknownKey(source, "/weights", k2, "[weights] takes `default` and `rules`");
                }
            }
        } else if (strcmp(key, "kvCache") == 0) {
            if (!json_is_object(v))
                return at(HGN_CODE_InvalidConfig, source, "/kvCache", "write [kvCache] with format = \"f16\"",
                          "expected a table, got ", hgnJsonTypeName(v));
            const char *k2;
            json_t *v2;
            json_object_foreach(v, k2, v2) {
                if (strcmp(k2, "format") != 0) return unknownKey(source, "/kvCache", k2, "[kvCache] takes `format`");
                HgnStatus st = formatAt(v2, source, "/kvCache/format", true, &out->kvFormat);
                if (st) return st;
                out->hasKv = true;
            }
        } else {
            return unknownKey(source, "", key, "the file takes [weights] and [kvCache]");
        }
    }
    return HGN_OK;
}

HgnStatus hgnPlanQuantConfigParse(const char *text, size_t len, const char *sourceName, HgnPlanQuantConfig *out) {
    memset(out, 0, sizeof *out);
    const char *source = sourceName ? sourceName : "quant-config";
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) i++;
    json_t *doc = NULL;
    HgnStatus st;
    if (i < len && text[i] == '{') {
        st = hgnJsonParseDoc(text, len, source, &doc);
    } else {
        HgnTomlValue *tv = NULL;
        st = hgnTomlParse(text, len, source, &tv);
        if (!st) st = hgnTomlToJson(tv, &doc);
        hgnTomlFree(tv);
    }
    if (st) {
        HgnStatus w = hgnStatusNew(HGN_CODE_InvalidConfig, hgnStatusWhere(st) ? hgnStatusWhere(st) : source,
                                   "fix the syntax of the quantisation config", "%s", hgnStatusMessage(st));
        hgnStatusFree(st);
        return w;
    }
    st = fromJson(doc, source, out);
    json_decref(doc);
    if (st) hgnPlanQuantConfigFree(out);
    return st;
}

HgnStatus hgnPlanQuantConfigLoad(const char *path, HgnPlanQuantConfig *out) {
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f)
        return hgnStatusNew(errno == ENOENT ? HGN_CODE_NotFound : HGN_CODE_IoError, path,
                            "check the --quant-config path", "cannot open the quantisation config: %s",
                            strerror(errno));
    HgnBuf b;
    hgnBufInit(&b);
    int rc = hgnFileReadStream(f, &b);
    fclose(f);
    HgnStatus st = rc != 0 ? hgnStatusNew(HGN_CODE_IoError, path, NULL, "cannot read the quantisation config")
                           : hgnPlanQuantConfigParse(hgnBufStr(&b), b.len, path, out);
    hgnBufFree(&b);
    return st;
}

/* `*` matches any run of characters: greedy with one backtrack point, O(|p| · |s|). */
static bool globMatch(const char *p, const char *s) {
    const char *star = NULL, *retry = NULL;
    while (*s) {
        if (*p == '*') {
            star = ++p;
            retry = s;
        } else if (*p == *s) {
            p++;
            s++;
        } else if (star) {
            p = star;
            s = ++retry;
        } else {
            return false;
        }
    }
    while (*p == '*') p++;
    return *p == '\0';
}

bool hgnPlanQuantConfigFormatFor(const HgnPlanQuantConfig *qc, const char *tensor, int32_t rank, HgnWeightFormat *out) {
    if (!qc || !tensor || rank < 2) return false; /* vectors (norms, biases) keep the file's dtype */
    size_t best = 0;
    bool found = false;
    for (size_t i = 0; i < qc->nRules; i++) {
        size_t l = strlen(qc->rules[i].pattern);
        if ((!found || l > best) && globMatch(qc->rules[i].pattern, tensor)) {
            best = l;
            *out = qc->rules[i].format;
            found = true;
        }
    }
    if (found) return true;
    if (qc->hasDefault) {
        *out = qc->weightsDefault;
        return true;
    }
    return false;
}
