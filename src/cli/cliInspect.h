/* cliInspect.h — what `huginn inspect` knows about a model, as one JSON
 * document (rendered as text or printed with --json by cmdInspect.c). */
#ifndef HGN_CLI_CLIINSPECT_H
#define HGN_CLI_CLIINSPECT_H

#include <jansson.h>

#include "huginn/status.h"

/* Opens the model at path (format as cliModelDetect named it), builds its IR
 * and checks its tokenizer. OUT *pReport (new reference) holds: format, path,
 * architecture, parameters, totalBytes, fileBytes, dtypes{dtype: {tensors,
 * parameters, bytes}}, tokenizer{kind, path, size, model} (null when none),
 * ir{nodes, values, layers, weights, weightBytes, digest, ops[{op, count}]}
 * (null when no IR), inputs[]/outputs[] {name, dtype, shape}, tensors[]
 * {name, dtype, shape, bytes, offset, file} and warnings[]. Errors: the
 * readers' (bad file), HGN-0107 ConfigMismatch, HGN-0108 TokenizerMismatch
 * (tokenizer present but of the wrong size). */
HGN_NODISCARD HgnStatus cliInspectModel(const char *path, const char *format, json_t **pReport);

#endif
