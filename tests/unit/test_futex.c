/*
 * test_futex.c - the futex transport inside one process: slots, channel
 * full, layout checks, threads (a server in 4 threads, a client shared by
 * 4 threads), stop, timeouts, counters.  Everything here runs in threads
 * of one process so that `make check-tsan` sees both sides of every
 * exchange; tests with dying processes are in tests/bats/06x-*.bats.
 *
 * Channel names carry the pid and a random number, so the program can
 * run twice at once; every test removes what it created.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testlib.h"

#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "transport/futex_layout.h"
#include "os/shmobj.h"
#include "transport/transport.h"

/* ---- helpers ----------------------------------------------------------- */

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

static void fname_of(char *buf, size_t len, const char *ch)
{
	snprintf(buf, len, "%s%s", FUTEX_SEG_PREFIX, ch);
}

static void futex_opts(shmrpc_options *o)
{
	shmrpc_options_init(o);
	o->transport = SHMRPC_TRANSPORT_FUTEX;
	o->timeout = 10;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* An RPC server with methods echo, sleep, add; served by N threads. */
struct srv {
	shmrpc_server *s;
	pthread_t tid[8];
	int nthreads;
	int rc[8];
	_Atomic int calls_by_thread[8];
};

static __thread int my_serve_index = -1;

static int m_echo(shmrpc_req *req, const json_t *params, json_t **result,
    void *arg)
{
	struct srv *sv = arg;

	(void)req;
	if (my_serve_index >= 0)
		atomic_fetch_add(&sv->calls_by_thread[my_serve_index], 1);
	*result = json_deep_copy(params);
	return 0;
}

static int m_sleep(shmrpc_req *req, const json_t *params, json_t **result,
    void *arg)
{
	json_int_t ms = json_integer_value(json_object_get(params, "ms"));
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	(void)req;
	(void)arg;
	nanosleep(&ts, NULL);
	*result = json_true();
	return 0;
}

static int m_fail(shmrpc_req *req, const json_t *params, json_t **result,
    void *arg)
{
	(void)params;
	(void)result;
	(void)arg;
	return shmrpc_req_error(req, "ValueError", "no");
}

struct serve_arg {
	struct srv *sv;
	int index;
};

static void *serve_main(void *p)
{
	struct serve_arg *a = p;

	my_serve_index = a->index;
	a->sv->rc[a->index] = shmrpc_server_serve(a->sv->s);
	free(a);
	return NULL;
}

static void srv_start(struct srv *sv, const char *ch, int nthreads,
    const shmrpc_options *opts)
{
	memset(sv, 0, sizeof(*sv));
	assert_int_equal(shmrpc_server_open(&sv->s, ch, opts, NULL), 0);
	assert_int_equal(shmrpc_server_register(sv->s, "echo", m_echo, sv), 0);
	assert_int_equal(shmrpc_server_register(sv->s, "sleep", m_sleep, sv),
	    0);
	assert_int_equal(shmrpc_server_register(sv->s, "fail", m_fail, sv), 0);
	sv->nthreads = nthreads;
	for (int i = 0; i < nthreads; i++) {
		struct serve_arg *a = malloc(sizeof(*a));
		assert_non_null(a);
		a->sv = sv;
		a->index = i;
		assert_int_equal(pthread_create(&sv->tid[i], NULL, serve_main,
				     a), 0);
	}
}

static void srv_stop(struct srv *sv)
{
	shmrpc_server_stop(sv->s);
	for (int i = 0; i < sv->nthreads; i++) {
		pthread_join(sv->tid[i], NULL);
		assert_int_equal(sv->rc[i], 0);
	}
	shmrpc_server_close(sv->s);
}

/* ---- tests --------------------------------------------------------------- */

static void test_names(void **state)
{
	const struct transport_ops *fx = shmrpc__transport_ops_for(
	    SHMRPC_TRANSPORT_FUTEX);
	const struct transport_ops *px = shmrpc__transport_ops_for(
	    SHMRPC_TRANSPORT_POSIX);
	char fn[TRANSPORT_MAX_OBJECTS][TRANSPORT_FNAME_MAX];
	char pn[TRANSPORT_MAX_OBJECTS][TRANSPORT_FNAME_MAX];
	char longname[SHMRPC_NAME_MAX + 1];
	const char *names[] = { "a", "calc", "srb_x", "x_req", "futex_y",
		longname };
	int nf, np;

	(void)state;
	assert_non_null(fx);
	memset(longname, 'n', SHMRPC_NAME_MAX);
	longname[SHMRPC_NAME_MAX] = '\0';
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		nf = fx->object_names(names[k], fn, TRANSPORT_MAX_OBJECTS);
		np = px->object_names(names[k], pn, TRANSPORT_MAX_OBJECTS);
		assert_int_equal(nf, 1);
		assert_true(strlen(fn[0]) <= 255);
		assert_int_equal(strncmp(fn[0], FUTEX_SEG_PREFIX,
				     strlen(FUTEX_SEG_PREFIX)), 0);
		/* No futex name equals any posix name of any channel: they
		 * start "srb_", "sem.srb_" or "shmrpc_posix_", never
		 * "shmrpc_futex_". */
		for (int j = 0; j < np; j++) {
			assert_true(strncmp(pn[j], FUTEX_SEG_PREFIX,
			    strlen(FUTEX_SEG_PREFIX)) != 0);
			assert_string_not_equal(fn[0], pn[j]);
		}
		/* Nor the registry's file. */
		assert_true(strncmp(fn[0], "shmrpc-registry-", 16) != 0);
	}
}

