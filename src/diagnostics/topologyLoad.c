/* topologyLoad.c — hwloc topology from this machine or an XML file (see topologyLoad.h). */
#include "diagnostics/topologyLoad.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "huginn/diagnostics.h"
#include "core/strBuf.h"
#include "diagnostics/probeUtil.h"

#define XML_MAX_BYTES (256u << 20)

/* hwloc 3.x OS-device types are bit flags; hwloc 2.x has an enum. */
static int osdevTypeV2(unsigned long v3) {
    if (v3 & 4) return HWLOC_OBJ_OSDEV_GPU;      /* GPU (also set with COPROC for NVML/CUDA) */
    if (v3 & 8) return HWLOC_OBJ_OSDEV_COPROC;   /* COPROC only */
    if (v3 & 16) return HWLOC_OBJ_OSDEV_NETWORK; /* NETWORK */
    if (v3 & 32) return HWLOC_OBJ_OSDEV_OPENFABRICS;
    if (v3 & 64) return HWLOC_OBJ_OSDEV_DMA;
    return HWLOC_OBJ_OSDEV_BLOCK; /* STORAGE, MEMORY */
}

HgnStatus hgnTopologyXmlDowngrade(const char *xml, size_t len, char **out) {
    *out = NULL;
    const char *tag = strstr(xml, "<topology");
    if (!tag || (size_t)(tag - xml) >= len)
        return hgnStatusNew(HGN_CODE_TopologyInvalid, NULL, "export one with `lstopo --of xml FILE`",
                            "not an hwloc topology: no <topology> element");
    const char *gt = strchr(tag, '>');
    const char *ver = strstr(tag, "version=\"");
    if (!gt || !ver || ver > gt) return HGN_OK; /* hwloc 1.x style; let hwloc judge */
    ver += strlen("version=\"");
    if (strncmp(ver, "3.", 2) != 0 || hwloc_get_api_version() >= 0x30000) return HGN_OK;
    HgnBuf b;
    hgnBufInit(&b);
    hgnBufAppend(&b, xml, (size_t)(ver - xml));
    hgnBufAppendStr(&b, "2.0");
    const char *p = strchr(ver, '"');
    if (!p) {
        hgnBufFree(&b);
        return hgnStatusNew(HGN_CODE_TopologyInvalid, NULL, NULL, "unterminated version attribute");
    }
    static const char attr[] = "osdev_type=\"";
    for (const char *q; (q = strstr(p, attr)) != NULL;) {
        q += strlen(attr);
        hgnBufAppend(&b, p, (size_t)(q - p));
        char *end;
        unsigned long v = strtoul(q, &end, 10);
        if (end == q || *end != '"') { /* not a number: copy as is, hwloc will judge */
            p = q;
            continue;
        }
        hgnBufAppendf(&b, "%d", osdevTypeV2(v));
        p = end;
    }
    hgnBufAppendStr(&b, p);
    if (!hgnBufOk(&b)) {
        hgnBufFree(&b);
        return hgnStatusNew(HGN_CODE_OutOfMemory, NULL, NULL, "cannot rewrite the topology XML");
    }
    *out = hgnBufDetach(&b);
    return HGN_OK;
}

static HgnStatus readXml(const char *path, char **text, size_t *len) {
    struct stat st;
    if (stat(path, &st) != 0) {
        int e = errno;
        return hgnStatusNew(e == ENOENT ? HGN_CODE_NotFound : HGN_CODE_IoError, path,
                            "export a topology with `lstopo --of xml FILE`", "cannot open the topology XML: %s",
                            strerror(e));
    }
    if (!S_ISREG(st.st_mode))
        return hgnStatusNew(HGN_CODE_TopologyInvalid, path, NULL, "the topology XML is not a regular file");
    if ((uint64_t)st.st_size > XML_MAX_BYTES)
        return hgnStatusNew(HGN_CODE_TopologyInvalid, path, NULL, "the topology XML is larger than %u MiB",
                            XML_MAX_BYTES >> 20);
    if (!hgnDiagReadSmallFile(path, XML_MAX_BYTES, text))
        return hgnStatusNew(errno == ENOMEM ? HGN_CODE_OutOfMemory : HGN_CODE_IoError, path, NULL,
                            "cannot read the topology XML: %s", strerror(errno));
    *len = strlen(*text);
    if (*len != (size_t)st.st_size) {
        hgnFree(*text);
        *text = NULL;
        return hgnStatusNew(HGN_CODE_TopologyInvalid, path, NULL, "the topology XML contains a NUL byte");
    }
    return HGN_OK;
}

