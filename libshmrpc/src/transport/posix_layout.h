/*
 * posix_layout.h - layer: transport.  The segment of our own that a posix
 * channel has beside the seed's six objects, byte for byte.
 *
 * The seed's format (posix.c) has no room for anything but messages, so a
 * C server keeps what else it shares in /dev/shm/shmrpc_posix_NAME (mode
 * 0600, created with the channel and removed with it; it is one of the
 * channel's objects in the registry, so the reaper removes it with the
 * rest).  A Python shm-rpc-bridge server has none, and neither side of the
 * seed ever opens it.
 *
 *   offset 0                 struct posix_stats_header (header_size)
 *   methods_offset           the per-method counters (methods_layout.h)
 *   total_size               end of file
 *
 * Changing any structure here means bumping POSIX_STATS_VERSION.
 */
#ifndef SHMRPC_POSIX_LAYOUT_H
#define SHMRPC_POSIX_LAYOUT_H

#include <stdint.h>

#include "transport/methods_layout.h"

#define POSIX_STATS_PREFIX "shmrpc_posix_"
/* The seed's request segment, srb_NAME_req: a client opens it first, the
 * owner's liveness lock is on it, and its owner is the channel's. */
#define POSIX_REQ_PREFIX "srb_"
#define POSIX_REQ_SUFFIX "_req"
#define POSIX_STATS_MAGIC 0x50505253u /* "SRPP" in little-endian memory */
#define POSIX_STATS_VERSION 1u
#define POSIX_STATS_HEADER_SIZE 4096u

/* Written once, before the file gets its name. */
struct posix_stats_header {
	uint32_t magic;
	uint32_t version;
	uint32_t header_size;      /* POSIX_STATS_HEADER_SIZE */
	uint32_t methods_capacity;
	uint64_t methods_offset;   /* header_size */
	uint64_t total_size;
	int32_t server_pid;
	uint32_t reserved0;
	uint64_t server_start;     /* start time, full */
	int64_t created_ns;        /* CLOCK_REALTIME ns */
	uint64_t buffer_size;      /* of the seed's segments */
	char name[SHMRPC_NAME_MAX + 1];
};

_Static_assert(sizeof(struct posix_stats_header) <= POSIX_STATS_HEADER_SIZE,
    "posix stats header outgrew its page");

static inline uint64_t posix_stats_size(uint32_t capacity)
{
	return POSIX_STATS_HEADER_SIZE + methods_table_size(capacity);
}

#endif
