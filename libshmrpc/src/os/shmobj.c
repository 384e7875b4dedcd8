/*
 * shmobj.c - layer: OS access.  Safe access to /dev/shm (see shmobj.h for
 * the rules).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/common.h"
#include "os/ownerlock.h"
#include "os/shmobj.h"

/*
 * The /dev/shm directory descriptor, opened on first use and checked
 * before every use: a program that closes all its descriptors, or reuses
 * the number for another file, must not make the library create or unlink
 * files in some other directory.  When the check fails the old number is
 * not ours any more (it is not closed); a new descriptor is opened.
 */
static pthread_mutex_t dir_lock = PTHREAD_MUTEX_INITIALIZER;
static int dir_fd = -1;
static dev_t dir_dev;
static ino_t dir_ino;

int shmrpc__shm_dirfd(void)
{
	struct stat st;
	int fd;

	pthread_mutex_lock(&dir_lock);
	if (dir_fd >= 0 && fstat(dir_fd, &st) == 0 && S_ISDIR(st.st_mode) &&
	    st.st_dev == dir_dev && st.st_ino == dir_ino) {
		fd = dir_fd;
		goto out;
	}
	fd = open(SHM_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		fd = -errno;
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		int rc = -errno;
		close(fd);
		fd = rc;
		goto out;
	}
	dir_fd = fd;
	dir_dev = st.st_dev;
	dir_ino = st.st_ino;
out:
	pthread_mutex_unlock(&dir_lock);
	return fd;
}

static int map_fd(int fd, size_t size, bool writable, struct shm_map *m)
{
	struct stat st;
	void *p;

	if (fstat(fd, &st) < 0)
		return -errno;
	p = mmap(NULL, size, writable ? PROT_READ | PROT_WRITE : PROT_READ,
	    MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	m->addr = p;
	m->size = size;
	m->fd = fd;
	m->dev = st.st_dev;
	m->ino = st.st_ino;
	return 0;
}

/* Give an anonymous O_TMPFILE file its name.  AT_EMPTY_PATH needs
 * CAP_DAC_READ_SEARCH; the /proc path works for everyone else. */
static int publish_tmpfile(int fd, int dir, const char *fname)
{
	char path[64];

	if (linkat(fd, "", dir, fname, AT_EMPTY_PATH) == 0)
		return 0;
	if (errno == EEXIST)
		return SHMRPC_EINUSE;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, path, dir, fname, AT_SYMLINK_FOLLOW) == 0)
		return 0;
	return errno == EEXIST ? SHMRPC_EINUSE : -errno;
}

/* Mode, group and lock of a new anonymous file, before it has a name:
 * nobody can see it with the wrong ones. */
static int dress_tmpfile(int fd, const struct shm_how *how)
{
	/* The mode given to open() is masked by the umask; we want ours. */
	if (fchmod(fd, how->mode) < 0)
		return -errno;
	if (how->gid != (gid_t)-1 && fchown(fd, (uid_t)-1, how->gid) < 0)
		return -errno;
	if (how->owner_lock)
		return shmrpc__lock_hold(fd, OWNERLOCK_OWNER_BYTE, 1, false);
	return 0;
}

