/* runtimeModel.c — opening a model for the runtime: a GGUF file (graph from
 * its metadata, tokenizer from tokenizer.ggml.*) or a Hugging Face folder
 * (config.json + safetensors, tokenizer.json), and file digests for plans. */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "huginn/llmGraph.h"
#include "runtime/runtimeInt.h"

static HgnStatus oom(const char *where) { return hgnStatusNew(HGN_CODE_OutOfMemory, where, NULL, "out of memory"); }

static bool readStrings(const HgnGgufValue *v, const char ***out, size_t **lens, size_t *n) {
    *n = (size_t)v->arr.count;
    *out = hgnCalloc(*n + 1, sizeof(char *));
    *lens = hgnCalloc(*n + 1, sizeof(size_t));
    if (!*out || !*lens) return false;
    for (size_t i = 0; i < *n; i++) {
        HgnGgufValue it;
        if (!hgnGgufArrayItem(v, i, &it) || it.type != HGN_GGUF_STRING) return false;
        (*out)[i] = it.s.ptr;
        (*lens)[i] = (size_t)it.s.len;
    }
    return true;
}

static int32_t idKey(const HgnGgufFile *f, const char *key) {
    int64_t v;
    HgnStatus st = hgnGgufGetI64(f, key, &v);
    if (st) {
        hgnStatusFree(st);
        return -1;
    }
    return v < 0 || v > INT32_MAX ? -1 : (int32_t)v;
}

static bool boolKey(const HgnGgufFile *f, const char *key, bool dflt) {
    bool b;
    HgnStatus st = hgnGgufGetBool(f, key, &b);
    if (st) {
        hgnStatusFree(st);
        return dflt;
    }
    return b;
}

