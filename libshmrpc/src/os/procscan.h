/*
 * procscan.h - layer: OS access.  Which processes map or hold given files:
 * every /proc/PID/maps line and every /proc/PID/fd entry, matched by
 * device and inode.  It reports what it reads; judging what that means
 * (in use, unknown) is the inspection's job.
 *
 * Everything read here was written by, or is named by, processes that may
 * be hostile: /proc text is parsed with bounds, never trusted to be
 * well-formed.
 */
#ifndef SHMRPC_PROCSCAN_H
#define SHMRPC_PROCSCAN_H

#include <stddef.h>
#include <sys/types.h>

struct procscan_hooks {
	/* pid maps or holds an fd of file i (index into the inodes given
	 * to shmrpc__procscan_run()); may be called more than once per pair. */
	void (*mapped)(void *arg, size_t i, pid_t pid);
	/* pid's maps or fds cannot be read (permission); uid is its
	 * effective uid, from /proc/PID/status. */
	void (*unreadable)(void *arg, pid_t pid, uid_t uid);
	void *arg;
};

/*
 * Scan every process for the n files on device dev whose inodes are
 * inos[0..n).  Several indices may share an inode (hard links): each is
 * reported.  With n == 0 no process is read.  0, -ENOMEM, or -errno when
 * /proc cannot be listed.  Thread-safe (no state kept).
 */
int shmrpc__procscan_run(const ino_t *inos, size_t n, dev_t dev,
    const struct procscan_hooks *hooks);

#endif
