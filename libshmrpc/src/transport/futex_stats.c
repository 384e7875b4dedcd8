/*
 * futex_stats.c - layer: transport.  The statistics of a futex channel as
 * seen from outside (the read_stats op behind shmrpc_stats_read()): the
 * channel's counters, the slots its clients hold, its methods.
 *
 * The segment is opened O_RDONLY and read with pread(2) into private
 * memory, never mapped: the reader claims no slot, writes nothing, wakes
 * nobody, and a segment that its owner shrinks or rewrites gives an error
 * or odd numbers, never a signal.  The header is read once, checked, and
 * only that copy is used.  A counter is one aligned 8-byte word, which
 * pread copies whole on the machines we run on.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "transport/futex_layout.h"
#include "transport/stats.h"
#include "transport/transport.h"

#define RLX memory_order_relaxed

/* Is o the owner word of a client (not free, not handed to the server)? */
static bool client_owner(uint64_t o)
{
	return o != FUTEX_OWNER_FREE && o != FUTEX_OWNER_SERVER;
}

/* Counters copied out of the segment (c) into o, with its histogram. */
static void copy_counters(const struct futex_counters *c, shmrpc_counters *o,
    uint64_t *lat)
{
	o->calls = atomic_load_explicit(&c->calls, RLX);
	o->errors = atomic_load_explicit(&c->errors, RLX);
	o->timeouts = atomic_load_explicit(&c->timeouts, RLX);
	o->bytes_in = atomic_load_explicit(&c->bytes_in, RLX);
	o->bytes_out = atomic_load_explicit(&c->bytes_out, RLX);
	o->in_flight = atomic_load_explicit(&c->in_flight, RLX);
	o->last_activity_ns = atomic_load_explicit(&c->last_ns, RLX);
	o->latency_sum_ns = atomic_load_explicit(&c->sum_ns, RLX);
	o->latency_count = 0;
	for (unsigned b = 0; b < HIST_BUCKETS; b++) {
		lat[b] = atomic_load_explicit(&c->latency[b], RLX);
		o->latency_count += lat[b];
	}
}

/* sum += c (histograms included). */
static void add_counters(shmrpc_counters *sum, uint64_t *sum_lat,
    const shmrpc_counters *c)
{
	sum->calls += c->calls;
	sum->errors += c->errors;
	sum->timeouts += c->timeouts;
	sum->bytes_in += c->bytes_in;
	sum->bytes_out += c->bytes_out;
	sum->in_flight += c->in_flight;
	if (c->last_activity_ns > sum->last_activity_ns)
		sum->last_activity_ns = c->last_activity_ns;
	sum->latency_count += c->latency_count;
	sum->latency_sum_ns += c->latency_sum_ns;
	for (unsigned b = 0; b < HIST_BUCKETS; b++)
		sum_lat[b] += c->latency[b];
}

/* The slots held by clients, from the copy of the slot array `slots`,
 * into st->slots; their counters are added to the channel's (sum). */
static int take_slots(shmrpc_stats *st, const struct futex_header *h,
    const unsigned char *slots, shmrpc_counters *sum, uint64_t *sum_lat)
{
	st->slots = shmrpc__arena_alloc(&st->arena,
	    (h->nslots > 0 ? h->nslots : 1) * sizeof(*st->slots));
	if (st->slots == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < h->nslots; i++) {
		const struct futex_slot *sl = (const struct futex_slot *)(
		    slots + (size_t)i * sizeof(struct futex_slot));
		uint64_t o = atomic_load_explicit(&sl->owner, RLX);
		shmrpc_slot_stats *ss = &st->slots[st->nslots];
		shmrpc_counters *c;
		uint64_t *lat;

		if (o != FUTEX_OWNER_FREE)
			st->channel.slots_in_use++;
		if (!client_owner(o))
			continue;
		if ((c = shmrpc__stats_counters(st, &lat)) == NULL)
			return -ENOMEM;
		copy_counters(&sl->stats, c, lat);
		ss->index = i;
		ss->pid = FUTEX_OWNER_PID(o);
		ss->start_time = atomic_load_explicit(&sl->owner_start, RLX);
		ss->claimed_ns = atomic_load_explicit(&sl->claimed_ns, RLX);
		ss->counters = c;
		add_counters(sum, sum_lat, c);
		st->nslots++;
	}
	return 0;
}

/* The channel's figures from the checked copy of its header and of its
 * slots: clients gone (retired) plus clients here. */
