/*
 * harness.h - peer-bench: run one row (a system, a case, a payload, a
 * number of clients) in fresh processes and measure it (layer: bench).
 */
#ifndef PEER_BENCH_HARNESS_H
#define PEER_BENCH_HARNESS_H

#include <stddef.h>

#include "system.h"

#define MAX_CLIENTS 16

struct row_spec {
	const struct bench_system *sys; /* NULL: the memcpy floor */
	enum bench_case kase;
	size_t payload;
	int clients;
};

struct row_result {
	struct row_spec spec;
	int ok;          /* measured */
	size_t calls;    /* timed calls, all clients */
	double wall_s;   /* from the start line to the last client's end */
	double median_us, p99_us, calls_per_s;
	/* CPU time (user + sys) over the timed part, microseconds: the
	 * server process (all its threads) and the clients together. */
	double server_cpu_us, clients_cpu_us;
};

struct harness_config {
	double budget_s;     /* timed part of a row (calls stop after it) */
	double cpu_budget_s; /* the same for the idle and waiting rows */
	size_t max_calls;    /* at most this many timed calls in a row */
	int min_calls;       /* per client, even past the budget */
};

/* Make the directory for socket paths and catch SIGINT/SIGTERM (the run is
 * then torn down cleanly).  Exits on failure. */
void harness_init(void);

/* Remove what harness_init() made.  Idempotent. */
void harness_cleanup(void);

/* Run the row; r->ok says whether it was measured (a failure is warned
 * about on stderr). */
void harness_run(const struct harness_config *cfg, const struct row_spec *sp,
    struct row_result *r);

/* Two memcpy()s of `payload` bytes per round (the copies of a bytes echo
 * through shared memory), in this process, for about budget_s. */
void harness_memcpy_floor(size_t payload, double budget_s,
    struct row_result *r);

const char *case_name(enum bench_case kase);
double now_us(void);

/* CPU per call, µs (server + clients), or a negative value for rows
 * without calls. */
double cpu_per_call(const struct row_result *r);

#endif