static void test_default_is_futex(void **state)
{
	char ch[64], fn[TRANSPORT_FNAME_MAX];
	shmrpc_transport *t;
	const char *old = getenv("SHMRPC_TRANSPORT");
	char *saved = old ? strdup(old) : NULL;

	(void)state;
	unsetenv("SHMRPC_TRANSPORT");
	channel(ch, sizeof(ch), "default");
	assert_int_equal(shmrpc_transport_create(&t, ch, NULL, NULL), 0);
	assert_int_equal(shmrpc_transport_kind_of(t), SHMRPC_TRANSPORT_FUTEX);
	fname_of(fn, sizeof(fn), ch);
	assert_true(shmrpc__shmobj_exists(fn));
	shmrpc_transport_close(t);
	assert_false(shmrpc__shmobj_exists(fn));
	if (saved != NULL) {
		setenv("SHMRPC_TRANSPORT", saved, 1);
		free(saved);
	}
}

/* Raw byte round trips with the server in a thread. */
struct raw_server {
	shmrpc_transport *t;
	int served;
	int rc;
};

static void *raw_serve(void *p)
{
	struct raw_server *rs = p;
	char buf[8192];

	for (;;) {
		size_t len;
		uint32_t peer;
		int rc = shmrpc_transport_recv_request(rs->t, buf, sizeof(buf),
		    &len, &peer);
		if (rc == SHMRPC_ETIMEOUT)
			continue;
		if (rc < 0) {
			rs->rc = rc;
			return NULL;
		}
		for (size_t i = 0; i < len; i++)
			buf[i] = (char)(buf[i] ^ 0x20);
		rc = shmrpc_transport_send_response(rs->t, peer, buf, len);
		if (rc < 0) {
			rs->rc = rc;
			return NULL;
		}
		rs->served++;
	}
}

static void test_raw_roundtrip(void **state)
{
	char ch[64];
	shmrpc_options o;
	struct raw_server rs = { 0 };
	shmrpc_transport *c;
	pthread_t tid;
	char in[8192], out[8192];
	size_t len;

	(void)state;
	channel(ch, sizeof(ch), "raw");
	futex_opts(&o);
	o.buffer_size = 4096;
	assert_int_equal(shmrpc_transport_create(&rs.t, ch, &o, NULL), 0);
	assert_int_equal(shmrpc_transport_max_message(rs.t), 4092);
	pthread_create(&tid, NULL, raw_serve, &rs);
	o.buffer_size = 0;
	assert_int_equal(shmrpc_transport_open(&c, ch, &o, NULL), 0);
	assert_int_equal(shmrpc_transport_max_message(c), 4092);
	for (int i = 0; i < 2000; i++) {
		size_t n = (size_t)(i * 7) % 4093;
		for (size_t k = 0; k < n; k++)
			out[k] = (char)('a' + (i + (int)k) % 26);
		assert_int_equal(shmrpc_transport_send_request(c, out, n), 0);
		assert_int_equal(shmrpc_transport_recv_response(c, in,
				     sizeof(in), &len), 0);
		assert_int_equal(len, n);
		for (size_t k = 0; k < n; k++)
			assert_int_equal(in[k], out[k] ^ 0x20);
	}
	/* Too big: refused before touching shared memory. */
	assert_int_equal(shmrpc_transport_send_request(c, out, 4093),
	    SHMRPC_ETOOBIG);
	/* A short receive buffer: ETOOBIG, and the channel goes on. */
	assert_int_equal(shmrpc_transport_send_request(c, out, 100), 0);
	assert_int_equal(shmrpc_transport_recv_response(c, in, 10, &len),
	    SHMRPC_ETOOBIG);
	assert_int_equal(shmrpc_transport_send_request(c, out, 3), 0);
	assert_int_equal(shmrpc_transport_recv_response(c, in, sizeof(in),
			     &len), 0);
	assert_int_equal(len, 3);
	shmrpc_transport_close(c);
	shmrpc_transport_wake(rs.t);
	pthread_join(tid, NULL);
	assert_int_equal(rs.rc, SHMRPC_ESTOPPED);
	assert_int_equal(rs.served, 2002);
	shmrpc_transport_close(rs.t);
}

