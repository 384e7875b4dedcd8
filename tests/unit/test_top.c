/*
 * test_top - shmrpc-top's pieces without a terminal: percentiles of a
 * log2 histogram, cells (blank where not known), two snapshots of a
 * real futex channel giving a rate only on the second, and mappers looked
 * for only when asked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../shmrpc-top/format.h"
#include "../../shmrpc-top/snapshot.h"

static void test_percentile(void **state)
{
	uint64_t lat[SHMRPC_LATENCY_BUCKETS] = { 0 };

	(void)state;
	assert_true(top_percentile(lat, 0.5) < 0);
	lat[10] = 90; /* [1024, 2048) ns */
	lat[20] = 10; /* [1 Mi, 2 Mi) ns */
	assert_true(top_percentile(lat, 0.5) == 2048);
	assert_true(top_percentile(lat, 0.90) == 2048);
	assert_true(top_percentile(lat, 0.99) == (double)(1 << 21));
}

static void test_cells(void **state)
{
	char b[32];

	(void)state;
	fmt_rate(b, sizeof(b), 0, "-", 0);
	assert_string_equal(b, "-");
	fmt_rate(b, sizeof(b), 0, "-", 1);
	assert_string_equal(b, "0");
	fmt_rate(b, sizeof(b), 2.5, "", 1);
	assert_string_equal(b, "2.5");
	fmt_bytes(b, sizeof(b), 512, "", 1);
	assert_string_equal(b, "512B");
	fmt_bytes(b, sizeof(b), 1536, "", 1);
	assert_string_equal(b, "1.5K");
	fmt_bytes(b, sizeof(b), 3.0 * 1024 * 1024 * 1024, "", 1);
	assert_string_equal(b, "3.0G");
	fmt_ns(b, sizeof(b), -1, "");
	assert_string_equal(b, "");
	fmt_ns(b, sizeof(b), 512, "");
	assert_string_equal(b, "512ns");
	fmt_ns(b, sizeof(b), 4096, "");
	assert_string_equal(b, "4.1us");
	fmt_ns(b, sizeof(b), 2.5e6, "");
	assert_string_equal(b, "2.5ms");
	fmt_secs(b, sizeof(b), 90, "");
	assert_string_equal(b, "90s");
	fmt_secs(b, sizeof(b), 3 * 3600, "");
	assert_string_equal(b, "3h");
	assert_string_equal(top_state_word(SHMRPC_STATE_INUSE), "IN-USE");
	assert_string_equal(top_state_word(SHMRPC_STATE_STALE), "STALE");
}

static void test_two_snapshots(void **state)
{
	char reg[128], name[64];
	shmrpc_server *srv;
	shmrpc_client *cli;
	struct top_snap *s1, *s2;
	struct top_opts o = { 0 };
	struct top_row *r;

	(void)state;
	snprintf(reg, sizeof(reg), "/dev/shm/test_top_%d-registry.json",
	    (int)getpid());
	setenv("SHMRPC_REGISTRY", reg, 1);
	snprintf(name, sizeof(name), "test_top_%d", (int)getpid());
	o.filter = name;
	assert_int_equal(shmrpc_server_open(&srv, name, NULL, NULL), 0);
	assert_int_equal(top_collect(&s1, NULL, &o), 0);
	assert_int_equal(s1->nrows, 1);
	r = top_find(s1, name);
	assert_non_null(r);
	assert_int_equal(r->ci->state, SHMRPC_STATE_LIVE);
	assert_int_equal(r->has_stats, 1);
	assert_int_equal(r->has_rate, 0); /* first frame: blank */
	assert_int_equal(s1->tot.has_rate, 0);
	/* A client that claims a slot and leaves: counted as it left. */
	assert_int_equal(shmrpc_client_open(&cli, name, NULL, NULL), 0);
	shmrpc_client_close(cli);
	usleep(10000);
	assert_int_equal(top_collect(&s2, s1, &o), 0);
	r = top_find(s2, name);
	assert_non_null(r);
	assert_int_equal(r->has_rate, 1);
	assert_true(r->calls_s >= 0);
	assert_true(s2->interval > 0);
	assert_int_equal(r->nhist, 1);
	top_snap_free(s1);
	top_snap_free(s2);
	shmrpc_server_close(srv);
	unlink(reg);
	snprintf(reg + strlen(reg), sizeof(reg) - strlen(reg), ".lock");
	unlink(reg);
}

/* A frame does not look for a live channel's mappers; the detail view
 * asks for them with top_fetch_mappers(). */
static void test_mappers_on_demand(void **state)
{
	char reg[128], name[64];
	shmrpc_server *srv;
	struct top_snap *s;
	struct top_opts o = { 0 };
	struct top_row *r;

	(void)state;
	snprintf(reg, sizeof(reg), "/dev/shm/test_top_m%d-registry.json",
	    (int)getpid());
	setenv("SHMRPC_REGISTRY", reg, 1);
	snprintf(name, sizeof(name), "test_top_m%d", (int)getpid());
	o.filter = name;
	assert_int_equal(shmrpc_server_open(&srv, name, NULL, NULL), 0);
	assert_int_equal(top_collect(&s, NULL, &o), 0);
	r = top_find(s, name);
	assert_non_null(r);
	assert_int_equal(r->ci->state, SHMRPC_STATE_LIVE);
	assert_int_equal(r->has_stats, 1);
	assert_null(r->ci->counters); /* read by top itself, not twice */
	assert_int_equal(r->ci->nmappers, 0);
	assert_int_equal(r->ci->objects[0].nmappers, 0);

	assert_int_equal(top_fetch_mappers(s, name, &o), 0);
	r = top_find(s, name);
	assert_non_null(r);
	assert_int_equal(r->ci->state, SHMRPC_STATE_LIVE);
	assert_int_equal(r->ci->nmappers, 1);
	assert_int_equal(r->ci->mappers[0], getpid());
	assert_int_equal(r->ci->objects[0].nmappers, 1);
	/* Again (the next frame of the detail view): the last look wins. */
	assert_int_equal(top_fetch_mappers(s, name, &o), 0);
	assert_int_equal(top_find(s, name)->ci->nmappers, 1);
	assert_int_equal(top_fetch_mappers(s, "no-such-channel", &o),
	    SHMRPC_ENOCHANNEL);
	top_snap_free(s);
	shmrpc_server_close(srv);
	unlink(reg);
	snprintf(reg + strlen(reg), sizeof(reg) - strlen(reg), ".lock");
	unlink(reg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_percentile),
		cmocka_unit_test(test_cells),
		cmocka_unit_test(test_two_snapshots),
		cmocka_unit_test(test_mappers_on_demand),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
