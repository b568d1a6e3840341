/* session.c — text generation over a runtime: prompt checks and encoding,
 * prefill, sampling (huginn/sampler.h) and decode steps, stop strings and
 * end-of-generation tokens, UTF-8-safe streaming, and the run's artefacts
 * (outputs.jsonl, metrics.jsonl, trace.json, summary.json) and log events;
 * checkpoints every N tokens, resuming from one, recovery from an injected
 * device loss (fallback placement + the last checkpoint), and a clean stop
 * asked by the caller's stop hook (checkpoint at the stop, partial result). */
#include <string.h>

#include "core/alloc.h"
#include "core/strBuf.h"
#include "huginn/log.h"
#include "runtime/artifacts.h"
#include "runtime/checkpoint.h"
#include "runtime/runtimeInt.h"

void hgnGenerateOptionsInit(HgnGenerateOptions *opt) {
    memset(opt, 0, sizeof *opt);
    opt->maxTokens = 256;
    hgnSamplerParamsInit(&opt->sampler);
}

void hgnGenerateResultFree(HgnGenerateResult *r) {
    if (!r) return;
    hgnFree(r->text);
    hgnFree(r->tokens);
    memset(r, 0, sizeof *r);
}

static HgnStatus oom(void) { return hgnStatusNew(HGN_CODE_OutOfMemory, "session", NULL, "out of memory"); }

/* Length of the longest suffix of text that is a proper prefix of a stop string. */
static size_t stopHold(const HgnGenerateOptions *opt, const char *text, size_t len) {
    size_t hold = 0;
    for (size_t s = 0; s < opt->nStop; s++) {
        size_t sl = strlen(opt->stop[s]);
        for (size_t k = sl > 1 ? sl - 1 : 0; k > hold; k--)
            if (k <= len && memcmp(text + len - k, opt->stop[s], k) == 0) {
                hold = k;
                break;
            }
    }
    return hold;
}

/* Position of the first stop string found in text, or len. */
static size_t stopAt(const HgnGenerateOptions *opt, const char *text, size_t len) {
    size_t best = len;
    for (size_t s = 0; s < opt->nStop; s++) {
        if (!opt->stop[s][0]) continue;
        const char *p = strstr(text, opt->stop[s]);
        if (p && (size_t)(p - text) < best) best = (size_t)(p - text);
    }
    return best;
}

static void metricLine(RtArtifacts *a, HgnRuntime *rt, const char *phase, size_t tokens) {
    if (!a->dir) return;
    HgnRuntimeStats s;
    hgnRuntimeGetStats(rt, &s);
    HgnBuf b;
    hgnBufInit(&b);
    hgnBufAppendf(&b,
                  "{\"t\":%.6f,\"phase\":\"%s\",\"tokens\":%zu,\"position\":%lld,\"prefillTokensPerSecond\":%.3f,"
                  "\"decodeTokensPerSecond\":%.3f,\"bytesTransferred\":%llu,\"devices\":[",
                  rtArtifactsClock(a), phase, tokens, (long long)hgnRuntimePosition(rt),
                  s.prefillSeconds > 0 ? (double)s.prefillTokens / s.prefillSeconds : 0.0,
                  s.decodeSeconds > 0 ? (double)s.decodeTokens / s.decodeSeconds : 0.0,
                  (unsigned long long)s.bytesTransferred);
    for (int32_t d = 0; d < hgnRuntimeDeviceCount(rt); d++) {
        HgnRuntimeDeviceStats ds;
        hgnRuntimeGetDeviceStats(rt, d, &ds);
        hgnBufAppendf(&b, "%s{\"id\":\"%s\",\"peakBytes\":%llu,\"predictedBytes\":%llu}", d ? "," : "", ds.id,
                      (unsigned long long)ds.peakBytes, (unsigned long long)ds.predictedBytes);
    }
    hgnBufAppendStr(&b, "]}");
    if (hgnBufOk(&b)) rtArtifactsMetric(a, hgnBufStr(&b));
    hgnBufFree(&b);
}

static HgnStatus checkPrompt(const char *prompt, size_t len) {
    if (len == 0)
        return hgnStatusNew(HGN_CODE_InvalidInput, "prompt", "give a non-empty --prompt or --prompt-file",
                            "the prompt is empty");
    size_t bad = 0;
    if (!hgnUtf8Valid(prompt, len, &bad))
        return hgnStatusNew(HGN_CODE_InvalidInput, "prompt", "give the prompt as UTF-8 text",
                            "the prompt is not valid UTF-8 (bad byte 0x%02x at offset %zu)",
                            (unsigned)(unsigned char)prompt[bad], bad);
    return HGN_OK;
}

