/*
 * shmrpc-bench - round-trip benchmark of libshmrpc's transports, with two
 * floors measured in the same run on the same machine.
 *
 * usage: shmrpc-bench [-q] [-o results.json] [-s spin_ns]
 *        shmrpc-bench --spin-sweep [-q]
 *        shmrpc-bench --one raw|json_add|json_echo|bytes_echo:futex|posix:
 *                     PAYLOAD:CLIENTS[:CALLS] [--same-cpu] [-s spin_ns]
 *        shmrpc-bench --floors [-q]
 *
 * Cases (each in fresh processes: one server, N client processes):
 *   raw       shmrpc_transport_* byte API; the server echoes the payload
 *   json_add  shmrpc_call("add", {"a", "b", "pad": <payload bytes>}); the
 *             answer is the sum, so the payload goes one way
 *   json_echo shmrpc_call("echo", {"data": <payload-byte string>}); the
 *             string comes back (futex, 1 client, 100 B and 2 MiB)
 *   bytes_echo shmrpc_call_bytes("echo_bytes", <payload bytes>); the
 *             handler copies them to its reply in place (futex, 1 client)
 *   floor     memcpy-2x: two memcpy()s of 2 MiB, the copies a bytes echo
 *             makes (client into its slot, handler into the reply)
 *   floor     spin-floor: two processes ping-pong on one shared atomic
 *             word, spinning; sem-floor: the same with two process-shared
 *             semaphores (a futex wake each way); yield-floor: the same
 *             word, both processes pinned to one CPU, sched_yield() while
 *             waiting (the floor of a round trip on one CPU)
 * for transports futex and posix, payloads 100 B, 10 KiB, 500 KiB, 2 MiB,
 * and 1 and 8 clients; json_echo and bytes_echo at 100 B, 10 KiB,
 * 100 KiB and 2 MiB (futex, 1 client); raw and json_add 100 B with the
 * server and the client pinned to one CPU (system "shmrpc-1cpu").  Every round trip is timed on its own (two
 * clock_gettime calls, the same for floors and cases).  calls_per_s is the
 * aggregate over all clients: calls / wall time from the common start.
 *
 * Also measured: CPU used by an idle server (one idle client connected)
 * and by a client waiting on a handler that sleeps 100 ms.
 *
 * CPU per call: user + sys time over the timed calls (getrusage in each
 * client, /proc/PID/schedstat of the single-threaded server; for floors,
 * both processes), divided by the calls.
 *
 * Prints a table and the target ratios; -o writes a JSON list of
 * {"bench": "shmrpc-bench", "case", "system", "transport",
 *  "payload_bytes", "clients", "median_us", "p99_us", "calls_per_s",
 *  "cpu_us_per_call" (and for cases "server_cpu_us_per_call",
 *  "clients_cpu_us_per_call")}; CPU figures go to cpu.json beside it.
 *
 * --spin-sweep runs the small cases for a range of spin budgets, to choose
 * the default (see bench/README.md).
 */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <shmrpc.h>

#include "os/futex.h"
/* The adaptive spin budget's constants, to print the budget in force (a
 * tree from before it has a fixed 200 us budget). */
#if __has_include("transport/spin_policy.h")
#include "transport/spin_policy.h"
#define HAVE_SPIN_POLICY 1
#endif

#define MAX_CLIENTS 8

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Shared between the parent and its children: a start line and the
 * latencies.  Lives in an anonymous shared mapping. */
struct board {
	_Atomic uint32_t ready;   /* processes ready to start */
	_Atomic uint32_t go;      /* 1: start */
	_Atomic uint32_t failed;  /* a child hit an error */
	_Atomic uint32_t server_up;
	double cpu_us[MAX_CLIENTS]; /* per client (floors: the child) */
	double lat[];             /* microseconds, per call */
};

/* CPU time (user + sys) of this process so far, microseconds. */
static double rusage_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

/* Pin the calling process to CPU cpu. */
static void pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		err(1, "sched_setaffinity %d", cpu);
}

/* The CPU of the one-CPU rows: the last we may run on (BENCH_SAME_CPU=N
 * to choose). */
static int same_cpu(void)
{
	const char *v = getenv("BENCH_SAME_CPU");
	cpu_set_t set;
	int last = 0;

	if (v != NULL && *v != '\0')
		return atoi(v);
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		for (int c = 0; c < CPU_SETSIZE; c++)
			if (CPU_ISSET(c, &set))
				last = c;
	return last;
}

static struct board *board_new(size_t ncalls, size_t *bytes)
{
	struct board *b;

