/* benchJsonSchema.c — JSON Schema validation throughput: builds a ~1 MB
 * plan-like document (devices, nodes with ops, shapes, devices, byte counts,
 * edges, transfers) and a realistic schema for it ($ref definitions, enums,
 * patterns, formats, additionalProperties false, uniqueItems), compiles once,
 * then validates repeatedly and prints MB/s (document bytes as JSON text, per
 * second of process CPU time). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "huginn/jsonSchema.h"

static const char *schemaText =
    "{\"$id\":\"https://huginn.invalid/bench/plan.schema.json\",\"type\":\"object\","
    "\"required\":[\"header\",\"devices\",\"nodes\",\"edges\",\"transfers\"],\"additionalProperties\":false,"
    "\"properties\":{"
    " \"header\":{\"type\":\"object\",\"required\":[\"formatVersion\",\"createdAt\",\"seed\",\"modelDigest\"],"
    "  \"properties\":{\"formatVersion\":{\"const\":1},\"createdAt\":{\"type\":\"string\",\"format\":\"date-time\"},"
    "   \"seed\":{\"type\":\"integer\",\"minimum\":0},\"modelDigest\":{\"$ref\":\"#/definitions/digest\"},"
    "   \"huginnVersion\":{\"type\":\"string\",\"pattern\":\"^[0-9]+\\\\.[0-9]+\\\\.[0-9]+$\"}},"
    "  \"additionalProperties\":false},"
    " \"devices\":{\"type\":\"array\",\"minItems\":1,\"uniqueItems\":true,\"items\":{\"$ref\":\"#/definitions/"
    "device\"}},"
    " \"nodes\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/definitions/node\"}},"
    " \"edges\":{\"type\":\"array\",\"items\":{\"type\":\"array\",\"items\":[{\"type\":\"integer\",\"minimum\":0},"
    "   {\"type\":\"integer\",\"minimum\":0}],\"additionalItems\":false,\"minItems\":2}},"
    " \"transfers\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"from\",\"to\",\"bytes\"],"
    "   \"properties\":{\"from\":{\"$ref\":\"#/definitions/deviceId\"},\"to\":{\"$ref\":\"#/definitions/deviceId\"},"
    "   \"bytes\":{\"$ref\":\"#/definitions/bytes\"}},\"additionalProperties\":false}}},"
    "\"definitions\":{"
    " \"digest\":{\"type\":\"string\",\"pattern\":\"^sha256:[0-9a-f]{64}$\"},"
    " \"deviceId\":{\"type\":\"string\",\"pattern\":\"^(cpu|gpu):[0-9]+$\"},"
    " \"bytes\":{\"type\":\"integer\",\"minimum\":0},"
    " \"device\":{\"type\":\"object\",\"required\":[\"id\",\"kind\",\"memoryBytes\"],\"additionalProperties\":false,"
    "  \"properties\":{\"id\":{\"$ref\":\"#/definitions/deviceId\"},\"kind\":{\"enum\":[\"cpu\",\"cuda\",\"virtual\"]},"
    "   \"memoryBytes\":{\"$ref\":\"#/definitions/bytes\"},\"name\":{\"type\":\"string\",\"maxLength\":128}}},"
    " \"node\":{\"type\":\"object\",\"required\":[\"id\",\"op\",\"device\",\"outputs\"],\"additionalProperties\":false,"
    "  \"properties\":{\"id\":{\"type\":\"integer\",\"minimum\":0},"
    "   "
    "\"op\":{\"enum\":[\"MatMul\",\"Add\",\"RmsNorm\",\"Rope\",\"Attention\",\"SiLU\",\"Mul\",\"Embedding\","
    "\"Softmax\"]},"
    "   \"name\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":200},"
    "   \"layer\":{\"type\":[\"integer\",\"null\"],\"minimum\":0},\"device\":{\"$ref\":\"#/definitions/deviceId\"},"
    "   \"flops\":{\"type\":\"number\",\"minimum\":0},\"bytes\":{\"$ref\":\"#/definitions/bytes\"},"
    "   \"dtype\":{\"enum\":[\"f32\",\"f16\",\"bf16\",\"q4_0\",\"q8_0\"]},"
    "   \"outputs\":{\"type\":\"array\",\"minItems\":1,\"items\":{\"$ref\":\"#/definitions/tensor\"}},"
    "   \"attrs\":{\"type\":\"object\",\"propertyNames\":{\"pattern\":\"^[a-z][a-zA-Z0-9]*$\"},"
    "    \"additionalProperties\":{\"type\":[\"number\",\"string\",\"boolean\"]}}}},"
    " \"tensor\":{\"type\":\"object\",\"required\":[\"shape\",\"dtype\"],\"properties\":{"
    "  \"shape\":{\"type\":\"array\",\"items\":{\"anyOf\":[{\"type\":\"integer\",\"minimum\":1},"
    "   {\"type\":\"string\",\"enum\":[\"seq\",\"pos\",\"ctx\"]}]},\"maxItems\":8},"
    "  \"dtype\":{\"enum\":[\"f32\",\"f16\",\"bf16\",\"q4_0\",\"q8_0\"]},"
    "  \"role\":{\"enum\":[\"weight\",\"activation\",\"kvCache\",\"io\"]}}}}}";

static json_t *buildDocument(int nNodes) {
    static const char *ops[] = {"MatMul", "Add", "RmsNorm", "Rope", "Attention", "SiLU", "Mul", "Softmax"};
    json_t *doc = json_object();
    json_object_set_new(doc, "header",
                        json_pack("{s:i,s:s,s:i,s:s,s:s}", "formatVersion", 1, "createdAt", "2026-11-29T00:00:00Z",
                                  "seed", 42, "modelDigest",
                                  "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                                  "huginnVersion", "0.1.0"));
    json_t *devices = json_array();
    for (int i = 0; i < 4; i++) {
        char id[16];
        snprintf(id, sizeof id, "gpu:%d", i);
        json_array_append_new(devices, json_pack("{s:s,s:s,s:I,s:s}", "id", id, "kind", "cuda", "memoryBytes",
                                                 (json_int_t)80 << 30, "name", "H100 80GB"));
    }
    json_object_set_new(doc, "devices", devices);
    json_t *nodes = json_array(), *edges = json_array(), *transfers = json_array();
    for (int i = 0; i < nNodes; i++) {
        char dev[16], name[64];
        snprintf(dev, sizeof dev, "gpu:%d", (i / 256) % 4);
        snprintf(name, sizeof name, "blk.%d.%s.%d", i / 8, ops[i % 8], i);
        json_t *outputs = json_pack("[{s:[s,i],s:s,s:s}]", "shape", "seq", 4096 + (i % 3) * 1024, "dtype", "f16",
                                    "role", "activation");
        json_t *node = json_pack("{s:i,s:s,s:s,s:i,s:s,s:f,s:I,s:s,s:o,s:{s:i,s:b}}", "id", i, "op", ops[i % 8], "name",
                                 name, "layer", i / 8, "device", dev, "flops", 1.5e9 + i, "bytes", (json_int_t)i * 8192,
                                 "dtype", "f16", "outputs", outputs, "attrs", "headDim", 128, "causal", 1);
        json_array_append_new(nodes, node);
        if (i > 0) json_array_append_new(edges, json_pack("[i,i]", i - 1, i));
        if (i % 256 == 255)
            json_array_append_new(transfers, json_pack("{s:s,s:s,s:i}", "from", dev, "to", "gpu:0", "bytes", 1 << 20));
    }
    json_object_set_new(doc, "nodes", nodes);
    json_object_set_new(doc, "edges", edges);
    json_object_set_new(doc, "transfers", transfers);
    return doc;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts); /* CPU time: stable on a shared machine */
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    int iterations = argc > 1 ? atoi(argv[1]) : 20;
    json_t *schemaDoc = json_loads(schemaText, 0, NULL);
    if (!schemaDoc) {
        fprintf(stderr, "bench schema does not parse\n");
        return 1;
    }
    json_t *doc = buildDocument(4000);
    char *text = json_dumps(doc, JSON_COMPACT);
    double mb = (double)strlen(text) / 1e6;
    free(text);

    double t0 = now();
    HgnSchema *schema = NULL;
    HgnStatus st = hgnSchemaCompile(schemaDoc, "plan.schema.json", NULL, &schema);
    double tCompile = now() - t0;
    if (st) {
        char *s = hgnStatusToString(st);
        fprintf(stderr, "%s\n", s);
        free(s);
        return 1;
    }
    st = hgnSchemaValidate(schema, doc);
    if (st) {
        char *s = hgnStatusToString(st);
        fprintf(stderr, "bench document is invalid: %s\n", s);
        free(s);
        return 1;
    }
    t0 = now();
    for (int i = 0; i < iterations; i++)
        if (!hgnSchemaIsValid(schema, doc)) return 1;
    double tValid = (now() - t0) / iterations;
    t0 = now();
    for (int i = 0; i < iterations; i++) {
        st = hgnSchemaValidate(schema, doc);
        if (st) return 1;
    }
    double tValidate = (now() - t0) / iterations;
    /* an invalid document: the collecting pass runs too */
    json_object_set_new(json_array_get(json_object_get(doc, "nodes"), 1000), "op", json_string("Conv"));
    t0 = now();
    for (int i = 0; i < iterations; i++) {
        st = hgnSchemaValidate(schema, doc);
        if (!st) return 1;
        hgnStatusFree(st);
    }
    double tInvalid = (now() - t0) / iterations;

    printf("benchJsonSchema: document %.2f MB (4000 plan nodes), %d iterations\n", mb, iterations);
    printf("  compile schema            %8.3f ms\n", tCompile * 1e3);
    printf("  hgnSchemaIsValid          %8.3f ms/doc  %8.1f MB/s\n", tValid * 1e3, mb / tValid);
    printf("  hgnSchemaValidate (valid) %8.3f ms/doc  %8.1f MB/s\n", tValidate * 1e3, mb / tValidate);
    printf("  hgnSchemaValidate (1 err) %8.3f ms/doc  %8.1f MB/s\n", tInvalid * 1e3, mb / tInvalid);
    hgnSchemaFree(schema);
    json_decref(schemaDoc);
    json_decref(doc);
    return 0;
}
