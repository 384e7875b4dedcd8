/*
 * histogram.c - a log-linear latency histogram (see histogram.h).
 *
 * Values below 2*SUB have a bucket each.  Above, a value whose highest set
 * bit is m keeps its top SUB_BITS+1 bits: shift s = m - SUB_BITS, top =
 * v >> s in [SUB, 2*SUB), bucket (s + 1) * SUB + top - SUB.  A bucket then
 * spans 2^s values out of at least SUB * 2^s, so its middle is within
 * 1 / (2 * SUB) of any value in it.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "histogram.h"

void hist_init(struct histogram *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

unsigned hist_index(uint64_t v)
{
	unsigned m, s;

	if (v < 2 * HIST_SUB)
		return (unsigned)v;
	m = 63u - (unsigned)__builtin_clzll(v);
	s = m - HIST_SUB_BITS;
	return (s + 1) * HIST_SUB + (unsigned)(v >> s) - HIST_SUB;
}

uint64_t hist_bucket_low(unsigned i)
{
	unsigned s;

	if (i < 2 * HIST_SUB)
		return i;
	s = i / HIST_SUB - 1;
	return (uint64_t)(i % HIST_SUB + HIST_SUB) << s;
}

uint64_t hist_bucket_high(unsigned i)
{
	unsigned s;

	if (i < 2 * HIST_SUB)
		return i;
	s = i / HIST_SUB - 1;
	return hist_bucket_low(i) + (((uint64_t)1 << s) - 1);
}

void hist_add(struct histogram *h, uint64_t ns)
{
	double d = (double)ns;

	h->bucket[hist_index(ns)]++;
	h->count++;
	if (ns < h->min)
		h->min = ns;
	if (ns > h->max)
		h->max = ns;
	h->sum += d;
	h->sumsq += d * d;
}

void hist_merge(struct histogram *into, const struct histogram *from)
{
	for (unsigned i = 0; i < HIST_BUCKETS; i++)
		into->bucket[i] += from->bucket[i];
	into->count += from->count;
	if (from->min < into->min)
		into->min = from->min;
	if (from->max > into->max)
		into->max = from->max;
	into->sum += from->sum;
	into->sumsq += from->sumsq;
}

double hist_quantile(const struct histogram *h, double q)
{
	uint64_t rank, seen = 0;
	double mid;

	if (h->count == 0)
		return 0;
	rank = (uint64_t)ceil(q * (double)h->count);
	if (rank < 1)
		rank = 1;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen < rank)
			continue;
		mid = ((double)hist_bucket_low(i) +
		    (double)hist_bucket_high(i)) / 2;
		if (mid < (double)h->min)
			return (double)h->min;
		return mid > (double)h->max ? (double)h->max : mid;
	}
	return (double)h->max;
}

double hist_mean(const struct histogram *h)
{
	return h->count == 0 ? 0 : h->sum / (double)h->count;
}

double hist_stddev(const struct histogram *h)
{
	double mean = hist_mean(h), var;

	if (h->count == 0)
		return 0;
	var = h->sumsq / (double)h->count - mean * mean;
	return var > 0 ? sqrt(var) : 0;
}
