/*
 * futex_stats.c - layer: transport.  The read-only view of a futex
 * channel's live counters (shmrpc_stats_channel(), shmrpc_stats_slots()).
 *
 * The segment is opened O_RDONLY and its header and slots are copied with
 * pread into private memory (read_channel()): the reader claims no slot,
 * writes nothing and wakes nobody, and, since it reads other users'
 * segments when root runs the tools, neither a header rewritten while it
 * reads nor a file truncated under it can make it read out of bounds or
 * take a signal.  Everything below works on that copy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "transport/futex_layout.h"
#include "os/shmobj.h"
#include "transport/transport.h"

#define RLX memory_order_relaxed

/* The header and then the slots that header describes, into one private
 * buffer laid out as the file is (so slots_of() works on it); the header
 * is checked before its fields size the second read and is never read
 * again.  0, or < 0 with nothing to free. */
static int read_segment(int fd, uint64_t file_size, const char *fname,
    const struct futex_header **hp)
{
	struct futex_header *h = malloc(FUTEX_HEADER_SIZE);
	size_t need;
	void *grown;
	int rc;

	if (h == NULL)
		return -ENOMEM;
	rc = shmrpc__shmfile_pread_exact(fd, h, FUTEX_HEADER_SIZE, 0);
	if (rc == 0)
		rc = shmrpc__futex_header_check(h, (size_t)file_size, fname);
	if (rc < 0)
		goto fail;
	/* Checked: slots_offset == FUTEX_HEADER_SIZE, nslots <= 1024. */
	need = (size_t)h->slots_offset + (size_t)h->nslots * h->slot_size;
	grown = realloc(h, need);
	if (grown == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	h = grown;
	rc = shmrpc__shmfile_pread_exact(fd, (char *)h + FUTEX_HEADER_SIZE,
	    need - FUTEX_HEADER_SIZE, FUTEX_HEADER_SIZE);
	if (rc < 0)
		goto fail;
	*hp = h;
	return 0;
fail:
	free(h);
	/* A file shorter than its header says: truncated meanwhile. */
	return rc == -ENODATA ? SHMRPC_EVERSION : rc;
}

/* Read channel `name`'s header and slots into a private copy *hp (free()
 * it), checked.  0 or an error. */
static int read_channel(const char *name, const struct futex_header **hp)
{
	char fname[TRANSPORT_FNAME_MAX];
	uint64_t size;
	int fd, rc;

	rc = shmrpc_name_check(name);
	if (rc < 0)
		return rc;
	snprintf(fname, sizeof(fname), "%s%s", FUTEX_SEG_PREFIX, name);
	fd = shmrpc__shmobj_open_read(fname, &size);
	if (fd < 0)
		return fd;
	rc = read_segment(fd, size, fname, hp);
	close(fd);
	return rc;
}

static void read_counters(const struct futex_counters *c, shmrpc_counters *o)
{
	o->calls = atomic_load_explicit(&c->calls, RLX);
	o->errors = atomic_load_explicit(&c->errors, RLX);
	o->timeouts = atomic_load_explicit(&c->timeouts, RLX);
	o->bytes_in = atomic_load_explicit(&c->bytes_in, RLX);
	o->bytes_out = atomic_load_explicit(&c->bytes_out, RLX);
	o->in_flight = atomic_load_explicit(&c->in_flight, RLX);
	o->last_activity_ns = atomic_load_explicit(&c->last_ns, RLX);
	for (int b = 0; b < FUTEX_LAT_BUCKETS; b++)
		o->latency[b] = atomic_load_explicit(&c->latency[b], RLX);
}

static const struct futex_slot *slots_of(const struct futex_header *h)
{
	return (const struct futex_slot *)((const char *)h + h->slots_offset);
}

static void add_counters(shmrpc_counters *sum, const shmrpc_counters *c)
{
	sum->calls += c->calls;
	sum->errors += c->errors;
	sum->timeouts += c->timeouts;
	sum->bytes_in += c->bytes_in;
	sum->bytes_out += c->bytes_out;
	sum->in_flight += c->in_flight;
	if (c->last_activity_ns > sum->last_activity_ns)
		sum->last_activity_ns = c->last_activity_ns;
	for (int b = 0; b < SHMRPC_LATENCY_BUCKETS; b++)
		sum->latency[b] += c->latency[b];
}

/* Is o the owner word of a client (not free, not handed to the server)? */
static bool client_owner(uint64_t o)
{
	return o != FUTEX_OWNER_FREE && o != FUTEX_OWNER_SERVER;
}

/* The channel's figures from its mapped header h. */
static void channel_stats(const struct futex_header *h,
    shmrpc_channel_stats *out)
{
	const struct futex_slot *slots = slots_of(h);

	memset(out, 0, sizeof(*out));
	out->transport = SHMRPC_TRANSPORT_FUTEX;
	out->server_pid = h->server_pid;
	out->server_start_time = h->server_start;
	out->server_running = atomic_load(&h->server_state) ==
	    FUTEX_SERVER_RUNNING;
	out->created_realtime_ns = h->created_ns;
	out->buffer_size = (size_t)h->buffer_size;
	out->slots = h->nslots;
	/* Channel figures: clients gone (retired) plus clients here.  A
	 * slot being released at this very moment may be counted twice or
	 * not at all for an instant. */
	read_counters(&h->retired, &out->counters);
	out->counters.in_flight = 0;
	for (uint32_t i = 0; i < h->nslots; i++) {
		uint64_t o = atomic_load_explicit(&slots[i].owner, RLX);
		shmrpc_counters c;

		if (o != FUTEX_OWNER_FREE)
			out->slots_in_use++;
		if (!client_owner(o))
			continue;
		read_counters(&slots[i].stats, &c);
		add_counters(&out->counters, &c);
	}
	out->counters.errors += atomic_load_explicit(&h->server_errors, RLX);
	/* Slots count bytes as their clients see them; the channel as the
	 * server does: requests in, responses out. */
	uint64_t requests = out->counters.bytes_out;
	out->counters.bytes_out = out->counters.bytes_in;
	out->counters.bytes_in = requests;
}

/* Up to max client slots of the mapped header h into out; how many. */
static unsigned slot_stats(const struct futex_header *h,
    shmrpc_slot_stats *out, unsigned max)
{
	const struct futex_slot *slots = slots_of(h);
	unsigned n = 0;

	for (uint32_t i = 0; i < h->nslots && n < max; i++) {
		uint64_t o = atomic_load_explicit(&slots[i].owner, RLX);

		if (!client_owner(o))
			continue;
		memset(&out[n], 0, sizeof(out[n]));
		out[n].index = i;
		out[n].pid = FUTEX_OWNER_PID(o);
		out[n].start_time = atomic_load_explicit(&slots[i].owner_start,
		    RLX);
		out[n].claimed_ns = atomic_load_explicit(&slots[i].claimed_ns,
		    RLX);
		read_counters(&slots[i].stats, &out[n].counters);
		n++;
	}
	return n;
}

SHMRPC_API int shmrpc_stats_channel(const char *name,
    shmrpc_channel_stats *out)
{
	const struct futex_header *h;
	int rc;

	if (out == NULL)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	rc = read_channel(name, &h);
	if (rc < 0)
		return rc;
	channel_stats(h, out);
	free((void *)h);
	return 0;
}

SHMRPC_API int shmrpc_stats_slots(const char *name, shmrpc_slot_stats *out,
    unsigned max, unsigned *count)
{
	const struct futex_header *h;
	int rc;

	if (count == NULL || (out == NULL && max > 0))
		return -EINVAL;
	*count = 0;
	rc = read_channel(name, &h);
	if (rc < 0)
		return rc;
	*count = slot_stats(h, out, max);
	free((void *)h);
	return 0;
}

/* shmrpc_counters as a JSON object (numbers as numbers). */
static json_t *counters_json(const shmrpc_counters *c)
{
	json_t *lat = json_array();
	json_t *o;

	for (int i = 0; i < SHMRPC_LATENCY_BUCKETS; i++)
		json_array_append_new(lat, json_integer((json_int_t)c->latency[i]));
	o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}",
	    "calls", (json_int_t)c->calls, "errors", (json_int_t)c->errors,
	    "timeouts", (json_int_t)c->timeouts,
	    "bytes_in", (json_int_t)c->bytes_in,
	    "bytes_out", (json_int_t)c->bytes_out,
	    "in_flight", (json_int_t)c->in_flight,
	    "last_activity_ns", (json_int_t)c->last_activity_ns,
	    "latency_log2_ns", lat);
	return o;
}

