/*
 * test_peer.c - what a misbehaving or dead peer can do to a channel, and
 * what it gets back (issue 17):
 *  - method names with a NUL or control byte are refused, with the id;
 *  - values nested deeper than SHMRPC_MAX_DEPTH are refused, and decoding
 *    a deep value cannot overflow a small thread stack;
 *  - a reply with a wrong id, a second reply, a length beyond the buffer:
 *    each a named error, and the channel goes on serving;
 *  - a posix client that died between its two steps on a semaphore pair
 *    does not wedge the channel.
 * Servers run on threads of this process; hostile peers are played with
 * the public byte API or by hand on the shared objects.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "testlib.h"

#include "base/clock.h"
#include "codec/envelope.h"
#include "os/futex.h"
#include "registry/registry.h"
#include "transport/futex_layout.h"
#include "shmrpc.h"

static char channel[96];

static int setup(void **state)
{
	ut_setup(state);
	ut_name(channel, sizeof(channel), "p");
	return 0;
}

static shmrpc_options opts_for(shmrpc_transport_kind kind, double timeout)
{
	shmrpc_options o;

	shmrpc_options_init(&o);
	o.transport = kind;
	o.timeout = timeout;
	return o;
}

/* ---- a real server on a thread ------------------------------------------ */

struct served {
	shmrpc_server *srv;
	pthread_t thread;
	size_t stack; /* 0: the default */
	size_t buffer_size; /* 0: the default */
};

static int add(shmrpc_req *req, const json_t *params, json_t **result,
    void *arg)
{
	(void)req;
	(void)arg;
	*result = json_integer(json_integer_value(json_object_get(params, "a")) +
	    json_integer_value(json_object_get(params, "b")));
	return 0;
}

/* A value `levels` deep: [[...[0]...]] (a scalar inside levels-1 arrays). */
static json_t *nested(int levels)
{
	json_t *v = json_integer(0);

	for (int i = 1; i < levels; i++) {
		json_t *a = json_array();
		json_array_append_new(a, v);
		v = a;
	}
	return v;
}

static int deep(shmrpc_req *req, const json_t *params, json_t **result,
    void *arg)
{
	(void)req;
	(void)arg;
	*result = nested((int)json_integer_value(json_object_get(params,
	    "levels")));
	return 0;
}

/* The text fallback: answers every other name with 1. */
static int text_fallback(shmrpc_req *req, const char *params,
    size_t params_len, char *out, size_t out_cap, size_t *out_len, void *arg)
{
	(void)req;
	(void)params;
	(void)params_len;
	(void)arg;
	if (out_cap < 1)
		return -1;
	out[0] = '1';
	*out_len = 1;
	return 0;
}

static void *serve_thread(void *arg)
{
	struct served *s = arg;

	shmrpc_server_serve(s->srv);
	return NULL;
}

static void serve(struct served *s, shmrpc_transport_kind kind)
{
	shmrpc_options o = opts_for(kind, 1.0);
	pthread_attr_t attr;

	o.buffer_size = s->buffer_size;
	assert_int_equal(shmrpc_server_open(&s->srv, channel, &o, NULL), 0);
	assert_int_equal(shmrpc_server_register(s->srv, "add", add, NULL), 0);
	assert_int_equal(shmrpc_server_register(s->srv, "deep", deep, NULL),
	    0);
	if (kind == SHMRPC_TRANSPORT_FUTEX)
		assert_int_equal(shmrpc_server_register_bytes(s->srv, "eb",
		    ut_echo_bytes, NULL), 0);
	assert_int_equal(shmrpc_server_set_fallback_text(s->srv, text_fallback,
	    NULL, 0), 0);
	assert_int_equal(shmrpc_server_register_text(s->srv, "echo_text",
	    ut_echo_text, NULL, 0), 0);
	pthread_attr_init(&attr);
	if (s->stack > 0)
		assert_int_equal(pthread_attr_setstacksize(&attr, s->stack), 0);
	assert_int_equal(pthread_create(&s->thread, &attr, serve_thread, s),
	    0);
	pthread_attr_destroy(&attr);
}

static void unserve(struct served *s)
{
	shmrpc_server_stop(s->srv);
	pthread_join(s->thread, NULL);
	shmrpc_server_close(s->srv);
}

