/* calibrate.h — `huginn calibrate`: this machine's measured FLOP/s (f32
 * through OpenBLAS sgemm) and memory bandwidth (a STREAM-style triad), kept
 * as a local device profile (JSON) that the planner uses for cpu:0 instead
 * of the generic CPU profile (config key planner.calibrationFile). */
#ifndef HUGINN_CALIBRATE_H
#define HUGINN_CALIBRATE_H

#include <stdint.h>

#include "huginn/planner.h"
#include "huginn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HGN_CALIBRATION_VERSION 1

typedef struct HgnCalibration {
    double peakFp32;        /* FLOP/s, sgemm on all threads */
    double peakFp16;        /* FLOP/s of f16 weights (converted to f32 on a CPU: = peakFp32) */
    double peakBf16;        /* idem */
    double peakInt8;        /* idem (quantised blocks are dequantised into f32) */
    double memoryBandwidth; /* bytes/s, triad a = b + s·c on all threads */
    int threads;            /* BLAS threads used */
    int64_t gemmSize;       /* n of the n×n×n sgemm */
    uint64_t triadBytes;    /* bytes of the three triad arrays */
    double seconds;         /* wall time of the whole measurement */
    char measuredAt[32];    /* UTC, RFC 3339 */
    char host[128];         /* CPU model name when known */
} HgnCalibration;

/* Measures this machine in well under 5 s (best of a few repetitions). */
HGN_NODISCARD HgnStatus hgnCalibrateMeasure(HgnCalibration *out);
/* The profile JSON (calibrationVersion, kind "cpu", figures). OUT: free with hgnFree. */
HGN_NODISCARD HgnStatus hgnCalibrationWriteJson(const HgnCalibration *c, char **out);
/* Reads and checks a profile. Errors: HGN-0014 NotFound, HGN-0600 InvalidJson
 * (line:col), HGN-0001 InvalidConfig with the JSON pointer of a bad field. */
HGN_NODISCARD HgnStatus hgnCalibrationLoad(const char *path, HgnCalibration *out);
/* Gives every CPU device of m the measured speeds (shared by the virtual
 * CPU devices in proportion to their peak). */
void hgnMachineApplyCalibration(HgnMachine *m, const HgnCalibration *c);

#ifdef __cplusplus
}
#endif
#endif
