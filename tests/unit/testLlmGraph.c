/* testLlmGraph.c — decoder LLM builders: every family from a tiny sparse
 * checkpoint (node/value counts, ops, shapes, weights mapped to the file's
 * bytes and offsets), Llama-3.1-8B from a sparse sharded checkpoint, a
 * Mixtral GGUF, digest stability, mis-shaped/missing tensors (HGN-0107),
 * unsupported architectures (HGN-0104), config-only 405B, and the tokenizer
 * check (HGN-0108). */
#include "formatsFixtures.h"

#include <math.h>

#include "fixtures/llamaCheckpoint.h"
#include "fixtures/llmFixtures.h"
#include "huginn/llmGraph.h"
#include "huginn/tokenizerCheck.h"

static int countOp(const HgnGraph *g, const char *op) {
    int n = 0;
    for (int32_t i = 0; i < hgnGraphNodeCount(g); i++) n += strcmp(hgnGraphNode(g, i)->op, op) == 0;
    return n;
}

static const HgnNode *findNode(const HgnGraph *g, const char *name) {
    for (int32_t i = 0; i < hgnGraphNodeCount(g); i++)
        if (strcmp(hgnGraphNode(g, i)->name, name) == 0) return hgnGraphNode(g, i);
    fail_msg("no node %s", name);
    return NULL;
}

static int countRole(const HgnGraph *g, HgnValueRole role, uint64_t *bytes) {
    int n = 0;
    if (bytes) *bytes = 0;
    for (int32_t i = 0; i < hgnGraphValueCount(g); i++) {
        const HgnValue *v = hgnGraphValue(g, i);
        if (v->role != role) continue;
        n++;
        if (bytes) *bytes += v->bytes;
    }
    return n;
}

/* Every weight of g matches the file's tensor: dtype, shape, bytes, file and offset. */
static void expectWeightsMatch(const HgnGraph *g, const HgnHfModel *m) {
    for (int32_t i = 0; i < hgnGraphValueCount(g); i++) {
        const HgnValue *v = hgnGraphValue(g, i);
        if (v->role != HGN_ROLE_WEIGHT) continue;
        const HgnTensorView *t = hgnHfModelTensorFind(m, v->name);
        if (!t) fail_msg("weight %s is not in the file", v->name);
        assert_int_equal(v->dtype, t->dtype);
        assert_int_equal(v->shape.rank, t->nDims);
        for (int k = 0; k < t->nDims; k++) assert_int_equal(v->shape.dims[k].n, t->shape[k]);
        assert_int_equal(v->bytes, t->nBytes);
        assert_int_equal(v->externalOffset, t->offset);
        assert_ptr_equal(v->data, t->data);
        assert_non_null(v->externalPath);
        assert_null(strchr(v->externalPath, '/'));
    }
}

typedef struct Built {
    char *dir;
    HgnHfModel *m;
    HgnGraph *g;
} Built;

static Built buildHf(const char *family) {
    Built b = {0};
    b.dir = makeScratchDir(family);
    FixList *l = calloc(1, sizeof *l);
    fixHfTensors(family, l);
    assertOk(fixWriteHfFolder(b.dir, family, l, TINY_VOCAB));
    free(l);
    assertOk(hgnHfModelOpen(b.dir, &b.m));
    assertOk(hgnLlmGraphFromHfModel(b.m, &b.g));
    return b;
}

static void freeBuilt(Built *b) {
    hgnGraphFree(b->g);
    hgnHfModelClose(b->m);
    removeTree(b->dir);
    free(b->dir);
}

static uint64_t fileTensorBytes(const HgnHfModel *m) {
    uint64_t n = 0;
    for (size_t i = 0; i < hgnHfModelTensorCount(m); i++) n += hgnHfModelTensorAt(m, i)->nBytes;
    return n;
}