int shmrpc__shmobj_create_as(const char *fname, size_t size, const void *init,
    size_t init_len, const struct shm_how *how, struct shm_map *m)
{
	int dir = shmrpc__shm_dirfd();
	int fd, rc;

	*m = (struct shm_map)SHM_MAP_INIT;
	if (dir < 0)
		return dir;
	if (size == 0 || init_len > size)
		return -EINVAL;
	/* Fail early (and without creating anything) if the name is taken. */
	if (shmrpc__shmobj_exists(fname))
		return SHMRPC_EINUSE;
	fd = openat(dir, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	rc = dress_tmpfile(fd, how);
	if (rc < 0)
		goto fail;
	/* Reserve every page now: a full tmpfs must fail here, not with
	 * SIGBUS on first touch as ftruncate() would. */
	rc = posix_fallocate(fd, 0, (off_t)size);
	if (rc != 0) {
		rc = -rc;
		goto fail;
	}
	if (init_len > 0 &&
	    pwrite(fd, init, init_len, 0) != (ssize_t)init_len) {
		rc = errno ? -errno : -EIO;
		goto fail;
	}
	rc = map_fd(fd, size, true, m);
	if (rc < 0)
		goto fail;
	rc = publish_tmpfile(fd, dir, fname);
	if (rc < 0) {
		shmrpc__shmobj_close(m);
		return rc;
	}
	return 0;
fail:
	close(fd);
	return rc;
}

int shmrpc__shmobj_create(const char *fname, size_t size, const void *init,
    size_t init_len, struct shm_map *m)
{
	static const struct shm_how how = SHM_HOW_DEFAULT;

	return shmrpc__shmobj_create_as(fname, size, init, init_len, &how, m);
}

/* Open the existing regular file /dev/shm/fname without following links
 * (shmrpc__shmfile_open_at()); the fd, its stat in *st, or the codes of
 * shmrpc__shmobj_open(). */
static int open_regular(const char *fname, bool writable, struct stat *st)
{
	int dir = shmrpc__shm_dirfd();
	int fd;

	if (dir < 0)
		return dir;
	fd = shmrpc__shmfile_open_at(dir, fname, writable ? O_RDWR : O_RDONLY,
	    0, st);
	return fd == -ENOENT ? SHMRPC_ENOCHANNEL : fd;
}

static int open_and_map(const char *fname, size_t min_size, size_t map_size,
    bool writable, struct shm_map *m)
{
	struct stat st;
	int fd, rc;

	*m = (struct shm_map)SHM_MAP_INIT;
	fd = open_regular(fname, writable, &st);
	if (fd < 0)
		return fd;
	if (map_size == 0)
		map_size = (size_t)st.st_size;
	if ((size_t)st.st_size < min_size || (size_t)st.st_size < map_size ||
	    map_size == 0) {
		rc = SHMRPC_EVERSION;
		goto fail;
	}
	rc = map_fd(fd, map_size, writable, m);
	if (rc < 0)
		goto fail;
	return 0;
fail:
	close(fd);
	return rc;
}

int shmrpc__shmobj_open(const char *fname, size_t min_size, size_t map_size,
    struct shm_map *m)
{
	return open_and_map(fname, min_size, map_size, true, m);
}

int shmrpc__shmobj_open_readonly(const char *fname, size_t min_size,
    size_t map_size, struct shm_map *m)
{
	return open_and_map(fname, min_size, map_size, false, m);
}

int shmrpc__shmobj_open_read(const char *fname, uint64_t *size)
{
	struct stat st;
	int fd = open_regular(fname, false, &st);

	*size = fd >= 0 ? (uint64_t)st.st_size : 0;
	return fd;
}

int shmrpc__shmfile_pread_exact(int fd, void *buf, size_t len, uint64_t off)
{
	char *p = buf;

	if (off > (uint64_t)INT64_MAX - len)
		return -EINVAL;
	while (len > 0) {
		ssize_t r = pread(fd, p, len, (off_t)off);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -ENODATA;
		p += r;
		off += (uint64_t)r;
		len -= (size_t)r;
	}
	return 0;
}

void shmrpc__shmobj_close(struct shm_map *m)
{
	if (m->addr != NULL && m->size > 0)
		munmap(m->addr, m->size);
	if (m->fd >= 0)
		close(m->fd);
	*m = (struct shm_map)SHM_MAP_INIT;
}

int shmrpc__shmobj_unlink(const char *fname)
{
	int dir = shmrpc__shm_dirfd();

	if (dir < 0)
		return dir;
	if (unlinkat(dir, fname, 0) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

bool shmrpc__shmobj_exists(const char *fname)
{
	struct stat st;
	int dir = shmrpc__shm_dirfd();

	return dir >= 0 && fstatat(dir, fname, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* ---- files relative to any directory ------------------------------------ */

int shmrpc__shmfile_dir_open(const char *path, char *base, size_t baselen)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];
	size_t dlen;
	int fd;

	if (path[0] == '\0' || (slash != NULL && slash[1] == '\0'))
		return -EINVAL;
	if (slash == NULL) {
		snprintf(dir, sizeof(dir), ".");
	} else {
		dlen = (size_t)(slash - path);
		if (dlen == 0)
			dlen = 1; /* "/name" */
		if (dlen >= sizeof(dir))
			return -ENAMETOOLONG;
		memcpy(dir, path, dlen);
		dir[dlen] = '\0';
	}
	if ((size_t)snprintf(base, baselen, "%s",
		slash != NULL ? slash + 1 : path) >= baselen)
		return -ENAMETOOLONG;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int shmrpc__shmfile_open_at(int dir, const char *fname, int flags, mode_t mode,
    struct stat *st)
{
	struct stat local;
	int fd;

	if (st == NULL)
		st = &local;
	fd = openat(dir, fname, flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK,
	    mode);
	if (fd < 0) {
		if (errno == ELOOP || errno == EISDIR || errno == ENXIO)
			return SHMRPC_ENOTOURS;
		return -errno;
	}
	if (fstat(fd, st) < 0) {
		int rc = -errno;
		close(fd);
		return rc;
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return SHMRPC_ENOTOURS;
	}
	return fd;
}

int shmrpc__shmfile_read_all(int fd, char **out, size_t *len)
{
	size_t cap = 16384, n = 0;
	char *buf = malloc(cap + 1);

	*out = NULL;
	*len = 0;
	if (buf == NULL)
		return -ENOMEM;
	for (;;) {
		ssize_t r;
		if (n == cap) {
			char *grown = realloc(buf, cap * 2 + 1);
			if (grown == NULL) {
				free(buf);
				return -ENOMEM;
			}
			buf = grown;
			cap *= 2;
		}
		r = pread(fd, buf + n, cap - n, (off_t)n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int rc = -errno;
			free(buf);
			return rc;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

int shmrpc__shmfile_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int shmrpc__shmfile_stat_at(int dir, const char *fname, struct stat *st)
{
	return fstatat(dir, fname, st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

int shmrpc__shmfile_unlink_at(int dir, const char *fname)
{
	if (unlinkat(dir, fname, 0) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int shmrpc__shmfile_rename_at(int dir, const char *from, const char *to)
{
	return renameat(dir, from, dir, to) < 0 ? -errno : 0;
}
