/*
 * stats.c - layer: transport.  The statistics snapshot (shmrpc_stats_*
 * accessors) and the helpers its readers share (stats.h).  The readers
 * are futex_stats.c, posix_stats.c and methods.c; stats_read.c picks
 * one.  Nothing here calls them, so that no module depends on another
 * both ways.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/histogram.h"
#include "os/shmobj.h"
#include "transport/stats.h"

shmrpc_stats *shmrpc__stats_new(void)
{
	return calloc(1, sizeof(shmrpc_stats));
}

shmrpc_counters *shmrpc__stats_counters(shmrpc_stats *st, uint64_t **latency)
{
	shmrpc_counters *c = shmrpc__arena_alloc(&st->arena, sizeof(*c));
	uint64_t *lat = shmrpc__arena_alloc(&st->arena,
	    HIST_BUCKETS * sizeof(*lat));

	if (c == NULL || lat == NULL)
		return NULL;
	c->latency = lat;
	c->latency_buckets = HIST_BUCKETS;
	*latency = lat;
	return c;
}

int shmrpc__stats_open(const char *fname, uint64_t *size, shmrpc_error *err)
{
	struct stat st;
	int dir = shmrpc__shm_dirfd(), fd;

	if (dir < 0)
		return shmrpc__error_set(err, dir, "/dev/shm: %s",
		    shmrpc_strerror(dir));
	fd = shmrpc__shmfile_open_at(dir, fname, O_RDONLY, 0, &st);
	if (fd == -ENOENT)
		return shmrpc__error_set(err, SHMRPC_ENOCHANNEL,
		    "/dev/shm/%s: no such file", fname);
	if (fd < 0)
		return shmrpc__error_set(err, fd, "/dev/shm/%s: %s", fname,
		    shmrpc_strerror(fd));
	*size = (uint64_t)st.st_size;
	return fd;
}

int shmrpc__stats_read_file(const char *fname, stats_reader read,
    shmrpc_stats **out, shmrpc_error *err)
{
	shmrpc_stats *st;
	uint64_t size;
	int fd, rc;

	*out = NULL;
	fd = shmrpc__stats_open(fname, &size, err);
	if (fd < 0)
		return fd;
	if ((st = shmrpc__stats_new()) == NULL) {
		close(fd);
		return shmrpc__error_set(err, -ENOMEM, NULL);
	}
	rc = read(st, fd, size, fname, err);
	close(fd);
	if (rc < 0) {
		shmrpc_stats_free(st);
		return rc;
	}
	*out = st;
	return 0;
}

int shmrpc__stats_pread(int fd, void *buf, size_t n, uint64_t off,
    const char *fname, shmrpc_error *err)
{
	size_t done = 0;

	while (done < n) {
		ssize_t r = pread(fd, (char *)buf + done, n - done,
		    (off_t)(off + done));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return shmrpc__error_set(err, -errno,
			    "/dev/shm/%s: %s", fname, shmrpc_strerror(-errno));
		if (r == 0)
			return shmrpc__error_set(err, SHMRPC_ETRANSPORT,
			    "/dev/shm/%s shrank while being read", fname);
		done += (size_t)r;
	}
	return 0;
}

SHMRPC_API void shmrpc_stats_free(shmrpc_stats *st)
{
	if (st == NULL)
		return;
	shmrpc__arena_free(&st->arena);
	free(st);
}

SHMRPC_API const shmrpc_channel_stats *shmrpc_stats_channel(
    const shmrpc_stats *st)
{
	return st != NULL ? &st->channel : NULL;
}

SHMRPC_API size_t shmrpc_stats_slot_count(const shmrpc_stats *st)
{
	return st != NULL ? st->nslots : 0;
}

SHMRPC_API const shmrpc_slot_stats *shmrpc_stats_slot(const shmrpc_stats *st,
    size_t i)
{
	return st != NULL && i < st->nslots ? &st->slots[i] : NULL;
}

SHMRPC_API size_t shmrpc_stats_method_count(const shmrpc_stats *st)
{
	return st != NULL ? st->nmethods : 0;
}

SHMRPC_API const shmrpc_method_stats *shmrpc_stats_method(
    const shmrpc_stats *st, size_t i)
{
	return st != NULL && i < st->nmethods ? &st->methods[i] : NULL;
}
