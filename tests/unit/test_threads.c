/*
 * test_threads.c - every function shmrpc.h documents as thread-safe,
 * called from several threads at once (issue 17).  Under `make
 * check-tsan` ThreadSanitizer watches every one of these calls; in a
 * plain build the test checks that the answers stay right.
 *
 * Shared between the threads: one futex client and one posix client
 * (shmrpc_call, shmrpc_call_bytes), one futex server served by three
 * threads, one inspection snapshot (immutable, read from any thread), the
 * log sink (switched while others log).  Each thread also opens and
 * closes handles of its own (servers, clients, transports: "thread-safe
 * (separate handles)"), inspects, reaps and reads counters.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "testlib.h"

#include "shmrpc.h"

#define THREADS 4
#define ROUNDS 200
#define SERVE_THREADS 3

static char futex_name[96], posix_name[96];
static shmrpc_server *fsrv, *psrv;
static shmrpc_client *fcli, *pcli;
static shmrpc_inspection *snap;
static pthread_t serving[SERVE_THREADS + 1];
static atomic_int failures;
static _Atomic unsigned long logged;

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__,   \
			    #cond);                                          \
			atomic_fetch_add(&failures, 1);                      \
		}                                                            \
	} while (0)

static int add(shmrpc_req *req, const json_t *params, json_t **result,
    void *arg)
{
	(void)arg;
	CHECK(strcmp(shmrpc_req_method(req), "add") == 0);
	(void)shmrpc_req_peer(req);
	*result = json_integer(json_integer_value(json_object_get(params, "a")) +
	    json_integer_value(json_object_get(params, "b")));
	return 0;
}

static int failing(shmrpc_req *req, const json_t *params, json_t **result,
    void *arg)
{
	(void)params;
	(void)result;
	(void)arg;
	return shmrpc_req_error(req, "ValueError", "no %d", 7);
}

static void count_log(shmrpc_log_level level, const char *msg, void *arg)
{
	(void)level;
	(void)msg;
	(void)arg;
	atomic_fetch_add(&logged, 1);
}

static void *serve_thread(void *arg)
{
	CHECK(shmrpc_server_serve(arg) == 0);
	return NULL;
}

static shmrpc_options opts_for(shmrpc_transport_kind kind)
{
	shmrpc_options o;

	shmrpc_options_init(&o);
	o.transport = kind;
	o.timeout = 10.0;
	o.wait_for_server = 5.0;
	return o;
}

static int setup(void **state)
{
	shmrpc_options fo = opts_for(SHMRPC_TRANSPORT_FUTEX);
	shmrpc_options po = opts_for(SHMRPC_TRANSPORT_POSIX);
	shmrpc_inspect_options io;

	ut_setup(state);
	ut_name(futex_name, sizeof(futex_name), "tf");
	ut_name(posix_name, sizeof(posix_name), "tp");
	fo.slots = 2 * THREADS + 2;
	if (shmrpc_server_open(&fsrv, futex_name, &fo, NULL) < 0 ||
	    shmrpc_server_open(&psrv, posix_name, &po, NULL) < 0)
		return -1;
	shmrpc_server_register(fsrv, "add", add, NULL);
	shmrpc_server_register(fsrv, "fail", failing, NULL);
	shmrpc_server_register_bytes(fsrv, "echo", ut_echo_bytes, NULL);
	shmrpc_server_register_text(fsrv, "echo_text", ut_echo_text, NULL, 0);
	shmrpc_server_register_text(psrv, "echo_text", ut_echo_text, NULL, 0);
	shmrpc_server_register(psrv, "add", add, NULL);
	for (int i = 0; i < SERVE_THREADS; i++)
		pthread_create(&serving[i], NULL, serve_thread, fsrv);
	pthread_create(&serving[SERVE_THREADS], NULL, serve_thread, psrv);
	if (shmrpc_client_open(&fcli, futex_name, &fo, NULL) < 0 ||
	    shmrpc_client_open(&pcli, posix_name, &po, NULL) < 0)
		return -1;
	shmrpc_inspect_options_init(&io);
	io.prefix = ut_tag;
	return shmrpc_inspect(&snap, &io, NULL) < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	shmrpc_inspection_free(snap);
	shmrpc_client_close(fcli);
	shmrpc_client_close(pcli);
	shmrpc_server_stop(fsrv);
	shmrpc_server_stop(psrv);
	for (int i = 0; i <= SERVE_THREADS; i++)
		pthread_join(serving[i], NULL);
	shmrpc_server_close(fsrv);
	shmrpc_server_close(psrv);
	shmrpc_set_log(NULL, SHMRPC_LOG_NONE, NULL);
	return ut_teardown(state);
}

/* The pure functions: names, texts, defaults. */
static void pure_calls(int k)
{
	shmrpc_options o;
	shmrpc_inspect_options io;
	shmrpc_reap_options ro;
	shmrpc_transport_kind kind;
	char path[512];

	CHECK(strcmp(shmrpc_version(), SHMRPC_VERSION_STRING) == 0);
	CHECK(strcmp(shmrpc_strerror(SHMRPC_ETIMEOUT), "Timed out") == 0);
	CHECK(shmrpc_strerror(-(k % 130 + 1)) != NULL);
	shmrpc_options_init(&o);
	CHECK(o.timeout == SHMRPC_DEFAULT_TIMEOUT);
	shmrpc_inspect_options_init(&io);
	shmrpc_reap_options_init(&ro);
	CHECK(io.grace < 0 && ro.grace < 0);
	CHECK(shmrpc_transport_parse("futex", &kind) == 0 &&
	    kind == SHMRPC_TRANSPORT_FUTEX);
	CHECK(strcmp(shmrpc_transport_name(SHMRPC_TRANSPORT_POSIX), "posix")
	    == 0);
	CHECK(shmrpc_name_check("ok") == 0 && shmrpc_name_check("a/b") < 0);
	CHECK(strcmp(shmrpc_state_name(SHMRPC_STATE_LIVE), "live") == 0);
	CHECK(strcmp(shmrpc_reap_action_name(SHMRPC_REAP_LEFT), "left") == 0);
	CHECK(shmrpc_registry_path(path, sizeof(path)) != NULL &&
	    strcmp(path, ut_reg_path) == 0);
	/* The sink switched while other threads log (every call below
	 * that fails at info level logs). */
	shmrpc_set_log(k % 2 ? count_log : NULL, SHMRPC_LOG_DEBUG, NULL);
}

