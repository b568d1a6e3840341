/* gguf.h — GGUF model files: a lazy reader (v2 and v3) and a writer (v3).
 *
 * The reader parses the header, the metadata key/value pairs (every value
 * type, arrays nested to any depth up to 16) and the tensor infos, checks
 * them against the file (sizes, alignment, overlaps, overflow) and maps the
 * data; tensor views point into the mapping. Any malformed input is an HGN
 * error (BadMagic 102, TruncatedFile 101, ModelFormatInvalid 100,
 * UnsupportedDtype 103) whose `where` is "PATH:offset N" or
 * "PATH:tensor 'NAME'" / "PATH:key 'KEY'".
 *
 * The writer emits the layout llama.cpp reads: header, KV pairs, tensor infos,
 * zero padding to the alignment, then each tensor's data padded to the
 * alignment, in the order the tensors were added. */
#ifndef HUGINN_GGUF_H
#define HUGINN_GGUF_H

#include "huginn/formats.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HGN_GGUF_DEFAULT_ALIGNMENT 32u
#define HGN_GGUF_MAX_NAME          63u /* ggml GGML_MAX_NAME - 1 */
#define HGN_GGUF_MAX_DIMS          4

typedef enum HgnGgufType {
    HGN_GGUF_UINT8 = 0,
    HGN_GGUF_INT8 = 1,
    HGN_GGUF_UINT16 = 2,
    HGN_GGUF_INT16 = 3,
    HGN_GGUF_UINT32 = 4,
    HGN_GGUF_INT32 = 5,
    HGN_GGUF_FLOAT32 = 6,
    HGN_GGUF_BOOL = 7,
    HGN_GGUF_STRING = 8,
    HGN_GGUF_ARRAY = 9,
    HGN_GGUF_UINT64 = 10,
    HGN_GGUF_INT64 = 11,
    HGN_GGUF_FLOAT64 = 12,
} HgnGgufType;

/* A GGUF string: bytes, not NUL-terminated. */
typedef struct HgnGgufString {
    const char *ptr;
    uint64_t len;
} HgnGgufString;

/* One metadata value. Arrays of fixed-size scalars keep their elements as
 * raw little-endian bytes (`raw`, count × element size, possibly unaligned);
 * arrays of strings or arrays keep `items` (count values). Read elements of
 * either kind with hgnGgufArrayItem. */
typedef struct HgnGgufValue {
    HgnGgufType type;
    union {
        uint64_t u;      /* UINT8, UINT16, UINT32, UINT64 */
        int64_t i;       /* INT8, INT16, INT32, INT64 */
        double f;        /* FLOAT32, FLOAT64 */
        bool b;          /* BOOL */
        HgnGgufString s; /* STRING */
        struct {
            HgnGgufType elemType;
            uint64_t count;
            const void *raw;                  /* scalar element types */
            const struct HgnGgufValue *items; /* STRING and ARRAY element types */
        } arr;
    };
} HgnGgufValue;

typedef struct HgnGgufKv {
    const char *key; /* NUL-terminated */
    HgnGgufValue value;
} HgnGgufKv;

/* "UINT32", "STRING", …; "INVALID" for an unknown id. */
const char *hgnGgufTypeName(HgnGgufType type);
/* Size in bytes of a scalar type (0 for STRING, ARRAY and unknown ids). */
size_t hgnGgufTypeSize(HgnGgufType type);
/* Element i of an array value into out; false when v is not an array or i is out of range. */
bool hgnGgufArrayItem(const HgnGgufValue *v, uint64_t i, HgnGgufValue *out);

/* ---- reader ------------------------------------------------------------- */
typedef struct HgnGgufFile HgnGgufFile;

HGN_NODISCARD HgnStatus hgnGgufOpen(const char *path, HgnGgufFile **out);
/* Parses a GGUF image held in memory; data is borrowed and must outlive the
 * handle. name is used in error messages. */
HGN_NODISCARD HgnStatus hgnGgufOpenMemory(const void *data, size_t size, const char *name, HgnGgufFile **out);
void hgnGgufClose(HgnGgufFile *f);

const char *hgnGgufPath(const HgnGgufFile *f);
uint32_t hgnGgufVersion(const HgnGgufFile *f);
uint32_t hgnGgufAlignment(const HgnGgufFile *f);
uint64_t hgnGgufDataOffset(const HgnGgufFile *f); /* start of the data section */
uint64_t hgnGgufFileSize(const HgnGgufFile *f);