/* One raw request through the byte API; the reply, NUL-terminated. */
static void raw_call(shmrpc_transport_kind kind, const char *req,
    size_t req_len, char *reply, size_t cap)
{
	shmrpc_options o = opts_for(kind, 3.0);
	shmrpc_transport *t;
	size_t len;

	assert_int_equal(shmrpc_transport_open(&t, channel, &o, NULL), 0);
	assert_int_equal(shmrpc_transport_send_request(t, req, req_len), 0);
	assert_int_equal(shmrpc_transport_recv_response(t, reply, cap - 1,
	    &len), 0);
	reply[len] = '\0';
	shmrpc_transport_close(t);
}

static void call_add_works(shmrpc_transport_kind kind)
{
	shmrpc_options o = opts_for(kind, 3.0);
	shmrpc_client *cli;
	json_t *params = json_pack("{s:i, s:i}", "a", 40, "b", 2), *result;
	shmrpc_error err;

	assert_int_equal(shmrpc_client_open(&cli, channel, &o, &err), 0);
	assert_int_equal(shmrpc_call(cli, "add", params, &result, &err), 0);
	assert_int_equal(json_integer_value(result), 42);
	json_decref(result);
	json_decref(params);
	shmrpc_client_close(cli);
}

/* ---- method and channel names ----------------------------------------- */

static void method_name_with_nul(shmrpc_transport_kind kind)
{
	static const char nul[] = "{\"request_id\":\"r9\",\"method\":"
	    "\"add\\u0000x\",\"params\":{\"a\":1,\"b\":2}}";
	static const char ctl[] = "{\"request_id\":\"r10\",\"method\":"
	    "\"add\\u0007\",\"params\":{\"a\":1,\"b\":2}}";
	/* For the text fallback (any other name), a raw DEL in the name. */
	static const char del[] = "{\"request_id\":\"r12\",\"method\":"
	    "\"tx\x7f\",\"params\":{}}";
	static const char other[] = "{\"request_id\":\"r13\",\"method\":"
	    "\"tx\",\"params\":{}}";
	struct served s = { 0 };
	char reply[512];

	serve(&s, kind);
	/* Before: "add\u0000x" ran "add" and answered 3. */
	raw_call(kind, nul, sizeof(nul) - 1, reply, sizeof(reply));
	assert_string_equal(reply, "{\"request_id\":\"r9\",\"result\":null,"
	    "\"error\":\"RPCError: Invalid method name: it has a NUL "
	    "byte\"}");
	raw_call(kind, ctl, sizeof(ctl) - 1, reply, sizeof(reply));
	assert_string_equal(reply, "{\"request_id\":\"r10\",\"result\":null,"
	    "\"error\":\"RPCError: Invalid method name: it has a control "
	    "byte\"}");
	raw_call(kind, del, sizeof(del) - 1, reply, sizeof(reply));
	assert_string_equal(reply, "{\"request_id\":\"r12\",\"result\":null,"
	    "\"error\":\"RPCError: Invalid method name: it has a control "
	    "byte\"}");
	raw_call(kind, other, sizeof(other) - 1, reply, sizeof(reply));
	assert_string_equal(reply, "{\"request_id\":\"r13\",\"result\":1,"
	    "\"error\":null}");
	call_add_works(kind);
	unserve(&s);
}

static void test_method_name_nul_posix(void **state)
{
	(void)state;
	method_name_with_nul(SHMRPC_TRANSPORT_POSIX);
}

static void test_method_name_nul_futex(void **state)
{
	(void)state;
	method_name_with_nul(SHMRPC_TRANSPORT_FUTEX);
}

/* The API refuses such names before anything is sent or registered, and
 * the bytes path refuses them from a peer. */
