/*
 * test_bytes.c - the bytes path: shmrpc_call_bytes(), the in-place
 * reserve/commit/cancel requests, bytes handlers, the sizes at the edges
 * (0, 1, the largest that fits, one more), errors, posix refusal, the
 * reply's lifetime, and threads sharing a client.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testlib.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <shmrpc.h>

#include "codec/envelope.h"
#include "../helpers/request_id.h"

#define BUF 4096u
#define HDR 4u /* message length header */

/* A channel name unique to this call: the program's tag (testlib.h),
 * a random part, then what it is for. */
static void channel(char *buf, size_t len, const char *what)
{
	uint32_t r = 0;

	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = (uint32_t)rand();
	if ((size_t)snprintf(buf, len, "%s%08x_%s", ut_tag, r, what) >= len)
		abort(); /* a test bug: the buffer is too small */
}

static int b_echo(shmrpc_req *req, const void *in, size_t in_len, void *out,
    size_t out_cap, size_t *out_len, void *arg)
{
	(void)arg;
	if (in_len > out_cap)
		return shmrpc_req_error(req, "ValueError", "too big");
	memcpy(out, in, in_len);
	*out_len = in_len;
	return 0;
}

/* Replies with n = first 4 request bytes (native u32) bytes of 'z'. */
static int b_fill(shmrpc_req *req, const void *in, size_t in_len, void *out,
    size_t out_cap, size_t *out_len, void *arg)
{
	uint32_t n;

	(void)req;
	(void)arg;
	if (in_len != sizeof(n))
		return 1;
	memcpy(&n, in, sizeof(n));
	memset(out, 'z', n < out_cap ? n : out_cap);
	*out_len = n;
	return 0;
}

static int b_fail(shmrpc_req *req, const void *in, size_t in_len, void *out,
    size_t out_cap, size_t *out_len, void *arg)
{
	(void)in;
	(void)in_len;
	(void)out;
	(void)out_cap;
	(void)out_len;
	(void)arg;
	return shmrpc_req_error(req, "KeyError", "no %s", "such key");
}

static int j_echo(shmrpc_req *req, const json_t *params, json_t **result,
    void *arg)
{
	(void)req;
	(void)arg;
	*result = json_deep_copy(params);
	return 0;
}

struct srv {
	shmrpc_server *s;
	pthread_t tid[2];
	int n;
	char ch[64];
};

static void *serve_thread(void *p)
{
	return (void *)(intptr_t)shmrpc_server_serve(p);
}

static void srv_start(struct srv *v, const char *what, int threads)
{
	shmrpc_options o;

	channel(v->ch, sizeof(v->ch), what);
	shmrpc_options_init(&o);
	o.transport = SHMRPC_TRANSPORT_FUTEX;
	o.buffer_size = BUF;
	o.timeout = 10;
	assert_int_equal(shmrpc_server_open(&v->s, v->ch, &o, NULL), 0);
	assert_int_equal(shmrpc_server_register_bytes(v->s, "echo", b_echo,
	    NULL), 0);
	assert_int_equal(shmrpc_server_register_bytes(v->s, "fill", b_fill,
	    NULL), 0);
	assert_int_equal(shmrpc_server_register_bytes(v->s, "fail", b_fail,
	    NULL), 0);
	assert_int_equal(shmrpc_server_register(v->s, "jecho", j_echo, NULL),
	    0);
	/* names of 255 bytes and no more (registering is not thread-safe
	 * with serving: all before the threads start) */
	char name[257];
	memset(name, 'm', 256);
	name[256] = '\0';
	assert_int_equal(shmrpc_server_register_bytes(v->s, name, b_echo,
	    NULL), -ENAMETOOLONG);
	name[255] = '\0';
	assert_int_equal(shmrpc_server_register_bytes(v->s, name, b_echo,
	    NULL), 0);
	v->n = threads;
	for (int i = 0; i < threads; i++)
		assert_int_equal(pthread_create(&v->tid[i], NULL, serve_thread,
		    v->s), 0);
}

static void srv_stop(struct srv *v)
{
	shmrpc_server_stop(v->s);
	for (int i = 0; i < v->n; i++)
		pthread_join(v->tid[i], NULL);
	shmrpc_server_close(v->s);
}

static shmrpc_client *client(const struct srv *v)
{
	shmrpc_options o;
	shmrpc_client *c;

	shmrpc_options_init(&o);
	o.transport = SHMRPC_TRANSPORT_FUTEX;
	o.timeout = 10;
	o.wait_for_server = 5;
	assert_int_equal(shmrpc_client_open(&c, v->ch, &o, NULL), 0);
	return c;
}