HgnStatus rtGgufTokenizer(const HgnGgufFile *f, HgnTokenizer **out) {
    *out = NULL;
    char where[512];
    snprintf(where, sizeof where, "%s:key 'tokenizer.ggml.model'", hgnGgufPath(f));
    HgnGgufString model;
    HgnStatus st = hgnGgufGetString(f, "tokenizer.ggml.model", &model);
    if (st) {
        hgnStatusFree(st);
        return hgnStatusNew(HGN_CODE_TokenizerMismatch, where, "use a GGUF that carries its tokenizer",
                            "the GGUF file has no tokenizer (tokenizer.ggml.model is missing)");
    }
    char name[32];
    snprintf(name, sizeof name, "%.*s", (int)(model.len < 31 ? model.len : 31), model.ptr);
    HgnTokenizerSpec spec;
    hgnTokenizerSpecInit(&spec);
    if ((st = hgnTokenizerModelParse(name, &spec.model))) return st;
    const HgnGgufValue *tokens = hgnGgufFind(f, "tokenizer.ggml.tokens");
    const HgnGgufValue *merges = hgnGgufFind(f, "tokenizer.ggml.merges");
    const HgnGgufValue *scores = hgnGgufFind(f, "tokenizer.ggml.scores");
    const HgnGgufValue *types = hgnGgufFind(f, "tokenizer.ggml.token_type");
    if (!tokens || tokens->type != HGN_GGUF_ARRAY || tokens->arr.elemType != HGN_GGUF_STRING) {
        snprintf(where, sizeof where, "%s:key 'tokenizer.ggml.tokens'", hgnGgufPath(f));
        return hgnStatusNew(HGN_CODE_TokenizerMismatch, where, NULL, "tokenizer.ggml.tokens is missing or not strings");
    }
    const char **tok = NULL, **mer = NULL;
    size_t *tokLens = NULL, *merLens = NULL, nTok = 0, nMer = 0;
    float *sc = NULL;
    int32_t *ty = NULL;
    char **merZ = NULL;
    bool ok = readStrings(tokens, &tok, &tokLens, &nTok);
    if (ok && merges && merges->type == HGN_GGUF_ARRAY && merges->arr.elemType == HGN_GGUF_STRING) {
        ok = readStrings(merges, &mer, &merLens, &nMer);
        merZ = ok ? hgnCalloc(nMer + 1, sizeof(char *)) : NULL;
        ok = ok && merZ;
        for (size_t i = 0; ok && i < nMer; i++) {
            merZ[i] = hgnMalloc(merLens[i] + 1);
            if (!merZ[i])
                ok = false;
            else {
                memcpy(merZ[i], mer[i], merLens[i]);
                merZ[i][merLens[i]] = 0;
            }
        }
    }
    if (ok && scores && scores->type == HGN_GGUF_ARRAY && scores->arr.elemType == HGN_GGUF_FLOAT32 &&
        scores->arr.count == nTok) {
        sc = hgnMalloc((nTok + 1) * sizeof(float));
        ok = sc != NULL;
        if (ok) memcpy(sc, scores->arr.raw, nTok * sizeof(float));
    }
    if (ok && types && types->type == HGN_GGUF_ARRAY && types->arr.elemType == HGN_GGUF_INT32 &&
        types->arr.count == nTok) {
        ty = hgnMalloc((nTok + 1) * sizeof(int32_t));
        ok = ty != NULL;
        if (ok) memcpy(ty, types->arr.raw, nTok * sizeof(int32_t));
    }
    char pre[64] = "";
    HgnGgufString preS;
    HgnStatus pst = hgnGgufGetString(f, "tokenizer.ggml.pre", &preS);
    if (!pst) snprintf(pre, sizeof pre, "%.*s", (int)(preS.len < 63 ? preS.len : 63), preS.ptr);
    hgnStatusFree(pst);
    if (ok) {
        spec.nTokens = nTok;
        spec.tokens = tok;
        spec.tokenLens = tokLens;
        spec.scores = sc;
        spec.types = ty;
        spec.nMerges = nMer;
        spec.merges = (const char *const *)merZ;
        spec.pre = pre[0] ? pre : NULL;
        spec.bosId = idKey(f, "tokenizer.ggml.bos_token_id");
        spec.eosId = idKey(f, "tokenizer.ggml.eos_token_id");
        spec.unkId = idKey(f, "tokenizer.ggml.unknown_token_id");
        spec.padId = idKey(f, "tokenizer.ggml.padding_token_id");
        spec.eotId = idKey(f, "tokenizer.ggml.eot_token_id");
        spec.addBos = boolKey(f, "tokenizer.ggml.add_bos_token", spec.model == HGN_TOKENIZER_LLAMA);
        spec.addEos = boolKey(f, "tokenizer.ggml.add_eos_token", false);
        spec.addSpacePrefix = boolKey(f, "tokenizer.ggml.add_space_prefix", true);
        st = hgnTokenizerCreate(&spec, out);
    } else
        st = oom(hgnGgufPath(f));
    for (size_t i = 0; merZ && i < nMer; i++) hgnFree(merZ[i]);
    hgnFree(merZ);
    hgnFree(tok);
    hgnFree(tokLens);
    hgnFree(mer);
    hgnFree(merLens);
    hgnFree(sc);
    hgnFree(ty);
    return st;
}

HgnStatus rtFileDigest(const char *path, char **out) {
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return hgnStatusNew(HGN_CODE_NotFound, path, "check the model path in the plan header",
                            "cannot read the model file to check its digest");
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    enum { CHUNK = 1 << 20 };
    unsigned char *buf = hgnMalloc(CHUNK);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    bool ok = buf && ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
    size_t r;
    while (ok && (r = fread(buf, 1, CHUNK, f)) > 0) ok = EVP_DigestUpdate(ctx, buf, r) == 1;
    ok = ok && !ferror(f) && EVP_DigestFinal_ex(ctx, md, &len) == 1 && len == 32;
    EVP_MD_CTX_free(ctx);
    fclose(f);
    if (!ok && !buf) return oom(path);
    hgnFree(buf);
    if (!ok) return hgnStatusNew(HGN_CODE_IoError, path, NULL, "cannot digest the model file");
    char *hex = hgnMalloc(7 + 64 + 1);
    if (!hex) return oom(path);
    int o = snprintf(hex, 8, "sha256:");
    for (unsigned i = 0; i < 32; i++) o += snprintf(hex + o, 3, "%02x", md[i]);
    *out = hex;
    return HGN_OK;
}