static void test_names_refused_by_the_api(void **state)
{
	static const char bytes_req[] = "\xff\x03" "e\x01" "b" "payload";
	shmrpc_options o = opts_for(SHMRPC_TRANSPORT_FUTEX, 3.0);
	struct served s = { 0 };
	shmrpc_client *cli;
	shmrpc_server *other;
	json_t *result;
	const void *reply;
	size_t reply_len;
	shmrpc_error err;
	char bad[128], text[512];

	(void)state;
	serve(&s, SHMRPC_TRANSPORT_FUTEX);
	assert_int_equal(shmrpc_client_open(&cli, channel, &o, &err), 0);
	assert_int_equal(shmrpc_call(cli, "add\x01", NULL, &result, &err),
	    SHMRPC_ENAME);
	assert_null(result);
	assert_string_equal(err.text, "invalid method name: it has a control "
	    "byte (byte 3 is 0x01)");
	assert_int_equal(shmrpc_call(cli, "", NULL, &result, &err),
	    SHMRPC_ENAME);
	assert_int_equal(shmrpc_call_bytes(cli, "e\x1b" "b", "x", 1, &reply,
	    &reply_len, &err), -EINVAL);
	assert_non_null(strstr(err.text, "control byte"));
	assert_int_equal(shmrpc_server_register(s.srv, "a\nb", add, NULL),
	    SHMRPC_ENAME);
	assert_int_equal(shmrpc_server_register(s.srv, "a\x7f", add, NULL),
	    SHMRPC_ENAME);
	shmrpc_client_close(cli);

	raw_call(SHMRPC_TRANSPORT_FUTEX, bytes_req, sizeof(bytes_req) - 1,
	    text, sizeof(text));
	assert_string_equal(text + 2, "RPCError: Invalid method name: it has "
	    "a NUL or control byte");

	snprintf(bad, sizeof(bad), "%s\x01x", channel);
	assert_int_equal(shmrpc_server_open(&other, bad, NULL, &err),
	    SHMRPC_ENAME);
	snprintf(text, sizeof(text), "invalid channel name: it has a control "
	    "byte (byte %zu is 0x01)", strlen(channel));
	assert_string_equal(err.text, text);
	assert_int_equal(shmrpc_client_open(&cli, "a\tb", NULL, &err),
	    SHMRPC_ENAME);
	assert_non_null(strstr(err.text, "control byte"));
	unserve(&s);
}

/* A text method's request with a member after params (valid JSON, but not
 * the order our clients write): the text decoder's fast path took the
 * rest of the message for params, and the server answered "Invalid JSON
 * in request".  Found by fuzz_envelope.  And "method" twice: refused. */
static void test_text_request_member_after_params(void **state)
{
	static const char after[] = "{\"request_id\":\"r1\",\"method\":"
	    "\"echo_text\",\"params\":{\"a\":1},\"x\":2}";
	static const char twice[] = "{\"request_id\":\"r2\",\"method\":"
	    "\"echo_text\",\"params\":{},\"method\":\"other\"}";
	struct served s = { 0 };
	char reply[512];

	(void)state;
	serve(&s, SHMRPC_TRANSPORT_FUTEX);
	raw_call(SHMRPC_TRANSPORT_FUTEX, after, sizeof(after) - 1, reply,
	    sizeof(reply));
	assert_string_equal(reply, "{\"request_id\":\"r1\",\"result\":"
	    "{\"a\":1},\"error\":null}");
	raw_call(SHMRPC_TRANSPORT_FUTEX, twice, sizeof(twice) - 1, reply,
	    sizeof(reply));
	assert_string_equal(reply, "{\"request_id\":\"r2\",\"result\":null,"
	    "\"error\":\"RPCError: Request names its method twice\"}");
	unserve(&s);
}

/* ---- depth ----------------------------------------------------------------- */

/* A request whose params are `levels` deep: {"k":{"k":...{"k":1}...}}. */
static char *deep_request(int levels, size_t *len)
{
	size_t cap = (size_t)levels * 8 + 128, n = 0;
	char *b = malloc(cap);

	n += (size_t)snprintf(b, cap, "{\"request_id\":\"d1\",\"method\":"
	    "\"add\",\"params\":");
	for (int i = 1; i < levels; i++) {
		memcpy(b + n, "{\"k\":", 5);
		n += 5;
	}
	b[n++] = '1';
	for (int i = 1; i < levels; i++)
		b[n++] = '}';
	b[n++] = '}';
	*len = n;
	return b;
}

struct deep_job {
	int levels;
	int rc;
	char why[256];
};

