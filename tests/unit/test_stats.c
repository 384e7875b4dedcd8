/*
 * test_stats - the statistics API (shmrpc_stats_*): per-method counters of
 * C servers on both transports, the posix channel's own segment (created,
 * registered, removed with the channel), the table's limits, and segments
 * that lie or shrink: an error, never a signal.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "os/shmobj.h"
#include "transport/futex_layout.h"
#include "transport/posix_layout.h"
#include "transport/transport.h"
#include "testlib.h"

static char chan[96];

/* A tag, registry and channel name of the test's own (testlib.h). */
static int setup(void **state)
{
	ut_setup(state);
	ut_name(chan, sizeof(chan), "ch");
	return 0;
}

#define teardown ut_teardown

static int echo(shmrpc_req *req, const json_t *params, json_t **result,
    void *arg)
{
	(void)req;
	(void)arg;
	*result = json_deep_copy(params);
	return 0;
}

static int failing(shmrpc_req *req, const json_t *params, json_t **result,
    void *arg)
{
	(void)params;
	(void)result;
	(void)arg;
	return shmrpc_req_error(req, "ValueError", "no");
}

static void *serve(void *p)
{
	shmrpc_server_serve(p);
	return NULL;
}

struct running {
	shmrpc_server *srv;
	pthread_t th;
};

static void start(struct running *r, shmrpc_transport_kind kind)
{
	shmrpc_options o;

	shmrpc_options_init(&o);
	o.transport = kind;
	assert_int_equal(shmrpc_server_open(&r->srv, chan, &o, NULL), 0);
	assert_int_equal(shmrpc_server_register(r->srv, "echo", echo, NULL), 0);
	assert_int_equal(shmrpc_server_register(r->srv, "fail", failing, NULL), 0);
	/* Registering a name again keeps its one entry. */
	assert_int_equal(shmrpc_server_register(r->srv, "echo", echo, NULL), 0);
	assert_int_equal(pthread_create(&r->th, NULL, serve, r->srv), 0);
}

static void stop(struct running *r)
{
	shmrpc_server_stop(r->srv);
	pthread_join(r->th, NULL);
	shmrpc_server_close(r->srv);
}

static void calls(shmrpc_transport_kind kind, int n_echo, int n_fail)
{
	shmrpc_options o;
	shmrpc_client *cli;
	json_t *res;

	shmrpc_options_init(&o);
	o.transport = kind;
	assert_int_equal(shmrpc_client_open(&cli, chan, &o, NULL), 0);
	for (int i = 0; i < n_echo; i++) {
		assert_int_equal(shmrpc_call(cli, "echo", NULL, &res, NULL), 0);
		json_decref(res);
	}
	for (int i = 0; i < n_fail; i++)
		assert_int_equal(shmrpc_call(cli, "fail", NULL, &res, NULL),
		    SHMRPC_EMETHOD);
	shmrpc_client_close(cli);
}

/* Statistics whose method i has been called n times: a call is counted
 * once its answer is out, a moment after its client has it. */
static shmrpc_stats *read_when(shmrpc_transport_kind kind, size_t i,
    uint64_t n)
{
	shmrpc_stats *st = NULL;

	for (int k = 0; k < 1000; k++) {
		const shmrpc_method_stats *m;

		shmrpc_stats_free(st);
		assert_int_equal(shmrpc_stats_read(&st, chan, kind, NULL), 0);
		m = shmrpc_stats_method(st, i);
		if (m != NULL && m->counters->calls >= n)
			break;
		usleep(1000);
	}
	return st;
}

/* The methods of the channel's statistics, as a server answered them. */
static void check_methods(shmrpc_transport_kind kind)
{
	shmrpc_stats *st = read_when(kind, 1, 3);
	const shmrpc_method_stats *m;

	assert_int_equal(shmrpc_stats_method_count(st), 2);
	m = shmrpc_stats_method(st, 0);
	assert_string_equal(m->name, "echo");
	assert_int_equal(m->truncated, 0);
	assert_int_equal(m->counters->calls, 30);
	assert_int_equal(m->counters->latency_count, 30);
	assert_int_equal(m->counters->errors, 0);
	assert_true(m->counters->latency_sum_ns > 0);
	assert_int_equal(m->counters->latency_buckets, shmrpc_latency_buckets());
	m = shmrpc_stats_method(st, 1);
	assert_string_equal(m->name, "fail");
	assert_int_equal(m->counters->calls, 3);
	assert_int_equal(m->counters->errors, 3);
	assert_null(shmrpc_stats_method(st, 2));
	assert_int_equal(shmrpc_stats_channel(st)->transport,
	    kind == SHMRPC_TRANSPORT_DEFAULT ? SHMRPC_TRANSPORT_FUTEX : kind);
	assert_int_equal(shmrpc_stats_channel(st)->server_pid, getpid());
	shmrpc_stats_free(st);
}

