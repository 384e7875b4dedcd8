/*
 * harness.c - peer-bench: one row in fresh processes, timed the way
 * shmrpc-bench times its rows (layer: bench).
 *
 * A row: fork a server process, then N client processes.  Each client
 * connects, warms up (at least 2 calls, up to 2000 or a tenth of the
 * budget), waits at a start line on a shared futex, then times every call
 * on its own with two clock_gettime(CLOCK_MONOTONIC) calls, until the
 * budget is spent (at least min_calls each) or its share of max_calls is
 * done.  calls_per_s is all clients' calls / the wall time from the start
 * line to the last client's last call.
 *
 * CPU: every client takes getrusage(RUSAGE_SELF) (user + sys, all its
 * threads) at the start line and after its last call.  The server process
 * blocks SIGUSR1 and SIGTERM in all its threads and runs a control thread
 * that sigwait()s for them: SIGUSR1 stores getrusage(RUSAGE_SELF) in the
 * board (taken just before the start line and after the last client has
 * finished), SIGTERM stops the server.  RUSAGE_SELF counts threads that
 * came and went (gRPC's pool) as well.
 */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "peer_json.h"

/* Shared by the parent, the server and the clients of one row. */
struct board {
	_Atomic uint32_t ready;     /* clients warmed up, at the start line */
	_Atomic uint32_t go;        /* 1: start */
	_Atomic uint32_t failed;    /* a child hit an error */
	_Atomic uint32_t server_up; /* the server listens */
	_Atomic uint32_t snaps;     /* server CPU snapshots taken */
	double server_cpu_us[2];
	double deadline_us;         /* CLOCK_MONOTONIC; no new call after */
	size_t per_client;          /* latency slots per client */
	struct {
		double t_end_us, cpu_us;
		size_t calls;
	} client[MAX_CLIENTS];
	double lat[];               /* client c: lat[c * per_client ...] */
};

static const char *const case_names[NCASES] = { "raw", "json_add",
	"json_echo", "bytes_echo", "idle", "waiting" };

static char sockdir[64];
static unsigned row_seq;
static volatile sig_atomic_t interrupted;

const char *case_name(enum bench_case kase)
{
	return case_names[kase];
}

double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

double cpu_per_call(const struct row_result *r)
{
	if (!r->ok || r->calls == 0 || r->spec.kase == CASE_IDLE)
		return -1;
	return (r->server_cpu_us + r->clients_cpu_us) / (double)r->calls;
}

static double rusage_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

/* Process-shared futex on the board (no FUTEX_PRIVATE_FLAG). */
static void futex_wait(_Atomic uint32_t *addr, uint32_t val)
{
	struct timespec ts = { 0, 100 * 1000000L };

	syscall(SYS_futex, addr, FUTEX_WAIT, val, &ts, NULL, 0);
}

static void futex_wake_all(_Atomic uint32_t *addr)
{
	syscall(SYS_futex, addr, FUTEX_WAKE, INT32_MAX, NULL, NULL, 0);
}

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void on_alarm(int sig)
{
	(void)sig;
}

void harness_init(void)
{
	struct sigaction sa;

	snprintf(sockdir, sizeof(sockdir), "/tmp/peer-bench.XXXXXX");
	if (mkdtemp(sockdir) == NULL)
		err(1, "mkdtemp");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: waits return EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
}

void harness_cleanup(void)
{
	if (sockdir[0] != '\0' && rmdir(sockdir) < 0 && errno != ENOENT)
		warn("rmdir %s", sockdir);
	sockdir[0] = '\0';
}

static void fail(struct board *b)
{
	atomic_store(&b->failed, 1);
	futex_wake_all(&b->go);
}

/* ---- server process ------------------------------------------------------ */

struct control {
	const struct bench_system *sys;
	void *srv;
	struct board *b;
	sigset_t set;
};

static void *control_main(void *arg)
{
	struct control *c = arg;

	for (;;) {
		int sig;

		if (sigwait(&c->set, &sig) != 0)
			continue;
		if (sig == SIGUSR1) {
			uint32_t n = atomic_load(&c->b->snaps);

			if (n < 2)
				c->b->server_cpu_us[n] = rusage_us();
			atomic_store(&c->b->snaps, n + 1);
			continue;
		}
		c->sys->server_stop(c->srv);
		return NULL;
	}
}

static _Noreturn void server_main(const struct row_spec *sp, const char *addr,
    struct board *b)
{
	struct bench_params p = { sp->kase, sp->payload, sp->clients };
	struct control c = { .sys = sp->sys, .b = b };
	pthread_t th;
	int rc;