/* On a thread with a small stack: decode a request whose params are
 * job->levels deep, then free what was decoded. */
static void *decode_deep(void *arg)
{
	struct deep_job *job = arg;
	struct request_view rq;
	size_t len;
	char *req = deep_request(job->levels, &len);

	job->why[0] = '\0';
	job->rc = shmrpc__envelope_decode_request(req, len, &rq, job->why,
	    sizeof(job->why));
	shmrpc__request_view_release(&rq);
	free(req);
	return NULL;
}

static void run_on_small_stack(struct deep_job *job)
{
	pthread_attr_t attr;
	pthread_t t;

	pthread_attr_init(&attr);
	assert_int_equal(pthread_attr_setstacksize(&attr, 64 * 1024), 0);
	assert_int_equal(pthread_create(&t, &attr, decode_deep, job), 0);
	pthread_join(t, NULL);
	pthread_attr_destroy(&attr);
}

/* Before the cap, a request 2000 objects deep was decoded (jansson's own
 * limit is 2048) and its json_decref() recursed 2000 levels: ~128 KiB of
 * stack, a crash on this 64 KiB thread. */
static void test_deep_request_on_a_small_stack(void **state)
{
	struct deep_job job = { .levels = 2000 };

	(void)state;
	run_on_small_stack(&job);
	assert_int_equal(job.rc, SHMRPC_EPROTO);
	assert_string_equal(job.why, "Request nested deeper than 256 levels");
	/* params at exactly SHMRPC_MAX_DEPTH levels are fine, one more is
	 * not. */
	job.levels = SHMRPC_MAX_DEPTH;
	run_on_small_stack(&job);
	assert_int_equal(job.rc, 0);
	job.levels = SHMRPC_MAX_DEPTH + 1;
	run_on_small_stack(&job);
	assert_int_equal(job.rc, SHMRPC_EPROTO);
}

static void test_deep_values_end_to_end(void **state)
{
	shmrpc_options o = opts_for(SHMRPC_TRANSPORT_FUTEX, 3.0);
	/* The server on a 64 KiB stack, with room for a 10 KB request. */
	struct served s = { .stack = 64 * 1024, .buffer_size = 16384 };
	shmrpc_client *cli;
	json_t *params, *result;
	shmrpc_error err;
	char reply[512];
	size_t len;
	char *req;

	(void)state;
	serve(&s, SHMRPC_TRANSPORT_FUTEX);
	/* A peer's deep request: refused by a server on a small stack. */
	req = deep_request(2000, &len);
	raw_call(SHMRPC_TRANSPORT_FUTEX, req, len, reply, sizeof(reply));
	free(req);
	assert_string_equal(reply, "{\"request_id\":\"d1\",\"result\":null,"
	    "\"error\":\"RPCError: Request nested deeper than 256 levels\"}");
	assert_int_equal(shmrpc_client_open(&cli, channel, &o, &err), 0);
	/* Our own deep params: not sent. */
	params = json_object();
	json_object_set_new(params, "x", nested(SHMRPC_MAX_DEPTH));
	assert_int_equal(shmrpc_call(cli, "add", params, &result, &err),
	    SHMRPC_ESERIAL);
	assert_string_equal(err.text, "params for add are nested deeper "
	    "than 256 levels");
	json_decref(params);
	/* A deep result: the server says so instead. */
	params = json_pack("{s:i}", "levels", SHMRPC_MAX_DEPTH);
	assert_int_equal(shmrpc_call(cli, "deep", params, &result, &err), 0);
	json_decref(result);
	json_decref(params);
	params = json_pack("{s:i}", "levels", SHMRPC_MAX_DEPTH + 1);
	assert_int_equal(shmrpc_call(cli, "deep", params, &result, &err),
	    SHMRPC_EMETHOD);
	assert_string_equal(err.text, "RPCSerializationError: result nested "
	    "deeper than 256 levels");
	json_decref(params);
	shmrpc_client_close(cli);
	unserve(&s);
}

static sem_t *sem_of(const char *suffix)
{
	char name[256];
	sem_t *s;

	snprintf(name, sizeof(name), "/srb_%s_%s", channel, suffix);
	s = sem_open(name, 0);
	assert_true(s != SEM_FAILED);
	return s;
}

