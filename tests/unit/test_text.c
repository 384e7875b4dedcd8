/*
 * test_text.c - calls and methods whose params and results are JSON text
 * (shmrpc_call_text(), shmrpc_server_register_text(), the fallback
 * handler), complete error texts, error answers that keep the request's
 * id, shmrpc_server_serve_until() and the opt-in signal handling, on both
 * transports.  The server runs in a thread of this process, or in a child
 * where signals are sent.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "testlib.h"

#include "shmrpc.h"

static char channel[64];

static int setup(void **state)
{
	ut_setup(state);
	ut_name(channel, sizeof(channel), "t");
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static shmrpc_options opts_for(shmrpc_transport_kind kind, size_t size)
{
	shmrpc_options o;

	shmrpc_options_init(&o);
	o.transport = kind;
	o.buffer_size = size;
	o.timeout = 5.0;
	return o;
}

/* ---- a server in a thread ------------------------------------------------ */

struct served {
	shmrpc_server *srv;
	pthread_t thread;
	int rc;
	/* Of the text handlers, read after the call: atomic, because the
	 * futex handshake that orders them goes through two mappings of one
	 * segment, which ThreadSanitizer cannot see as one address. */
	_Atomic int calls;
};

static void *serve_thread(void *arg)
{
	struct served *s = arg;

	s->rc = shmrpc_server_serve(s->srv);
	return NULL;
}

static void serve(struct served *s)
{
	assert_int_equal(pthread_create(&s->thread, NULL, serve_thread, s), 0);
}

static void unserve(struct served *s)
{
	shmrpc_server_stop(s->srv);
	pthread_join(s->thread, NULL);
	assert_int_equal(s->rc, 0);
	shmrpc_server_close(s->srv);
}

/* echo: the params text back, as it came. */
static int text_echo(shmrpc_req *req, const char *params, size_t params_len,
    char *out, size_t out_cap, size_t *out_len, void *arg)
{
	struct served *s = arg;

	(void)req;
	s->calls++;
	if (params_len <= out_cap)
		memcpy(out, params, params_len);
	*out_len = params_len;
	return 0;
}

/* fail: the error text given as params' "text" member, raw between the
 * quotes (the tests send plain text), with its '|' made NUL. */
static int text_fail(shmrpc_req *req, const char *params, size_t params_len,
    char *out, size_t out_cap, size_t *out_len, void *arg)
{
	const char *q = memchr(params, ':', params_len);
	const char *end = params + params_len - 2; /* before "} */
	char *text;
	size_t n;

	(void)out;
	(void)out_cap;
	(void)out_len;
	(void)arg;
	assert_non_null(q);
	q += 2; /* past :" */
	n = (size_t)(end - q);
	text = malloc(n + 1);
	memcpy(text, q, n);
	for (size_t i = 0; i < n; i++)
		if (text[i] == '|')
			text[i] = '\0';
	shmrpc_req_error_text(req, text, n);
	free(text);
	return 1;
}

/* fail_utf8: an error of 600 two-byte characters. */
static int text_fail_utf8(shmrpc_req *req, const char *params,
    size_t params_len, char *out, size_t out_cap, size_t *out_len, void *arg)
{
	char text[3 + 1200];

	(void)params;
	(void)params_len;
	(void)out;
	(void)out_cap;
	(void)out_len;
	(void)arg;
	memcpy(text, "E: ", 3);
	for (int i = 0; i < 600; i++)
		memcpy(text + 3 + 2 * i, "\xc3\xa9", 2);
	return shmrpc_req_error_text(req, text, sizeof(text));
}

/* oops: a result that is not JSON. */
static int text_oops(shmrpc_req *req, const char *params, size_t params_len,
    char *out, size_t out_cap, size_t *out_len, void *arg)
{
	(void)req;
	(void)params;
	(void)params_len;
	(void)arg;
	assert_true(out_cap >= 5);
	memcpy(out, "{oops", 5);
	*out_len = 5;
	return 0;
}

/* big: out_cap + 1 bytes claimed. */
static int text_too_big(shmrpc_req *req, const char *params,
    size_t params_len, char *out, size_t out_cap, size_t *out_len, void *arg)
{
	(void)req;
	(void)params;
	(void)params_len;
	(void)out;
	(void)arg;
	*out_len = out_cap + 1;
	return 0;
}

