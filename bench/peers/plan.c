/*
 * plan.c - peer-bench: the rows of a run (layer: bench).
 *
 * Rows of one (case, payload, clients) run back to back for every system,
 * so that a noisy minute on the machine hits them alike.  To add rows
 * (another case, a pinned variant, more payloads), add them to the tables
 * below; the report finds rows by (system, case, payload, clients).
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

#define KiB 1024u
#define MiB (1024u * 1024u)

/* The comparison of issue 11: every system, 1 and 8 clients. */
static const struct {
	enum bench_case kase;
	size_t payload;
} compare[] = {
	{ CASE_JSON_ADD, 100 },     /* a small call with JSON both sides */
	{ CASE_RAW, 100 },          /* bytes echoed, no JSON */
	{ CASE_JSON_ECHO, 10 * KiB },
	{ CASE_JSON_ECHO, 2 * MiB },
	{ CASE_RAW, 2 * MiB },
	{ CASE_BYTES_ECHO, 100 },   /* shmrpc only: shmrpc_call_bytes() */
	{ CASE_BYTES_ECHO, 2 * MiB },
};
static const int compare_clients[] = { 1, 8 };

/* Latency against payload: raw (and bytes) echo, 1 client. */
const size_t plan_sizes[] = { 100, 1 * KiB, 10 * KiB, 100 * KiB, 1 * MiB,
	2 * MiB };
const size_t plan_nsizes = sizeof(plan_sizes) / sizeof(plan_sizes[0]);

/* Calls/s against clients: the small JSON call. */
const int plan_clients[] = { 1, 2, 4, 8, 16 };
const size_t plan_nclients = sizeof(plan_clients) / sizeof(plan_clients[0]);

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int same(const struct row_spec *a, const struct row_spec *b)
{
	return a->sys == b->sys && a->kase == b->kase &&
	    a->payload == b->payload && a->clients == b->clients;
}

static void add(struct plan *p, const struct bench_system *sys,
    enum bench_case kase, size_t payload, int clients)
{
	struct row_spec r = { sys, kase, payload, clients };

	if (sys != NULL && (sys->skip_reason != NULL ||
	    !(sys->cases & CASE_BIT(kase))))
		return;
	for (size_t i = 0; i < p->n; i++)
		if (same(&p->rows[i], &r))
			return;
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 64;
		p->rows = realloc(p->rows, p->cap * sizeof(*p->rows));
		if (p->rows == NULL)
			err(1, "realloc");
	}
	p->rows[p->n++] = r;
}

/* One (case, payload, clients) for every system. */
static void add_all(struct plan *p, enum bench_case kase, size_t payload,
    int clients)
{
	for (size_t s = 0; s < bench_nsystems; s++)
		add(p, bench_systems[s], kase, payload, clients);
}

void plan_build(struct plan *p)
{
	memset(p, 0, sizeof(*p));
	for (size_t k = 0; k < N(compare); k++)
		for (size_t c = 0; c < N(compare_clients); c++)
			add_all(p, compare[k].kase, compare[k].payload,
			    compare_clients[c]);
	for (size_t i = 0; i < plan_nsizes; i++) {
		add(p, NULL, CASE_RAW, plan_sizes[i], 1); /* memcpy floor */
		add_all(p, CASE_RAW, plan_sizes[i], 1);
		add_all(p, CASE_BYTES_ECHO, plan_sizes[i], 1);
	}
	for (size_t i = 0; i < plan_nclients; i++)
		add_all(p, CASE_JSON_ADD, 100, plan_clients[i]);
	add_all(p, CASE_IDLE, 0, 1);
	add_all(p, CASE_WAITING, 0, 1);
}

void plan_free(struct plan *p)
{
	free(p->rows);
	memset(p, 0, sizeof(*p));
}
