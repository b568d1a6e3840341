/* cliValue.c — converts and checks one command-line value by its HgnCliType (see cliValue.h). */
#include "cliparse/cliValue.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cliparse/cliSuggest.h"
#include "core/alloc.h"
#include "core/strBuf.h"

typedef struct SizeUnit {
    const char *name;
    uint64_t factor;
} SizeUnit;

static const SizeUnit sizeUnits[] = {
    {"", 1},
    {"b", 1},
    {"k", 1024ull},
    {"kib", 1024ull},
    {"kb", 1000ull},
    {"m", 1024ull * 1024},
    {"mib", 1024ull * 1024},
    {"mb", 1000ull * 1000},
    {"g", 1024ull * 1024 * 1024},
    {"gib", 1024ull * 1024 * 1024},
    {"gb", 1000ull * 1000 * 1000},
    {"t", 1024ull * 1024 * 1024 * 1024},
    {"tib", 1024ull * 1024 * 1024 * 1024},
    {"tb", 1000ull * 1000 * 1000 * 1000},
    {"p", 1024ull * 1024 * 1024 * 1024 * 1024},
    {"pib", 1024ull * 1024 * 1024 * 1024 * 1024},
    {"pb", 1000ull * 1000 * 1000 * 1000 * 1000},
};

bool hgnCliParseSize(const char *text, uint64_t *out) {
    const char *p = text;
    if (!isdigit((unsigned char)*p)) return false;
    /* Integer part exactly (sizes may exceed the 53 bits of a double). */
    uint64_t whole = 0;
    for (; isdigit((unsigned char)*p); p++) {
        unsigned d = (unsigned)(*p - '0');
        if (whole > (UINT64_MAX - d) / 10) return false;
        whole = whole * 10 + d;
    }
    double frac = 0.0;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p)) return false;
        double scale = 0.1;
        for (; isdigit((unsigned char)*p); p++, scale /= 10) frac += (*p - '0') * scale;
    }
    if (*p == ' ') p++;
    for (size_t i = 0; i < sizeof sizeUnits / sizeof sizeUnits[0]; i++) {
        if (strcasecmp(p, sizeUnits[i].name) != 0) continue;
        uint64_t f = sizeUnits[i].factor;
        if (whole > UINT64_MAX / f) return false;
        uint64_t bytes = whole * f;
        double extra = floor(frac * (double)f);
        if (extra > 0 && (extra >= 18446744073709551616.0 || (uint64_t)extra > UINT64_MAX - bytes)) return false;
        *out = bytes + (uint64_t)extra;
        return true;
    }
    return false;
}

char *hgnCliFormatSize(uint64_t bytes, char *buf, size_t bufSize) {
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int u = 0;
    uint64_t scale = 1;
    while (u < 6 && bytes / scale >= 1024) {
        scale *= 1024;
        u++;
    }
    if (bytes % scale == 0)
        snprintf(buf, bufSize, "%llu%s", (unsigned long long)(bytes / scale), units[u]);
    else
        snprintf(buf, bufSize, "%.2f%s", (double)bytes / (double)scale, units[u]);
    return buf;
}

/* fmt has two %s: what, then text. */
static HgnStatus usage(const char *what, const char *hint, const char *fmt, const char *text) {
    return hgnStatusNew(HGN_CODE_UsageError, what, hint, fmt, what, text);
}

static HgnStatus convertInt(const HgnCliOption *opt, const char *text, const char *what, HgnCliArg *arg) {
    char hint[160];
    snprintf(hint, sizeof hint, "give a whole number between %lld and %lld", (long long)opt->min, (long long)opt->max);
    errno = 0;
    char *end = NULL;
    long long v = strtoll(text, &end, 10);
    if (end == text || *end || isspace((unsigned char)text[0]))
        return usage(what, hint, "%s expects an integer, got `%s`", text);
    if (errno == ERANGE || v < opt->min || v > opt->max)
        return usage(what, hint, "%s value `%s` is out of range", text);
    arg->integer = v;
    return HGN_OK;
}

