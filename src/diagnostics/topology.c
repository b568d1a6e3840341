/* topology.c — hwloc topology → topology JSON with links and a device matrix (see topology.h).
 *
 * Figures and their sources:
 *   - PCIe link bandwidth: hwloc's measured link speed of the GPU's PCI
 *     device ("hwloc"), else NVML's current generation × width through the
 *     per-lane rates of the PCIe specification ("profile").
 *   - NVLink bandwidth: hwloc's NVLinkBandwidth distances matrix, MB/s per
 *     direction ("hwloc"), else NVML's active links × the per-link rate of
 *     the GPU generation ("profile").
 *   - Latencies: fixed per path kind ("profile"); nothing is timed here, so
 *     no entry is "measured" yet (a CUDA backend will add those). */
#include "diagnostics/topology.h"

#include <hwloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "diagnostics/probeUtil.h"
#include "diagnostics/topologyLoad.h"
#include "huginn/deviceProfile.h"
#include "huginn/diagnostics.h"

#define MAX_SWITCHES 256

typedef struct TopoGpu {
    hwloc_obj_t pci; /* NULL for a GPU only NVML sees */
    int index;
    char name[128];
    char uuid[96];
    char bus[16];
    int numa;          /* NUMA node os_index, -1 unknown */
    int package;       /* package os_index, -1 unknown */
    int64_t uplinkBps; /* PCIe link to the host, bytes/s per direction */
    const char *uplinkSource;
    int64_t memoryBytes;
    const char *memorySource;
    const char *profileId; /* device profile matched by name (NULL: none) */
    int64_t nvSwitchBps;   /* NVLink bandwidth into NVSwitches */
    const char *nvSwitchSource;
    int64_t cpuNvBps; /* NVLink bandwidth to a CPU package (POWER) */
    int cpuNvPackage;
    bool hwlocNvlink;   /* hwloc's matrix mentions this GPU */
    const json_t *nvml; /* NVML entry with the same bus id (borrowed) */
} TopoGpu;

typedef struct Topo {
    hwloc_topology_t t;
    bool live;
    TopoGpu *gpus;
    size_t nGpus;
    int64_t *direct; /* nGpus × nGpus direct NVLink bytes/s */
    const char **directSource;
    char switches[MAX_SWITCHES][16];
    int switchNuma[MAX_SWITCHES];
    size_t nSwitches;
    HgnJsonBuild jb;
    json_t *links;
} Topo;

/* ---- helpers ---------------------------------------------------------------- */

static void busOf(hwloc_obj_t o, char out[16]) {
    const struct hwloc_pcidev_attr_s *p =
        o->type == HWLOC_OBJ_BRIDGE ? &o->attr->bridge.upstream.pci : &o->attr->pcidev;
    snprintf(out, 16, "%04x:%02x:%02x.%x", p->domain, p->bus, p->dev, p->func);
}

static int numaOf(hwloc_topology_t t, hwloc_obj_t o) {
    hwloc_obj_t anc = hwloc_get_non_io_ancestor_obj(t, o);
    if (!anc || !anc->nodeset || hwloc_bitmap_weight(anc->nodeset) != 1) return -1;
    return hwloc_bitmap_first(anc->nodeset);
}

static int packageOf(hwloc_topology_t t, hwloc_obj_t o) {
    for (hwloc_obj_t a = hwloc_get_non_io_ancestor_obj(t, o); a; a = a->parent)
        if (a->type == HWLOC_OBJ_PACKAGE) return (int)a->os_index;
    return -1;
}

static bool isNvSwitch(hwloc_obj_t o) {
    return o->type == HWLOC_OBJ_PCI_DEVICE && o->subtype && strcmp(o->subtype, "NVSwitch") == 0;
}

/* A display-class PCI device of a compute GPU vendor (NVIDIA, AMD): server
 * BMC graphics (ASPEED, Matrox) and integrated graphics are not GPUs to plan on. */
static bool isGpuPci(hwloc_obj_t o) {
    if (o->type != HWLOC_OBJ_PCI_DEVICE || (o->attr->pcidev.class_id >> 8) != 0x03 || isNvSwitch(o)) return false;
    return o->attr->pcidev.vendor_id == 0x10de || o->attr->pcidev.vendor_id == 0x1002;
}

static bool isHostBridge(hwloc_obj_t o) {
    return o && o->type == HWLOC_OBJ_BRIDGE && o->attr->bridge.upstream_type == HWLOC_OBJ_BRIDGE_HOST;
}

static int64_t gbpsToBps(float gbps) { return gbps > 0 ? (int64_t)((double)gbps * 1e9 + 0.5) : 0; }

/* PCIe per-lane payload rate per direction, bytes/s (PCIe 1.0 … 6.0 specifications). */
static int64_t pcieBps(int gen, int width) {
    static const double perLane[] = {0, 0.25e9, 0.5e9, 0.985e9, 1.969e9, 3.938e9, 7.563e9};
    if (gen < 1 || gen > 6 || width < 1) return 0;
    return (int64_t)(perLane[gen] * width);
}