size_t hgnGgufKvCount(const HgnGgufFile *f);
const HgnGgufKv *hgnGgufKvAt(const HgnGgufFile *f, size_t i);           /* file order */
const HgnGgufValue *hgnGgufFind(const HgnGgufFile *f, const char *key); /* NULL when absent */

/* Typed getters. Absent key: HGN-0014 NotFound; wrong type or out of range:
 * HGN-0100 ModelFormatInvalid naming the key and the type found. Integer
 * getters accept any integer type whose value fits. */
HGN_NODISCARD HgnStatus hgnGgufGetU64(const HgnGgufFile *f, const char *key, uint64_t *out);
HGN_NODISCARD HgnStatus hgnGgufGetI64(const HgnGgufFile *f, const char *key, int64_t *out);
HGN_NODISCARD HgnStatus hgnGgufGetF64(const HgnGgufFile *f, const char *key, double *out); /* FLOAT32/64 */
HGN_NODISCARD HgnStatus hgnGgufGetBool(const HgnGgufFile *f, const char *key, bool *out);
HGN_NODISCARD HgnStatus hgnGgufGetString(const HgnGgufFile *f, const char *key, HgnGgufString *out);

size_t hgnGgufTensorCount(const HgnGgufFile *f);
const HgnTensorView *hgnGgufTensorAt(const HgnGgufFile *f, size_t i); /* file order */
const HgnTensorView *hgnGgufTensorFind(const HgnGgufFile *f, const char *name);

/* ---- writer ------------------------------------------------------------- */
typedef struct HgnGgufWriter HgnGgufWriter;

HGN_NODISCARD HgnStatus hgnGgufWriterCreate(HgnGgufWriter **out);
void hgnGgufWriterFree(HgnGgufWriter *w);
/* Sets the alignment (a power of two, at least 8) and records it as
 * general.alignment (UINT32) unless it is the default 32. */
HGN_NODISCARD HgnStatus hgnGgufWriterSetAlignment(HgnGgufWriter *w, uint32_t alignment);
/* Adds a KV pair (deep copy of v). A duplicate key is HGN-0015. Adding
 * general.alignment sets the alignment (it must be a UINT32 power of two). */
HGN_NODISCARD HgnStatus hgnGgufWriterAddKv(HgnGgufWriter *w, const char *key, const HgnGgufValue *v);
HGN_NODISCARD HgnStatus hgnGgufWriterAddU32(HgnGgufWriter *w, const char *key, uint32_t v);
HGN_NODISCARD HgnStatus hgnGgufWriterAddU64(HgnGgufWriter *w, const char *key, uint64_t v);
HGN_NODISCARD HgnStatus hgnGgufWriterAddI32(HgnGgufWriter *w, const char *key, int32_t v);
HGN_NODISCARD HgnStatus hgnGgufWriterAddF32(HgnGgufWriter *w, const char *key, float v);
HGN_NODISCARD HgnStatus hgnGgufWriterAddBool(HgnGgufWriter *w, const char *key, bool v);
HGN_NODISCARD HgnStatus hgnGgufWriterAddString(HgnGgufWriter *w, const char *key, const char *v);
/* Array of n scalars of elemType, given as host values packed at the type's size. */
HGN_NODISCARD HgnStatus hgnGgufWriterAddArray(HgnGgufWriter *w, const char *key, HgnGgufType elemType,
                                              const void *elems, uint64_t n);
HGN_NODISCARD HgnStatus hgnGgufWriterAddStringArray(HgnGgufWriter *w, const char *key, const char *const *strs,
                                                    uint64_t n);
/* Adds a tensor of a ggml dtype with a row-major shape (written reversed as
 * ggml dims). data holds the raw bytes (blocks for quantised types) and is
 * borrowed until the write; NULL leaves the region zero (a hole in a file,
 * so huge sparse test files cost no disk). */
HGN_NODISCARD HgnStatus hgnGgufWriterAddTensor(HgnGgufWriter *w, const char *name, HgnDtype dtype, int nDims,
                                               const int64_t *shape, const void *data);
/* Total size the image will have. */
uint64_t hgnGgufWriterSize(const HgnGgufWriter *w);
/* Writes PATH.tmp then renames it to path. */
HGN_NODISCARD HgnStatus hgnGgufWriterWriteFile(HgnGgufWriter *w, const char *path);
/* The whole image in one allocation (free with hgnFree from core/alloc.h, or free()). */
HGN_NODISCARD HgnStatus hgnGgufWriterWriteMemory(HgnGgufWriter *w, uint8_t **out, size_t *size);

#ifdef __cplusplus
}
#endif
#endif