/* Common checks: weights = file tensors, bytes equal, IO, caches, layers. */
static void expectCommon(const Built *b, int nodesPerLayer, int extraNodes) {
    const HgnGraph *g = b->g;
    uint64_t wb;
    int nw = countRole(g, HGN_ROLE_WEIGHT, &wb);
    assert_int_equal(nw, (int)hgnHfModelTensorCount(b->m));
    assert_int_equal(wb, fileTensorBytes(b->m));
    expectWeightsMatch(g, b->m);
    assert_int_equal(countRole(g, HGN_ROLE_KV_CACHE, NULL), 2 * TINY_LAYERS);
    assert_int_equal(hgnGraphNodeCount(g), nodesPerLayer * TINY_LAYERS + extraNodes);
    assert_int_equal(hgnGraphInputCount(g), 2);
    assert_int_equal(hgnGraphOutputCount(g), 1);
    const HgnValue *logits = hgnGraphValue(g, hgnGraphOutput(g, 0));
    assert_string_equal(logits->name, "logits");
    assert_int_equal(logits->shape.rank, 2);
    assert_string_equal(hgnGraphSymbolName(g, logits->shape.dims[0].sym), "seq");
    assert_int_equal(logits->shape.dims[1].n, TINY_VOCAB);
    const HgnValue *cache = hgnGraphValue(g, hgnGraphFindValue(g, "cache.1.v"));
    assert_int_equal(cache->role, HGN_ROLE_KV_CACHE);
    assert_string_equal(hgnGraphSymbolName(g, cache->shape.dims[0].sym), "ctx");
    assert_int_equal(cache->shape.dims[1].n, TINY_KV);
    assert_int_equal(cache->shape.dims[2].n, TINY_HEAD_DIM);
    assert_true(hgnGraphSymbol((HgnGraph *)g, "pos") >= 0);
    int maxLayer = -1;
    for (int32_t i = 0; i < hgnGraphNodeCount(g); i++)
        if (hgnGraphNode(g, i)->layer > maxLayer) maxLayer = hgnGraphNode(g, i)->layer;
    assert_int_equal(maxLayer, TINY_LAYERS - 1);
    assert_int_equal(findNode(g, "l1.attn")->layer, 1);
    assert_int_equal(countOp(g, "attention"), TINY_LAYERS);
    assert_int_equal(countOp(g, "embedding"), 1);
}

static void testLlama(void **state) {
    (void)state;
    Built b = buildHf("llama");
    expectCommon(&b, 16, 3);
    assert_int_equal(hgnGraphValueCount(b.g), 27 * TINY_LAYERS + 8);
    assert_int_equal(countOp(b.g, "matmul"), 7 * TINY_LAYERS + 1);
    assert_int_equal(countOp(b.g, "rope"), 2 * TINY_LAYERS);
    assert_int_equal(countOp(b.g, "silu"), TINY_LAYERS);
    const HgnNode *r = findNode(b.g, "l0.qRope");
    assert_string_equal(hgnNodeAttrString(r, "scaling", ""), "llama3");
    assert_true(fabs(hgnNodeAttrFloat(r, "factor", 0) - 8.0) < 1e-9);
    assert_true(fabs(hgnNodeAttrFloat(r, "theta", 0) - 500000.0) < 1e-3);
    assert_int_equal(hgnNodeAttrInt(r, "originalContext", 0), 8192);
    assert_string_equal(hgnNodeAttrString(r, "style", ""), "neox");
    const HgnNode *a = findNode(b.g, "l0.attn");
    assert_int_equal(hgnNodeAttrInt(a, "kvHeads", 0), TINY_KV);
    assert_int_equal(hgnNodeAttrInt(a, "slidingWindow", -1), 0);
    assert_true(fabs(hgnNodeAttrFloat(a, "scale", 0) - 0.25) < 1e-12);
    /* build twice → same digest */
    char h1[65], h2[65];
    hgnGraphDigestHex(b.g, h1);
    HgnGraph *g2;
    assertOk(hgnLlmGraphFromHfModel(b.m, &g2));
    hgnGraphDigestHex(g2, h2);
    assert_string_equal(h1, h2);
    hgnGraphFree(g2);
    freeBuilt(&b);
}

static void testMistralQwen(void **state) {
    (void)state;
    Built b = buildHf("mistral");
    expectCommon(&b, 16, 3);
    assert_int_equal(hgnNodeAttrInt(findNode(b.g, "l1.attn"), "slidingWindow", 0), 4096);
    freeBuilt(&b);
    b = buildHf("qwen2");
    expectCommon(&b, 16, 3);
    /* QKV bias: the q/k/v matmuls take 3 inputs; tied embeddings: logits read the embedding */
    assert_int_equal(findNode(b.g, "l0.q")->nInputs, 3);
    assert_int_equal(findNode(b.g, "l0.attnOut")->nInputs, 2);
    const HgnNode *logits = findNode(b.g, "logits");
    assert_string_equal(hgnGraphValue(b.g, logits->inputs[1])->name, "model.embed_tokens.weight");
    assert_int_equal(hgnNodeAttrInt(findNode(b.g, "l0.attn"), "slidingWindow", -1), 0);
    freeBuilt(&b);
}

