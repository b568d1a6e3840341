/* testHfModel.c — config.json parsing (real configs of Llama 3.1, Mixtral,
 * Mistral, Qwen2; every rope_scaling kind; each type/range check naming
 * config.json and the field), model folders (sharded, single, GGUF,
 * tokenizer files), config-vs-weights mismatches, and the hub cache layout. */
#include "formatsFixtures.h"

#include <dirent.h>

#include "fixtures/llamaCheckpoint.h"
#include "huginn/hfModel.h"

#define CFG "/m/config.json"

static const char *llama31Config =
    "{\n"
    "  \"architectures\": [\"LlamaForCausalLM\"],\n"
    "  \"attention_bias\": false,\n"
    "  \"attention_dropout\": 0.0,\n"
    "  \"bos_token_id\": 128000,\n"
    "  \"eos_token_id\": [128001, 128008, 128009],\n"
    "  \"hidden_act\": \"silu\",\n"
    "  \"hidden_size\": 4096,\n"
    "  \"initializer_range\": 0.02,\n"
    "  \"intermediate_size\": 14336,\n"
    "  \"max_position_embeddings\": 131072,\n"
    "  \"mlp_bias\": false,\n"
    "  \"model_type\": \"llama\",\n"
    "  \"num_attention_heads\": 32,\n"
    "  \"num_hidden_layers\": 32,\n"
    "  \"num_key_value_heads\": 8,\n"
    "  \"pretraining_tp\": 1,\n"
    "  \"rms_norm_eps\": 1e-05,\n"
    "  \"rope_scaling\": {\"factor\": 8.0, \"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0,\n"
    "                   \"original_max_position_embeddings\": 8192, \"rope_type\": \"llama3\"},\n"
    "  \"rope_theta\": 500000.0,\n"
    "  \"tie_word_embeddings\": false,\n"
    "  \"torch_dtype\": \"bfloat16\",\n"
    "  \"transformers_version\": \"4.43.0.dev0\",\n"
    "  \"use_cache\": true,\n"
    "  \"vocab_size\": 128256\n"
    "}\n";

static HgnHfConfig *parseOk(const char *text) {
    HgnHfConfig *c = NULL;
    assertOk(hgnHfConfigParse(text, strlen(text), CFG, &c));
    return c;
}

static void expectConfigError(const char *text, const char *field, const char *frag) {
    HgnHfConfig *c = NULL;
    HgnStatus st = hgnHfConfigParse(text, strlen(text), CFG, &c);
    assert_null(c);
    char where[128];
    snprintf(where, sizeof where, "at %s:%s:", CFG, field);
    expectError(st, HGN_CODE_ModelFormatInvalid, where, frag);
}

/* A minimal valid config with the fields of a JSON fragment replacing or added to it. */
static char *withField(const char *frag) {
    json_t *base = json_loads("{\"model_type\":\"llama\",\"hidden_size\":64,\"num_hidden_layers\":2,"
                              "\"num_attention_heads\":4,\"vocab_size\":100}",
                              0, NULL);
    char *objText = NULL;
    if (asprintf(&objText, "{%s}", frag) < 0) abort();
    json_t *over = json_loads(objText, 0, NULL);
    assert_non_null(over);
    json_object_update(base, over);
    char *s = json_dumps(base, JSON_COMPACT);
    json_decref(over);
    json_decref(base);
    free(objText);
    return s;
}

