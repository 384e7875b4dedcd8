/*
 * unlink.h - layer: inspection.  The last step of a reap: files that the
 * final check found reapable leave their names first, are looked at once
 * more, and only then are removed, or put back.
 *
 * The final check holds the registry's lock, but a process that does not
 * use the registry (a Python shm-rpc-bridge peer, a program opening the
 * files by hand) may open a file between that check and the unlink, and
 * would be left with a file nobody else can ever open again.  So each
 * file is first renamed to its quarantine name (REAP_QUARANTINE_PREFIX +
 * its name, with RENAME_NOREPLACE: nobody can open it by its name any
 * more), then every process is scanned once more, for all the files
 * together, for mappings, descriptors and liveness locks.  Files that
 * somebody opened meanwhile go back to their names; the others are
 * removed.  What remains is a process whose open(2) of the old name was
 * under way during the rename itself.
 *
 * A cleaner killed between the steps leaves files under quarantine names,
 * which the inspection recognises (naming.c) and judges as loose objects.
 */
#ifndef SHMRPC_INSPECT_UNLINK_H
#define SHMRPC_INSPECT_UNLINK_H

#include <stdbool.h>
#include <sys/types.h>

#include "shmrpc.h"

/* One reapable item's files on their way out. */
struct doomed {
	const shmrpc_object_info *objs; /* the item's objects; present ones
	                                   go, as inspected (name, inode) */
	size_t n;                       /* at most 32 */
	unsigned moved;                 /* bit k: objs[k] is under its
	                                   quarantine name */
	int rc;                         /* 0: removed; SHMRPC_EALIVE: somebody
	                                   opened it meanwhile (put back);
	                                   else a failure; why says which */
	char why[320];
};

/*
 * Remove the files of items v[0..n) as described above; the outcome of
 * each in v[i].rc and v[i].why.  together: when any item was opened
 * meanwhile, every item is put back (all or nothing, as one channel name
 * is reaped).  dir: /dev/shm's descriptor, dev: its device.
 */
void shmrpc__reap_unlink(int dir, dev_t dev, struct doomed *v, size_t n,
    bool together);

/* Test hook, in no release program (as registry.h's): called with each
 * file's name after the final check, before it leaves its name. */
void shmrpc__reap_test_unlink_hook(const char *fname)
    __attribute__((weak, visibility("hidden")));

#endif
