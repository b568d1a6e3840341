/* hfModel.c — Hugging Face model folders and the hub cache layout: finds the
 * config, tokenizer files and weights, opens the weights lazily and checks
 * them against config.json (see hfModel.h). */
#include "huginn/hfModel.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "core/strBuf.h"
#include "formats/fmtError.h"
#include "formats/mappedFile.h"

struct HgnHfModel {
    char *dir;
    HgnHfConfig *config;
    json_t *generationConfig;
    json_t *tokenizerConfig;
    char *tokenizerJson;
    char *tokenizerModel;
    HgnWeightsFormat format;
    char *weightsPath;
    HgnSafetensors *st;
    HgnGgufFile *gguf;
};

static HgnStatus oom(const char *where) { return hgnStatusNew(HGN_CODE_OutOfMemory, where, NULL, "out of memory"); }

static char *join(const char *dir, const char *name) {
    HgnBuf b;
    hgnBufInit(&b);
    hgnBufAppendf(&b, "%s/%s", dir, name);
    return hgnBufDetach(&b);
}

static bool isFile(const char *path) {
    struct stat s;
    return stat(path, &s) == 0 && S_ISREG(s.st_mode);
}

static bool isDir(const char *path) {
    struct stat s;
    return stat(path, &s) == 0 && S_ISDIR(s.st_mode);
}

/* *out = dir/name when that file exists, else NULL. */
static HgnStatus optionalFile(const char *dir, const char *name, char **out) {
    *out = NULL;
    char *p = join(dir, name);
    if (!p) return oom(dir);
    if (isFile(p))
        *out = p;
    else
        hgnFree(p);
    return HGN_OK;
}

static HgnStatus loadJsonFile(const char *path, json_t **out) {
    *out = NULL;
    HgnMappedFile m;
    HgnStatus st = hgnMappedFileOpen(path, &m);
    if (st) return st;
    json_error_t jerr;
    *out = json_loadb(m.size ? (const char *)m.data : "", (size_t)m.size, JSON_REJECT_DUPLICATES, &jerr);
    hgnMappedFileClose(&m);
    if (*out && !json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        return hgnFmtErrorIn(HGN_CODE_ModelFormatInvalid, path, NULL, NULL, "must hold a JSON object");
    }
    if (!*out) {
        char where[64];
        snprintf(where, sizeof where, "%d:%d", jerr.line, jerr.column);
        return hgnFmtErrorIn(HGN_CODE_ModelFormatInvalid, path, where, NULL, "invalid JSON: %s", jerr.text);
    }
    return HGN_OK;
}

/* ---- hub cache ---------------------------------------------------------------------- */

static bool isHex(const char *s, size_t n) {
    if (strlen(s) != n) return false;
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i])) return false;
    return true;
}

