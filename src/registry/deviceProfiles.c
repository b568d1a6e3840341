/* deviceProfiles.c — device profiles (huginn/deviceProfile.h): parses and
 * validates registry/devices.json (compiled in) and matches NVML/marketing
 * names such as "Tesla V100-SXM3-32GB" to a profile, memory disambiguating. */
#include "registry/deviceProfiles.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "core/alloc.h"
#include "core/embedded.h"
#include "core/jsonUtil.h"
#include "core/strBuf.h"

#define DEVICES_PATH "registry/devices.json"
#define CANON_MAX    160
/* A reported memory size more than this fraction away from a profile's
 * rules the profile out (an 8 GB RTX 4060 Ti is not the 16 GB profile);
 * NVML reports a little less than the marketed size, well within it. */
#define MEMORY_TOLERANCE 0.2

typedef struct Entry {
    HgnDeviceProfile p;
    const char *const *aliases;
    size_t nAliases;
    char canonName[CANON_MAX];
} Entry;

struct HgnDeviceTable {
    json_t *doc; /* owns the strings */
    Entry *entries;
    size_t count;
    const char **aliasStore;
};

/* ---- canonical names ------------------------------------------------------------ */

static bool isMemoryToken(const char *tok, size_t n, uint64_t *gib) {
    if (n < 3 || tok[n - 2] != 'g' || tok[n - 1] != 'b') return false;
    uint64_t v = 0;
    for (size_t i = 0; i + 2 < n; i++) {
        if (!isdigit((unsigned char)tok[i]) || v > 100000) return false;
        v = v * 10 + (uint64_t)(tok[i] - '0');
    }
    *gib = v;
    return true;
}

bool hgnDeviceNameCanonical(const char *name, char *out, size_t cap, uint64_t *memHint) {
    static const char *const dropped[] = {"nvidia", "geforce", "tesla", NULL};
    if (memHint) *memHint = 0;
    if (cap == 0) return false;
    out[0] = '\0';
    if (!name) return true;
    size_t len = 0;
    const char *p = name;
    while (*p) {
        while (*p && !isalnum((unsigned char)*p)) p++;
        char tok[64];
        size_t n = 0;
        while (*p && isalnum((unsigned char)*p)) {
            if (n + 1 >= sizeof tok) return false;
            tok[n++] = (char)tolower((unsigned char)*p++);
        }
        tok[n] = '\0';
        if (n == 0) break;
        bool drop = false;
        for (int i = 0; dropped[i] && !drop; i++) drop = strcmp(tok, dropped[i]) == 0;
        uint64_t gib;
        if (!drop && isMemoryToken(tok, n, &gib)) {
            if (memHint) *memHint = gib << 30;
            drop = true;
        }
        if (drop) continue;
        if (len + (len ? 1 : 0) + n + 1 > cap) return false;
        if (len) out[len++] = ' ';
        memcpy(out + len, tok, n + 1);
        len += n;
    }
    return true;
}

/* ---- parsing and validation ------------------------------------------------------ */

static HgnStatus getString(const HgnJsonEntry *c, const json_t *o, const char *field, bool nullable, const char **out) {
    json_t *v = json_object_get(o, field);
    if (!v) return hgnJsonEntryError(c, field, NULL, "required field \"%s\" is missing", field);
    if (nullable && json_is_null(v)) {
        *out = NULL;
        return HGN_OK;
    }
    if (!json_is_string(v) || json_string_length(v) == 0 || strlen(json_string_value(v)) != json_string_length(v))
        return hgnJsonEntryError(c, field, NULL, "\"%s\" must be a non-empty string%s", field,
                                 nullable ? " or null" : "");
    *out = json_string_value(v);
    return HGN_OK;
}

static const char *const deviceKeys[] = {
    "id",        "name",    "kind",      "aliases",         "memoryBytes",       "memoryBandwidth",
    "peakFlops", "pcieGen", "pcieWidth", "nvlinkBandwidth", "launchOverheadSec", "computeCapability",
    "source",    NULL};

