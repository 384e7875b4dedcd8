/*
 * histogram.h - shmrpc-call's latency statistics in constant memory: a
 * log-linear histogram (exact below 64 ns, then 32 buckets per power of
 * two, so a quantile is within 1.6 % of the true value), with the exact
 * count, minimum, maximum, sum and sum of squares beside it.  About 15 KiB
 * whatever the number of calls.  Not thread-safe: one per client thread,
 * merged at the end.
 */
#ifndef SHMRPC_CALL_HISTOGRAM_H
#define SHMRPC_CALL_HISTOGRAM_H

#include <stdint.h>

#define HIST_SUB_BITS 5
#define HIST_SUB (1u << HIST_SUB_BITS)
/* Exact buckets 0..2*SUB-1, then SUB for each shift 1..63-SUB_BITS. */
#define HIST_BUCKETS ((64 - HIST_SUB_BITS + 1) * HIST_SUB)

struct histogram {
	uint64_t count;
	uint64_t min, max;        /* ns; min is UINT64_MAX while empty */
	double sum, sumsq;        /* ns, ns^2 */
	uint64_t bucket[HIST_BUCKETS];
};

void hist_init(struct histogram *h);

/* Record one value, in nanoseconds. */
void hist_add(struct histogram *h, uint64_t ns);

/* Add every value of from into into. */
void hist_merge(struct histogram *into, const struct histogram *from);

/* The q-quantile (0 <= q <= 1) in ns: the middle of the bucket that holds
 * the ceil(q * count)-th smallest value, kept within [min, max].  0 when
 * empty. */
double hist_quantile(const struct histogram *h, double q);

double hist_mean(const struct histogram *h);
double hist_stddev(const struct histogram *h);

/* Bucket index of v, and the smallest and largest value of bucket i. */
unsigned hist_index(uint64_t v);
uint64_t hist_bucket_low(unsigned i);
uint64_t hist_bucket_high(unsigned i);

#endif
