/*
 * inspect.h - layer: inspection.  What is in /dev/shm, who owns it, who
 * maps it, and so which state it is in.  The rules are those of
 * shmrpc-registry(5); this is the one place that implements them (the
 * reaper, the restart reclaim and the tools all go through
 * shmrpc__inspect_build()).
 */
#ifndef SHMRPC_INSPECT_H
#define SHMRPC_INSPECT_H

#include <sys/types.h>

#include "registry/registry.h"

/*
 * Where the registry entries come from.  NULL: read the registries (the
 * caller's, or every user's with all_users).  Else: for the registry at
 * `path` use `entries` (the caller holds its lock and has them), read the
 * others as usual; path NULL: no registry at all (rebuilding one).
 */
struct inspect_source {
	const char *path;
	const struct reg_entry *entries;
	size_t n;
};

/* The caller's options (may be NULL) over the defaults, at the library's
 * size.  0, or -EINVAL when in was never initialised. */
int shmrpc__inspect_options_resolve(shmrpc_inspect_options *out,
    const shmrpc_inspect_options *in);

/*
 * Take a snapshot as shmrpc_inspect() does, with resolved opts (NULL:
 * defaults).  only_uid: with !opts->all_users, whose objects count as
 * "ours" (normally geteuid()).
 */
int shmrpc__inspect_build(shmrpc_inspection **out,
    const shmrpc_inspect_options *opts, const struct inspect_source *src,
    uid_t only_uid);

/*
 * Entries for a registry of uid that was lost: one per group of uid's
 * loose objects (same channel and transport) that a live process maps,
 * owned by the earliest-started process mapping them, marked rebuilt.
 * New array in *out (shmrpc__reg_entries_free).  0 or < 0.
 */
int shmrpc__inspect_rebuild(uid_t uid, struct reg_entry **out, size_t *n);

/* A reaper moves a file to this prefix + its name before it removes it
 * (inspect/unlink.h); such a name is judged as the object it was. */
#define REAP_QUARANTINE_PREFIX ".shmrpc-reap."

/*
 * Does /dev/shm/fname follow a transport's naming scheme (or is it such a
 * name under REAP_QUARANTINE_PREFIX)?  Then its
 * channel name goes to channel (capacity len), its transport to *kind,
 * and true is returned.  Schemes come from each transport's object_names
 * op (every object name is prefix + channel + suffix).
 */
bool shmrpc__inspect_match_object(const char *fname, char *channel, size_t len,
    shmrpc_transport_kind *kind);

#endif