static void testLlama31Config(void **state) {
    (void)state;
    HgnHfConfig *c = parseOk(llama31Config);
    assert_int_equal(c->nArchitectures, 1);
    assert_string_equal(c->architectures[0], "LlamaForCausalLM");
    assert_string_equal(c->modelType, "llama");
    assert_int_equal(c->hiddenSize, 4096);
    assert_int_equal(c->intermediateSize, 14336);
    assert_int_equal(c->numHiddenLayers, 32);
    assert_int_equal(c->numAttentionHeads, 32);
    assert_int_equal(c->numKeyValueHeads, 8);
    assert_int_equal(c->headDim, 128);
    assert_int_equal(c->vocabSize, 128256);
    assert_int_equal(c->maxPositionEmbeddings, 131072);
    assert_true(c->rmsNormEps == 1e-5);
    assert_true(c->ropeTheta == 500000.0);
    assert_int_equal(c->ropeScaling.type, HGN_ROPE_SCALING_LLAMA3);
    assert_string_equal(hgnRopeScalingTypeName(c->ropeScaling.type), "llama3");
    assert_true(c->ropeScaling.factor == 8.0);
    assert_true(c->ropeScaling.lowFreqFactor == 1.0);
    assert_true(c->ropeScaling.highFreqFactor == 4.0);
    assert_int_equal(c->ropeScaling.originalMaxPositionEmbeddings, 8192);
    assert_int_equal(c->slidingWindow, 0);
    assert_false(c->tieWordEmbeddings);
    assert_int_equal(c->torchDtype, HGN_DTYPE_BF16);
    assert_int_equal(c->numLocalExperts, 0);
    assert_false(c->attentionBias);
    assert_string_equal(c->hiddenAct, "silu");
    assert_int_equal(c->bosTokenId, 128000);
    assert_int_equal(c->nEosTokenIds, 3);
    assert_int_equal(c->eosTokenIds[2], 128009);
    assert_int_equal(c->padTokenId, -1);
    assert_string_equal(c->path, CFG);
    assert_non_null(json_object_get(c->json, "transformers_version"));
    hgnHfConfigFree(c);
}

static void testOtherFamilies(void **state) {
    (void)state;
    HgnHfConfig *c = parseOk("{\"architectures\":[\"MixtralForCausalLM\"],\"hidden_size\":4096,"
                             "\"intermediate_size\":14336,\"max_position_embeddings\":32768,\"model_type\":\"mixtral\","
                             "\"num_attention_heads\":32,\"num_experts_per_tok\":2,\"num_hidden_layers\":32,"
                             "\"num_key_value_heads\":8,\"num_local_experts\":8,\"rms_norm_eps\":1e-05,"
                             "\"rope_theta\":1e6,\"sliding_window\":null,\"tie_word_embeddings\":false,"
                             "\"torch_dtype\":\"bfloat16\",\"vocab_size\":32000,\"eos_token_id\":2}");
    assert_int_equal(c->numLocalExperts, 8);
    assert_int_equal(c->numExpertsPerTok, 2);
    assert_int_equal(c->slidingWindow, 0);
    assert_true(c->ropeTheta == 1e6);
    assert_int_equal(c->nEosTokenIds, 1);
    assert_int_equal(c->eosTokenIds[0], 2);
    hgnHfConfigFree(c);
    c = parseOk("{\"model_type\":\"mistral\",\"hidden_size\":4096,\"num_hidden_layers\":32,"
                "\"num_attention_heads\":32,\"num_key_value_heads\":8,\"vocab_size\":32000,\"sliding_window\":4096}");
    assert_int_equal(c->slidingWindow, 4096);
    assert_int_equal(c->torchDtype, HGN_DTYPE_UNKNOWN);
    assert_true(c->ropeTheta == 10000.0);
    assert_true(c->rmsNormEps == 1e-6);
    hgnHfConfigFree(c);
    c = parseOk("{\"model_type\":\"qwen2\",\"hidden_size\":896,\"num_hidden_layers\":24,\"num_attention_heads\":14,"
                "\"num_key_value_heads\":2,\"vocab_size\":151936,\"sliding_window\":131072,"
                "\"use_sliding_window\":false,\"tie_word_embeddings\":true,\"torch_dtype\":\"bfloat16\"}");
    assert_int_equal(c->slidingWindow, 0);
    assert_true(c->tieWordEmbeddings);
    assert_int_equal(c->headDim, 64);
    hgnHfConfigFree(c);
    /* head_dim given explicitly (Gemma-style), not hidden/heads */
    c = parseOk("{\"hidden_size\":3072,\"num_hidden_layers\":28,\"num_attention_heads\":16,\"head_dim\":256,"
                "\"vocab_size\":256000,\"dtype\":\"float32\",\"hidden_activation\":\"gelu_pytorch_tanh\"}");
    assert_int_equal(c->headDim, 256);
    assert_int_equal(c->torchDtype, HGN_DTYPE_F32);
    assert_string_equal(c->hiddenAct, "gelu_pytorch_tanh");
    assert_null(c->modelType);
    hgnHfConfigFree(c);
    /* GPT-2 style names */
    c = parseOk("{\"model_type\":\"gpt2\",\"n_embd\":768,\"n_layer\":12,\"n_head\":12,\"n_positions\":1024,"
                "\"vocab_size\":50257,\"layer_norm_epsilon\":1e-05}");
    assert_int_equal(c->hiddenSize, 768);
    assert_int_equal(c->numHiddenLayers, 12);
    assert_int_equal(c->maxPositionEmbeddings, 1024);
    assert_true(c->rmsNormEps == 1e-5);
    hgnHfConfigFree(c);
    /* multimodal wrapper: hyperparameters in text_config */
    c = parseOk("{\"model_type\":\"mistral3\",\"text_config\":{\"hidden_size\":5120,\"num_hidden_layers\":40,"
                "\"num_attention_heads\":32,\"num_key_value_heads\":8,\"head_dim\":128,\"vocab_size\":131072,"
                "\"model_type\":\"mistral\"},\"torch_dtype\":\"bfloat16\"}");
    assert_int_equal(c->hiddenSize, 5120);
    assert_string_equal(c->modelType, "mistral3");
    assert_int_equal(c->torchDtype, HGN_DTYPE_BF16);
    hgnHfConfigFree(c);
    expectConfigError("{\"text_config\":{\"hidden_size\":64,\"num_hidden_layers\":0}}", "text_config.num_hidden_layers",
                      "outside the accepted range");
}