static HgnStatus convertReal(const HgnCliOption *opt, const char *text, const char *what, HgnCliArg *arg) {
    char hint[160];
    snprintf(hint, sizeof hint, "give a number between %g and %g", opt->minReal, opt->maxReal);
    errno = 0;
    char *end = NULL;
    double v = strtod(text, &end);
    if (end == text || *end || isspace((unsigned char)text[0]) || isalpha((unsigned char)text[0]) ||
        (text[0] && isalpha((unsigned char)text[1]) && (text[0] == '-' || text[0] == '+')))
        return usage(what, hint, "%s expects a number, got `%s`", text);
    if (errno == ERANGE || !isfinite(v) || v < opt->minReal || v > opt->maxReal)
        return usage(what, hint, "%s value `%s` is out of range", text);
    arg->real = v;
    return HGN_OK;
}

static HgnStatus checkSizeRange(const HgnCliOption *opt, uint64_t v, const char *text, const char *what) {
    if (opt->max <= 0) return HGN_OK;
    if (v >= (uint64_t)opt->min && v <= (uint64_t)opt->max) return HGN_OK;
    char lo[32], hi[32], hint[128];
    snprintf(hint, sizeof hint, "give a size between %s and %s", hgnCliFormatSize((uint64_t)opt->min, lo, sizeof lo),
             hgnCliFormatSize((uint64_t)opt->max, hi, sizeof hi));
    return usage(what, hint, "%s size `%s` is out of range", text);
}

static HgnStatus convertSize(const HgnCliOption *opt, const char *text, const char *what, HgnCliArg *arg) {
    if (!hgnCliParseSize(text, &arg->size))
        return usage(what, "write a size such as 4096, 512MiB, 2GiB or 1.5GB", "%s expects a size, got `%s`", text);
    return checkSizeRange(opt, arg->size, text, what);
}

static HgnStatus convertEnum(const HgnCliOption *opt, const char *text, const char *what) {
    size_t n = 0;
    for (; opt->choices && opt->choices[n]; n++)
        if (strcmp(opt->choices[n], text) == 0) return HGN_OK;
    HgnBuf hint;
    hgnBufInit(&hint);
    hgnBufAppendStr(&hint, "choose one of: ");
    for (size_t i = 0; i < n; i++) hgnBufAppendf(&hint, "%s%s", i ? ", " : "", opt->choices[i]);
    const char *guess = hgnCliSuggest(text, opt->choices, n);
    HgnStatus st;
    if (guess)
        st = hgnStatusNew(HGN_CODE_UsageError, what, hgnBufStr(&hint), "%s does not accept `%s`; did you mean `%s`?",
                          what, text, guess);
    else
        st = hgnStatusNew(HGN_CODE_UsageError, what, hgnBufStr(&hint), "%s does not accept `%s`", what, text);
    hgnBufFree(&hint);
    return st;
}

static HgnStatus missing(const HgnCliOption *opt, const char *text, const char *what, const char *kind) {
    HgnCode code = opt->missingCode ? opt->missingCode : HGN_CODE_NotFound;
    return hgnStatusNew(code, what, "check the path (relative paths start from the current directory)",
                        "%s: %s `%s` does not exist", what, kind, text);
}

static HgnStatus convertPath(const HgnCliOption *opt, const char *text, const char *what) {
    if (!text[0]) return usage(what, "give a path", "%s expects a path, got an empty string", text);
    if ((opt->flags & HGN_CLI_STDIN) && strcmp(text, "-") == 0) return HGN_OK;
    struct stat sb;
    switch (opt->type) {
    case HGN_CLI_FILE:
        if (stat(text, &sb) != 0) return missing(opt, text, what, "file");
        if (S_ISDIR(sb.st_mode))
            return usage(what, "give a file, not a directory", "%s: `%s` is a directory, not a file", text);
        break;
    case HGN_CLI_DIR:
        if (stat(text, &sb) != 0) return missing(opt, text, what, "directory");
        if (!S_ISDIR(sb.st_mode)) return usage(what, "give a directory", "%s: `%s` is not a directory", text);
        break;
    case HGN_CLI_PATH:
        if (stat(text, &sb) != 0) return missing(opt, text, what, "path");
        break;
    default:
        break;
    }
    if (access(text, R_OK) != 0)
        return hgnStatusNew(HGN_CODE_PermissionDenied, what, "check the file's permissions", "%s: `%s` is not readable",
                            what, text);
    return HGN_OK;
}

