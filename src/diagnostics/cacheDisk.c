/* cacheDisk.c — cache-root resolution and the disk checks on it (see cacheDisk.h). */
#include "diagnostics/cacheDisk.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/strBuf.h"

static char *joinPath(const char *a, const char *b) {
    HgnBuf buf;
    hgnBufInit(&buf);
    hgnBufAppendStr(&buf, a);
    while (buf.len > 1 && buf.data[buf.len - 1] == '/') buf.data[--buf.len] = '\0';
    hgnBufAppendChar(&buf, '/');
    hgnBufAppendStr(&buf, b);
    if (!hgnBufOk(&buf)) {
        hgnBufFree(&buf);
        return NULL;
    }
    return hgnBufDetach(&buf);
}

/* "~" and "~/x" expand with HOME; anything else is copied. */
static char *expandHome(const char *p, char *const *env) {
    const char *home = hgnDiagEnvGet(env, "HOME");
    if (home && p[0] == '~' && (p[1] == '\0' || p[1] == '/')) return p[1] ? joinPath(home, p + 2) : hgnStrdup(home);
    return hgnStrdup(p);
}

HgnStatus hgnCacheRootResolve(const char *option, char *const *env, char **path, const char **source) {
    *path = NULL;
    *source = NULL;
    const char *v;
    if (option && *option) {
        *path = expandHome(option, env);
        *source = "option";
    } else if ((v = hgnDiagEnvGet(env, "HF_HUB_CACHE"))) {
        *path = expandHome(v, env);
        *source = "env:HF_HUB_CACHE";
    } else if ((v = hgnDiagEnvGet(env, "HUGGINGFACE_HUB_CACHE"))) {
        *path = expandHome(v, env);
        *source = "env:HUGGINGFACE_HUB_CACHE";
    } else if ((v = hgnDiagEnvGet(env, "HF_HOME"))) {
        char *home = expandHome(v, env);
        *path = home ? joinPath(home, "hub") : NULL;
        hgnFree(home);
        *source = "env:HF_HOME";
    } else if ((v = hgnDiagEnvGet(env, "XDG_CACHE_HOME"))) {
        *path = joinPath(v, "huggingface/hub");
        *source = "env:XDG_CACHE_HOME";
    } else if ((v = hgnDiagEnvGet(env, "HOME"))) {
        *path = joinPath(v, ".cache/huggingface/hub");
        *source = "env:HOME";
    } else {
        *path = hgnStrdup("/tmp/huggingface/hub");
        *source = "default";
    }
    if (!*path) return hgnStatusNew(HGN_CODE_OutOfMemory, "diagnostics", NULL, "cannot build the cache path");
    return HGN_OK;
}

bool hgnFsTypeIsNetwork(const char *fsType) {
    static const char *const net[] = {
        "nfs",   "nfs4",           "cifs",      "smb",         "smb2",        "smb3",  "smbfs",        "ncpfs",
        "ceph",  "glusterfs",      "lustre",    "gpfs",        "9p",          "afs",   "beegfs",       "fuse.sshfs",
        "sshfs", "fuse.glusterfs", "fuse.s3fs", "fuse.rclone", "fuse.cephfs", "davfs", "fuse.gcsfuse", "orangefs",
        "pvfs2", "virtiofs"};
    if (!fsType) return false;
    for (size_t i = 0; i < sizeof net / sizeof net[0]; i++)
        if (strcmp(fsType, net[i]) == 0) return true;
    return false;
}

/* statfs magic → name, for when mountinfo is unreadable. */
static const char *fsNameFromMagic(unsigned long magic) {
    static const struct {
        unsigned long magic;
        const char *name;
    } table[] = {
        {0xEF53, "ext4"},     {0x58465342, "xfs"},  {0x9123683E, "btrfs"},    {0x01021994, "tmpfs"},
        {0x6969, "nfs"},      {0xFF534D42, "cifs"}, {0xFE534D42, "smb2"},     {0x794C7630, "overlay"},
        {0x2FC12FC1, "zfs"},  {0x65735546, "fuse"}, {0x00C36400, "ceph"},     {0x0BD00BD0, "lustre"},
        {0x01021997, "9p"},   {0x47504653, "gpfs"}, {0x73717368, "squashfs"}, {0x4D44, "vfat"},
        {0x5346544E, "ntfs"}, {0xF2F52010, "f2fs"}, {0x858458F6, "ramfs"},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].magic == magic) return table[i].name;
    return NULL;
}