/* ---- wrong replies ---------------------------------------------------------- */

/*
 * A scripted server on the byte API: for request i (from 0), send the
 * replies script[i] (up to 3, NULL-terminated), each a printf format whose
 * %s is the request's id (as sent, with its quotes).
 */
struct scripted {
	shmrpc_transport *t;
	pthread_t thread;
	const char *const (*script)[4];
	int nscript;
};

static void request_id(const char *req, size_t len, char *id, size_t cap)
{
	json_t *v = json_loadb(req, len, 0, NULL);
	char *s = v != NULL ? json_dumps(json_object_get(v, "request_id"),
	    JSON_ENCODE_ANY) : NULL;

	snprintf(id, cap, "%s", s != NULL ? s : "null");
	free(s);
	json_decref(v);
}

/* tmpl with its "%s" replaced by id. */
static int fill(char *out, size_t cap, const char *tmpl, const char *id)
{
	const char *at = strstr(tmpl, "%s");

	if (at == NULL)
		return snprintf(out, cap, "%s", tmpl);
	return snprintf(out, cap, "%.*s%s%s", (int)(at - tmpl), tmpl, id,
	    at + 2);
}

static void *scripted_thread(void *arg)
{
	struct scripted *sc = arg;
	char req[4096], id[128], out[512];
	uint32_t peer;
	size_t len;

	for (int i = 0; i < sc->nscript; i++) {
		int rc;
		do
			rc = shmrpc_transport_recv_request(sc->t, req,
			    sizeof(req), &len, &peer);
		while (rc == SHMRPC_ETIMEOUT);
		if (rc < 0)
			return NULL;
		request_id(req, len, id, sizeof(id));
		for (int k = 0; sc->script[i][k] != NULL; k++) {
			int n = fill(out, sizeof(out), sc->script[i][k], id);
			if (shmrpc_transport_send_response(sc->t, peer, out,
				(size_t)n) < 0)
				break;
		}
	}
	return NULL;
}

static void script_start(struct scripted *sc, shmrpc_transport_kind kind)
{
	shmrpc_options o = opts_for(kind, 5.0);

	assert_int_equal(shmrpc_transport_create(&sc->t, channel, &o, NULL), 0);
	assert_int_equal(pthread_create(&sc->thread, NULL, scripted_thread,
	    sc), 0);
}

static void script_end(struct scripted *sc)
{
	pthread_join(sc->thread, NULL);
	shmrpc_transport_close(sc->t);
}

#define OK_REPLY(v) "{\"request_id\":%s,\"result\":" #v ",\"error\":null}"
#define FOREIGN "{\"request_id\":\"another-call\",\"result\":7,\"error\":null}"

static int call_one(shmrpc_client *cli, json_int_t *value, shmrpc_error *err)
{
	json_t *result;
	int rc = shmrpc_call(cli, "m", NULL, &result, err);

	if (rc == 0) {
		*value = json_integer_value(result);
		json_decref(result);
	}
	return rc;
}

/* posix: a reply for another call is dropped (it may be another client's
 * late reply), but when none of ours follows the error names what came,
 * instead of "Timed out"; the channel then serves the next call. */
static void test_posix_wrong_id(void **state)
{
	static const char *const script[][4] = {
		{ FOREIGN, NULL },
		{ FOREIGN, OK_REPLY(2), NULL },
		{ OK_REPLY(3), NULL },
	};
	struct scripted sc = { .script = script, .nscript = 3 };
	shmrpc_options o = opts_for(SHMRPC_TRANSPORT_POSIX, 0.5);
	shmrpc_client *cli;
	shmrpc_error err;
	json_int_t v = 0;

	(void)state;
	script_start(&sc, SHMRPC_TRANSPORT_POSIX);
	assert_int_equal(shmrpc_client_open(&cli, channel, &o, &err), 0);
	assert_int_equal(call_one(cli, &v, &err), SHMRPC_EPROTO);
	assert_non_null(strstr(err.text, "request id another-call"));
	assert_int_equal(call_one(cli, &v, &err), 0);
	assert_int_equal(v, 2);
	assert_int_equal(call_one(cli, &v, &err), 0);
	assert_int_equal(v, 3);
	shmrpc_client_close(cli);
	script_end(&sc);
}