/* Appends the text of token t (skipping specials) to text. */
static bool appendPiece(const HgnTokenizer *tok, int32_t t, HgnBuf *text, char *piece, size_t cap, size_t *need) {
    *need = hgnTokenizerPiece(tok, t, false, HGN_DECODE_SKIP_SPECIAL | HGN_DECODE_CONTINUE, piece, cap);
    if (*need > cap) {
        char *big = hgnMalloc(*need);
        if (!big) return false;
        hgnTokenizerPiece(tok, t, false, HGN_DECODE_SKIP_SPECIAL | HGN_DECODE_CONTINUE, big, *need);
        hgnBufAppend(text, big, *need);
        hgnFree(big);
    } else
        hgnBufAppend(text, piece, *need);
    return hgnBufOk(text);
}

static bool rebuildText(const HgnTokenizer *tok, const int32_t *gen, size_t n, HgnBuf *text) {
    text->len = 0;
    if (text->data) text->data[0] = 0;
    char piece[256];
    size_t need;
    for (size_t i = 0; i < n; i++)
        if (!appendPiece(tok, gen[i], text, piece, sizeof piece, &need)) return false;
    return true;
}

/* The state at a checkpoint (taken after a token is produced, before it is
 * fed to the model): what resuming needs. */
typedef struct Snap {
    bool have;
    size_t nGen;
    uint8_t *samplerState, *runtimeState;
    size_t samplerLen, runtimeLen;
} Snap;

static void snapFree(Snap *s) {
    hgnFree(s->samplerState);
    hgnFree(s->runtimeState);
    memset(s, 0, sizeof *s);
}

static HgnStatus snapTake(HgnRuntime *rt, const HgnSampler *sampler, size_t nGen, Snap *s) {
    snapFree(s);
    s->samplerLen = hgnSamplerStateSize(sampler);
    s->runtimeLen = (size_t)hgnRuntimeStateSize(rt);
    s->samplerState = hgnMalloc(s->samplerLen + 1);
    s->runtimeState = hgnMalloc(s->runtimeLen + 1);
    if (!s->samplerState || !s->runtimeState) {
        snapFree(s);
        return oom();
    }
    size_t w = 0;
    HgnStatus st = hgnSamplerStateSave(sampler, s->samplerState, s->samplerLen, &w);
    if (!st) st = hgnRuntimeStateSave(rt, s->runtimeState, s->runtimeLen, &w);
    if (st) {
        snapFree(s);
        return st;
    }
    s->nGen = nGen;
    s->have = true;
    return HGN_OK;
}

static HgnStatus writeCheckpoint(HgnRuntime *rt, const HgnGenerateOptions *opt, const char *prompt, size_t len,
                                 size_t nPrompt, const int32_t *gen, const Snap *s, const char *dir) {
    const char *md = NULL, *pd = NULL;
    HgnStatus st = hgnRuntimeDigests(rt, &md, &pd);
    if (st) return st;
    RtCheckpoint c = {
        .planDigest = (char *)pd,
        .modelDigest = (char *)md,
        .sampler = opt->sampler,
        .maxTokens = opt->maxTokens,
        .ignoreEos = opt->ignoreEos,
        .prompt = (char *)prompt,
        .promptLen = len,
        .stop = (char **)opt->stop,
        .nStop = opt->nStop,
        .nPromptTokens = (uint32_t)nPrompt,
        .tokens = (int32_t *)gen,
        .nTokens = s->nGen,
        .samplerState = s->samplerState,
        .samplerStateLen = s->samplerLen,
        .runtimeState = s->runtimeState,
        .runtimeStateLen = s->runtimeLen,
    };
    return rtCheckpointWrite(dir, &c);
}

/* Refuses a checkpoint made for another plan or model (HGN-0002). */
static HgnStatus checkOrigin(HgnRuntime *rt, const RtCheckpoint *c, const char *dir) {
    const char *md = NULL, *pd = NULL;
    HgnStatus st = hgnRuntimeDigests(rt, &md, &pd);
    if (st) return st;
    if (strcmp(c->modelDigest, md) != 0)
        return hgnStatusNew(HGN_CODE_PlanSchemaViolation, dir, "resume with the model the run started with",
                            "the checkpoint was made with another model (%s; this one is %s)", c->modelDigest, md);
    if (strcmp(c->planDigest, pd) != 0)
        return hgnStatusNew(HGN_CODE_PlanSchemaViolation, dir, "resume with the plan the run started with",
                            "the checkpoint was made with another plan (%s; this one is %s)",
                            c->planDigest[0] ? c->planDigest : "none", pd[0] ? pd : "none");
    return HGN_OK;
}

