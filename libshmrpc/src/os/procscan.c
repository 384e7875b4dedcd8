/*
 * procscan.c - layer: OS access.  The /proc scan of procscan.h: one read
 * of each process's maps and one look at each of its fds, inodes found by
 * binary search.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "os/procscan.h"

struct ino_ref {
	ino_t ino;
	size_t idx;
};

struct scan {
	const struct procscan_hooks *hooks;
	struct ino_ref *refs;
	size_t nrefs;
	dev_t dev;
	char *buf;
	size_t cap;
};

static int cmp_ino(const void *a, const void *b)
{
	const struct ino_ref *x = a, *y = b;

	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

static void hit(struct scan *sc, ino_t ino, pid_t pid)
{
	struct ino_ref key = { .ino = ino };
	struct ino_ref *r = bsearch(&key, sc->refs, sc->nrefs,
	    sizeof(*sc->refs), cmp_ino);

	if (r == NULL)
		return;
	/* Several files may share an inode only if they are links to one
	 * file: report them all. */
	while (r > sc->refs && r[-1].ino == ino)
		r--;
	for (; r < sc->refs + sc->nrefs && r->ino == ino; r++)
		sc->hooks->mapped(sc->hooks->arg, r->idx, pid);
}

static unsigned long hex_field(const char **pp, const char *end)
{
	const char *p = *pp;
	unsigned long v = 0;

	for (; p < end; p++) {
		int d;
		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else
			break;
		v = v * 16 + (unsigned long)d;
	}
	*pp = p;
	return v;
}

/* Read a /proc file into sc->buf, NUL-terminated.  Length, or -errno. */
static ssize_t read_proc(struct scan *sc, int dirfd, const char *what)
{
	size_t n = 0;
	int fd = openat(dirfd, what, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t r;
		if (sc->cap - n < 4096) {
			size_t cap = sc->cap ? sc->cap * 2 : 65536;
			char *grown = realloc(sc->buf, cap);
			if (grown == NULL) {
				close(fd);
				return -ENOMEM;
			}
			sc->buf = grown;
			sc->cap = cap;
		}
		r = read(fd, sc->buf + n, sc->cap - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			close(fd);
			return r;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	sc->buf[n] = '\0';
	return (ssize_t)n;
}

/* maps lines: "start-end perms offset MAJ:MIN inode  path". */
static void scan_maps(struct scan *sc, size_t len, pid_t pid)
{
	unsigned maj = major(sc->dev), min = minor(sc->dev);
	const char *p = sc->buf, *end = sc->buf + len;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		unsigned long dmaj, dmin;
		unsigned long long ino;
		int field;

		if (eol == NULL)
			eol = end;
		/* skip address, perms, offset */
		for (field = 0; field < 3 && p < eol; field++) {
			while (p < eol && *p != ' ')
				p++;
			while (p < eol && *p == ' ')
				p++;
		}
		dmaj = hex_field(&p, eol);
		if (p < eol && *p == ':') {
			p++;
			dmin = hex_field(&p, eol);
			if (dmaj == maj && dmin == min) {
				ino = strtoull(p, NULL, 10);
				if (ino != 0)
					hit(sc, (ino_t)ino, pid);
			}
		}
		p = eol + 1;
	}
}

/* Effective uid of pid, from /proc/PID/status (readable by everyone). */
static int proc_uid(struct scan *sc, int dirfd, uid_t *uid)
{
	ssize_t n = read_proc(sc, dirfd, "status");
	const char *p;
	unsigned long r, e;

	if (n < 0)
		return (int)n;
	p = strstr(sc->buf, "\nUid:");
	if (p == NULL || sscanf(p + 5, "%lu %lu", &r, &e) != 2)
		return -EINVAL;
	*uid = (uid_t)e;
	return 0;
}

/* The fds of the process whose /proc directory is dirfd.  false when they
 * cannot be read for lack of permission. */
static bool scan_fds(struct scan *sc, int dirfd, pid_t pid)
{
	int fddir = openat(dirfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *d;

	if (fddir < 0)
		return errno != EACCES && errno != EPERM;
	d = fdopendir(fddir);
	if (d == NULL) {
		close(fddir);
		return true;
	}
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		if (de->d_name[0] == '.')
			continue;
		if (fstatat(fddir, de->d_name, &st, 0) == 0 &&
		    st.st_dev == sc->dev)
			hit(sc, st.st_ino, pid);
	}
	closedir(d);
	return true;
}

static void scan_process(struct scan *sc, int procfd, pid_t pid)
{
	char pidstr[16];
	int dirfd;
	ssize_t n;
	bool readable = true;

	snprintf(pidstr, sizeof(pidstr), "%ld", (long)pid);
	dirfd = openat(procfd, pidstr, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return; /* gone */
	n = read_proc(sc, dirfd, "maps");
	if (n >= 0)
		scan_maps(sc, (size_t)n, pid);
	else if (n == -EACCES || n == -EPERM)
		readable = false;
	if (!scan_fds(sc, dirfd, pid))
		readable = false;
	if (!readable && sc->hooks->unreadable != NULL) {
		uid_t uid = 0;
		if (proc_uid(sc, dirfd, &uid) == 0)
			sc->hooks->unreadable(sc->hooks->arg, pid, uid);
	}
	close(dirfd);
}

int shmrpc__procscan_run(const ino_t *inos, size_t n, dev_t dev,
    const struct procscan_hooks *hooks)
{
	struct scan sc = { .hooks = hooks, .dev = dev };
	struct dirent *de;
	DIR *d;
	int procfd, rc = 0;

	if (n == 0)
		return 0; /* nothing to look for: no process need be read */
	sc.refs = calloc(n, sizeof(*sc.refs));
	if (sc.refs == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		sc.refs[i] = (struct ino_ref){ inos[i], i };
	sc.nrefs = n;
	qsort(sc.refs, sc.nrefs, sizeof(*sc.refs), cmp_ino);
	procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0) {
		rc = -errno;
		goto out;
	}
	d = fdopendir(procfd);
	if (d == NULL) {
		rc = -errno;
		close(procfd);
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		if (*end != '\0' || pid <= 0)
			continue;
		scan_process(&sc, procfd, (pid_t)pid);
	}
	closedir(d);
out:
	free(sc.buf);
	free(sc.refs);
	return rc;
}
