/* cmdConfig.c — `huginn config show|validate|parse`: the layered configuration and TOML files. */
#include <stdlib.h>

#include "cli/cliOutput.h"
#include "cli/commands.h"
#include "cliparse/cliOptions.h"
#include "core/alloc.h"
#include "huginn/config.h"
#include "huginn/toml.h"

/* Short text of a JSON value for the table: strings bare, the rest as JSON. */
static char *valueText(const json_t *v) {
    if (json_is_string(v)) return hgnStrdup(json_string_value(v));
    char *js = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(15));
    char *copy = hgnStrdup(js ? js : "");
    free(js); /* allocated by jansson */
    return copy;
}

static HgnStatus configShow(CliContext *ctx) {
    if (!ctx->config)
        return hgnStatusNew(HGN_CODE_InternalError, "config show", NULL, "the configuration was not loaded");
    json_t *doc = NULL;
    HgnStatus st = hgnConfigShowJson(ctx->config, &doc);
    if (st) return st;
    if (ctx->json) return cliPrintJson(ctx, doc);
    const char *profile = json_string_value(json_object_get(doc, "profile"));
    fprintf(ctx->out, "profile: %s\n\n", profile ? profile : "(none)");
    CliTable t;
    cliTableInit(&t, 3);
    const char *header[] = {"KEY", "VALUE", "SOURCE"};
    cliTableAdd(&t, header);
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(doc, "values"), i, row) {
        char *value = valueText(json_object_get(row, "value"));
        const char *cells[] = {json_string_value(json_object_get(row, "path")), value,
                               json_string_value(json_object_get(row, "source"))};
        cliTableAdd(&t, cells);
        hgnFree(value);
    }
    st = cliTablePrint(ctx, &t, ctx->out);
    cliTableFree(&t);
    json_decref(doc);
    return st;
}

static HgnStatus configValidate(CliContext *ctx) {
    const char *path = hgnCliArgsString(ctx->args, "FILE", "");
    HgnStatus st = hgnConfigValidateFile(path);
    if (st) return st;
    if (ctx->json) return cliPrintJson(ctx, json_pack("{s:s, s:b}", "file", path, "valid", 1));
    fprintf(ctx->out, "%s: valid configuration\n", path);
    return HGN_OK;
}

static HgnStatus configParse(CliContext *ctx) {
    const char *path = hgnCliArgsString(ctx->args, "FILE", "");
    HgnTomlValue *doc = NULL;
    HgnStatus st = hgnTomlParseFile(path, &doc);
    if (st) return st;
    json_t *js = NULL;
    st = hgnTomlToJson(doc, &js);
    hgnTomlFree(doc);
    if (st) return st;
    return cliPrintJson(ctx, js);
}

HgnStatus cmdConfig(CliContext *ctx) {
    switch (ctx->args->command->id) {
    case HGN_CMD_CONFIG_SHOW:
        return configShow(ctx);
    case HGN_CMD_CONFIG_VALIDATE:
        return configValidate(ctx);
    case HGN_CMD_CONFIG_PARSE:
        return configParse(ctx);
    default:
        break;
    }
    return hgnStatusNew(HGN_CODE_InternalError, NULL, NULL, "unexpected config subcommand");
}