/* The folder part of path ("." when it has none), into buf. */
static const char *parentOf(const char *path, char *buf, size_t bufSize) {
    const char *slash = strrchr(path, '/');
    if (!slash) return ".";
    if (slash == path) return "/";
    size_t n = (size_t)(slash - path);
    if (n >= bufSize) n = bufSize - 1;
    memcpy(buf, path, n);
    buf[n] = '\0';
    return buf;
}

static HgnStatus convertOutPath(const HgnCliOption *opt, const char *text, const char *what) {
    if (!text[0]) return usage(what, "give a path", "%s expects a path, got an empty string", text);
    if ((opt->flags & HGN_CLI_STDIN) && strcmp(text, "-") == 0) return HGN_OK;
    struct stat sb;
    if (stat(text, &sb) == 0) {
        bool isDir = S_ISDIR(sb.st_mode);
        if (opt->type == HGN_CLI_OUT_FILE && isDir)
            return usage(what, "give a file name inside the directory", "%s: `%s` is a directory", text);
        if (opt->type == HGN_CLI_OUT_DIR && !isDir)
            return usage(what, "give a directory", "%s: `%s` exists and is not a directory", text);
        return HGN_OK;
    }
    char buf[4096];
    const char *parent = parentOf(text, buf, sizeof buf);
    if (stat(parent, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return hgnStatusNew(HGN_CODE_NotFound, what, "create the folder first",
                            "%s: folder `%s` of `%s` does not exist", what, parent, text);
    return HGN_OK;
}

static HgnStatus convertUrl(const char *text, const char *what) {
    const char *host = NULL;
    if (strncmp(text, "http://", 7) == 0)
        host = text + 7;
    else if (strncmp(text, "https://", 8) == 0)
        host = text + 8;
    const char *hint = "write a URL such as http://localhost:8080 or https://grendel.example.org";
    if (!host) return usage(what, hint, "%s expects an http:// or https:// URL, got `%s`", text);
    if (!host[0] || host[0] == '/' || host[0] == ':') return usage(what, hint, "%s: URL `%s` has no host", text);
    for (const char *p = host; *p; p++)
        if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p))
            return usage(what, hint, "%s: URL `%s` contains a space or control character", text);
    return HGN_OK;
}

static bool isDeviceName(const char *s, size_t n) {
    /* kind[:index], kind lowercase letters: cpu, gpu:0, cpu:1 */
    size_t i = 0;
    while (i < n && islower((unsigned char)s[i])) i++;
    if (i == 0) return false;
    if (i == n) return true;
    if (s[i] != ':' || i + 1 == n) return false;
    for (i++; i < n; i++)
        if (!isdigit((unsigned char)s[i])) return false;
    return true;
}

static HgnStatus convertReserve(const HgnCliOption *opt, const char *text, const char *what, HgnCliArg *arg) {
    const char *hint = "write DEV=SIZE, e.g. gpu:0=2GiB or cpu=512MiB";
    const char *eq = strchr(text, '=');
    if (!eq) return usage(what, hint, "%s expects DEV=SIZE, got `%s`", text);
    if (!isDeviceName(text, (size_t)(eq - text)))
        return usage(what, hint, "%s: `%s` does not start with a device name (cpu, gpu:0, …)", text);
    if (!hgnCliParseSize(eq + 1, &arg->size)) return usage(what, hint, "%s: `%s` has no valid size after '='", text);
    HgnStatus st = checkSizeRange(opt, arg->size, text, what);
    if (st) return st;
    arg->device = hgnStrndup(text, (size_t)(eq - text));
    if (!arg->device) return hgnStatusNew(HGN_CODE_OutOfMemory, what, NULL, "out of memory");
    return HGN_OK;
}

