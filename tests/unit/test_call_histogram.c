/*
 * test_call_histogram - shmrpc-call's latency histogram: bucket bounds
 * tile the 64-bit range, quantiles are within 1/64 of the exact ones, and
 * merging is adding.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "histogram.h"

static void test_buckets_tile_the_range(void **state)
{
	(void)state;
	assert_int_equal(hist_bucket_low(0), 0);
	for (unsigned i = 1; i < HIST_BUCKETS; i++)
		assert_true(hist_bucket_low(i) == hist_bucket_high(i - 1) + 1);
	assert_true(hist_bucket_high(HIST_BUCKETS - 1) == UINT64_MAX);
	assert_int_equal(hist_index(UINT64_MAX), HIST_BUCKETS - 1);
	for (uint64_t v = 1; v != 0 && v < UINT64_MAX / 3; v = v * 3 + 1) {
		unsigned i = hist_index(v);
		assert_true(hist_bucket_low(i) <= v && v <= hist_bucket_high(i));
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static void test_quantiles_are_close(void **state)
{
	enum { N = 100000 };
	static uint64_t v[N];
	static struct histogram h;
	const double qs[] = { 0.0, 0.5, 0.9, 0.99, 0.999, 1.0 };

	(void)state;
	hist_init(&h);
	srand(7);
	for (int i = 0; i < N; i++) {
		/* A long tail: 1 us to about 10 ms. */
		v[i] = 1000 + (uint64_t)rand() % 1000 +
		    (i % 100 == 0 ? (uint64_t)rand() % 10000000 : 0);
		hist_add(&h, v[i]);
	}
	qsort(v, N, sizeof(v[0]), cmp_u64);
	assert_true(h.min == v[0] && h.max == v[N - 1] && h.count == N);
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		size_t rank = (size_t)(qs[i] * N + 0.999999);
		double exact = (double)v[rank == 0 ? 0 : rank - 1];
		double got = hist_quantile(&h, qs[i]);
		assert_true(got >= exact * (1 - 1.0 / 64) &&
		    got <= exact * (1 + 1.0 / 64));
	}
}

static void test_merge_adds(void **state)
{
	static struct histogram a, b, all;

	(void)state;
	hist_init(&a);
	hist_init(&b);
	hist_init(&all);
	assert_true(hist_quantile(&a, 0.5) == 0 && hist_mean(&a) == 0);
	for (uint64_t i = 1; i <= 1000; i++) {
		hist_add(i % 2 ? &a : &b, i * 37);
		hist_add(&all, i * 37);
	}
	hist_merge(&a, &b);
	assert_memory_equal(a.bucket, all.bucket, sizeof(a.bucket));
	assert_true(a.count == all.count && a.min == all.min &&
	    a.max == all.max && a.sum == all.sum);
	assert_true(hist_stddev(&a) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buckets_tile_the_range),
		cmocka_unit_test(test_quantiles_are_close),
		cmocka_unit_test(test_merge_adds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