/* The fallback: "dyn" answers "dyn", anything else is unknown. */
static int text_fallback(shmrpc_req *req, const char *params,
    size_t params_len, char *out, size_t out_cap, size_t *out_len, void *arg)
{
	(void)params;
	(void)params_len;
	(void)arg;
	if (strcmp(shmrpc_req_method(req), "dyn") != 0)
		return shmrpc_req_unknown_method(req);
	assert_true(out_cap >= 5);
	memcpy(out, "\"dyn\"", 5);
	*out_len = 5;
	return 0;
}

static int json_add(shmrpc_req *req, const json_t *params, json_t **result,
    void *arg)
{
	(void)req;
	(void)arg;
	*result = json_integer(json_integer_value(json_object_get(params, "a")) +
	    json_integer_value(json_object_get(params, "b")));
	return 0;
}

/* A JSON method whose error message is longer than the old 1023 bytes. */
static int json_long_error(shmrpc_req *req, const json_t *params,
    json_t **result, void *arg)
{
	char msg[2001];

	(void)params;
	(void)result;
	(void)arg;
	memset(msg, 'm', 2000);
	msg[2000] = '\0';
	return shmrpc_req_error(req, "ValueError", "%s", msg);
}

static void open_server(struct served *s, shmrpc_transport_kind kind,
    size_t size)
{
	shmrpc_options o = opts_for(kind, size);
	shmrpc_error e;

	memset(s, 0, sizeof(*s));
	assert_int_equal(shmrpc_server_open(&s->srv, channel, &o, &e), 0);
	assert_int_equal(shmrpc_server_register_text(s->srv, "echo",
	    text_echo, s, 0), 0);
	assert_int_equal(shmrpc_server_register_text(s->srv, "fail",
	    text_fail, s, 0), 0);
	assert_int_equal(shmrpc_server_register_text(s->srv, "big",
	    text_too_big, s, 0), 0);
	assert_int_equal(shmrpc_server_register_text(s->srv, "fail_utf8",
	    text_fail_utf8, s, 0), 0);
	assert_int_equal(shmrpc_server_register_text(s->srv, "echo_raw",
	    text_echo, s, SHMRPC_TEXT_UNCHECKED), 0);
	assert_int_equal(shmrpc_server_register_text(s->srv, "oops",
	    text_oops, s, 0), 0);
	assert_int_equal(shmrpc_server_register_text(s->srv, "bad_flags",
	    text_oops, s, 0x80), -EINVAL);
	assert_int_equal(shmrpc_server_register(s->srv, "add", json_add,
	    NULL), 0);
	assert_int_equal(shmrpc_server_register(s->srv, "long_error",
	    json_long_error, NULL), 0);
	assert_int_equal(shmrpc_server_register_text(s->srv, "__running__",
	    text_echo, s, 0), SHMRPC_ENAME);
}

static shmrpc_client *open_client(shmrpc_transport_kind kind)
{
	shmrpc_options o = opts_for(kind, 0);
	shmrpc_client *cli;
	shmrpc_error e;

	assert_int_equal(shmrpc_client_open(&cli, channel, &o, &e), 0);
	assert_int_equal(shmrpc_client_transport(cli), kind);
	return cli;
}

static size_t text_len(const char *p)
{
	return p != NULL ? strlen(p) : 0;
}

/* Whether the n bytes at r hold the text want. */
static bool has_text(const char *r, size_t n, const char *want)
{
	return memmem(r, n, want, strlen(want)) != NULL;
}

#define CALL_TEXT(cli, m, p, r, n, e) \
	shmrpc_call_text((cli), (m), (p), text_len(p), 0, (r), (n), (e))

/* ---- tests ------------------------------------------------------------------ */

/* Params reach a text method as the client wrote them, and its result
 * comes back as it wrote it: integers beyond 64 bits, float forms,
 * escapes, white space. */
