/*
 * test_core.c - names, errors, options, envelopes, and the posix transport
 * driven through the public byte API within one process.
 */
#include <dirent.h>
#include <time.h>
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <semaphore.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "testlib.h"

#include "base/common.h"
#include "codec/envelope.h"
#include "../helpers/request_id.h"
#include "os/shmobj.h"
#include "shmrpc.h"

static char channel[64];

/* A tag and a registry of this test's own (testlib.h); its channel. */
static int name_channel(void **state)
{
	ut_setup(state);
	ut_name(channel, sizeof(channel), "c");
	return 0;
}

static void test_name_check(void **state)
{
	char longest[SHMRPC_NAME_MAX + 2];

	(void)state;
	assert_int_equal(shmrpc_name_check("calc"), 0);
	assert_int_equal(shmrpc_name_check("a.b-c_d:1"), 0);
	assert_int_equal(shmrpc_name_check(""), SHMRPC_ENAME);
	assert_int_equal(shmrpc_name_check(NULL), SHMRPC_ENAME);
	assert_int_equal(shmrpc_name_check("a/b"), SHMRPC_ENAME);
	assert_int_equal(shmrpc_name_check("/"), SHMRPC_ENAME);
	assert_int_equal(shmrpc_name_check("sp ace"), SHMRPC_ENAME);
	assert_int_equal(shmrpc_name_check("tab\t"), SHMRPC_ENAME);
	assert_int_equal(shmrpc_name_check("caf\xc3\xa9"), SHMRPC_ENAME);
	memset(longest, 'n', sizeof(longest));
	longest[SHMRPC_NAME_MAX] = '\0';
	assert_int_equal(shmrpc_name_check(longest), 0);
	longest[SHMRPC_NAME_MAX] = 'n';
	longest[SHMRPC_NAME_MAX + 1] = '\0';
	assert_int_equal(shmrpc_name_check(longest), SHMRPC_ENAME);
}

static void test_strerror(void **state)
{
	(void)state;
	assert_string_equal(shmrpc_strerror(0), "Success");
	assert_string_equal(shmrpc_strerror(SHMRPC_ETIMEOUT), "Timed out");
	assert_string_equal(shmrpc_strerror(-ENOSPC),
	    "No space left on device");
	assert_string_equal(shmrpc_strerror(-99999), "Unknown error");
	for (int code = -1001; code >= -1020; code--)
		assert_non_null(shmrpc_strerror(code));
}

static void test_options(void **state)
{
	shmrpc_options o;
	shmrpc_transport_kind k;

	(void)state;
	shmrpc_options_init(&o);
	assert_int_equal(o.transport, SHMRPC_TRANSPORT_DEFAULT);
	assert_true(o.timeout == SHMRPC_DEFAULT_TIMEOUT);
	assert_int_equal(o.buffer_size, 0);
	assert_int_equal(shmrpc_transport_parse("posix", &k), 0);
	assert_int_equal(k, SHMRPC_TRANSPORT_POSIX);
	assert_int_equal(shmrpc_transport_parse("futex", &k), 0);
	assert_int_equal(k, SHMRPC_TRANSPORT_FUTEX);
	assert_int_equal(shmrpc_transport_parse("tcp", &k), -EINVAL);
	assert_string_equal(shmrpc_transport_name(SHMRPC_TRANSPORT_POSIX),
	    "posix");
}

static shmrpc_options posix_opts(double timeout)
{
	shmrpc_options o;

	shmrpc_options_init(&o);
	o.transport = SHMRPC_TRANSPORT_POSIX;
	o.buffer_size = 256;
	o.timeout = timeout;
	return o;
}

/* An older program's options struct: the 0.2 layout cut after its first
 * fields, as a binary built against a smaller header would pass it. */
struct old_options {
	size_t size;
	shmrpc_transport_kind transport;
	size_t buffer_size;
};

