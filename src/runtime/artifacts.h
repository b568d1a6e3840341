/* artifacts.h — the artefacts folder of a run: outputs.jsonl (one line per
 * generated token), metrics.jsonl (progress samples) and trace.json (Chrome
 * trace events), written as NAME.partial while the run goes on and renamed
 * at the end, after which summary.json is written atomically (last). An
 * interrupted run leaves only .partial files (and no summary.json), so it
 * never looks complete; a failed run writes error.json instead. */
#ifndef HGN_RUNTIME_ARTIFACTS_H
#define HGN_RUNTIME_ARTIFACTS_H

#include <stdio.h>

#include "core/strBuf.h"
#include "huginn/status.h"

typedef struct RtArtifacts {
    char *dir;
    FILE *outputs, *metrics;
    HgnBuf trace; /* events, comma-separated */
    double t0;
} RtArtifacts;

/* Creates dir (and parents) and the .partial files; dir NULL: all calls do nothing. */
HGN_NODISCARD HgnStatus rtArtifactsOpen(RtArtifacts *a, const char *dir);
/* The same for a run resumed from a checkpoint of `keep` produced tokens:
 * outputs.jsonl starts with the lines of tokens 0..keep-1 that the
 * interrupted run wrote in fromDir (its outputs.jsonl.partial, else
 * outputs.jsonl; fromDir may be dir), so that a resumed run's outputs list
 * every token once. *kept: how many lines were found (< keep when the old
 * file is missing or short). */
HGN_NODISCARD HgnStatus rtArtifactsOpenResumed(RtArtifacts *a, const char *dir, const char *fromDir, size_t keep,
                                               size_t *kept);
void rtArtifactsOutput(RtArtifacts *a, const char *jsonLine);
void rtArtifactsMetric(RtArtifacts *a, const char *jsonLine);
/* A complete event ("ph":"X") from start to end (seconds since open). */
void rtArtifactsTrace(RtArtifacts *a, const char *name, double start, double end, const char *argsJson);
double rtArtifactsClock(const RtArtifacts *a);
/* Renames the .partial files and writes summary.json (status "complete"). */
HGN_NODISCARD HgnStatus rtArtifactsFinish(RtArtifacts *a, const char *summaryJson);
/* Leaves the .partial files and writes error.json with the status. */
void rtArtifactsFail(RtArtifacts *a, HgnStatus st);
void rtArtifactsClose(RtArtifacts *a);

#endif
