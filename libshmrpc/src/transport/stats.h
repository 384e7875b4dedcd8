/*
 * stats.h - layer: transport.  The statistics snapshot behind the public
 * shmrpc_stats_* API, and what the transports' readers (futex_stats.c,
 * posix_stats.c, methods.c) use to fill one.
 *
 * Every reader copies from the segment with pread(2) into private memory
 * and checks only that copy: another process's segment can change or
 * shrink at any time, and a mapping of it could fault.
 */
#ifndef SHMRPC_STATS_H
#define SHMRPC_STATS_H

#include <sys/types.h>

#include "base/arena.h"
#include "base/common.h"

struct shmrpc_stats {
	struct arena arena;           /* everything below lives here */
	shmrpc_channel_stats channel;
	shmrpc_slot_stats *slots;
	size_t nslots;
	shmrpc_method_stats *methods;
	size_t nmethods;
};

/* A new, empty snapshot, or NULL. */
shmrpc_stats *shmrpc__stats_new(void);

/* A new zeroed set of counters in st, with its latency histogram; NULL
 * when out of memory.  The histogram's buckets are writable through
 * *latency until the snapshot is handed out. */
shmrpc_counters *shmrpc__stats_counters(shmrpc_stats *st, uint64_t **latency);

/* Open /dev/shm/fname read-only (no link followed, a regular file), its
 * size in *size.  The fd, or SHMRPC_ENOCHANNEL, SHMRPC_ENOTOURS, -errno,
 * said in err. */
int shmrpc__stats_open(const char *fname, uint64_t *size, shmrpc_error *err);

/* A reader of one segment: fills st from the open file fd of size bytes
 * (/dev/shm/fname).  0 or an error, said in err. */
typedef int (*stats_reader)(shmrpc_stats *st, int fd, uint64_t size,
    const char *fname, shmrpc_error *err);

/* A new snapshot in *out, from /dev/shm/fname read by read.  0 or an
 * error (SHMRPC_ENOCHANNEL when there is no such file), said in err. */
int shmrpc__stats_read_file(const char *fname, stats_reader read,
    shmrpc_stats **out, shmrpc_error *err);

/* Read exactly n bytes at off.  0, SHMRPC_ETRANSPORT on a short read (the
 * file shrank), or -errno; said in err, naming fname. */
int shmrpc__stats_pread(int fd, void *buf, size_t n, uint64_t off,
    const char *fname, shmrpc_error *err);

/* Read the method table at off (capacity entries at most, inside a file of
 * file_size bytes) of fd into st->methods; head, when not NULL, is a copy
 * of the table's first 64 bytes already read.  0 or an error as above. */
int shmrpc__methods_read(shmrpc_stats *st, int fd, uint64_t off,
    uint32_t capacity, uint64_t file_size, const void *head,
    const char *fname, shmrpc_error *err);

#endif
