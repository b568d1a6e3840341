/* modelDetect.c — model format recognition by magic bytes and names (see
 * huginn/planRequest.h); the CLI and huginnd share it. */
#include "huginn/planRequest.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static bool endsWith(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static HgnStatus detectFolder(const char *path, const char *what, const char **format) {
    DIR *d = opendir(path);
    if (!d)
        return hgnStatusNew(HGN_CODE_IoError, what, "check the folder's permissions", "cannot open folder `%s`", path);
    bool weights = false, gguf = false, hubCache = false;
    for (struct dirent *e = readdir(d); e; e = readdir(d)) {
        if (endsWith(e->d_name, ".safetensors") || strcmp(e->d_name, "model.safetensors.index.json") == 0)
            weights = true;
        if (endsWith(e->d_name, ".gguf")) gguf = true;
        if (strcmp(e->d_name, "snapshots") == 0) hubCache = true;
    }
    closedir(d);
    if (!weights && !gguf && !hubCache)
        return hgnStatusNew(HGN_CODE_NotFound, what,
                            "a model folder holds *.safetensors files and config.json (or a .gguf file)",
                            "folder `%s` contains no .safetensors file", path);
    *format = hubCache ? "hub-cache" : weights ? "safetensors-folder" : "gguf-folder";
    return HGN_OK;
}

HgnStatus hgnModelDetect(const char *path, const char *what, const char **format) {
    struct stat sb;
    if (stat(path, &sb) != 0)
        return hgnStatusNew(HGN_CODE_NotFound, what, "check the path", "model `%s` does not exist", path);
    if (S_ISDIR(sb.st_mode)) return detectFolder(path, what, format);
    FILE *f = fopen(path, "rb");
    if (!f) return hgnStatusNew(HGN_CODE_IoError, what, "check the file's permissions", "cannot open `%s`", path);
    unsigned char head[9] = {0};
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    if (n >= 4 && memcmp(head, "GGUF", 4) == 0) {
        *format = "gguf";
        return HGN_OK;
    }
    if (n == 9 && head[8] == '{') { /* safetensors: u64 little-endian header size, then a JSON object */
        uint64_t headerLen = 0;
        for (int i = 7; i >= 0; i--) headerLen = headerLen << 8 | head[i];
        if (headerLen >= 2 && headerLen <= (uint64_t)sb.st_size - 8) {
            *format = "safetensors";
            return HGN_OK;
        }
    }
    if (endsWith(path, ".safetensors.index.json")) {
        *format = "safetensors-index";
        return HGN_OK;
    }
    if (endsWith(path, ".onnx")) {
        *format = "onnx";
        return HGN_OK;
    }
    return hgnStatusNew(HGN_CODE_BadMagic, what, "give a GGUF file, a .safetensors file or folder, or an .onnx file",
                        "`%s` is not a GGUF, safetensors or ONNX model", path);
}
