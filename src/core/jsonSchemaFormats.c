/* jsonSchemaFormats.c — the "format" assertions of draft 7 (date-time, date,
 * time, email, hostname, ipv4, ipv6, uri, uri-reference, iri, iri-reference,
 * uri-template, json-pointer, relative-json-pointer, regex, idn-*), and the
 * contentEncoding/contentMediaType checks. Each checker gets the string's
 * bytes (UTF-8, possibly with NULs) and its length. */
#include <string.h>

#include "core/alloc.h"
#include "core/jsonSchemaInt.h"

static bool isDigit(char c) { return c >= '0' && c <= '9'; }
static bool isAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool isHex(char c) { return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

static int digits(const char *s, size_t n) {
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isDigit(s[i])) return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* ---- dates and times (RFC 3339 §5.6) ------------------------------------------ */

static bool fullDate(const char *s, size_t len) {
    if (len != 10 || s[4] != '-' || s[7] != '-') return false;
    int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
    if (y < 0 || m < 1 || m > 12 || d < 1) return false;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int max = mdays[m - 1];
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) max = 29;
    return d <= max;
}

static bool fullTime(const char *s, size_t len) {
    if (len < 9 || s[2] != ':' || s[5] != ':') return false;
    int h = digits(s, 2), mi = digits(s + 3, 2), se = digits(s + 6, 2);
    if (h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60) return false;
    size_t i = 8;
    if (i < len && s[i] == '.') {
        size_t start = ++i;
        while (i < len && isDigit(s[i])) i++;
        if (i == start) return false;
    }
    if (i >= len) return false;
    int offMinutes = 0;
    if (s[i] == 'Z' || s[i] == 'z') {
        if (i + 1 != len) return false;
    } else if (s[i] == '+' || s[i] == '-') {
        if (len - i != 6 || s[i + 3] != ':') return false;
        int oh = digits(s + i + 1, 2), om = digits(s + i + 4, 2);
        if (oh < 0 || oh > 23 || om < 0 || om > 59) return false;
        offMinutes = (s[i] == '+' ? 1 : -1) * (oh * 60 + om);
    } else {
        return false;
    }
    if (se == 60) { /* a leap second only at 23:59:60 UTC */
        int utc = ((h * 60 + mi - offMinutes) % 1440 + 1440) % 1440;
        if (utc != 23 * 60 + 59) return false;
    }
    return true;
}

static bool checkDateTime(const char *s, size_t len) {
    if (len < 20 || (s[10] != 'T' && s[10] != 't')) return false;
    return fullDate(s, 10) && fullTime(s + 11, len - 11);
}
static bool checkDate(const char *s, size_t len) { return fullDate(s, len); }
static bool checkTime(const char *s, size_t len) { return fullTime(s, len); }

/* ---- hosts and addresses ---------------------------------------------------------- */

static bool hostnameImpl(const char *s, size_t len, bool idn) {
    if (len == 0) return false;
    if (s[len - 1] == '.') len--; /* a fully qualified name may end with a dot */
    if (len == 0 || len > 253) return false;
    size_t labelStart = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == '.') {
            size_t n = i - labelStart;
            if (n == 0 || n > 63) return false;
            if (s[labelStart] == '-' || s[i - 1] == '-') return false;
            labelStart = i + 1;
            continue;
        }
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) {
            if (!idn) return false;
            continue;
        }
        if (!isAlpha((char)c) && !isDigit((char)c) && c != '-') return false;
    }
    return true;
}
static bool checkHostname(const char *s, size_t len) { return hostnameImpl(s, len, false); }
static bool checkIdnHostname(const char *s, size_t len) {
    /* U+3002 and other full stops are not allowed in a label; we accept any
     * other non-ASCII code point (no IDNA2008 tables in Debian's C stack) */
    return hostnameImpl(s, len, true);
}

static bool checkIpv4(const char *s, size_t len) {
    int parts = 0;
    size_t i = 0;
    while (parts < 4) {
        size_t start = i;
        while (i < len && isDigit(s[i])) i++;
        size_t n = i - start;
        if (n == 0 || n > 3 || (n > 1 && s[start] == '0')) return false;
        if (digits(s + start, n) > 255) return false;
        parts++;
        if (parts < 4) {
            if (i >= len || s[i] != '.') return false;
            i++;
        }
    }
    return i == len;
}