static void test_options_abi(void **state)
{
	shmrpc_options o;
	struct old_options old;
	unsigned char big[sizeof(shmrpc_options) + 64];
	shmrpc_transport *t;
	shmrpc_error e;

	(void)state;
	shmrpc_options_init(&o);
	assert_int_equal(o.size, sizeof(o));
	/* init writes only the caller's bytes */
	memset(&old, 0xa5, sizeof(old));
	memset(big, 0xa5, sizeof(big));
	shmrpc_options_init_size((shmrpc_options *)(void *)&old,
	    offsetof(shmrpc_options, timeout));
	assert_int_equal(old.size, offsetof(shmrpc_options, timeout));
	assert_int_equal(old.transport, SHMRPC_TRANSPORT_DEFAULT);
	/* a newer program's bigger struct: what we do not know is zeroed */
	shmrpc_options_init_size((shmrpc_options *)(void *)big, sizeof(big));
	for (size_t i = sizeof(shmrpc_options); i < sizeof(big); i++)
		assert_int_equal(big[i], 0);
	/* an older struct works: the fields it lacks get their defaults */
	old.transport = SHMRPC_TRANSPORT_POSIX;
	old.buffer_size = 1024;
	assert_int_equal(shmrpc_transport_create(&t, channel,
	    (const shmrpc_options *)(const void *)&old, &e), 0);
	assert_int_equal(shmrpc_transport_kind_of(t), SHMRPC_TRANSPORT_POSIX);
	assert_int_equal(shmrpc_transport_max_message(t), 1020);
	shmrpc_transport_close(t);
	/* a struct never initialised is refused, and says why */
	memset(&o, 0, sizeof(o));
	assert_int_equal(shmrpc_transport_create(&t, channel, &o, &e),
	    -EINVAL);
	assert_int_equal(e.code, -EINVAL);
	assert_non_null(strstr(e.text, "shmrpc_options_init"));
	assert_null(t);
}

static int noop(shmrpc_req *req, const json_t *params, json_t **result,
    void *arg)
{
	(void)req;
	(void)params;
	(void)arg;
	*result = json_null();
	return 0;
}

/* The built-in names cannot be registered; others can. */
static void test_builtin_names_reserved(void **state)
{
	shmrpc_server *srv;
	shmrpc_options o;
	shmrpc_error e;

	(void)state;
	shmrpc_options_init(&o);
	o.transport = SHMRPC_TRANSPORT_POSIX;
	assert_int_equal(shmrpc_server_open(&srv, channel, &o, &e), 0);
	assert_int_equal(shmrpc_server_register(srv, "__methods__", noop,
	    NULL), SHMRPC_ENAME);
	assert_int_equal(shmrpc_server_register(srv, "__running__", noop,
	    NULL), SHMRPC_ENAME);
	assert_int_equal(shmrpc_server_register(srv, "", noop, NULL),
	    SHMRPC_ENAME);
	assert_int_equal(shmrpc_server_register(srv, "__other__", noop,
	    NULL), 0);
	shmrpc_server_close(srv);
}

/* A method error cut to the error's size never ends inside a UTF-8
 * sequence. */
static void test_error_text_cut(void **state)
{
	char text[SHMRPC_ERROR_TEXT_LENGTH * 2];
	shmrpc_error e;

	(void)state;
	/* "é" is 2 bytes: 511 bytes of text would end on its first byte */
	memset(text, 'a', 510);
	for (size_t i = 510; i + 1 < sizeof(text); i += 2)
		memcpy(text + i, "\xc3\xa9", 2);
	assert_int_equal(shmrpc__error_set_text(&e, SHMRPC_EMETHOD, text,
	    sizeof(text) - 1), SHMRPC_EMETHOD);
	assert_int_equal(e.code, SHMRPC_EMETHOD);
	assert_int_equal(strlen(e.text), 510);
	/* 509 'a' and then "é": all 511 fit */
	text[0] = 'b';
	assert_int_equal(shmrpc__error_set_text(&e, 1, text + 1,
	    sizeof(text) - 2), 1);
	assert_int_equal(strlen(e.text), 511);
	assert_memory_equal(e.text + 509, "\xc3\xa9", 2);
	/* short text unchanged */
	shmrpc__error_set_text(&e, 1, "Type: x", 7);
	assert_string_equal(e.text, "Type: x");
}

/* The program closes the library's /dev/shm descriptor and puts another
 * directory at that number: the library notices, and creates the
 * channel in /dev/shm, not there. */