/* The statistics by value, as the tests below compare them: a snapshot's
 * figures copied out, then the snapshot freed (latency as its count). */
struct chan_copy {
	shmrpc_transport_kind transport;
	pid_t server_pid;
	int server_running;
	size_t buffer_size;
	unsigned slots, slots_in_use;
	shmrpc_counters counters;
};

struct slot_copy {
	unsigned index;
	pid_t pid;
	uint64_t start_time;
	shmrpc_counters counters;
};

static void copy_counters(shmrpc_counters *to, const shmrpc_counters *c)
{
	*to = *c;
	to->latency = NULL;
}

static int stats_channel(const char *name, struct chan_copy *out)
{
	const shmrpc_channel_stats *ch;
	shmrpc_stats *st;
	int rc = shmrpc_stats_read(&st, name, SHMRPC_TRANSPORT_FUTEX, NULL);

	memset(out, 0, sizeof(*out));
	if (rc < 0)
		return rc;
	ch = shmrpc_stats_channel(st);
	out->transport = ch->transport;
	out->server_pid = ch->server_pid;
	out->server_running = ch->server_running;
	out->buffer_size = ch->buffer_size;
	out->slots = ch->slots;
	out->slots_in_use = ch->slots_in_use;
	copy_counters(&out->counters, ch->counters);
	shmrpc_stats_free(st);
	return 0;
}

static int stats_slots(const char *name, struct slot_copy *out, unsigned max,
    unsigned *n)
{
	shmrpc_stats *st;
	int rc = shmrpc_stats_read(&st, name, SHMRPC_TRANSPORT_FUTEX, NULL);

	*n = 0;
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < shmrpc_stats_slot_count(st) && *n < max; i++) {
		const shmrpc_slot_stats *sl = shmrpc_stats_slot(st, i);

		out[*n].index = sl->index;
		out[*n].pid = sl->pid;
		out[*n].start_time = sl->start_time;
		copy_counters(&out[*n].counters, sl->counters);
		(*n)++;
	}
	shmrpc_stats_free(st);
	return 0;
}

static void test_channel_full(void **state)
{
	char ch[64];
	shmrpc_options o;
	shmrpc_transport *srv, *c[3];
	struct chan_copy st;

	(void)state;
	channel(ch, sizeof(ch), "full");
	futex_opts(&o);
	o.slots = 2;
	assert_int_equal(shmrpc_transport_create(&srv, ch, &o, NULL), 0);
	assert_int_equal(shmrpc_transport_open(&c[0], ch, &o, NULL), 0);
	assert_int_equal(shmrpc_transport_open(&c[1], ch, &o, NULL), 0);
	assert_int_equal(shmrpc_transport_open(&c[2], ch, &o, NULL), SHMRPC_EFULL);
	assert_null(c[2]);
	assert_int_equal(stats_channel(ch, &st), 0);
	assert_int_equal(st.slots, 2);
	assert_int_equal(st.slots_in_use, 2);
	shmrpc_transport_close(c[0]);
	assert_int_equal(stats_channel(ch, &st), 0);
	assert_int_equal(st.slots_in_use, 1);
	assert_int_equal(shmrpc_transport_open(&c[2], ch, &o, NULL), 0);
	shmrpc_transport_close(c[1]);
	shmrpc_transport_close(c[2]);
	assert_int_equal(stats_channel(ch, &st), 0);
	assert_int_equal(st.slots_in_use, 0);
	/* Bad slot counts. */
	shmrpc_transport_close(srv);
	o.slots = FUTEX_MAX_SLOTS + 1;
	assert_int_equal(shmrpc_transport_create(&srv, ch, &o, NULL), -EINVAL);
}