/* NVLink rate per link per direction for a compute capability "M.m". */
static int64_t nvlinkPerLinkBps(const char *cc) {
    int major = cc ? atoi(cc) : 0;
    if (major == 6) return 20000000000;  /* NVLink 1 (P100) */
    if (major >= 10) return 50000000000; /* NVLink 5 (Blackwell) */
    return 25000000000;                  /* NVLink 2–4 (V100, A100, H100) */
}

static int64_t latencyNs(const char *path) {
    static const struct {
        const char *path;
        int64_t ns;
    } table[] = {
        {"nvlink", 2000},   {"nvswitch", 2500},         {"pcieSwitch", 5000},
        {"pcieHost", 8000}, {"pcieCrossSocket", 12000}, {"pcie", 8000},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i].path, path) == 0) return table[i].ns;
    return 10000;
}

static TopoGpu *gpuByPci(Topo *tp, hwloc_obj_t o) {
    for (size_t i = 0; i < tp->nGpus; i++)
        if (tp->gpus[i].pci == o) return &tp->gpus[i];
    return NULL;
}

static TopoGpu *gpuByBus(Topo *tp, const char *bus) {
    for (size_t i = 0; i < tp->nGpus; i++)
        if (bus && strcmp(tp->gpus[i].bus, bus) == 0) return &tp->gpus[i];
    return NULL;
}

static int switchIndex(Topo *tp, const char *bus, int numa) {
    for (size_t i = 0; i < tp->nSwitches; i++)
        if (strcmp(tp->switches[i], bus) == 0) return (int)i;
    if (tp->nSwitches >= MAX_SWITCHES) return -1;
    snprintf(tp->switches[tp->nSwitches], 16, "%s", bus);
    tp->switchNuma[tp->nSwitches] = numa;
    return (int)tp->nSwitches++;
}

static void addLink(Topo *tp, const char *from, const char *to, int64_t bps, int nLinks, const char *source) {
    HgnJsonBuild *jb = &tp->jb;
    json_t *l = hgnJbObject(jb);
    hgnJbSetStr(jb, l, "from", from);
    hgnJbSetStr(jb, l, "to", to);
    hgnJbSetStr(jb, l, "type", "nvlink");
    hgnJbSetInt(jb, l, "bandwidthBytesPerSec", bps);
    if (nLinks > 0) hgnJbSetInt(jb, l, "links", nLinks);
    hgnJbSetStr(jb, l, "source", source);
    hgnJbAppend(jb, tp->links, l);
}

/* ---- GPUs -------------------------------------------------------------------- */

static int cmpGpuBus(const void *a, const void *b) {
    return strcmp(((const TopoGpu *)a)->bus, ((const TopoGpu *)b)->bus);
}
static int cmpGpuIndex(const void *a, const void *b) {
    return ((const TopoGpu *)a)->index - ((const TopoGpu *)b)->index;
}

static const json_t *nvmlByBus(const json_t *nvmlGpus, const char *bus) {
    size_t i;
    const json_t *g;
    json_array_foreach(nvmlGpus, i, g) {
        const char *b = json_string_value(json_object_get(g, "pciBusId"));
        if (b && strcmp(b, bus) == 0) return g;
    }
    return NULL;
}

static void fillFromNvml(TopoGpu *g, const json_t *n) {
    g->nvml = n;
    json_t *idx = json_object_get(n, "index");
    if (json_is_integer(idx)) g->index = (int)json_integer_value(idx);
    const char *name = json_string_value(json_object_get(n, "name"));
    if (name) snprintf(g->name, sizeof g->name, "%s", name);
    const char *uuid = json_string_value(json_object_get(n, "uuid"));
    if (uuid) snprintf(g->uuid, sizeof g->uuid, "%s", uuid);
    json_int_t mem = json_integer_value(json_object_get(n, "memoryTotalBytes"));
    if (mem > 0) {
        g->memoryBytes = mem;
        g->memorySource = "nvml";
    }
    if (g->uplinkBps == 0) {
        int64_t bps = pcieBps((int)json_integer_value(json_object_get(n, "pcieGeneration")),
                              (int)json_integer_value(json_object_get(n, "pcieWidth")));
        if (bps > 0) {
            g->uplinkBps = bps;
            g->uplinkSource = "profile";
        }
    }
}