static void testGemma(void **state) {
    (void)state;
    Built b = buildHf("gemma");
    expectCommon(&b, 16, 3);
    assert_int_equal(countOp(b.g, "gelu"), TINY_LAYERS);
    assert_int_equal(countOp(b.g, "silu"), 0);
    assert_true(fabs(hgnNodeAttrFloat(findNode(b.g, "embed"), "scale", 0) - 8.0) < 1e-12);
    assert_int_equal(hgnNodeAttrInt(findNode(b.g, "l0.attnNorm"), "unitOffset", 0), 1);
    freeBuilt(&b);
    b = buildHf("gemma2");
    /* + attention post-norm and FFN post-norm per layer, + final softcap */
    expectCommon(&b, 18, 4);
    assert_int_equal(countOp(b.g, "softcap"), 1);
    assert_true(fabs(hgnNodeAttrFloat(findNode(b.g, "logits"), "cap", 0) - 30.0) < 1e-12);
    assert_true(fabs(hgnNodeAttrFloat(findNode(b.g, "l0.attn"), "softcap", 0) - 50.0) < 1e-12);
    assert_int_equal(hgnNodeAttrInt(findNode(b.g, "l0.attn"), "slidingWindow", 0), 4096);
    assert_int_equal(hgnNodeAttrInt(findNode(b.g, "l1.attn"), "slidingWindow", -1), 0);
    assert_true(fabs(hgnNodeAttrFloat(findNode(b.g, "l0.attn"), "scale", 0) - 1.0 / 16.0) < 1e-12);
    const HgnNode *pre = findNode(b.g, "l0.ffnNorm");
    assert_string_equal(hgnGraphValue(b.g, pre->inputs[1])->name, "model.layers.0.pre_feedforward_layernorm.weight");
    const HgnNode *post = findNode(b.g, "l0.attnPostNorm");
    assert_string_equal(hgnGraphValue(b.g, post->inputs[1])->name, "model.layers.0.post_attention_layernorm.weight");
    freeBuilt(&b);
}

static void testPhi3(void **state) {
    (void)state;
    Built b = buildHf("phi3");
    /* qkv matmul + split replace 3 matmuls; gateUp matmul + split replace 2 */
    expectCommon(&b, 16 - 2 + 1 - 1 + 1, 3);
    assert_int_equal(countOp(b.g, "split"), 2 * TINY_LAYERS);
    const HgnNode *s = findNode(b.g, "l0.qkvSplit");
    const HgnAttr *sizes = hgnNodeAttr(s, "sizes");
    assert_non_null(sizes);
    assert_int_equal(sizes->n, 3);
    assert_int_equal(sizes->ints[0], TINY_HEADS * TINY_HEAD_DIM);
    assert_int_equal(sizes->ints[1], TINY_KV * TINY_HEAD_DIM);
    assert_int_equal(hgnNodeAttrInt(findNode(b.g, "l0.attn"), "slidingWindow", 0), 2047);
    freeBuilt(&b);
    /* Phi-3 longrope: per-dimension factors become float-list attributes of rope */
    const char *text = "{\"architectures\":[\"Phi3ForCausalLM\"],\"hidden_size\":64,\"intermediate_size\":128,"
                       "\"num_hidden_layers\":2,\"num_attention_heads\":4,\"vocab_size\":256,"
                       "\"rope_scaling\":{\"type\":\"longrope\",\"long_factor\":[1,2,3,4,5,6,7,8],"
                       "\"short_factor\":[1,1,1,1,1,1,1,1.5]},\"original_max_position_embeddings\":4096}";
    HgnHfConfig *c;
    assertOk(hgnHfConfigParse(text, strlen(text), "/m/config.json", &c));
    HgnGraph *g;
    assertOk(hgnLlmGraphFromHfConfig(c, &g));
    const HgnNode *r = findNode(g, "l1.kRope");
    assert_string_equal(hgnNodeAttrString(r, "scaling", ""), "longrope");
    const HgnAttr *lf = hgnNodeAttr(r, "longFactor"), *sf = hgnNodeAttr(r, "shortFactor");
    assert_non_null(lf);
    assert_non_null(sf);
    assert_int_equal(lf->n, 8);
    assert_true(lf->floats[7] == 8.0f && sf->floats[7] == 1.5f);
    hgnGraphFree(g);
    hgnHfConfigFree(c);
    const char *bad = "{\"architectures\":[\"Phi3ForCausalLM\"],\"hidden_size\":64,\"intermediate_size\":128,"
                      "\"num_hidden_layers\":2,\"num_attention_heads\":4,\"vocab_size\":256,"
                      "\"rope_scaling\":{\"type\":\"longrope\",\"long_factor\":[1,2,3],\"short_factor\":[1]}}";
    assertOk(hgnHfConfigParse(bad, strlen(bad), "/m/config.json", &c));
    expectError(hgnLlmGraphFromHfConfig(c, &g), HGN_CODE_ModelFormatInvalid, "long_factor", "8 numbers");
    hgnHfConfigFree(c);
}

