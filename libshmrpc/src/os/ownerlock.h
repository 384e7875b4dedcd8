/*
 * ownerlock.h - layer: OS access.  Liveness locks: open file description
 * locks (fcntl F_OFD_SETLK) that a process holds on a channel's file for as
 * long as it uses the channel.
 *
 * The kernel drops such a lock when the last reference to the open file
 * description goes: the process closed and unmapped the file, or died.
 * Any process that can open the file can test the lock (F_OFD_GETLK),
 * whatever PID namespace either of them is in: that is why liveness rests
 * on these locks and not on pids, which mean something only in their own
 * namespace.  The locks are advisory, on byte ranges that need not hold
 * data; they do not interact with flock(2), which the posix transport's
 * clients use to take turns.
 *
 * A child forked without exec shares its parent's descriptors, and so
 * keeps the lock held after its parent died: "alive" then means "some
 * process still holds the channel", which only ever keeps data.
 */
#ifndef SHMRPC_OWNERLOCK_H
#define SHMRPC_OWNERLOCK_H

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Byte of a channel's lock object that its owner (the server) holds
 * exclusively for its whole life. */
#define OWNERLOCK_OWNER_BYTE 0
/* From this byte on, clients' locks (posix: all share this byte; futex:
 * byte 1 + slot). */
#define OWNERLOCK_CLIENT_BYTE 1

/* Take a lock on [start, start+len) of fd (len 0: to the end of any
 * file), shared or exclusive, without waiting.  0, -EAGAIN when another
 * open file description holds a conflicting lock, or -errno. */
int shmrpc__lock_hold(int fd, off_t start, off_t len, bool shared);

/* Drop our lock on that range (nothing if we hold none). */
void shmrpc__lock_drop(int fd, off_t start, off_t len);

/* Does any other open file description hold a lock that overlaps
 * [start, start+len)?  1 held, 0 free, -errno.  Needs fd open for
 * reading only. */
int shmrpc__lock_test(int fd, off_t start, off_t len);

/*
 * Test the range on /dev/shm/fname (relative to dir, never followed),
 * opened read-only for the test and closed again.  want (may be NULL): the
 * file must still be that inode on that device, else -ESTALE.  1 held,
 * 0 free, -ENOENT, -EACCES (another user's file), SHMRPC_ENOTOURS (not a
 * regular file), -ESTALE, -errno.
 */
int shmrpc__lock_test_at(int dir, const char *fname, const struct stat *want,
    off_t start, off_t len);

#endif
