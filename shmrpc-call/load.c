/*
 * load.c - repeated calls from one or more clients (see load.h).
 *
 * Each client has a thread, a connection and a histogram of its own, so
 * the hot loop shares nothing but two atomics (the calls handed out and
 * the stop flag).  The main thread only waits: SIGINT and SIGTERM are
 * blocked in every thread and taken by sigtimedwait(), so a Ctrl-C stops
 * the clients after their current call and the summary is printed as ping
 * prints its own.  A second Ctrl-C kills at once.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "histogram.h"
#include "load.h"
#include "output.h"

enum { EXIT_OK = 0, EXIT_METHOD = 1, EXIT_CHANNEL = 3 };

struct run;

struct worker {
	pthread_t tid;
	struct run *run;
	shmrpc_client *cli;
	struct histogram hist;
	unsigned long long failed;
	int rc;                  /* the failure that stopped it, or 0 */
	shmrpc_error err;
	json_t *result;          /* its last JSON result */
	const void *reply;       /* its last raw reply, in its slot */
	size_t reply_len;
	bool has_result;
};

struct run {
	const struct load_opts *o;
	atomic_llong issued;     /* calls handed out (with a count) */
	atomic_bool stop;
	atomic_uint finished;    /* workers done */
	uint64_t deadline;       /* CLOCK_MONOTONIC ns; 0: none */
	pthread_t waiter;        /* the main thread, woken by the last */
	int signal;              /* the signal that stopped the run, or 0 */
	struct worker *w;
};

int exit_status_for(int rc)
{
	return rc == SHMRPC_EMETHOD ? EXIT_METHOD : EXIT_CHANNEL;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Whether the worker may make one more call. */
static bool take_call(struct run *r, uint64_t now)
{
	if (atomic_load_explicit(&r->stop, memory_order_relaxed))
		return false;
	if (r->deadline != 0 && now >= r->deadline)
		return false;
	return r->o->count == 0 ||
	    atomic_fetch_add_explicit(&r->issued, 1, memory_order_relaxed) <
	    r->o->count;
}

/* One call, timed; its result kept as the worker's last. */
static int call_once(struct worker *w, uint64_t *ns)
{
	const struct load_opts *o = w->run->o;
	uint64_t t0 = now_ns();
	json_t *result = NULL;
	int rc;

	if (o->raw)
		rc = shmrpc_call_bytes(w->cli, o->method, o->raw_in,
		    o->raw_len, &w->reply, &w->reply_len, &w->err);
	else
		rc = shmrpc_call(w->cli, o->method, o->params, &result,
		    &w->err);
	*ns = now_ns() - t0;
	if (rc == 0 && !o->raw) {
		json_decref(w->result);
		w->result = result;
	}
	return rc;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct run *r = w->run;
	uint64_t ns;

	while (take_call(r, now_ns())) {
		int rc = call_once(w, &ns);
		if (rc < 0) {
			w->failed++;
			w->rc = rc;
			atomic_store(&r->stop, true);
			break;
		}
		hist_add(&w->hist, ns);
		w->has_result = true;
	}
	if (atomic_fetch_add(&r->finished, 1) + 1 == r->o->clients)
		pthread_kill(r->waiter, SIGUSR1);
	return NULL;
}

/* Open every client before any call, so that a channel that cannot take
 * them all fails at once.  Exit status, 0 when all are open. */
static int open_clients(struct run *r)
{
	const struct load_opts *o = r->o;

	for (unsigned i = 0; i < o->clients; i++) {
		struct worker *w = &r->w[i];
		w->run = r;
		hist_init(&w->hist);
		if (shmrpc_client_open(&w->cli, o->channel, o->copts,
			&w->err) < 0) {
			output_warn(w->err.text);
			return EXIT_CHANNEL;
		}
	}
	return EXIT_OK;
}

/* Start the workers and wait until they end or a signal stops them. */
static void run_workers(struct run *r)
{
	sigset_t set, old;
	struct timespec tick = { 1, 0 };
	unsigned started = 0;
	int rc = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	r->waiter = pthread_self();
	for (; rc == 0 && started < r->o->clients; started++)
		rc = pthread_create(&r->w[started].tid, NULL, worker_main,
		    &r->w[started]);
	if (rc != 0) {
		started--;
		fprintf(stderr, "shmrpc-call: cannot start client %u of %u: "
		    "%s\n", started + 1, r->o->clients, strerror(rc));
		atomic_store(&r->stop, true);
		atomic_fetch_add(&r->finished, r->o->clients - started);
	}
	while (atomic_load(&r->finished) < r->o->clients) {
		int sig = sigtimedwait(&set, NULL, &tick);
		if (sig == SIGINT || sig == SIGTERM) {
			r->signal = sig;
			atomic_store(&r->stop, true);
			break;
		}
	}
	/* A second signal now takes its default action; SIGUSR1 stays
	 * blocked, as the last worker may still send it. */
	sigdelset(&old, SIGINT);
	sigdelset(&old, SIGTERM);
	sigaddset(&old, SIGUSR1);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	for (unsigned i = 0; i < started; i++)
		pthread_join(r->w[i].tid, NULL);
}

/* The first failure of the run, or NULL. */
static const struct worker *first_failure(const struct run *r)
{
	for (unsigned i = 0; i < r->o->clients; i++)
		if (r->w[i].rc < 0)
			return &r->w[i];
	return NULL;
}

/* The last result of the first client that has one, or NULL. */
static const struct worker *with_result(const struct run *r)
{
	for (unsigned i = 0; i < r->o->clients; i++)
		if (r->w[i].has_result)
			return &r->w[i];
	return NULL;
}

struct totals {
	struct histogram hist;
	unsigned long long failed;
	double seconds;
};

static void print_text_summary(FILE *f, const struct run *r,
    const struct totals *t)
{
	const struct histogram *h = &t->hist;
	unsigned long long calls = h->count + t->failed;
	char by[32] = "";

	if (r->o->clients > 1)
		snprintf(by, sizeof(by), " by %u clients", r->o->clients);
	fprintf(f, "--- %llu call%s%s in %.3f s (%.0f/s), %llu failed ---\n",
	    calls, calls == 1 ? "" : "s", by, t->seconds,
	    t->seconds > 0 ? (double)calls / t->seconds : 0.0, t->failed);
	if (h->count > 0)
		fprintf(f, "latency min/median/p99/max = %.2f/%.2f/%.2f/%.2f "
		    "us\n", (double)h->min / 1e3, hist_quantile(h, 0.5) / 1e3,
		    hist_quantile(h, 0.99) / 1e3, (double)h->max / 1e3);
}

static json_t *latency_json(const struct histogram *h)
{
	if (h->count == 0)
		return json_null();
	return json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}",
	    "min", (double)h->min / 1e3, "mean", hist_mean(h) / 1e3,
	    "stddev", hist_stddev(h) / 1e3,
	    "median", hist_quantile(h, 0.5) / 1e3,
	    "p90", hist_quantile(h, 0.9) / 1e3,
	    "p99", hist_quantile(h, 0.99) / 1e3,
	    "p999", hist_quantile(h, 0.999) / 1e3,
	    "max", (double)h->max / 1e3);
}

