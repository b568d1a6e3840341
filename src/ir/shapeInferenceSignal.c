/* shapeInferenceSignal.c — shape rules for the signal operators of opset 17:
 * DFT, STFT and MelWeightMatrix (the window functions live with the tensor
 * rules). Complex values are a trailing dim of 2. */
#include "ir/shapeInferenceInt.h"

static HgnStatus dft(InferCtx *c) {
    const HgnShape *x = inShape(c, 0);
    if (!x) return outSet(c, 0, inType(c, 0), NULL);
    if (x->rank < 2) return inferFail(c, "DFT input needs rank >= 2 (last dim 1 = real, 2 = complex)");
    int32_t axis;
    HgnStatus st = normAxis(c, attrInt(c, "axis", 1), x->rank - 1, &axis);
    if (st) return st;
    HgnShape o = *x;
    HgnDim len = x->dims[axis];
    int64_t n;
    if (inHas(c, 1)) len = inScalarInt(c, 1, &n) ? dimKnown(n) : dimFresh(c, 0, axis);
    if (attrInt(c, "onesided", 0)) len = dimIsKnown(len) ? dimKnown(len.n / 2 + 1) : dimFresh(c, 0, axis);
    o.dims[axis] = len;
    o.dims[o.rank - 1] = dimKnown(2);
    return outSet(c, 0, inType(c, 0), &o);
}

static HgnStatus stft(InferCtx *c) { /* signal [batch, length, 1|2], frame_step, window, frame_length */
    const HgnShape *x = inShape(c, 0);
    if (!x) return outSet(c, 0, inType(c, 0), NULL);
    if (x->rank != 3) return inferFail(c, "STFT signal must be [batch, length, 1 or 2]");
    int64_t step, frameLen = -1;
    const HgnShape *w = inShape(c, 2);
    if (inHas(c, 3) && !inScalarInt(c, 3, &frameLen)) frameLen = -1;
    if (frameLen < 0 && w && w->rank == 1 && dimIsKnown(w->dims[0])) frameLen = w->dims[0].n;
    HgnShape o = {.rank = 4};
    o.dims[0] = x->dims[0];
    if (inScalarInt(c, 1, &step) && step > 0 && frameLen > 0 && dimIsKnown(x->dims[1])) {
        if (x->dims[1].n < frameLen) return inferFail(c, "frame length %lld exceeds the signal", (long long)frameLen);
        o.dims[1] = dimKnown((x->dims[1].n - frameLen) / step + 1);
    } else
        o.dims[1] = dimFresh(c, 0, 1);
    bool onesided = attrInt(c, "onesided", 1) != 0;
    o.dims[2] = frameLen > 0 ? dimKnown(onesided ? frameLen / 2 + 1 : frameLen) : dimFresh(c, 0, 2);
    o.dims[3] = dimKnown(2);
    return outSet(c, 0, inType(c, 0), &o);
}

static HgnStatus melWeightMatrix(InferCtx *c) {
    int64_t bins, dftLen;
    HgnShape o = {.rank = 2};
    o.dims[0] = inScalarInt(c, 1, &dftLen) ? dimKnown(dftLen / 2 + 1) : dimFresh(c, 0, 0);
    o.dims[1] = inScalarInt(c, 0, &bins) ? dimKnown(bins) : dimFresh(c, 0, 1);
    HgnDtype t = HGN_DTYPE_F32;
    int64_t odt = attrInt(c, "output_datatype", 1);
    if (odt == 10) t = HGN_DTYPE_F16;
    if (odt == 11) t = HGN_DTYPE_F64;
    if (odt == 16) t = HGN_DTYPE_BF16;
    return outSet(c, 0, t, &o);
}

const InferRule hgnInferSignalRules[] = {
    {"DFT", 17, dft}, {"STFT", 17, stft}, {"MelWeightMatrix", 17, melWeightMatrix}, {NULL, 0, NULL}};