static int take_channel(shmrpc_stats *st, const struct futex_header *h,
    const unsigned char *slots)
{
	shmrpc_channel_stats *ch = &st->channel;
	shmrpc_counters *sum;
	uint64_t *sum_lat, requests;
	int rc;

	ch->transport = SHMRPC_TRANSPORT_FUTEX;
	ch->server_pid = h->server_pid;
	ch->server_start_time = h->server_start;
	ch->server_running = atomic_load_explicit(&h->server_state, RLX) ==
	    FUTEX_SERVER_RUNNING;
	ch->created_realtime_ns = h->created_ns;
	ch->buffer_size = (size_t)h->buffer_size;
	ch->slots = h->nslots;
	if ((sum = shmrpc__stats_counters(st, &sum_lat)) == NULL)
		return -ENOMEM;
	copy_counters(&h->retired, sum, sum_lat);
	sum->in_flight = 0;
	if ((rc = take_slots(st, h, slots, sum, sum_lat)) < 0)
		return rc;
	sum->errors += atomic_load_explicit(&h->server_errors, RLX);
	/* Slots count bytes as their clients see them; the channel as the
	 * server does: requests in, responses out. */
	requests = sum->bytes_out;
	sum->bytes_out = sum->bytes_in;
	sum->bytes_in = requests;
	ch->counters = sum;
	return 0;
}

/* How much of a segment of size bytes to read at once: the header, the
 * slots and the method table's count of a channel of the default
 * geometry, so that most channels cost one pread (and one more for their
 * methods).  Bigger channels read the rest on their own. */
static size_t first_read(uint64_t size)
{
	struct futex_geometry g;
	uint64_t n = FUTEX_HEADER_SIZE;

	if (futex_geometry(SHMRPC_DEFAULT_BUFFER_SIZE, SHMRPC_DEFAULT_SLOTS,
		SHMRPC_DEFAULT_METHODS, &g) == 0)
		n = g.methods_offset + sizeof(struct method_table);
	return (size_t)(size < n ? size : n);
}

/* Read the first n bytes of the open segment into h and check its
 * header. */
static int read_header(int fd, uint64_t size, struct futex_header *h,
    size_t n, const char *fname, shmrpc_error *err)
{
	int rc;

	if (size < FUTEX_HEADER_SIZE)
		return shmrpc__error_set(err, SHMRPC_EVERSION, "/dev/shm/%s: "
		    "too small for a futex segment", fname);
	if ((rc = shmrpc__stats_pread(fd, h, n, 0, fname, err)) < 0)
		return rc;
	if (size > SIZE_MAX ||
	    shmrpc__futex_header_check(h, (size_t)size, fname) < 0)
		return shmrpc__error_set(err, SHMRPC_EVERSION, "/dev/shm/%s: "
		    "not a futex segment of layout %u", fname,
		    FUTEX_LAYOUT_VERSION);
	return 0;
}

/* The statistics of the open segment fd (size bytes) into st. */
static int read_segment(shmrpc_stats *st, int fd, uint64_t size,
    const char *fname, shmrpc_error *err)
{
	size_t n = first_read(size), slots_bytes;
	/* Aligned as in the segment: the header holds atomics. */
	unsigned char *first = aligned_alloc(FUTEX_CACHELINE,
	    (n + FUTEX_CACHELINE - 1) & ~(size_t)(FUTEX_CACHELINE - 1));
	unsigned char *more = NULL;
	const unsigned char *slots;
	struct futex_header *h = (struct futex_header *)first;
	int rc;

	if (first == NULL) {
		rc = shmrpc__error_set(err, -ENOMEM, NULL);
		goto out;
	}
	if ((rc = read_header(fd, size, h, n, fname, err)) < 0)
		goto out;
	slots_bytes = (size_t)h->nslots * sizeof(struct futex_slot);
	if (h->slots_offset + slots_bytes <= n) {
		slots = first + h->slots_offset;
	} else if ((more = aligned_alloc(FUTEX_CACHELINE, slots_bytes)) ==
	    NULL) {
		rc = shmrpc__error_set(err, -ENOMEM, NULL);
		goto out;
	} else {
		rc = shmrpc__stats_pread(fd, more, slots_bytes,
		    h->slots_offset, fname, err);
		slots = more;
	}
	if (rc == 0 && (rc = take_channel(st, h, slots)) < 0)
		shmrpc__error_set(err, rc, NULL);
	if (rc == 0)
		rc = shmrpc__methods_read(st, fd, h->methods_offset,
		    h->methods_capacity, size, h->methods_offset +
		    sizeof(struct method_table) <= n ? first + h->methods_offset
						     : NULL, fname, err);
out:
	free(more);
	free(first);
	return rc;
}

int shmrpc__futex_read_stats(const char *name, shmrpc_stats **out,
    shmrpc_error *err)
{
	char fname[TRANSPORT_FNAME_MAX];

	snprintf(fname, sizeof(fname), "%s%s", FUTEX_SEG_PREFIX, name);
	return shmrpc__stats_read_file(fname, read_segment, out, err);
}
