/* shapeInferenceRnn.c — shape rules for the recurrent operators RNN, GRU and
 * LSTM (direction, hidden_size, layout 0 = [seq,batch,…], 1 = [batch,seq,…]). */
#include "ir/shapeInferenceInt.h"

#include <string.h>

static HgnStatus rnn(InferCtx *c) {
    const HgnShape *x = inShape(c, 0);
    HgnDtype t = inType(c, 0);
    int64_t hidden = attrInt(c, "hidden_size", -1);
    const char *dir = attrString(c, "direction", "forward");
    int64_t nd = !strcmp(dir, "bidirectional") ? 2 : 1;
    if (strcmp(dir, "forward") && strcmp(dir, "reverse") && strcmp(dir, "bidirectional"))
        return inferFail(c, "unknown direction '%s'", dir);
    int64_t layout = c->opset >= 14 ? attrInt(c, "layout", 0) : 0;
    if (!x) return outAllUnknown(c, t);
    if (x->rank != 3) return inferFail(c, "%s input must be 3-D (got rank %d)", c->node->op, x->rank);
    HgnDim seq = layout ? x->dims[1] : x->dims[0], batch = layout ? x->dims[0] : x->dims[1];
    HgnDim h;
    if (hidden > 0)
        h = dimKnown(hidden);
    else {
        const HgnShape *r = inShape(c, 2); /* R: [nd, gates*hidden, hidden] */
        h = r && r->rank == 3 ? r->dims[2] : dimFresh(c, 0, 3);
    }
    HgnShape y = {.rank = 4}, yh = {.rank = 3};
    if (layout == 0) {
        y.dims[0] = seq, y.dims[1] = dimKnown(nd), y.dims[2] = batch, y.dims[3] = h;
        yh.dims[0] = dimKnown(nd), yh.dims[1] = batch, yh.dims[2] = h;
    } else {
        y.dims[0] = batch, y.dims[1] = seq, y.dims[2] = dimKnown(nd), y.dims[3] = h;
        yh.dims[0] = batch, yh.dims[1] = dimKnown(nd), yh.dims[2] = h;
    }
    HgnStatus st = outSet(c, 0, t, &y);
    if (!st) st = outSet(c, 1, t, &yh);
    if (!st) st = outSet(c, 2, t, &yh); /* LSTM Y_c */
    return st;
}

const InferRule hgnInferRnnRules[] = {{"RNN", 1, rnn}, {"GRU", 1, rnn}, {"LSTM", 1, rnn}, {NULL, 0, NULL}};
