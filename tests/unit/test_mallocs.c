/*
 * Heap allocations per small call, counted, so that they cannot creep back
 * (issue 19).  A small JSON call ({"a": 1, "b": 2} to "add") used to cost
 * the server 14 malloc/free pairs; what is left is jansson's data model
 * (the params object, its members, the result) and nothing of ours.
 *
 * malloc, calloc and realloc are interposed for this program (glibc lets a
 * program replace them, and its own internal calls go through them too)
 * and counted per thread, by role: the test's thread is the client, the
 * serving thread the server.  Each test makes warm-up calls, then counts
 * CALLS calls and fails if either side allocated more per call than the
 * bound; one more allocation per call anywhere on the path fails it.
 *
 * Sanitizers and valgrind bring their own allocators, which a replaced
 * malloc would bypass: there the test is skipped, saying so.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>

#include <cmocka.h>
#include <jansson.h>

#include "shmrpc.h"
#include "testlib.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define COUNTING 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define COUNTING 0
#endif
#endif
#ifndef COUNTING
#define COUNTING 1
#endif

#define CALLS  200
#define WARMUP 20

/* The most allocations one small add call may make on each side: the
 * client's is the result; the server's are the params object and its
 * bucket array, its two members and their integers, and the result. */
#define CLIENT_MALLOCS_MAX 1
#define SERVER_MALLOCS_MAX 7

enum role { UNCOUNTED, CLIENT, SERVER, NROLES };

static _Thread_local enum role my_role;
static atomic_ulong allocs[NROLES];

#if COUNTING
void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t n);
void __libc_free(void *p);

void *malloc(size_t n);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t n);
void free(void *p);

void *malloc(size_t n)
{
	atomic_fetch_add_explicit(&allocs[my_role], 1, memory_order_relaxed);
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
	atomic_fetch_add_explicit(&allocs[my_role], 1, memory_order_relaxed);
	return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
	atomic_fetch_add_explicit(&allocs[my_role], 1, memory_order_relaxed);
	return __libc_realloc(p, n);
}

void free(void *p)
{
	__libc_free(p);
}
#endif

static int add(shmrpc_req *req, const json_t *params, json_t **result,
    void *arg)
{
	(void)req;
	(void)arg;
	*result = json_integer(json_integer_value(json_object_get(params, "a")) +
	    json_integer_value(json_object_get(params, "b")));
	return 0;
}

static void *serve(void *srv)
{
	my_role = SERVER;
	shmrpc_server_serve(srv);
	return NULL;
}

/* Allocations per call on each side of CALLS add calls on a channel of
 * the given transport. */
static void count_small_calls(enum shmrpc_transport_kind kind,
    const char *what, unsigned long per_call[NROLES])
{
	char channel[128];
	shmrpc_options o;
	shmrpc_server *srv;
	shmrpc_client *cli;
	shmrpc_error e;
	pthread_t th;
	json_t *params = json_pack("{s:i, s:i}", "a", 1, "b", 2);
	unsigned long before[NROLES];

	ut_name(channel, sizeof(channel), what);
	shmrpc_options_init(&o);
	o.transport = kind;
	assert_int_equal(shmrpc_server_open(&srv, channel, &o, &e), 0);
	assert_int_equal(shmrpc_server_register(srv, "add", add, NULL), 0);
	assert_int_equal(pthread_create(&th, NULL, serve, srv), 0);
	assert_int_equal(shmrpc_client_open(&cli, channel, &o, &e), 0);

	for (int i = 0; i < WARMUP + CALLS; i++) {
		json_t *result = NULL;

		if (i == WARMUP) {
			my_role = CLIENT;
			for (int r = 0; r < NROLES; r++)
				before[r] = atomic_load(&allocs[r]);
		}
		assert_int_equal(shmrpc_call(cli, "add", params, &result, &e),
		    0);
		assert_int_equal(json_integer_value(result), 3);
		json_decref(result);
	}
	for (int r = 0; r < NROLES; r++)
		per_call[r] = atomic_load(&allocs[r]) - before[r];
	my_role = UNCOUNTED;

	shmrpc_client_close(cli);
	shmrpc_server_stop(srv);
	pthread_join(th, NULL);
	shmrpc_server_close(srv);
	json_decref(params);
	print_message("%s: %lu client and %lu server allocations in %d "
		      "calls\n", what, per_call[CLIENT], per_call[SERVER], CALLS);
}

static void check_small_calls(enum shmrpc_transport_kind kind,
    const char *what)
{
	unsigned long n[NROLES];

	if (!COUNTING)
		skip(); /* a sanitizer's allocator: nothing to count */
	if (getenv("LD_PRELOAD") != NULL &&
	    strstr(getenv("LD_PRELOAD"), "vgpreload") != NULL)
		skip(); /* valgrind's allocator, likewise */
	count_small_calls(kind, what, n);
	/* the counter counts: the results alone allocate */
	assert_true(n[CLIENT] >= CALLS);
	assert_true(n[SERVER] >= CALLS);
	assert_true(n[CLIENT] <= (unsigned long)CALLS * CLIENT_MALLOCS_MAX);
	assert_true(n[SERVER] <= (unsigned long)CALLS * SERVER_MALLOCS_MAX);
}

static void test_small_call_futex(void **state)
{
	(void)state;
	check_small_calls(SHMRPC_TRANSPORT_FUTEX, "futex");
}

static void test_small_call_posix(void **state)
{
	(void)state;
	check_small_calls(SHMRPC_TRANSPORT_POSIX, "posix");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_small_call_futex, ut_setup,
		    ut_teardown),
		cmocka_unit_test_setup_teardown(test_small_call_posix, ut_setup,
		    ut_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