static HgnStatus collectGpus(Topo *tp, const json_t *nvmlGpus) {
    size_t cap = 0;
    for (hwloc_obj_t o = hwloc_get_next_pcidev(tp->t, NULL); o; o = hwloc_get_next_pcidev(tp->t, o)) {
        if (isNvSwitch(o)) {
            char bus[16];
            busOf(o, bus);
            switchIndex(tp, bus, numaOf(tp->t, o));
        }
        if (isGpuPci(o)) cap++;
    }
    cap += json_array_size(nvmlGpus);
    tp->gpus = hgnCalloc(cap ? cap : 1, sizeof *tp->gpus);
    if (!tp->gpus) return hgnStatusNew(HGN_CODE_OutOfMemory, "topology", NULL, "cannot list GPUs");
    for (hwloc_obj_t o = hwloc_get_next_pcidev(tp->t, NULL); o; o = hwloc_get_next_pcidev(tp->t, o)) {
        if (!isGpuPci(o)) continue;
        TopoGpu *g = &tp->gpus[tp->nGpus++];
        g->pci = o;
        g->index = -1;
        g->cpuNvPackage = -1;
        busOf(o, g->bus);
        g->numa = numaOf(tp->t, o);
        g->package = packageOf(tp->t, o);
        g->uplinkBps = gbpsToBps(o->attr->pcidev.linkspeed);
        g->uplinkSource = g->uplinkBps ? "hwloc" : NULL;
        g->memorySource = "unknown";
        for (hwloc_obj_t c = o->io_first_child; c; c = c->next_sibling) {
            if (c->type != HWLOC_OBJ_OS_DEVICE) continue;
            const char *model = hwloc_obj_get_info_by_name(c, "GPUModel");
            if (model && !g->name[0]) snprintf(g->name, sizeof g->name, "%s", model);
            const char *uuid = hwloc_obj_get_info_by_name(c, "NVIDIAUUID");
            if (uuid && !g->uuid[0]) snprintf(g->uuid, sizeof g->uuid, "%s", uuid);
            int n;
            if (c->name && (sscanf(c->name, "nvml%d", &n) == 1 || (g->index < 0 && sscanf(c->name, "cuda%d", &n) == 1)))
                g->index = n;
        }
        if (!g->name[0]) {
            const char *dev = hwloc_obj_get_info_by_name(o, "PCIDevice");
            if (dev)
                snprintf(g->name, sizeof g->name, "%s", dev);
            else
                snprintf(g->name, sizeof g->name, "PCI %04x:%04x", o->attr->pcidev.vendor_id,
                         o->attr->pcidev.device_id);
        }
        const json_t *n = nvmlByBus(nvmlGpus, g->bus);
        const char *state = n ? json_string_value(json_object_get(n, "state")) : NULL;
        if (state && strcmp(state, "ok") != 0) { /* lost: not a device to plan on */
            memset(g, 0, sizeof *g);
            tp->nGpus--;
            continue;
        }
        if (n) fillFromNvml(g, n);
    }
    /* This machine: GPUs NVML answers for but hwloc cannot see (no PCI in sysfs). */
    if (tp->live) {
        size_t i;
        const json_t *n;
        json_array_foreach(nvmlGpus, i, n) {
            const char *bus = json_string_value(json_object_get(n, "pciBusId"));
            const char *state = json_string_value(json_object_get(n, "state"));
            if (!bus || (state && strcmp(state, "ok") != 0) || gpuByBus(tp, bus)) continue;
            TopoGpu *g = &tp->gpus[tp->nGpus++];
            g->index = -1;
            g->numa = g->package = g->cpuNvPackage = -1;
            snprintf(g->bus, sizeof g->bus, "%s", bus);
            g->memorySource = "unknown";
            fillFromNvml(g, n);
        }
    }
    /* Indices: keep the driver's (nvmlN/cudaN/NVML), give the rest the lowest free ones in bus order. */
    qsort(tp->gpus, tp->nGpus, sizeof *tp->gpus, cmpGpuBus);
    for (size_t i = 0; i < tp->nGpus; i++)
        for (size_t j = 0; j < i; j++)
            if (tp->gpus[i].index >= 0 && tp->gpus[i].index == tp->gpus[j].index) tp->gpus[i].index = -1;
    for (size_t i = 0; i < tp->nGpus; i++) {
        if (tp->gpus[i].index >= 0) continue;
        for (int cand = 0;; cand++) {
            bool used = false;
            for (size_t j = 0; j < tp->nGpus && !used; j++) used = tp->gpus[j].index == cand;
            if (!used) {
                tp->gpus[i].index = cand;
                break;
            }
        }
    }
    qsort(tp->gpus, tp->nGpus, sizeof *tp->gpus, cmpGpuIndex);
    for (size_t i = 0; i < tp->nGpus; i++) {
        TopoGpu *g = &tp->gpus[i];
        const HgnDeviceProfile *p = g->name[0] ? hgnDeviceProfileMatch(g->name, (uint64_t)g->memoryBytes) : NULL;
        if (p && p->kind != HGN_DEVICE_GPU) p = NULL;
        g->profileId = p ? p->id : NULL;
        if (p && strcmp(g->memorySource, "unknown") == 0 && p->memoryBytes > 0) {
            g->memoryBytes = (int64_t)p->memoryBytes;
            g->memorySource = "profile";
        }
        if (!g->uplinkSource) { /* neither hwloc nor NVML know the link: the profile's, else Gen4 x16 */
            g->uplinkBps = p ? pcieBps(p->pcieGen, p->pcieWidth) : 0;
            if (!g->uplinkBps) g->uplinkBps = pcieBps(4, 16);
            g->uplinkSource = "profile";
        }
    }
    size_t nn = tp->nGpus ? tp->nGpus : 1;
    tp->direct = hgnCalloc(nn * nn, sizeof *tp->direct);
    tp->directSource = hgnCalloc(nn * nn, sizeof *tp->directSource);
    if (!tp->direct || !tp->directSource)
        return hgnStatusNew(HGN_CODE_OutOfMemory, "topology", NULL, "cannot size the link matrix");
    return HGN_OK;
}