static void round_trip(shmrpc_transport_kind kind)
{
	static const char params[] = "{\"u\":18446744073709551615,"
	    "\"big\":-123456789012345678901234567890,\"f\":[0.1,1e16,1E+2,"
	    "1e-7],\"s\":\"\\u001f\\u001F\\ud83d\\ude00 \xc3\xa9\", \"n\" : "
	    "null}";
	struct served s;
	shmrpc_client *cli;
	const char *r;
	size_t n;
	shmrpc_error e;
	json_t *jr;

	open_server(&s, kind, 4096);
	serve(&s);
	cli = open_client(kind);
	assert_int_equal(CALL_TEXT(cli, "echo", params, &r, &n, &e), 0);
	assert_int_equal(n, strlen(params));
	assert_memory_equal(r, params, n);
	/* a JSON method, through the text call */
	assert_int_equal(CALL_TEXT(cli, "add", "{\"a\":2,\"b\":40}", &r, &n,
	    &e), 0);
	assert_int_equal(n, 2);
	assert_memory_equal(r, "42", 2);
	/* built-ins, and params NULL */
	assert_int_equal(CALL_TEXT(cli, "__running__", NULL, &r, &n, &e), 0);
	assert_memory_equal(r, "true", 4);
	assert_int_equal(CALL_TEXT(cli, "__methods__", NULL, &r, &n, &e), 0);
	assert_true(has_text(r, n, "{\"name\":\"echo\",\"kind\":\"text\"}"));
	assert_true(has_text(r, n, "{\"name\":\"add\",\"kind\":\"json\"}"));
	/* a text method, through the json_t call */
	json_t *p = json_pack("{s:f, s:s}", "x", 0.5, "y", "\x1f");
	assert_int_equal(shmrpc_call(cli, "echo", p, &jr, &e), 0);
	assert_true(json_equal(jr, p));
	json_decref(jr);
	json_decref(p);
	/* an empty result means null */
	assert_int_equal(CALL_TEXT(cli, "echo", "{}", &r, &n, &e), 0);
	assert_memory_equal(r, "{}", 2);
	assert_int_equal(s.calls, 3);
	shmrpc_client_close(cli);
	unserve(&s);
}

static void test_round_trip_futex(void **state)
{
	(void)state;
	round_trip(SHMRPC_TRANSPORT_FUTEX);
}

static void test_round_trip_posix(void **state)
{
	(void)state;
	round_trip(SHMRPC_TRANSPORT_POSIX);
}

/* Params are checked before anything is sent, unless trusted. */
static void test_params_checked(void **state)
{
	static const char *bad[] = { "[1]", "{\"a\":}", "{\"a\":1,}",
		"{\"a\":\"\xff\"}", "{\"a\":NaN}", "{\"a\":\"\\ud800\"}", "",
		"{} {}" };
	struct served s;
	shmrpc_client *cli;
	const char *r;
	size_t n;
	shmrpc_error e;

	(void)state;
	open_server(&s, SHMRPC_TRANSPORT_FUTEX, 4096);
	serve(&s);
	cli = open_client(SHMRPC_TRANSPORT_FUTEX);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(CALL_TEXT(cli, "echo", bad[i], &r, &n, &e),
		    -EINVAL);
		assert_null(r);
		assert_non_null(strstr(e.text, "not a JSON object"));
	}
	assert_int_equal(s.calls, 0);
	assert_int_equal(shmrpc_call_text(cli, "echo", " {\"a\" :1 } ", 11,
	    SHMRPC_TEXT_TRUSTED, &r, &n, &e), 0);
	assert_memory_equal(r, "{\"a\" :1 }", n);
	shmrpc_client_close(cli);
	unserve(&s);
}

/* The fallback takes every name that is not registered; unknown names
 * keep the library's words; built-ins and registered methods are not
 * its business. */
static void fallback(shmrpc_transport_kind kind)
{
	struct served s;
	shmrpc_client *cli;
	const char *r;
	size_t n;
	shmrpc_error e;

	open_server(&s, kind, 4096);
	assert_int_equal(shmrpc_server_set_fallback_text(s.srv, text_fallback,
	    NULL, 0), 0);
	serve(&s);
	cli = open_client(kind);
	assert_int_equal(CALL_TEXT(cli, "dyn", "{}", &r, &n, &e), 0);
	assert_int_equal(n, 5);
	assert_memory_equal(r, "\"dyn\"", 5);
	assert_int_equal(CALL_TEXT(cli, "nope", "{}", &r, &n, &e),
	    SHMRPC_EMETHOD);
	assert_string_equal(r, "RPCError: Unknown method: nope");
	assert_string_equal(e.text, "RPCError: Unknown method: nope");
	assert_int_equal(CALL_TEXT(cli, "add", "{\"a\":1,\"b\":1}", &r, &n, &e),
	    0);
	assert_memory_equal(r, "2", 1);
	assert_int_equal(CALL_TEXT(cli, "__running__", "{}", &r, &n, &e), 0);
	assert_memory_equal(r, "true", 4);
	shmrpc_client_close(cli);
	unserve(&s);
}