static void testMixtralHf(void **state) {
    (void)state;
    Built b = buildHf("mixtral");
    /* router + experts replace gate, up, act, gated, down */
    expectCommon(&b, 16 - 5 + 2, 3);
    const HgnNode *e = findNode(b.g, "l1.experts");
    assert_int_equal(e->nInputs, 3 + 3 * TINY_EXPERTS);
    assert_int_equal(hgnNodeAttrInt(e, "topK", 0), TINY_TOPK);
    assert_string_equal(hgnNodeAttrString(e, "layout", ""), "perExpert");
    const HgnNode *r = findNode(b.g, "l1.router");
    assert_int_equal(r->nOutputs, 2);
    assert_int_equal(hgnGraphValue(b.g, r->outputs[0])->dtype, HGN_DTYPE_I32);
    freeBuilt(&b);
}

static void testGgufLlamaAndMixtral(void **state) {
    (void)state;
    char *dir = makeScratchDir("llmgguf");
    char *path = pathJoin(dir, "tiny.gguf");
    for (int experts = 0; experts <= TINY_EXPERTS; experts += TINY_EXPERTS) {
        assertOk(fixWriteGguf(path, "llama", experts, TINY_VOCAB));
        HgnGgufFile *f;
        assertOk(hgnGgufOpen(path, &f));
        HgnLlmSpec spec;
        assertOk(hgnLlmSpecFromGguf(f, &spec));
        assert_int_equal(spec.family, experts ? HGN_LLM_MIXTRAL : HGN_LLM_LLAMA);
        assert_int_equal(spec.vocab, TINY_VOCAB);
        HgnGraph *g;
        assertOk(hgnLlmGraphFromGguf(f, &g));
        uint64_t wb, total = 0;
        assert_int_equal(countRole(g, HGN_ROLE_WEIGHT, &wb), (int)hgnGgufTensorCount(f));
        for (size_t i = 0; i < hgnGgufTensorCount(f); i++) total += hgnGgufTensorAt(f, i)->nBytes;
        assert_int_equal(wb, total);
        const HgnValue *q = hgnGraphValue(g, hgnGraphFindValue(g, "blk.1.attn_q.weight"));
        assert_int_equal(q->dtype, HGN_DTYPE_Q8_0);
        assert_int_equal(q->externalOffset, hgnGgufTensorFind(f, "blk.1.attn_q.weight")->offset);
        assert_string_equal(q->externalPath, "tiny.gguf");
        assert_string_equal(hgnNodeAttrString(findNode(g, "l0.qRope"), "style", ""), "normal");
        if (experts) {
            const HgnNode *e = findNode(g, "l0.experts");
            assert_int_equal(e->nInputs, 6);
            assert_string_equal(hgnNodeAttrString(e, "layout", ""), "stacked");
            assert_int_equal(hgnGraphNodeCount(g), 13 * TINY_LAYERS + 3);
        } else
            assert_int_equal(hgnGraphNodeCount(g), 16 * TINY_LAYERS + 3);
        HgnTokenizerInfo t;
        assertOk(hgnTokenizerCheckGguf(f, spec.vocab, &t));
        assert_int_equal(t.size, TINY_VOCAB);
        assert_string_equal(t.model, "gpt2");
        hgnGraphFree(g);
        hgnGgufClose(f);
    }
    removeTree(dir);
    free(path);
    free(dir);
}

