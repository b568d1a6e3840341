/* safetensors.c — lazy safetensors reader: single files and sharded
 * checkpoints (model.safetensors.index.json). See safetensors.h. */
#include "huginn/safetensors.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/strBuf.h"
#include "core/arena.h"
#include "formats/fmtError.h"
#include "formats/mappedFile.h"
#include "formats/nameIndex.h"

typedef struct StFile {
    HgnMappedFile map;
    uint64_t headerSize;
    json_t *metadata; /* the __metadata__ object, or NULL */
    HgnTensorView *views;
    size_t nViews;
    HgnNameIndex index;
} StFile;

struct HgnSafetensors {
    StFile *files;
    size_t nFiles;
    HgnTensorView *views;
    size_t nViews;
    HgnNameIndex index;
    HgnArena arena;
    char *indexPath;
    bool hasTotalSize;
    uint64_t totalSize;
};

static HgnStatus oom(const char *path) { return hgnStatusNew(HGN_CODE_OutOfMemory, path, NULL, "out of memory"); }

static const char *viewName(const void *ctx, size_t i) { return ((const HgnTensorView *)ctx)[i].name; }

/* where = PATH:tensor 'NAME' */
static HgnStatus tensorError(HgnCode code, const char *path, const char *name, const char *hint, const char *fmt, ...)
    HGN_PRINTF(5, 6);
static HgnStatus tensorError(HgnCode code, const char *path, const char *name, const char *hint, const char *fmt, ...) {
    HgnBuf where, msg;
    hgnBufInit(&where);
    hgnBufInit(&msg);
    hgnBufAppendf(&where, "%s:tensor '%s'", path, name);
    va_list ap;
    va_start(ap, fmt);
    hgnBufAppendfV(&msg, fmt, ap);
    va_end(ap);
    HgnStatus st =
        hgnStatusNew(code, hgnBufOk(&where) ? hgnBufStr(&where) : path, hint, "tensor '%s': %s", name, hgnBufStr(&msg));
    hgnBufFree(&where);
    hgnBufFree(&msg);
    return st;
}

/* ---- one file ------------------------------------------------------------------ */

static HgnStatus readNonNegative(const json_t *v, const char *path, const char *name, const char *field, int64_t *out) {
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return tensorError(HGN_CODE_ModelFormatInvalid, path, name, NULL, "field '%s' must hold non-negative integers",
                           field);
    *out = (int64_t)json_integer_value(v);
    return HGN_OK;
}

