/*
 * shmobj.h - layer: OS access.  Create, open and remove files in /dev/shm
 * safely.
 *
 * Every transport, the registry and the reaper reach /dev/shm only through
 * here, so the safety rules live in one place: work relative to one
 * directory descriptor, never follow a symlink, accept only regular files,
 * reserve the pages up front (a full tmpfs gives -ENOSPC at open, never
 * SIGBUS later), and publish a new object only once it is complete.
 */
#ifndef SHMRPC_SHMOBJ_H
#define SHMRPC_SHMOBJ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#define SHM_DIR "/dev/shm"

/* A mapped object.  fd stays open (for flock and fstat) until close. */
struct shm_map {
	void *addr;
	size_t size;
	int fd;
	dev_t dev;
	ino_t ino;
};

#define SHM_MAP_INIT { .addr = NULL, .size = 0, .fd = -1, .dev = 0, .ino = 0 }

/* The directory descriptor of /dev/shm, opened once per process and
 * checked (same device and inode) at every call, reopened when the program
 * closed or reused it; or -errno.  Thread-safe. */
int shmrpc__shm_dirfd(void);

/*
 * Create /dev/shm/fname holding size bytes (mode 0600): the first init_len
 * bytes from init, the rest zero.  The file appears under its name only
 * once complete (O_TMPFILE + linkat), so no reader ever sees it half made.
 * Maps it shared into *m.  SHMRPC_EINUSE if the name exists (whatever it
 * is: nothing is followed), -ENOSPC if /dev/shm is full, -errno otherwise.
 */
int shmrpc__shmobj_create(const char *fname, size_t size, const void *init,
    size_t init_len, struct shm_map *m);

/* How a channel object is created (shmrpc__shmobj_create_as()). */
struct shm_how {
	mode_t mode;      /* permission bits: 0600, or 0660 for a group */
	gid_t gid;        /* group of the file; (gid_t)-1: the creator's */
	bool owner_lock;  /* hold the owner's liveness lock (os/ownerlock.h)
	                     from before the file has its name */
};

#define SHM_HOW_DEFAULT { .mode = 0600, .gid = (gid_t)-1, .owner_lock = false }

/* shmrpc__shmobj_create() with the mode, group and lock of how.  A group
 * we may not give the file is -EPERM, before the file has a name. */
int shmrpc__shmobj_create_as(const char *fname, size_t size, const void *init,
    size_t init_len, const struct shm_how *how, struct shm_map *m);

/*
 * Open the existing regular file /dev/shm/fname without following links and
 * map map_size bytes of it (0: the file's size).  SHMRPC_ENOCHANNEL if it
 * does not exist, SHMRPC_ENOTOURS if it is not a regular file (symlink,
 * fifo, directory...), SHMRPC_EVERSION if it is smaller than min_size or
 * map_size, -errno otherwise.
 */
int shmrpc__shmobj_open(const char *fname, size_t min_size, size_t map_size,
    struct shm_map *m);

/*
 * Reading a file someone else writes, without mapping it.  A mapping of a
 * file that its owner truncates faults (SIGBUS) on the next touch, and a
 * mapped header can change between the check of a field and its use.  So
 * whoever reads another process's object (the counters viewer, the
 * inspection, the tools running as root) copies what it needs with pread
 * into private memory: a truncated file gives a short read, never a
 * signal, and the copy cannot change after it is checked.
 *
 * shmrpc__shmobj_open_read(): open /dev/shm/fname read-only (not
 * following links, regular files only): the fd (caller closes), its size
 * in *size, or the codes of shmrpc__shmobj_open().
 * shmrpc__shmfile_pread_exact(): exactly len bytes at off into buf,
 * retrying EINTR and short reads: 0, -ENODATA if the file ends first, or
 * -errno.  An aligned 8-byte field that another process stores to while
 * it is copied comes out whole in practice on x86-64 (the kernel copies
 * in words or larger), but pread promises no atomicity.
 */
int shmrpc__shmobj_open_read(const char *fname, uint64_t *size);
int shmrpc__shmfile_pread_exact(int fd, void *buf, size_t len, uint64_t off);

/* Unmap and close; safe on a SHM_MAP_INIT map, and twice. */
void shmrpc__shmobj_close(struct shm_map *m);

/* Remove /dev/shm/fname (not following links).  0 if it is gone,
 * including when it never existed; -errno otherwise. */
int shmrpc__shmobj_unlink(const char *fname);

/* Does /dev/shm/fname exist (as anything)? */
bool shmrpc__shmobj_exists(const char *fname);

/* ---- files relative to any directory (the registry, the reaper) ---------
 *
 * The same rules for files that are not channel objects: the registry may
 * live outside /dev/shm (env SHMRPC_REGISTRY), so these take a directory
 * descriptor.  Nothing here follows a symlink.
 */

/*
 * Open the directory part of path (O_DIRECTORY) and copy its last component
 * into base (capacity baselen).  Returns the directory fd (caller closes)
 * or -errno (-ENAMETOOLONG if base does not fit, -EINVAL for "" or a path
 * ending in '/').
 */
int shmrpc__shmfile_dir_open(const char *path, char *base, size_t baselen);

/*
 * openat(dir, fname, flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, mode),
 * then fstat into *st (may be NULL): a file that is not regular is closed
 * and refused with SHMRPC_ENOTOURS, as is a symlink.  Returns the fd or a
 * negative code (-ENOENT when it does not exist).
 */
int shmrpc__shmfile_open_at(int dir, const char *fname, int flags, mode_t mode,
    struct stat *st);

/* Read the whole file behind fd from offset 0 into a new NUL-terminated
 * buffer *out (caller frees), its length in *len.  0 or -errno. */
int shmrpc__shmfile_read_all(int fd, char **out, size_t *len);

/* write() all len bytes, retrying short writes and EINTR.  0 or -errno. */
int shmrpc__shmfile_write_all(int fd, const void *buf, size_t len);

/* lstat-like: fstatat(dir, fname, st, AT_SYMLINK_NOFOLLOW).  0 or -errno. */
int shmrpc__shmfile_stat_at(int dir, const char *fname, struct stat *st);

/* unlinkat(dir, fname, 0); 0 also when it did not exist; else -errno. */
int shmrpc__shmfile_unlink_at(int dir, const char *fname);

/* renameat(dir, from, dir, to) (atomic replacement).  0 or -errno. */
int shmrpc__shmfile_rename_at(int dir, const char *from, const char *to);
/*
 * Like shmrpc__shmobj_open(), but read-only: the file is opened O_RDONLY and
 * mapped PROT_READ, so the caller cannot disturb what it inspects.
 * map_size 0 maps the whole file.  Same errors as shmrpc__shmobj_open().
 */
int shmrpc__shmobj_open_readonly(const char *fname, size_t min_size,
    size_t map_size, struct shm_map *m);

#endif
