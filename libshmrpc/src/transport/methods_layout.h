/*
 * methods_layout.h - layer: transport.  The per-method counters of a
 * channel in shared memory, byte for byte, and the calls that write and
 * read them (methods.c).
 *
 * A table of up to `capacity` entries (shmrpc_options.methods), one per
 * method the server registered, in the order registered.  It lives inside the futex segment
 * (futex_layout.h: methods_offset) or in the posix channel's own segment
 * (posix_layout.h), whose header gives its offset and capacity; the bytes
 * below are the same in both.
 *
 *   offset 0   struct method_table  (count of entries published)
 *   64         struct method_entry[capacity]
 *
 * The server writes an entry's name, then publishes it by storing
 * count + 1 (release): a reader that loads count (acquire) sees the names
 * of the entries below it whole.  Names never change afterwards.  The
 * counters are written by the server's serving threads with relaxed atomic
 * adds (several threads may answer the same method at once).  A call is
 * counted when its answer is sent: its duration goes into latency[] and
 * sum_ns, a failure also into errors; the calls are the sum of latency[].
 *
 * Changing anything here means bumping FUTEX_LAYOUT_VERSION and
 * POSIX_STATS_VERSION.
 */
#ifndef SHMRPC_METHODS_LAYOUT_H
#define SHMRPC_METHODS_LAYOUT_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/common.h"
#include "base/histogram.h"

#define METHOD_NAME_SIZE (SHMRPC_METHOD_STATS_NAME_MAX + 1)
#define METHOD_TRUNCATED 1u /* entry flag: the name was cut */

struct method_counters {
	_Atomic uint64_t errors;
	_Atomic uint64_t sum_ns;
	_Atomic uint64_t reserved[6];
	_Atomic uint64_t latency[HIST_BUCKETS];
};

struct method_entry {
	char name[METHOD_NAME_SIZE]; /* NUL-terminated */
	uint32_t flags;              /* METHOD_TRUNCATED */
	alignas(64) struct method_counters c;
};

struct method_table {
	_Atomic uint32_t count;      /* entries published */
	uint32_t reserved[15];
	/* struct method_entry entries[capacity] follow */
};

_Static_assert(sizeof(struct method_table) == 64, "method table header");
_Static_assert(sizeof(struct method_entry) % 64 == 0,
    "method entry not whole cache lines");

/* Bytes of a table of capacity entries. */
static inline uint64_t methods_table_size(uint32_t capacity)
{
	return sizeof(struct method_table) +
	    (uint64_t)capacity * sizeof(struct method_entry);
}

static inline struct method_entry *methods_entry(struct method_table *t,
    uint32_t i)
{
	return (struct method_entry *)((char *)t + sizeof(*t)) + i;
}

/*
 * Server, while registering (never during serve): the counters of method
 * `name`, publishing a new entry for it if the table has none and room is
 * left; NULL when the table is full (the method is then not counted on
 * its own).  t may be NULL (no table: NULL).
 */
struct method_counters *shmrpc__methods_add(struct method_table *t,
    uint32_t capacity, const char *name);

/* Server, once per answered call of a method: its duration and whether it
 * failed.  c may be NULL (method not counted). */
static inline void shmrpc__methods_count(struct method_counters *c,
    bool failed, int64_t ns)
{
	if (c == NULL)
		return;
	atomic_fetch_add_explicit(&c->latency[hist_index(ns)], 1,
	    memory_order_relaxed);
	atomic_fetch_add_explicit(&c->sum_ns, ns > 0 ? (uint64_t)ns : 0,
	    memory_order_relaxed);
	if (failed)
		atomic_fetch_add_explicit(&c->errors, 1, memory_order_relaxed);
}

#endif