/* Llama-3.1-8B as HF writes it (4 sparse shards + index + config.json). */
static const char *llama8bConfig =
    "{\"architectures\":[\"LlamaForCausalLM\"],\"model_type\":\"llama\",\"hidden_size\":4096,"
    "\"intermediate_size\":14336,\"num_hidden_layers\":32,\"num_attention_heads\":32,\"num_key_value_heads\":8,"
    "\"vocab_size\":128256,\"max_position_embeddings\":131072,\"rms_norm_eps\":1e-5,\"rope_theta\":500000.0,"
    "\"rope_scaling\":{\"factor\":8.0,\"low_freq_factor\":1.0,\"high_freq_factor\":4.0,"
    "\"original_max_position_embeddings\":8192,\"rope_type\":\"llama3\"},\"tie_word_embeddings\":false,"
    "\"torch_dtype\":\"bfloat16\"}";

static void testLlama8bSharded(void **state) {
    (void)state;
    char *dir = makeScratchDir("llm8b");
    HgnStatus err;
    assert_int_equal(llamaWriteCheckpoint(dir, &llama31_8b, 5000000000ull, &err), 4);
    char *cfg = pathJoin(dir, "config.json");
    writeText(cfg, llama8bConfig);
    HgnHfModel *m;
    assertOk(hgnHfModelOpen(dir, &m));
    HgnGraph *g;
    assertOk(hgnLlmGraphFromHfModel(m, &g));
    assert_int_equal(hgnGraphNodeCount(g), 16 * 32 + 3);
    assert_int_equal(hgnGraphValueCount(g), 27 * 32 + 8);
    uint64_t wb;
    assert_int_equal(countRole(g, HGN_ROLE_WEIGHT, &wb), 3 + 32 * 9);
    assert_int_equal(wb, hgnSafetensorsTensorBytes(hgnHfModelSafetensors(m)));
    assert_int_equal(wb, 16060522496ull);
    const HgnValue *v = hgnGraphValue(g, hgnGraphFindValue(g, "model.layers.31.mlp.down_proj.weight"));
    assert_string_equal(v->externalPath, "model-00004-of-00004.safetensors");
    expectWeightsMatch(g, m);
    HgnGraphSummary s;
    assertOk(hgnGraphSummarize(g, &s));
    assert_int_equal(s.weightBytes, wb);
    hgnGraphSummaryFree(&s);
    hgnGraphFree(g);
    hgnHfModelClose(m);
    /* config only: same structure and digest differs only by file mapping */
    HgnHfConfig *c;
    assertOk(hgnHfConfigLoad(cfg, &c));
    assertOk(hgnLlmGraphFromHfConfig(c, &g));
    assert_int_equal(hgnGraphNodeCount(g), 16 * 32 + 3);
    assert_int_equal(countRole(g, HGN_ROLE_WEIGHT, &wb), 3 + 32 * 9);
    assert_int_equal(wb, 16060522496ull);
    hgnGraphFree(g);
    hgnHfConfigFree(c);
    removeTree(dir);
    free(cfg);
    free(dir);
}

static void testMisshapedAndMissing(void **state) {
    (void)state;
    FixList *l = calloc(1, sizeof *l);
    fixHfTensors("llama", l);
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->t[i].name, "model.layers.1.self_attn.k_proj.weight") == 0) l->t[i].shape[0] = 48;
    char *dir = makeScratchDir("llmbad");
    assertOk(fixWriteHfFolder(dir, "llama", l, 0));
    HgnHfModel *m;
    assertOk(hgnHfModelOpen(dir, &m));
    HgnGraph *g = NULL;
    expectError(hgnLlmGraphFromHfModel(m, &g), HGN_CODE_ConfigMismatch, "model.safetensors",
                "model.layers.1.self_attn.k_proj.weight", "[48, 64]", "expected [32, 64]");
    assert_null(g);
    hgnHfModelClose(m);
    removeTree(dir);
    free(dir);
    /* missing tensor */
    fixHfTensors("llama", l);
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->t[i].name, "model.layers.1.mlp.up_proj.weight") == 0) l->t[i] = l->t[--l->n];
    dir = makeScratchDir("llmmissing");
    assertOk(fixWriteHfFolder(dir, "llama", l, 0));
    assertOk(hgnHfModelOpen(dir, &m));
    expectError(hgnLlmGraphFromHfModel(m, &g), HGN_CODE_ConfigMismatch, "model.layers.1.mlp.up_proj.weight",
                "no such tensor", "[128, 64]");
    hgnHfModelClose(m);
    removeTree(dir);
    free(dir);
    free(l);
}