static void test_fallback_futex(void **state)
{
	(void)state;
	fallback(SHMRPC_TRANSPORT_FUTEX);
}

static void test_fallback_posix(void **state)
{
	(void)state;
	fallback(SHMRPC_TRANSPORT_POSIX);
}

/* Method errors arrive complete (past 511 and 1023 bytes, NUL and all),
 * cut only by the response buffer, and there on a character boundary. */
static void test_errors_complete(void **state)
{
	struct served s;
	shmrpc_client *cli;
	const char *r;
	size_t n;
	shmrpc_error e;
	char *params, *want;

	(void)state;
	open_server(&s, SHMRPC_TRANSPORT_FUTEX, 8192);
	serve(&s);
	cli = open_client(SHMRPC_TRANSPORT_FUTEX);
	/* 3000 bytes of error, a NUL at 1500 */
	params = malloc(3100);
	want = malloc(3100);
	memset(want, 'x', 3000);
	memcpy(want, "ValueError: ", 12);
	want[1500] = '|';
	snprintf(params, 3100, "{\"text\":\"%.3000s\"}", want);
	want[1500] = '\0';
	assert_int_equal(CALL_TEXT(cli, "fail", params, &r, &n, &e),
	    SHMRPC_EMETHOD);
	assert_int_equal(n, 3000);
	assert_memory_equal(r, want, 3000);
	assert_int_equal(r[3000], '\0');
	assert_int_equal(strlen(e.text), 511);
	/* shmrpc_req_error() no longer cuts at 1023 */
	assert_int_equal(CALL_TEXT(cli, "long_error", "{}", &r, &n, &e),
	    SHMRPC_EMETHOD);
	assert_int_equal(n, 12 + 2000);
	assert_memory_equal(r, "ValueError: mmm", 15);
	shmrpc_client_close(cli);
	unserve(&s);

	/* a buffer too small: cut to fit, between characters */
	open_server(&s, SHMRPC_TRANSPORT_POSIX, 600);
	serve(&s);
	cli = open_client(SHMRPC_TRANSPORT_POSIX);
	assert_int_equal(CALL_TEXT(cli, "fail_utf8", "{}", &r, &n, &e),
	    SHMRPC_EMETHOD);
	assert_true(n > 400 && n < 600);
	assert_memory_equal(r, "E: \xc3\xa9", 5);
	assert_true(((unsigned char)r[n - 1] & 0xc0) == 0x80);
	shmrpc_client_close(cli);
	unserve(&s);
	free(params);
	free(want);
}

/* What SHMRPC_TEXT_UNCHECKED leaves to the caller, and what the library
 * checks without it, on both sides. */
static void test_unchecked(void **state)
{
	static const char bad[] = "{\"request_id\":\"q1\",\"method\":"
	    "\"%s\",\"params\":{\"a\":}}";
	struct served s;
	shmrpc_options o = opts_for(SHMRPC_TRANSPORT_FUTEX, 0);
	shmrpc_transport *t;
	shmrpc_client *cli;
	const char *r;
	size_t n;
	shmrpc_error e;
	char req[128], buf[512];

	(void)state;
	open_server(&s, SHMRPC_TRANSPORT_FUTEX, 4096);
	serve(&s);
	/* params: checked for echo, handed over as they are for echo_raw */
	assert_int_equal(shmrpc_transport_open(&t, channel, &o, NULL), 0);
	snprintf(req, sizeof(req), bad, "echo");
	assert_int_equal(shmrpc_transport_send_request(t, req, strlen(req)),
	    0);
	assert_int_equal(shmrpc_transport_recv_response(t, buf,
	    sizeof(buf) - 1, &n), 0);
	buf[n] = '\0';
	assert_string_equal(buf, "{\"request_id\":\"q1\",\"result\":null,"
	    "\"error\":\"RPCError: Invalid JSON in request: invalid token "
	    "at byte 49\"}");
	snprintf(req, sizeof(req), bad, "echo_raw");
	assert_int_equal(shmrpc_transport_send_request(t, req, strlen(req)),
	    0);
	assert_int_equal(shmrpc_transport_recv_response(t, buf,
	    sizeof(buf) - 1, &n), 0);
	buf[n] = '\0';
	assert_string_equal(buf, "{\"request_id\":\"q1\",\"result\":"
	    "{\"a\":},\"error\":null}");
	shmrpc_transport_close(t);
	/* result: a malformed one is refused, unless unchecked */
	cli = open_client(SHMRPC_TRANSPORT_FUTEX);
	assert_int_equal(CALL_TEXT(cli, "oops", "{}", &r, &n, &e),
	    SHMRPC_ESERIAL);
	assert_null(r);
	assert_int_equal(shmrpc_call_text(cli, "oops", "{}", 2,
	    SHMRPC_TEXT_UNCHECKED, &r, &n, &e), 0);
	assert_int_equal(n, 5);
	assert_memory_equal(r, "{oops", 5);
	assert_int_equal(shmrpc_call_text(cli, "oops", "{}", 2, 0x80, &r, &n,
	    &e), -EINVAL);
	shmrpc_client_close(cli);
	unserve(&s);
}

