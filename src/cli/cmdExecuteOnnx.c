/* cmdExecuteOnnx.c — `huginn execute PLAN --inputs DIR [--outputs DIR]` for
 * plans of ONNX models: loads the model the plan names, reads one tensor
 * file per graph input (ONNX TensorProto .pb as in the ONNX test data, or
 * NumPy .npy; matched by tensor name, else by sorted file order), runs the
 * graph with the ONNX executor and writes every output in the inputs'
 * format (output_K.pb, or NAME.npy). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cliOutput.h"
#include "cli/executeOnnx.h"
#include "core/alloc.h"
#include "huginn/onnx.h"
#include "huginn/onnxRuntime.h"

static int cmpStr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static bool endsWith(const char *s, const char *suf) {
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

static char *modelPathOf(const HgnPlan *plan, const char *planPath) {
    if (plan->modelPath[0] == '/' || access(plan->modelPath, F_OK) == 0 || !planPath || !strchr(planPath, '/'))
        return hgnStrdup(plan->modelPath);
    size_t dl = (size_t)(strrchr(planPath, '/') - planPath);
    size_t n = dl + strlen(plan->modelPath) + 2;
    char *path = hgnMalloc(n);
    if (path) snprintf(path, n, "%.*s/%s", (int)dl, planPath, plan->modelPath);
    return path;
}

static HgnStatus readInputs(const char *dir, HgnOnnxTensor **pTs, int32_t *pN, bool *npy) {
    *pTs = NULL;
    *pN = 0;
    *npy = false;
    DIR *d = opendir(dir);
    if (!d)
        return hgnStatusNew(errno == ENOENT ? HGN_CODE_NotFound : HGN_CODE_IoError, dir,
                            "give a folder of .pb or .npy tensor files", "cannot open --inputs folder: %s",
                            strerror(errno));
    char *names[256] = {0};
    int n = 0;
    struct dirent *e;
    HgnStatus st = HGN_OK;
    while ((e = readdir(d))) {
        if (!endsWith(e->d_name, ".pb") && !endsWith(e->d_name, ".npy")) continue;
        if (n == 256) {
            st = hgnStatusNew(HGN_CODE_InvalidInput, dir, NULL, "more than 256 tensor files");
            break;
        }
        names[n] = hgnStrdup(e->d_name);
        if (!names[n]) {
            st = hgnStatusNew(HGN_CODE_OutOfMemory, dir, NULL, "out of memory");
            break;
        }
        n++;
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmpStr);
    HgnOnnxTensor *ts = hgnCalloc((size_t)n + 1, sizeof *ts);
    if (!ts && !st) st = hgnStatusNew(HGN_CODE_OutOfMemory, dir, NULL, "out of memory");
    int32_t k = 0;
    for (int i = 0; i < n && !st; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        bool isNpy = endsWith(names[i], ".npy");
        *npy = *npy || isNpy;
        st = isNpy ? hgnNpyLoad(path, &ts[k]) : hgnOnnxTensorLoad(path, &ts[k]);
        if (st) break;
        if (!ts[k].name || !ts[k].name[0]) { /* name the tensor after its file */
            hgnFree(ts[k].name);
            size_t stem = strlen(names[i]) - (isNpy ? 4 : 3);
            ts[k].name = hgnMalloc(stem + 1);
            if (!ts[k].name)
                st = hgnStatusNew(HGN_CODE_OutOfMemory, dir, NULL, "out of memory");
            else
                snprintf(ts[k].name, stem + 1, "%s", names[i]);
        }
        k++;
    }
    for (int i = 0; i < n; i++) hgnFree(names[i]);
    if (st) {
        hgnOnnxTensorsFree(ts, k + 1);
        return st;
    }
    if (k == 0) {
        hgnFree(ts);
        return hgnStatusNew(HGN_CODE_InvalidInput, dir, "put one .pb or .npy file per graph input there",
                            "the --inputs folder holds no .pb or .npy files");
    }
    *pTs = ts;
    *pN = k;
    return HGN_OK;
}

static void safeName(const char *s, char *out, size_t n) {
    size_t k = 0;
    for (; s[k] && k + 1 < n; k++) {
        char ch = s[k];
        out[k] = (ch == '/' || ch == '\\' || ch == ':' || (unsigned char)ch < 32 || (k == 0 && ch == '.')) ? '_' : ch;
    }
    out[k] = 0;
    if (!k) snprintf(out, n, "output");
}

static void shapeText(const HgnOnnxTensor *t, char *buf, size_t n) {
    size_t k = (size_t)snprintf(buf, n, "[");
    for (int i = 0; i < t->shape.rank && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, "%s%lld", i ? "," : "", (long long)t->shape.dims[i].n);
    if (k < n) snprintf(buf + k, n - k, "]");
}

