/*
 * methods.c - layer: transport.  The per-method counters of a channel
 * (methods_layout.h): the server publishes an entry per registered method,
 * and readers copy the table into a statistics snapshot.
 */
#include <stdlib.h>
#include <string.h>

#include "transport/methods_layout.h"
#include "transport/stats.h"

/* Does entry e stand for `name` (cut as it would be stored)? */
static bool entry_is(const struct method_entry *e, const char *name)
{
	return strncmp(e->name, name, METHOD_NAME_SIZE - 1) == 0 &&
	    ((e->flags & METHOD_TRUNCATED) != 0) ==
		(strlen(name) > METHOD_NAME_SIZE - 1);
}

struct method_counters *shmrpc__methods_add(struct method_table *t,
    uint32_t capacity, const char *name)
{
	uint32_t n;
	struct method_entry *e;
	size_t len;

	if (t == NULL)
		return NULL;
	/* Only the registering thread writes the table: relaxed is enough
	 * to read back what it wrote. */
	n = atomic_load_explicit(&t->count, memory_order_relaxed);
	for (uint32_t i = 0; i < n && i < capacity; i++)
		if (entry_is(methods_entry(t, i), name))
			return &methods_entry(t, i)->c;
	if (n >= capacity)
		return NULL;
	e = methods_entry(t, n);
	len = strlen(name);
	if (len > METHOD_NAME_SIZE - 1) {
		len = METHOD_NAME_SIZE - 1;
		e->flags = METHOD_TRUNCATED;
	}
	memcpy(e->name, name, len);
	e->name[len] = '\0';
	atomic_store_explicit(&t->count, n + 1, memory_order_release);
	return &e->c;
}

/* One entry, copied out of the segment, into method stats m. */
static int entry_to_stats(shmrpc_stats *st, const struct method_entry *e,
    shmrpc_method_stats *m)
{
	shmrpc_counters *c;
	uint64_t *lat;
	char name[METHOD_NAME_SIZE];

	c = shmrpc__stats_counters(st, &lat);
	/* The writer is another process: trust no terminator. */
	memcpy(name, e->name, sizeof(name));
	name[sizeof(name) - 1] = '\0';
	m->name = shmrpc__arena_strdup(&st->arena, name);
	if (c == NULL || m->name == NULL)
		return -ENOMEM;
	m->truncated = (e->flags & METHOD_TRUNCATED) != 0;
	for (unsigned b = 0; b < HIST_BUCKETS; b++) {
		lat[b] = atomic_load_explicit(&e->c.latency[b],
		    memory_order_relaxed);
		c->latency_count += lat[b];
	}
	c->calls = c->latency_count;
	c->errors = atomic_load_explicit(&e->c.errors, memory_order_relaxed);
	c->latency_sum_ns = atomic_load_explicit(&e->c.sum_ns,
	    memory_order_relaxed);
	m->counters = c;
	return 0;
}

int shmrpc__methods_read(shmrpc_stats *st, int fd, uint64_t off,
    uint32_t capacity, uint64_t file_size, const void *first,
    const char *fname, shmrpc_error *err)
{
	struct method_table head;
	struct method_entry *ents = NULL;
	uint32_t n;
	int rc;

	if (capacity == 0)
		return 0;
	if (off > file_size || methods_table_size(capacity) > file_size - off)
		return shmrpc__error_set(err, SHMRPC_ETRANSPORT,
		    "/dev/shm/%s: method table beyond the end of the file",
		    fname);
	if (first != NULL)
		memcpy(&head, first, sizeof(head));
	else if ((rc = shmrpc__stats_pread(fd, &head, sizeof(head), off, fname,
		      err)) < 0)
		return rc;
	n = atomic_load_explicit(&head.count, memory_order_relaxed);
	if (n > capacity)
		n = capacity; /* a writer that lies: read what fits */
	if (n == 0)
		return 0;
	ents = malloc((size_t)n * sizeof(*ents));
	st->methods = shmrpc__arena_alloc(&st->arena,
	    (size_t)n * sizeof(*st->methods));
	if (ents == NULL || st->methods == NULL) {
		rc = shmrpc__error_set(err, -ENOMEM, NULL);
		goto out;
	}
	rc = shmrpc__stats_pread(fd, ents, (size_t)n * sizeof(*ents),
	    off + sizeof(head), fname, err);
	for (uint32_t i = 0; i < n && rc == 0; i++) {
		rc = entry_to_stats(st, &ents[i], &st->methods[i]);
		if (rc < 0)
			shmrpc__error_set(err, rc, NULL);
		else
			st->nmethods++;
	}
out:
	free(ents);
	return rc;
}