/* ---- NVLink ---------------------------------------------------------------- */

typedef struct Endpoint {
    char name[48];
    TopoGpu *gpu;
    int switchIdx;
    int package;
} Endpoint;

static bool endpointOf(Topo *tp, hwloc_obj_t o, Endpoint *e) {
    memset(e, 0, sizeof *e);
    e->switchIdx = e->package = -1;
    if (o->type == HWLOC_OBJ_OS_DEVICE && o->parent) o = o->parent;
    if (o->type == HWLOC_OBJ_PCI_DEVICE) {
        if ((e->gpu = gpuByPci(tp, o)) != NULL) {
            snprintf(e->name, sizeof e->name, "gpu:%d", e->gpu->index);
            return true;
        }
        if (isNvSwitch(o)) {
            char bus[16];
            busOf(o, bus);
            e->switchIdx = switchIndex(tp, bus, numaOf(tp->t, o));
            snprintf(e->name, sizeof e->name, "nvswitch:%s", bus);
            return e->switchIdx >= 0;
        }
        return false;
    }
    if (o->type == HWLOC_OBJ_PACKAGE) {
        e->package = (int)o->os_index;
        snprintf(e->name, sizeof e->name, "cpu:%u", o->os_index);
        return true;
    }
    return false;
}

static void nvlinkFromHwloc(Topo *tp) {
    struct hwloc_distances_s *dist[8];
    unsigned nr = 8;
    if (hwloc_distances_get_by_name(tp->t, "NVLinkBandwidth", &nr, dist, 0) != 0) return;
    for (unsigned d = 0; d < nr; d++) {
        unsigned n = dist[d]->nbobjs;
        for (unsigned i = 0; i < n; i++) {
            for (unsigned j = i + 1; j < n; j++) {
                hwloc_uint64_t v = dist[d]->values[i * n + j], w = dist[d]->values[j * n + i];
                if (w > v) v = w;
                if (v == 0 || !dist[d]->objs[i] || !dist[d]->objs[j]) continue;
                Endpoint a, b;
                if (!endpointOf(tp, dist[d]->objs[i], &a) || !endpointOf(tp, dist[d]->objs[j], &b)) continue;
                int64_t bps = (int64_t)v * 1000000; /* MB/s */
                addLink(tp, a.name, b.name, bps, 0, "hwloc");
                if (a.gpu && b.gpu) {
                    size_t ia = (size_t)(a.gpu - tp->gpus), ib = (size_t)(b.gpu - tp->gpus);
                    tp->direct[ia * tp->nGpus + ib] += bps;
                    tp->direct[ib * tp->nGpus + ia] += bps;
                    tp->directSource[ia * tp->nGpus + ib] = tp->directSource[ib * tp->nGpus + ia] = "hwloc";
                }
                for (int k = 0; k < 2; k++) {
                    Endpoint *g = k ? &b : &a, *other = k ? &a : &b;
                    if (!g->gpu) continue;
                    g->gpu->hwlocNvlink = true;
                    if (other->switchIdx >= 0) {
                        g->gpu->nvSwitchBps += bps;
                        g->gpu->nvSwitchSource = "hwloc";
                    } else if (other->package >= 0) {
                        g->gpu->cpuNvBps += bps;
                        g->gpu->cpuNvPackage = other->package;
                    }
                }
            }
        }
        hwloc_distances_release(tp->t, dist[d]);
    }
}

