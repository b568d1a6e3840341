/* shapeInferenceMatmul.c — shape rules for MatMul (numpy semantics incl. 1-D
 * promotion and batch broadcasting), Gemm, MatMulInteger, QLinearMatMul and
 * Einsum (explicit and implicit output, ellipsis). */
#include "ir/shapeInferenceInt.h"

#include <string.h>

HgnStatus inferMatmulShape(InferCtx *c, const HgnShape *a, const HgnShape *b, HgnShape *out) {
    if (a->rank == 0 || b->rank == 0) return inferFail(c, "MatMul inputs must have rank >= 1");
    HgnShape A = *a, B = *b;
    bool padA = false, padB = false;
    if (A.rank == 1) { /* [K] → [1,K] */
        A.rank = 2;
        A.dims[1] = A.dims[0];
        A.dims[0] = dimKnown(1);
        padA = true;
    }
    if (B.rank == 1) { /* [K] → [K,1] */
        B.rank = 2;
        B.dims[1] = dimKnown(1);
        padB = true;
    }
    HgnDim ka = A.dims[A.rank - 1], kb = B.dims[B.rank - 2];
    if (dimIsKnown(ka) && dimIsKnown(kb) && ka.n != kb.n)
        return inferFail(c, "MatMul inner dimensions differ (%lld vs %lld)", (long long)ka.n, (long long)kb.n);
    HgnShape ba = A, bb = B, batch;
    ba.rank -= 2;
    bb.rank -= 2;
    HgnStatus st = broadcast(c, &ba, &bb, &batch);
    if (st) return st;
    *out = batch;
    if (!padA) out->dims[out->rank++] = A.dims[A.rank - 2];
    if (!padB) out->dims[out->rank++] = B.dims[B.rank - 1];
    return HGN_OK;
}

static HgnStatus matmul(InferCtx *c) {
    const HgnShape *a = inShape(c, 0), *b = inShape(c, 1);
    HgnDtype t = inType(c, 0);
    if (!strcmp(c->node->op, "MatMulInteger")) t = HGN_DTYPE_I32;
    if (!a || !b) return outSet(c, 0, t, NULL);
    HgnShape o;
    HgnStatus st = inferMatmulShape(c, a, b, &o);
    if (st) return st;
    return outSet(c, 0, t, &o);
}

static HgnStatus qlinearMatmul(InferCtx *c) { /* a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp */
    const HgnShape *a = inShape(c, 0), *b = inShape(c, 3);
    HgnDtype t = inHas(c, 7) ? inType(c, 7) : HGN_DTYPE_U8;
    if (!a || !b) return outSet(c, 0, t, NULL);
    HgnShape o;
    HgnStatus st = inferMatmulShape(c, a, b, &o);
    if (st) return st;
    return outSet(c, 0, t, &o);
}

static HgnStatus gemm(InferCtx *c) {
    const HgnShape *a = inShape(c, 0), *b = inShape(c, 1);
    if (!a || !b) return outSet(c, 0, inType(c, 0), NULL);
    if (a->rank != 2 || b->rank != 2)
        return inferFail(c, "Gemm inputs must be 2-D (got ranks %d and %d)", a->rank, b->rank);
    bool ta = attrInt(c, "transA", 0) != 0, tb = attrInt(c, "transB", 0) != 0;
    HgnDim m = a->dims[ta ? 1 : 0], ka = a->dims[ta ? 0 : 1];
    HgnDim kb = b->dims[tb ? 1 : 0], n = b->dims[tb ? 0 : 1];
    if (dimIsKnown(ka) && dimIsKnown(kb) && ka.n != kb.n)
        return inferFail(c, "Gemm inner dimensions differ (%lld vs %lld)", (long long)ka.n, (long long)kb.n);
    HgnShape o = {.rank = 2};
    o.dims[0] = m;
    o.dims[1] = n;
    return outSet(c, 0, inType(c, 0), &o);
}