void hgnDiagnosticsProcessInit(void) {
    setenv("HWLOC_PLUGINS_BLACKLIST", "hwloc_opencl,hwloc_gl", 0); /* 0: a user's setting wins */
}

/* hwloc unloads its plugins (and with them libpciaccess, whose state then
 * looks leaked) whenever the last topology is destroyed. One empty topology
 * kept for the life of the process keeps them loaded: the plugins are loaded
 * once instead of per call and their state stays reachable. */
static pthread_once_t keeperOnce = PTHREAD_ONCE_INIT;
static hwloc_topology_t keeper;
static void keepPluginsLoaded(void) {
    if (hwloc_topology_init(&keeper) != 0) keeper = NULL;
}

HgnStatus hgnTopologyOpen(const char *xmlPath, hwloc_topology_t *topo) {
    *topo = NULL;
    pthread_once(&keeperOnce, keepPluginsLoaded);
    char *text = NULL;
    size_t len = 0;
    if (xmlPath) {
        HgnStatus st = readXml(xmlPath, &text, &len);
        if (st) return st;
        char *rewritten = NULL;
        st = hgnTopologyXmlDowngrade(text, len, &rewritten);
        if (st) {
            hgnFree(text);
            return hgnStatusSetWhere(st, xmlPath);
        }
        if (rewritten) {
            hgnFree(text);
            text = rewritten;
            len = strlen(text);
        }
    }
    hwloc_topology_t t;
    if (hwloc_topology_init(&t) != 0) {
        hgnFree(text);
        return hgnStatusNew(HGN_CODE_OutOfMemory, "hwloc", NULL, "hwloc_topology_init failed");
    }
    hwloc_topology_set_io_types_filter(t, xmlPath ? HWLOC_TYPE_FILTER_KEEP_ALL : HWLOC_TYPE_FILTER_KEEP_IMPORTANT);
    /* GPUs come from NVML and the PCI tree: no OpenCL or GL device discovery (it may start a GPU
     * driver context, or reach for an X display). hgnDiagnosticsProcessInit keeps the plugins unloaded. */
    hwloc_topology_set_components(t, HWLOC_TOPOLOGY_COMPONENTS_FLAG_BLACKLIST, "opencl");
    hwloc_topology_set_components(t, HWLOC_TOPOLOGY_COMPONENTS_FLAG_BLACKLIST, "gl");
    if (xmlPath && hwloc_topology_set_xmlbuffer(t, text, (int)len + 1) != 0) {
        int e = errno;
        hwloc_topology_destroy(t);
        hgnFree(text);
        return hgnStatusNew(HGN_CODE_TopologyInvalid, xmlPath, "check that the file is an hwloc XML export",
                            "hwloc rejected the topology XML: %s", strerror(e));
    }
    if (hwloc_topology_load(t) != 0) {
        int e = errno;
        hwloc_topology_destroy(t);
        hgnFree(text);
        if (xmlPath)
            return hgnStatusNew(HGN_CODE_TopologyInvalid, xmlPath,
                                "check that the file is a complete hwloc XML export (lstopo --of xml)",
                                "hwloc could not load the topology XML: %s", strerror(e));
        return hgnStatusNew(HGN_CODE_DeviceQueryFailed, "hwloc", NULL, "hwloc could not read this machine: %s",
                            strerror(e));
    }
    hgnFree(text);
    *topo = t;
    return HGN_OK;
}