static HgnStatus parseEntry(StFile *f, HgnArena *arena, const char *name, json_t *e, HgnTensorView *t, uint64_t *begin,
                            uint64_t *end) {
    const char *path = f->map.path;
    if (!json_is_object(e))
        return tensorError(HGN_CODE_ModelFormatInvalid, path, name, NULL,
                           "entry must be an object with dtype, shape and data_offsets");
    json_t *dt = json_object_get(e, "dtype"), *shape = json_object_get(e, "shape"),
           *offs = json_object_get(e, "data_offsets");
    if (!json_is_string(dt))
        return tensorError(HGN_CODE_ModelFormatInvalid, path, name, NULL, "field 'dtype' is missing or not a string");
    if (!hgnDtypeFromSafetensors(json_string_value(dt), &t->dtype))
        return tensorError(HGN_CODE_UnsupportedDtype, path, name, "the file needs a newer Huginn, or it is corrupt",
                           "field 'dtype' is \"%s\", not a safetensors dtype", json_string_value(dt));
    if (!json_is_array(shape))
        return tensorError(HGN_CODE_ModelFormatInvalid, path, name, NULL, "field 'shape' is missing or not an array");
    if (json_array_size(shape) > HGN_MAX_DIMS)
        return tensorError(HGN_CODE_ModelFormatInvalid, path, name, NULL,
                           "field 'shape' has %zu dimensions, at most %d supported", json_array_size(shape),
                           HGN_MAX_DIMS);
    t->nDims = (int)json_array_size(shape);
    t->nElements = 1;
    for (int d = 0; d < t->nDims; d++) {
        HgnStatus st = readNonNegative(json_array_get(shape, (size_t)d), path, name, "shape", &t->shape[d]);
        if (st) return st;
        if (__builtin_mul_overflow(t->nElements, t->shape[d], &t->nElements))
            return tensorError(HGN_CODE_ModelFormatInvalid, path, name, NULL,
                               "the product of field 'shape' overflows 64 bits");
    }
    if (!json_is_array(offs) || json_array_size(offs) != 2)
        return tensorError(HGN_CODE_ModelFormatInvalid, path, name, NULL,
                           "field 'data_offsets' must be an array [begin, end]");
    int64_t b, en;
    HgnStatus st = readNonNegative(json_array_get(offs, 0), path, name, "data_offsets", &b);
    if (!st) st = readNonNegative(json_array_get(offs, 1), path, name, "data_offsets", &en);
    if (st) return st;
    if (en < b)
        return tensorError(HGN_CODE_ModelFormatInvalid, path, name, NULL,
                           "field 'data_offsets' [%lld, %lld] ends before it begins", (long long)b, (long long)en);
    const HgnDtypeInfo *info = hgnDtypeInfo(t->dtype);
    const char *dtypeText = info->safetensorsName ? info->safetensorsName : info->name; /* as the file says it */
    if (!hgnDtypeTryBytes(t->dtype, t->nElements, &t->nBytes))
        return tensorError(HGN_CODE_ModelFormatInvalid, path, name, NULL,
                           "%lld elements of %s do not fill whole bytes (or the size overflows)",
                           (long long)t->nElements, dtypeText);
    if ((uint64_t)(en - b) != t->nBytes)
        return tensorError(HGN_CODE_ModelFormatInvalid, path, name, NULL,
                           "field 'data_offsets' [%lld, %lld] spans %lld bytes, but %lld elements of %s need %llu",
                           (long long)b, (long long)en, (long long)(en - b), (long long)t->nElements, dtypeText,
                           (unsigned long long)t->nBytes);
    t->name = hgnArenaStrndup(arena, name, strlen(name));
    if (!t->name) return oom(path);
    *begin = (uint64_t)b;
    *end = (uint64_t)en;
    return HGN_OK;
}

typedef struct Span {
    uint64_t begin, end;
    size_t index;
} Span;