static bool safeComponent(const char *s) {
    return *s && !strchr(s, '/') && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

/* repoDir = .../models--ORG--NAME; resolves revision to snapshots/HASH. */
static HgnStatus resolveRepoDir(const char *repoDir, const char *revision, char **out) {
    *out = NULL;
    if (!revision) revision = "main";
    HgnBuf b;
    hgnBufInit(&b);
    hgnBufAppendf(&b, "%s/refs/%s", repoDir, revision);
    if (!hgnBufOk(&b)) return oom(repoDir);
    HgnStatus st = HGN_OK;
    char hash[128] = {0};
    bool slashOk = !strstr(revision, "..") && revision[0] != '/';
    if (slashOk && isFile(hgnBufStr(&b))) {
        HgnMappedFile m;
        if ((st = hgnMappedFileOpen(hgnBufStr(&b), &m))) goto done;
        size_t n = (size_t)m.size < sizeof hash - 1 ? (size_t)m.size : sizeof hash - 1;
        if (n) memcpy(hash, m.data, n);
        hgnMappedFileClose(&m);
        while (n && isspace((unsigned char)hash[n - 1])) hash[--n] = '\0';
        if (!safeComponent(hash)) {
            st = hgnFmtErrorIn(HGN_CODE_ModelFormatInvalid, hgnBufStr(&b), NULL, "download the model again",
                               "ref file does not hold a commit hash");
            goto done;
        }
    } else if (safeComponent(revision) && (isHex(revision, 40) || isHex(revision, 64))) {
        snprintf(hash, sizeof hash, "%s", revision);
    } else {
        st = hgnFmtErrorIn(HGN_CODE_NotFound, repoDir, NULL, "download the model, or name an existing revision",
                           "revision '%s' is neither a ref under refs/ nor a commit hash", revision);
        goto done;
    }
    hgnBufClear(&b);
    hgnBufAppendf(&b, "%s/snapshots/%s", repoDir, hash);
    if (!hgnBufOk(&b)) {
        st = oom(repoDir);
        goto done;
    }
    if (!isDir(hgnBufStr(&b))) {
        st = hgnFmtErrorIn(HGN_CODE_NotFound, hgnBufStr(&b), NULL, "download the model again",
                           "snapshot %s of revision '%s' is missing", hash, revision);
        goto done;
    }
    *out = hgnBufDetach(&b);
    if (!*out) st = oom(repoDir);
done:
    hgnBufFree(&b);
    return st;
}

HgnStatus hgnHfHubResolve(const char *cacheDir, const char *repoId, const char *revision, char **out) {
    *out = NULL;
    const char *slash = repoId ? strchr(repoId, '/') : NULL;
    if (!slash || slash == repoId || !slash[1] || strchr(slash + 1, '/') || strstr(repoId, ".."))
        return hgnStatusNew(HGN_CODE_InvalidArgument, repoId, "write it as ORG/NAME", "'%s' is not a hub repository id",
                            repoId ? repoId : "(null)");
    HgnBuf b;
    hgnBufInit(&b);
    hgnBufAppendf(&b, "%s/models--%.*s--%s", cacheDir, (int)(slash - repoId), repoId, slash + 1);
    if (!hgnBufOk(&b)) return oom(cacheDir);
    HgnStatus st;
    if (!isDir(hgnBufStr(&b)))
        st = hgnFmtErrorIn(HGN_CODE_NotFound, hgnBufStr(&b), NULL, "download it with huggingface-cli download",
                           "repository %s is not in the hub cache", repoId);
    else
        st = resolveRepoDir(hgnBufStr(&b), revision, out);
    hgnBufFree(&b);
    return st;
}

/* ---- weights ------------------------------------------------------------------------------ */

static bool endsWith(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* The one file in dir ending in suffix: *out NULL when none; error when several. */
static HgnStatus uniqueWithSuffix(const char *dir, const char *suffix, char **out) {
    *out = NULL;
    DIR *d = opendir(dir);
    if (!d) return hgnStatusNew(HGN_CODE_IoError, dir, NULL, "cannot list the folder: %s", strerror(errno));
    HgnStatus st = HGN_OK;
    struct dirent *e;
    char *first = NULL;
    int n = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || !endsWith(e->d_name, suffix)) continue;
        char *p = join(dir, e->d_name);
        if (!p) {
            st = oom(dir);
            break;
        }
        if (!isFile(p)) {
            hgnFree(p);
            continue;
        }
        if (++n == 1) {
            first = p;
        } else {
            st = hgnStatusNew(HGN_CODE_InvalidArgument, dir, "pass the path of the file to use",
                              "several *%s files (%s, %s, …): which one is the model is ambiguous", suffix,
                              strrchr(first, '/') + 1, e->d_name);
            hgnFree(p);
            break;
        }
    }
    closedir(d);
    if (st)
        hgnFree(first);
    else
        *out = first;
    return st;
}

static HgnStatus findWeights(HgnHfModel *m) {
    HgnStatus st;
    char *p;
    if ((st = optionalFile(m->dir, "model.safetensors.index.json", &p))) return st;
    if (p) {
        m->format = HGN_WEIGHTS_SAFETENSORS_SHARDED;
        m->weightsPath = p;
        return hgnSafetensorsOpen(p, &m->st);
    }
    if ((st = optionalFile(m->dir, "model.safetensors", &p))) return st;
    if (!p && (st = uniqueWithSuffix(m->dir, ".safetensors.index.json", &p))) return st;
    if (p && endsWith(p, ".json")) {
        m->format = HGN_WEIGHTS_SAFETENSORS_SHARDED;
        m->weightsPath = p;
        return hgnSafetensorsOpen(p, &m->st);
    }
    if (!p && (st = uniqueWithSuffix(m->dir, ".safetensors", &p))) return st;
    if (p) {
        m->format = HGN_WEIGHTS_SAFETENSORS;
        m->weightsPath = p;
        return hgnSafetensorsOpen(p, &m->st);
    }
    if ((st = uniqueWithSuffix(m->dir, ".gguf", &p))) return st;
    if (p) {
        m->format = HGN_WEIGHTS_GGUF;
        m->weightsPath = p;
        return hgnGgufOpen(p, &m->gguf);
    }
    char *bin;
    if ((st = optionalFile(m->dir, "pytorch_model.bin", &bin))) return st;
    bool hasBin = bin != NULL;
    hgnFree(bin);
    return hgnStatusNew(HGN_CODE_NotFound, m->dir,
                        hasBin ? "convert pytorch_model.bin to safetensors first" : "download the weights",
                        "no weights: expected model.safetensors, model.safetensors.index.json, *.safetensors or "
                        "*.gguf");
}

/* ---- config vs weights ------------------------------------------------------------------ */