/* posix: a call answered twice.  The second copy meets the next call,
 * which fails at once (no waiting for a timeout) and leaves its own reply
 * to be dropped by the call after it. */
static void test_posix_second_reply(void **state)
{
	static const char *const script[][4] = {
		{ OK_REPLY(1), OK_REPLY(1), NULL },
		{ OK_REPLY(2), NULL },
		{ OK_REPLY(3), NULL },
	};
	struct scripted sc = { .script = script, .nscript = 3 };
	shmrpc_options o = opts_for(SHMRPC_TRANSPORT_POSIX, 2.0);
	shmrpc_client *cli;
	shmrpc_error err;
	json_int_t v = 0;
	int64_t t0;

	(void)state;
	script_start(&sc, SHMRPC_TRANSPORT_POSIX);
	assert_int_equal(shmrpc_client_open(&cli, channel, &o, &err), 0);
	assert_int_equal(call_one(cli, &v, &err), 0);
	assert_int_equal(v, 1);
	t0 = clock_now_ns();
	assert_int_equal(call_one(cli, &v, &err), SHMRPC_EPROTO);
	assert_true(clock_now_ns() - t0 < NS_PER_SEC);
	assert_non_null(strstr(err.text, "a second reply"));
	assert_int_equal(call_one(cli, &v, &err), 0);
	assert_int_equal(v, 3);
	shmrpc_client_close(cli);
	script_end(&sc);
}

/* futex: replies cannot cross, so a wrong id is the server's error, at
 * once (before: "Call made in the wrong state"). */
static void test_futex_wrong_id(void **state)
{
	static const char *const script[][4] = {
		{ FOREIGN, NULL },
		{ OK_REPLY(2), NULL },
	};
	struct scripted sc = { .script = script, .nscript = 2 };
	shmrpc_options o = opts_for(SHMRPC_TRANSPORT_FUTEX, 2.0);
	shmrpc_client *cli;
	shmrpc_error err;
	json_int_t v = 0;

	(void)state;
	script_start(&sc, SHMRPC_TRANSPORT_FUTEX);
	assert_int_equal(shmrpc_client_open(&cli, channel, &o, &err), 0);
	assert_int_equal(call_one(cli, &v, &err), SHMRPC_EPROTO);
	assert_non_null(strstr(err.text, "reply with request id another-call, "
	    "not this call's"));
	assert_int_equal(call_one(cli, &v, &err), 0);
	assert_int_equal(v, 2);
	shmrpc_client_close(cli);
	script_end(&sc);
}

/* /dev/shm/<prefix><channel><suffix>, mapped by hand (the hostile peer's
 * view). */