	/* Every thread, gRPC's included, inherits this mask; only the
	 * control thread takes the two signals. */
	sigemptyset(&c.set);
	sigaddset(&c.set, SIGUSR1);
	sigaddset(&c.set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &c.set, NULL);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (sp->sys->server_open(&c.srv, addr, &p) < 0) {
		fail(b);
		_exit(1);
	}
	if (pthread_create(&th, NULL, control_main, &c) != 0) {
		warnx("server: cannot start its control thread");
		sp->sys->server_close(c.srv);
		fail(b);
		_exit(1);
	}
	atomic_store(&b->server_up, 1);
	rc = sp->sys->server_serve(c.srv);
	if (rc < 0) {
		fail(b);
		pthread_cancel(th);
	}
	pthread_join(th, NULL);
	sp->sys->server_close(c.srv);
	_exit(rc < 0);
}

/* ---- client process ------------------------------------------------------ */

struct caller {
	const struct row_spec *sp;
	void *cli;
	struct peer_json_client json;
	char *raw;       /* raw and bytes cases: the request */
	json_t *params;  /* JSON cases */
};

static int caller_init(struct caller *c)
{
	size_t n = c->sp->payload;

	peer_json_client_init(&c->json);
	switch (c->sp->kase) {
	case CASE_RAW:
	case CASE_BYTES_ECHO:
		c->raw = malloc(n ? n : 1);
		if (c->raw == NULL)
			return -1;
		memset(c->raw, 'r', n);
		return 0;
	case CASE_JSON_ADD:
	case CASE_IDLE: {
		/* As shmrpc-bench: {"a": i, "b": 2, "pad": "ppp..."}, the
		 * request about `payload` bytes with its envelope. */
		size_t padlen = n > 100 ? n - 100 : 0;
		char *pad = malloc(padlen + 1);

		if (pad == NULL)
			return -1;
		memset(pad, 'p', padlen);
		pad[padlen] = '\0';
		c->params = json_pack("{s:i, s:i, s:s}", "a", 1, "b", 2, "pad",
		    pad);
		free(pad);
		break;
	}
	case CASE_JSON_ECHO: {
		char *data = malloc(n + 1);

		if (data == NULL)
			return -1;
		memset(data, 'e', n);
		data[n] = '\0';
		c->params = json_pack("{s:s}", "data", data);
		free(data);
		break;
	}
	case CASE_WAITING:
		c->params = json_pack("{s:i}", "ms", 100);
		break;
	default:
		return -1;
	}
	return c->params != NULL ? 0 : -1;
}

static int json_call(struct caller *c, const char *method, json_t **res)
{
	const struct bench_system *sys = c->sp->sys;

	if (sys->call_json != NULL)
		return sys->call_json(c->cli, method, c->params, res);
	return peer_json_call(sys, c->cli, &c->json, method, c->params, res);
}

/* One round trip of the row's case, checked. */
static int call_once(struct caller *c, size_t i)
{
	const struct bench_system *sys = c->sp->sys;
	json_t *res = NULL;
	const void *reply;
	size_t len;
	int ok;

	switch (c->sp->kase) {
	case CASE_RAW:
	case CASE_BYTES_ECHO:
		if (sys->roundtrip(c->cli, c->raw, c->sp->payload, &reply,
		    &len) < 0)
			return -1;
		ok = len == c->sp->payload;
		break;
	case CASE_JSON_ADD:
	case CASE_IDLE:
		json_object_set_new(c->params, "a", json_integer((json_int_t)i));
		if (json_call(c, "add", &res) < 0)
			return -1;
		ok = json_integer_value(res) == (json_int_t)i + 2;
		break;
	case CASE_JSON_ECHO:
		if (json_call(c, "echo", &res) < 0)
			return -1;
		ok = json_string_length(res) == c->sp->payload;
		break;
	case CASE_WAITING:
		if (json_call(c, "sleep", &res) < 0)
			return -1;
		ok = json_is_true(res);
		break;
	default:
		return -1;
	}
	json_decref(res);
	if (!ok)
		warnx("%s %s: wrong answer", sys->name,
		    case_name(c->sp->kase));
	return ok ? 0 : -1;
}

static void sleep_until(double t_us)
{
	double left;

	while ((left = t_us - now_us()) > 0) {
		struct timespec ts = { (time_t)(left / 1e6),
			(long)(left - (double)(time_t)(left / 1e6) * 1e6) *
			    1000L };

		nanosleep(&ts, NULL);
	}
}

static double row_budget(const struct harness_config *cfg,
    const struct row_spec *sp)
{
	return sp->kase == CASE_IDLE || sp->kase == CASE_WAITING ?
	    cfg->cpu_budget_s : cfg->budget_s;
}