static bool checkIpv6(const char *s, size_t len) {
    int groups = 0;
    bool compressed = false;
    size_t i = 0;
    if (len >= 2 && s[0] == ':' && s[1] == ':') {
        compressed = true;
        i = 2;
        if (i == len) return true;
    } else if (len >= 1 && s[0] == ':') {
        return false;
    }
    while (i < len) {
        size_t start = i;
        while (i < len && isHex(s[i])) i++;
        size_t n = i - start;
        if (i < len && s[i] == '.') { /* trailing IPv4 */
            if (!checkIpv4(s + start, len - start)) return false;
            groups += 2;
            i = len;
            break;
        }
        if (n == 0 || n > 4) return false;
        groups++;
        if (i == len) break;
        if (s[i] != ':') return false;
        i++;
        if (i < len && s[i] == ':') {
            if (compressed) return false;
            compressed = true;
            i++;
            if (i == len) break;
        } else if (i == len) {
            return false; /* trailing single colon */
        }
    }
    return compressed ? groups <= 7 : groups == 8;
}

/* ---- URIs (RFC 3986) and IRIs (RFC 3987, non-ASCII allowed) -------------------------- */

static bool isUnreserved(unsigned char c, bool iri) {
    return isAlpha((char)c) || isDigit((char)c) || c == '-' || c == '.' || c == '_' || c == '~' || (iri && c >= 0x80);
}
static bool isSubDelim(char c) { return c && strchr("!$&'()*+,;=", c) != NULL; }

/* pchar, plus the extra characters in `extra`; advances *i. */
static bool scanChars(const char *s, size_t len, size_t *i, const char *stop, const char *extra, bool iri) {
    while (*i < len && !strchr(stop, s[*i])) {
        unsigned char c = (unsigned char)s[*i];
        if (c == '%') {
            if (*i + 2 >= len + 0 || !isHex(s[*i + 1]) || !isHex(s[*i + 2])) return false;
            *i += 3;
            continue;
        }
        if (c == 0 ||
            !(isUnreserved(c, iri) || isSubDelim((char)c) || c == ':' || c == '@' || (extra && strchr(extra, (char)c))))
            return false;
        (*i)++;
    }
    return true;
}

static bool authority(const char *s, size_t len, bool iri) {
    const char *at = memchr(s, '@', len);
    if (at) {
        size_t i = 0, n = (size_t)(at - s);
        for (; i < n; i++) {
            unsigned char c = (unsigned char)s[i];
            if (c == '%') {
                if (i + 2 >= n || !isHex(s[i + 1]) || !isHex(s[i + 2])) return false;
                i += 2;
            } else if (!(isUnreserved(c, iri) || isSubDelim((char)c) || c == ':')) {
                return false;
            }
        }
        len -= n + 1;
        s = at + 1;
    }
    size_t hostEnd;
    if (len > 0 && s[0] == '[') {
        const char *close = memchr(s, ']', len);
        if (!close) return false;
        size_t n = (size_t)(close - s) - 1;
        if (n > 0 && (s[1] == 'v' || s[1] == 'V')) {
            /* IPvFuture */
        } else if (!checkIpv6(s + 1, n)) {
            return false;
        }
        hostEnd = (size_t)(close - s) + 1;
    } else {
        hostEnd = 0;
        while (hostEnd < len && s[hostEnd] != ':') {
            unsigned char c = (unsigned char)s[hostEnd];
            if (c == '%') {
                if (hostEnd + 2 >= len || !isHex(s[hostEnd + 1]) || !isHex(s[hostEnd + 2])) return false;
                hostEnd += 3;
                continue;
            }
            if (!(isUnreserved(c, iri) || isSubDelim((char)c))) return false;
            hostEnd++;
        }
    }
    if (hostEnd < len) {
        if (s[hostEnd] != ':') return false;
        for (size_t i = hostEnd + 1; i < len; i++)
            if (!isDigit(s[i])) return false;
    }
    return true;
}