static HgnStatus parseDevice(HgnJsonEntry *c, const json_t *o, Entry *e, const char **aliasSlots) {
    if (!json_is_object(o)) return hgnJsonEntryError(c, NULL, NULL, "each device must be an object");
    HgnDeviceProfile *p = &e->p;
    HgnStatus st = getString(c, o, "id", false, &p->id);
    if (st) return st;
    c->id = p->id;
    for (const char *s = p->id; *s; s++)
        if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '-' && *s != '.' && *s != '_')
            return hgnJsonEntryError(c, "id", "use lower-case letters, digits, '-', '.' and '_'",
                                     "id \"%s\" is not valid", p->id);
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)o, key, val) {
        bool known = false;
        for (int i = 0; deviceKeys[i] && !known; i++) known = strcmp(key, deviceKeys[i]) == 0;
        if (!known)
            return hgnJsonEntryError(c, key, "check the spelling against schemas/devices.schema.json",
                                     "unknown field \"%s\"", key);
    }
    const char *kind;
    int64_t mem, gen, width;
    double bw, nvlink, launch;
    if ((st = getString(c, o, "name", false, &p->name)) || (st = getString(c, o, "kind", false, &kind)) ||
        (st = hgnJsonEntryInt(c, o, "memoryBytes", NULL, 0, INT64_MAX, &mem)) ||
        (st = hgnJsonEntryNumber(c, o, "memoryBandwidth", 1.0, 1e18, &bw)) ||
        (st = hgnJsonEntryInt(c, o, "pcieGen", NULL, 0, 7, &gen)) ||
        (st = hgnJsonEntryInt(c, o, "pcieWidth", NULL, 0, 32, &width)) ||
        (st = hgnJsonEntryNumber(c, o, "nvlinkBandwidth", 0.0, 1e18, &nvlink)) ||
        (st = hgnJsonEntryNumber(c, o, "launchOverheadSec", 0.0, 1.0, &launch)) ||
        (st = getString(c, o, "computeCapability", true, &p->computeCapability)) ||
        (st = getString(c, o, "source", false, &p->source)))
        return st;
    if (strcmp(kind, "gpu") == 0)
        p->kind = HGN_DEVICE_GPU;
    else if (strcmp(kind, "cpu") == 0)
        p->kind = HGN_DEVICE_CPU;
    else
        return hgnJsonEntryError(c, "kind", NULL, "\"kind\" = \"%s\" is not one of: gpu, cpu", kind);
    p->memoryBytes = (uint64_t)mem;
    p->memoryBandwidth = bw;
    p->pcieGen = (int)gen;
    p->pcieWidth = (int)width;
    p->nvlinkBandwidth = nvlink;
    p->launchOverheadSec = launch;

    json_t *flops = json_object_get(o, "peakFlops");
    if (!json_is_object(flops))
        return hgnJsonEntryError(c, "peakFlops", NULL,
                                 "\"peakFlops\" must be an object with fp32, fp16, bf16, int8, fp8");
    static const char *const rates[] = {"fp32", "fp16", "bf16", "int8", "fp8"};
    double *dst[] = {&p->peakFlopsFp32, &p->peakFlopsFp16, &p->peakFlopsBf16, &p->peakFlopsInt8, &p->peakFlopsFp8};
    json_object_foreach(flops, key, val) {
        bool known = false;
        for (int i = 0; i < 5 && !known; i++) known = strcmp(key, rates[i]) == 0;
        if (!known) {
            char field[128];
            snprintf(field, sizeof field, "peakFlops/%s", key);
            return hgnJsonEntryError(c, field, "use fp32, fp16, bf16, int8 and fp8", "unknown rate \"%s\"", key);
        }
    }
    for (int i = 0; i < 5; i++) {
        char field[64];
        snprintf(field, sizeof field, "peakFlops/%s", rates[i]);
        json_t *r = json_object_get(flops, rates[i]);
        if (!r)
            return hgnJsonEntryError(c, field, "use 0 when the dtype is not supported", "rate \"%s\" is missing",
                                     rates[i]);
        if (!json_is_number(r) || !(json_number_value(r) >= 0.0 && json_number_value(r) <= 1e18))
            return hgnJsonEntryError(c, field, NULL, "rate \"%s\" must be a number in [0, 1e18] FLOP/s", rates[i]);
        *dst[i] = json_number_value(r);
    }
    if (p->peakFlopsFp32 <= 0.0) return hgnJsonEntryError(c, "peakFlops/fp32", NULL, "the fp32 rate must be positive");

    if (p->kind == HGN_DEVICE_GPU) {
        if (p->memoryBytes == 0)
            return hgnJsonEntryError(c, "memoryBytes", NULL, "a GPU profile needs its memory size");
        if (!p->computeCapability)
            return hgnJsonEntryError(c, "computeCapability", NULL, "a GPU profile needs its compute capability");
        if (p->pcieGen < 1 || p->pcieWidth < 1)
            return hgnJsonEntryError(c, "pcieGen", NULL, "a GPU profile needs its PCIe generation and width");
    } else if (p->memoryBytes != 0 || p->computeCapability) {
        return hgnJsonEntryError(c, p->memoryBytes ? "memoryBytes" : "computeCapability",
                                 "CPU profiles use 0 memory (host RAM is measured) and a null compute capability",
                                 "a CPU profile cannot carry GPU fields");
    }

    if (!hgnDeviceNameCanonical(p->name, e->canonName, sizeof e->canonName, NULL))
        return hgnJsonEntryError(c, "name", NULL, "the name is too long to match");
    json_t *aliases = json_object_get(o, "aliases");
    if (!json_is_array(aliases))
        return hgnJsonEntryError(c, "aliases", NULL, "\"aliases\" must be an array of strings");
    e->aliases = aliasSlots;
    e->nAliases = json_array_size(aliases);
    for (size_t i = 0; i < e->nAliases; i++) {
        char field[32], canon[CANON_MAX];
        snprintf(field, sizeof field, "aliases/%zu", i);
        json_t *a = json_array_get(aliases, i);
        if (!json_is_string(a)) return hgnJsonEntryError(c, field, NULL, "alias %zu must be a string", i);
        const char *s = json_string_value(a);
        if (!hgnDeviceNameCanonical(s, canon, sizeof canon, NULL) || strcmp(canon, s) != 0 || !*s)
            return hgnJsonEntryError(c, field, "aliases are matched in canonical form (see docs/deviceProfiles.md)",
                                     "alias \"%s\" is not canonical; write \"%s\"", s, canon);
        aliasSlots[i] = s;
    }
    return HGN_OK;
}