static void eventLine(RtArtifacts *a, const char *json) {
    if (a->dir) rtArtifactsMetric(a, json);
}

/* The caller's stop hook; false without one. */
static bool askStop(const HgnGenerateOptions *opt) { return opt->shouldStop && opt->shouldStop(opt->shouldStopCtx); }

/* Feeds the prompt; with a stop hook and a prompt longer than ubatch, in
 * ubatch chunks (the chunks hgnRuntimeEval makes itself) asking the hook
 * between them. *stopped: the hook said stop (the prompt is not all in). */
static HgnStatus prefill(HgnRuntime *rt, const HgnGenerateOptions *opt, const int32_t *ids, size_t n, float *logits,
                         bool *stopped) {
    *stopped = false;
    size_t ub = (size_t)rtUbatch(rt);
    if (!opt->shouldStop || n <= ub) return hgnRuntimeEval(rt, ids, n, false, logits);
    for (size_t done = 0; done < n;) {
        size_t chunk = n - done < ub ? n - done : ub;
        bool last = done + chunk == n;
        HgnStatus st = hgnRuntimeEval(rt, ids + done, chunk, false, last ? logits : NULL);
        if (st) return st;
        done += chunk;
        if (!last && askStop(opt)) {
            *stopped = true;
            return HGN_OK;
        }
    }
    return HGN_OK;
}