static HgnStatus mismatch(const HgnHfConfig *cfg, const char *field, const char *fmt, ...) HGN_PRINTF(3, 4);
static HgnStatus mismatch(const HgnHfConfig *cfg, const char *field, const char *fmt, ...) {
    HgnBuf msg;
    hgnBufInit(&msg);
    va_list ap;
    va_start(ap, fmt);
    hgnBufAppendfV(&msg, fmt, ap);
    va_end(ap);
    HgnStatus st = hgnFmtErrorIn(HGN_CODE_ConfigMismatch, cfg->path, field,
                                 "config.json and the weights come from different models",
                                 "config.json field '%s' contradicts the weights: %s", field, hgnBufStr(&msg));
    hgnBufFree(&msg);
    return st;
}

static HgnStatus checkProjection(const HgnHfModel *m, const char *name, int64_t rows, const char *field,
                                 int64_t fieldValue) {
    const HgnHfConfig *c = m->config;
    const HgnTensorView *t = hgnHfModelTensorFind(m, name);
    if (!t || t->nDims != 2) return HGN_OK;
    if (t->shape[0] != rows || t->shape[1] != c->hiddenSize)
        return mismatch(c, field,
                        "%s = %lld (head_dim %lld, hidden_size %lld) implies %s of shape [%lld, %lld], the weights "
                        "have [%lld, %lld]",
                        field, (long long)fieldValue, (long long)c->headDim, (long long)c->hiddenSize, name,
                        (long long)rows, (long long)c->hiddenSize, (long long)t->shape[0], (long long)t->shape[1]);
    return HGN_OK;
}

/* Checks Hugging Face tensor names (safetensors) against the config. */
static HgnStatus checkAgainstConfig(const HgnHfModel *m) {
    const HgnHfConfig *c = m->config;
    if (!c || !m->st) return HGN_OK;
    const HgnTensorView *e = hgnHfModelTensorFind(m, "model.embed_tokens.weight");
    if (e && e->nDims == 2 && e->shape[0] != c->vocabSize)
        return mismatch(c, "vocab_size", "vocab_size is %lld, but model.embed_tokens.weight has %lld rows",
                        (long long)c->vocabSize, (long long)e->shape[0]);
    if (e && e->nDims == 2 && e->shape[1] != c->hiddenSize)
        return mismatch(c, "hidden_size", "hidden_size is %lld, but model.embed_tokens.weight has %lld columns",
                        (long long)c->hiddenSize, (long long)e->shape[1]);
    int64_t maxLayer = -1;
    for (size_t i = 0; i < hgnHfModelTensorCount(m); i++) {
        const char *n = hgnHfModelTensorAt(m, i)->name;
        if (strncmp(n, "model.layers.", 13) != 0 || !isdigit((unsigned char)n[13])) continue;
        char *end;
        long long l = strtoll(n + 13, &end, 10);
        if (*end == '.' && l > maxLayer) maxLayer = l;
    }
    if (maxLayer >= 0 && maxLayer + 1 != c->numHiddenLayers)
        return mismatch(c, "num_hidden_layers", "num_hidden_layers is %lld, but the weights hold layers 0..%lld",
                        (long long)c->numHiddenLayers, (long long)maxLayer);
    HgnStatus st = checkProjection(m, "model.layers.0.self_attn.q_proj.weight", c->numAttentionHeads * c->headDim,
                                   "num_attention_heads", c->numAttentionHeads);
    if (!st)
        st = checkProjection(m, "model.layers.0.self_attn.k_proj.weight", c->numKeyValueHeads * c->headDim,
                             "num_key_value_heads", c->numKeyValueHeads);
    if (st) return st;
    if (c->intermediateSize > 0) {
        const HgnTensorView *g = hgnHfModelTensorFind(m, "model.layers.0.mlp.gate_proj.weight");
        if (g && g->nDims == 2 && g->shape[0] != c->intermediateSize)
            return mismatch(c, "intermediate_size",
                            "intermediate_size is %lld, but model.layers.0.mlp.gate_proj.weight has %lld rows",
                            (long long)c->intermediateSize, (long long)g->shape[0]);
    }
    /* an absent tie_word_embeddings defaults to the model class's default: true for Gemma */
    bool tied = json_is_boolean(json_object_get(c->json, "tie_word_embeddings"))
                    ? c->tieWordEmbeddings
                    : c->modelType && strncmp(c->modelType, "gemma", 5) == 0;
    if (!tied && e && !hgnHfModelTensorFind(m, "lm_head.weight"))
        return mismatch(c, "tie_word_embeddings", "tie_word_embeddings is false but there is no lm_head.weight");
    return HGN_OK;
}

/* ---- open ---------------------------------------------------------------------------------- */