HgnStatus cliExecuteOnnx(CliContext *ctx, const HgnPlan *plan, const char *planPath) {
    const HgnCliArgs *a = ctx->args;
    static const char *const later[] = {"server", "checkpoint-every", "resume", "inject"};
    for (size_t i = 0; i < sizeof later / sizeof later[0]; i++)
        if (hgnCliArgsHas(a, later[i])) {
            char what[64];
            snprintf(what, sizeof what, "--%s for ONNX plans", later[i]);
            return cliNotBuilt(ctx, what);
        }
    if (hgnCliArgsHas(a, "prompt") || hgnCliArgsHas(a, "prompt-file"))
        return hgnStatusNew(HGN_CODE_UsageError, "--prompt", "give --inputs DIR with one tensor file per graph input",
                            "an ONNX plan takes tensors, not a prompt");
    if (!hgnCliArgsHas(a, "inputs"))
        return hgnStatusNew(HGN_CODE_UsageError, "--inputs", "add --inputs DIR (ONNX .pb or NumPy .npy files)",
                            "an ONNX plan needs --inputs DIR");
    if (!plan->modelPath || !plan->modelPath[0])
        return hgnStatusNew(HGN_CODE_NotFound, planPath, "plan an ONNX file: huginn plan model.onnx --out plan.json",
                            "the plan names no model file");
    int64_t threads = hgnCliArgsHas(a, "threads") ? hgnCliArgsInt(a, "threads", 0)
                                                  : hgnConfigGetInt(ctx->config, "runtime.threads", 0);
    if (threads < 0 || threads > 4096)
        return hgnStatusNew(HGN_CODE_UsageError, "--threads", "use 1 or more threads", "--threads must be 1 or more");
    char *path = modelPathOf(plan, planPath);
    if (!path) return hgnStatusNew(HGN_CODE_OutOfMemory, "execute", NULL, "out of memory");
    HgnGraph *g = NULL;
    HgnOnnxTensor *ins = NULL, *outs = NULL;
    int32_t nIn = 0, nOut = 0;
    bool npy = false;
    HgnStatus st = hgnOnnxLoad(path, &g);
    if (!st) st = readInputs(hgnCliArgsString(a, "inputs", "."), &ins, &nIn, &npy);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (!st) st = hgnOnnxRun(g, ins, nIn, threads > 0 ? (int)threads : 1, &outs, &nOut);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    const char *outDir = hgnCliArgsString(a, "outputs", NULL);
    if (!st && outDir && mkdir(outDir, 0777) != 0 && errno != EEXIST)
        st = hgnStatusNew(HGN_CODE_IoError, outDir, "check the --outputs path", "cannot create the folder: %s",
                          strerror(errno));
    json_t *arr = json_array();
    for (int32_t i = 0; i < nOut && !st; i++) {
        char file[4096] = "", shape[256];
        shapeText(&outs[i], shape, sizeof shape);
        if (outDir) {
            char nm[200];
            safeName(outs[i].name ? outs[i].name : "", nm, sizeof nm);
            if (npy)
                snprintf(file, sizeof file, "%s/%s.npy", outDir, nm);
            else
                snprintf(file, sizeof file, "%s/output_%d.pb", outDir, (int)i);
            st = npy ? hgnNpySave(file, &outs[i]) : hgnOnnxTensorSave(file, &outs[i]);
            if (st) break;
        }
        json_t *o = json_pack("{s:s, s:s, s:s}", "name", outs[i].name ? outs[i].name : "", "dtype",
                              hgnDtypeName(outs[i].dtype), "shape", shape);
        if (outDir) json_object_set_new(o, "file", json_string(file));
        json_array_append_new(arr, o);
        if (!ctx->json) {
            fprintf(ctx->out, "%s %s %s", outs[i].name ? outs[i].name : "", hgnDtypeName(outs[i].dtype), shape);
            if (outDir)
                fprintf(ctx->out, " -> %s", file);
            else if (outs[i].dtype == HGN_DTYPE_F32) {
                uint64_t n = outs[i].bytes / 4;
                fprintf(ctx->out, " =");
                for (uint64_t k = 0; k < n && k < 8; k++)
                    fprintf(ctx->out, " %g", (double)((const float *)outs[i].data)[k]);
                if (n > 8) fprintf(ctx->out, " …");
            }
            fputc('\n', ctx->out);
        }
    }
    if (!st) {
        if (ctx->json) {
            json_t *doc = json_object();
            json_object_set_new(doc, "outputs", arr);
            arr = NULL;
            json_t *m = json_object();
            json_object_set_new(m, "nodes", json_integer(hgnGraphNodeCount(g)));
            json_object_set_new(m, "milliseconds", json_real(ms));
            json_object_set_new(m, "threads", json_integer(threads > 0 ? threads : 1));
            json_object_set_new(doc, "metrics", m);
            st = cliPrintJson(ctx, doc);
        } else
            fprintf(ctx->err, "huginn: ran %d ONNX nodes in %.2f ms; %d outputs%s%s\n", (int)hgnGraphNodeCount(g), ms,
                    (int)nOut, outDir ? " written to " : "", outDir ? outDir : "");
    }
    json_decref(arr);
    hgnOnnxTensorsFree(outs, nOut);
    hgnOnnxTensorsFree(ins, nIn);
    hgnGraphFree(g);
    hgnFree(path);
    return st;
}