/* NVLink from NVML's per-link remote PCI ids, for GPUs hwloc said nothing about. */
static void nvlinkFromNvml(Topo *tp) {
    for (size_t i = 0; i < tp->nGpus; i++) {
        TopoGpu *g = &tp->gpus[i];
        if (!g->nvml || g->hwlocNvlink) continue;
        json_t *links = json_object_get(json_object_get(g->nvml, "nvlink"), "links");
        int64_t perLink = nvlinkPerLinkBps(json_string_value(json_object_get(g->nvml, "computeCapability")));
        int perSwitch[MAX_SWITCHES] = {0};
        int *perGpu = hgnCalloc(tp->nGpus ? tp->nGpus : 1, sizeof *perGpu);
        if (!perGpu) {
            tp->jb.failed = true;
            return;
        }
        size_t li;
        json_t *l;
        json_array_foreach(links, li, l) {
            const char *remote = json_string_value(json_object_get(l, "remotePciBusId"));
            if (!remote) continue;
            TopoGpu *peer = gpuByBus(tp, remote);
            if (peer && peer != g) {
                perGpu[peer - tp->gpus]++;
            } else if (!peer) {
                int s = switchIndex(tp, remote, -1);
                if (s >= 0) perSwitch[s]++;
            }
        }
        for (size_t j = 0; j < tp->nGpus; j++) {
            if (!perGpu[j]) continue;
            int64_t bps = perGpu[j] * perLink;
            if (j > i) {
                char from[32], to[32];
                snprintf(from, sizeof from, "gpu:%d", g->index);
                snprintf(to, sizeof to, "gpu:%d", tp->gpus[j].index);
                addLink(tp, from, to, bps, perGpu[j], "profile");
            }
            if (bps > tp->direct[i * tp->nGpus + j]) {
                tp->direct[i * tp->nGpus + j] = tp->direct[j * tp->nGpus + i] = bps;
                tp->directSource[i * tp->nGpus + j] = tp->directSource[j * tp->nGpus + i] = "profile";
            }
        }
        for (size_t s = 0; s < tp->nSwitches; s++) {
            if (!perSwitch[s]) continue;
            char from[32], to[48];
            snprintf(from, sizeof from, "gpu:%d", g->index);
            snprintf(to, sizeof to, "nvswitch:%s", tp->switches[s]);
            addLink(tp, from, to, perSwitch[s] * perLink, perSwitch[s], "profile");
            g->nvSwitchBps += perSwitch[s] * perLink;
            g->nvSwitchSource = "profile";
        }
        hgnFree(perGpu);
    }
}

/* ---- JSON sections ------------------------------------------------------------ */

static json_t *numaJson(Topo *tp) {
    HgnJsonBuild *jb = &tp->jb;
    json_t *arr = hgnJbArray(jb);
    int n = hwloc_get_nbobjs_by_type(tp->t, HWLOC_OBJ_NUMANODE);
    for (int i = 0; i < n; i++) {
        hwloc_obj_t node = hwloc_get_obj_by_type(tp->t, HWLOC_OBJ_NUMANODE, (unsigned)i);
        json_t *o = hgnJbObject(jb);
        hgnJbSetInt(jb, o, "index", node->os_index);
        hgnJbSetInt(jb, o, "memoryBytes", (int64_t)node->attr->numanode.local_memory);
        int cores = node->cpuset ? hwloc_get_nbobjs_inside_cpuset_by_type(tp->t, node->cpuset, HWLOC_OBJ_CORE) : 0;
        int pus = node->cpuset ? hwloc_get_nbobjs_inside_cpuset_by_type(tp->t, node->cpuset, HWLOC_OBJ_PU) : 0;
        hgnJbSetInt(jb, o, "cores", cores > 0 ? cores : 0);
        hgnJbSetInt(jb, o, "pus", pus > 0 ? pus : 0);
        int pkg = -1;
        for (hwloc_obj_t a = node->parent; a; a = a->parent)
            if (a->type == HWLOC_OBJ_PACKAGE) {
                pkg = (int)a->os_index;
                break;
            }
        hgnJbSet(jb, o, "package", pkg >= 0 ? json_integer(pkg) : json_null());
        json_t *gpus = hgnJbArray(jb);
        for (size_t g = 0; g < tp->nGpus; g++)
            if (tp->gpus[g].numa == (int)node->os_index) hgnJbAppend(jb, gpus, json_integer(tp->gpus[g].index));
        hgnJbSet(jb, o, "gpus", gpus);
        hgnJbAppend(jb, arr, o);
    }
    return arr;
}

static json_t *packagesJson(Topo *tp) {
    HgnJsonBuild *jb = &tp->jb;
    json_t *arr = hgnJbArray(jb);
    int n = hwloc_get_nbobjs_by_type(tp->t, HWLOC_OBJ_PACKAGE);
    for (int i = 0; i < n; i++) {
        hwloc_obj_t p = hwloc_get_obj_by_type(tp->t, HWLOC_OBJ_PACKAGE, (unsigned)i);
        json_t *o = hgnJbObject(jb);
        hgnJbSetInt(jb, o, "index", p->os_index);
        hgnJbSetStr(jb, o, "model", hwloc_obj_get_info_by_name(p, "CPUModel"));
        int cores = p->cpuset ? hwloc_get_nbobjs_inside_cpuset_by_type(tp->t, p->cpuset, HWLOC_OBJ_CORE) : 0;
        hgnJbSetInt(jb, o, "cores", cores > 0 ? cores : 0);
        hgnJbAppend(jb, arr, o);
    }
    return arr;
}