static HgnStatus openDir(HgnHfModel *m) {
    HgnStatus st;
    char *p;
    if ((st = optionalFile(m->dir, "config.json", &p))) return st;
    if (p) {
        st = hgnHfConfigLoad(p, &m->config);
        hgnFree(p);
        if (st) return st;
    }
    if ((st = optionalFile(m->dir, "generation_config.json", &p))) return st;
    if (p) {
        st = loadJsonFile(p, &m->generationConfig);
        hgnFree(p);
        if (st) return st;
    }
    if ((st = optionalFile(m->dir, "tokenizer_config.json", &p))) return st;
    if (p) {
        st = loadJsonFile(p, &m->tokenizerConfig);
        hgnFree(p);
        if (st) return st;
    }
    if ((st = optionalFile(m->dir, "tokenizer.json", &m->tokenizerJson))) return st;
    if ((st = optionalFile(m->dir, "tokenizer.model", &m->tokenizerModel))) return st;
    if ((st = findWeights(m))) return st;
    if (!m->config && m->format != HGN_WEIGHTS_GGUF) {
        char *cp = join(m->dir, "config.json");
        st = hgnStatusNew(HGN_CODE_NotFound, cp ? cp : m->dir, "download config.json with the weights",
                          "config.json is missing; safetensors weights need it");
        hgnFree(cp);
        return st;
    }
    return checkAgainstConfig(m);
}

HgnStatus hgnHfModelOpen(const char *path, HgnHfModel **out) {
    *out = NULL;
    if (!path || !isDir(path))
        return hgnStatusNew(HGN_CODE_NotFound, path ? path : "(null)", "pass a model folder", "no such model folder");
    HgnHfModel *m = hgnCalloc(1, sizeof *m);
    if (!m) return oom(path);
    HgnStatus st = HGN_OK;
    char *snap = NULL;
    HgnBuf b;
    hgnBufInit(&b);
    hgnBufAppendf(&b, "%s/snapshots", path);
    if (hgnBufOk(&b) && isDir(hgnBufStr(&b))) st = resolveRepoDir(path, NULL, &snap);
    hgnBufFree(&b);
    if (!st) {
        m->dir = snap ? snap : hgnStrdup(path);
        if (!m->dir) st = oom(path);
    }
    if (!st) {
        size_t n = strlen(m->dir);
        while (n > 1 && m->dir[n - 1] == '/') m->dir[--n] = '\0';
        st = openDir(m);
    }
    if (st) {
        hgnHfModelClose(m);
        return st;
    }
    *out = m;
    return HGN_OK;
}

void hgnHfModelClose(HgnHfModel *m) {
    if (!m) return;
    hgnHfConfigFree(m->config);
    json_decref(m->generationConfig);
    json_decref(m->tokenizerConfig);
    hgnFree(m->tokenizerJson);
    hgnFree(m->tokenizerModel);
    hgnFree(m->weightsPath);
    hgnSafetensorsClose(m->st);
    hgnGgufClose(m->gguf);
    hgnFree(m->dir);
    hgnFree(m);
}

const char *hgnHfModelDir(const HgnHfModel *m) { return m->dir; }
const HgnHfConfig *hgnHfModelConfig(const HgnHfModel *m) { return m->config; }
const json_t *hgnHfModelGenerationConfig(const HgnHfModel *m) { return m->generationConfig; }
const json_t *hgnHfModelTokenizerConfig(const HgnHfModel *m) { return m->tokenizerConfig; }
const char *hgnHfModelTokenizerJsonPath(const HgnHfModel *m) { return m->tokenizerJson; }
const char *hgnHfModelTokenizerModelPath(const HgnHfModel *m) { return m->tokenizerModel; }
HgnWeightsFormat hgnHfModelWeightsFormat(const HgnHfModel *m) { return m->format; }
const char *hgnHfModelWeightsPath(const HgnHfModel *m) { return m->weightsPath; }
HgnSafetensors *hgnHfModelSafetensors(const HgnHfModel *m) { return m->st; }
HgnGgufFile *hgnHfModelGguf(const HgnHfModel *m) { return m->gguf; }

size_t hgnHfModelTensorCount(const HgnHfModel *m) {
    return m->st ? hgnSafetensorsTensorCount(m->st) : m->gguf ? hgnGgufTensorCount(m->gguf) : 0;
}
const HgnTensorView *hgnHfModelTensorAt(const HgnHfModel *m, size_t i) {
    return m->st ? hgnSafetensorsTensorAt(m->st, i) : m->gguf ? hgnGgufTensorAt(m->gguf, i) : NULL;
}
const HgnTensorView *hgnHfModelTensorFind(const HgnHfModel *m, const char *name) {
    return m->st ? hgnSafetensorsTensorFind(m->st, name) : m->gguf ? hgnGgufTensorFind(m->gguf, name) : NULL;
}