/* The transport's read_counters op (see transport.h): the channel's
 * counters plus a "slots" array of the clients holding a slot, for
 * shmrpc_channel_info.counters. */
int shmrpc__futex_read_counters(const char *name, json_t **out)
{
	shmrpc_channel_stats ch;
	shmrpc_slot_stats *slots;
	const struct futex_header *h;
	unsigned n;
	json_t *o, *arr;
	int rc;

	*out = NULL;
	/* One read for the channel's figures and its slots. */
	rc = read_channel(name, &h);
	if (rc < 0)
		return rc;
	channel_stats(h, &ch);
	slots = calloc(ch.slots > 0 ? ch.slots : 1, sizeof(*slots));
	if (slots == NULL) {
		free((void *)h);
		return -ENOMEM;
	}
	n = slot_stats(h, slots, ch.slots);
	free((void *)h);
	o = counters_json(&ch.counters);
	arr = json_array();
	for (unsigned i = 0; i < n; i++) {
		json_t *s = counters_json(&slots[i].counters);
		json_object_set_new(s, "index", json_integer(slots[i].index));
		json_object_set_new(s, "pid", json_integer(slots[i].pid));
		json_array_append_new(arr, s);
	}
	free(slots);
	json_object_set_new(o, "slots_total", json_integer(ch.slots));
	json_object_set_new(o, "slots_in_use", json_integer(ch.slots_in_use));
	json_object_set_new(o, "slots", arr);
	*out = o;
	return 0;
}