/* The params written in place between reserve and commit. */
static void reserve_commit(shmrpc_transport_kind kind)
{
	struct served s;
	shmrpc_client *cli;
	const char *r;
	size_t n, cap;
	shmrpc_error e;
	char *buf;

	open_server(&s, kind, 4096);
	serve(&s);
	cli = open_client(kind);
	assert_int_equal(shmrpc_call_text_commit(cli, 0, 0, &r, &n, &e),
	    SHMRPC_ESTATE);
	assert_int_equal(shmrpc_call_text_reserve(cli, "echo", &buf, &cap,
	    &e), 0);
	assert_true(cap > 4000 && cap < 4096);
	/* the same thread calling meanwhile: refused, not a deadlock */
	assert_int_equal(CALL_TEXT(cli, "echo", "{}", &r, &n, &e),
	    SHMRPC_ESTATE);
	memcpy(buf, "{\"a\":18446744073709551616}", 26);
	assert_int_equal(shmrpc_call_text_commit(cli, 26, 0, &r, &n, &e), 0);
	assert_int_equal(n, 26);
	assert_memory_equal(r, "{\"a\":18446744073709551616}", 26);
	/* cancel, then a call as usual */
	assert_int_equal(shmrpc_call_text_reserve(cli, "echo", &buf, &cap,
	    &e), 0);
	shmrpc_call_text_cancel(cli);
	shmrpc_call_text_cancel(cli);
	assert_int_equal(CALL_TEXT(cli, "echo", "{\"b\":2}", &r, &n, &e), 0);
	/* too long, and not an object: refused, nothing sent */
	assert_int_equal(shmrpc_call_text_reserve(cli, "echo", &buf, &cap,
	    &e), 0);
	assert_int_equal(shmrpc_call_text_commit(cli, cap + 1, 0, &r, &n, &e),
	    SHMRPC_ETOOBIG);
	assert_int_equal(shmrpc_call_text_reserve(cli, "echo", &buf, &cap,
	    &e), 0);
	memcpy(buf, "[1]", 3);
	assert_int_equal(shmrpc_call_text_commit(cli, 3, 0, &r, &n, &e),
	    -EINVAL);
	/* a method error through commit */
	assert_int_equal(shmrpc_call_text_reserve(cli, "nope", &buf, &cap,
	    &e), 0);
	memcpy(buf, "{}", 2);
	assert_int_equal(shmrpc_call_text_commit(cli, 2, SHMRPC_TEXT_TRUSTED,
	    &r, &n, &e), SHMRPC_EMETHOD);
	assert_string_equal(r, "RPCError: Unknown method: nope");
	assert_int_equal(s.calls, 2);
	shmrpc_client_close(cli);
	unserve(&s);
}

static void test_reserve_commit_futex(void **state)
{
	(void)state;
	reserve_commit(SHMRPC_TRANSPORT_FUTEX);
}

static void test_reserve_commit_posix(void **state)
{
	(void)state;
	reserve_commit(SHMRPC_TRANSPORT_POSIX);
}