/* A slot held by a process that died is taken over at open. */
static void test_dead_client_slot(void **state)
{
	char ch[64];
	shmrpc_options o;
	shmrpc_transport *srv, *c;
	pid_t pid;
	int status;

	(void)state;
	channel(ch, sizeof(ch), "dead");
	futex_opts(&o);
	o.slots = 1;
	assert_int_equal(shmrpc_transport_create(&srv, ch, &o, NULL), 0);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		shmrpc_transport *cc;
		/* Take the only slot and die without closing. */
		_exit(shmrpc_transport_open(&cc, ch, &o, NULL) == 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(shmrpc_transport_open(&c, ch, &o, NULL), 0);
	shmrpc_transport_close(c);
	shmrpc_transport_close(srv);
}

/*
 * A client that dies between posting its request (state REQ) and setting
 * its ready bit leaves a call no server thread has: the server's sweep
 * must still free the slot.  Simulated by a child that claims a slot and
 * writes REQ by hand.
 */
static void test_client_died_while_posting(void **state)
{
	char ch[64], fn[TRANSPORT_FNAME_MAX];
	shmrpc_options o;
	shmrpc_transport *srv, *c[2];
	struct chan_copy st;
	char buf[64];
	size_t len;
	uint32_t peer;
	pid_t pid;
	int status, i;

	(void)state;
	channel(ch, sizeof(ch), "orphan");
	fname_of(fn, sizeof(fn), ch);
	futex_opts(&o);
	o.slots = 2;
	o.timeout = 0.05;
	assert_int_equal(shmrpc_transport_create(&srv, ch, &o, NULL), 0);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		shmrpc_transport *cc;
		struct shm_map m;
		if (shmrpc_transport_open(&cc, ch, &o, NULL) < 0 ||
		    shmrpc__shmobj_open(fn, 0, 0, &m) < 0)
			_exit(1);
		struct futex_header *h = m.addr;
		struct futex_slot *sl = (struct futex_slot *)
		    ((char *)m.addr + h->slots_offset);
		atomic_store(&sl[0].state, FUTEX_STATE(1, FUTEX_REQ));
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* Serve (nothing comes) until the sweeps have freed the slot. */
	for (i = 0; i < 200; i++) {
		assert_int_equal(shmrpc_transport_recv_request(srv, buf,
				     sizeof(buf), &len, &peer),
		    SHMRPC_ETIMEOUT);
		assert_int_equal(stats_channel(ch, &st), 0);
		if (st.slots_in_use == 0)
			break;
	}
	assert_int_equal(st.slots_in_use, 0);
	assert_int_equal(shmrpc_transport_open(&c[0], ch, &o, NULL), 0);
	assert_int_equal(shmrpc_transport_open(&c[1], ch, &o, NULL), 0);
	shmrpc_transport_close(c[0]);
	shmrpc_transport_close(c[1]);
	shmrpc_transport_close(srv);
}

/* Write a segment file by hand and expect SHMRPC_EVERSION from it. */
static void expect_version_error(const char *ch, const struct futex_header *h,
    size_t size)
{
	char fn[TRANSPORT_FNAME_MAX];
	struct shm_map m;
	shmrpc_options o;
	shmrpc_transport *c = NULL;
	struct chan_copy st;

	fname_of(fn, sizeof(fn), ch);
	assert_int_equal(shmrpc__shmobj_create(fn, size, h,
			     size < sizeof(*h) ? size : sizeof(*h), &m),
	    0);
	shmrpc__shmobj_close(&m);
	futex_opts(&o);
	assert_int_equal(shmrpc_transport_open(&c, ch, &o, NULL), SHMRPC_EVERSION);
	assert_null(c);
	assert_int_equal(stats_channel(ch, &st), SHMRPC_EVERSION);
	assert_int_equal(shmrpc__shmobj_unlink(fn), 0);
}

static void test_version_mismatch(void **state)
{
	char ch[64], fn[TRANSPORT_FNAME_MAX];
	shmrpc_options o;
	shmrpc_transport *srv, *c = NULL;
	struct futex_header *good = calloc(1, FUTEX_HEADER_SIZE), *h;
	struct futex_geometry g;
	size_t size;

	(void)state;
	channel(ch, sizeof(ch), "version");
	fname_of(fn, sizeof(fn), ch);
	/* A good header, copied from a real server's segment. */
	futex_opts(&o);
	o.slots = 2;
	o.buffer_size = 1024;
	assert_int_equal(shmrpc_transport_create(&srv, ch, &o, NULL), 0);
	{
		struct shm_map m;
		assert_int_equal(shmrpc__shmobj_open_readonly(fn,
				     FUTEX_HEADER_SIZE, FUTEX_HEADER_SIZE, &m),
		    0);
		memcpy(good, m.addr, FUTEX_HEADER_SIZE);
		shmrpc__shmobj_close(&m);
	}
	/* A client may ask for smaller buffers, not for bigger ones. */
	o.buffer_size = 512;
	assert_int_equal(shmrpc_transport_open(&c, ch, &o, NULL), 0);
	shmrpc_transport_close(c);
	o.buffer_size = 2048;
	assert_int_equal(shmrpc_transport_open(&c, ch, &o, NULL), SHMRPC_EVERSION);
	shmrpc_transport_close(srv);
	assert_int_equal(futex_geometry(1024, 2, SHMRPC_DEFAULT_METHODS, &g), 0);
	size = (size_t)g.total_size;
	assert_int_equal(good->total_size, size);

	h = malloc(FUTEX_HEADER_SIZE);
	memcpy(h, good, FUTEX_HEADER_SIZE);
	h->magic ^= 1;
	expect_version_error(ch, h, size);
	memcpy(h, good, FUTEX_HEADER_SIZE);
	h->version = FUTEX_LAYOUT_VERSION + 1;
	expect_version_error(ch, h, size);
	memcpy(h, good, FUTEX_HEADER_SIZE);
	h->slot_size += 64;
	expect_version_error(ch, h, size);
	memcpy(h, good, FUTEX_HEADER_SIZE);
	h->nslots = 3; /* the file is sized for 2 */
	expect_version_error(ch, h, size);
	memcpy(h, good, FUTEX_HEADER_SIZE);
	h->buffer_size = 4; /* no room for a message */
	expect_version_error(ch, h, size);
	/* File shorter or longer than the header says. */
	expect_version_error(ch, good, size - 4096);
	expect_version_error(ch, good, size + 4096);
	/* Shorter than a header: an old or foreign file. */
	expect_version_error(ch, good, 100);
	free(h);
	free(good);
}

/* 8 client threads, each with its own handle, on a server in 4 threads. */
struct caller_arg {
	const char *ch;
	shmrpc_client *shared; /* NULL: open a handle of our own */
	int id;
	int calls;
	int ok, crossed, errors;
};

static void *caller(void *p)
{
	struct caller_arg *a = p;
	shmrpc_options o;
	shmrpc_client *cli = a->shared;

	futex_opts(&o);
	if (cli == NULL && shmrpc_client_open(&cli, a->ch, &o, NULL) < 0) {
		a->errors = a->calls;
		return NULL;
	}
	for (int i = 0; i < a->calls; i++) {
		json_t *params = json_pack("{s:i, s:i}", "id", a->id, "seq", i);
		json_t *res = NULL;
		shmrpc_error e;
		int rc = shmrpc_call(cli, "echo", params, &res, &e);
		if (rc < 0)
			a->errors++;
		else if (json_equal(res, params))
			a->ok++;
		else
			a->crossed++;
		json_decref(params);
		json_decref(res);
	}
	if (a->shared == NULL)
		shmrpc_client_close(cli);
	return NULL;
}

static void run_callers(const char *ch, shmrpc_client *shared, int n,
    int calls)
{
	pthread_t tid[8];
	struct caller_arg a[8];

	for (int i = 0; i < n; i++) {
		a[i] = (struct caller_arg){ .ch = ch, .shared = shared,
			.id = i, .calls = calls };
		assert_int_equal(pthread_create(&tid[i], NULL, caller, &a[i]),
		    0);
	}
	for (int i = 0; i < n; i++) {
		pthread_join(tid[i], NULL);
		assert_int_equal(a[i].errors, 0);
		assert_int_equal(a[i].crossed, 0);
		assert_int_equal(a[i].ok, calls);
	}
}

static void test_server_in_4_threads(void **state)
{
	char ch[64];
	shmrpc_options o;
	struct srv sv;
	struct chan_copy st;
	int used = 0;

	(void)state;
	channel(ch, sizeof(ch), "srv4");
	futex_opts(&o);
	srv_start(&sv, ch, 4, &o);
	run_callers(ch, NULL, 8, 1500);
	assert_int_equal(stats_channel(ch, &st), 0);
	assert_int_equal(st.counters.calls, 8 * 1500);
	assert_int_equal(st.counters.errors, 0);
	assert_int_equal(st.counters.in_flight, 0);
	srv_stop(&sv);
	for (int i = 0; i < 4; i++)
		used += atomic_load(&sv.calls_by_thread[i]) > 0;
	/* Which threads got work is up to the scheduler; all of it was
	 * served (counted above). */
	assert_true(used >= 1);
}

static void test_client_shared_by_4_threads(void **state)
{
	char ch[64];
	shmrpc_options o;
	struct srv sv;
	shmrpc_client *cli;
	struct slot_copy ss[4];
	unsigned n;

	(void)state;
	channel(ch, sizeof(ch), "cli4");
	futex_opts(&o);
	srv_start(&sv, ch, 2, &o);
	assert_int_equal(shmrpc_client_open(&cli, ch, &o, NULL), 0);
	run_callers(ch, cli, 4, 1500);
	/* One handle, one slot, every call counted there. */
	assert_int_equal(stats_slots(ch, ss, 4, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ss[0].pid, getpid());
	assert_int_equal(ss[0].counters.calls, 4 * 1500);
	shmrpc_client_close(cli);
	srv_stop(&sv);
}

static void *stop_later(void *p)
{
	struct timespec ts = { 0, 100 * 1000000L };

	nanosleep(&ts, NULL);
	shmrpc_server_stop(p);
	return NULL;
}

static void test_stop_wakes_every_thread(void **state)
{
	char ch[64];
	shmrpc_options o;
	struct srv sv;
	pthread_t tid;
	double t0;

	(void)state;
	channel(ch, sizeof(ch), "stop");
	futex_opts(&o);
	o.timeout = -1; /* serve threads sleep with no time limit */
	srv_start(&sv, ch, 4, &o);
	t0 = now_s();
	pthread_create(&tid, NULL, stop_later, sv.s);
	for (int i = 0; i < sv.nthreads; i++) {
		pthread_join(sv.tid[i], NULL);
		assert_int_equal(sv.rc[i], 0);
	}
	pthread_join(tid, NULL);
	/* Generous: the point is that nobody waited for a timeout. */
	assert_true(now_s() - t0 < 5.0);
	sv.nthreads = 0;
	shmrpc_server_close(sv.s);
}

static void test_timeout_then_next_call(void **state)
{
	char ch[64];
	shmrpc_options o;
	struct srv sv;
	shmrpc_client *cli;
	json_t *p, *res;
	shmrpc_error e;
	struct slot_copy ss;
	unsigned n;

	(void)state;
	channel(ch, sizeof(ch), "timeout");
	futex_opts(&o);
	srv_start(&sv, ch, 1, &o);
	o.timeout = 0.05;
	assert_int_equal(shmrpc_client_open(&cli, ch, &o, NULL), 0);
	p = json_pack("{s:i}", "ms", 300);
	assert_int_equal(shmrpc_call(cli, "sleep", p, &res, &e),
	    SHMRPC_ETIMEOUT);
	json_decref(p);
	assert_int_equal(stats_slots(ch, &ss, 1, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ss.counters.timeouts, 1);
	/* Closing with the call still in the server's hands gives the slot
	 * to the server, which drops the answer; a new client works at
	 * once. */
	shmrpc_client_close(cli);
	o.timeout = 5;
	assert_int_equal(shmrpc_client_open(&cli, ch, &o, NULL), 0);
	p = json_pack("{s:s}", "after", "timeout");
	assert_int_equal(shmrpc_call(cli, "echo", p, &res, &e), 0);
	assert_true(json_equal(res, p));
	json_decref(res);
	json_decref(p);
	shmrpc_client_close(cli);
	srv_stop(&sv);
}

static void test_same_handle_after_timeout(void **state)
{
	char ch[64];
	shmrpc_options o;
	struct srv sv;
	shmrpc_transport *c;
	char buf[256];
	size_t len;
	shmrpc_client *cli;
	json_t *p, *res;
	shmrpc_error e;

	(void)state;
	channel(ch, sizeof(ch), "same");
	futex_opts(&o);
	srv_start(&sv, ch, 1, &o);
	/* The first call times out; the next one on the same handle first
	 * waits for the late answer and drops it, which may itself time
	 * out while the handler still sleeps: retry until it goes through.
	 * The answer must then be its own, never the sleep's. */
	o.timeout = 0.05;
	assert_int_equal(shmrpc_client_open(&cli, ch, &o, NULL), 0);
	p = json_pack("{s:i}", "ms", 120);
	assert_int_equal(shmrpc_call(cli, "sleep", p, &res, &e),
	    SHMRPC_ETIMEOUT);
	json_decref(p);
	p = json_pack("{s:s}", "x", "y");
	int rc, tries = 0;
	do {
		rc = shmrpc_call(cli, "echo", p, &res, &e);
	} while (rc == SHMRPC_ETIMEOUT && ++tries < 200);
	assert_int_equal(rc, 0);
	assert_true(json_equal(res, p));
	json_decref(res);
	json_decref(p);
	shmrpc_client_close(cli);
	/* The raw API refuses a second request while one is open. */
	assert_int_equal(shmrpc_transport_open(&c, ch, &o, NULL), 0);
	assert_int_equal(shmrpc_transport_send_request(c, "{}", 2), 0);
	assert_int_equal(shmrpc_transport_send_request(c, "{}", 2),
	    SHMRPC_ESTATE);
	assert_int_equal(shmrpc_transport_recv_response(c, buf, sizeof(buf),
			     &len), 0);
	shmrpc_transport_close(c);
	srv_stop(&sv);
}

static void *close_later(void *p)
{
	struct timespec ts = { 0, 100 * 1000000L };
	struct raw_server *rs = p;

	nanosleep(&ts, NULL);
	shmrpc_transport_close(rs->t);
	return NULL;
}

/* The server closes the channel while a client waits: ESTOPPED at once. */
static void test_server_closes_during_call(void **state)
{
	char ch[64];
	shmrpc_options o;
	struct raw_server rs = { 0 };
	shmrpc_transport *c;
	pthread_t tid;
	char buf[16];
	size_t len;
	double t0;

	(void)state;
	channel(ch, sizeof(ch), "closes");
	futex_opts(&o);
	assert_int_equal(shmrpc_transport_create(&rs.t, ch, &o, NULL), 0);
	assert_int_equal(shmrpc_transport_open(&c, ch, &o, NULL), 0);
	/* Nobody serves: the request stays posted. */
	assert_int_equal(shmrpc_transport_send_request(c, "x", 1), 0);
	t0 = now_s();
	pthread_create(&tid, NULL, close_later, &rs);
	assert_int_equal(shmrpc_transport_recv_response(c, buf, sizeof(buf),
			     &len), SHMRPC_ESTOPPED);
	assert_true(now_s() - t0 < 5.0);
	pthread_join(tid, NULL);
	/* And says so on the next call without waiting. */
	assert_int_equal(shmrpc_transport_send_request(c, "x", 1),
	    SHMRPC_ESTOPPED);
	shmrpc_transport_close(c);
	/* The channel is gone for new clients. */
	assert_int_equal(shmrpc_transport_open(&c, ch, &o, NULL), SHMRPC_ENOCHANNEL);
}

static void test_counters(void **state)
{
	char ch[64];
	shmrpc_options o;
	struct srv sv;
	shmrpc_client *cli;
	struct chan_copy st;
	struct slot_copy ss[2];
	unsigned n;
	json_t *p, *res;
	shmrpc_error e;

	(void)state;
	channel(ch, sizeof(ch), "counters");
	futex_opts(&o);
	o.slots = 4;
	srv_start(&sv, ch, 1, &o);
	assert_int_equal(shmrpc_client_open(&cli, ch, &o, NULL), 0);
	p = json_pack("{s:s}", "k", "v");
	for (int i = 0; i < 100; i++) {
		assert_int_equal(shmrpc_call(cli, "echo", p, &res, &e), 0);
		json_decref(res);
	}
	assert_int_equal(shmrpc_call(cli, "fail", p, &res, &e),
	    SHMRPC_EMETHOD);
	json_decref(p);

	assert_int_equal(stats_channel(ch, &st), 0);
	assert_int_equal(st.transport, SHMRPC_TRANSPORT_FUTEX);
	assert_int_equal(st.server_pid, getpid());
	assert_true(st.server_running);
	assert_int_equal(st.slots, 4);
	assert_int_equal(st.slots_in_use, 1);
	assert_int_equal(st.buffer_size, SHMRPC_DEFAULT_BUFFER_SIZE);
	assert_int_equal(st.counters.calls, 101);
	assert_int_equal(st.counters.errors, 1); /* the method error */
	assert_int_equal(st.counters.in_flight, 0);
	assert_true(st.counters.bytes_in > 101 * 20);
	assert_true(st.counters.bytes_out > 101 * 20);
	assert_true(st.counters.last_activity_ns > 0);
	assert_int_equal(st.counters.latency_count, 101);
	assert_true(st.counters.latency_sum_ns > 0);

	assert_int_equal(stats_slots(ch, ss, 2, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ss[0].pid, getpid());
	assert_true(ss[0].start_time > 0);
	assert_int_equal(ss[0].counters.calls, 101);
	assert_int_equal(ss[0].counters.errors, 1);
	assert_int_equal(ss[0].counters.timeouts, 0);
	/* What the client sent is what the server received. */
	assert_int_equal(ss[0].counters.bytes_out, st.counters.bytes_in);
	assert_int_equal(ss[0].counters.bytes_in, st.counters.bytes_out);
	assert_int_equal(ss[0].counters.latency_count, 101);
	/* Reading counters claims no slot. */
	assert_int_equal(stats_channel(ch, &st), 0);
	assert_int_equal(st.slots_in_use, 1);
	/* A client that leaves still counts in the channel's figures. */
	shmrpc_client_close(cli);
	assert_int_equal(stats_channel(ch, &st), 0);
	assert_int_equal(st.slots_in_use, 0);
	assert_int_equal(st.counters.calls, 101);
	assert_int_equal(st.counters.errors, 1);
	assert_int_equal(ss[0].counters.bytes_out, st.counters.bytes_in);
	assert_int_equal(stats_slots(ch, ss, 2, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(shmrpc_client_open(&cli, ch, &o, NULL), 0);
	p = json_pack("{}");
	assert_int_equal(shmrpc_call(cli, "echo", p, &res, &e), 0);
	json_decref(res);
	json_decref(p);
	assert_int_equal(stats_channel(ch, &st), 0);
	assert_int_equal(st.counters.calls, 102);
	assert_int_equal(stats_slots(ch, ss, 2, &n), 0);
	assert_int_equal(ss[0].counters.calls, 1);
	shmrpc_client_close(cli);
	srv_stop(&sv);

	/* Errors of the view itself. */
	assert_int_equal(stats_channel(ch, &st), SHMRPC_ENOCHANNEL);
	assert_int_equal(stats_channel("bad/name", &st), SHMRPC_ENAME);
	assert_int_equal(shmrpc_stats_read(NULL, ch, SHMRPC_TRANSPORT_FUTEX,
			     NULL), -EINVAL);
}

static void test_no_spin_and_env(void **state)
{
	char ch[64];
	shmrpc_options o;
	struct srv sv;
	shmrpc_client *cli;

	(void)state;
	channel(ch, sizeof(ch), "nospin");
	futex_opts(&o);
	o.spin_ns = -1; /* sleep at once, both sides */
	srv_start(&sv, ch, 1, &o);
	assert_int_equal(shmrpc_client_open(&cli, ch, &o, NULL), 0);
	run_callers(ch, cli, 2, 300);
	shmrpc_client_close(cli);
	/* The environment sets the default budget; junk is ignored. */
	setenv("SHMRPC_SPIN_NS", "2000", 1);
	futex_opts(&o);
	assert_int_equal(shmrpc_client_open(&cli, ch, &o, NULL), 0);
	run_callers(ch, cli, 1, 300);
	shmrpc_client_close(cli);
	setenv("SHMRPC_SPIN_NS", "lots", 1);
	assert_int_equal(shmrpc_client_open(&cli, ch, &o, NULL), 0);
	run_callers(ch, cli, 1, 100);
	shmrpc_client_close(cli);
	unsetenv("SHMRPC_SPIN_NS");
	srv_stop(&sv);
}

/*
 * After all tests: remove whatever a failed test left in /dev/shm under
 * this process's names (a passing test removes its own), and fail if
 * there was anything.
 */
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_default_is_futex),
		cmocka_unit_test(test_raw_roundtrip),
		cmocka_unit_test(test_channel_full),
		cmocka_unit_test(test_dead_client_slot),
		cmocka_unit_test(test_client_died_while_posting),
		cmocka_unit_test(test_version_mismatch),
		cmocka_unit_test(test_server_in_4_threads),
		cmocka_unit_test(test_client_shared_by_4_threads),
		cmocka_unit_test(test_stop_wakes_every_thread),
		cmocka_unit_test(test_timeout_then_next_call),
		cmocka_unit_test(test_same_handle_after_timeout),
		cmocka_unit_test(test_server_closes_during_call),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_no_spin_and_env),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("futex", tests, ut_setup,
	    ut_teardown);
}