static void *map_by_hand(const char *prefix, const char *suffix, size_t *size)
{
	char path[256];
	struct stat st;
	void *p;
	int fd;

	snprintf(path, sizeof(path), "/dev/shm/%s%s%s", prefix, channel,
	    suffix);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	*size = (size_t)st.st_size;
	p = mmap(NULL, *size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(p != MAP_FAILED);
	close(fd);
	return p;
}

struct futex_call {
	shmrpc_client *cli;
	int rc;
	shmrpc_error err;
};

static void *futex_call_thread(void *arg)
{
	struct futex_call *c = arg;
	json_int_t v;

	c->rc = call_one(c->cli, &v, &c->err);
	return NULL;
}

/* futex: the server's resp_len beyond the buffer is SHMRPC_ETRANSPORT
 * (nothing read past it), and the next call is served.  The first answer
 * is forged by hand on the segment, as a hostile server would. */
static void test_futex_length_beyond_buffer(void **state)
{
	static const char *const script[][4] = { { OK_REPLY(5), NULL } };
	struct scripted sc = { .script = script, .nscript = 1 };
	shmrpc_options o = opts_for(SHMRPC_TRANSPORT_FUTEX, 2.0);
	struct futex_call c = { 0 };
	struct futex_header *h;
	struct futex_slot *sl;
	pthread_t t;
	size_t size;
	uint32_t s;
	json_int_t v = 0;

	(void)state;
	assert_int_equal(shmrpc_transport_create(&sc.t, channel, &o, NULL), 0);
	assert_int_equal(shmrpc_client_open(&c.cli, channel, &o, NULL), 0);
	h = map_by_hand("shmrpc_futex_", "", &size);
	sl = (struct futex_slot *)((char *)h + h->slots_offset);
	assert_int_equal(pthread_create(&t, NULL, futex_call_thread, &c), 0);
	while (FUTEX_PHASE_OF(s = atomic_load(&sl[0].state)) != FUTEX_REQ)
		sched_yield();
	while ((atomic_load(&h->ready[0]) & 1) == 0)
		sched_yield();
	atomic_fetch_and(&h->ready[0], ~1ull);
	atomic_store(&sl[0].resp_len, 0xffffffffu);
	atomic_store(&sl[0].state, FUTEX_STATE(FUTEX_GEN_OF(s), FUTEX_RESP));
	futex_wake(&sl[0].state, 1);
	pthread_join(t, NULL);
	assert_int_equal(c.rc, SHMRPC_ETRANSPORT);
	assert_non_null(strstr(c.err.text, "a reply of 4294967295 bytes on "
	    "channel"));
	munmap(h, size);
	assert_int_equal(pthread_create(&sc.thread, NULL, scripted_thread,
	    &sc), 0);
	assert_int_equal(call_one(c.cli, &v, &c.err), 0);
	assert_int_equal(v, 5);
	shmrpc_client_close(c.cli);
	script_end(&sc);
}

/* posix: the same through shmrpc_call: the named error, then service.
 * (test_core's test_posix_bad_response_header covers the byte API.) */
static void test_posix_length_beyond_buffer(void **state)
{
	shmrpc_options o = opts_for(SHMRPC_TRANSPORT_POSIX, 2.0);
	shmrpc_transport *srv;
	struct futex_call c = { 0 };
	char req[4096], id[128], out[256];
	uint32_t forged = 0x7fffffff, peer;
	unsigned char *seg;
	sem_t *resp_empty, *resp_full;
	size_t len, size;
	pthread_t t;
	int n;

	(void)state;
	assert_int_equal(shmrpc_transport_create(&srv, channel, &o, NULL), 0);
	assert_int_equal(shmrpc_client_open(&c.cli, channel, &o, NULL), 0);
	assert_int_equal(pthread_create(&t, NULL, futex_call_thread, &c), 0);
	assert_int_equal(shmrpc_transport_recv_request(srv, req, sizeof(req),
	    &len, &peer), 0);
	/* A hostile server's answer, by hand: a header beyond the buffer. */
	resp_empty = sem_of("resp_empty");
	resp_full = sem_of("resp_full");
	seg = map_by_hand("srb_", "_resp", &size);
	assert_int_equal(sem_wait(resp_empty), 0);
	memcpy(seg, &forged, 4);
	assert_int_equal(sem_post(resp_full), 0);
	pthread_join(t, NULL);
	assert_int_equal(c.rc, SHMRPC_ETRANSPORT);
	assert_non_null(strstr(c.err.text, "a reply of 2147483647 bytes"));
	/* Served again. */
	assert_int_equal(pthread_create(&t, NULL, futex_call_thread, &c), 0);
	assert_int_equal(shmrpc_transport_recv_request(srv, req, sizeof(req),
	    &len, &peer), 0);
	request_id(req, len, id, sizeof(id));
	n = snprintf(out, sizeof(out), OK_REPLY(6), id);
	assert_int_equal(shmrpc_transport_send_response(srv, peer, out,
	    (size_t)n), 0);
	pthread_join(t, NULL);
	assert_int_equal(c.rc, 0);
	munmap(seg, size);
	sem_close(resp_empty);
	sem_close(resp_full);
	shmrpc_client_close(c.cli);
	shmrpc_transport_close(srv);
}

/* ---- dead posix clients ------------------------------------------------------ */

/* A client that took req_empty and never posted req_full (killed there):
 * the next call repairs the pair after the grace period and is served.
 * Before: every later call timed out on sending, for good. */
static void test_posix_dead_client_mid_send(void **state)
{
	struct served s = { 0 };
	sem_t *req_empty;
	int64_t t0, took;

	(void)state;
	serve(&s, SHMRPC_TRANSPORT_POSIX);
	req_empty = sem_of("req_empty");
	assert_int_equal(sem_wait(req_empty), 0); /* ... and "dies" here */
	t0 = clock_now_ns();
	call_add_works(SHMRPC_TRANSPORT_POSIX);
	took = clock_now_ns() - t0;
	/* timeout 3 s: grace 500 ms. */
	assert_true(took >= 400 * 1000000LL);
	assert_true(took < 3 * NS_PER_SEC);
	call_add_works(SHMRPC_TRANSPORT_POSIX);
	sem_close(req_empty);
	unserve(&s);
}

/* A client that read its answer (took resp_full) and died before posting
 * resp_empty: the server could never answer again.  The next call
 * repairs it. */
static void test_posix_dead_client_mid_receive(void **state)
{
	static const char req[] = "{\"request_id\":\"dead\",\"method\":\"add\","
	    "\"params\":{\"a\":1,\"b\":1}}";
	struct served s = { 0 };
	sem_t *req_empty, *req_full, *resp_full;
	uint32_t n = sizeof(req) - 1;
	unsigned char *seg;
	size_t size;

	(void)state;
	serve(&s, SHMRPC_TRANSPORT_POSIX);
	req_empty = sem_of("req_empty");
	req_full = sem_of("req_full");
	resp_full = sem_of("resp_full");
	seg = map_by_hand("srb_", "_req", &size);
	assert_int_equal(sem_wait(req_empty), 0);
	memcpy(seg, &n, 4);
	memcpy(seg + 4, req, n);
	assert_int_equal(sem_post(req_full), 0);
	assert_int_equal(sem_wait(resp_full), 0); /* ... and "dies" here */
	call_add_works(SHMRPC_TRANSPORT_POSIX);
	call_add_works(SHMRPC_TRANSPORT_POSIX);
	munmap(seg, size);
	sem_close(req_empty);
	sem_close(req_full);
	sem_close(resp_full);
	unserve(&s);
}

/* ---- files another user writes ---------------------------------------------- */

/* A registry line that starts as channel "calc" but repeats "name": a
 * lookup of calc parsed it as "other" (jansson keeps a duplicate key's
 * last value).  Found by fuzz_registry; now the line is damage. */
static void test_registry_duplicate_key(void **state)
{
	static const char text[] =
	    "{\"format\": \"shmrpc-registry\", \"version\": 1, "
	    "\"channels\": [\n"
	    "{\"name\": \"calc\", \"transport\": \"posix\", \"name\": "
	    "\"other\", \"objects\": [\"srb_calc_req\"], \"buffer_size\": "
	    "4096, \"slots\": 1, \"created\": \"2026-01-01T00:00:00.000Z\", "
	    "\"owner\": {\"pid\": 1, \"start_time\": 1, \"uid\": 0, "
	    "\"comm\": \"x\"}, \"clients\": []}\n"
	    "]}\n";
	struct reg_entry e, *v;
	size_t n;
	FILE *f;

	(void)state;
	f = fopen(ut_reg_path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(shmrpc__registry_lookup(ut_reg_path, "calc", "posix",
	    &e), -EINVAL);
	assert_int_equal(shmrpc__registry_parse(text, sizeof(text) - 1, &v,
	    &n), -EINVAL);
	unlink(ut_reg_path);
}

int main(int argc, char **argv)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, ut_teardown)
	const struct CMUnitTest tests[] = {
		T(test_method_name_nul_posix),
		T(test_method_name_nul_futex),
		T(test_names_refused_by_the_api),
		T(test_text_request_member_after_params),
		cmocka_unit_test(test_deep_request_on_a_small_stack),
		T(test_deep_values_end_to_end),
		T(test_posix_wrong_id),
		T(test_posix_second_reply),
		T(test_futex_wrong_id),
		T(test_futex_length_beyond_buffer),
		T(test_posix_length_beyond_buffer),
		T(test_posix_dead_client_mid_send),
		T(test_posix_dead_client_mid_receive),
		T(test_registry_duplicate_key),
	};

	if (argc > 1) /* a pattern: run only the tests it matches */
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