static _Noreturn void client_main(const struct harness_config *cfg,
    const struct row_spec *sp, const char *addr, struct board *b, int idx)
{
	struct bench_params p = { sp->kase, sp->payload, sp->clients };
	struct caller c = { .sp = sp };
	double *lat = b->lat + (size_t)idx * b->per_client;
	double t0, cpu0, warm_us = row_budget(cfg, sp) * 1e5; /* a tenth */
	size_t i = 0, n = 0;

	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (caller_init(&c) < 0 || sp->sys->client_open(&c.cli, addr, &p) < 0)
		goto failed;
	t0 = now_us();
	while (i < 2 || (i < 2000 && now_us() - t0 < warm_us)) {
		if (call_once(&c, i++) < 0)
			goto failed;
	}
	atomic_fetch_add(&b->ready, 1);
	while (atomic_load(&b->go) == 0 && atomic_load(&b->failed) == 0)
		futex_wait(&b->go, 0);
	if (atomic_load(&b->failed))
		goto failed;
	cpu0 = rusage_us();
	if (sp->kase == CASE_IDLE) {
		sleep_until(b->deadline_us);
	} else {
		while (n < b->per_client) {
			double ts = now_us(), te;

			if (call_once(&c, i++) < 0)
				goto failed;
			te = now_us();
			lat[n++] = te - ts;
			if (te >= b->deadline_us && n >= (size_t)cfg->min_calls)
				break;
		}
	}
	b->client[idx].t_end_us = now_us();
	b->client[idx].cpu_us = rusage_us() - cpu0;
	b->client[idx].calls = n;
	sp->sys->client_close(c.cli);
	_exit(0);
failed:
	fail(b);
	_exit(1);
}

/* ---- the parent ------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Wait for pid, at most until `guard` seconds from now.  0, or -1 after
 * killing it (timeout or interrupt). */
static int wait_child(pid_t pid, int guard, int sig)
{
	alarm((unsigned)guard);
	while (waitpid(pid, NULL, 0) < 0) {
		if (errno != EINTR)
			break;
		if (interrupted || alarm(0) == 0) {
			kill(pid, sig);
			waitpid(pid, NULL, 0);
			return -1;
		}
		alarm((unsigned)guard); /* another signal; wait on */
	}
	alarm(0);
	return 0;
}

/* Ask the server for a CPU snapshot; 0 once it is in the board. */
static int server_snapshot(pid_t server, struct board *b, uint32_t n)
{
	double t0 = now_us();

	kill(server, SIGUSR1);
	while (atomic_load(&b->snaps) < n) {
		if (now_us() - t0 > 5e6 || interrupted) {
			warnx("server did not answer a CPU snapshot");
			return -1;
		}
		usleep(100);
	}
	return 0;
}

static void make_addr(char *buf, size_t len, const struct row_spec *sp)
{
	if (strcmp(sp->sys->name, "shmrpc") == 0)
		snprintf(buf, len, "peerbench%ldx%u", (long)getpid(), row_seq++);
	else
		snprintf(buf, len, "%s/%s-%u.sock", sockdir, sp->sys->name,
		    row_seq++);
}

static void summarise(struct row_result *r, struct board *b, double t_go)
{
	const struct row_spec *sp = &r->spec;
	size_t total = 0;
	double end = t_go, *all;

	for (int c = 0; c < sp->clients; c++) {
		total += b->client[c].calls;
		r->clients_cpu_us += b->client[c].cpu_us;
		if (b->client[c].t_end_us > end)
			end = b->client[c].t_end_us;
	}
	r->server_cpu_us = b->server_cpu_us[1] - b->server_cpu_us[0];
	r->wall_s = (end - t_go) / 1e6;
	r->calls = total;
	r->ok = 1;
	if (total == 0)
		return;
	all = malloc(total * sizeof(*all));
	if (all == NULL)
		err(1, "malloc");
	total = 0;
	for (int c = 0; c < sp->clients; c++) {
		memcpy(all + total, b->lat + (size_t)c * b->per_client,
		    b->client[c].calls * sizeof(*all));
		total += b->client[c].calls;
	}
	qsort(all, total, sizeof(*all), cmp_double);
	size_t p99 = (size_t)((double)total * 0.99);
	if (p99 >= total)
		p99 = total - 1;
	r->median_us = all[total / 2];
	r->p99_us = all[p99];
	r->calls_per_s = r->wall_s > 0 ? (double)total / r->wall_s : 0;
	free(all);
}

static _Noreturn void interrupted_exit(void)
{
	harness_cleanup();
	fprintf(stderr, "\npeer-bench: interrupted\n");
	exit(130);
}

void harness_run(const struct harness_config *cfg, const struct row_spec *sp,
    struct row_result *r)
{
	char addr[128];
	size_t per, bytes;
	struct board *b;
	pid_t server, clients[MAX_CLIENTS];
	int nclients = 0, guard, server_reaped = 0;
	double t_go = 0, t0;

