/* placeholder */
#include "huginn/ir.h"
HgnStatus hgnGraphInferShapes(HgnGraph *g) { (void)g; return HGN_OK; }
