/*
 * owner.h - layer: inspection.  Is a registered channel's owner alive?
 * The one place that applies the liveness rule of shmrpc-registry(5) to a
 * registry entry, for the inspection (inspect.c), the client's refusal to
 * attach to a dead server (channel.c) and so the reaper and the restart
 * reclaim:
 *
 *   - an entry that names a lock object (format 2): the owner is alive
 *     while it holds the owner byte of that file, whatever PID namespace
 *     it or we are in; a free lock is proof of death;
 *   - its pid and start time are a second opinion, read only where the
 *     pid is ours to read (same PID namespace): seen alive is alive;
 *   - an entry without a lock (format 1, or a rebuilt one): the pid and
 *     start time decide, as they always did;
 *   - where nothing can be decided, the owner is unknown, never dead.
 */
#ifndef SHMRPC_INSPECT_OWNER_H
#define SHMRPC_INSPECT_OWNER_H

#include <sys/stat.h>

#include "os/procinfo.h"
#include "registry/registry.h"

/* What was found out about one owner. */
struct owner_verdict {
	enum shmrpc__proc_liveness live;
	int lock;          /* owner lock: 1 held, 0 free, -1 not tested */
	int lock_rc;       /* why not tested: -ENOENT, -EACCES... (0: was) */
	int clients;       /* a client lock is held: 1, 0, -1 not tested */
	int pid_local;     /* 1 the pid is ours to read, 0 it is not */
	bool pid_taken;    /* the pid runs another process (reused) */
};

/* pid -> what /proc/PID/stat said, so that one server's many channels
 * cost one read.  Zero-initialise; shmrpc__pid_cache_free() after. */
struct pid_cache {
	struct pid_seen *v;
	size_t mask;       /* slots - 1; 0: not allocated yet */
	size_t used;
	int view;          /* our /proc is our PID namespace's: 1 yes,
	                      2 no, 0 not asked yet */
};

void shmrpc__pid_cache_free(struct pid_cache *c);

/*
 * Judge the owner of entry e, whose files live in directory dir.
 * lock_st (may be NULL): what the caller found at the lock object's name
 * (then the lock is tested on that very inode); NULL: looked up here.
 * cache may be NULL.  Fills *v; returns 0 or -ENOMEM.
 */
int shmrpc__owner_judge(int dir, const struct reg_entry *e,
    const struct stat *lock_st, struct pid_cache *cache,
    struct owner_verdict *v);

#endif