static void test_sizes(void **state)
{
	struct srv v;
	shmrpc_client *c;
	shmrpc_error e;
	const void *reply;
	size_t len, cap, max_req = BUF - HDR - 2 - strlen("echo");
	unsigned char *big = malloc(BUF + 1);
	void *area;
	uint32_t n;

	(void)state;
	for (size_t i = 0; i <= BUF; i++)
		big[i] = (unsigned char)(i * 7 + 1);
	srv_start(&v, "sizes", 1);
	c = client(&v);

	/* 0 bytes (NULL allowed with 0) and 1 byte */
	assert_int_equal(shmrpc_call_bytes(c, "echo", NULL, 0, &reply, &len,
	    &e), 0);
	assert_int_equal(len, 0);
	assert_non_null(reply);
	assert_int_equal(shmrpc_call_bytes(c, "echo", "\0", 1, &reply, &len,
	    &e), 0);
	assert_int_equal(len, 1);
	assert_int_equal(((const char *)reply)[0], '\0');

	/* the largest request: buffer - length header - 2 - name */
	assert_int_equal(shmrpc_call_bytes_reserve(c, "echo", &area, &cap,
	    NULL), 0);
	assert_int_equal(cap, max_req);
	shmrpc_call_bytes_cancel(c);
	assert_int_equal(shmrpc_call_bytes(c, "echo", big, max_req, &reply,
	    &len, &e), 0);
	assert_int_equal(len, max_req);
	assert_memory_equal(reply, big, max_req);

	/* one more: too big, nothing sent, the client still works */
	assert_int_equal(shmrpc_call_bytes(c, "echo", big, max_req + 1,
	    &reply, &len, &e), SHMRPC_ETOOBIG);
	assert_null(reply);
	assert_int_equal(len, 0);
	assert_int_equal(shmrpc_call_bytes_reserve(c, "echo", &area, &cap,
	    NULL), 0);
	assert_int_equal(shmrpc_call_bytes_commit(c, cap + 1, &reply, &len, &e),
	    SHMRPC_ETOOBIG);

	/* the largest reply: buffer - length header - 2; one more fails */
	n = BUF - HDR - 2;
	assert_int_equal(shmrpc_call_bytes(c, "fill", &n, sizeof(n), &reply,
	    &len, &e), 0);
	assert_int_equal(len, n);
	assert_int_equal(((const char *)reply)[n - 1], 'z');
	n++;
	assert_int_equal(shmrpc_call_bytes(c, "fill", &n, sizeof(n), &reply,
	    &len, &e), SHMRPC_EMETHOD);
	assert_non_null(strstr(e.text,
	    "RPCError: Response too large"));

	/* names: empty, 255 and 256 bytes */
	char name[257];
	memset(name, 'm', 256);
	name[256] = '\0';
	assert_int_equal(shmrpc_call_bytes(c, name, "x", 1, &reply, &len, &e),
	    -EINVAL);
	name[255] = '\0';
	assert_int_equal(shmrpc_call_bytes(c, name, "x", 1, &reply, &len, &e),
	    0); /* registered by srv_start */
	assert_int_equal(shmrpc_call_bytes(c, "", "x", 1, &reply, &len, &e),
	    -EINVAL);

	shmrpc_client_close(c);
	srv_stop(&v);
	free(big);
}