static void testUnsupported(void **state) {
    (void)state;
    const char *text = "{\"architectures\":[\"BertModel\"],\"model_type\":\"bert\",\"hidden_size\":64,"
                       "\"num_hidden_layers\":2,\"num_attention_heads\":4,\"vocab_size\":100}";
    HgnHfConfig *c;
    assertOk(hgnHfConfigParse(text, strlen(text), "/m/config.json", &c));
    HgnGraph *g = NULL;
    expectError(hgnLlmGraphFromHfConfig(c, &g), HGN_CODE_UnsupportedArchitecture, "BertModel", "/m/config.json",
                "LlamaForCausalLM");
    hgnHfConfigFree(c);
    HgnGgufWriter *w;
    assertOk(hgnGgufWriterCreate(&w));
    assertOk(hgnGgufWriterAddString(w, "general.architecture", "bert"));
    uint8_t *img;
    size_t size;
    assertOk(hgnGgufWriterWriteMemory(w, &img, &size));
    hgnGgufWriterFree(w);
    HgnGgufFile *f;
    assertOk(hgnGgufOpenMemory(img, size, "bert.gguf", &f));
    expectError(hgnLlmGraphFromGguf(f, &g), HGN_CODE_UnsupportedArchitecture, "'bert'", "bert.gguf");
    hgnGgufClose(f);
    hgnFree(img);
}

static void testImplausibleSizes(void **state) {
    (void)state;
    /* within config.json's per-field limits, but the embedding would hold 2^51 elements */
    const char *text = "{\"architectures\":[\"LlamaForCausalLM\"],\"hidden_size\":1048576,"
                       "\"intermediate_size\":16777216,\"num_hidden_layers\":1,\"num_attention_heads\":16,"
                       "\"vocab_size\":2147483647}";
    HgnHfConfig *c;
    assertOk(hgnHfConfigParse(text, strlen(text), "/m/config.json", &c));
    HgnGraph *g = NULL;
    expectError(hgnLlmGraphFromHfConfig(c, &g), HGN_CODE_ModelFormatInvalid, "overflow", "/m/config.json");
    assert_null(g);
    hgnHfConfigFree(c);
}

static void testConfigOnly405b(void **state) {
    (void)state;
    const char *text =
        "{\"architectures\":[\"LlamaForCausalLM\"],\"hidden_size\":16384,\"intermediate_size\":53248,"
        "\"num_hidden_layers\":126,\"num_attention_heads\":128,\"num_key_value_heads\":8,\"vocab_size\":128256,"
        "\"rope_scaling\":{\"factor\":8.0,\"low_freq_factor\":1.0,\"high_freq_factor\":4.0,"
        "\"original_max_position_embeddings\":8192,\"rope_type\":\"llama3\"},\"torch_dtype\":\"bfloat16\"}";
    HgnHfConfig *c;
    assertOk(hgnHfConfigParse(text, strlen(text), "/m/config.json", &c));
    HgnGraph *g;
    assertOk(hgnLlmGraphFromHfConfig(c, &g));
    assert_int_equal(hgnGraphNodeCount(g), 16 * 126 + 3);
    uint64_t wb;
    countRole(g, HGN_ROLE_WEIGHT, &wb);
    /* 405.85 B parameters in BF16 */
    assert_true(wb / 2 > 405000000000ull && wb / 2 < 406000000000ull);
    hgnGraphFree(g);
    hgnHfConfigFree(c);
}