/* Parses a URI (requireScheme) or a URI reference. */
static bool uriImpl(const char *s, size_t len, bool requireScheme, bool iri) {
    size_t i = 0;
    bool hasScheme = false;
    if (len > 0 && isAlpha(s[0])) {
        size_t j = 1;
        while (j < len && (isAlpha(s[j]) || isDigit(s[j]) || s[j] == '+' || s[j] == '-' || s[j] == '.')) j++;
        if (j < len && s[j] == ':') {
            hasScheme = true;
            i = j + 1;
        }
    }
    if (requireScheme && !hasScheme) return false;
    if (i + 1 < len && s[i] == '/' && s[i + 1] == '/') {
        size_t start = i + 2, end = start;
        while (end < len && s[end] != '/' && s[end] != '?' && s[end] != '#') end++;
        if (!authority(s + start, end - start, iri)) return false;
        i = end;
    } else if (!hasScheme) {
        /* path-noscheme: the first segment may not hold ':' */
        size_t j = i;
        while (j < len && s[j] != '/' && s[j] != '?' && s[j] != '#') {
            if (s[j] == ':') return false;
            j++;
        }
    }
    if (!scanChars(s, len, &i, "?#", "/", iri)) return false;
    if (i < len && s[i] == '?') {
        i++;
        if (!scanChars(s, len, &i, "#", "/?", iri)) return false;
    }
    if (i < len && s[i] == '#') {
        i++;
        if (!scanChars(s, len, &i, "", "/?", iri)) return false;
    }
    return i == len;
}
static bool checkUri(const char *s, size_t len) { return uriImpl(s, len, true, false); }
static bool checkUriReference(const char *s, size_t len) { return uriImpl(s, len, false, false); }
static bool checkIri(const char *s, size_t len) { return uriImpl(s, len, true, true); }
static bool checkIriReference(const char *s, size_t len) { return uriImpl(s, len, false, true); }

static bool checkUriTemplate(const char *s, size_t len) {
    bool inExpr = false;
    size_t exprStart = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '{') {
            if (inExpr) return false;
            inExpr = true;
            exprStart = i + 1;
        } else if (c == '}') {
            if (!inExpr || i == exprStart) return false;
            inExpr = false;
        } else if (!inExpr && (c < 0x20 || strchr(" \"'<>\\^`|", (char)c))) {
            return false;
        } else if (inExpr && !(isAlpha((char)c) || isDigit((char)c) || strchr("_.%,:*+#./;?&=!@|", (char)c))) {
            return false;
        }
    }
    return !inExpr;
}

/* ---- email (RFC 5321 mailbox, simplified) -------------------------------------------- */

static bool emailImpl(const char *s, size_t len, bool idn) {
    const char *at = NULL;
    for (size_t i = len; i > 0; i--)
        if (s[i - 1] == '@') {
            at = s + i - 1;
            break;
        }
    if (!at) return false;
    size_t localLen = (size_t)(at - s);
    const char *domain = at + 1;
    size_t domainLen = len - localLen - 1;
    if (localLen == 0 || localLen > 64 || domainLen == 0) return false;
    if (s[0] == '"') {
        if (localLen < 2 || s[localLen - 1] != '"') return false;
        for (size_t i = 1; i + 1 < localLen; i++) {
            if (s[i] == '\\')
                i++;
            else if (s[i] == '"' || (unsigned char)s[i] < 0x20)
                return false;
        }
    } else {
        if (s[0] == '.' || s[localLen - 1] == '.') return false;
        for (size_t i = 0; i < localLen; i++) {
            unsigned char c = (unsigned char)s[i];
            if (c == '.' && s[i + 1] == '.') return false;
            if (c >= 0x80 ? !idn : !(isAlpha((char)c) || isDigit((char)c) || strchr("!#$%&'*+-/=?^_`{|}~.", (char)c)))
                return false;
        }
    }
    if (domain[0] == '[') {
        if (domain[domainLen - 1] != ']') return false;
        if (domainLen > 7 && strncmp(domain + 1, "IPv6:", 5) == 0) return checkIpv6(domain + 6, domainLen - 7);
        return checkIpv4(domain + 1, domainLen - 2);
    }
    return hostnameImpl(domain, domainLen, idn);
}
static bool checkEmail(const char *s, size_t len) { return emailImpl(s, len, false); }
static bool checkIdnEmail(const char *s, size_t len) { return emailImpl(s, len, true); }

/* ---- JSON pointers and regexes --------------------------------------------------------- */

static bool jsonPointerImpl(const char *s, size_t len) {
    if (len == 0) return true;
    if (s[0] != '/') return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] == '~' && (i + 1 >= len || (s[i + 1] != '0' && s[i + 1] != '1'))) return false;
    return true;
}
static bool checkJsonPointer(const char *s, size_t len) { return jsonPointerImpl(s, len); }

static bool checkRelativeJsonPointer(const char *s, size_t len) {
    size_t i = 0;
    while (i < len && isDigit(s[i])) i++;
    if (i == 0 || (i > 1 && s[0] == '0')) return false;
    if (i < len && s[i] == '#') return i + 1 == len;
    return jsonPointerImpl(s + i, len - i);
}

