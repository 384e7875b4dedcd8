/*
 * load.h - shmrpc-call's repeated calls (-c, -d, -P, -j): clients in
 * threads of their own, latencies in a bounded histogram, and a summary at
 * the end, on the first failure, or on SIGINT/SIGTERM as ping(8) gives.
 */
#ifndef SHMRPC_CALL_LOAD_H
#define SHMRPC_CALL_LOAD_H

#include <stddef.h>

#include <shmrpc.h>

struct load_opts {
	const char *channel;
	const char *method;
	const shmrpc_options *copts;
	const json_t *params;     /* JSON calls */
	int raw;                  /* bytes calls of raw_len bytes at raw */
	const char *raw_in;
	size_t raw_len;
	long long count;          /* calls in all; 0: until duration */
	double duration;          /* seconds; 0: until count */
	unsigned clients;         /* -P */
	int stats;                /* -c, -d or -P given: print a summary */
	int json;                 /* -j: the summary as JSON */
};

/* Run the calls and print the last result and the summary; returns the
 * exit status (shmrpc-call(1)). */
int load_run(const struct load_opts *o);

/* The exit status for a failed call's code: 1 for a method error, 3 for
 * anything else. */
int exit_status_for(int rc);

#endif
