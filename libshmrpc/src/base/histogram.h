/*
 * histogram.h - layer: base.  The latency histograms of the live counters:
 * log-linear buckets, as HdrHistogram lays them out.
 *
 * Every power of two [2^e, 2^(e+1)) nanoseconds is split into
 * HIST_SUB = 8 buckets of equal width, so a bucket is at most 1/8 (12.5 %)
 * of its lower bound wide; values below 8 ns have a bucket each.  256
 * buckets reach 2^34 ns (17.2 s); the last bucket also counts everything
 * longer.  Finding a value's bucket is a count of leading zeros, a shift
 * and an add: cheap enough for the call path, where a counter is then
 * bumped with one relaxed store or atomic add.
 *
 * The same layout is used in shared memory (futex_layout.h,
 * methods_layout.h) and in the public snapshot (shmrpc_counters.latency):
 * changing it means bumping the layout versions of both segments.
 */
#ifndef SHMRPC_HISTOGRAM_H
#define SHMRPC_HISTOGRAM_H

#include <stdint.h>

#define HIST_SUB_BITS 3u
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_BUCKETS 256u

/* The bucket of a duration of ns nanoseconds (negative: 0). */
static inline unsigned hist_index(int64_t ns)
{
	uint64_t v = ns > 0 ? (uint64_t)ns : 0;
	unsigned e, i;

	if (v < HIST_SUB)
		return (unsigned)v;
	e = 63u - (unsigned)__builtin_clzll(v); /* >= HIST_SUB_BITS */
	i = ((e - HIST_SUB_BITS + 1u) << HIST_SUB_BITS) +
	    (unsigned)((v >> (e - HIST_SUB_BITS)) & (HIST_SUB - 1u));
	return i < HIST_BUCKETS ? i : HIST_BUCKETS - 1u;
}

/* The durations bucket i counts: [*lo, *hi) ns; the last bucket's hi is
 * UINT64_MAX (it also counts everything longer). */
void shmrpc__hist_range(unsigned i, uint64_t *lo, uint64_t *hi);

#endif