static void test_shm_dirfd_revalidated(void **state)
{
	char tmpl[] = "/tmp/shmrpc-dirfd-XXXXXX", path[256];
	shmrpc_options o = posix_opts(1.0);
	shmrpc_transport *t;
	struct stat st;
	int fd, other;

	(void)state;
	fd = shmrpc__shm_dirfd();
	assert_true(fd >= 0);
	assert_non_null(mkdtemp(tmpl));
	other = open(tmpl, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(other >= 0);
	assert_int_equal(close(fd), 0);
	assert_int_equal(dup2(other, fd), fd);
	close(other);
	assert_int_equal(shmrpc_transport_create(&t, channel, &o, NULL), 0);
	snprintf(path, sizeof(path), "/dev/shm/srb_%s_req", channel);
	assert_int_equal(stat(path, &st), 0);
	snprintf(path, sizeof(path), "%s/srb_%s_req", tmpl, channel);
	assert_int_not_equal(stat(path, &st), 0);
	shmrpc_transport_close(t);
	assert_int_not_equal(shmrpc__shm_dirfd(), fd);
	close(fd); /* the other directory, ours to close */
	assert_int_equal(rmdir(tmpl), 0);
}

/* Sinks are switched as one: a message never reaches one sink with the
 * other's argument, however the threads interleave. */
struct sink_check {
	const char *tag;
	_Atomic unsigned long wrong, seen;
};

static struct sink_check sink_a = { "a", 0, 0 }, sink_b = { "b", 0, 0 };

static void sink_a_fn(shmrpc_log_level level, const char *msg, void *arg)
{
	(void)level;
	(void)msg;
	atomic_fetch_add(&sink_a.seen, 1);
	if (arg != &sink_a)
		atomic_fetch_add(&sink_a.wrong, 1);
}

static void sink_b_fn(shmrpc_log_level level, const char *msg, void *arg)
{
	(void)level;
	(void)msg;
	atomic_fetch_add(&sink_b.seen, 1);
	if (arg != &sink_b)
		atomic_fetch_add(&sink_b.wrong, 1);
}

static _Atomic int logging_done;

static void *log_flood(void *arg)
{
	(void)arg;
	while (!atomic_load(&logging_done))
		log_warn("flood %d", 1);
	return NULL;
}

static void test_set_log_threads(void **state)
{
	pthread_t th[3];

	(void)state;
	shmrpc_set_log(sink_a_fn, SHMRPC_LOG_DEBUG, &sink_a);
	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&th[i], NULL, log_flood, NULL),
		    0);
	/* Switch back and forth until both sinks were hit often (the
	 * flooders may start late on a loaded machine), 30 s at most. */
	for (long i = 0; i < 20000 || atomic_load(&sink_a.seen) < 1000 ||
	     atomic_load(&sink_b.seen) < 1000; i++) {
		if (i % 2)
			shmrpc_set_log(sink_a_fn, SHMRPC_LOG_DEBUG, &sink_a);
		else
			shmrpc_set_log(sink_b_fn, SHMRPC_LOG_WARN, &sink_b);
		if (i % 1000 == 999) {
			struct timespec ts = { 0, 1000000 };
			nanosleep(&ts, NULL);
			if (i > 30000000)
				break;
		}
	}
	atomic_store(&logging_done, 1);
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	shmrpc_set_log(NULL, SHMRPC_LOG_NONE, NULL);
	assert_true(atomic_load(&sink_a.seen) >= 1000);
	assert_true(atomic_load(&sink_b.seen) >= 1000);
	assert_int_equal(atomic_load(&sink_a.wrong), 0);
	assert_int_equal(atomic_load(&sink_b.wrong), 0);
}