static bool isIdChar(char c) {
    return isalnum((unsigned char)c) || c == '.' || c == '_' || c == '-' || c == ':' || c == '/';
}

static HgnStatus convertId(const char *text, const char *what) {
    const char *hint = "an id uses letters, digits and . _ - : /";
    if (!text[0]) return usage(what, hint, "%s expects an id, got an empty string", text);
    for (const char *p = text; *p; p++)
        if (!isIdChar(*p)) return usage(what, hint, "%s: `%s` is not a valid id", text);
    return HGN_OK;
}

static HgnStatus convertInject(const char *text, const char *what) {
    /* KIND[:TARGET][@STEP]: KIND lowercase letters and '-', TARGET id characters, STEP a whole number
     * (optionally written step=N). */
    const char *hint = "write KIND[:TARGET][@STEP], e.g. device-loss:cpu:1@20 or alloc-fail@5";
    const char *p = text;
    while (islower((unsigned char)*p) || *p == '-') p++;
    if (p == text) return usage(what, hint, "%s: `%s` does not start with a fault kind", text);
    if (*p == ':') {
        const char *t = ++p;
        while (*p && *p != '@' && isIdChar(*p)) p++;
        if (p == t) return usage(what, hint, "%s: `%s` has an empty target after ':'", text);
    }
    if (*p == '@') {
        const char *s = ++p;
        if (strncmp(p, "step=", 5) == 0) s = p += 5; /* drain:cpu:1@step=20 */
        while (isdigit((unsigned char)*p)) p++;
        if (p == s) return usage(what, hint, "%s: `%s` needs a step number after '@'", text);
    }
    if (*p) return usage(what, hint, "%s: `%s` is not a fault spec", text);
    return HGN_OK;
}

static HgnStatus convertLibrary(const HgnCliOption *opt, const char *text, const char *what) {
    if (!text[0]) return usage(what, "give a library path or name", "%s expects a library, got an empty string", text);
    if (!strchr(text, '/')) return HGN_OK; /* a soname, searched by the dynamic loader */
    struct stat sb;
    if (stat(text, &sb) != 0) return missing(opt, text, what, "library");
    if (S_ISDIR(sb.st_mode))
        return usage(what, "give the library file", "%s: `%s` is a directory, not a library", text);
    return HGN_OK;
}

HgnStatus hgnCliValueConvert(const HgnCliOption *opt, const char *text, const char *what, HgnCliArg *arg) {
    switch (opt->type) {
    case HGN_CLI_FLAG:
        return HGN_OK;
    case HGN_CLI_STRING:
        if (!text[0]) return usage(what, "give a non-empty value", "%s expects a value, got an empty string", text);
        return HGN_OK;
    case HGN_CLI_INT:
        return convertInt(opt, text, what, arg);
    case HGN_CLI_REAL:
        return convertReal(opt, text, what, arg);
    case HGN_CLI_SIZE:
        return convertSize(opt, text, what, arg);
    case HGN_CLI_ENUM:
        return convertEnum(opt, text, what);
    case HGN_CLI_FILE:
    case HGN_CLI_DIR:
    case HGN_CLI_PATH:
        return convertPath(opt, text, what);
    case HGN_CLI_OUT_FILE:
    case HGN_CLI_OUT_DIR:
        return convertOutPath(opt, text, what);
    case HGN_CLI_URL:
        return convertUrl(text, what);
    case HGN_CLI_RESERVE:
        return convertReserve(opt, text, what, arg);
    case HGN_CLI_ID:
        return convertId(text, what);
    case HGN_CLI_INJECT:
        return convertInject(text, what);
    case HGN_CLI_LIBRARY:
        return convertLibrary(opt, text, what);
    }
    return hgnStatusNew(HGN_CODE_InternalError, what, NULL, "unknown option type %d", (int)opt->type);
}