static void testRopeScalingKinds(void **state) {
    (void)state;
    char *s = withField("\"rope_scaling\":{\"type\":\"linear\",\"factor\":2.0}");
    HgnHfConfig *c = parseOk(s);
    assert_int_equal(c->ropeScaling.type, HGN_ROPE_SCALING_LINEAR);
    assert_true(c->ropeScaling.factor == 2.0);
    hgnHfConfigFree(c);
    free(s);
    s = withField("\"rope_scaling\":{\"rope_type\":\"dynamic\",\"factor\":4}");
    c = parseOk(s);
    assert_int_equal(c->ropeScaling.type, HGN_ROPE_SCALING_DYNAMIC);
    assert_true(c->ropeScaling.factor == 4.0);
    hgnHfConfigFree(c);
    free(s);
    s = withField(
        "\"rope_scaling\":{\"rope_type\":\"yarn\",\"factor\":4.0,\"original_max_position_embeddings\":32768}");
    c = parseOk(s);
    assert_int_equal(c->ropeScaling.type, HGN_ROPE_SCALING_YARN);
    assert_int_equal(c->ropeScaling.originalMaxPositionEmbeddings, 32768);
    assert_true(c->ropeScaling.betaFast == 32 && c->ropeScaling.betaSlow == 1);
    hgnHfConfigFree(c);
    free(s);
    s = withField("\"rope_scaling\":{\"rope_type\":\"default\"}");
    c = parseOk(s);
    assert_int_equal(c->ropeScaling.type, HGN_ROPE_SCALING_NONE);
    hgnHfConfigFree(c);
    free(s);
    s = withField("\"rope_scaling\":{\"type\":\"mrope\",\"mrope_section\":[16,24,24]}");
    c = parseOk(s);
    assert_int_equal(c->ropeScaling.type, HGN_ROPE_SCALING_NONE);
    hgnHfConfigFree(c);
    free(s);
    s = withField("\"rope_scaling\":{\"rope_type\":\"longrope\",\"short_factor\":[1.0],\"long_factor\":[2.0],"
                  "\"original_max_position_embeddings\":4096}");
    c = parseOk(s);
    assert_int_equal(c->ropeScaling.type, HGN_ROPE_SCALING_LONGROPE);
    assert_int_equal(c->ropeScaling.originalMaxPositionEmbeddings, 4096);
    hgnHfConfigFree(c);
    free(s);
    s = withField("\"rope_scaling\":null");
    c = parseOk(s);
    assert_int_equal(c->ropeScaling.type, HGN_ROPE_SCALING_NONE);
    hgnHfConfigFree(c);
    free(s);
}