static void test_envelope_round_trip(void **state)
{
	char buf[4096];
	struct request_view rq;
	struct response_view rv;
	json_t *params = json_pack("{s:i, s:s}", "a", 1, "s", "é");
	json_t *id = json_string("id-1");
	char why[128];
	size_t len;

	(void)state;
	assert_int_equal(shmrpc__envelope_encode_request(buf, sizeof(buf), &len,
			     "id-1", "add", params),
	    0);
	assert_int_equal(shmrpc__envelope_decode_request(buf, len, &rq, why,
			     sizeof(why)),
	    0);
	assert_string_equal(rq.method, "add");
	json_t *rq_id = request_id_of(&rq);
	assert_string_equal(json_string_value(rq_id), "id-1");
	json_decref(rq_id);
	assert_true(json_equal((json_t *)rq.params, params));
	shmrpc__request_view_release(&rq);

	assert_int_equal(shmrpc__envelope_encode_response(buf, sizeof(buf),
			     &len, id, params, NULL),
	    0);
	assert_int_equal(shmrpc__envelope_decode_response(buf, len, "id-1",
			     &rv),
	    0);
	assert_string_equal(rv.id, "id-1");
	assert_null(rv.error);
	assert_true(json_equal(rv.result, params));
	shmrpc__response_view_release(&rv);

	assert_int_equal(shmrpc__envelope_encode_response(buf, sizeof(buf),
			     &len, id, NULL, "ValueError: no"),
	    0);
	assert_int_equal(shmrpc__envelope_decode_response(buf, len, "id-1",
			     &rv),
	    0);
	assert_string_equal(rv.error, "ValueError: no");
	shmrpc__response_view_release(&rv);

	/* Too big for the limit: refused, not truncated. */
	assert_int_equal(shmrpc__envelope_encode_request(buf, 20, &len, "id-1",
			     "add", params),
	    SHMRPC_ETOOBIG);
	json_decref(params);
	json_decref(id);
}

static void test_envelope_rejects(void **state)
{
	static const char *const bad_requests[] = {
		"", "nul", "[1]", "{\"request_id\":\"x\"}",
		"{\"request_id\":\"x\",\"method\":1,\"params\":{}}",
		"{\"request_id\":\"x\",\"method\":\"m\"}",
		"{\"request_id\":\"x\",\"method\":\"m\",\"params\":[]}",
		"{\"request_id\":\"x\",\"method\":\"m\",\"params\":{}",
	};
	static const char *const bad_responses[] = {
		"", "3", "{\"request_id\":\"x\"}",
		"{\"request_id\":\"x\",\"result\":1,\"error\":5}",
	};
	struct request_view rq;
	struct response_view rv;
	char why[128];

	(void)state;
	for (size_t i = 0; i < sizeof(bad_requests) / sizeof(*bad_requests);
	    i++) {
		int rc = shmrpc__envelope_decode_request(bad_requests[i],
		    strlen(bad_requests[i]), &rq, why, sizeof(why));
		assert_true(rc == SHMRPC_ESERIAL || rc == SHMRPC_EPROTO);
		assert_true(why[0] != '\0');
		shmrpc__request_view_release(&rq);
	}
	for (size_t i = 0; i < sizeof(bad_responses) / sizeof(*bad_responses);
	    i++) {
		int rc = shmrpc__envelope_decode_response(bad_responses[i],
		    strlen(bad_responses[i]), "x", &rv);
		assert_true(rc == SHMRPC_ESERIAL || rc == SHMRPC_EPROTO);
		shmrpc__response_view_release(&rv);
	}
}


static void test_posix_byte_path(void **state)
{
	shmrpc_options o = posix_opts(2.0);
	shmrpc_transport *srv, *cli, *again;
	char buf[256];
	size_t len;
	uint32_t peer;

	(void)state;
	assert_int_equal(shmrpc_transport_open(&cli, channel, &o, NULL),
	    SHMRPC_ENOCHANNEL);
	assert_int_equal(shmrpc_transport_create(&srv, channel, &o, NULL), 0);
	assert_int_equal(shmrpc_transport_create(&again, channel, &o, NULL),
	    SHMRPC_EINUSE);
	assert_int_equal(shmrpc_transport_kind_of(srv), SHMRPC_TRANSPORT_POSIX);
	assert_int_equal(shmrpc_transport_max_message(srv), 252);
	o.buffer_size = 0; /* client: take the server's size */
	assert_int_equal(shmrpc_transport_open(&cli, channel, &o, NULL), 0);
	assert_int_equal(shmrpc_transport_max_message(cli), 252);

	/* Wrong side or state. */
	assert_int_equal(shmrpc_transport_recv_response(cli, buf, sizeof(buf),
	    &len), SHMRPC_ESTATE);
	assert_int_equal(shmrpc_transport_recv_request(cli, buf, sizeof(buf),
	    &len, &peer), SHMRPC_ESTATE);

	/* Too big: refused before anything is touched. */
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(shmrpc_transport_send_request(cli, buf, 253),
	    SHMRPC_ETOOBIG);

	/* 0, 1 and max bytes. */
	size_t sizes[] = { 0, 1, 252 };
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(shmrpc_transport_send_request(cli, buf,
		    sizes[i]), 0);
		assert_int_equal(shmrpc_transport_recv_request(srv, buf,
		    sizeof(buf), &len, &peer), 0);
		assert_int_equal(len, sizes[i]);
		assert_int_equal(peer, 0);
		assert_int_equal(shmrpc_transport_send_response(srv, peer,
		    "pong", 4), 0);
		assert_int_equal(shmrpc_transport_recv_response(cli, buf,
		    sizeof(buf), &len), 0);
		assert_int_equal(len, 4);
		assert_memory_equal(buf, "pong", 4);
	}
	shmrpc_transport_close(cli);
	shmrpc_transport_close(srv);
	assert_int_equal(shmrpc_transport_open(&cli, channel, &o, NULL),
	    SHMRPC_ENOCHANNEL);
}