static void test_in_place_and_lifetime(void **state)
{
	struct srv v;
	shmrpc_client *c;
	shmrpc_error e;
	const void *r1, *r2;
	size_t l1, l2, cap;
	void *area;
	json_t *res = NULL;

	(void)state;
	srv_start(&v, "inplace", 1);
	c = client(&v);

	/* write the request in place */
	assert_int_equal(shmrpc_call_bytes_reserve(c, "echo", &area, &cap,
	    NULL), 0);
	memcpy(area, "hello", 5);
	assert_int_equal(shmrpc_call_bytes_commit(c, 5, &r1, &l1, &e), 0);
	assert_int_equal(l1, 5);
	assert_memory_equal(r1, "hello", 5);
	/* the reply stays readable (not overwritten) until the next call,
	 * even by a reserve that is cancelled */
	assert_int_equal(shmrpc_call_bytes_reserve(c, "echo", &area, &cap,
	    NULL), 0);
	shmrpc_call_bytes_cancel(c);
	assert_memory_equal(r1, "hello", 5);
	/* the next call reuses the same space: r1 is now r2's bytes */
	assert_int_equal(shmrpc_call_bytes(c, "echo", "world", 5, &r2, &l2,
	    &e), 0);
	assert_ptr_equal(r1, r2);
	assert_memory_equal(r2, "world", 5);

	/* a reservation blocks other calls of this thread, not forever */
	assert_int_equal(shmrpc_call_bytes_reserve(c, "echo", &area, &cap,
	    NULL), 0);
	assert_int_equal(shmrpc_call(c, "jecho", NULL, &res, &e),
	    SHMRPC_ESTATE);
	assert_int_equal(shmrpc_call_bytes(c, "echo", "x", 1, &r1, &l1, &e),
	    SHMRPC_ESTATE);
	shmrpc_call_bytes_cancel(c);
	shmrpc_call_bytes_cancel(c); /* no-op */
	shmrpc_call_bytes_cancel(NULL);
	assert_int_equal(shmrpc_call_bytes_commit(c, 0, &r1, &l1, &e),
	    SHMRPC_ESTATE);
	assert_int_equal(shmrpc_call(c, "jecho", NULL, &res, &e), 0);
	json_decref(res);

	/* errors: the handler's, unknown method, wrong kind both ways */
	assert_int_equal(shmrpc_call_bytes(c, "fail", NULL, 0, &r1, &l1, &e),
	    SHMRPC_EMETHOD);
	assert_string_equal(e.text,
	    "KeyError: no such key");
	assert_int_equal(shmrpc_call_bytes(c, "nosuch", NULL, 0, &r1, &l1,
	    &e), SHMRPC_EMETHOD);
	assert_string_equal(e.text,
	    "RPCError: Unknown method: nosuch");
	assert_int_equal(shmrpc_call_bytes(c, "jecho", NULL, 0, &r1, &l1,
	    &e), SHMRPC_EMETHOD);
	assert_int_equal(shmrpc_call(c, "echo", NULL, &res, &e),
	    SHMRPC_EMETHOD);
	assert_null(res);
	/* and the JSON path still works on the same client */
	json_t *p = json_pack("{s:s#}", "s", "a\0b", (int)3);
	assert_int_equal(shmrpc_call(c, "jecho", p, &res, &e), 0);
	assert_true(json_equal(p, res));
	json_decref(p);
	json_decref(res);

	shmrpc_client_close(c);
	srv_stop(&v);
}

static void test_posix_refuses(void **state)
{
	shmrpc_options o;
	shmrpc_server *s;
	shmrpc_client *c;
	shmrpc_error e;
	const void *r;
	void *area;
	size_t l, cap;
	char ch[64];

	(void)state;
	channel(ch, sizeof(ch), "posix");
	shmrpc_options_init(&o);
	o.transport = SHMRPC_TRANSPORT_POSIX;
	o.timeout = 2;
	assert_int_equal(shmrpc_server_open(&s, ch, &o, NULL), 0);
	assert_int_equal(shmrpc_server_register_bytes(s, "echo", b_echo, NULL),
	    -EPROTONOSUPPORT);
	assert_int_equal(shmrpc_client_open(&c, ch, &o, NULL), 0);
	assert_int_equal(shmrpc_call_bytes(c, "echo", "x", 1, &r, &l, &e),
	    -EPROTONOSUPPORT);
	assert_null(r);
	assert_int_equal(shmrpc_call_bytes_reserve(c, "echo", &area, &cap,
	    NULL),
	    -EPROTONOSUPPORT);
	assert_null(area);
	/* not left locked */
	assert_int_equal(shmrpc_call_bytes_reserve(c, "echo", &area, &cap,
	    NULL),
	    -EPROTONOSUPPORT);
	shmrpc_client_close(c);
	shmrpc_server_close(s);
}

struct worker {
	shmrpc_client *c;
	int id;
	int failures;
};

static void *worker(void *p)
{
	struct worker *w = p;
	unsigned char msg[64], copy[64];
	shmrpc_error e;

	for (int i = 0; i < 500; i++) {
		const void *r;
		size_t l, n = (size_t)(i % 60) + 1;
		void *area;
		size_t cap;

		memset(msg, w->id * 16 + i, n);
		if (i % 2 == 0) {
			if (shmrpc_call_bytes(w->c, "echo", msg, n, &r, &l,
				&e) != 0) {
				w->failures++;
				continue;
			}
		} else {
			if (shmrpc_call_bytes_reserve(w->c, "echo", &area,
				&cap, NULL)) {
				w->failures++;
				continue;
			}
			memcpy(area, msg, n);
			if (shmrpc_call_bytes_commit(w->c, n, &r, &l, &e) != 0) {
				w->failures++;
				continue;
			}
		}
		/* A shared client: another thread's call may overwrite r
		 * at any time, so only a private client can check it. */
		if (w->id < 2) {
			memcpy(copy, r, l < 64 ? l : 64);
			if (l != n || memcmp(copy, msg, n) != 0)
				w->failures++;
		}
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct srv v;
	struct worker w[4];
	pthread_t t[4];
	shmrpc_client *shared;

	(void)state;
	srv_start(&v, "threads", 2);
	shared = client(&v);
	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){ i < 2 ? client(&v) : shared, i, 0 };
		assert_int_equal(pthread_create(&t[i], NULL, worker, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].failures, 0);
	}
	shmrpc_client_close(w[0].c);
	shmrpc_client_close(w[1].c);
	shmrpc_client_close(shared);
	srv_stop(&v);
}