/* The shared clients, from every thread at once. */
static void shared_calls(int k)
{
	json_t *p = json_pack("{s:i, s:i}", "a", k, "b", 1), *r;
	const void *reply;
	const char *text;
	size_t len;
	shmrpc_error err;
	char buf[32];

	CHECK(shmrpc_call(fcli, "add", p, &r, &err) == 0 &&
	    json_integer_value(r) == k + 1);
	json_decref(r);
	CHECK(shmrpc_call(pcli, "add", p, &r, &err) == 0 &&
	    json_integer_value(r) == k + 1);
	json_decref(r);
	CHECK(shmrpc_call(fcli, "fail", p, &r, &err) == SHMRPC_EMETHOD &&
	    strcmp(err.text, "ValueError: no 7") == 0);
	json_decref(p);
	/* The reply pointer is good until the next call on fcli from any
	 * thread: bytes calls hold the client's lock through
	 * reserve..commit, so copy right after. */
	snprintf(buf, sizeof(buf), "b%d", k);
	CHECK(shmrpc_call_bytes(fcli, "echo", buf, strlen(buf), &reply, &len,
	    &err) == 0);
	/* Text calls: the result is borrowed until the next call on the
	 * client from any thread, so only its return code is checked. */
	snprintf(buf, sizeof(buf), "{\"k\":%d}", k);
	CHECK(shmrpc_call_text(fcli, "echo_text", buf, strlen(buf), 0, &text,
	    &len, &err) == 0);
	CHECK(shmrpc_call_text(pcli, "echo_text", buf, strlen(buf), 0, &text,
	    &len, &err) == 0);
	CHECK(shmrpc_client_transport(fcli) == SHMRPC_TRANSPORT_FUTEX &&
	    shmrpc_client_transport(pcli) == SHMRPC_TRANSPORT_POSIX);
	CHECK(shmrpc_server_stop_signal(fsrv) == 0);
}