static void expectTokenizer(const char *dir, int tokens, int64_t vocab, HgnCode code, const char *frag) {
    char *p = pathJoin(dir, "tokenizer.json");
    assert_true(fixWriteTokenizerJson(p, tokens));
    HgnTokenizerInfo t;
    HgnStatus st = hgnTokenizerCheckDir(dir, vocab, &t);
    if (code == HGN_CODE_OK) {
        assertOk(st);
        assert_int_equal(t.size, tokens);
        assert_string_equal(t.kind, "tokenizer.json");
        assert_string_equal(t.model, "BPE");
    } else
        expectError(st, code, "tokenizer.json", frag);
    free(p);
}

static void testTokenizerRule(void **state) {
    (void)state;
    char *dir = makeScratchDir("tok");
    HgnTokenizerInfo t;
    expectError(hgnTokenizerCheckDir(dir, 100, &t), HGN_CODE_TokenizerMismatch, "no tokenizer");
    expectTokenizer(dir, 1000, 1000, HGN_CODE_OK, NULL);
    expectTokenizer(dir, 1000, 1064, HGN_CODE_OK, NULL); /* Phi-3-like padding */
    expectTokenizer(dir, 1000, 2024, HGN_CODE_OK, NULL); /* exactly the allowed padding */
    expectTokenizer(dir, 1000, 2025, HGN_CODE_TokenizerMismatch, "1025 fewer");
    expectTokenizer(dir, 1001, 1000, HGN_CODE_TokenizerMismatch, "1001 tokens");
    char *p = pathJoin(dir, "tokenizer.json");
    writeText(p, "{\"model\": [1,2");
    expectError(hgnTokenizerCheckDir(dir, 100, &t), HGN_CODE_TokenizerMismatch, "tokenizer.json:1:", "not valid JSON");
    remove(p);
    free(p);
    /* SentencePiece: ModelProto with 5 pieces (field 1) and a trainer_spec (field 2) */
    HgnBuf b;
    hgnBufInit(&b);
    for (int i = 0; i < 5; i++) {
        putU8(&b, 0x0a), putU8(&b, 3);                 /* SentencePiece message, 3 bytes */
        putU8(&b, 0x0a), putU8(&b, 1), putU8(&b, 'a'); /* piece "a" */
    }
    putU8(&b, 0x12), putU8(&b, 2), putU8(&b, 0x08), putU8(&b, 0x01); /* trainer_spec */
    p = pathJoin(dir, "tokenizer.model");
    writeBytes(p, b.data, b.len);
    assertOk(hgnTokenizerCheckDir(dir, 5, &t));
    assert_int_equal(t.size, 5);
    assert_string_equal(t.kind, "tokenizer.model");
    expectError(hgnTokenizerCheckDir(dir, 4, &t), HGN_CODE_TokenizerMismatch, "tokenizer.model", "5 tokens");
    putU8(&b, 0x0a), putU8(&b, 50); /* truncated field */
    writeBytes(p, b.data, b.len);
    expectError(hgnTokenizerCheckDir(dir, 5, &t), HGN_CODE_TokenizerMismatch, "tokenizer.model", "offset 29");
    hgnBufFree(&b);
    free(p);
    removeTree(dir);
    free(dir);
}

