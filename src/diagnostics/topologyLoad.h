/* topologyLoad.h — opens an hwloc topology of this machine or of an XML
 * export, with I/O objects (PCI, OS devices) kept. XML written by hwloc 3.x
 * (format "3.0") is rewritten in memory to the 2.0 format when the linked
 * hwloc is 2.x, so current exports load on Debian 12's hwloc 2.9. */
#ifndef HGN_DIAGNOSTICS_TOPOLOGY_LOAD_H
#define HGN_DIAGNOSTICS_TOPOLOGY_LOAD_H

#include <hwloc.h>
#include <stddef.h>

#include "huginn/status.h"

/* xmlPath NULL: this machine. OUT: *topo, free with hwloc_topology_destroy.
 * Errors: HGN-0014 NotFound (file missing), HGN-0011 IoError (unreadable),
 * HGN-0201 TopologyInvalid (malformed; where = the file). */
HGN_NODISCARD HgnStatus hgnTopologyOpen(const char *xmlPath, hwloc_topology_t *topo);

/* The 3.0→2.0 rewrite on a NUL-terminated buffer (OUT: *out new string or
 * NULL when no rewrite is needed). Exposed for tests. HGN-0201 when the
 * document is not an hwloc topology. */
HGN_NODISCARD HgnStatus hgnTopologyXmlDowngrade(const char *xml, size_t len, char **out);

#endif