static const char *bridgeKind(hwloc_obj_t o) {
    if (isHostBridge(o)) return "hostBridge";
    return isHostBridge(o->parent) ? "rootPort" : "switchPort";
}

static json_t *pciNodeJson(Topo *tp, hwloc_obj_t o, int depth) {
    HgnJsonBuild *jb = &tp->jb;
    json_t *n = hgnJbObject(jb);
    char bus[16];
    if (o->type == HWLOC_OBJ_BRIDGE) {
        hgnJbSetStr(jb, n, "kind", bridgeKind(o));
        if (isHostBridge(o)) {
            char range[32];
            snprintf(range, sizeof range, "%04x:[%02x-%02x]", o->attr->bridge.downstream.pci.domain,
                     o->attr->bridge.downstream.pci.secondary_bus, o->attr->bridge.downstream.pci.subordinate_bus);
            hgnJbSetStr(jb, n, "busRange", range);
            int numa = numaOf(tp->t, o);
            hgnJbSet(jb, n, "numaNode", numa >= 0 ? json_integer(numa) : json_null());
        } else {
            busOf(o, bus);
            hgnJbSetStr(jb, n, "pciBusId", bus);
            int64_t bps = gbpsToBps(o->attr->bridge.upstream.pci.linkspeed);
            if (bps) hgnJbSetInt(jb, n, "linkBytesPerSec", bps);
        }
    } else {
        TopoGpu *g = gpuByPci(tp, o);
        hgnJbSetStr(jb, n, "kind", g ? "gpu" : isNvSwitch(o) ? "nvswitch" : "device");
        busOf(o, bus);
        hgnJbSetStr(jb, n, "pciBusId", bus);
        char id[16];
        snprintf(id, sizeof id, "%04x:%04x", o->attr->pcidev.vendor_id, o->attr->pcidev.device_id);
        hgnJbSetStr(jb, n, "vendorDevice", id);
        snprintf(id, sizeof id, "%04x", o->attr->pcidev.class_id);
        hgnJbSetStr(jb, n, "classId", id);
        int64_t bps = gbpsToBps(o->attr->pcidev.linkspeed);
        if (bps) hgnJbSetInt(jb, n, "linkBytesPerSec", bps);
        if (g) hgnJbSetInt(jb, n, "gpuIndex", g->index);
    }
    json_t *children = hgnJbArray(jb);
    if (depth < 32)
        for (hwloc_obj_t c = o->io_first_child; c; c = c->next_sibling)
            if (c->type == HWLOC_OBJ_BRIDGE || c->type == HWLOC_OBJ_PCI_DEVICE)
                hgnJbAppend(jb, children, pciNodeJson(tp, c, depth + 1));
    if (json_array_size(children))
        hgnJbSet(jb, n, "children", children);
    else
        json_decref(children);
    return n;
}

static json_t *pciTreeJson(Topo *tp) {
    json_t *arr = hgnJbArray(&tp->jb);
    for (hwloc_obj_t b = hwloc_get_next_bridge(tp->t, NULL); b; b = hwloc_get_next_bridge(tp->t, b))
        if (isHostBridge(b)) hgnJbAppend(&tp->jb, arr, pciNodeJson(tp, b, 0));
    return arr;
}

static json_t *pciPathJson(Topo *tp, hwloc_obj_t pci) {
    HgnJsonBuild *jb = &tp->jb;
    json_t *path = hgnJbArray(jb);
    hwloc_obj_t chain[64];
    int n = 0;
    for (hwloc_obj_t a = pci ? pci->parent : NULL; a && a->type == HWLOC_OBJ_BRIDGE && n < 64; a = a->parent)
        chain[n++] = a;
    for (int i = n - 1; i >= 0; i--) {
        json_t *hop = hgnJbObject(jb);
        hgnJbSetStr(jb, hop, "kind", bridgeKind(chain[i]));
        char bus[32];
        if (isHostBridge(chain[i])) {
            snprintf(bus, sizeof bus, "%04x:[%02x-%02x]", chain[i]->attr->bridge.downstream.pci.domain,
                     chain[i]->attr->bridge.downstream.pci.secondary_bus,
                     chain[i]->attr->bridge.downstream.pci.subordinate_bus);
            hgnJbSetStr(jb, hop, "busRange", bus);
        } else {
            busOf(chain[i], bus);
            hgnJbSetStr(jb, hop, "pciBusId", bus);
        }
        hgnJbAppend(jb, path, hop);
    }
    return path;
}