static void testGgufOtherArchs(void **state) {
    (void)state;
    char *dir = makeScratchDir("llmgguf2");
    char *path = pathJoin(dir, "tiny.gguf");
    static const struct {
        const char *arch;
        HgnLlmFamily family;
        int nodes; /* per layer */
        int extra;
    } cases[] = {{"qwen2", HGN_LLM_QWEN2, 16, 3}, {"gemma2", HGN_LLM_GEMMA2, 18, 4}, {"phi3", HGN_LLM_PHI3, 15, 3}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        assertOk(fixWriteGguf(path, cases[c].arch, 0, TINY_VOCAB));
        HgnGgufFile *f;
        assertOk(hgnGgufOpen(path, &f));
        HgnGraph *g;
        assertOk(hgnLlmGraphFromGguf(f, &g));
        HgnLlmSpec spec;
        assertOk(hgnLlmSpecFromGguf(f, &spec));
        assert_int_equal(spec.family, cases[c].family);
        assert_int_equal(hgnGraphNodeCount(g), cases[c].nodes * TINY_LAYERS + cases[c].extra);
        uint64_t wb, total = 0;
        assert_int_equal(countRole(g, HGN_ROLE_WEIGHT, &wb), (int)hgnGgufTensorCount(f));
        for (size_t i = 0; i < hgnGgufTensorCount(f); i++) total += hgnGgufTensorAt(f, i)->nBytes;
        assert_int_equal(wb, total);
        assert_string_equal(hgnNodeAttrString(findNode(g, "l0.qRope"), "style", ""), "neox");
        if (spec.family == HGN_LLM_QWEN2) {
            assert_int_equal(findNode(g, "l1.v")->nInputs, 3);
            assert_string_equal(hgnGraphValue(g, findNode(g, "logits")->inputs[1])->name, "token_embd.weight");
        }
        if (spec.family == HGN_LLM_GEMMA2) {
            assert_int_equal(hgnNodeAttrInt(findNode(g, "l0.attnNorm"), "unitOffset", 1), 0);
            assert_true(fabs(hgnNodeAttrFloat(findNode(g, "embed"), "scale", 0) - 8.0) < 1e-12);
            assert_int_equal(hgnNodeAttrInt(findNode(g, "l1.attn"), "slidingWindow", -1), 0);
            assert_int_equal(hgnNodeAttrInt(findNode(g, "l0.attn"), "slidingWindow", 0), 4096);
            assert_true(fabs(hgnNodeAttrFloat(findNode(g, "logits"), "cap", 0) - 30.0) < 1e-12);
        }
        if (spec.family == HGN_LLM_PHI3)
            assert_string_equal(hgnGraphValue(g, findNode(g, "l0.gateUp")->inputs[1])->name, "blk.0.ffn_up.weight");
        hgnGraphFree(g);
        hgnGgufClose(f);
    }
    /* a GGUF missing a required key names it */
    HgnGgufWriter *w;
    assertOk(hgnGgufWriterCreate(&w));
    assertOk(hgnGgufWriterAddString(w, "general.architecture", "qwen2"));
    assertOk(hgnGgufWriterAddU32(w, "qwen2.embedding_length", 64));
    assertOk(hgnGgufWriterWriteFile(w, path));
    hgnGgufWriterFree(w);
    HgnGgufFile *f;
    assertOk(hgnGgufOpen(path, &f));
    HgnLlmSpec spec;
    expectError(hgnLlmSpecFromGguf(f, &spec), HGN_CODE_ModelFormatInvalid, "qwen2.block_count", "tiny.gguf");
    hgnGgufClose(f);
    removeTree(dir);
    free(path);
    free(dir);
}

/* Every allocation of a build fails in turn: an error (or success), never a crash or a leak. */
static void testAllocFailureSweep(void **state) {
    (void)state;
    const char *families[] = {"gemma2", "mixtral", "phi3"};
    for (int fi = 0; fi < 3; fi++) {
        const char *text = fixHfConfig(families[fi]);
        HgnHfConfig *c;
        assertOk(hgnHfConfigParse(text, strlen(text), "/m/config.json", &c));
        int fails = 0;
        for (uint64_t n = 1; n < 100000; n++) {
            HgnGraph *g = NULL;
            hgnAllocFailAt(n, 0);
            HgnStatus st = hgnLlmGraphFromHfConfig(c, &g);
            uint64_t injected = hgnAllocInjectedFailures();
            hgnAllocFailAt(0, 0);
            if (st) {
                assert_null(g);
                hgnStatusFree(st);
                fails++;
            } else
                hgnGraphFree(g);
            if (!injected) {
                assert_null(st);
                break;
            }
        }
        assert_true(fails > 10);
        hgnHfConfigFree(c);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testLlama),
        cmocka_unit_test(testMistralQwen),
        cmocka_unit_test(testGemma),
        cmocka_unit_test(testPhi3),
        cmocka_unit_test(testMixtralHf),
        cmocka_unit_test(testGgufLlamaAndMixtral),
        cmocka_unit_test(testLlama8bSharded),
        cmocka_unit_test(testMisshapedAndMissing),
        cmocka_unit_test(testUnsupported),
        cmocka_unit_test(testConfigOnly405b),
        cmocka_unit_test(testImplausibleSizes),
        cmocka_unit_test(testTokenizerRule),
        cmocka_unit_test(testGgufOtherArchs),
        cmocka_unit_test(testAllocFailureSweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
