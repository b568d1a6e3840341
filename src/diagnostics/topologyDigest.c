/* topologyDigest.c — the stable topology digest: SHA-256 of the canonical
 * JSON (sorted keys, compact, no "topologyDigest" or "source" members). */
#include <openssl/evp.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "huginn/diagnostics.h"

HgnStatus hgnTopologyDigest(const json_t *topology, char hex[65]) {
    hex[0] = '\0';
    if (!json_is_object(topology))
        return hgnStatusNew(HGN_CODE_InvalidArgument, "topology", NULL, "the topology is not a JSON object");
    json_t *copy = json_copy((json_t *)topology);
    if (!copy) return hgnStatusNew(HGN_CODE_OutOfMemory, "topology", NULL, "cannot copy the topology");
    json_object_del(copy, "topologyDigest");
    json_object_del(copy, "source");
    char *canonical = json_dumps(copy, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(17));
    json_decref(copy);
    if (!canonical) return hgnStatusNew(HGN_CODE_OutOfMemory, "topology", NULL, "cannot serialise the topology");
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdLen = 0;
    int ok = EVP_Digest(canonical, strlen(canonical), md, &mdLen, EVP_sha256(), NULL);
    free(canonical);
    if (!ok || mdLen != 32) return hgnStatusNew(HGN_CODE_InternalError, "topology", NULL, "SHA-256 failed");
    for (unsigned i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return HGN_OK;
}