/* Decodes mountinfo's octal escapes (\040 for space) in place. */
static void unescapeMount(char *s) {
    char *w = s;
    for (char *r = s; *r; r++) {
        if (r[0] == '\\' && r[1] >= '0' && r[1] <= '7' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' && r[3] <= '7') {
            *w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
            r += 3;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

/* Filesystem type of the mount holding realPath, from /proc/self/mountinfo. */
static bool fsTypeFromMountinfo(const char *procRoot, const char *realPath, char *out, size_t outSize) {
    char *path = hgnDiagPathJoin(procRoot ? procRoot : "/proc", "self/mountinfo");
    char *text = NULL;
    bool ok = path && hgnDiagReadSmallFile(path, 8u << 20, &text);
    hgnFree(path);
    if (!ok) return false;
    size_t bestLen = 0;
    bool found = false;
    for (char *line = text; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        /* id parent major:minor root mountPoint options [optional...] - fstype source superOptions */
        char *mountPoint = NULL, *dash = NULL, *save = NULL;
        bool afterDash = false;
        int i = 0;
        for (char *tok = strtok_r(line, " ", &save); tok; tok = strtok_r(NULL, " ", &save), i++) {
            if (i == 4) {
                mountPoint = tok;
            } else if (afterDash) {
                dash = tok;
                break;
            } else if (i > 5 && strcmp(tok, "-") == 0) {
                afterDash = true;
            }
        }
        if (mountPoint && dash) {
            unescapeMount(mountPoint);
            size_t n = strlen(mountPoint);
            bool prefix =
                strncmp(realPath, mountPoint, n) == 0 && (n == 1 || realPath[n] == '/' || realPath[n] == '\0');
            if (prefix && n >= bestLen) {
                bestLen = n;
                snprintf(out, outSize, "%s", dash);
                found = true;
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    hgnFree(text);
    return found;
}

/* The path itself when it exists, else its nearest existing ancestor (new string). */
static char *existingAncestor(const char *path, bool *exists) {
    char *p = hgnStrdup(path);
    if (!p) return NULL;
    struct stat st;
    *exists = stat(p, &st) == 0;
    while (stat(p, &st) != 0) {
        char *slash = strrchr(p, '/');
        if (!slash) {
            hgnFree(p);
            return hgnStrdup(".");
        }
        if (slash == p) {
            p[1] = '\0';
            break;
        }
        *slash = '\0';
    }
    return p;
}

void hgnCacheDiskProbe(HgnJsonBuild *jb, const char *path, const char *source, uint64_t minFreeBytes,
                       const char *procRoot, json_t *disk, json_t *warnings) {
    bool exists = false;
    char *probe = existingAncestor(path, &exists);
    if (!probe) {
        jb->failed = true;
        return;
    }
    hgnJbSetStr(jb, disk, "path", path);
    hgnJbSetStr(jb, disk, "pathSource", source);
    hgnJbSetBool(jb, disk, "exists", exists);
    hgnJbSetStr(jb, disk, "probedPath", probe);
    hgnJbSetInt(jb, disk, "minFreeBytes", (int64_t)minFreeBytes);

    char real[PATH_MAX];
    if (!realpath(probe, real)) snprintf(real, sizeof real, "%s", probe);
    char fsType[128] = "";
    if (!fsTypeFromMountinfo(procRoot, real, fsType, sizeof fsType)) {
        struct statfs sf;
        const char *name = statfs(probe, &sf) == 0 ? fsNameFromMagic((unsigned long)sf.f_type) : NULL;
        if (name) snprintf(fsType, sizeof fsType, "%s", name);
    }
    bool network = hgnFsTypeIsNetwork(fsType);
    hgnJbSetStr(jb, disk, "filesystem", fsType[0] ? fsType : NULL);
    hgnJbSetBool(jb, disk, "network", network);

    struct statvfs sv;
    bool haveVfs = statvfs(probe, &sv) == 0;
    bool readOnly = haveVfs && (sv.f_flag & ST_RDONLY);
    bool writable = !readOnly && access(probe, W_OK) == 0;
    hgnJbSetBool(jb, disk, "writable", writable);
    uint64_t freeBytes = 0;
    if (haveVfs) {
        freeBytes = (uint64_t)sv.f_bavail * sv.f_frsize;
        hgnJbSetInt(jb, disk, "totalBytes", (int64_t)((uint64_t)sv.f_blocks * sv.f_frsize));
        hgnJbSetInt(jb, disk, "freeBytes", (int64_t)freeBytes);
    } else {
        hgnJbSet(jb, disk, "totalBytes", json_null());
        hgnJbSet(jb, disk, "freeBytes", json_null());
    }

    if (!writable)
        hgnJbWarn(jb, warnings, "cacheNotWritable",
                  "cache root %s is not writable (%s%s); set cache.root or HF_HUB_CACHE to a writable directory", path,
                  readOnly ? "read-only filesystem at " : "no write permission on ", probe);
    if (network)
        hgnJbWarn(jb, warnings, "cacheOnNetworkFilesystem",
                  "cache root %s is on a network filesystem (%s): model loads and mmap will be slow; "
                  "prefer a local disk for cache.root",
                  path, fsType);
    if (haveVfs && freeBytes < minFreeBytes)
        hgnJbWarn(jb, warnings, "lowDiskSpace",
                  "only %.1f GiB free at the cache root %s (threshold %.1f GiB); free space or move cache.root",
                  (double)freeBytes / (1024.0 * 1024 * 1024), path, (double)minFreeBytes / (1024.0 * 1024 * 1024));
    hgnFree(probe);
}