/* The summary as one JSON object (shmrpc-call(1), -j). */
static int print_json_summary(FILE *f, const struct run *r,
    const struct totals *t)
{
	const struct worker *fail = first_failure(r), *res = with_result(r);
	unsigned long long calls = t->hist.count + t->failed;
	json_t *doc;
	int rc;

	doc = json_pack("{s:s, s:s, s:I, s:I, s:I, s:f, s:f, s:b, s:o}",
	    "channel", r->o->channel, "method", r->o->method,
	    "clients", (json_int_t)r->o->clients, "calls", (json_int_t)calls,
	    "failed", (json_int_t)t->failed, "seconds", t->seconds,
	    "calls_per_second",
	    t->seconds > 0 ? (double)calls / t->seconds : 0.0,
	    "interrupted", r->signal != 0, "latency_us",
	    latency_json(&t->hist));
	if (doc == NULL)
		return -1;
	if (res != NULL && !r->o->raw)
		json_object_set(doc, "result", res->result);
	if (fail != NULL)
		json_object_set_new(doc, "error", json_string(fail->err.text));
	/* Figures to the nanosecond, not to 17 digits. */
	rc = output_json(f, doc, JSON_REAL_PRECISION(12));
	json_decref(doc);
	return rc;
}

/* The last result (stdout), then the summary: on stdout, or on stderr
 * when stdout has the raw reply bytes. */
static int report(const struct run *r, const struct totals *t)
{
	const struct worker *res = with_result(r), *fail = first_failure(r);
	FILE *sum = r->o->raw ? stderr : stdout;
	int rc = 0;

	if (res != NULL && r->o->raw)
		rc = output_bytes(stdout, res->reply, res->reply_len);
	else if (res != NULL && !r->o->json)
		rc = output_json(stdout, res->result, 0);
	if (rc < 0) {
		fprintf(stderr, "shmrpc-call: cannot write the result\n");
		return EXIT_CHANNEL;
	}
	if (fail != NULL && fail->rc == SHMRPC_EMETHOD)
		output_remote_error(fail->err.text);
	else if (fail != NULL)
		output_warn(fail->err.text);
	if (r->o->json)
		rc = print_json_summary(sum, r, t);
	else if (r->o->stats)
		print_text_summary(sum, r, t);
	if (fflush(sum) != 0 || rc < 0)
		return EXIT_CHANNEL;
	return fail != NULL ? exit_status_for(fail->rc) : EXIT_OK;
}

static void free_workers(struct run *r)
{
	for (unsigned i = 0; i < r->o->clients; i++) {
		json_decref(r->w[i].result);
		shmrpc_client_close(r->w[i].cli);
	}
	free(r->w);
}

int load_run(const struct load_opts *o)
{
	struct run r = { .o = o };
	struct totals t = { .failed = 0 };
	uint64_t t0;
	int status;

	atomic_init(&r.issued, 0);
	atomic_init(&r.stop, false);
	atomic_init(&r.finished, 0);
	r.w = calloc(o->clients, sizeof(*r.w));
	if (r.w == NULL) {
		fprintf(stderr, "shmrpc-call: out of memory\n");
		return EXIT_CHANNEL;
	}
	status = open_clients(&r);
	if (status == EXIT_OK) {
		t0 = now_ns();
		if (o->duration > 0)
			r.deadline = t0 + (uint64_t)(o->duration * 1e9);
		run_workers(&r);
		t.seconds = (double)(now_ns() - t0) / 1e9;
		hist_init(&t.hist);
		for (unsigned i = 0; i < o->clients; i++) {
			hist_merge(&t.hist, &r.w[i].hist);
			t.failed += r.w[i].failed;
		}
		status = report(&r, &t);
	}
	free_workers(&r);
	return status;
}