/* Einsum: "ij,jk->ik", "...ii->...i", implicit output (letters used once, sorted). */
static HgnStatus einsum(InferCtx *c) {
    const char *eq = attrString(c, "equation", NULL);
    if (!eq) return inferFail(c, "Einsum needs attribute 'equation'");
    HgnDim letter[52];
    bool seen[52] = {false};
    int count[52] = {0};
    HgnShape ell = {.rank = -1};
    const char *p = eq;
    int k = 0;
    char term[128];
    for (;;) {
        size_t len = strcspn(p, ",-");
        if (len >= sizeof term) return inferFail(c, "Einsum equation term too long");
        memcpy(term, p, len);
        term[len] = 0;
        if (k >= c->node->nInputs) return inferFail(c, "Einsum equation has more terms than inputs");
        const HgnShape *s = inShape(c, k);
        if (!s) return outSet(c, 0, inType(c, 0), NULL);
        int nLetters = 0;
        bool hasEll = strstr(term, "...") != NULL;
        for (char *q = term; *q; q++)
            if ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z')) nLetters++;
        int ellRank = hasEll ? s->rank - nLetters : 0;
        if (ellRank < 0 || (!hasEll && nLetters != s->rank))
            return inferFail(c, "Einsum term '%s' does not match input %d of rank %d", term, k, s->rank);
        int axis = 0;
        for (char *q = term; *q;) {
            if (!strncmp(q, "...", 3)) {
                HgnShape e = {.rank = ellRank};
                for (int i = 0; i < ellRank; i++) e.dims[i] = s->dims[axis + i];
                if (ell.rank < 0)
                    ell = e;
                else {
                    HgnShape o;
                    HgnStatus st = broadcast(c, &ell, &e, &o);
                    if (st) return st;
                    ell = o;
                }
                axis += ellRank;
                q += 3;
                continue;
            }
            int idx = (*q >= 'a' && *q <= 'z') ? *q - 'a' : (*q >= 'A' && *q <= 'Z') ? 26 + *q - 'A' : -1;
            if (idx >= 0) {
                HgnDim d = s->dims[axis++];
                if (!seen[idx] || (dimIsKnown(letter[idx]) && letter[idx].n == 1)) letter[idx] = d;
                seen[idx] = true;
                count[idx]++;
            } else if (*q != ' ')
                return inferFail(c, "Einsum equation has invalid character '%c'", *q);
            q++;
        }
        k++;
        p += len;
        if (*p == ',') {
            p++;
            continue;
        }
        break;
    }
    HgnShape o = {.rank = 0};
    if (!strncmp(p, "->", 2)) {
        for (const char *q = p + 2; *q;) {
            if (!strncmp(q, "...", 3)) {
                for (int i = 0; ell.rank > 0 && i < ell.rank; i++) o.dims[o.rank++] = ell.dims[i];
                q += 3;
                continue;
            }
            int idx = (*q >= 'a' && *q <= 'z') ? *q - 'a' : (*q >= 'A' && *q <= 'Z') ? 26 + *q - 'A' : -1;
            if (idx >= 0) {
                if (!seen[idx]) return inferFail(c, "Einsum output letter '%c' is not in any input", *q);
                if (o.rank >= HGN_MAX_RANK) return inferFail(c, "Einsum output rank too large");
                o.dims[o.rank++] = letter[idx];
            }
            q++;
        }
    } else {
        for (int i = 0; ell.rank > 0 && i < ell.rank; i++) o.dims[o.rank++] = ell.dims[i];
        for (int j = 0; j < 52; j++) { /* ASCII order: upper case first */
            int idx = j < 26 ? 26 + j : j - 26;
            if (count[idx] == 1 && o.rank < HGN_MAX_RANK) o.dims[o.rank++] = letter[idx];
        }
    }
    return outSet(c, 0, inType(c, 0), &o);
}

const InferRule hgnInferMatmulRules[] = {
    {"MatMul", 1, matmul}, {"MatMulInteger", 10, matmul}, {"QLinearMatMul", 10, qlinearMatmul},
    {"Gemm", 1, gemm},     {"Einsum", 12, einsum},        {NULL, 0, NULL}};
