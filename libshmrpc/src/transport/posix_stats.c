/*
 * posix_stats.c - layer: transport.  The statistics of a posix channel as
 * seen from outside (the read_stats op behind shmrpc_stats_read()): its
 * server's per-method counters, from /dev/shm/shmrpc_posix_NAME
 * (posix_layout.h).  Read with pread(2) into private memory, as
 * futex_stats.c reads a futex segment.
 *
 * Unlike a futex segment, this file is not the channel: it sits beside the
 * seed's six objects, and a channel served by Python has none.  Another
 * user can create one at that name, so its figures are the channel's
 * only if its owner is the owner of the channel's request segment.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "os/shmobj.h"
#include "transport/posix_layout.h"
#include "transport/stats.h"
#include "transport/transport.h"

/* Read and check the header of the open segment into h. */
static int read_header(int fd, uint64_t size, struct posix_stats_header *h,
    const char *fname, shmrpc_error *err)
{
	const char *why = NULL;
	int rc;

	if (size < sizeof(*h))
		return shmrpc__error_set(err, SHMRPC_EVERSION, "/dev/shm/%s: "
		    "too small for its header", fname);
	if ((rc = shmrpc__stats_pread(fd, h, sizeof(*h), 0, fname, err)) < 0)
		return rc;
	if (h->magic != POSIX_STATS_MAGIC)
		why = "bad magic";
	else if (h->version != POSIX_STATS_VERSION)
		why = "another layout version";
	else if (h->header_size != POSIX_STATS_HEADER_SIZE ||
	    h->methods_offset != POSIX_STATS_HEADER_SIZE ||
	    h->methods_capacity > SHMRPC_MAX_METHODS ||
	    h->total_size != posix_stats_size(h->methods_capacity))
		why = "inconsistent sizes";
	else if (h->total_size != size)
		why = "file size differs from the header's";
	if (why == NULL)
		return 0;
	return shmrpc__error_set(err, SHMRPC_EVERSION, "/dev/shm/%s: %s",
	    fname, why);
}

/* Is the open counters file fd (/dev/shm/fname) owned by whoever owns the
 * channel's request segment, a regular file?  0, SHMRPC_ENOCHANNEL (no
 * request segment: no channel), SHMRPC_ENOTOURS, or -errno; said in err. */
static int check_owner(int fd, const char *fname, shmrpc_error *err)
{
	char req[TRANSPORT_FNAME_MAX];
	struct stat own, chan;
	int dir = shmrpc__shm_dirfd(), rc;

	snprintf(req, sizeof(req), POSIX_REQ_PREFIX "%s" POSIX_REQ_SUFFIX,
	    fname + strlen(POSIX_STATS_PREFIX));
	if (fstat(fd, &own) < 0)
		return shmrpc__error_set(err, -errno, "/dev/shm/%s: %s", fname,
		    shmrpc_strerror(-errno));
	rc = dir < 0 ? dir : shmrpc__shmfile_stat_at(dir, req, &chan);
	if (rc == -ENOENT)
		return shmrpc__error_set(err, SHMRPC_ENOCHANNEL, "/dev/shm/%s: "
		    "no channel beside it (no /dev/shm/%s)", fname, req);
	if (rc < 0)
		return shmrpc__error_set(err, rc, "/dev/shm/%s: %s", req,
		    shmrpc_strerror(rc));
	if (!S_ISREG(chan.st_mode))
		return shmrpc__error_set(err, SHMRPC_ENOTOURS, "/dev/shm/%s: "
		    "not a regular file", req);
	if (own.st_uid != chan.st_uid)
		return shmrpc__error_set(err, SHMRPC_ENOTOURS, "/dev/shm/%s is "
		    "owned by uid %lu, its channel (/dev/shm/%s) by uid %lu: "
		    "not that channel's counters", fname,
		    (unsigned long)own.st_uid, req,
		    (unsigned long)chan.st_uid);
	return 0;
}

static int read_segment(shmrpc_stats *st, int fd, uint64_t size,
    const char *fname, shmrpc_error *err)
{
	struct posix_stats_header h;
	shmrpc_channel_stats *ch = &st->channel;
	int rc = check_owner(fd, fname, err);

	if (rc == 0)
		rc = read_header(fd, size, &h, fname, err);
	if (rc < 0)
		return rc;
	ch->transport = SHMRPC_TRANSPORT_POSIX;
	ch->server_pid = h.server_pid;
	ch->server_start_time = h.server_start;
	ch->server_running = 1; /* the server removes the file on close */
	ch->created_realtime_ns = h.created_ns;
	ch->buffer_size = (size_t)h.buffer_size;
	ch->slots = 1;
	return shmrpc__methods_read(st, fd, h.methods_offset,
	    h.methods_capacity, size, NULL, fname, err);
}

int shmrpc__posix_read_stats(const char *name, shmrpc_stats **out,
    shmrpc_error *err)
{
	char fname[TRANSPORT_FNAME_MAX];

	snprintf(fname, sizeof(fname), "%s%s", POSIX_STATS_PREFIX, name);
	return shmrpc__stats_read_file(fname, read_segment, out, err);
}