	*bytes = sizeof(*b) + ncalls * sizeof(double);
	b = mmap(NULL, *bytes, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (b == MAP_FAILED)
		err(1, "mmap");
	return b;
}

static void board_wait_go(struct board *b)
{
	atomic_fetch_add(&b->ready, 1);
	while (atomic_load(&b->go) == 0)
		futex_wait(&b->go, 0, 100 * 1000000LL);
}

static void board_start(struct board *b, uint32_t nready)
{
	while (atomic_load(&b->ready) < nready) {
		if (atomic_load(&b->failed))
			break;
		usleep(500);
	}
	atomic_store(&b->go, 1);
	futex_wake(&b->go, 1 << 30);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct result {
	const char *kase;
	const char *system;
	const char *transport;
	size_t payload;
	int clients;
	int same_cpu; /* server and clients pinned to one CPU */
	double median_us, p99_us, calls_per_s;
	/* CPU time (user + sys) per call over the timed part, server and
	 * clients together (floors: both processes); split for cases. */
	double cpu_us_per_call, server_cpu_us_per_call, clients_cpu_us_per_call;
	int cpu_split;
	int ok;
};

static void summarise(struct result *r, double *lat, size_t n, double wall_us)
{
	qsort(lat, n, sizeof(*lat), cmp_double);
	size_t p99 = (size_t)((double)n * 0.99);
	if (p99 >= n)
		p99 = n - 1;
	r->median_us = lat[n / 2];
	r->p99_us = lat[p99];
	r->calls_per_s = wall_us > 0 ? (double)n / (wall_us / 1e6) : 0;
	r->ok = 1;
}

/* ---- floors ------------------------------------------------------------ */

/* Wait until *word is want: spinning (pause), or yielding the CPU. */
static void await_word(_Atomic uint32_t *word, uint32_t want, int yield)
{
	while (atomic_load_explicit(word, memory_order_acquire) != want) {
		if (yield)
			sched_yield();
		else
			cpu_relax();
	}
}

/*
 * Two processes take turns on one shared word, n timed round trips.
 * cpu < 0: each spins on its own CPU (spin-floor).  cpu >= 0: both are
 * pinned to CPU cpu and call sched_yield() until the word is their turn
 * (yield-floor: a task switch each way, no sleep).
 */
static void floor_pingpong(struct result *r, size_t n, int cpu)
{
	size_t bytes;
	struct board *b = board_new(n, &bytes);
	_Atomic uint32_t *word = &b->server_up;
	int yield = cpu >= 0;
	cpu_set_t saved;
	pid_t pid;
	double t0 = 0, cpu0 = 0;

	atomic_store(word, 0);
	if (sched_getaffinity(0, sizeof(saved), &saved) < 0)
		err(1, "sched_getaffinity");
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		err(1, "fork");
	if (pid == 0) {
		if (yield)
			pin_to(cpu);
		for (uint32_t i = 0; i < (uint32_t)n + 1000; i++) {
			if (i == 1000)
				cpu0 = rusage_us();
			await_word(word, 2 * i + 1, yield);
			atomic_store_explicit(word, 2 * i + 2,
			    memory_order_release);
		}
		b->cpu_us[0] = rusage_us() - cpu0;
		_exit(0);
	}
	if (yield)
		pin_to(cpu);
	for (uint32_t i = 0; i < (uint32_t)n + 1000; i++) {
		double t = now_us();
		if (i == 1000)
			cpu0 = rusage_us();
		atomic_store_explicit(word, 2 * i + 1, memory_order_release);
		await_word(word, 2 * i + 2, yield);
		if (i == 1000)
			t0 = t;
		if (i >= 1000)
			b->lat[i - 1000] = now_us() - t;
	}
	double wall = now_us() - t0, cpu_used = rusage_us() - cpu0;
	sched_setaffinity(0, sizeof(saved), &saved);
	waitpid(pid, NULL, 0);
	summarise(r, b->lat, n, wall);
	r->cpu_us_per_call = (cpu_used + b->cpu_us[0]) / (double)n;
	munmap(b, bytes);
}

static void floor_sem(struct result *r, size_t n)
{
	size_t bytes;
	struct board *b = board_new(n, &bytes);
	sem_t *sems = mmap(NULL, 2 * sizeof(sem_t), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pid;
	double t0 = 0, cpu0 = 0;

	if (sems == MAP_FAILED)
		err(1, "mmap");
	sem_init(&sems[0], 1, 0);
	sem_init(&sems[1], 1, 0);
	pid = fork();
	if (pid == 0) {
		for (size_t i = 0; i < n + 100; i++) {
			if (i == 100)
				cpu0 = rusage_us();
			while (sem_wait(&sems[0]) < 0)
				;
			sem_post(&sems[1]);
		}
		b->cpu_us[0] = rusage_us() - cpu0;
		_exit(0);
	}
	for (size_t i = 0; i < n + 100; i++) {
		double t = now_us();
		if (i == 100)
			cpu0 = rusage_us();
		sem_post(&sems[0]);
		while (sem_wait(&sems[1]) < 0)
			;
		if (i == 100)
			t0 = t;
		if (i >= 100)
			b->lat[i - 100] = now_us() - t;
	}
	double wall = now_us() - t0, cpu = rusage_us() - cpu0;
	waitpid(pid, NULL, 0);
	summarise(r, b->lat, n, wall);
	r->cpu_us_per_call = (cpu + b->cpu_us[0]) / (double)n;
	munmap(sems, 2 * sizeof(sem_t));
	munmap(b, bytes);
}

/* The floor of a 2 MB bytes echo: two memcpy()s of the payload (into the
 * request buffer, and the handler's copy into the response buffer), per
 * round, between buffers the size of the payload, in one process. */
static void floor_memcpy(struct result *r, size_t payload, size_t n)
{
	char *a = malloc(payload), *b2 = malloc(payload), *c = malloc(payload);
	double *lat = malloc(n * sizeof(*lat));
	double t0;

	if (a == NULL || b2 == NULL || c == NULL || lat == NULL)
		err(1, "malloc");
	memset(a, 'm', payload);
	memset(b2, 0, payload);
	memset(c, 0, payload);
	double cpu0 = rusage_us();
	t0 = now_us();
	for (size_t i = 0; i < n + 10; i++) {
		double t = now_us();
		a[i % payload] = (char)i;
		memcpy(b2, a, payload);
		memcpy(c, b2, payload);
		__asm__ volatile("" : : "r"(c) : "memory");
		if (i >= 10)
			lat[i - 10] = now_us() - t;
	}
	summarise(r, lat, n, now_us() - t0);
	r->cpu_us_per_call = (rusage_us() - cpu0) / (double)(n + 10);
	free(lat);
	free(a);
	free(b2);
	free(c);
}

/* ---- servers ----------------------------------------------------------- */

static shmrpc_server *bench_server;
static shmrpc_transport *bench_transport;

static void on_term(int sig)
{
	(void)sig;
	if (bench_server != NULL)
		shmrpc_server_stop(bench_server);
	if (bench_transport != NULL)
		shmrpc_transport_wake(bench_transport);
}

static void catch_term(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
}

static int add(shmrpc_req *req, const json_t *params, json_t **result,
    void *arg)
{
	(void)arg;
	json_t *a = json_object_get(params, "a"), *b = json_object_get(params, "b");
	if (!json_is_integer(a) || !json_is_integer(b))
		return shmrpc_req_error(req, "TypeError", "need integers");
	*result = json_integer(json_integer_value(a) + json_integer_value(b));
	return 0;
}

static int sleep_ms(shmrpc_req *req, const json_t *params, json_t **result,
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

static int echo(shmrpc_req *req, const json_t *params, json_t **result,
    void *arg)
{
	json_t *data = json_object_get(params, "data");

	(void)arg;
	if (!json_is_string(data))
		return shmrpc_req_error(req, "TypeError", "need a string");
	*result = json_incref(data);
	return 0;
}

static int echo_bytes(shmrpc_req *req, const void *in, size_t in_len,
    void *out, size_t out_cap, size_t *out_len, void *arg)
{
	(void)arg;
	if (in_len > out_cap)
		return shmrpc_req_error(req, "ValueError", "too big");
	memcpy(out, in, in_len);
	*out_len = in_len;
	return 0;
}

/* raw: transport byte API; json_add/json_echo: shmrpc_call; bytes_echo:
 * shmrpc_call_bytes. */
enum kind { RAW, JSON_ADD, JSON_ECHO, BYTES_ECHO, NKINDS };
static const char *const kind_names[NKINDS] = { "raw", "json_add",
	"json_echo", "bytes_echo" };

static void server_main(enum kind kind, const char *ch,
    const shmrpc_options *opts, struct board *b)
{
	int rc;

	catch_term();
	if (kind != RAW) {
		rc = shmrpc_server_open(&bench_server, ch, opts, NULL);
		if (rc < 0) {
			warnx("server %s: %s", ch, shmrpc_strerror(rc));
			atomic_store(&b->failed, 1);
			_exit(1);
		}
		shmrpc_server_register(bench_server, "add", add, NULL);
		shmrpc_server_register(bench_server, "sleep", sleep_ms, NULL);
		shmrpc_server_register(bench_server, "echo", echo, NULL);
		shmrpc_server_register_bytes(bench_server, "echo_bytes",
		    echo_bytes, NULL);
		atomic_store(&b->server_up, 1);
		rc = shmrpc_server_serve(bench_server);
		shmrpc_server_close(bench_server);
		_exit(rc < 0);
	}
	rc = shmrpc_transport_create(&bench_transport, ch, opts, NULL);
	if (rc < 0) {
		warnx("server %s: %s", ch, shmrpc_strerror(rc));
		atomic_store(&b->failed, 1);
		_exit(1);
	}
	size_t cap = shmrpc_transport_max_message(bench_transport);
	char *buf = malloc(cap);
	atomic_store(&b->server_up, 1);
	for (;;) {
		size_t len;
		uint32_t peer;
		rc = shmrpc_transport_recv_request(bench_transport, buf, cap,
		    &len, &peer);
		if (rc == SHMRPC_ETIMEOUT)
			continue;
		if (rc < 0)
			break;
		shmrpc_transport_send_response(bench_transport, peer, buf, len);
	}
	shmrpc_transport_close(bench_transport);
	free(buf);
	_exit(rc == SHMRPC_ESTOPPED ? 0 : 1);
}

/* Diagnosis only: BENCH_PIN_SERVER=N / BENCH_PIN_CLIENTS=N pin the
 * server / the clients to CPU N. */
static void pin_from_env(const char *var)
{
	const char *v = getenv(var);
	cpu_set_t set;

	if (v == NULL || *v == '\0')
		return;
	CPU_ZERO(&set);
	CPU_SET(atoi(v), &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* >= 0: the CPU that the server and the clients of the case being run
 * are pinned to (the one-CPU rows). */
static int pin_case_cpu = -1;

static pid_t start_server(enum kind kind, const char *ch,
    const shmrpc_options *opts, struct board *b)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		err(1, "fork");
	if (pid == 0) {
		if (pin_case_cpu >= 0)
			pin_to(pin_case_cpu);
		else
			pin_from_env("BENCH_PIN_SERVER");
		server_main(kind, ch, opts, b);
	}
	while (!atomic_load(&b->server_up) && !atomic_load(&b->failed))
		usleep(200);
	return pid;
}

static void stop_server(pid_t pid)
{
	int status;

	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
}

/* ---- clients ----------------------------------------------------------- */

/* A client's CPU time over its timed calls: from the start line to the
 * end of its last call, into b->cpu_us[its index]. */
static double client_cpu0;

static void client_go(struct board *b)
{
	board_wait_go(b);
	client_cpu0 = rusage_us();
}

static void client_done(struct board *b, int idx)
{
	b->cpu_us[idx] = rusage_us() - client_cpu0;
}

static void client_main(enum kind kind, const char *ch,
    const shmrpc_options *opts, size_t payload, size_t warm, size_t n,
    struct board *b, int idx, double *lat)
{
	int rc;

	if (kind == RAW) {
		shmrpc_transport *t;
		rc = shmrpc_transport_open(&t, ch, opts, NULL);
		if (rc < 0) {
			warnx("client %s: %s", ch, shmrpc_strerror(rc));
			atomic_store(&b->failed, 1);
			board_wait_go(b);
			_exit(1);
		}
		char *out = malloc(payload), *in = malloc(payload);
		memset(out, 'r', payload);
		for (size_t i = 0; i < warm + n; i++) {
			size_t len;
			if (i == warm)
				client_go(b);
			double ts = now_us();
			rc = shmrpc_transport_send_request(t, out, payload);
			if (rc == 0)
				rc = shmrpc_transport_recv_response(t, in,
				    payload, &len);
			if (rc < 0 || len != payload) {
				warnx("raw call: %s", shmrpc_strerror(rc));
				atomic_store(&b->failed, 1);
				if (i < warm)
					board_wait_go(b);
				break;
			}
			if (i >= warm)
				lat[i - warm] = now_us() - ts;
		}
		client_done(b, idx);
		shmrpc_transport_close(t);
		_exit(0);
	}

	shmrpc_client *cli;
	rc = shmrpc_client_open(&cli, ch, opts, NULL);
	if (rc < 0) {
		warnx("client %s: %s", ch, shmrpc_strerror(rc));
		atomic_store(&b->failed, 1);
		board_wait_go(b);
		_exit(1);
	}
	if (kind == BYTES_ECHO || kind == JSON_ECHO) {
		/* The 2 MB echo cases: bytes in and out, or one JSON
		 * string in and out. */
		char *data = malloc(payload + 1);
		json_t *p = NULL;

		memset(data, 'e', payload);
		data[payload] = '\0';
		if (kind == JSON_ECHO)
			p = json_pack("{s:s}", "data", data);
		for (size_t i = 0; i < warm + n; i++) {
			shmrpc_error e;
			size_t got = 0;
			json_t *res = NULL;
			if (i == warm)
				client_go(b);
			double t = now_us();
			if (kind == BYTES_ECHO) {
				const void *reply;
				rc = shmrpc_call_bytes(cli, "echo_bytes", data,
				    payload, &reply, &got, &e);
			} else {
				rc = shmrpc_call(cli, "echo", p, &res, &e);
				got = json_string_length(res);
			}
			double dt = now_us() - t;
			json_decref(res);
			if (rc < 0 || got != payload) {
				warnx("%s call: %s", kind_names[kind],
				    rc < 0 ? e.text : "wrong length");
				atomic_store(&b->failed, 1);
				if (i < warm)
					board_wait_go(b);
				break;
			}
			if (i >= warm)
				lat[i - warm] = dt;
		}
		client_done(b, idx);
		json_decref(p);
		free(data);
		shmrpc_client_close(cli);
		_exit(0);
	}
	/* {"request_id": ..., "method": "add", "params": {"a": i, "b": 2,
	 * "pad": "..."}} comes to about 90 bytes plus the pad. */
	size_t padlen = payload > 100 ? payload - 100 : 0;
	char *pad = malloc(padlen + 1);
	memset(pad, 'p', padlen);
	pad[padlen] = '\0';
	json_t *params = json_pack("{s:i, s:i, s:s}", "a", 1, "b", 2, "pad",
	    pad);
	for (size_t i = 0; i < warm + n; i++) {
		json_t *res;
		shmrpc_error e;
		if (i == warm)
			client_go(b);
		json_object_set_new(params, "a", json_integer((json_int_t)i));
		double t = now_us();
		rc = shmrpc_call(cli, "add", params, &res, &e);
		double dt = now_us() - t;
		if (rc < 0 || json_integer_value(res) != (json_int_t)i + 2) {
			warnx("add call: %s", rc < 0 ? e.text : "wrong sum");
			atomic_store(&b->failed, 1);
			if (i < warm)
				board_wait_go(b);
			json_decref(res);
			break;
		}
		json_decref(res);
		if (i >= warm)
			lat[i - warm] = dt;
	}
	client_done(b, idx);
	json_decref(params);
	free(pad);
	shmrpc_client_close(cli);
	_exit(0);
}

static void channel_name(char *buf, size_t len)
{
	uint32_t r = 0;

	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = (uint32_t)rand();
	snprintf(buf, len, "bench%ldx%08x", (long)getpid(), r);
}

/* Nanoseconds process pid has run (first field of /proc/PID/schedstat
 * summed over threads is in /proc/PID/stat; schedstat is per task, and
 * our servers are single-threaded). */
static double cpu_ns(pid_t pid)
{
	char path[64];
	unsigned long long ns = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/schedstat", (long)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	if (fscanf(f, "%llu", &ns) != 1)
		ns = 0;
	fclose(f);
	return (double)ns;
}

static void run_case(struct result *r, enum kind kind,
    shmrpc_transport_kind tk, size_t payload, int clients, size_t total,
    long spin_ns)
{
	shmrpc_options opts;
	char ch[64];
	size_t bytes, per = total / (size_t)clients, warm;
	struct board *b;
	pid_t server, pids[MAX_CLIENTS];
	double t0, wall;

	memset(r, 0, sizeof(*r));
	r->kase = kind_names[kind];
	r->system = pin_case_cpu >= 0 ? "shmrpc-1cpu" : "shmrpc";
	r->same_cpu = pin_case_cpu >= 0;
	r->transport = shmrpc_transport_name(tk);
	r->payload = payload;
	r->clients = clients;
	if (per < 2)
		per = 2;
	total = per * (size_t)clients;
	warm = per / 10 < 3 ? 3 : per / 10;
	if (warm > 2000)
		warm = 2000;

	channel_name(ch, sizeof(ch));
	shmrpc_options_init(&opts);
	opts.transport = tk;
	opts.buffer_size = payload + 4096;
	opts.timeout = 30;
	opts.wait_for_server = 5;
	opts.spin_ns = spin_ns;
	b = board_new(total, &bytes);
	server = start_server(kind, ch, &opts, b);
	if (atomic_load(&b->failed)) {
		waitpid(server, NULL, 0);
		munmap(b, bytes);
		return;
	}
	fflush(NULL);
	for (int c = 0; c < clients; c++) {
		pids[c] = fork();
		if (pids[c] < 0)
			err(1, "fork");
		if (pids[c] == 0) {
			if (pin_case_cpu >= 0)
				pin_to(pin_case_cpu);
			else
				pin_from_env("BENCH_PIN_CLIENTS");
			client_main(kind, ch, &opts, payload, warm, per, b, c,
			    b->lat + (size_t)c * per);
		}
	}
	/* The server's CPU over the timed part: it is single-threaded, so
	 * its schedstat is the whole process's. */
	while (atomic_load(&b->ready) < (uint32_t)clients &&
	    !atomic_load(&b->failed))
		usleep(500);
	double server_cpu0 = cpu_ns(server);
	board_start(b, (uint32_t)clients);
	t0 = now_us();
	for (int c = 0; c < clients; c++)
		waitpid(pids[c], NULL, 0);
	wall = now_us() - t0;
	double server_cpu = (cpu_ns(server) - server_cpu0) / 1e3;
	stop_server(server);
	if (!atomic_load(&b->failed)) {
		double clients_cpu = 0;

		summarise(r, b->lat, total, wall);
		for (int c = 0; c < clients; c++)
			clients_cpu += b->cpu_us[c];
		r->server_cpu_us_per_call = server_cpu / (double)total;
		r->clients_cpu_us_per_call = clients_cpu / (double)total;
		r->cpu_us_per_call = r->server_cpu_us_per_call +
		    r->clients_cpu_us_per_call;
		r->cpu_split = 1;
	}
	munmap(b, bytes);
}

/* ---- CPU use ------------------------------------------------------------ */

struct cpu_result {
	double idle_server_pct;
	double waiting_client_pct;
	double seconds;
	/* The same after / with 1 MiB requests, which let the spin budget
	 * adapt (spin_policy.h). */
	double idle_server_big_pct;
	double waiting_client_big_pct;
};

#define CPU_BIG_PAD (1024 * 1024)

/* {"ms": ms, "pad": <pad bytes>} */
static json_t *sleep_params(int ms, size_t pad)
{
	char *s = malloc(pad + 1);
	json_t *p;

	if (s == NULL)
		err(1, "malloc");
	memset(s, 'p', pad);
	s[pad] = '\0';
	p = json_pack("{s:i, s:s}", "ms", ms, "pad", s);
	free(s);
	return p;
}

/* CPU share of the server over idle_s seconds after client cli made one
 * call with a request of pad bytes, then none. */
static double idle_server_pct(pid_t server, shmrpc_client *cli, size_t pad,
    double idle_s)
{
	json_t *p0 = sleep_params(0, pad), *res;
	double c0, t0;

	if (shmrpc_call(cli, "sleep", p0, &res, NULL) < 0)
		errx(1, "cpu: a call failed");
	json_decref(res);
	json_decref(p0);
	usleep(100000);
	c0 = cpu_ns(server);
	t0 = now_us();
	usleep((useconds_t)(idle_s * 1e6));
	return (cpu_ns(server) - c0) / 1e3 / (now_us() - t0) * 100.0;
}

/* CPU share of a client (a child, so its CPU is its own) making `sleeps`
 * calls to a handler that sleeps 100 ms, with requests of pad bytes. */
static double waiting_client_pct(const char *ch, const shmrpc_options *opts,
    int sleeps, size_t pad)
{
	size_t bytes;
	struct board *b = board_new(1, &bytes);
	json_t *p = sleep_params(100, pad);
	pid_t client;
	double c0, c1, t0, t1;

	fflush(NULL);
	client = fork();
	if (client == 0) {
		shmrpc_client *c2;
		if (shmrpc_client_open(&c2, ch, opts, NULL) < 0)
			_exit(1);
		board_wait_go(b);
		for (int i = 0; i < sleeps; i++) {
			json_t *r2;
			if (shmrpc_call(c2, "sleep", p, &r2, NULL) < 0)
				_exit(1);
			json_decref(r2);
		}
		shmrpc_client_close(c2);
		_exit(0);
	}
	board_start(b, 1);
	usleep(20000);
	c0 = cpu_ns(client);
	t0 = now_us();
	usleep((useconds_t)(sleeps - 1) * 100000u);
	c1 = cpu_ns(client);
	t1 = now_us();
	waitpid(client, NULL, 0);
	json_decref(p);
	munmap(b, bytes);
	return (c1 - c0) / 1e3 / (t1 - t0) * 100.0;
}

static void measure_cpu(struct cpu_result *cr, double idle_s, int sleeps)
{
	shmrpc_options opts;
	char ch[64];
	size_t bytes;
	struct board *b = board_new(1, &bytes);
	pid_t server;

	channel_name(ch, sizeof(ch));
	shmrpc_options_init(&opts);
	opts.transport = SHMRPC_TRANSPORT_FUTEX;
	opts.wait_for_server = 5;
	opts.buffer_size = 2 * CPU_BIG_PAD;
	server = start_server(JSON_ADD, ch, &opts, b);

	/* Idle server, with one idle client connected (the server's
	 * sweep then has a slot to look at). */
	shmrpc_client *cli;
	if (shmrpc_client_open(&cli, ch, &opts, NULL) < 0)
		errx(1, "cpu: cannot open %s", ch);
	cr->idle_server_pct = idle_server_pct(server, cli, 0, idle_s);
	cr->idle_server_big_pct = idle_server_pct(server, cli, CPU_BIG_PAD,
	    idle_s);
	cr->seconds = idle_s;
	cr->waiting_client_pct = waiting_client_pct(ch, &opts, sleeps, 0);
	cr->waiting_client_big_pct = waiting_client_pct(ch, &opts, sleeps,
	    CPU_BIG_PAD);
	shmrpc_client_close(cli);
	stop_server(server);
	munmap(b, bytes);
}

/* ---- output ------------------------------------------------------------- */

static void print_header(void)
{
	printf("%-9s %-11s %-6s %9s %7s %11s %11s %12s %9s\n", "case",
	    "system", "transp", "payload", "clients", "median_us", "p99_us",
	    "calls_per_s", "cpu_us/c");
}

static void print_result(const struct result *r)
{
	if (!r->ok) {
		printf("%-9s %-11s %-6s %9zu %7d %11s\n", r->kase, r->system,
		    r->transport, r->payload, r->clients, "FAILED");
		return;
	}
	printf("%-9s %-11s %-6s %9zu %7d %11.2f %11.2f %12.0f %9.2f\n",
	    r->kase, r->system, r->transport, r->payload, r->clients,
	    r->median_us, r->p99_us, r->calls_per_s, r->cpu_us_per_call);
	fflush(stdout);
}

static json_t *result_json(const struct result *r)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:i, s:f, s:f, s:f, "
	    "s:f}", "bench", "shmrpc-bench", "case", r->kase, "system",
	    r->system, "transport", r->transport, "payload_bytes",
	    (json_int_t)r->payload, "clients", r->clients, "median_us",
	    r->median_us, "p99_us", r->p99_us, "calls_per_s", r->calls_per_s,
	    "cpu_us_per_call", r->cpu_us_per_call);

	if (o != NULL && r->same_cpu)
		json_object_set_new(o, "same_cpu", json_true());
	if (o != NULL && r->cpu_split) {
		json_object_set_new(o, "server_cpu_us_per_call",
		    json_real(r->server_cpu_us_per_call));
		json_object_set_new(o, "clients_cpu_us_per_call",
		    json_real(r->clients_cpu_us_per_call));
	}
	return o;
}

/* A row of this run; same: of the one-CPU rows, else of the others. */
static const struct result *find(const struct result *rs, int n,
    const char *kase, const char *transport, size_t payload, int clients,
    int same)
{
	for (int i = 0; i < n; i++)
		if (rs[i].ok && strcmp(rs[i].kase, kase) == 0 &&
		    strcmp(rs[i].transport, transport) == 0 &&
		    rs[i].payload == payload && rs[i].clients == clients &&
		    rs[i].same_cpu == same)
			return &rs[i];
	return NULL;
}

/* The floors: rs[0] spin, rs[1] sem, rs[2] yield (one CPU). */
enum { NFLOORS = 3 };

static void measure_floor(struct result *r, int which, int quick)
{
	if (which == 0)
		floor_pingpong(r, quick ? 200000 : 1000000, -1);
	else if (which == 1)
		floor_sem(r, quick ? 20000 : 100000);
	else
		floor_pingpong(r, quick ? 50000 : 200000, same_cpu());
}

/* Measure the floors again; keep, in rs[0..NFLOORS), the faster. */
static void remeasure_floors(struct result *rs, int quick)
{
	for (int f = 0; f < NFLOORS; f++) {
		struct result r = rs[f];

		measure_floor(&r, f, quick);
		if (r.median_us < rs[f].median_us)
			rs[f] = r;
	}
}

/* ---- main --------------------------------------------------------------- */

static const size_t payloads[] = { 100, 10 * 1024, 500 * 1024,
	2 * 1024 * 1024 };

/* Calls per case (all clients together), full run; QUICK divides. */
static size_t calls_for(enum kind kind, size_t payload)
{
	if (kind == RAW) {
		if (payload <= 100)
			return 200000;
		if (payload <= 10 * 1024)
			return 50000;
		if (payload <= 500 * 1024)
			return 2000;
		return 500;
	}
	if (kind == BYTES_ECHO)
		return payload <= 100 ? 100000 : payload <= 10240 ? 50000
		    : payload <= 102400 ? 10000 : 500;
	if (kind == JSON_ECHO)
		return payload <= 100 ? 50000 : payload <= 10240 ? 20000
		    : payload <= 102400 ? 4000 : 200;
	if (payload <= 100)
		return 50000;
	if (payload <= 10 * 1024)
		return 10000;
	if (payload <= 500 * 1024)
		return 160;
	return 48;
}

static double median3(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[n / 2];
}

/*
 * For each spin budget and case, run the case several times (interleaved,
 * so that a noisy moment on the machine hits every budget alike) and
 * print the median over the runs of the median, p99 and calls/s.
 */
static void spin_sweep(int quick)
{
	static const long spins[] = { -1, 5000, 20000, 50000, 100000, 200000,
		500000, 1000000 };
	static const struct {
		enum kind kind;
		size_t payload;
		int clients;
	} cases[] = { { RAW, 100, 1 }, { RAW, 100, 8 }, { JSON_ADD, 100, 1 },
		{ JSON_ADD, 100, 8 }, { JSON_ADD, 10240, 1 },
		{ JSON_ADD, 10240, 8 } };
	enum { NS = sizeof(spins) / sizeof(spins[0]),
		NC = sizeof(cases) / sizeof(cases[0]), MAXREP = 9 };
	static double med[NS][NC][MAXREP], p99[NS][NC][MAXREP],
	    cps[NS][NC][MAXREP];
	int reps = quick ? 3 : 5;
	struct result r;

	for (int rep = 0; rep < reps; rep++) {
		for (size_t s = 0; s < NS; s++) {
			for (size_t k = 0; k < NC; k++) {
				size_t n = calls_for(cases[k].kind,
				    cases[k].payload) / (quick ? 8 : 2);
				run_case(&r, cases[k].kind,
				    SHMRPC_TRANSPORT_FUTEX, cases[k].payload,
				    cases[k].clients, n, spins[s]);
				med[s][k][rep] = r.median_us;
				p99[s][k][rep] = r.p99_us;
				cps[s][k][rep] = r.calls_per_s;
			}
		}
		fprintf(stderr, "spin sweep: round %d of %d done\n", rep + 1,
		    reps);
	}
	printf("spin budget sweep (futex; median of %d runs of each)\n", reps);
	printf("%9s  %-9s %8s %7s %11s %11s %12s\n", "spin_ns", "case",
	    "payload", "clients", "median_us", "p99_us", "calls_per_s");
	for (size_t s = 0; s < NS; s++)
		for (size_t k = 0; k < NC; k++)
			printf("%9ld  %-9s %8zu %7d %11.2f %11.2f %12.0f\n",
			    spins[s] < 0 ? 0 : spins[s],
			    cases[k].kind == RAW ? "raw" : "json_add",
			    cases[k].payload, cases[k].clients,
			    median3(med[s][k], reps), median3(p99[s][k], reps),
			    median3(cps[s][k], reps));
}

/* The payload paths, futex, one client: JSON strings and bytes echoed at
 * 100 B, 10 KiB, 100 KiB and 2 MiB, and their floor, two memcpy()s of 2
 * MiB; then raw and json_add 100 B with the server and the client pinned
 * to one CPU.  1 if a row failed. */
static int run_payload_rows(struct result *rs, int *np, int quick, long spin)
{
	static const struct {
		enum kind kind;
		size_t payload;
		int same_cpu;
	} extra[] = { { JSON_ECHO, 100, 0 }, { JSON_ECHO, 10240, 0 },
		{ JSON_ECHO, 102400, 0 }, { JSON_ECHO, 2097152, 0 },
		{ BYTES_ECHO, 100, 0 }, { BYTES_ECHO, 10240, 0 },
		{ BYTES_ECHO, 102400, 0 }, { BYTES_ECHO, 2097152, 0 },
		{ RAW, 100, 1 }, { JSON_ADD, 100, 1 } };
	int n = *np, failed = 0;

	for (size_t e = 0; e < sizeof(extra) / sizeof(extra[0]); e++) {
		size_t calls = calls_for(extra[e].kind, extra[e].payload);
		if (quick)
			calls = calls / 4 < 16 ? 16 : calls / 4;
		if (extra[e].same_cpu && rs[n - 1].same_cpu == 0) {
			rs[n] = (struct result){ .kase = "floor",
				.system = "memcpy-2x", .transport = "none",
				.payload = 2097152, .clients = 1 };
			floor_memcpy(&rs[n], 2097152, quick ? 200 : 1000);
			print_result(&rs[n++]);
		}
		pin_case_cpu = extra[e].same_cpu ? same_cpu() : -1;
		run_case(&rs[n], extra[e].kind, SHMRPC_TRANSPORT_FUTEX,
		    extra[e].payload, 1, calls, spin);
		pin_case_cpu = -1;
		if (!rs[n].ok)
			failed = 1;
		print_result(&rs[n++]);
	}
	*np = n;
	return failed;
}

/* "what = a / b = ratio", and met / MISSED against target (0: none). */
static void print_ratio(const char *what, const struct result *a,
    const struct result *b, double target)
{
	if (a == NULL || b == NULL)
		return;
	printf("  %s = %.2f / %.2f us = %.2fx", what, a->median_us,
	    b->median_us, a->median_us / b->median_us);
	if (target > 0)
		printf(" (target <= %.3gx): %s", target,
		    a->median_us <= target * b->median_us ? "met" : "MISSED");
	printf("\n");
}

/* The targets, from the rows of this run. */
static void print_targets(const struct result *rs, int n,
    const struct cpu_result *cpu)
{
	const struct result *spinf = &rs[0], *semf = &rs[1], *yieldf = &rs[2];
	const struct result *raw1 = find(rs, n, "raw", "futex", 100, 1, 0);
	const struct result *add1 = find(rs, n, "json_add", "futex", 100, 1, 0);

	printf("\ntargets (this run):\n");
	print_ratio("raw 100 B futex median / spin floor median", raw1, spinf,
	    3);
	print_ratio("json add 100 B futex median / spin floor median", add1,
	    spinf, 3.8);
	if (add1 != NULL)
		printf("  json add futex median / sem floor median = %.2f / "
		       "%.2f us = 1/%.1f (target <= 1/20)\n", add1->median_us,
		    semf->median_us, semf->median_us / add1->median_us);
	for (int k = 0; k < 2; k++) {
		for (size_t p = 0; p < 4; p++) {
			const char *kase = k == 0 ? "raw" : "json_add";
			const struct result *one = find(rs, n, kase, "futex",
			    payloads[p], 1, 0);
			const struct result *eight = find(rs, n, kase, "futex",
			    payloads[p], 8, 0);
			if (one == NULL || eight == NULL)
				continue;
			printf("  %-8s %7zu B futex: 8 clients %.0f calls/s vs 1 "
			       "client %.0f (%.2fx, target >= 1); p99/p50 %.1f "
			       "(target <= 20)\n", kase, payloads[p],
			    eight->calls_per_s, one->calls_per_s,
			    eight->calls_per_s / one->calls_per_s,
			    eight->p99_us / eight->median_us);
		}
	}
	if (add1 != NULL)
		printf("  json add 100 B futex median %.2f us (target <= 2 us): "
		       "%s\n", add1->median_us,
		    add1->median_us <= 2.0 ? "met" : "MISSED");
	const struct result *je = find(rs, n, "json_echo", "futex", 2097152, 1,
	    0);
	const struct result *be = find(rs, n, "bytes_echo", "futex", 2097152,
	    1, 0);
	const struct result *mc = find(rs, n, "floor", "none", 2097152, 1, 0);
	if (je != NULL)
		printf("  json echo 2 MB futex median %.0f us (target <= 2000 "
		       "us): %s\n", je->median_us,
		    je->median_us <= 2000 ? "met" : "MISSED");
	print_ratio("json echo 2 MiB futex median / 2x memcpy 2 MiB median",
	    je, mc, 2.5);
	print_ratio("bytes echo 2 MiB futex median / 2x memcpy 2 MiB median",
	    be, mc, 4);
	print_ratio("json echo 10 KiB median / bytes echo 10 KiB median",
	    find(rs, n, "json_echo", "futex", 10240, 1, 0),
	    find(rs, n, "bytes_echo", "futex", 10240, 1, 0), 2);
	print_ratio("json echo 100 KiB median / bytes echo 100 KiB median "
		    "(info)", find(rs, n, "json_echo", "futex", 102400, 1, 0),
	    find(rs, n, "bytes_echo", "futex", 102400, 1, 0), 0);
	print_ratio("one CPU: raw 100 B median / yield floor median",
	    find(rs, n, "raw", "futex", 100, 1, 1), yieldf, 1.35);
	print_ratio("one CPU: json add 100 B median / yield floor median",
	    find(rs, n, "json_add", "futex", 100, 1, 1), yieldf, 1.9);
	printf("  idle server CPU %.3f%%, %.3f%% after a 1 MiB call (target < "
	       "0.5%%); waiting client CPU %.2f%%, %.2f%% with 1 MiB requests "
	       "(target < 10%%)\n", cpu->idle_server_pct,
	    cpu->idle_server_big_pct, cpu->waiting_client_pct,
	    cpu->waiting_client_big_pct);
}

/* The spin budget the rows run with (-s, else SHMRPC_SPIN_NS, else the
 * library's default). */
static void print_spin_budget(long spin)
{
	const char *env = getenv("SHMRPC_SPIN_NS");

	if (spin < 0)
		printf("spin budget: none (-s %ld: never spin)\n", spin);
	else if (spin > 0)
		printf("spin budget: %ld ns, fixed (-s)\n", spin);
	else if (env != NULL && *env != '\0')
		printf("spin budget: SHMRPC_SPIN_NS=%s ns, fixed\n", env);
	else
#ifdef HAVE_SPIN_POLICY
		printf("spin budget: default, %lld us; for messages of %u KiB "
		       "and up twice the recent waits, at most %lld us\n",
		    200LL, SPIN_ADAPT_MIN_BYTES / 1024, SPIN_CAP_NS / 1000);
#else
		printf("spin budget: default, 200 us, fixed\n");
#endif
}

/* The futex/posix grid, the payload paths and the one-CPU rows, with the
 * floors at the start and in the middle.  1 if a row failed. */
static int run_rows(struct result *rs, int *np, int quick, long spin)
{
	static const char *const floor_names[NFLOORS] = { "spin-floor",
		"sem-floor", "yield-floor" };
	static const shmrpc_transport_kind tks[] = { SHMRPC_TRANSPORT_FUTEX,
		SHMRPC_TRANSPORT_POSIX };
	int n = 0, failed = 0;

	/* The floors are measured three times, at the start, in the
	 * middle and at the end of the run; the fastest counts (so a noisy
	 * moment on the machine does not flatter the ratios). */
	for (int f = 0; f < NFLOORS; f++) {
		rs[n] = (struct result){ .kase = "floor",
			.system = floor_names[f], .transport = "none",
			.payload = 0, .clients = 1, .same_cpu = f == 2 };
		measure_floor(&rs[n], f, quick);
		print_result(&rs[n++]);
	}
	for (int k = 0; k < 2; k++) {
		if (k == 1)
			remeasure_floors(rs, quick);
		for (int t = 0; t < 2; t++) {
			for (size_t p = 0; p < 4; p++) {
				for (int c = 1; c <= 8; c += 7) {
					size_t calls = calls_for((enum kind)k,
					    payloads[p]);
					/* QUICK: a quarter, but enough
					 * calls that 8 clients reach a
					 * steady state. */
					if (quick)
						calls = calls / 4 < 16 ? 16
									: calls / 4;
					run_case(&rs[n], (enum kind)k, tks[t],
					    payloads[p], c, calls, spin);
					if (!rs[n].ok)
						failed = 1;
					print_result(&rs[n++]);
				}
			}
		}
	}
	failed |= run_payload_rows(rs, &n, quick, spin);
	*np = n;
	return failed;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "output", required_argument, NULL, 'o' },
		{ "spin", required_argument, NULL, 's' },
		{ "spin-sweep", no_argument, NULL, 'S' },
		{ "one", required_argument, NULL, '1' },
		{ "include", required_argument, NULL, 'i' },
		{ "same-cpu", no_argument, NULL, 'c' },
		{ "floors", no_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *only = NULL, *include = NULL;
	int quick = 0, sweep = 0, ch, n = 0, failed = 0, pin = 0, floors = 0;
	long spin = 0;
	struct result rs[64];
	struct cpu_result cpu;

	while ((ch = getopt_long(argc, argv, "qo:s:Si:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'q':
			quick = 1;
			break;
		case 'o':
			out = optarg;
			break;
		case 's':
			spin = atol(optarg);
			break;
		case 'S':
			sweep = 1;
			break;
		case '1':
			only = optarg;
			break;
		case 'i':
			include = optarg;
			break;
		case 'c':
			pin = 1;
			break;
		case 'F':
			floors = 1;
			break;
		default:
			fprintf(stderr, "usage: shmrpc-bench [-q] [-o results.json] "
			    "[-s spin_ns] [--spin-sweep] [--include rows.json]\n"
			    "       shmrpc-bench --one KIND:TRANSPORT:PAYLOAD:"
			    "CLIENTS[:CALLS] [--same-cpu] [-q] [-s spin_ns]\n"
			    "       shmrpc-bench --floors [-q]\n");
			return 2;
		}
	}
	if (floors) {
		static const char *const names[NFLOORS] = { "spin-floor",
			"sem-floor", "yield-floor" };
		print_header();
		for (int f = 0; f < NFLOORS; f++) {
			rs[f] = (struct result){ .kase = "floor",
				.system = names[f], .transport = "none",
				.clients = 1, .same_cpu = f == 2 };
			measure_floor(&rs[f], f, quick);
			print_result(&rs[f]);
		}
		return 0;
	}
	if (sweep) {
		spin_sweep(quick);
		return 0;
	}
	if (only != NULL) {
		char kind[16], tr[16];
		size_t payload, calls = 0;
		int clients;
		shmrpc_transport_kind tk;
		if (sscanf(only, "%15[^:]:%15[^:]:%zu:%d:%zu", kind, tr,
			&payload, &clients, &calls) < 4 ||
		    shmrpc_transport_parse(tr, &tk) < 0 || clients < 1 ||
		    clients > MAX_CLIENTS)
			errx(2, "--one KIND:TRANSPORT:PAYLOAD:CLIENTS[:CALLS]");
		enum kind k = NKINDS;
		for (int i = 0; i < NKINDS; i++)
			if (strcmp(kind, kind_names[i]) == 0)
				k = (enum kind)i;
		if (k == NKINDS)
			errx(2, "--one: kind is raw, json_add, json_echo or "
			    "bytes_echo");
		if (calls == 0)
			calls = calls_for(k, payload) / (quick ? 8 : 1);
		if (pin)
			pin_case_cpu = same_cpu();
		print_header();
		run_case(&rs[0], k, tk, payload, clients, calls, spin);
		print_result(&rs[0]);
		return !rs[0].ok;
	}

	printf("shmrpc-bench %s%s, %ld CPUs\n", shmrpc_version(),
	    quick ? " (quick)" : "", sysconf(_SC_NPROCESSORS_ONLN));
	print_spin_budget(spin);
	print_header();
	failed = run_rows(rs, &n, quick, spin);
	remeasure_floors(rs, quick);
	printf("floors, fastest of three measurements in this run:\n");
	for (int f = 0; f < NFLOORS; f++)
		print_result(&rs[f]);

	measure_cpu(&cpu, quick ? 3.0 : 10.0, quick ? 10 : 30);
	printf("\nCPU: idle futex server %.3f%% over %.1f s (%.3f%% after a "
	       "1 MiB call); client waiting on a 100 ms handler %.2f%% "
	       "(%.2f%% with 1 MiB requests)\n", cpu.idle_server_pct,
	    cpu.seconds, cpu.idle_server_big_pct, cpu.waiting_client_pct,
	    cpu.waiting_client_big_pct);
	print_targets(rs, n, &cpu);

	if (out != NULL) {
		json_t *list = json_array();
		for (int i = 0; i < n; i++)
			if (rs[i].ok)
				json_array_append_new(list, result_json(&rs[i]));
		if (include != NULL) {
			/* Rows of another program of this run (codec_bench),
			 * same shape. */
			json_error_t je2;
			json_t *more = json_load_file(include, 0, &je2);
			size_t i;
			json_t *row;
			if (!json_is_array(more))
				errx(1, "%s: %s", include, je2.text);
			json_array_foreach(more, i, row)
				json_array_append(list, row);
			json_decref(more);
		}
		if (json_dump_file(list, out, JSON_INDENT(2) |
			JSON_PRESERVE_ORDER) < 0)
			err(1, "%s", out);
		json_decref(list);
		char cpath[4096];
		const char *slash = strrchr(out, '/');
		snprintf(cpath, sizeof(cpath), "%.*scpu.json",
		    slash ? (int)(slash - out + 1) : 0, out);
		json_t *cj = json_pack("{s:f, s:f, s:f, s:f, s:f}",
		    "idle_server_cpu_percent", cpu.idle_server_pct,
		    "idle_seconds", cpu.seconds, "waiting_client_cpu_percent",
		    cpu.waiting_client_pct,
		    "idle_server_after_1mib_cpu_percent",
		    cpu.idle_server_big_pct,
		    "waiting_client_1mib_cpu_percent",
		    cpu.waiting_client_big_pct);
		json_dump_file(cj, cpath, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		json_decref(cj);
		printf("\nwrote %s and %s\n", out, cpath);
	}
	return failed;
}