static void test_response_too_large(void **state)
{
	struct served s;
	shmrpc_client *cli;
	const char *r;
	size_t n;
	shmrpc_error e;

	(void)state;
	open_server(&s, SHMRPC_TRANSPORT_FUTEX, 4096);
	serve(&s);
	cli = open_client(SHMRPC_TRANSPORT_FUTEX);
	assert_int_equal(CALL_TEXT(cli, "big", "{}", &r, &n, &e),
	    SHMRPC_EMETHOD);
	assert_string_equal(r, "RPCError: Response too large for the buffer "
	    "(max 4092 bytes)");
	/* the channel goes on */
	assert_int_equal(CALL_TEXT(cli, "echo", "{\"a\":1}", &r, &n, &e), 0);
	shmrpc_client_close(cli);
	unserve(&s);
}

/* A request a JSON method cannot take (an integer beyond json_int_t) or
 * that cannot be read at all is answered with an error that names the
 * problem and carries the request's id whenever it can be read. */
static void answer_keeps_id(shmrpc_transport_kind kind)
{
	static const struct {
		const char *request;
		const char *id;   /* in the answer */
		const char *says; /* in its error */
	} cases[] = {
		{ "{\"request_id\":\"r1\",\"method\":\"add\",\"params\":{\"a\":"
		  "18446744073709551615,\"b\":1}}", "\"r1\"",
		  "integer out of range at byte 48 (this server's methods take "
		  "integers from -9223372036854775808 to 9223372036854775807)" },
		{ "{\"request_id\":\"r2\",\"method\":\"add\",\"params\":{\"a\":",
		  "\"r2\"", "Invalid JSON in request" },
		{ "{\"method\":\"add\",\"request_id\":7,\"params\":[]}", "7",
		  "Request params is not an object" },
		{ "{\"request_id\":\"r\\u0033\",\"method\":\"add\",\"params\":"
		  "{\"a\":1e400}}", "\"r3\"", "Invalid JSON in request" },
		{ "[\"request_id\",\"x\"]", "null", "not a JSON object" },
	};
	struct served s;
	shmrpc_transport *t;
	shmrpc_options o = opts_for(kind, 0);
	char buf[4096];
	size_t len;

	open_server(&s, kind, 4096);
	serve(&s);
	assert_int_equal(shmrpc_transport_open(&t, channel, &o, NULL), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char want[64];

		assert_int_equal(shmrpc_transport_send_request(t,
		    cases[i].request, strlen(cases[i].request)), 0);
		assert_int_equal(shmrpc_transport_recv_response(t, buf,
		    sizeof(buf) - 1, &len), 0);
		buf[len] = '\0';
		snprintf(want, sizeof(want), "{\"request_id\":%s,",
		    cases[i].id);
		if (strncmp(buf, want, strlen(want)) != 0 ||
		    strstr(buf, cases[i].says) == NULL)
			fail_msg("case %zu: answer %s", i, buf);
	}
	shmrpc_transport_close(t);
	unserve(&s);
}

static void test_answer_keeps_id_futex(void **state)
{
	(void)state;
	answer_keeps_id(SHMRPC_TRANSPORT_FUTEX);
}

static void test_answer_keeps_id_posix(void **state)
{
	(void)state;
	answer_keeps_id(SHMRPC_TRANSPORT_POSIX);
}

/* A json_t client gets the integer error as a method error, not as a
 * reply without an id (which it would take for a protocol error). */
static void test_big_integer_to_json_method(void **state)
{
	struct served s;
	shmrpc_client *cli;
	const char *r;
	size_t n;
	shmrpc_error e;

	(void)state;
	open_server(&s, SHMRPC_TRANSPORT_POSIX, 4096);
	serve(&s);
	cli = open_client(SHMRPC_TRANSPORT_POSIX);
	assert_int_equal(CALL_TEXT(cli, "add", "{\"a\":9223372036854775808,"
	    "\"b\":1}", &r, &n, &e), SHMRPC_EMETHOD);
	assert_non_null(strstr(r, "RPCError: Invalid JSON in request: integer "
	    "out of range"));
	assert_int_equal(CALL_TEXT(cli, "add", "{\"a\":9223372036854775807,"
	    "\"b\":0}", &r, &n, &e), 0);
	assert_memory_equal(r, "9223372036854775807", n);
	shmrpc_client_close(cli);
	unserve(&s);
}

/* ---- serve_until ------------------------------------------------------------ */

static void on_usr1(int sig)
{
	(void)sig;
}