/* The envelope decoders' fast paths (exact text of our own encoders) give
 * what jansson gives for the same text, and odd variants fall back to the
 * general path. */
static void check_request(const char *text, int want_rc, const char *method)
{
	struct request_view rq;
	char why[256];
	int rc = shmrpc__envelope_decode_request(text, strlen(text), &rq, why,
	    sizeof(why));
	json_t *ref = json_loads(text, JSON_ALLOW_NUL, NULL);

	assert_int_equal(rc, want_rc);
	if (rc == 0) {
		assert_string_equal(rq.method, method);
		assert_true(json_equal(rq.params,
		    json_object_get(ref, "params")));
		json_t *id = request_id_of(&rq);
		assert_true(json_equal(id,
		    json_object_get(ref, "request_id")));
		json_decref(id);
	}
	json_decref(ref);
	shmrpc__request_view_release(&rq);
}

static void test_envelope_fast_paths(void **state)
{
	char buf[512];
	size_t len;
	json_t *params = json_pack("{s:i, s:s, s:[f, n]}", "a", 1, "b",
	    "x\"y", "c", 0.5);
	struct response_view rv;

	(void)state;
	assert_int_equal(shmrpc__envelope_encode_request(buf, sizeof(buf), &len,
			     "00ff-7", "add", params),
	    0);
	buf[len] = '\0';
	assert_string_equal(buf, "{\"request_id\":\"00ff-7\",\"method\":"
	    "\"add\",\"params\":{\"a\":1,\"b\":\"x\\\"y\",\"c\":[0.5,null]}}");
	check_request(buf, 0, "add");
	assert_int_equal(shmrpc__envelope_encode_request(buf, 10, &len, "1",
			     "add", params),
	    SHMRPC_ETOOBIG);
	/* escapes, spaces, duplicate keys, trailing junk: general path */
	check_request("{\"request_id\":\"i\",\"method\":\"a\\u0064d\","
	    "\"params\":{}}", 0, "add");
	check_request("{\"request_id\":\"i\",\"method\":\"add\",\"params\":"
	    "{\"a\":1},\"method\":\"sub\"}", 0, "sub");
	check_request("{\"request_id\":\"i\",\"method\":\"add\",\"params\":"
	    "{\"a\":1}} ", 0, "add");
	check_request("{\"request_id\":\"i\",\"method\":\"add\",\"params\":"
	    "{\"a\":1}}}", SHMRPC_ESERIAL, NULL);
	check_request("{\"request_id\":\"i\",\"method\":\"add\",\"params\":"
	    "{\"a\":1},\"x\":{}}", 0, "add");
	check_request("{\"request_id\":\"i\",\"method\":\"add\",\"params\":"
	    "[1]}", SHMRPC_EPROTO, NULL);

	/* responses */
	json_t *res = json_pack("[i, s]", 3, "r"), *rid = json_string("id-1");
	assert_int_equal(shmrpc__envelope_encode_response(buf, sizeof(buf),
			     &len, rid, res, NULL),
	    0);
	json_decref(rid);
	json_decref(res);
	assert_int_equal(shmrpc__envelope_decode_response(buf, len, "id-1",
			     &rv),
	    0);
	assert_string_equal(rv.id, "id-1");
	assert_null(rv.error);
	assert_int_equal(json_array_size(rv.result), 2);
	shmrpc__response_view_release(&rv);
	/* another id: general path, id as sent */
	assert_int_equal(shmrpc__envelope_decode_response(buf, len, "id-2",
			     &rv),
	    0);
	assert_string_equal(rv.id, "id-1");
	shmrpc__response_view_release(&rv);
	const char *t = "{\"request_id\":\"id-1\",\"result\":1,\"result\":2,"
	    "\"error\":null}";
	assert_int_equal(shmrpc__envelope_decode_response(t, strlen(t), "id-1",
			     &rv),
	    0);
	assert_int_equal(json_integer_value(rv.result), 2);
	shmrpc__response_view_release(&rv);
	t = "{\"request_id\":\"id-1\",\"result\":null,\"error\":\"E: x\"}";
	assert_int_equal(shmrpc__envelope_decode_response(t, strlen(t), "id-1",
			     &rv),
	    0);
	assert_string_equal(rv.error, "E: x");
	shmrpc__response_view_release(&rv);
	json_decref(params);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_in_place_and_lifetime),
		cmocka_unit_test(test_posix_refuses),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_envelope_fast_paths),
	};

	return cmocka_run_group_tests(tests, ut_setup, ut_teardown);
}