static json_t *gpusJson(Topo *tp) {
    HgnJsonBuild *jb = &tp->jb;
    json_t *arr = hgnJbArray(jb);
    for (size_t i = 0; i < tp->nGpus; i++) {
        TopoGpu *g = &tp->gpus[i];
        json_t *o = hgnJbObject(jb);
        hgnJbSetInt(jb, o, "index", g->index);
        hgnJbSetStr(jb, o, "name", g->name[0] ? g->name : NULL);
        hgnJbSetStr(jb, o, "uuid", g->uuid[0] ? g->uuid : NULL);
        hgnJbSetStr(jb, o, "pciBusId", g->bus);
        hgnJbSet(jb, o, "numaNode", g->numa >= 0 ? json_integer(g->numa) : json_null());
        hgnJbSet(jb, o, "package", g->package >= 0 ? json_integer(g->package) : json_null());
        hgnJbSet(jb, o, "pciPath", pciPathJson(tp, g->pci));
        hgnJbSetInt(jb, o, "pcieLinkBytesPerSec", g->uplinkBps);
        hgnJbSetStr(jb, o, "pcieLinkSource", g->uplinkSource);
        hgnJbSetInt(jb, o, "memoryBytes", g->memoryBytes);
        hgnJbSetStr(jb, o, "memorySource", g->memorySource);
        hgnJbSetStr(jb, o, "profileId", g->profileId);
        int64_t nv = g->nvSwitchBps + g->cpuNvBps;
        for (size_t j = 0; j < tp->nGpus; j++) nv += tp->direct[i * tp->nGpus + j];
        hgnJbSetInt(jb, o, "nvlinkBytesPerSec", nv);
        hgnJbAppend(jb, arr, o);
    }
    return arr;
}

static json_t *switchesJson(Topo *tp) {
    json_t *arr = hgnJbArray(&tp->jb);
    for (size_t i = 0; i < tp->nSwitches; i++) {
        json_t *o = hgnJbObject(&tp->jb);
        hgnJbSetStr(&tp->jb, o, "pciBusId", tp->switches[i]);
        hgnJbSet(&tp->jb, o, "numaNode", tp->switchNuma[i] >= 0 ? json_integer(tp->switchNuma[i]) : json_null());
        hgnJbAppend(&tp->jb, arr, o);
    }
    return arr;
}

static void matrixEntry(Topo *tp, json_t *entries, const char *a, const char *b, const char *path, int64_t bps,
                        const char *source) {
    HgnJsonBuild *jb = &tp->jb;
    json_t *e = hgnJbObject(jb);
    hgnJbSetStr(jb, e, "a", a);
    hgnJbSetStr(jb, e, "b", b);
    hgnJbSetStr(jb, e, "path", path);
    hgnJbSetInt(jb, e, "bandwidthBytesPerSec", bps);
    hgnJbSetStr(jb, e, "source", source);
    hgnJbSetInt(jb, e, "latencyNs", latencyNs(path));
    hgnJbSetStr(jb, e, "latencySource", "profile");
    hgnJbAppend(jb, entries, e);
}

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

static const char *bothSource(const TopoGpu *a, const TopoGpu *b) {
    return strcmp(a->uplinkSource, "hwloc") == 0 && strcmp(b->uplinkSource, "hwloc") == 0 ? "hwloc" : "profile";
}

static void gpuPairPath(Topo *tp, size_t i, size_t j, json_t *entries) {
    TopoGpu *a = &tp->gpus[i], *b = &tp->gpus[j];
    char na[32], nb[32];
    snprintf(na, sizeof na, "gpu:%d", a->index);
    snprintf(nb, sizeof nb, "gpu:%d", b->index);
    int64_t direct = tp->direct[i * tp->nGpus + j];
    if (direct > 0) {
        matrixEntry(tp, entries, na, nb, "nvlink", direct, tp->directSource[i * tp->nGpus + j]);
        return;
    }
    if (a->nvSwitchBps > 0 && b->nvSwitchBps > 0) {
        const char *src =
            strcmp(a->nvSwitchSource, "hwloc") == 0 && strcmp(b->nvSwitchSource, "hwloc") == 0 ? "hwloc" : "profile";
        matrixEntry(tp, entries, na, nb, "nvswitch", min64(a->nvSwitchBps, b->nvSwitchBps), src);
        return;
    }
    int64_t bps = min64(a->uplinkBps, b->uplinkBps);
    const char *path;
    if (a->pci && b->pci) {
        hwloc_obj_t common = hwloc_get_common_ancestor_obj(tp->t, a->pci, b->pci);
        if (common && common->type == HWLOC_OBJ_BRIDGE && !isHostBridge(common))
            path = "pcieSwitch";
        else if (a->numa >= 0 && b->numa >= 0 && a->numa != b->numa)
            path = "pcieCrossSocket";
        else
            path = "pcieHost";
    } else {
        path = a->numa >= 0 && b->numa >= 0 && a->numa != b->numa ? "pcieCrossSocket" : "pcieHost";
    }
    matrixEntry(tp, entries, na, nb, path, bps, bothSource(a, b));
}