char *rtTextDigest(const char *text, size_t len) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_Digest(text, len, md, &n, EVP_sha256(), NULL) != 1 || n != 32) return NULL;
    char *hex = hgnMalloc(7 + 64 + 1);
    if (!hex) return NULL;
    int o = snprintf(hex, 8, "sha256:");
    for (unsigned i = 0; i < 32; i++) o += snprintf(hex + o, 3, "%02x", md[i]);
    return hex;
}

static void freeGguf(void *p) { hgnGgufClose(p); }

HgnStatus rtModelOpen(const char *path, RtModel *m) {
    memset(m, 0, sizeof *m);
    struct stat sb;
    if (stat(path, &sb) != 0)
        return hgnStatusNew(HGN_CODE_NotFound, path, "check the path (a .gguf file or a model folder)",
                            "the model does not exist");
    m->path = hgnStrdup(path);
    if (!m->path) return oom(path);
    HgnStatus st;
    /* a checkpoint file of a model folder (plans name the weights file): open its folder */
    size_t pl = strlen(path);
    bool folderFile = !S_ISDIR(sb.st_mode) && ((pl > 12 && strcmp(path + pl - 12, ".safetensors") == 0) ||
                                               (pl > 5 && strcmp(path + pl - 5, ".json") == 0));
    if (S_ISDIR(sb.st_mode) || folderFile) {
        char *dir = hgnStrdup(path);
        if (!dir) {
            st = oom(path);
            goto fail;
        }
        if (folderFile) {
            char *slash = strrchr(dir, '/');
            if (slash)
                *slash = 0;
            else
                strcpy(dir, ".");
        }
        st = hgnHfModelOpen(dir, &m->hf);
        hgnFree(dir);
        if (st) goto fail;
        m->weightsPath = hgnStrdup(hgnHfModelWeightsPath(m->hf));
        if (!m->weightsPath) {
            st = oom(path);
            goto fail;
        }
        if ((st = hgnLlmGraphFromHfModel(m->hf, &m->graph))) goto fail;
        const char *tj = hgnHfModelTokenizerJsonPath(m->hf);
        if (tj)
            st = hgnTokenizerLoadJson(tj, &m->tok);
        else
            st = hgnStatusNew(HGN_CODE_TokenizerMismatch, path, "add the model's tokenizer.json",
                              "the model folder has no tokenizer.json");
        if (st) goto fail;
        const HgnHfConfig *cfg = hgnHfModelConfig(m->hf);
        json_t *mp = cfg ? json_object_get(cfg->json, "max_position_embeddings") : NULL;
        m->contextLength = json_is_integer(mp) ? json_integer_value(mp) : 0;
    } else {
        m->weightsPath = hgnStrdup(path);
        if (!m->weightsPath) {
            st = oom(path);
            goto fail;
        }
        if ((st = hgnGgufOpen(path, &m->gguf))) goto fail;
        if ((st = hgnLlmGraphFromGguf(m->gguf, &m->graph))) goto fail;
        if ((st = rtGgufTokenizer(m->gguf, &m->tok))) goto fail;
        HgnLlmSpec spec;
        HgnStatus sst = hgnLlmSpecFromGguf(m->gguf, &spec);
        if (!sst) m->contextLength = spec.contextLength;
        hgnStatusFree(sst);
    }
    return HGN_OK;
fail:
    rtModelClose(m);
    return st;
}

void rtModelClose(RtModel *m) {
    hgnGraphFree(m->graph);
    hgnTokenizerFree(m->tok);
    if (m->gguf) freeGguf(m->gguf);
    hgnHfModelClose(m->hf);
    hgnFree(m->path);
    hgnFree(m->weightsPath);
    memset(m, 0, sizeof *m);
}
