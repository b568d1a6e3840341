/* tokenizerCheck.c — finds a model's tokenizer (tokenizer.json,
 * tokenizer.model, GGUF vocabulary), counts its tokens and checks the count
 * against the model's vocabulary (see tokenizerCheck.h). */
#include "huginn/tokenizerCheck.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "formats/fmtError.h"
#include "formats/mappedFile.h"

/* Highest id + 1 over model.vocab (object name→id, or Unigram array) and added_tokens. */
static HgnStatus countJson(const char *path, HgnTokenizerInfo *info) {
    json_error_t jerr;
    json_t *doc = json_load_file(path, JSON_DECODE_ANY, &jerr);
    if (!doc) {
        char where[64];
        snprintf(where, sizeof where, "%d:%d", jerr.line, jerr.column);
        return hgnFmtErrorIn(HGN_CODE_TokenizerMismatch, path, where, "download tokenizer.json again",
                             "tokenizer.json is not valid JSON: %s", jerr.text);
    }
    int64_t size = 0;
    json_t *model = json_object_get(doc, "model");
    json_t *vocab = json_object_get(model, "vocab");
    json_t *type = json_object_get(model, "type");
    if (json_is_string(type)) snprintf(info->model, sizeof info->model, "%s", json_string_value(type));
    if (json_is_object(vocab)) {
        const char *k;
        json_t *v;
        json_object_foreach(vocab, k, v) {
            if (json_is_integer(v) && json_integer_value(v) + 1 > size) size = json_integer_value(v) + 1;
        }
    } else if (json_is_array(vocab))
        size = (int64_t)json_array_size(vocab);
    else {
        json_decref(doc);
        return hgnFmtErrorIn(HGN_CODE_TokenizerMismatch, path, "model.vocab", "download tokenizer.json again",
                             "tokenizer.json has no model.vocab");
    }
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(doc, "added_tokens"), i, t) {
        json_t *id = json_object_get(t, "id");
        if (json_is_integer(id) && json_integer_value(id) + 1 > size) size = json_integer_value(id) + 1;
    }
    json_decref(doc);
    info->size = size;
    return HGN_OK;
}

static bool readVarint(const uint8_t *p, size_t n, size_t *o, uint64_t *out) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && *o < n; shift += 7) {
        uint8_t c = p[(*o)++];
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

/* SentencePiece ModelProto: counts the top-level `pieces` (field 1) entries. */
static HgnStatus countSentencePiece(const char *path, HgnTokenizerInfo *info) {
    HgnMappedFile m;
    HgnStatus st = hgnMappedFileOpen(path, &m);
    if (st) return st;
    const uint8_t *p = m.data;
    size_t n = (size_t)m.size, o = 0;
    int64_t pieces = 0;
    while (o < n) {
        size_t at = o;
        uint64_t key, len;
        bool ok = readVarint(p, n, &o, &key);
        unsigned wt = (unsigned)(key & 7);
        if (ok && wt == 0)
            ok = readVarint(p, n, &o, &len);
        else if (ok && wt == 2) {
            ok = readVarint(p, n, &o, &len) && len <= n - o;
            if (ok) o += (size_t)len;
        } else if (ok && (wt == 1 || wt == 5)) {
            size_t w = wt == 1 ? 8 : 4;
            ok = w <= n - o;
            o += ok ? w : 0;
        } else
            ok = false;
        if (!ok) {
            hgnMappedFileClose(&m);
            return hgnFmtErrorAt(HGN_CODE_TokenizerMismatch, path, at, "download tokenizer.model again",
                                 "tokenizer.model is not a SentencePiece model (bad protobuf field)");
        }
        if (key >> 3 == 1 && wt == 2) pieces++;
    }
    hgnMappedFileClose(&m);
    info->size = pieces;
    snprintf(info->model, sizeof info->model, "sentencepiece");
    return HGN_OK;
}

static HgnStatus checkSize(const HgnTokenizerInfo *info, int64_t vocab) {
    if (vocab <= 0) return HGN_OK;
    if (info->size > vocab)
        return hgnFmtErrorIn(HGN_CODE_TokenizerMismatch, info->path, NULL,
                             "the tokenizer comes from a different model; use the one shipped with the weights",
                             "%s has %lld tokens but the model's vocabulary has only %lld rows: token ids ≥ %lld "
                             "would have no embedding",
                             info->kind, (long long)info->size, (long long)vocab, (long long)vocab);
    if (info->size < vocab - HGN_TOKENIZER_MAX_PADDING)
        return hgnFmtErrorIn(HGN_CODE_TokenizerMismatch, info->path, NULL,
                             "the tokenizer comes from a different model; use the one shipped with the weights",
                             "%s has %lld tokens, %lld fewer than the model's vocabulary of %lld (at most %d "
                             "padding rows are plausible)",
                             info->kind, (long long)info->size, (long long)(vocab - info->size), (long long)vocab,
                             HGN_TOKENIZER_MAX_PADDING);
    return HGN_OK;
}

HgnStatus hgnTokenizerCheckGguf(const HgnGgufFile *f, int64_t vocab, HgnTokenizerInfo *info) {
    memset(info, 0, sizeof *info);
    snprintf(info->path, sizeof info->path, "%s", hgnGgufPath(f));
    const HgnGgufValue *tok = hgnGgufFind(f, "tokenizer.ggml.tokens");
    if (!tok || tok->type != HGN_GGUF_ARRAY)
        return hgnFmtErrorIn(HGN_CODE_TokenizerMismatch, info->path, "tokenizer.ggml.tokens",
                             "convert the model again with its tokenizer", "the GGUF file holds no vocabulary");
    info->kind = "gguf";
    info->size = (int64_t)tok->arr.count;
    HgnGgufString model;
    if (hgnGgufFind(f, "tokenizer.ggml.model")) {
        HgnStatus st = hgnGgufGetString(f, "tokenizer.ggml.model", &model);
        if (st) return st;
        snprintf(info->model, sizeof info->model, "%.*s", (int)(model.len < 31 ? model.len : 31), model.ptr);
    }
    return checkSize(info, vocab);
}

static bool isFile(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

HgnStatus hgnTokenizerCheckDir(const char *dir, int64_t vocab, HgnTokenizerInfo *info) {
    memset(info, 0, sizeof *info);
    HgnStatus st;
    snprintf(info->path, sizeof info->path, "%s/tokenizer.json", dir);
    if (isFile(info->path)) {
        info->kind = "tokenizer.json";
        st = countJson(info->path, info);
    } else {
        snprintf(info->path, sizeof info->path, "%s/tokenizer.model", dir);
        if (!isFile(info->path)) {
            snprintf(info->path, sizeof info->path, "%s", dir);
            return hgnFmtErrorIn(HGN_CODE_TokenizerMismatch, dir, NULL,
                                 "download tokenizer.json (or tokenizer.model) with the weights",
                                 "the model folder has no tokenizer (tokenizer.json or tokenizer.model)");
        }
        info->kind = "tokenizer.model";
        st = countSentencePiece(info->path, info);
    }
    if (st) return st;
    return checkSize(info, vocab);
}

HgnStatus hgnTokenizerCheck(const HgnHfModel *m, int64_t vocab, HgnTokenizerInfo *info) {
    if (hgnHfModelGguf(m) && !hgnHfModelTokenizerJsonPath(m) && !hgnHfModelTokenizerModelPath(m))
        return hgnTokenizerCheckGguf(hgnHfModelGguf(m), vocab, info);
    return hgnTokenizerCheckDir(hgnHfModelDir(m), vocab, info);
}