struct until {
	shmrpc_server *srv;
	double max_wait;
	unsigned flags;
	int rc;
	double took;
	atomic_int done;
};

static void *until_thread(void *arg)
{
	struct until *u = arg;
	double t0 = now();

	u->rc = shmrpc_server_serve_until(u->srv, u->max_wait, u->flags);
	u->took = now() - t0;
	atomic_store(&u->done, 1);
	return NULL;
}

/* Signal the waiting thread until its wait ends.  A signal that lands
 * before the thread sleeps (it may not have been scheduled yet on a
 * loaded machine, or may still be spinning) ends no wait: only one that
 * interrupts the sleep does, so one try alone would be flaky. */
static void interrupt_until_done(struct until *u, pthread_t th)
{
	for (int i = 0; i < 40 && !atomic_load(&u->done); i++) {
		usleep(100000);
		if (!atomic_load(&u->done))
			pthread_kill(th, SIGUSR1);
	}
}

static void serve_until(shmrpc_transport_kind kind)
{
	shmrpc_options o = opts_for(kind, 4096);
	struct sigaction sa = { 0 }, old;
	struct until u = { 0 };
	pthread_t th;

	assert_int_equal(shmrpc_server_open(&u.srv, channel, &o, NULL), 0);
	/* idle: returns after max_wait */
	u.max_wait = 0.05;
	until_thread(&u);
	assert_int_equal(u.rc, SHMRPC_ETIMEOUT);
	assert_true(u.took >= 0.04 && u.took < 1.0);
	/* a signal ends the wait with SHMRPC_SERVE_EINTR */
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, &old);
	u.max_wait = 10.0;
	u.flags = SHMRPC_SERVE_EINTR;
	atomic_store(&u.done, 0);
	assert_int_equal(pthread_create(&th, NULL, until_thread, &u), 0);
	interrupt_until_done(&u, th);
	pthread_join(th, NULL);
	assert_int_equal(u.rc, -EINTR);
	assert_true(u.took < 5.0);
	/* without the flag, the signal is waited through */
	u.max_wait = 0.3;
	u.flags = 0;
	assert_int_equal(pthread_create(&th, NULL, until_thread, &u), 0);
	usleep(100000);
	pthread_kill(th, SIGUSR1);
	pthread_join(th, NULL);
	assert_int_equal(u.rc, SHMRPC_ETIMEOUT);
	assert_true(u.took >= 0.28);
	sigaction(SIGUSR1, &old, NULL);
	/* stopped: 0 at once */
	shmrpc_server_stop(u.srv);
	assert_int_equal(shmrpc_server_serve_until(u.srv, 5.0, 0), 0);
	assert_int_equal(shmrpc_server_serve_until(u.srv, 5.0, 0x80), -EINVAL);
	shmrpc_server_close(u.srv);
}

static void test_serve_until_futex(void **state)
{
	(void)state;
	serve_until(SHMRPC_TRANSPORT_FUTEX);
}

static void test_serve_until_posix(void **state)
{
	(void)state;
	serve_until(SHMRPC_TRANSPORT_POSIX);
}

/* ---- opt-in signal handling --------------------------------------------- */

/* A child serving until a signal stops it; exits 128 + that signal after
 * closing the server.  ignore_int: SIGINT ignored before it asks. */
static pid_t signal_server(shmrpc_transport_kind kind, bool ignore_int,
    int ready[2])
{
	pid_t pid;

	assert_int_equal(pipe(ready), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		shmrpc_options o = opts_for(kind, 4096);
		shmrpc_server *srv;
		int rc;

		if (ignore_int)
			signal(SIGINT, SIG_IGN);
		if (shmrpc_server_open(&srv, channel, &o, NULL) < 0 ||
		    shmrpc_server_stop_on_signals(srv, SHMRPC_STOP_ON_SIGTERM |
			SHMRPC_STOP_ON_SIGINT, NULL) < 0)
			_exit(2);
		if (write(ready[1], "r", 1) != 1)
			_exit(2);
		rc = shmrpc_server_serve(srv);
		rc = rc == 0 ? 128 + shmrpc_server_stop_signal(srv) : 3;
		shmrpc_server_close(srv);
		_exit(rc);
	}
	close(ready[1]);
	return pid;
}