static void test_posix_timeout_and_wake(void **state)
{
	shmrpc_options o = posix_opts(0.05);
	shmrpc_transport *srv;
	char buf[16];
	size_t len;
	uint32_t peer;

	(void)state;
	assert_int_equal(shmrpc_transport_create(&srv, channel, &o, NULL), 0);
	assert_int_equal(shmrpc_transport_recv_request(srv, buf, sizeof(buf),
	    &len, &peer), SHMRPC_ETIMEOUT);
	shmrpc_transport_wake(srv);
	assert_int_equal(shmrpc_transport_recv_request(srv, buf, sizeof(buf),
	    &len, &peer), SHMRPC_ESTOPPED);
	shmrpc_transport_close(srv);
}

/* A forged response length is an error, not an over-read. */
static void test_posix_bad_response_header(void **state)
{
	shmrpc_options o = posix_opts(2.0);
	shmrpc_transport *srv, *cli;
	char buf[256], path[128];
	uint32_t forged = 100000, peer;
	size_t len;
	int fd;

	(void)state;
	assert_int_equal(shmrpc_transport_create(&srv, channel, &o, NULL), 0);
	assert_int_equal(shmrpc_transport_open(&cli, channel, &o, NULL), 0);
	assert_int_equal(shmrpc_transport_send_request(cli, "hi", 2), 0);
	assert_int_equal(shmrpc_transport_recv_request(srv, buf, sizeof(buf),
	    &len, &peer), 0);
	/* Play a hostile server: write the header by hand. */
	snprintf(path, sizeof(path), "/srb_%s_resp", channel);
	fd = shm_open(path, O_RDWR, 0);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, &forged, 4, 0), 4);
	close(fd);
	snprintf(path, sizeof(path), "/srb_%s_resp_full", channel);
	sem_t *full = sem_open(path, 0);
	assert_true(full != SEM_FAILED);
	snprintf(path, sizeof(path), "/srb_%s_resp_empty", channel);
	sem_t *empty = sem_open(path, 0);
	assert_true(empty != SEM_FAILED);
	assert_int_equal(sem_wait(empty), 0);
	assert_int_equal(sem_post(full), 0);
	assert_int_equal(shmrpc_transport_recv_response(cli, buf, sizeof(buf),
	    &len), SHMRPC_ETRANSPORT);
	sem_close(full);
	sem_close(empty);
	shmrpc_transport_close(cli);
	shmrpc_transport_close(srv);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, name_channel, ut_teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_check),
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_envelope_round_trip),
		cmocka_unit_test(test_envelope_rejects),
		T(test_posix_byte_path),
		T(test_posix_timeout_and_wake),
		T(test_posix_bad_response_header),
		T(test_options_abi),
		cmocka_unit_test(test_error_text_cut),
		T(test_builtin_names_reserved),
		T(test_shm_dirfd_revalidated),
		cmocka_unit_test(test_set_log_threads),
	};

	srand((unsigned)getpid());
	return cmocka_run_group_tests(tests, NULL, NULL);
}
