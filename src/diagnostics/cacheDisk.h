/* cacheDisk.h — where Huginn's model cache lives and whether that disk is
 * fit for it: the cache root (option, HF_HUB_CACHE, HUGGINGFACE_HUB_CACHE,
 * HF_HOME, XDG_CACHE_HOME, HOME), free space, filesystem type, writability,
 * with warnings for read-only, network and nearly full filesystems. */
#ifndef HGN_DIAGNOSTICS_CACHE_DISK_H
#define HGN_DIAGNOSTICS_CACHE_DISK_H

#include <jansson.h>
#include <stdint.h>

#include "diagnostics/probeUtil.h"

/* Resolves the cache root (OUT: *path, new string; *source, static text such
 * as "option" or "env:HF_HOME"). HGN-0012 on allocation failure only. */
HGN_NODISCARD HgnStatus hgnCacheRootResolve(const char *option, char *const *env, char **path, const char **source);

/* Fills disk {path, pathSource, exists, probedPath, filesystem, network,
 * writable, totalBytes, freeBytes, minFreeBytes} and appends warnings. */
void hgnCacheDiskProbe(HgnJsonBuild *jb, const char *path, const char *source, uint64_t minFreeBytes,
                       const char *procRoot, json_t *disk, json_t *warnings);

/* True for filesystem type names that live across a network (nfs, nfs4, cifs,
 * smb3, ceph, glusterfs, lustre, gpfs, 9p, fuse.sshfs, …). */
bool hgnFsTypeIsNetwork(const char *fsType);

#endif
