/* tomlDatetime.c — TOML date-time scanning with calendar/clock validation and
 * RFC 3339 rendering (see tomlDatetime.h and hgnTomlFormatDatetime in toml.h). */
#include "core/tomlDatetime.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static bool digitsAt(const char *s, size_t n, size_t at, size_t count, int *value) {
    if (at + count > n) return false;
    int v = 0;
    for (size_t i = 0; i < count; i++) {
        char ch = s[at + i];
        if (ch < '0' || ch > '9') return false;
        v = v * 10 + (ch - '0');
    }
    *value = v;
    return true;
}

static int daysInMonth(int year, int month) {
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0)) return 29;
    return days[month - 1];
}

static const char *fail(char *why, size_t whySize, const char *fmt, ...) HGN_PRINTF(3, 4);
static const char *fail(char *why, size_t whySize, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whySize, fmt, ap);
    va_end(ap);
    return why;
}

/* Scans "HH:MM:SS[.frac]" at s[at]; *end receives the index after it. */
static const char *scanTime(const char *s, size_t n, size_t at, HgnTomlDatetime *dt, size_t *end, char *why,
                            size_t whySize) {
    if (!digitsAt(s, n, at, 2, &dt->hour) || at + 2 >= n || s[at + 2] != ':' || !digitsAt(s, n, at + 3, 2, &dt->minute))
        return fail(why, whySize, "a time must be written HH:MM:SS with two digits each");
    if (at + 5 >= n || s[at + 5] != ':' || !digitsAt(s, n, at + 6, 2, &dt->second))
        return fail(why, whySize, "a time needs seconds in TOML 1.0 (HH:MM:SS)");
    if (dt->hour > 23) return fail(why, whySize, "hour %d is out of range 00-23", dt->hour);
    if (dt->minute > 59) return fail(why, whySize, "minute %d is out of range 00-59", dt->minute);
    if (dt->second > 60) return fail(why, whySize, "second %d is out of range 00-60", dt->second);
    size_t i = at + 8;
    dt->nanosecond = 0;
    dt->fractionDigits = 0;
    if (i < n && s[i] == '.') {
        i++;
        int scale = 100000000;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            dt->nanosecond += (s[i] - '0') * scale;
            scale /= 10;
            if (dt->fractionDigits < 1000000) dt->fractionDigits++;
            i++;
        }
        if (dt->fractionDigits == 0)
            return fail(why, whySize, "a decimal point in the seconds must be followed by digits");
    }
    *end = i;
    return NULL;
}

const char *hgnTomlDatetimeScan(const char *s, size_t n, HgnTomlType *type, HgnTomlDatetime *dt, char *why,
                                size_t whySize) {
    memset(dt, 0, sizeof *dt);
    size_t end = 0;
    if (n >= 3 && s[2] == ':') {
        const char *err = scanTime(s, n, 0, dt, &end, why, whySize);
        if (err) return err;
        if (end != n) return fail(why, whySize, "unexpected text after a local time");
        *type = HGN_TOML_LOCAL_TIME;
        return NULL;
    }
    if (!digitsAt(s, n, 0, 4, &dt->year) || n < 10 || s[4] != '-' || !digitsAt(s, n, 5, 2, &dt->month) || s[7] != '-' ||
        !digitsAt(s, n, 8, 2, &dt->day))
        return fail(why, whySize, "a date must be written YYYY-MM-DD");
    if (dt->month < 1 || dt->month > 12) return fail(why, whySize, "month %d is out of range 01-12", dt->month);
    if (dt->day < 1 || dt->day > daysInMonth(dt->year, dt->month))
        return fail(why, whySize, "day %d does not exist in month %d of that year", dt->day, dt->month);
    if (n == 10) {
        *type = HGN_TOML_LOCAL_DATE;
        return NULL;
    }
    if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
        return fail(why, whySize, "a date and a time must be separated by 'T' or one space");
    const char *err = scanTime(s, n, 11, dt, &end, why, whySize);
    if (err) return err;
    if (end == n) {
        *type = HGN_TOML_LOCAL_DATETIME;
        return NULL;
    }
    if ((s[end] == 'Z' || s[end] == 'z') && end + 1 == n) {
        dt->zulu = true;
        *type = HGN_TOML_OFFSET_DATETIME;
        return NULL;
    }
    int oh, om;
    if ((s[end] == '+' || s[end] == '-') && end + 6 == n && digitsAt(s, n, end + 1, 2, &oh) && s[end + 3] == ':' &&
        digitsAt(s, n, end + 4, 2, &om)) {
        if (oh > 23 || om > 59) return fail(why, whySize, "time offset %02d:%02d is out of range", oh, om);
        dt->offsetMinutes = (oh * 60 + om) * (s[end] == '-' ? -1 : 1);
        *type = HGN_TOML_OFFSET_DATETIME;
        return NULL;
    }
    return fail(why, whySize, "a time offset must be Z or +HH:MM / -HH:MM");
}

bool hgnTomlIsDatetime(const char *s, size_t n) {
    HgnTomlType type;
    HgnTomlDatetime dt;
    char why[96];
    return hgnTomlDatetimeScan(s, n, &type, &dt, why, sizeof why) == NULL;
}

char *hgnTomlFormatDatetime(HgnTomlType type, const HgnTomlDatetime *dt, char *buf, size_t bufSize) {
    if (!buf || bufSize == 0) return buf;
    char date[24] = "", time[40] = "", offset[8] = "";
    bool hasDate = type == HGN_TOML_OFFSET_DATETIME || type == HGN_TOML_LOCAL_DATETIME || type == HGN_TOML_LOCAL_DATE;
    bool hasTime = type == HGN_TOML_OFFSET_DATETIME || type == HGN_TOML_LOCAL_DATETIME || type == HGN_TOML_LOCAL_TIME;
    if (!hasDate && !hasTime) {
        buf[0] = '\0';
        return buf;
    }
    if (hasDate) snprintf(date, sizeof date, "%04d-%02d-%02d", dt->year, dt->month, dt->day);
    if (hasTime) {
        int n = snprintf(time, sizeof time, "%s%02d:%02d:%02d", hasDate ? "T" : "", dt->hour, dt->minute, dt->second);
        int digits = dt->fractionDigits > 9 ? 9 : dt->fractionDigits;
        if (digits > 0 && n > 0) {
            char frac[16];
            snprintf(frac, sizeof frac, "%09d", dt->nanosecond);
            snprintf(time + n, sizeof time - (size_t)n, ".%.*s", digits, frac);
        }
    }
    if (type == HGN_TOML_OFFSET_DATETIME) {
        if (dt->zulu) {
            strcpy(offset, "Z");
        } else {
            int m = dt->offsetMinutes < 0 ? -dt->offsetMinutes : dt->offsetMinutes;
            snprintf(offset, sizeof offset, "%c%02d:%02d", dt->offsetMinutes < 0 ? '-' : '+', (m / 60) % 100, m % 60);
        }
    }
    snprintf(buf, bufSize, "%s%s%s", date, time, offset);
    return buf;
}