static void test_methods_futex(void **state)
{
	struct running r;
	shmrpc_stats *st;
	const shmrpc_counters *c;

	(void)state;
	start(&r, SHMRPC_TRANSPORT_FUTEX);
	calls(SHMRPC_TRANSPORT_FUTEX, 30, 3);
	check_methods(SHMRPC_TRANSPORT_FUTEX);
	check_methods(SHMRPC_TRANSPORT_DEFAULT);
	/* The channel's own counters, as the clients measured. */
	assert_int_equal(shmrpc_stats_read(&st, chan, SHMRPC_TRANSPORT_FUTEX,
			     NULL), 0);
	c = shmrpc_stats_channel(st)->counters;
	assert_non_null(c);
	assert_int_equal(c->calls, 33);
	assert_int_equal(c->latency_count, 33);
	assert_true(c->latency_sum_ns > 0);
	assert_true(shmrpc_latency_percentile(c->latency, c->latency_buckets,
	    0.5) > 0);
	shmrpc_stats_free(st);
	stop(&r);
}

static void test_methods_posix(void **state)
{
	char fname[256];
	struct running r;
	struct stat sb;
	shmrpc_stats *st;
	shmrpc_inspection *insp;
	shmrpc_inspect_options io;
	int listed = 0;

	(void)state;
	start(&r, SHMRPC_TRANSPORT_POSIX);
	snprintf(fname, sizeof(fname), "/dev/shm/%s%s", POSIX_STATS_PREFIX,
	    chan);
	assert_int_equal(lstat(fname, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0600);
	calls(SHMRPC_TRANSPORT_POSIX, 30, 3);
	check_methods(SHMRPC_TRANSPORT_POSIX);
	/* No futex channel of that name: DEFAULT finds the posix one. */
	assert_int_equal(shmrpc_stats_read(&st, chan, SHMRPC_TRANSPORT_DEFAULT,
			     NULL), 0);
	assert_null(shmrpc_stats_channel(st)->counters);
	assert_int_equal(shmrpc_stats_slot_count(st), 0);
	shmrpc_stats_free(st);
	/* The inspection lists the segment among the channel's objects,
	 * and reads the statistics of the live channel. */
	shmrpc_inspect_options_init(&io);
	io.channel = chan;
	assert_int_equal(shmrpc_inspect(&insp, &io, NULL), 0);
	assert_int_equal(shmrpc_inspection_channel_count(insp), 1);
	for (size_t i = 0; i < shmrpc_inspection_channel(insp, 0)->nobjects;
	    i++)
		listed += strcmp(shmrpc_inspection_channel(insp, 0)->objects[i]
		    .name, fname + strlen("/dev/shm/")) == 0;
	assert_int_equal(listed, 1);
	assert_int_equal(shmrpc_stats_method_count(
	    shmrpc_inspection_channel(insp, 0)->stats), 2);
	shmrpc_inspection_free(insp);
	stop(&r);
	/* Closing the server removes it with the seed's six. */
	assert_int_not_equal(lstat(fname, &sb), 0);
}

static int text_echo(shmrpc_req *req, const char *params, size_t len,
    char *out, size_t cap, size_t *out_len, void *arg)
{
	(void)req;
	(void)arg;
	if (len > cap)
		return shmrpc_req_error(req, "ValueError", "too long");
	memcpy(out, params, len);
	*out_len = len;
	return 0;
}

/* Text methods and bytes methods are counted as JSON ones are. */
static void test_text_and_bytes_methods(void **state)
{
	struct running r;
	shmrpc_client *cli;
	shmrpc_stats *st = NULL;
	const char *res;
	const void *reply;
	size_t n;

	(void)state;
	assert_int_equal(shmrpc_server_open(&r.srv, chan, NULL, NULL), 0);
	assert_int_equal(shmrpc_server_register_text(r.srv, "t", text_echo,
			     NULL, 0), 0);
	assert_int_equal(pthread_create(&r.th, NULL, serve, r.srv), 0);
	assert_int_equal(shmrpc_client_open(&cli, chan, NULL, NULL), 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(shmrpc_call_text(cli, "t", "{\"a\":1}", 7, 0,
				     &res, &n, NULL), 0);
	/* A bytes call of a text method is an error answer, not a call of
	 * it: not counted. */
	assert_int_equal(shmrpc_call_bytes(cli, "t", "x", 1, &reply, &n, NULL),
	    SHMRPC_EMETHOD);
	shmrpc_client_close(cli);
	for (int k = 0; k < 1000; k++) {
		shmrpc_stats_free(st);
		assert_int_equal(shmrpc_stats_read(&st, chan,
				     SHMRPC_TRANSPORT_FUTEX, NULL), 0);
		if (shmrpc_stats_method(st, 0)->counters->calls >= 5)
			break;
		usleep(1000);
	}
	assert_int_equal(shmrpc_stats_method_count(st), 1);
	assert_string_equal(shmrpc_stats_method(st, 0)->name, "t");
	assert_int_equal(shmrpc_stats_method(st, 0)->counters->calls, 5);
	assert_int_equal(shmrpc_stats_method(st, 0)->counters->errors, 0);
	shmrpc_stats_free(st);
	stop(&r);
}

/* 16 methods are counted by default; more are served, not counted; a
 * name longer than 255 bytes is kept cut, and says so. */
static void test_table_limits(void **state)
{
	char name[400];
	shmrpc_server *srv;
	shmrpc_stats *st;

	(void)state;
	assert_int_equal(shmrpc_server_open(&srv, chan, NULL, NULL), 0);
	memset(name, 'x', 300);
	name[300] = '\0';
	assert_int_equal(shmrpc_server_register(srv, name, echo, NULL), 0);
	for (int i = 0; i < SHMRPC_DEFAULT_METHODS + 5; i++) {
		snprintf(name, sizeof(name), "m%d", i);
		assert_int_equal(shmrpc_server_register(srv, name, echo, NULL),
		    0);
	}
	assert_int_equal(shmrpc_stats_read(&st, chan, SHMRPC_TRANSPORT_FUTEX,
			     NULL), 0);
	assert_int_equal(shmrpc_stats_method_count(st), SHMRPC_DEFAULT_METHODS);
	assert_int_equal(strlen(shmrpc_stats_method(st, 0)->name),
	    SHMRPC_METHOD_STATS_NAME_MAX);
	assert_int_equal(shmrpc_stats_method(st, 0)->truncated, 1);
	assert_string_equal(shmrpc_stats_method(st, 1)->name, "m0");
	shmrpc_stats_free(st);
	shmrpc_server_close(srv);
}

/* opts.methods: as many as asked, on either transport; too many: -EINVAL. */
static void test_more_methods(void **state)
{
	static const shmrpc_transport_kind kinds[] = { SHMRPC_TRANSPORT_FUTEX,
		SHMRPC_TRANSPORT_POSIX };
	char name[32];
	shmrpc_options o;
	shmrpc_server *srv;
	shmrpc_stats *st;

	(void)state;
	for (size_t k = 0; k < 2; k++) {
		shmrpc_options_init(&o);
		o.transport = kinds[k];
		o.methods = 100;
		assert_int_equal(shmrpc_server_open(&srv, chan, &o, NULL), 0);
		for (int i = 0; i < 100; i++) {
			snprintf(name, sizeof(name), "m%d", i);
			assert_int_equal(shmrpc_server_register(srv, name,
					     echo, NULL), 0);
		}
		assert_int_equal(shmrpc_stats_read(&st, chan, kinds[k], NULL),
		    0);
		assert_int_equal(shmrpc_stats_method_count(st), 100);
		assert_string_equal(shmrpc_stats_method(st, 99)->name, "m99");
		shmrpc_stats_free(st);
		shmrpc_server_close(srv);
	}
	o.methods = SHMRPC_MAX_METHODS + 1;
	for (size_t k = 0; k < 2; k++) {
		o.transport = kinds[k];
		assert_int_equal(shmrpc_server_open(&srv, chan, &o, NULL),
		    -EINVAL);
	}
}

/* A segment cut short under the reader: SHMRPC_EVERSION, not SIGBUS. */
static void test_shrunk_segment(void **state)
{
	char path[300];
	shmrpc_server *srv;
	shmrpc_stats *st = (shmrpc_stats *)1;
	shmrpc_error e;
	struct futex_geometry g;

	(void)state;
	assert_int_equal(shmrpc_server_open(&srv, chan, NULL, NULL), 0);
	assert_int_equal(futex_geometry(SHMRPC_DEFAULT_BUFFER_SIZE,
			     SHMRPC_DEFAULT_SLOTS, SHMRPC_DEFAULT_METHODS, &g), 0);
	snprintf(path, sizeof(path), "/dev/shm/%s%s", FUTEX_SEG_PREFIX, chan);
	/* The slots stay (the server reads them as it closes); the method
	 * table and the buffers go. */
	assert_int_equal(truncate(path, (off_t)g.methods_offset + 10), 0);
	assert_int_equal(shmrpc_stats_read(&st, chan, SHMRPC_TRANSPORT_FUTEX,
			     &e), SHMRPC_EVERSION);
	assert_null(st);
	assert_non_null(strstr(e.text, path + strlen("/dev/shm/")));
	assert_int_equal(truncate(path, 100), 0);
	assert_int_equal(shmrpc_stats_read(&st, chan, SHMRPC_TRANSPORT_FUTEX,
			     &e), SHMRPC_EVERSION);
	assert_int_equal(truncate(path, (off_t)g.total_size), 0);
	shmrpc_server_close(srv);
}

/* A method table that lies (a count beyond its capacity, names without
 * an end): what fits is read, every name ends within its field. */
static void test_lying_table(void **state)
{
	char fname[256];
	shmrpc_options o;
	shmrpc_server *srv;
	shmrpc_stats *st;
	struct shm_map m;
	struct method_table *t;
	struct posix_stats_header *h;

	(void)state;
	shmrpc_options_init(&o);
	o.transport = SHMRPC_TRANSPORT_POSIX;
	assert_int_equal(shmrpc_server_open(&srv, chan, &o, NULL), 0);
	snprintf(fname, sizeof(fname), "%s%s", POSIX_STATS_PREFIX, chan);
	assert_int_equal(shmrpc__shmobj_open(fname, POSIX_STATS_HEADER_SIZE, 0,
			     &m), 0);
	h = m.addr;
	t = (struct method_table *)((char *)m.addr + h->methods_offset);
	atomic_store(&t->count, 100000);
	memset(methods_entry(t, 0)->name, 'A', METHOD_NAME_SIZE);
	assert_int_equal(shmrpc_stats_read(&st, chan, SHMRPC_TRANSPORT_POSIX,
			     NULL), 0);
	assert_int_equal(shmrpc_stats_method_count(st), SHMRPC_DEFAULT_METHODS);
	assert_int_equal(strlen(shmrpc_stats_method(st, 0)->name),
	    METHOD_NAME_SIZE - 1);
	assert_string_equal(shmrpc_stats_method(st, 1)->name, "");
	shmrpc_stats_free(st);
	/* Another layout: refused. */
	h->magic ^= 1;
	assert_int_equal(shmrpc_stats_read(&st, chan, SHMRPC_TRANSPORT_POSIX,
			     NULL), SHMRPC_EVERSION);
	h->magic ^= 1;
	shmrpc__shmobj_close(&m);
	shmrpc_server_close(srv);
}

static void test_errors(void **state)
{
	shmrpc_stats *st;
	shmrpc_error e;

	(void)state;
	assert_int_equal(shmrpc_stats_read(&st, "bad/name",
			     SHMRPC_TRANSPORT_DEFAULT, &e), SHMRPC_ENAME);
	assert_int_equal(shmrpc_stats_read(&st, chan,
			     SHMRPC_TRANSPORT_DEFAULT, &e), SHMRPC_ENOCHANNEL);
	assert_non_null(strstr(e.text, chan));
	assert_int_equal(shmrpc_stats_read(NULL, chan,
			     SHMRPC_TRANSPORT_DEFAULT, NULL), -EINVAL);
	assert_null(shmrpc_stats_channel(NULL));
	assert_int_equal(shmrpc_stats_slot_count(NULL), 0);
	assert_int_equal(shmrpc_stats_method_count(NULL), 0);
	shmrpc_stats_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_methods_futex, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_methods_posix, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_text_and_bytes_methods,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_limits, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_more_methods, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_shrunk_segment, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_lying_table, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
