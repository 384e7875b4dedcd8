/*
 * histogram.c - layer: base.  Bucket bounds and percentiles of the
 * log-linear latency histograms (histogram.h), and their public face
 * (shmrpc_latency_*).
 */
#include "base/common.h"
#include "base/histogram.h"

void shmrpc__hist_range(unsigned i, uint64_t *lo, uint64_t *hi)
{
	unsigned g, m;

	if (i < HIST_SUB) {
		*lo = i;
		*hi = (uint64_t)i + 1;
		return;
	}
	/* Group g >= 1 holds [2^(g+2), 2^(g+3)) in HIST_SUB steps of
	 * 2^(g-1). */
	g = i >> HIST_SUB_BITS;
	m = i & (HIST_SUB - 1u);
	*lo = (uint64_t)(HIST_SUB + m) << (g - 1u);
	*hi = i + 1u >= HIST_BUCKETS ? UINT64_MAX
				      : (uint64_t)(HIST_SUB + m + 1u) << (g - 1u);
}

SHMRPC_API size_t shmrpc_latency_buckets(void)
{
	return HIST_BUCKETS;
}

SHMRPC_API int shmrpc_latency_bucket_range(size_t i, uint64_t *lo_ns,
    uint64_t *hi_ns)
{
	uint64_t lo, hi;

	if (i >= HIST_BUCKETS)
		return -EINVAL;
	shmrpc__hist_range((unsigned)i, &lo, &hi);
	if (lo_ns != NULL)
		*lo_ns = lo;
	if (hi_ns != NULL)
		*hi_ns = hi;
	return 0;
}

SHMRPC_API double shmrpc_latency_percentile(const uint64_t *counts,
    size_t n, double q)
{
	uint64_t total = 0, acc = 0, lo, hi;
	double rank;

	if (counts == NULL || n > HIST_BUCKETS || q < 0 || q > 1)
		return -1;
	for (size_t i = 0; i < n; i++)
		total += counts[i];
	if (total == 0)
		return -1;
	/* The value of rank q * total, placed linearly inside its bucket
	 * (as Prometheus' histogram_quantile() does): within the bucket's
	 * width, at most 12.5 % of the value. */
	rank = q * (double)total;
	for (size_t i = 0; i < n; i++) {
		if (counts[i] == 0 || (double)(acc + counts[i]) < rank) {
			acc += counts[i];
			continue;
		}
		shmrpc__hist_range((unsigned)i, &lo, &hi);
		if (hi == UINT64_MAX)
			return (double)lo; /* open-ended: its lower bound */
		return (double)lo + (double)(hi - lo) *
		    ((rank - (double)acc) / (double)counts[i]);
	}
	return -1; /* not reached: rank <= total */
}
