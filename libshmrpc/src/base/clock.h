/*
 * clock.h - layer: base.  Monotonic time and deadlines, in nanoseconds.
 */
#ifndef SHMRPC_CLOCK_H
#define SHMRPC_CLOCK_H

#include <stdint.h>
#include <time.h>

#define NS_PER_SEC 1000000000LL
#define DEADLINE_NEVER INT64_MAX

static inline int64_t clock_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

/* Deadline `seconds` from now; a negative number of seconds never ends. */
static inline int64_t deadline_after(double seconds)
{
	if (seconds < 0)
		return DEADLINE_NEVER;
	if (seconds > 1e9)
		seconds = 1e9;
	return clock_now_ns() + (int64_t)(seconds * (double)NS_PER_SEC);
}

static inline struct timespec ns_to_timespec(int64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / NS_PER_SEC),
		.tv_nsec = (long)(ns % NS_PER_SEC) };
	return ts;
}

#endif
