/*
 * ownerlock.c - layer: OS access.  Liveness locks on channel files (see
 * ownerlock.h).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "base/common.h"
#include "os/ownerlock.h"

static struct flock range(short type, off_t start, off_t len)
{
	struct flock fl;

	/* F_OFD_* need l_pid 0. */
	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = start;
	fl.l_len = len;
	return fl;
}

int shmrpc__lock_hold(int fd, off_t start, off_t len, bool shared)
{
	struct flock fl = range(shared ? F_RDLCK : F_WRLCK, start, len);

	while (fcntl(fd, F_OFD_SETLK, &fl) < 0) {
		if (errno == EINTR)
			continue;
		return errno == EACCES || errno == EAGAIN ? -EAGAIN : -errno;
	}
	return 0;
}

void shmrpc__lock_drop(int fd, off_t start, off_t len)
{
	struct flock fl = range(F_UNLCK, start, len);

	(void)fcntl(fd, F_OFD_SETLK, &fl);
}

int shmrpc__lock_test(int fd, off_t start, off_t len)
{
	/* A write lock conflicts with every other lock: whatever is held
	 * there, by anyone else, shows. */
	struct flock fl = range(F_WRLCK, start, len);

	if (fcntl(fd, F_OFD_GETLK, &fl) < 0)
		return -errno;
	return fl.l_type != F_UNLCK;
}

int shmrpc__lock_test_at(int dir, const char *fname, const struct stat *want,
    off_t start, off_t len)
{
	struct stat st;
	int fd, rc;

	/* As os/shmobj.c opens files (it uses this file: no cycle back). */
	fd = openat(dir, fname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return errno == ELOOP || errno == ENXIO ? SHMRPC_ENOTOURS
							  : -errno;
	if (fstat(fd, &st) < 0)
		rc = -errno;
	else if (!S_ISREG(st.st_mode))
		rc = SHMRPC_ENOTOURS;
	else if (want != NULL &&
	    (st.st_dev != want->st_dev || st.st_ino != want->st_ino))
		rc = -ESTALE;
	else
		rc = shmrpc__lock_test(fd, start, len);
	close(fd);
	return rc;
}