static bool checkRegex(const char *s, size_t len) { return schemaRegexIsValid(s, len); }

/* ---- table ------------------------------------------------------------------------------- */

typedef struct FormatEntry {
    const char *name;
    SchemaFormatCheck check;
    const char *description;
} FormatEntry;

static const FormatEntry formats[] = {
    {"date-time", checkDateTime, "a date-time (RFC 3339, e.g. 2024-01-31T12:00:00Z)"},
    {"date", checkDate, "a date (RFC 3339 full-date, e.g. 2024-01-31)"},
    {"time", checkTime, "a time (RFC 3339 full-time, e.g. 12:00:00Z)"},
    {"email", checkEmail, "an email address"},
    {"idn-email", checkIdnEmail, "an internationalised email address"},
    {"hostname", checkHostname, "a hostname (RFC 1123)"},
    {"idn-hostname", checkIdnHostname, "an internationalised hostname"},
    {"ipv4", checkIpv4, "an IPv4 address (dotted quad)"},
    {"ipv6", checkIpv6, "an IPv6 address (RFC 4291)"},
    {"uri", checkUri, "an absolute URI (RFC 3986)"},
    {"uri-reference", checkUriReference, "a URI reference (RFC 3986)"},
    {"iri", checkIri, "an absolute IRI (RFC 3987)"},
    {"iri-reference", checkIriReference, "an IRI reference (RFC 3987)"},
    {"uri-template", checkUriTemplate, "a URI template (RFC 6570)"},
    {"json-pointer", checkJsonPointer, "a JSON pointer (RFC 6901)"},
    {"relative-json-pointer", checkRelativeJsonPointer, "a relative JSON pointer"},
    {"regex", checkRegex, "an ECMA-262 regular expression"},
};

SchemaFormatCheck schemaFormatLookup(const char *name) {
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (strcmp(formats[i].name, name) == 0) return formats[i].check;
    return NULL;
}

const char *schemaFormatDescribe(const char *name) {
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (strcmp(formats[i].name, name) == 0) return formats[i].description;
    return name;
}

/* ---- content ---------------------------------------------------------------------------- */

static int base64Value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* Decodes strict base64 into out (len/4*3 bytes); returns decoded length or -1. */
static long base64Decode(const char *s, size_t len, unsigned char *out) {
    if (len % 4 != 0) return -1;
    size_t n = 0;
    for (size_t i = 0; i < len; i += 4) {
        int v[4];
        int pad = 0;
        for (int k = 0; k < 4; k++) {
            if (s[i + k] == '=' && i + 4 == len && k >= 2) {
                v[k] = 0;
                pad++;
            } else {
                if (pad) return -1;
                v[k] = base64Value(s[i + k]);
                if (v[k] < 0) return -1;
            }
        }
        unsigned triple = (unsigned)(v[0] << 18 | v[1] << 12 | v[2] << 6 | v[3]);
        if (out) {
            out[n] = (unsigned char)(triple >> 16);
            if (pad < 2) out[n + 1] = (unsigned char)(triple >> 8);
            if (pad < 1) out[n + 2] = (unsigned char)triple;
        }
        n += (size_t)(3 - pad);
    }
    return (long)n;
}

bool schemaContentEncodingValid(const char *encoding, const char *s, size_t len, bool *known) {
    *known = strcmp(encoding, "base64") == 0;
    if (!*known) return true;
    return base64Decode(s, len, NULL) >= 0;
}

bool schemaContentMediaTypeValid(const char *mediaType, const char *encoding, const char *s, size_t len) {
    if (strcmp(mediaType, "application/json") != 0) return true;
    const char *doc = s;
    size_t docLen = len;
    unsigned char *decoded = NULL;
    if (encoding && strcmp(encoding, "base64") == 0) {
        decoded = hgnMalloc(len / 4 * 3 + 1);
        if (!decoded) return true; /* cannot tell; do not report */
        long n = base64Decode(s, len, decoded);
        if (n < 0) {
            hgnFree(decoded);
            return true; /* reported by contentEncoding */
        }
        doc = (const char *)decoded;
        docLen = (size_t)n;
    }
    json_error_t err;
    json_t *parsed = json_loadb(doc, docLen, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    hgnFree(decoded);
    if (!parsed) return false;
    json_decref(parsed);
    return true;
}