static int wait_exit(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void stop_on_signals(shmrpc_transport_kind kind)
{
	int ready[2];
	char c;
	pid_t pid;

	pid = signal_server(kind, false, ready);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	kill(pid, SIGTERM);
	assert_int_equal(wait_exit(pid), 128 + SIGTERM);

	pid = signal_server(kind, false, ready);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	kill(pid, SIGINT);
	assert_int_equal(wait_exit(pid), 128 + SIGINT);

	/* SIGINT ignored before (as in a shell's background job): asked for
	 * by name, it stops the server all the same */
	pid = signal_server(kind, true, ready);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	kill(pid, SIGINT);
	assert_int_equal(wait_exit(pid), 128 + SIGINT);
	/* the teardown checks that nothing was left in /dev/shm */
}

static void test_stop_on_signals_futex(void **state)
{
	(void)state;
	stop_on_signals(SHMRPC_TRANSPORT_FUTEX);
}

static void test_stop_on_signals_posix(void **state)
{
	(void)state;
	stop_on_signals(SHMRPC_TRANSPORT_POSIX);
}

static void on_hup(int sig)
{
	(void)sig;
}

/* The program's handler comes back when the last server that asked for
 * its signal is closed; nothing is installed unless asked. */
static void test_signal_handlers_restored(void **state)
{
	shmrpc_options o = opts_for(SHMRPC_TRANSPORT_FUTEX, 4096);
	struct sigaction sa = { 0 }, cur, old, old_int, ign = { 0 };
	shmrpc_server *a, *b;
	char name_b[80];

	(void)state;
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, &old);
	ign.sa_handler = SIG_IGN;
	sigaction(SIGINT, &ign, &old_int);
	ut_name(name_b, sizeof(name_b), "b");
	assert_int_equal(shmrpc_server_open(&a, channel, &o, NULL), 0);
	assert_int_equal(shmrpc_server_open(&b, name_b, &o, NULL), 0);
	sigaction(SIGHUP, NULL, &cur);
	assert_ptr_equal(cur.sa_handler, on_hup);
	assert_int_equal(shmrpc_server_stop_on_signals(a, 0, NULL), -EINVAL);
	assert_int_equal(shmrpc_server_stop_on_signals(a, 0x100, NULL),
	    -EINVAL);
	assert_int_equal(shmrpc_server_stop_on_signals(a,
	    SHMRPC_STOP_ON_SIGHUP, NULL), 0);
	assert_int_equal(shmrpc_server_stop_on_signals(b,
	    SHMRPC_STOP_ON_SIGHUP | SHMRPC_STOP_ON_SIGINT, NULL), 0);
	sigaction(SIGHUP, NULL, &cur);
	assert_ptr_not_equal(cur.sa_handler, on_hup);
	sigaction(SIGINT, NULL, &cur);
	assert_ptr_not_equal(cur.sa_handler, SIG_IGN);
	/* one signal stops both */
	raise(SIGHUP);
	assert_int_equal(shmrpc_server_stop_signal(a), SIGHUP);
	assert_int_equal(shmrpc_server_stop_signal(b), SIGHUP);
	assert_int_equal(shmrpc_server_serve(a), 0);
	shmrpc_server_close(a);
	sigaction(SIGHUP, NULL, &cur);
	assert_ptr_not_equal(cur.sa_handler, on_hup);
	shmrpc_server_close(b);
	sigaction(SIGHUP, NULL, &cur);
	assert_ptr_equal(cur.sa_handler, on_hup);
	sigaction(SIGINT, NULL, &cur);
	assert_ptr_equal(cur.sa_handler, SIG_IGN);
	sigaction(SIGHUP, &old, NULL);
	sigaction(SIGINT, &old_int, NULL);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, ut_teardown)
	const struct CMUnitTest tests[] = {
		T(test_round_trip_futex),
		T(test_round_trip_posix),
		T(test_params_checked),
		T(test_fallback_futex),
		T(test_fallback_posix),
		T(test_errors_complete),
		T(test_unchecked),
		T(test_reserve_commit_futex),
		T(test_reserve_commit_posix),
		T(test_response_too_large),
		T(test_answer_keeps_id_futex),
		T(test_answer_keeps_id_posix),
		T(test_big_integer_to_json_method),
		T(test_serve_until_futex),
		T(test_serve_until_posix),
		T(test_stop_on_signals_futex),
		T(test_stop_on_signals_posix),
		T(test_signal_handlers_restored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