/* Handles of the thread's own, and the read-only functions. */
static void own_handles(int t, int k)
{
	shmrpc_options fo = opts_for(SHMRPC_TRANSPORT_FUTEX);
	shmrpc_transport *tsrv, *tcli;
	shmrpc_server *srv;
	shmrpc_client *cli;
	shmrpc_stats *st;
	shmrpc_inspect_options io;
	shmrpc_reap_options ro;
	shmrpc_inspection *mine;
	char name[128];

	snprintf(name, sizeof(name), "%s_own%d", ut_tag, t);
	if (k % 4 == 0) {
		CHECK(shmrpc_server_open(&srv, name, &fo, NULL) == 0);
		shmrpc_server_close(srv);
		CHECK(shmrpc_transport_create(&tsrv, name, &fo, NULL) == 0);
		CHECK(shmrpc_transport_open(&tcli, name, &fo, NULL) == 0);
		CHECK(shmrpc_transport_max_message(tcli) == 4092 &&
		    shmrpc_transport_kind_of(tcli) == SHMRPC_TRANSPORT_FUTEX);
		shmrpc_transport_close(tcli);
		shmrpc_transport_wake(tsrv);
		shmrpc_transport_close(tsrv);
	}
	CHECK(shmrpc_client_open(&cli, futex_name, &fo, NULL) == 0);
	shmrpc_client_close(cli);
	CHECK(shmrpc_stats_read(&st, futex_name, SHMRPC_TRANSPORT_FUTEX,
	    NULL) == 0);
	CHECK(shmrpc_stats_channel(st)->slots > 0 &&
	    shmrpc_stats_slot_count(st) <= shmrpc_stats_channel(st)->slots);
	shmrpc_stats_free(st);
	if (k % 8 == 0) {
		shmrpc_inspect_options_init(&io);
		io.prefix = ut_tag;
		CHECK(shmrpc_inspect(&mine, &io, NULL) == 0);
		shmrpc_inspection_free(mine);
		shmrpc_reap_options_init(&ro);
		CHECK(shmrpc_reap_channel(futex_name, &ro, NULL, NULL, NULL) ==
		    SHMRPC_EALIVE);
		ro.prefix = ut_tag;
		ro.dry_run = 1;
		CHECK(shmrpc_reap_all(&ro, NULL, NULL, NULL) == 0);
		CHECK(shmrpc_reap_object("srb_nothing_here_req", &ro, NULL,
		    NULL, NULL) == SHMRPC_ENOCHANNEL);
	}
}

/* The shared snapshot, read from every thread. */
static void read_snapshot(void)
{
	size_t nc = shmrpc_inspection_channel_count(snap);

	CHECK(nc >= 2);
	for (size_t i = 0; i < nc; i++) {
		const shmrpc_channel_info *c = shmrpc_inspection_channel(snap, i);
		CHECK(c->name != NULL && c->state == SHMRPC_STATE_LIVE);
	}
	for (size_t i = 0; i < shmrpc_inspection_object_count(snap); i++)
		CHECK(shmrpc_inspection_object(snap, i)->name != NULL);
	for (size_t i = 0; i < shmrpc_inspection_warning_count(snap); i++)
		CHECK(shmrpc_inspection_warning(snap, i) != NULL);
}

static void *worker(void *arg)
{
	int t = (int)(intptr_t)arg;

	for (int k = 0; k < ROUNDS; k++) {
		pure_calls(t * ROUNDS + k);
		shared_calls(t * ROUNDS + k);
		own_handles(t, k);
		read_snapshot();
	}
	return NULL;
}

static void test_thread_safe_functions_at_once(void **state)
{
	pthread_t th[THREADS];

	(void)state;
	for (int t = 0; t < THREADS; t++)
		assert_int_equal(pthread_create(&th[t], NULL, worker,
		    (void *)(intptr_t)t), 0);
	for (int t = 0; t < THREADS; t++)
		pthread_join(th[t], NULL);
	assert_int_equal(atomic_load(&failures), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_thread_safe_functions_at_once, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