HgnStatus hgnGenerate(HgnRuntime *rt, const char *prompt, size_t len, const HgnGenerateOptions *opt,
                      HgnGenerateResult *out) {
    memset(out, 0, sizeof *out);
    HgnGenerateOptions dflt, res;
    if (!opt) {
        hgnGenerateOptionsInit(&dflt);
        opt = &dflt;
    }
    RtCheckpoint ck = {0};
    HgnStatus st = HGN_OK;
    if (opt->resumeDir) {
        /* the run's own inputs come from the checkpoint */
        if ((st = rtCheckpointRead(opt->resumeDir, &ck))) return st;
        if ((st = checkOrigin(rt, &ck, opt->resumeDir))) {
            rtCheckpointFree(&ck);
            return st;
        }
        res = *opt;
        res.sampler = ck.sampler;
        res.maxTokens = ck.maxTokens;
        res.ignoreEos = ck.ignoreEos != 0;
        res.stop = (const char *const *)ck.stop;
        res.nStop = ck.nStop;
        opt = &res;
        prompt = ck.prompt;
        len = ck.promptLen;
    }
    if (opt->checkpointEvery < 0 || (opt->checkpointEvery > 0 && !opt->artifactsDir))
        st = hgnStatusNew(HGN_CODE_InvalidArgument, "checkpointEvery", "give an artefacts folder for checkpoints",
                          "checkpoints need a positive interval and an artefacts folder");
    if (!st) st = checkPrompt(prompt, len);
    if (!st && opt->maxTokens < 0)
        st = hgnStatusNew(HGN_CODE_InvalidArgument, "maxTokens", NULL, "maxTokens must not be negative");
    if (st) {
        rtCheckpointFree(&ck);
        return st;
    }
    const HgnTokenizer *tok = hgnRuntimeTokenizer(rt);
    int32_t *ids = NULL;
    size_t nIds = 0;
    if ((st = hgnTokenizerEncode(tok, prompt, len, HGN_ENCODE_ADD_SPECIAL, &ids, &nIds))) {
        rtCheckpointFree(&ck);
        return st;
    }
    int64_t ctx = hgnRuntimeContext(rt);
    if ((int64_t)nIds >= ctx) {
        hgnFree(ids);
        rtCheckpointFree(&ck);
        return hgnStatusNew(HGN_CODE_InvalidInput, "prompt", "shorten the prompt or plan a larger context",
                            "the prompt is %zu tokens; the planned context holds %lld (one more is needed to "
                            "generate)",
                            nIds, (long long)ctx);
    }
    if (opt->resumeDir && ck.nPromptTokens != nIds)
        st = hgnStatusNew(HGN_CODE_PlanSchemaViolation, opt->resumeDir, "resume with the tokenizer of the run",
                          "the checkpoint's prompt was %u tokens; it encodes to %zu here", ck.nPromptTokens, nIds);
    int64_t vocab = hgnRuntimeVocab(rt);
    HgnSampler *sampler = NULL;
    float *logits = hgnMalloc((size_t)vocab * sizeof(float));
    int32_t *gen = hgnMalloc(((size_t)opt->maxTokens + 1) * sizeof(int32_t));
    if (!st && (!logits || !gen)) st = oom();
    if (!st) st = hgnSamplerCreate(&opt->sampler, (size_t)vocab, &sampler);
    RtArtifacts art;
    size_t kept = 0; /* outputs lines of the checkpoint's tokens carried over from the interrupted run */
    HgnStatus ast = rtArtifactsOpenResumed(&art, opt->artifactsDir, opt->resumeDir, ck.tokens ? ck.nTokens : 0, &kept);
    if (!ast && art.dir && ck.tokens && kept < ck.nTokens)
        HGN_WARN("runtime", "%s: the interrupted run's outputs.jsonl holds %zu of the %zu checkpointed tokens",
                 opt->resumeDir, kept, ck.nTokens);
    if (!st)
        st = ast;
    else
        hgnStatusFree(ast);
    HgnBuf text;
    hgnBufInit(&text);
    size_t emitted = 0, nGen = 0, written = 0; /* written: outputs.jsonl lines so far */
    const char *reason = "length";
    char piece[256];
    bool pending = false; /* gen[nGen-1] still to be fed to the model */
    Snap snap = {0};
    bool injected = false, halted = false; /* halted: the stop hook ended the run */
    int32_t retries = 0;
    if (!st && ck.tokens) {
        /* resume: KV cache and sampler as at the checkpoint, then the last token */
        if (ck.nTokens > (size_t)opt->maxTokens)
            st = hgnStatusNew(HGN_CODE_PlanSchemaViolation, opt->resumeDir, NULL,
                              "the checkpoint holds more tokens than its maxTokens");
        if (!st) st = hgnRuntimeStateLoad(rt, ck.runtimeState, ck.runtimeStateLen);
        if (!st) st = hgnSamplerStateLoad(sampler, ck.samplerState, ck.samplerStateLen);
        if (!st && hgnRuntimePosition(rt) != (int64_t)(nIds + ck.nTokens - 1))
            st = hgnStatusNew(HGN_CODE_PlanSchemaViolation, opt->resumeDir, NULL,
                              "the checkpoint's cache holds %lld positions; its tokens need %zu",
                              (long long)hgnRuntimePosition(rt), nIds + ck.nTokens - 1);
        if (!st) {
            memcpy(gen, ck.tokens, ck.nTokens * sizeof *gen);
            nGen = written = ck.nTokens;
            pending = true;
            out->resumedAt = (int32_t)nGen;
            if (!rebuildText(tok, gen, nGen, &text)) st = oom();
            char ev[128];
            snprintf(ev, sizeof ev, "{\"t\":%.6f,\"event\":\"resumed\",\"tokens\":%zu}", rtArtifactsClock(&art), nGen);
            eventLine(&art, ev);
            HGN_INFO("runtime", "resumed from %s at %zu produced tokens", opt->resumeDir, nGen);
            if (!st && opt->injectKind) st = snapTake(rt, sampler, nGen, &snap);
        }
    } else if (!st) {
        for (size_t i = 0; i < nIds; i++) hgnSamplerAccept(sampler, ids[i]);
        hgnRuntimeReset(rt);
        double t0 = rtArtifactsClock(&art);
        st = prefill(rt, opt, ids, nIds, logits, &halted);
        double t1 = rtArtifactsClock(&art);
        char args[64];
        snprintf(args, sizeof args, "{\"tokens\":%zu}", nIds);
        rtArtifactsTrace(&art, "prefill", t0, t1, args);
        HGN_DEBUG("runtime", "prefill: %zu tokens in %.3f s", nIds, t1 - t0);
        metricLine(&art, rt, "prefill", 0);
        /* the sampler as after the prompt, for a failure before the first checkpoint */
        if (!st && opt->injectKind) st = snapTake(rt, sampler, 0, &snap);
    }
    while (!st && !halted && nGen < (size_t)opt->maxTokens) {
        if (pending) {
            if (hgnRuntimePosition(rt) >= ctx) {
                reason = "context";
                break;
            }
            double t0 = rtArtifactsClock(&art);
            st = hgnRuntimeEval(rt, &gen[nGen - 1], 1, false, logits);
            rtArtifactsTrace(&art, "decode", t0, rtArtifactsClock(&art), NULL);
            if (nGen % 16 == 0) metricLine(&art, rt, "decode", nGen);
            pending = false;
            if (st) break;
        }
        int32_t t;
        if ((st = hgnSamplerSample(sampler, logits, &t))) break;
        if (!opt->ignoreEos && hgnTokenizerIsEog(tok, t)) {
            reason = "eos";
            break;
        }
        gen[nGen++] = t;
        hgnSamplerAccept(sampler, t);
        size_t need = 0;
        if (!appendPiece(tok, t, &text, piece, sizeof piece, &need)) {
            st = oom();
            break;
        }
        if (art.dir && nGen > written) {
            HgnBuf line;
            hgnBufInit(&line);
            hgnBufAppendf(&line, "{\"index\":%zu,\"token\":%d,\"position\":%lld,\"text\":", nGen - 1, t,
                          (long long)hgnRuntimePosition(rt));
            hgnBufAppendEscaped(&line, piece, need < sizeof piece ? need : sizeof piece, HGN_ESC_FIX_UTF8);
            hgnBufAppendf(&line, ",\"t\":%.6f}", rtArtifactsClock(&art));
            if (hgnBufOk(&line)) rtArtifactsOutput(&art, hgnBufStr(&line));
            hgnBufFree(&line);
            written = nGen;
        }
        size_t cut = stopAt(opt, hgnBufStr(&text), text.len);
        bool stopped = cut < text.len;
        size_t safe = stopped ? cut : text.len - stopHold(opt, hgnBufStr(&text), text.len);
        if (safe < emitted) safe = emitted; /* never re-emit or underflow */
        if (!stopped && safe <= text.len)
            safe = emitted + hgnUtf8Complete(hgnBufStr(&text) + emitted, safe - emitted);
        else if (!stopped)
            safe = emitted; /* replaying after a failure: already streamed */
        if (opt->onText && safe > emitted) opt->onText(opt->onTextCtx, hgnBufStr(&text) + emitted, safe - emitted);
        if (safe > emitted) emitted = safe;
        if (stopped) {
            text.len = cut;
            text.data[cut] = 0;
            reason = "stop";
            (void)askStop(opt); /* the hook sees every token; the run is complete anyway */
            break;
        }
        if (nGen == (size_t)opt->maxTokens) {
            (void)askStop(opt);
            break;
        }
        pending = true;
        bool checkpointed = false;
        if (opt->checkpointEvery > 0 && nGen % (size_t)opt->checkpointEvery == 0) {
            double t0 = rtArtifactsClock(&art);
            st = snapTake(rt, sampler, nGen, &snap);
            if (!st) st = writeCheckpoint(rt, opt, prompt, len, nIds, gen, &snap, opt->artifactsDir);
            rtArtifactsTrace(&art, "checkpoint", t0, rtArtifactsClock(&art), NULL);
            if (st) break;
            checkpointed = true;
        }
        /* asked after the periodic checkpoint, so a hook that looks finds it on disk */
        if (askStop(opt)) {
            halted = true;
            if (opt->checkpointEvery > 0 && !checkpointed) {
                /* the state right here (token produced, not yet fed): a resume continues exactly here */
                double t0 = rtArtifactsClock(&art);
                st = snapTake(rt, sampler, nGen, &snap);
                if (!st) st = writeCheckpoint(rt, opt, prompt, len, nIds, gen, &snap, opt->artifactsDir);
                rtArtifactsTrace(&art, "checkpoint", t0, rtArtifactsClock(&art), NULL);
            }
            break;
        }
        if (opt->injectKind && !injected && nGen == (size_t)opt->injectStep) {
            injected = true;
            bool drain = opt->injectKind == 1;
            double t0 = rtArtifactsClock(&art);
            /* a drained device hands its state over; a failed one loses it */
            if (drain) st = snapTake(rt, sampler, nGen, &snap);
            uint64_t moved = 0;
            if (!st) st = hgnRuntimeLoseDevice(rt, opt->injectDevice, &moved);
            if (!st && snap.have && snap.nGen > 0) {
                st = hgnRuntimeStateLoad(rt, snap.runtimeState, snap.runtimeLen);
                if (!st) st = hgnSamplerStateLoad(sampler, snap.samplerState, snap.samplerLen);
                nGen = snap.nGen;
                pending = true;
            } else if (!st && snap.have) {
                /* no checkpoint yet: the prompt again */
                st = hgnSamplerStateLoad(sampler, snap.samplerState, snap.samplerLen);
                hgnRuntimeReset(rt);
                if (!st) st = hgnRuntimeEval(rt, ids, nIds, false, logits);
                nGen = 0;
                pending = false;
            }
            if (!st && !rebuildText(tok, gen, nGen, &text)) st = oom();
            if (st) break;
            retries++;
            double t1 = rtArtifactsClock(&art);
            char ev[256];
            snprintf(ev, sizeof ev,
                     "{\"t\":%.6f,\"event\":\"device_lost\",\"device\":\"cpu:%d\",\"kind\":\"%s\",\"atToken\":%zu,"
                     "\"restoredTo\":%zu,\"movedBytes\":%llu,\"seconds\":%.6f,\"retries\":%d}",
                     t1, opt->injectDevice, drain ? "drain" : "fail", (size_t)opt->injectStep, nGen,
                     (unsigned long long)moved, t1 - t0, retries);
            eventLine(&art, ev);
            rtArtifactsTrace(&art, "deviceLost", t0, t1, NULL);
            HGN_WARN("runtime",
                     "cpu:%d %s at token %d: fallback placement, %llu bytes moved, restored to token %zu "
                     "in %.3f s (retry %d, reason device_lost)",
                     opt->injectDevice, drain ? "drained" : "failed", opt->injectStep, (unsigned long long)moved, nGen,
                     t1 - t0, retries);
        }
    }
    if (halted) {
        reason = "stopped";
        char ev[128];
        snprintf(ev, sizeof ev, "{\"t\":%.6f,\"event\":\"stopped\",\"tokens\":%zu}", rtArtifactsClock(&art), nGen);
        eventLine(&art, ev);
        HGN_INFO("runtime", "stopped by the caller after %zu produced tokens", nGen);
    }
    /* a stopped run keeps what it holds back (a partial character or stop string) for its resumption */
    if (!st && !halted && opt->onText && text.len > emitted)
        opt->onText(opt->onTextCtx, hgnBufStr(&text) + emitted, text.len - emitted);
    if (!st) {
        metricLine(&art, rt, "done", nGen);
        HgnRuntimeStats s;
        hgnRuntimeGetStats(rt, &s);
        HGN_DEBUG("runtime", "generated %zu tokens (%s); decode %.2f tokens/s", nGen, reason,
                  s.decodeSeconds > 0 ? (double)s.decodeTokens / s.decodeSeconds : 0.0);
        HgnBuf sum;
        hgnBufInit(&sum);
        hgnBufAppendf(&sum, "{\"status\":\"%s\",\"model\":", halted ? "stopped" : "complete");
        const char *mp = hgnRuntimeModelPath(rt);
        hgnBufAppendJsonString(&sum, mp, strlen(mp));
        hgnBufAppendf(&sum,
                      ",\"promptTokens\":%zu,\"generatedTokens\":%zu,\"stopReason\":\"%s\",\"prefillSeconds\":%.6f,"
                      "\"decodeSeconds\":%.6f,\"bytesTransferred\":%llu,"
                      "\"metrics\":{\"huginn_bytes_transferred_total\":%llu,"
                      "\"huginn_retries_total\":{\"device_lost\":%d}},\"resumedAt\":%d}\n",
                      nIds, nGen, reason, s.prefillSeconds, s.decodeSeconds, (unsigned long long)s.bytesTransferred,
                      (unsigned long long)s.bytesTransferred, retries, out->resumedAt);
        st = hgnBufOk(&sum) ? rtArtifactsFinish(&art, hgnBufStr(&sum)) : oom();
        hgnBufFree(&sum);
    }
    if (st) rtArtifactsFail(&art, st);
    rtArtifactsClose(&art);
    snapFree(&snap);
    hgnSamplerFree(sampler);
    hgnFree(logits);
    if (!st) {
        out->text = hgnBufDetach(&text);
        if (!out->text) out->text = hgnStrdup("");
        out->tokens = gen;
        out->nTokens = nGen;
        out->nPromptTokens = nIds;
        out->stopReason = reason;
        out->retriesDeviceLost = retries;
        if (!out->text) {
            hgnGenerateResultFree(out);
            st = oom();
        }
    } else {
        hgnFree(gen);
        hgnBufFree(&text);
    }
    hgnFree(ids);
    rtCheckpointFree(&ck);
    return st;
}
