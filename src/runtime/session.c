/* session.c — text generation over a runtime: prompt checks and encoding,
 * prefill, sampling (huginn/sampler.h) and decode steps, stop strings and
 * end-of-generation tokens, UTF-8-safe streaming, and the run's artefacts
 * (outputs.jsonl, metrics.jsonl, trace.json, summary.json) and log events. */
#include <string.h>

#include "core/alloc.h"
#include "core/strBuf.h"
#include "huginn/log.h"
#include "runtime/artifacts.h"
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

HgnStatus hgnGenerate(HgnRuntime *rt, const char *prompt, size_t len, const HgnGenerateOptions *opt,
                      HgnGenerateResult *out) {
    memset(out, 0, sizeof *out);
    HgnGenerateOptions dflt;
    if (!opt) {
        hgnGenerateOptionsInit(&dflt);
        opt = &dflt;
    }
    HgnStatus st = checkPrompt(prompt, len);
    if (st) return st;
    if (opt->maxTokens < 0)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "maxTokens", NULL, "maxTokens must not be negative");
    const HgnTokenizer *tok = hgnRuntimeTokenizer(rt);
    int32_t *ids = NULL;
    size_t nIds = 0;
    if ((st = hgnTokenizerEncode(tok, prompt, len, HGN_ENCODE_ADD_SPECIAL, &ids, &nIds))) return st;
    int64_t ctx = hgnRuntimeContext(rt);
    if ((int64_t)nIds >= ctx) {
        hgnFree(ids);
        return hgnStatusNew(HGN_CODE_InvalidInput, "prompt", "shorten the prompt or plan a larger context",
                            "the prompt is %zu tokens; the planned context holds %lld (one more is needed to "
                            "generate)",
                            nIds, (long long)ctx);
    }
    int64_t vocab = hgnRuntimeVocab(rt);
    HgnSampler *sampler = NULL;
    float *logits = hgnMalloc((size_t)vocab * sizeof(float));
    int32_t *gen = hgnMalloc(((size_t)opt->maxTokens + 1) * sizeof(int32_t));
    if (!logits || !gen) st = oom();
    if (!st) st = hgnSamplerCreate(&opt->sampler, (size_t)vocab, &sampler);
    RtArtifacts art;
    HgnStatus ast = rtArtifactsOpen(&art, opt->artifactsDir);
    if (!st)
        st = ast;
    else
        hgnStatusFree(ast);
    HgnBuf text;
    hgnBufInit(&text);
    size_t emitted = 0, nGen = 0;
    const char *reason = "length";
    char piece[256];
    if (!st) {
        for (size_t i = 0; i < nIds; i++) hgnSamplerAccept(sampler, ids[i]);
        hgnRuntimeReset(rt);
        double t0 = rtArtifactsClock(&art);
        st = hgnRuntimeEval(rt, ids, nIds, false, logits);
        double t1 = rtArtifactsClock(&art);
        char args[64];
        snprintf(args, sizeof args, "{\"tokens\":%zu}", nIds);
        rtArtifactsTrace(&art, "prefill", t0, t1, args);
        HGN_DEBUG("runtime", "prefill: %zu tokens in %.3f s", nIds, t1 - t0);
        metricLine(&art, rt, "prefill", 0);
    }
    while (!st && nGen < (size_t)opt->maxTokens) {
        int32_t t;
        if ((st = hgnSamplerSample(sampler, logits, &t))) break;
        if (!opt->ignoreEos && hgnTokenizerIsEog(tok, t)) {
            reason = "eos";
            break;
        }
        gen[nGen++] = t;
        hgnSamplerAccept(sampler, t);
        size_t need =
            hgnTokenizerPiece(tok, t, false, HGN_DECODE_SKIP_SPECIAL | HGN_DECODE_CONTINUE, piece, sizeof piece);
        if (need > sizeof piece) {
            char *big = hgnMalloc(need);
            if (!big) {
                st = oom();
                break;
            }
            hgnTokenizerPiece(tok, t, false, HGN_DECODE_SKIP_SPECIAL | HGN_DECODE_CONTINUE, big, need);
            hgnBufAppend(&text, big, need);
            hgnFree(big);
        } else
            hgnBufAppend(&text, piece, need);
        if (!hgnBufOk(&text)) {
            st = oom();
            break;
        }
        if (art.dir) {
            HgnBuf line;
            hgnBufInit(&line);
            hgnBufAppendf(&line, "{\"index\":%zu,\"token\":%d,\"position\":%lld,\"text\":", nGen - 1, t,
                          (long long)hgnRuntimePosition(rt));
            hgnBufAppendEscaped(&line, piece, need < sizeof piece ? need : sizeof piece, HGN_ESC_FIX_UTF8);
            hgnBufAppendf(&line, ",\"t\":%.6f}", rtArtifactsClock(&art));
            if (hgnBufOk(&line)) rtArtifactsOutput(&art, hgnBufStr(&line));
            hgnBufFree(&line);
        }
        size_t cut = stopAt(opt, hgnBufStr(&text), text.len);
        bool stopped = cut < text.len;
        size_t safe = stopped ? cut : text.len - stopHold(opt, hgnBufStr(&text), text.len);
        if (safe < emitted) safe = emitted; /* never re-emit or underflow */
        if (!stopped) safe = emitted + hgnUtf8Complete(hgnBufStr(&text) + emitted, safe - emitted);
        if (opt->onText && safe > emitted) opt->onText(opt->onTextCtx, hgnBufStr(&text) + emitted, safe - emitted);
        if (safe > emitted) emitted = safe;
        if (stopped) {
            text.len = cut;
            text.data[cut] = 0;
            reason = "stop";
            break;
        }
        if (nGen == (size_t)opt->maxTokens) break;
        if (hgnRuntimePosition(rt) >= ctx) {
            reason = "context";
            break;
        }
        double t0 = rtArtifactsClock(&art);
        st = hgnRuntimeEval(rt, &t, 1, false, logits);
        rtArtifactsTrace(&art, "decode", t0, rtArtifactsClock(&art), NULL);
        if (nGen % 16 == 0) metricLine(&art, rt, "decode", nGen);
    }
    if (!st && opt->onText && text.len > emitted)
        opt->onText(opt->onTextCtx, hgnBufStr(&text) + emitted, text.len - emitted);
    if (!st) {
        metricLine(&art, rt, "done", nGen);
        HgnRuntimeStats s;
        hgnRuntimeGetStats(rt, &s);
        HGN_DEBUG("runtime", "generated %zu tokens (%s); decode %.2f tokens/s", nGen, reason,
                  s.decodeSeconds > 0 ? (double)s.decodeTokens / s.decodeSeconds : 0.0);
        HgnBuf sum;
        hgnBufInit(&sum);
        hgnBufAppendStr(&sum, "{\"status\":\"complete\",\"model\":");
        const char *mp = hgnRuntimeModelPath(rt);
        hgnBufAppendJsonString(&sum, mp, strlen(mp));
        hgnBufAppendf(&sum,
                      ",\"promptTokens\":%zu,\"generatedTokens\":%zu,\"stopReason\":\"%s\",\"prefillSeconds\":%.6f,"
                      "\"decodeSeconds\":%.6f,\"bytesTransferred\":%llu}\n",
                      nIds, nGen, reason, s.prefillSeconds, s.decodeSeconds, (unsigned long long)s.bytesTransferred);
        st = hgnBufOk(&sum) ? rtArtifactsFinish(&art, hgnBufStr(&sum)) : oom();
        hgnBufFree(&sum);
    }
    if (st) rtArtifactsFail(&art, st);
    rtArtifactsClose(&art);
    hgnSamplerFree(sampler);
    hgnFree(logits);
    if (!st) {
        out->text = hgnBufDetach(&text);
        if (!out->text) out->text = hgnStrdup("");
        out->tokens = gen;
        out->nTokens = nGen;
        out->nPromptTokens = nIds;
        out->stopReason = reason;
        if (!out->text) {
            hgnGenerateResultFree(out);
            st = oom();
        }
    } else {
        hgnFree(gen);
        hgnBufFree(&text);
    }
    hgnFree(ids);
    return st;
}