void hgnDeviceTableFree(HgnDeviceTable *t) {
    if (!t) return;
    json_decref(t->doc);
    hgnFree(t->entries);
    hgnFree(t->aliasStore);
    hgnFree(t);
}

HgnStatus hgnDeviceTableParse(const char *text, size_t len, const char *source, HgnDeviceTable **out) {
    *out = NULL;
    if (!source) source = "devices.json";
    json_t *doc;
    HgnStatus st = hgnJsonParseDoc(text, len, source, &doc);
    if (st) return st;
    json_t *devices = json_object_get(doc, "devices");
    json_t *version = json_object_get(doc, "formatVersion");
    if (!json_is_object(doc) || !json_is_integer(version) || json_integer_value(version) != 1 ||
        !json_is_array(devices) || json_array_size(devices) == 0) {
        char where[512];
        snprintf(where, sizeof where, "%s:%s", source,
                 !json_is_object(doc)                                            ? ""
                 : !json_is_integer(version) || json_integer_value(version) != 1 ? "/formatVersion"
                                                                                 : "/devices");
        json_decref(doc);
        return hgnStatusNew(
            HGN_CODE_InvalidConfig, where, "see schemas/devices.schema.json",
            "the device table must be {\"formatVersion\": 1, \"devices\": [...]} with at least one device");
    }
    size_t n = json_array_size(devices), nAliases = 0;
    for (size_t i = 0; i < n; i++) nAliases += json_array_size(json_object_get(json_array_get(devices, i), "aliases"));
    HgnDeviceTable *t = hgnCalloc(1, sizeof *t);
    if (t) {
        t->doc = doc;
        t->entries = hgnCalloc(n, sizeof *t->entries);
        t->aliasStore = hgnCalloc(nAliases ? nAliases : 1, sizeof *t->aliasStore);
    }
    if (!t || !t->entries || !t->aliasStore) {
        if (t)
            hgnDeviceTableFree(t);
        else
            json_decref(doc);
        return hgnStatusNew(HGN_CODE_OutOfMemory, source, NULL, "cannot allocate %zu device profiles", n);
    }
    t->count = n;
    size_t pos = 0;
    for (size_t i = 0; i < n && !st; i++) {
        HgnJsonEntry c = {source, "devices", "device", i, NULL, NULL};
        Entry *e = &t->entries[i];
        if ((st = parseDevice(&c, json_array_get(devices, i), e, t->aliasStore + pos))) break;
        pos += e->nAliases;
        for (size_t j = 0; j < i && !st; j++)
            if (strcmp(t->entries[j].p.id, e->p.id) == 0)
                st = hgnJsonEntryError(&c, "id", "ids must be unique", "id \"%s\" is already used by devices[%zu]",
                                       e->p.id, j);
    }
    if (st) {
        hgnDeviceTableFree(t);
        return st;
    }
    *out = t;
    return HGN_OK;
}

