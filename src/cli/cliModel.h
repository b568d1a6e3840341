/* cliModel.h — recognises a model path's format from its name and first
 * bytes, so that commands can reject a non-model before doing anything. */
#ifndef HGN_CLI_CLIMODEL_H
#define HGN_CLI_CLIMODEL_H

#include "huginn/status.h"

/* Sets *format to "gguf", "safetensors", "safetensors-index" (a sharded
 * checkpoint's model.safetensors.index.json), "safetensors-folder",
 * "gguf-folder", "hub-cache" (models--ORG--NAME with snapshots/) or "onnx".
 * Errors: HGN-0102 BadMagic when the file is none of these, HGN-0011 IoError
 * when it cannot be read. where = what (e.g. "MODEL"). */
HGN_NODISCARD HgnStatus cliModelDetect(const char *path, const char *what, const char **format);

#endif
