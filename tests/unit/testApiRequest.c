/* testApiRequest.c — huginnd request bodies against the embedded OpenAPI
 * document: every component schema compiles, valid bodies pass, malformed
 * JSON names line:column, schema violations name the JSON pointer. */
#include "testUtil.h"

#include "api/apiRequest.h"

static void testBodies(void **state) {
    (void)state;
    HgnApiSchemas *s = NULL;
    assertOk(hgnApiSchemasLoad(&s));
    json_t *doc = NULL;
    const char *ok = "{\"planPath\":\"/p.json\",\"priority\":-100,\"prompt\":\"hi\",\"maxTokens\":3}";
    assertOk(hgnApiParseBody(s, "JobSubmit", ok, strlen(ok), &doc));
    assert_int_equal(json_integer_value(json_object_get(doc, "priority")), -100);
    json_decref(doc);
    expectError(hgnApiParseBody(s, "JobSubmit", "{\"plan\":\n [", 11, &doc), HGN_CODE_InvalidJson, "body:2:");
    assert_null(doc);
    const char *dup = "{\"planPath\":\"a\",\"planPath\":\"b\"}";
    expectError(hgnApiParseBody(s, "JobSubmit", dup, strlen(dup), &doc), HGN_CODE_InvalidJson, "duplicate");
    const char *both = "{\"plan\":{},\"planPath\":\"x\"}";
    expectError(hgnApiParseBody(s, "JobSubmit", both, strlen(both), &doc), HGN_CODE_SchemaViolation, "HGN-0601");
    const char *neither = "{\"priority\":1}";
    expectError(hgnApiParseBody(s, "JobSubmit", neither, strlen(neither), &doc), HGN_CODE_SchemaViolation, "HGN-0601");
    const char *extra = "{\"planPath\":\"x\",\"colour\":\"red\"}";
    expectError(hgnApiParseBody(s, "JobSubmit", extra, strlen(extra), &doc), HGN_CODE_SchemaViolation, "colour");
    const char *range = "{\"planPath\":\"x\",\"maxTokens\":0}";
    expectError(hgnApiParseBody(s, "JobSubmit", range, strlen(range), &doc), HGN_CODE_SchemaViolation, "/maxTokens",
                "JobSubmit");
    const char *plan = "{\"model\":\"m.gguf\",\"context\":4096}";
    assertOk(hgnApiParseBody(s, "PlanRequest", plan, strlen(plan), &doc));
    json_decref(doc);
    assertOk(hgnApiParseBody(s, "JobAction", "{}", 2, &doc));
    json_decref(doc);
    expectError(hgnApiParseBody(s, "JobAction", "{\"a\":1}", 7, &doc), HGN_CODE_SchemaViolation, "HGN-0601");
    expectError(hgnApiParseBody(s, "Nope", "{}", 2, &doc), HGN_CODE_InvalidArgument, "Nope");
    expectError(hgnApiParseBody(s, "JobSubmit", NULL, 0, &doc), HGN_CODE_InvalidJson, "body:");
    hgnApiSchemasFree(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(testBodies)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