	memset(r, 0, sizeof(*r));
	r->spec = *sp;
	if (sp->clients < 1 || sp->clients > MAX_CLIENTS)
		errx(1, "a row has 1 to %d clients", MAX_CLIENTS);
	per = sp->kase == CASE_IDLE ? 1 : cfg->max_calls / (size_t)sp->clients;
	if (per < (size_t)cfg->min_calls)
		per = (size_t)cfg->min_calls;
	bytes = sizeof(*b) + (size_t)sp->clients * per * sizeof(double);
	b = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (b == MAP_FAILED)
		err(1, "mmap");
	b->per_client = per;
	make_addr(addr, sizeof(addr), sp);
	/* Generous: the slowest rows take seconds per call. */
	guard = (int)row_budget(cfg, sp) + 120;

	fflush(NULL);
	server = fork();
	if (server < 0)
		err(1, "fork");
	if (server == 0)
		server_main(sp, addr, b);
	t0 = now_us();
	while (!atomic_load(&b->server_up) && !atomic_load(&b->failed)) {
		if (waitpid(server, NULL, WNOHANG) != 0)
			server_reaped = 1;
		if (interrupted || now_us() - t0 > 30e6 || server_reaped) {
			if (!interrupted)
				warnx("%s server did not start", sp->sys->name);
			fail(b);
			break;
		}
		usleep(200);
	}
	for (int c = 0; c < sp->clients && !atomic_load(&b->failed); c++) {
		pid_t pid = fork();

		if (pid < 0)
			err(1, "fork");
		if (pid == 0)
			client_main(cfg, sp, addr, b, c);
		clients[nclients++] = pid;
	}
	t0 = now_us();
	while (atomic_load(&b->ready) < (uint32_t)sp->clients &&
	    !atomic_load(&b->failed)) {
		if (interrupted || now_us() - t0 > guard * 1e6) {
			if (!interrupted)
				warnx("%s: clients did not get ready",
				    sp->sys->name);
			fail(b);
			break;
		}
		usleep(500);
	}
	if (!atomic_load(&b->failed) && server_snapshot(server, b, 1) == 0) {
		t_go = now_us();
		b->deadline_us = t_go + row_budget(cfg, sp) * 1e6;
		atomic_store(&b->go, 1);
		futex_wake_all(&b->go);
	} else
		fail(b);
	for (int c = 0; c < nclients; c++)
		if (wait_child(clients[c], guard, SIGKILL) < 0)
			fail(b);
	if (!atomic_load(&b->failed) && server_snapshot(server, b, 2) == 0)
		summarise(r, b, t_go);
	if (!server_reaped && kill(server, SIGTERM) == 0 &&
	    wait_child(server, 10, SIGKILL) < 0)
		warnx("%s server did not stop; killed", sp->sys->name);
	if (addr[0] == '/')
		unlink(addr); /* if the server left it */
	munmap(b, bytes);
	if (interrupted)
		interrupted_exit();
}

void harness_memcpy_floor(size_t payload, double budget_s,
    struct row_result *r)
{
	char *a = malloc(payload), *b2 = malloc(payload), *c = malloc(payload);
	size_t cap = 100000, n = 0;
	double *lat = malloc(cap * sizeof(*lat)), t0, end;

	memset(r, 0, sizeof(*r));
	r->spec.payload = payload;
	r->spec.clients = 1;
	if (a == NULL || b2 == NULL || c == NULL || lat == NULL)
		err(1, "malloc");
	memset(a, 'm', payload);
	memset(b2, 0, payload);
	memset(c, 0, payload);
	for (int i = 0; i < 3; i++) { /* warm the pages */
		memcpy(b2, a, payload);
		memcpy(c, b2, payload);
	}
	double cpu0 = rusage_us();
	t0 = now_us();
	end = t0 + budget_s * 1e6;
	while (n < cap) {
		double t = now_us(), te;

		a[n % payload] = (char)n;
		memcpy(b2, a, payload);
		memcpy(c, b2, payload);
		__asm__ volatile("" : : "r"(c) : "memory");
		te = now_us();
		lat[n++] = te - t;
		if (te >= end && n >= 10)
			break;
	}
	r->wall_s = (now_us() - t0) / 1e6;
	r->clients_cpu_us = rusage_us() - cpu0;
	r->calls = n;
	qsort(lat, n, sizeof(*lat), cmp_double);
	size_t p99 = (size_t)((double)n * 0.99);
	r->median_us = lat[n / 2];
	r->p99_us = lat[p99 >= n ? n - 1 : p99];
	r->calls_per_s = (double)n / r->wall_s;
	r->ok = 1;
	free(lat);
	free(a);
	free(b2);
	free(c);
}
