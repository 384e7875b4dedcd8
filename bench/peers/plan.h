/*
 * plan.h - peer-bench: which rows a run measures, in which order (layer:
 * bench).  Add rows here.
 */
#ifndef PEER_BENCH_PLAN_H
#define PEER_BENCH_PLAN_H

#include "harness.h"

struct plan {
	struct row_spec *rows;
	size_t n, cap;
};

/* Every row of a run, for the systems of this build: the comparison
 * (the cases, 1 and 8 clients), latency against payload, calls/s
 * against clients, and idle / waiting CPU.  Rows measured once even when
 * two parts want them.  A row with sys == NULL is the memcpy floor. */
void plan_build(struct plan *p);
void plan_free(struct plan *p);

/* The payloads and client counts of the two sweeps (the plots). */
extern const size_t plan_sizes[];
extern const size_t plan_nsizes;
extern const int plan_clients[];
extern const size_t plan_nclients;

#endif