/* ---- queries ----------------------------------------------------------------------- */

size_t hgnDeviceTableCount(const HgnDeviceTable *t) { return t ? t->count : 0; }

const HgnDeviceProfile *hgnDeviceTableAt(const HgnDeviceTable *t, size_t index) {
    return t && index < t->count ? &t->entries[index].p : NULL;
}

const HgnDeviceProfile *hgnDeviceTableById(const HgnDeviceTable *t, const char *id) {
    if (!t || !id) return NULL;
    for (size_t i = 0; i < t->count; i++)
        if (strcasecmp(t->entries[i].p.id, id) == 0) return &t->entries[i].p;
    return NULL;
}

static bool entryMatches(const Entry *e, const char *canon) {
    if (strcmp(e->canonName, canon) == 0) return true;
    for (size_t i = 0; i < e->nAliases; i++)
        if (strcmp(e->aliases[i], canon) == 0) return true;
    return false;
}

const HgnDeviceProfile *hgnDeviceTableMatch(const HgnDeviceTable *t, const char *name, uint64_t memoryBytes) {
    if (!t || !name) return NULL;
    const HgnDeviceProfile *byId = hgnDeviceTableById(t, name);
    if (byId) return byId;
    char canon[CANON_MAX];
    uint64_t hint;
    if (!hgnDeviceNameCanonical(name, canon, sizeof canon, &hint) || !canon[0]) return NULL;
    uint64_t mem = memoryBytes ? memoryBytes : hint;
    const HgnDeviceProfile *best = NULL;
    double bestDist = INFINITY;
    for (size_t i = 0; i < t->count; i++) {
        const Entry *e = &t->entries[i];
        if (!entryMatches(e, canon)) continue;
        /* Without a size to compare, the first match in table order wins. */
        double dist = 0.0;
        if (mem != 0 && e->p.memoryBytes != 0) {
            dist = fabs((double)mem - (double)e->p.memoryBytes) / (double)e->p.memoryBytes;
            if (dist > MEMORY_TOLERANCE) continue;
        }
        if (dist < bestDist) {
            best = &e->p;
            bestDist = dist;
        }
    }
    return best;
}

/* ---- the process-wide compiled-in table ------------------------------------------------ */

static pthread_mutex_t tableLock = PTHREAD_MUTEX_INITIALIZER;
static HgnDeviceTable *compiledIn; /* loaded once, kept for the life of the process */

HgnStatus hgnDeviceProfilesLoad(void) {
    HgnStatus st = HGN_OK;
    pthread_mutex_lock(&tableLock);
    if (!compiledIn) {
        size_t size = 0;
        const unsigned char *text = hgnEmbeddedGet(DEVICES_PATH, &size);
        if (!text)
            st = hgnStatusNew(HGN_CODE_InternalError, DEVICES_PATH, "rebuild Huginn",
                              "the device table was not compiled in");
        else
            st = hgnDeviceTableParse((const char *)text, size, DEVICES_PATH, &compiledIn);
    }
    pthread_mutex_unlock(&tableLock);
    return st;
}

static const HgnDeviceTable *table(void) {
    HgnStatus st = hgnDeviceProfilesLoad();
    if (st) {
        hgnStatusFree(st);
        return NULL;
    }
    pthread_mutex_lock(&tableLock);
    const HgnDeviceTable *t = compiledIn;
    pthread_mutex_unlock(&tableLock);
    return t;
}

size_t hgnDeviceProfileCount(void) { return hgnDeviceTableCount(table()); }
const HgnDeviceProfile *hgnDeviceProfileAt(size_t index) { return hgnDeviceTableAt(table(), index); }
const HgnDeviceProfile *hgnDeviceProfileById(const char *id) { return hgnDeviceTableById(table(), id); }
const HgnDeviceProfile *hgnDeviceProfileMatch(const char *name, uint64_t memoryBytes) {
    return hgnDeviceTableMatch(table(), name, memoryBytes);
}