static void testConfigErrors(void **state) {
    (void)state;
    HgnHfConfig *c = NULL;
    expectError(hgnHfConfigParse("{\"a\":", 5, CFG, &c), HGN_CODE_ModelFormatInvalid,
                "at " CFG ":1:", "not valid JSON");
    expectError(hgnHfConfigParse("[1]", 3, CFG, &c), HGN_CODE_ModelFormatInvalid, CFG, "JSON object");
    expectError(hgnHfConfigParse("{\"a\":1,\"a\":2}", 13, CFG, &c), HGN_CODE_ModelFormatInvalid, CFG, "duplicate");
    expectError(hgnHfConfigLoad("/nonexistent/config.json", &c), HGN_CODE_NotFound, "/nonexistent/config.json");
    assert_null(c);
    static const struct {
        const char *frag, *field, *msg;
    } cases[] = {
        {"\"hidden_size\":\"4096\"", "hidden_size", "must be an integer, found a string"},
        {"\"hidden_size\":0", "hidden_size", "is 0, outside the accepted range"},
        {"\"hidden_size\":64.5", "hidden_size", "must be an integer, found a real number"},
        {"\"num_key_value_heads\":3", "num_key_value_heads", "must divide num_attention_heads (4)"},
        {"\"num_key_value_heads\":8", "num_key_value_heads", "must divide"},
        {"\"num_attention_heads\":5", "num_attention_heads", "does not divide hidden_size 64"},
        {"\"vocab_size\":-1", "vocab_size", "outside the accepted range"},
        {"\"intermediate_size\":true", "intermediate_size", "found a boolean"},
        {"\"max_position_embeddings\":0", "max_position_embeddings", "outside"},
        {"\"head_dim\":\"x\"", "head_dim", "must be an integer"},
        {"\"rms_norm_eps\":0", "rms_norm_eps", "is 0, outside the accepted range (0, 1]"},
        {"\"rms_norm_eps\":\"1e-5\"", "rms_norm_eps", "must be a number, found a string"},
        {"\"rope_theta\":-1", "rope_theta", "outside"},
        {"\"rope_scaling\":5", "rope_scaling", "must be an object or null"},
        {"\"rope_scaling\":{\"factor\":2}", "rope_scaling.rope_type", "must be a string"},
        {"\"rope_scaling\":{\"rope_type\":\"foo\",\"factor\":2}", "rope_scaling.rope_type", "is \"foo\"; supported"},
        {"\"rope_scaling\":{\"type\":\"linear\"}", "rope_scaling.factor", "is missing; linear scaling needs it"},
        {"\"rope_scaling\":{\"type\":\"linear\",\"factor\":-2}", "rope_scaling.factor", "outside"},
        {"\"rope_scaling\":{\"rope_type\":\"llama3\",\"factor\":8,\"high_freq_factor\":4,"
         "\"original_max_position_embeddings\":8192}",
         "rope_scaling.low_freq_factor", "is missing; llama3 scaling needs it"},
        {"\"rope_scaling\":{\"rope_type\":\"llama3\",\"factor\":8,\"low_freq_factor\":4,\"high_freq_factor\":1,"
         "\"original_max_position_embeddings\":8192}",
         "rope_scaling.high_freq_factor", "must be greater than low_freq_factor"},
        {"\"rope_scaling\":{\"rope_type\":\"yarn\",\"factor\":4,\"beta_fast\":\"x\"}", "rope_scaling.beta_fast",
         "must be a number"},
        {"\"torch_dtype\":\"int4\"", "torch_dtype", "is \"int4\"; expected"},
        {"\"dtype\":5", "dtype", "must be a string"},
        {"\"sliding_window\":\"x\"", "sliding_window", "must be an integer or null"},
        {"\"sliding_window\":0", "sliding_window", "outside"},
        {"\"use_sliding_window\":1", "use_sliding_window", "must be true or false"},
        {"\"tie_word_embeddings\":\"yes\"", "tie_word_embeddings", "must be true or false, found a string"},
        {"\"num_local_experts\":2,\"num_experts_per_tok\":3", "num_experts_per_tok", "more than the 2 experts"},
        {"\"num_local_experts\":0", "num_local_experts", "outside"},
        {"\"architectures\":\"LlamaForCausalLM\"", "architectures", "must be a list of strings"},
        {"\"architectures\":[1]", "architectures", "item 0 must be a string"},
        {"\"model_type\":7", "model_type", "must be a string"},
        {"\"eos_token_id\":[1,-2]", "eos_token_id", "item 1 must be a non-negative integer"},
        {"\"eos_token_id\":\"</s>\"", "eos_token_id", "must be an integer or a list"},
        {"\"bos_token_id\":-5", "bos_token_id", "outside"},
        {"\"attention_bias\":\"no\"", "attention_bias", "must be true or false"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *s = withField(cases[i].frag);
        expectConfigError(s, cases[i].field, cases[i].msg);
        free(s);
    }
    expectConfigError("{\"num_hidden_layers\":2,\"num_attention_heads\":4,\"vocab_size\":100}", "hidden_size",
                      "is missing; it is required");
    expectConfigError("{\"hidden_size\":64,\"num_attention_heads\":4,\"vocab_size\":100}", "num_hidden_layers",
                      "is missing");
    expectConfigError("{\"hidden_size\":64,\"num_hidden_layers\":2,\"vocab_size\":100}", "num_attention_heads",
                      "is missing");
    expectConfigError("{\"hidden_size\":64,\"num_hidden_layers\":2,\"num_attention_heads\":4}", "vocab_size",
                      "is missing");
}

static void testConfigAllocFailures(void **state) {
    (void)state;
    for (uint64_t n = 1; n < 40; n++) {
        HgnHfConfig *c = NULL;
        hgnAllocFailAt(n, 0);
        HgnStatus st = hgnHfConfigParse(llama31Config, strlen(llama31Config), CFG, &c);
        hgnAllocFailAt(0, 0);
        if (st) {
            assert_int_equal(hgnStatusCode(st), HGN_CODE_OutOfMemory);
            hgnStatusFree(st);
        } else {
            assert_int_equal(c->vocabSize, 128256);
            hgnHfConfigFree(c);
        }
    }
}

/* ---- folders ------------------------------------------------------------------------------ */

static const LlamaShape tiny = {2, 64, 128, 4, 2, 100, false};

static void writeTinyConfig(const char *dir, const char *override) {
    char *p = pathJoin(dir, "config.json"), *text = NULL;
    if (asprintf(&text,
                 "{\"architectures\":[\"LlamaForCausalLM\"],\"model_type\":\"llama\",\"hidden_size\":64,"
                 "\"intermediate_size\":128,\"num_hidden_layers\":2,\"num_attention_heads\":4,"
                 "\"num_key_value_heads\":2,\"vocab_size\":100,\"torch_dtype\":\"bfloat16\"%s%s}",
                 *override ? "," : "", override) < 0)
        abort();
    /* later duplicate keys are not allowed, so overrides replace by rewriting */
    writeText(p, text);
    free(text);
    free(p);
}

static char *tinyModel(const char *tag, uint64_t shardLimit) {
    char *dir = makeScratchDir(tag);
    HgnStatus err;
    assert_true(llamaWriteCheckpoint(dir, &tiny, shardLimit, &err) > 0);
    assertOk(err);
    writeTinyConfig(dir, "");
    char *p = pathJoin(dir, "generation_config.json");
    writeText(p, "{\"bos_token_id\":1,\"eos_token_id\":2,\"temperature\":0.6,\"top_p\":0.9}");
    free(p);
    p = pathJoin(dir, "tokenizer.json");
    writeText(p, "{\"version\":\"1.0\",\"model\":{\"type\":\"BPE\"}}");
    free(p);
    p = pathJoin(dir, "tokenizer_config.json");
    writeText(p, "{\"bos_token\":\"<s>\",\"chat_template\":\"{{ messages }}\"}");
    free(p);
    return dir;
}

static void testShardedFolder(void **state) {
    (void)state;
    char *dir = tinyModel("hfsharded", 40000);
    HgnHfModel *m;
    assertOk(hgnHfModelOpen(dir, &m));
    assert_int_equal(hgnHfModelWeightsFormat(m), HGN_WEIGHTS_SAFETENSORS_SHARDED);
    assert_true(hgnSafetensorsFileCount(hgnHfModelSafetensors(m)) >= 2);
    assert_null(hgnHfModelGguf(m));
    assert_int_equal(hgnHfModelTensorCount(m), 3 + 2 * 9);
    assert_non_null(hgnHfModelTensorFind(m, "model.layers.1.mlp.down_proj.weight"));
    assert_int_equal(hgnHfModelConfig(m)->numKeyValueHeads, 2);
    assert_true(json_real_value(json_object_get(hgnHfModelGenerationConfig(m), "temperature")) == 0.6);
    assert_non_null(json_object_get(hgnHfModelTokenizerConfig(m), "chat_template"));
    assert_true(strstr(hgnHfModelTokenizerJsonPath(m), "tokenizer.json") != NULL);
    assert_null(hgnHfModelTokenizerModelPath(m));
    assert_true(strstr(hgnHfModelWeightsPath(m), "model.safetensors.index.json") != NULL);
    assert_string_equal(hgnHfModelDir(m), dir);
    hgnHfModelClose(m);

    /* broken generation_config.json names the file */
    char *g = pathJoin(dir, "generation_config.json");
    writeText(g, "{\"temperature\":");
    expectError(hgnHfModelOpen(dir, &m), HGN_CODE_ModelFormatInvalid, g, "invalid JSON");
    free(g);
    removeTree(dir);
    free(dir);
}

static void testSingleAndGgufFolders(void **state) {
    (void)state;
    char *dir = tinyModel("hfsingle", 1ull << 40);
    char *a = pathJoin(dir, "model-00001-of-00001.safetensors"), *b = pathJoin(dir, "model.safetensors");
    assert_int_equal(rename(a, b), 0);
    char *idx = pathJoin(dir, "model.safetensors.index.json");
    unlink(idx);
    char *tm = pathJoin(dir, "tokenizer.model");
    writeText(tm, "sentencepiece");
    HgnHfModel *m;
    assertOk(hgnHfModelOpen(dir, &m));
    assert_int_equal(hgnHfModelWeightsFormat(m), HGN_WEIGHTS_SAFETENSORS);
    assert_int_equal(hgnHfModelTensorCount(m), 21);
    assert_non_null(hgnHfModelTokenizerModelPath(m));
    hgnHfModelClose(m);
    /* no config.json with safetensors: NotFound naming config.json */
    char *cfg = pathJoin(dir, "config.json");
    unlink(cfg);
    expectError(hgnHfModelOpen(dir, &m), HGN_CODE_NotFound, cfg, "config.json is missing");
    /* no weights at all */
    unlink(b);
    writeTinyConfig(dir, "");
    expectError(hgnHfModelOpen(dir, &m), HGN_CODE_NotFound, dir, "no weights");
    /* a GGUF folder: config.json optional */
    unlink(cfg);
    HgnGgufWriter *w;
    assertOk(hgnGgufWriterCreate(&w));
    assertOk(hgnGgufWriterAddString(w, "general.architecture", "llama"));
    int64_t shape[2] = {100, 64};
    assertOk(hgnGgufWriterAddTensor(w, "token_embd.weight", HGN_DTYPE_Q8_0, 2, shape, NULL));
    char *gg = pathJoin(dir, "tiny-Q8_0.gguf");
    assertOk(hgnGgufWriterWriteFile(w, gg));
    assertOk(hgnHfModelOpen(dir, &m));
    assert_int_equal(hgnHfModelWeightsFormat(m), HGN_WEIGHTS_GGUF);
    assert_null(hgnHfModelConfig(m));
    assert_int_equal(hgnHfModelTensorCount(m), 1);
    assert_int_equal(hgnHfModelTensorFind(m, "token_embd.weight")->nBytes, 100 * 2 * 34);
    hgnHfModelClose(m);
    char *gg2 = pathJoin(dir, "tiny-Q4_0.gguf");
    assertOk(hgnGgufWriterWriteFile(w, gg2));
    expectError(hgnHfModelOpen(dir, &m), HGN_CODE_InvalidArgument, dir, "several *.gguf files");
    hgnGgufWriterFree(w);
    expectError(hgnHfModelOpen("/nonexistent/model", &m), HGN_CODE_NotFound, "/nonexistent/model");
    free(gg);
    free(gg2);
    free(cfg);
    free(tm);
    free(idx);
    free(a);
    free(b);
    removeTree(dir);
    free(dir);
}

static void testConfigMismatches(void **state) {
    (void)state;
    char *dir = tinyModel("hfmismatch", 1ull << 40);
    char *cfg = pathJoin(dir, "config.json");
    static const struct {
        const char *json, *field, *msg;
    } cases[] = {
        {"{\"hidden_size\":64,\"intermediate_size\":128,\"num_hidden_layers\":2,\"num_attention_heads\":4,"
         "\"num_key_value_heads\":2,\"vocab_size\":101}",
         "vocab_size", "model.embed_tokens.weight has 100 rows"},
        {"{\"hidden_size\":128,\"num_hidden_layers\":2,\"num_attention_heads\":4,\"num_key_value_heads\":2,"
         "\"vocab_size\":100}",
         "hidden_size", "model.embed_tokens.weight has 64 columns"},
        {"{\"hidden_size\":64,\"num_hidden_layers\":3,\"num_attention_heads\":4,\"num_key_value_heads\":2,"
         "\"vocab_size\":100}",
         "num_hidden_layers", "the weights hold layers 0..1"},
        {"{\"hidden_size\":64,\"num_hidden_layers\":2,\"num_attention_heads\":4,\"num_key_value_heads\":4,"
         "\"vocab_size\":100}",
         "num_key_value_heads", "k_proj.weight of shape [64, 64], the weights have [32, 64]"},
        {"{\"hidden_size\":64,\"num_hidden_layers\":2,\"num_attention_heads\":4,\"head_dim\":32,"
         "\"num_key_value_heads\":2,\"vocab_size\":100}",
         "num_attention_heads", "q_proj.weight of shape [128, 64]"},
        {"{\"hidden_size\":64,\"intermediate_size\":256,\"num_hidden_layers\":2,\"num_attention_heads\":4,"
         "\"num_key_value_heads\":2,\"vocab_size\":100}",
         "intermediate_size", "gate_proj.weight has 128 rows"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        writeText(cfg, cases[i].json);
        HgnHfModel *m = NULL;
        char where[512];
        snprintf(where, sizeof where, "%s:%s", cfg, cases[i].field);
        expectError(hgnHfModelOpen(dir, &m), HGN_CODE_ConfigMismatch, where, cases[i].msg);
        assert_null(m);
    }
    free(cfg);
    removeTree(dir);
    free(dir);

    /* tied embeddings: no lm_head.weight is fine only when tie_word_embeddings is true */
    LlamaShape tied = tiny;
    tied.tiedEmbeddings = true;
    dir = makeScratchDir("hftied");
    HgnStatus err;
    assert_true(llamaWriteCheckpoint(dir, &tied, 1ull << 40, &err) > 0);
    writeTinyConfig(dir, "\"tie_word_embeddings\":true");
    HgnHfModel *m;
    assertOk(hgnHfModelOpen(dir, &m));
    hgnHfModelClose(m);
    writeTinyConfig(dir, "");
    cfg = pathJoin(dir, "config.json");
    expectError(hgnHfModelOpen(dir, &m), HGN_CODE_ConfigMismatch, cfg, "tie_word_embeddings", "no lm_head.weight");
    free(cfg);
    removeTree(dir);
    free(dir);
}

static void testModelAllocFailureSweep(void **state) {
    (void)state;
    char *dir = tinyModel("hfoom", 40000);
    int fails = 0;
    for (uint64_t n = 1; n < 500; n++) {
        HgnHfModel *m = NULL;
        hgnAllocFailAt(n, 0);
        HgnStatus st = hgnHfModelOpen(dir, &m);
        hgnAllocFailAt(0, 0);
        if (st) {
            fails++;
            HgnStatus root = st;
            while (hgnStatusCause(root)) root = hgnStatusCause(root);
            assert_int_equal(hgnStatusCode(root), HGN_CODE_OutOfMemory);
            assert_null(m);
            hgnStatusFree(st);
        } else {
            assert_int_equal(hgnHfModelTensorCount(m), 21);
            hgnHfModelClose(m);
        }
    }
    assert_true(fails > 20);
    removeTree(dir);
    free(dir);
}

/* ---- hub cache ------------------------------------------------------------------------------- */

static void testHubCache(void **state) {
    (void)state;
    char *cache = makeScratchDir("hub");
    const char *hash = "0e9e39f249a16976918f6564b8830bc894c89659";
    char *repo = pathJoin(cache, "models--meta-llama--Tiny-Llama");
    char *sub = NULL;
    mkdir(repo, 0755);
    if (asprintf(&sub, "%s/blobs", repo) < 0) abort();
    mkdir(sub, 0755);
    free(sub);
    if (asprintf(&sub, "%s/refs", repo) < 0) abort();
    mkdir(sub, 0755);
    free(sub);
    if (asprintf(&sub, "%s/snapshots", repo) < 0) abort();
    mkdir(sub, 0755);
    free(sub);
    /* the model goes into blobs/, the snapshot holds symlinks like the hub's */
    char *src = tinyModel("hubsrc", 40000);
    char *snap = NULL;
    if (asprintf(&snap, "%s/snapshots/%s", repo, hash) < 0) abort();
    mkdir(snap, 0755);
    DIR *d = opendir(src);
    struct dirent *e;
    int k = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char *from = pathJoin(src, e->d_name), *blob = NULL, *link = pathJoin(snap, e->d_name), *target = NULL;
        if (asprintf(&blob, "%s/blobs/blob%d", repo, k) < 0 || asprintf(&target, "../../blobs/blob%d", k) < 0) abort();
        k++;
        assert_int_equal(rename(from, blob), 0);
        assert_int_equal(symlink(target, link), 0);
        free(from), free(blob), free(link), free(target);
    }
    closedir(d);
    char *ref = NULL;
    if (asprintf(&ref, "%s/refs/main", repo) < 0) abort();
    writeText(ref, hash); /* the hub writes the hash without a newline */

    HgnHfModel *m;
    assertOk(hgnHfModelOpen(repo, &m));
    assert_string_equal(hgnHfModelDir(m), snap);
    assert_int_equal(hgnHfModelWeightsFormat(m), HGN_WEIGHTS_SAFETENSORS_SHARDED);
    assert_int_equal(hgnHfModelTensorCount(m), 21);
    hgnHfModelClose(m);
    assertOk(hgnHfModelOpen(snap, &m));
    hgnHfModelClose(m);

    char *out = NULL;
    assertOk(hgnHfHubResolve(cache, "meta-llama/Tiny-Llama", NULL, &out));
    assert_string_equal(out, snap);
    hgnFree(out);
    assertOk(hgnHfHubResolve(cache, "meta-llama/Tiny-Llama", hash, &out));
    assert_string_equal(out, snap);
    hgnFree(out);
    expectError(hgnHfHubResolve(cache, "meta-llama/Tiny-Llama", "dev", &out), HGN_CODE_NotFound, repo,
                "revision 'dev'");
    expectError(hgnHfHubResolve(cache, "meta-llama/Other", NULL, &out), HGN_CODE_NotFound, "models--meta-llama--Other",
                "not in the hub cache");
    expectError(hgnHfHubResolve(cache, "no-slash", NULL, &out), HGN_CODE_InvalidArgument, "no-slash");
    expectError(hgnHfHubResolve(cache, "a/../b", NULL, &out), HGN_CODE_InvalidArgument, "a/../b");
    writeText(ref, "1111111111111111111111111111111111111111\n");
    expectError(hgnHfModelOpen(repo, &m), HGN_CODE_NotFound, "snapshots/1111111111111111111111111111111111111111",
                "missing");
    writeText(ref, "../../etc");
    expectError(hgnHfModelOpen(repo, &m), HGN_CODE_ModelFormatInvalid, "refs/main", "commit hash");
    assert_null(out);
    free(ref);
    free(snap);
    removeTree(src);
    free(src);
    free(repo);
    removeTree(cache);
    free(cache);
}

/* ---- real scale: Llama-3.1-8B folder with its real config.json ------------------------------- */

static void testLlama8bFolder(void **state) {
    (void)state;
    char *dir = makeScratchDir("hf8b");
    HgnStatus err;
    assert_int_equal(llamaWriteCheckpoint(dir, &llama31_8b, 5000000000ull, &err), 4);
    char *cfg = pathJoin(dir, "config.json");
    writeText(cfg, llama31Config);
    HgnHfModel *m;
    assertOk(hgnHfModelOpen(dir, &m));
    assert_int_equal(hgnHfModelTensorCount(m), 291);
    uint64_t bytes = 0;
    for (size_t i = 0; i < hgnHfModelTensorCount(m); i++) bytes += hgnHfModelTensorAt(m, i)->nBytes;
    assert_int_equal(bytes, 16060522496ull);
    assert_int_equal(hgnHfModelConfig(m)->ropeScaling.type, HGN_ROPE_SCALING_LLAMA3);
    hgnHfModelClose(m);
    free(cfg);
    removeTree(dir);
    free(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testLlama31Config),
        cmocka_unit_test(testOtherFamilies),
        cmocka_unit_test(testRopeScalingKinds),
        cmocka_unit_test(testConfigErrors),
        cmocka_unit_test(testConfigAllocFailures),
        cmocka_unit_test(testShardedFolder),
        cmocka_unit_test(testSingleAndGgufFolders),
        cmocka_unit_test(testConfigMismatches),
        cmocka_unit_test(testHubCache),
        cmocka_unit_test(testModelAllocFailureSweep),
        cmocka_unit_test(testLlama8bFolder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
