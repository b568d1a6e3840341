/* deviceProfiles.h — internal interface of the device-profile table behind
 * huginn/deviceProfile.h: parse a table from JSON text (the compiled-in
 * registry/devices.json, or a test's corrupted copy), match names, free. */
#ifndef HGN_REGISTRY_DEVICE_PROFILES_H
#define HGN_REGISTRY_DEVICE_PROFILES_H

#include <stddef.h>
#include <stdint.h>

#include "huginn/deviceProfile.h"

typedef struct HgnDeviceTable HgnDeviceTable;

/* Parses and validates (HGN-0001 naming "source:/devices/N/field" and the
 * device id; HGN-0600 for malformed JSON). OUT: *out. */
HGN_NODISCARD HgnStatus hgnDeviceTableParse(const char *text, size_t len, const char *source, HgnDeviceTable **out);
void hgnDeviceTableFree(HgnDeviceTable *table);
size_t hgnDeviceTableCount(const HgnDeviceTable *table);
const HgnDeviceProfile *hgnDeviceTableAt(const HgnDeviceTable *table, size_t index);
const HgnDeviceProfile *hgnDeviceTableById(const HgnDeviceTable *table, const char *id);
const HgnDeviceProfile *hgnDeviceTableMatch(const HgnDeviceTable *table, const char *name, uint64_t memoryBytes);

/* Canonical form of a device name used for matching: lower case, words
 * split on anything but letters and digits, without the words "nvidia",
 * "geforce" and "tesla" and without memory sizes ("32gb"), whose value in
 * GiB goes to *memHint (0 when none; memHint may be NULL). Writes at most
 * cap bytes including the NUL; returns false when it does not fit. */
bool hgnDeviceNameCanonical(const char *name, char *out, size_t cap, uint64_t *memHint);

#endif
