/* safetensors.h — lazy safetensors reader (single files and sharded
 * checkpoints with model.safetensors.index.json) and writer.
 *
 * Opening parses each file's JSON header and maps the file read-only; views
 * point into the mappings. The header checks follow the format: 8-byte
 * little-endian header size, header at most 100 MB, a JSON object that
 * starts with '{', `__metadata__` a string→string map, every tensor with a
 * known dtype, non-negative shape and data_offsets [begin, end) whose size is
 * product(shape) × dtype size, and the offsets, sorted, contiguous from 0
 * and covering the data section exactly. Errors name the file and the field
 * ("PATH:tensor 'NAME'", "PATH:offset N", "PATH:__metadata__.KEY"). */
#ifndef HUGINN_SAFETENSORS_H
#define HUGINN_SAFETENSORS_H

#include "huginn/formats.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HGN_SAFETENSORS_MAX_HEADER 100000000ull

typedef struct HgnSafetensors HgnSafetensors;

/* path: a .safetensors file, or a *.safetensors.index.json (every shard
 * named in its weight_map is opened from the index's folder, and every
 * tensor of the weight_map must exist in the shard it names). */
HGN_NODISCARD HgnStatus hgnSafetensorsOpen(const char *path, HgnSafetensors **out);
/* One safetensors image in memory (borrowed; must outlive the handle). */
HGN_NODISCARD HgnStatus hgnSafetensorsOpenMemory(const void *data, size_t size, const char *name, HgnSafetensors **out);
void hgnSafetensorsClose(HgnSafetensors *s);

/* Tensors, ordered by file then by offset; for a sharded checkpoint, only
 * the tensors of the weight_map. */
size_t hgnSafetensorsTensorCount(const HgnSafetensors *s);
const HgnTensorView *hgnSafetensorsTensorAt(const HgnSafetensors *s, size_t i);
const HgnTensorView *hgnSafetensorsTensorFind(const HgnSafetensors *s, const char *name);

/* Files (one, or the shards in name order); HgnTensorView.fileIndex indexes these. */
size_t hgnSafetensorsFileCount(const HgnSafetensors *s);
const char *hgnSafetensorsFilePath(const HgnSafetensors *s, size_t file);
uint64_t hgnSafetensorsFileSize(const HgnSafetensors *s, size_t file);
uint64_t hgnSafetensorsHeaderSize(const HgnSafetensors *s, size_t file); /* N, the JSON length */
/* Sum of the sizes of all files. */
uint64_t hgnSafetensorsTotalFileBytes(const HgnSafetensors *s);
/* Sum of tensor bytes. */
uint64_t hgnSafetensorsTensorBytes(const HgnSafetensors *s);

/* `__metadata__` of one file: count, i-th pair (false past the end), value by key (NULL when absent). */
size_t hgnSafetensorsMetadataCount(const HgnSafetensors *s, size_t file);
bool hgnSafetensorsMetadataAt(const HgnSafetensors *s, size_t file, size_t i, const char **key, const char **value);
const char *hgnSafetensorsMetadataGet(const HgnSafetensors *s, size_t file, const char *key);
/* Index file path and its metadata.total_size (false when not sharded or absent). */
const char *hgnSafetensorsIndexPath(const HgnSafetensors *s); /* NULL when not sharded */
bool hgnSafetensorsIndexTotalSize(const HgnSafetensors *s, uint64_t *out);

/* ---- writer ------------------------------------------------------------- */
typedef struct HgnSafetensorsWriter HgnSafetensorsWriter;

HGN_NODISCARD HgnStatus hgnSafetensorsWriterCreate(HgnSafetensorsWriter **out);
void hgnSafetensorsWriterFree(HgnSafetensorsWriter *w);
HGN_NODISCARD HgnStatus hgnSafetensorsWriterAddMetadata(HgnSafetensorsWriter *w, const char *key, const char *value);
/* data (product(shape) × dtype size bytes) is borrowed until the write; NULL
 * leaves the region zero (a hole in a file). Duplicate names: HGN-0015. */
HGN_NODISCARD HgnStatus hgnSafetensorsWriterAddTensor(HgnSafetensorsWriter *w, const char *name, HgnDtype dtype,
                                                      int nDims, const int64_t *shape, const void *data);
/* Layout of the reference writer: tensors ordered by descending dtype
 * alignment then name, offsets contiguous, `__metadata__` first, header
 * padded with spaces to a multiple of 8. */
HGN_NODISCARD HgnStatus hgnSafetensorsWriterWriteFile(HgnSafetensorsWriter *w, const char *path);
HGN_NODISCARD HgnStatus hgnSafetensorsWriterWriteMemory(HgnSafetensorsWriter *w, uint8_t **out, size_t *size);
/* Bytes of tensor data added so far. */
uint64_t hgnSafetensorsWriterTensorBytes(const HgnSafetensorsWriter *w);

/* Writes a model.safetensors.index.json: {"metadata":{"total_size":N},
 * "weight_map":{names[i]: shards[i]}} with keys sorted. */
HGN_NODISCARD HgnStatus hgnSafetensorsIndexWrite(const char *path, const char *const *names, const char *const *shards,
                                                 size_t n, uint64_t totalSize);

#ifdef __cplusplus
}
#endif
#endif