static json_t *matrixJson(Topo *tp) {
    HgnJsonBuild *jb = &tp->jb;
    json_t *m = hgnJbObject(jb), *devices = hgnJbArray(jb), *entries = hgnJbArray(jb);
    int nNuma = hwloc_get_nbobjs_by_type(tp->t, HWLOC_OBJ_NUMANODE);
    for (int k = 0; k < nNuma; k++) {
        hwloc_obj_t node = hwloc_get_obj_by_type(tp->t, HWLOC_OBJ_NUMANODE, (unsigned)k);
        hgnJbAppend(jb, devices, json_sprintf("numa:%u", node->os_index));
    }
    for (size_t i = 0; i < tp->nGpus; i++) hgnJbAppend(jb, devices, json_sprintf("gpu:%d", tp->gpus[i].index));
    for (int k = 0; k < nNuma; k++) {
        hwloc_obj_t node = hwloc_get_obj_by_type(tp->t, HWLOC_OBJ_NUMANODE, (unsigned)k);
        char nn[32];
        snprintf(nn, sizeof nn, "numa:%u", node->os_index);
        int pkg = -1;
        for (hwloc_obj_t a = node->parent; a; a = a->parent)
            if (a->type == HWLOC_OBJ_PACKAGE) {
                pkg = (int)a->os_index;
                break;
            }
        for (size_t i = 0; i < tp->nGpus; i++) {
            TopoGpu *g = &tp->gpus[i];
            char ng[32];
            snprintf(ng, sizeof ng, "gpu:%d", g->index);
            if (g->cpuNvBps > 0 && pkg >= 0 && g->cpuNvPackage == pkg)
                matrixEntry(tp, entries, nn, ng, "nvlink", g->cpuNvBps, "hwloc");
            else
                matrixEntry(tp, entries, nn, ng,
                            g->numa >= 0 && g->numa != (int)node->os_index ? "pcieCrossSocket" : "pcie", g->uplinkBps,
                            g->uplinkSource);
        }
    }
    for (size_t i = 0; i < tp->nGpus; i++)
        for (size_t j = i + 1; j < tp->nGpus; j++) gpuPairPath(tp, i, j, entries);
    hgnJbSet(jb, m, "devices", devices);
    hgnJbSet(jb, m, "entries", entries);
    return m;
}

/* ---- entry points ------------------------------------------------------------ */

HgnStatus hgnTopologyBuild(const char *xmlPath, const json_t *nvmlGpus, json_t **out) {
    *out = NULL;
    Topo tp;
    memset(&tp, 0, sizeof tp);
    tp.live = xmlPath == NULL;
    HgnStatus st = hgnDeviceProfilesLoad();
    if (st) return st;
    st = hgnTopologyOpen(xmlPath, &tp.t);
    if (st) return st;
    st = collectGpus(&tp, nvmlGpus);
    json_t *topo = NULL;
    if (!st) {
        HgnJsonBuild *jb = &tp.jb;
        tp.links = hgnJbArray(jb);
        nvlinkFromHwloc(&tp);
        nvlinkFromNvml(&tp);
        topo = hgnJbObject(jb);
        json_t *source = hgnJbObject(jb);
        hgnJbSetStr(jb, source, "kind", xmlPath ? "xml" : "live");
        hgnJbSetStr(jb, source, "path", xmlPath);
        hgnJbSetStr(jb, source, "hwlocVersion", HWLOC_VERSION);
        hgnJbSet(jb, topo, "source", source);
        hwloc_obj_t root = hwloc_get_root_obj(tp.t);
        const char *machine = hwloc_obj_get_info_by_name(root, "DMIProductName");
        if (!machine) machine = hwloc_obj_get_info_by_name(root, "PlatformModel");
        hgnJbSetStr(jb, topo, "machine", machine);
        hgnJbSet(jb, topo, "packages", packagesJson(&tp));
        hgnJbSet(jb, topo, "numaNodes", numaJson(&tp));
        hgnJbSet(jb, topo, "pciTree", pciTreeJson(&tp));
        hgnJbSet(jb, topo, "gpus", gpusJson(&tp));
        hgnJbSet(jb, topo, "nvswitches", switchesJson(&tp));
        hgnJbSet(jb, topo, "links", tp.links);
        tp.links = NULL;
        hgnJbSet(jb, topo, "matrix", matrixJson(&tp));
        if (jb->failed) {
            st = hgnStatusNew(HGN_CODE_OutOfMemory, "topology", NULL, "cannot build the topology document");
        } else {
            char hex[65];
            st = hgnTopologyDigest(topo, hex);
            if (!st) {
                hgnJbSetStr(jb, topo, "topologyDigest", hex);
                if (jb->failed) st = hgnStatusNew(HGN_CODE_OutOfMemory, "topology", NULL, "cannot store the digest");
            }
        }
    }
    json_decref(tp.links);
    hgnFree(tp.gpus);
    hgnFree(tp.direct);
    hgnFree(tp.directSource);
    hwloc_topology_destroy(tp.t);
    if (st) {
        json_decref(topo);
        return st;
    }
    *out = topo;
    return HGN_OK;
}