static int cmpSpan(const void *a, const void *b) {
    const Span *x = a, *y = b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static HgnStatus checkMetadata(StFile *f, json_t *md) {
    if (!json_is_object(md))
        return hgnFmtErrorIn(HGN_CODE_ModelFormatInvalid, f->map.path, "__metadata__", NULL,
                             "__metadata__ must be an object mapping strings to strings");
    const char *k;
    json_t *v;
    json_object_foreach(md, k, v) {
        if (!json_is_string(v)) {
            HgnBuf field;
            hgnBufInit(&field);
            hgnBufAppendf(&field, "__metadata__.%s", k);
            HgnStatus st = hgnFmtErrorIn(HGN_CODE_ModelFormatInvalid, f->map.path, hgnBufStr(&field), NULL,
                                         "__metadata__ value of '%s' must be a string", k);
            hgnBufFree(&field);
            return st;
        }
    }
    f->metadata = json_incref(md);
    return HGN_OK;
}

/* Parses the header of f->map, fills f->views sorted by offset. */
static HgnStatus parseFile(StFile *f, HgnArena *arena, int fileIndex) {
    const char *path = f->map.path;
    const uint8_t *p = f->map.data;
    uint64_t size = f->map.size;
    if (size < 8)
        return hgnFmtErrorAt(HGN_CODE_TruncatedFile, path, 0, "the file is empty or cut short",
                             "file is %llu bytes, too short for the 8-byte header size", (unsigned long long)size);
    uint64_t n = 0;
    for (int k = 0; k < 8; k++) n |= (uint64_t)p[k] << (8 * k);
    f->headerSize = n;
    if (n > HGN_SAFETENSORS_MAX_HEADER)
        return hgnFmtErrorAt(HGN_CODE_ModelFormatInvalid, path, 0, "is this a safetensors file?",
                             "header size %llu exceeds the 100 MB limit", (unsigned long long)n);
    if (n > size - 8)
        return hgnFmtErrorAt(HGN_CODE_TruncatedFile, path, 0, "the file is cut short; download it again",
                             "header size %llu runs past the end of the file (%llu bytes after the size field)",
                             (unsigned long long)n, (unsigned long long)(size - 8));
    if (n < 2 || p[8] != '{')
        return hgnFmtErrorAt(HGN_CODE_BadMagic, path, 8, "is this a safetensors file?",
                             "header does not start with '{' (a safetensors header is a JSON object)");
    json_error_t jerr;
    json_t *root = json_loadb((const char *)p + 8, (size_t)n, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return hgnFmtErrorAt(HGN_CODE_ModelFormatInvalid, path, 8 + (uint64_t)(jerr.position > 0 ? jerr.position : 0),
                             NULL, "header JSON is invalid at line %d column %d: %s", jerr.line, jerr.column,
                             jerr.text);
    HgnStatus st = HGN_OK;
    Span *spans = NULL;
    if (!json_is_object(root)) {
        st = hgnFmtErrorAt(HGN_CODE_ModelFormatInvalid, path, 8, NULL, "header JSON is not an object");
        goto done;
    }
    size_t cap = json_object_size(root);
    f->views = hgnCalloc(cap ? cap : 1, sizeof *f->views);
    spans = hgnCalloc(cap ? cap : 1, sizeof *spans);
    if (!f->views || !spans) {
        st = oom(path);
        goto done;
    }
    HgnTensorView *tmp = f->views;
    size_t m = 0;
    const char *key;
    json_t *val;
    json_object_foreach(root, key, val) {
        if (strcmp(key, "__metadata__") == 0) {
            if ((st = checkMetadata(f, val))) goto done;
            continue;
        }
        HgnTensorView *t = &tmp[m];
        if ((st = parseEntry(f, arena, key, val, t, &spans[m].begin, &spans[m].end))) goto done;
        t->fileIndex = fileIndex;
        spans[m].index = m;
        m++;
    }
    qsort(spans, m, sizeof *spans, cmpSpan);
    uint64_t dataSize = size - 8 - n, expect = 0;
    for (size_t k = 0; k < m; k++) {
        const HgnTensorView *t = &tmp[spans[k].index];
        if (spans[k].begin > expect) {
            st = tensorError(HGN_CODE_ModelFormatInvalid, path, t->name, NULL,
                             "data_offsets begin at %llu, leaving a gap of %llu bytes after %s%s%s (which ends at "
                             "%llu)",
                             (unsigned long long)spans[k].begin, (unsigned long long)(spans[k].begin - expect),
                             k ? "tensor '" : "the start", k ? tmp[spans[k - 1].index].name : "", k ? "'" : "",
                             (unsigned long long)expect);
            goto done;
        }
        if (spans[k].begin < expect) {
            st = tensorError(HGN_CODE_ModelFormatInvalid, path, t->name, NULL,
                             "data_offsets [%llu, %llu] overlap tensor '%s', which ends at %llu",
                             (unsigned long long)spans[k].begin, (unsigned long long)spans[k].end,
                             tmp[spans[k - 1].index].name, (unsigned long long)expect);
            goto done;
        }
        expect = spans[k].end;
    }
    if (expect > dataSize) {
        st = hgnFmtErrorAt(HGN_CODE_TruncatedFile, path, 8 + n + dataSize, "the file is cut short; download it again",
                           "tensors need %llu bytes of data but the file holds %llu after the header",
                           (unsigned long long)expect, (unsigned long long)dataSize);
        goto done;
    }
    if (expect < dataSize) {
        st = hgnFmtErrorAt(HGN_CODE_ModelFormatInvalid, path, 8 + n + expect, NULL,
                           "%llu bytes after the last tensor (data ends at %llu of %llu) belong to no tensor",
                           (unsigned long long)(dataSize - expect), (unsigned long long)expect,
                           (unsigned long long)dataSize);
        goto done;
    }
    /* reorder views by offset */
    HgnTensorView *sorted = hgnCalloc(m ? m : 1, sizeof *sorted);
    if (!sorted) {
        st = oom(path);
        goto done;
    }
    for (size_t k = 0; k < m; k++) {
        sorted[k] = tmp[spans[k].index];
        sorted[k].offset = 8 + n + spans[k].begin;
        sorted[k].data = p + sorted[k].offset;
    }
    hgnFree(f->views);
    f->views = sorted;
    f->nViews = m;
done:
    hgnFree(spans);
    json_decref(root);
    return st;
}

static void closeFile(StFile *f) {
    hgnFree(f->views);
    hgnNameIndexFree(&f->index);
    json_decref(f->metadata);
    hgnMappedFileClose(&f->map);
}

void hgnSafetensorsClose(HgnSafetensors *s) {
    if (!s) return;
    for (size_t i = 0; i < s->nFiles; i++) closeFile(&s->files[i]);
    hgnFree(s->files);
    hgnFree(s->views);
    hgnNameIndexFree(&s->index);
    hgnArenaFree(&s->arena);
    hgnFree(s->indexPath);
    hgnFree(s);
}

static HgnStatus indexViews(HgnSafetensors *s, const char *path) {
    if (!hgnNameIndexInit(&s->index, s->nViews, viewName, s->views)) return oom(path);
    for (size_t i = 0; i < s->nViews; i++)
        if (hgnNameIndexInsert(&s->index, i) >= 0)
            return tensorError(HGN_CODE_ModelFormatInvalid, path, s->views[i].name, NULL, "name appears twice");
    return HGN_OK;
}

/* Takes ownership of map. */
static HgnStatus openSingle(HgnMappedFile *map, HgnSafetensors **out) {
    *out = NULL;
    HgnSafetensors *s = hgnCalloc(1, sizeof *s);
    StFile *f = hgnCalloc(1, sizeof *f);
    if (!s || !f) {
        HgnStatus st = oom(map->path);
        hgnMappedFileClose(map);
        hgnFree(s);
        hgnFree(f);
        return st;
    }
    hgnArenaInit(&s->arena);
    f->map = *map;
    s->files = f;
    s->nFiles = 1;
    HgnStatus st = parseFile(f, &s->arena, 0);
    if (!st) {
        s->views = hgnCalloc(f->nViews ? f->nViews : 1, sizeof *s->views);
        if (!s->views)
            st = oom(f->map.path);
        else {
            if (f->nViews) memcpy(s->views, f->views, f->nViews * sizeof *s->views);
            s->nViews = f->nViews;
            st = indexViews(s, f->map.path);
        }
    }
    if (st) {
        hgnSafetensorsClose(s);
        return st;
    }
    *out = s;
    return HGN_OK;
}

/* ---- sharded checkpoints ----------------------------------------------------------- */

static int cmpStr(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static bool safeShardName(const char *s) {
    if (!*s || s[0] == '/') return false;
    for (const char *p = s; *p;) { /* reject ".." components */
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (len == 2 && p[0] == '.' && p[1] == '.') return false;
        if (!slash) break;
        p = slash + 1;
    }
    return true;
}

static HgnStatus openSharded(const char *indexPath, HgnSafetensors **out) {
    *out = NULL;
    HgnMappedFile im;
    HgnStatus st = hgnMappedFileOpen(indexPath, &im);
    if (st) return st;
    json_error_t jerr;
    json_t *root = im.size ? json_loadb((const char *)im.data, (size_t)im.size, JSON_REJECT_DUPLICATES, &jerr) : NULL;
    if (!root) {
        if (!im.size) snprintf(jerr.text, sizeof jerr.text, "the file is empty");
        st =
            hgnStatusNew(HGN_CODE_ModelFormatInvalid, indexPath, NULL, "index JSON is invalid at line %d column %d: %s",
                         im.size ? jerr.line : 1, im.size ? jerr.column : 1, jerr.text);
        hgnMappedFileClose(&im);
        return st;
    }
    hgnMappedFileClose(&im);
    HgnSafetensors *s = hgnCalloc(1, sizeof *s);
    const char **names = NULL;
    size_t nNames = 0;
    HgnBuf shardPath;
    hgnBufInit(&shardPath);
    if (!s) {
        st = oom(indexPath);
        goto done;
    }
    hgnArenaInit(&s->arena);
    s->indexPath = hgnStrdup(indexPath);
    if (!s->indexPath) {
        st = oom(indexPath);
        goto done;
    }
    json_t *wm = json_object_get(root, "weight_map");
    if (!json_is_object(root) || !json_is_object(wm)) {
        st = hgnFmtErrorIn(HGN_CODE_ModelFormatInvalid, indexPath, "weight_map", NULL,
                           "the index must be an object with a \"weight_map\" object");
        goto done;
    }
    json_t *md = json_object_get(root, "metadata"), *ts = md ? json_object_get(md, "total_size") : NULL;
    if (json_is_integer(ts) && json_integer_value(ts) >= 0) {
        s->hasTotalSize = true;
        s->totalSize = (uint64_t)json_integer_value(ts);
    } else if (ts && !json_is_real(ts)) {
        st = hgnFmtErrorIn(HGN_CODE_ModelFormatInvalid, indexPath, "metadata.total_size", NULL,
                           "metadata.total_size must be a non-negative number");
        goto done;
    } else if (json_is_real(ts) && json_real_value(ts) >= 0 && json_real_value(ts) < 1.8e19) {
        s->hasTotalSize = true;
        s->totalSize = (uint64_t)json_real_value(ts);
    }
    /* distinct shard names, sorted */
    size_t nMap = json_object_size(wm);
    names = hgnCalloc(nMap ? nMap : 1, sizeof *names);
    if (!names) {
        st = oom(indexPath);
        goto done;
    }
    const char *tname;
    json_t *v;
    json_object_foreach(wm, tname, v) {
        if (!json_is_string(v) || !safeShardName(json_string_value(v))) {
            HgnBuf field;
            hgnBufInit(&field);
            hgnBufAppendf(&field, "weight_map.%s", tname);
            st = hgnFmtErrorIn(HGN_CODE_ModelFormatInvalid, indexPath, hgnBufStr(&field), NULL,
                               "weight_map value of '%s' must be a relative shard file name", tname);
            hgnBufFree(&field);
            goto done;
        }
        names[nNames++] = json_string_value(v);
    }
    qsort(names, nNames, sizeof *names, cmpStr);
    size_t nShards = 0;
    for (size_t i = 0; i < nNames; i++)
        if (i == 0 || strcmp(names[i], names[i - 1]) != 0) names[nShards++] = names[i];
    s->files = hgnCalloc(nShards ? nShards : 1, sizeof *s->files);
    if (!s->files) {
        st = oom(indexPath);
        goto done;
    }
    const char *slash = strrchr(indexPath, '/');
    size_t dirLen = slash ? (size_t)(slash - indexPath) + 1 : 0;
    for (size_t i = 0; i < nShards; i++) {
        hgnBufClear(&shardPath);
        hgnBufAppend(&shardPath, indexPath, dirLen);
        hgnBufAppendStr(&shardPath, names[i]);
        if (!hgnBufOk(&shardPath)) {
            st = oom(indexPath);
            goto done;
        }
        st = hgnMappedFileOpen(hgnBufStr(&shardPath), &s->files[i].map);
        if (st) {
            st = hgnStatusWrap(st, hgnStatusCode(st), indexPath, "download the missing shard",
                               "shard '%s' named in weight_map cannot be opened", names[i]);
            goto done;
        }
        s->nFiles = i + 1;
        if ((st = parseFile(&s->files[i], &s->arena, (int)i))) goto done;
        StFile *f = &s->files[i];
        if (!hgnNameIndexInit(&f->index, f->nViews, viewName, f->views)) {
            st = oom(indexPath);
            goto done;
        }
        for (size_t k = 0; k < f->nViews; k++) hgnNameIndexInsert(&f->index, k);
    }
    /* resolve every mapped tensor in its shard, ordered by shard then offset */
    s->views = hgnCalloc(nMap ? nMap : 1, sizeof *s->views);
    if (!s->views) {
        st = oom(indexPath);
        goto done;
    }
    json_object_foreach(wm, tname, v) {
        const char *shard = json_string_value(v);
        const char **hit = bsearch(&shard, names, nShards, sizeof *names, cmpStr);
        size_t fi = (size_t)(hit - names);
        int64_t k = hgnNameIndexFind(&s->files[fi].index, tname);
        if (k < 0) {
            HgnBuf field;
            hgnBufInit(&field);
            hgnBufAppendf(&field, "weight_map.%s", tname);
            st = hgnFmtErrorIn(HGN_CODE_ModelFormatInvalid, indexPath, hgnBufStr(&field),
                               "the index and the shards do not belong together",
                               "tensor '%s' is mapped to shard '%s', which does not contain it", tname, shard);
            hgnBufFree(&field);
            goto done;
        }
    }
    /* stable order: by file, then offset */
    size_t w = 0;
    for (size_t fi = 0; fi < nShards; fi++) {
        StFile *f = &s->files[fi];
        for (size_t k = 0; k < f->nViews; k++)
            if (json_object_get(wm, f->views[k].name) &&
                strcmp(json_string_value(json_object_get(wm, f->views[k].name)), names[fi]) == 0)
                s->views[w++] = f->views[k];
    }
    s->nViews = w;
    st = indexViews(s, indexPath);
done:
    hgnBufFree(&shardPath);
    hgnFree(names);
    json_decref(root);
    if (st) {
        hgnSafetensorsClose(s);
        return st;
    }
    *out = s;
    return HGN_OK;
}

static bool endsWith(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

HgnStatus hgnSafetensorsOpen(const char *path, HgnSafetensors **out) {
    *out = NULL;
    if (endsWith(path, ".json")) return openSharded(path, out);
    HgnMappedFile map;
    HgnStatus st = hgnMappedFileOpen(path, &map);
    if (st) return st;
    return openSingle(&map, out);
}

HgnStatus hgnSafetensorsOpenMemory(const void *data, size_t size, const char *name, HgnSafetensors **out) {
    *out = NULL;
    HgnMappedFile map;
    HgnStatus st = hgnMappedFileFromMemory(data, size, name, &map);
    if (st) return st;
    return openSingle(&map, out);
}

/* ---- accessors ------------------------------------------------------------------ */

size_t hgnSafetensorsTensorCount(const HgnSafetensors *s) { return s->nViews; }
const HgnTensorView *hgnSafetensorsTensorAt(const HgnSafetensors *s, size_t i) {
    return i < s->nViews ? &s->views[i] : NULL;
}
const HgnTensorView *hgnSafetensorsTensorFind(const HgnSafetensors *s, const char *name) {
    int64_t i = hgnNameIndexFind(&s->index, name);
    return i >= 0 ? &s->views[i] : NULL;
}
size_t hgnSafetensorsFileCount(const HgnSafetensors *s) { return s->nFiles; }
const char *hgnSafetensorsFilePath(const HgnSafetensors *s, size_t file) {
    return file < s->nFiles ? s->files[file].map.path : NULL;
}
uint64_t hgnSafetensorsFileSize(const HgnSafetensors *s, size_t file) {
    return file < s->nFiles ? s->files[file].map.size : 0;
}
uint64_t hgnSafetensorsHeaderSize(const HgnSafetensors *s, size_t file) {
    return file < s->nFiles ? s->files[file].headerSize : 0;
}
uint64_t hgnSafetensorsTotalFileBytes(const HgnSafetensors *s) {
    uint64_t n = 0;
    for (size_t i = 0; i < s->nFiles; i++) n += s->files[i].map.size;
    return n;
}
uint64_t hgnSafetensorsTensorBytes(const HgnSafetensors *s) {
    uint64_t n = 0;
    for (size_t i = 0; i < s->nViews; i++) n += s->views[i].nBytes;
    return n;
}

size_t hgnSafetensorsMetadataCount(const HgnSafetensors *s, size_t file) {
    return file < s->nFiles && s->files[file].metadata ? json_object_size(s->files[file].metadata) : 0;
}

bool hgnSafetensorsMetadataAt(const HgnSafetensors *s, size_t file, size_t i, const char **key, const char **value) {
    if (file >= s->nFiles || !s->files[file].metadata) return false;
    size_t k = 0;
    const char *mk;
    json_t *mv;
    json_object_foreach(s->files[file].metadata, mk, mv) {
        if (k++ == i) {
            *key = mk;
            *value = json_string_value(mv);
            return true;
        }
    }
    return false;
}

const char *hgnSafetensorsMetadataGet(const HgnSafetensors *s, size_t file, const char *key) {
    if (file >= s->nFiles || !s->files[file].metadata) return NULL;
    return json_string_value(json_object_get(s->files[file].metadata, key));
}

const char *hgnSafetensorsIndexPath(const HgnSafetensors *s) { return s->indexPath; }

bool hgnSafetensorsIndexTotalSize(const HgnSafetensors *s, uint64_t *out) {
    if (!s->hasTotalSize) return false;
    *out = s->totalSize;
    return true;
}
