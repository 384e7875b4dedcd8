/*
 * top-channels - hold many live futex channels for bench/top-bench.sh and
 * the shmrpc-top tests.
 *
 *   top-channels PREFIX CHANNELS PROCS [CALLS_PER_SECOND]
 *
 * Forks PROCS processes that open CHANNELS futex servers named
 * PREFIX_0, PREFIX_1, ... between them, prints "ready" once all are open,
 * and on SIGTERM or SIGINT closes them all (which removes their objects
 * and registry entries) and exits.
 *
 * Without CALLS_PER_SECOND (or with 0) the channels are idle: a live
 * channel needs only its owner alive.  With it, each channel registers
 * the method "echo", is served by a thread of its own, and a client thread
 * in each process calls every channel of the process that many times a
 * second: busy channels, whose counters, histograms and per-method
 * counters change at every frame.  Nothing spins (spin_ns -1), so the
 * load is a few wake-ups per call, not CPUs burnt waiting.
 */
#include <err.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <shmrpc.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int echo(shmrpc_req *req, const json_t *params, json_t **result,
    void *arg)
{
	(void)req;
	(void)arg;
	*result = json_deep_copy(params);
	return 0;
}

static void *serve(void *p)
{
	shmrpc_server_serve(p);
	return NULL;
}

struct caller {
	const char *prefix;
	int from, to;
	double rate;
};

/* Call every channel of this process `rate` times a second until stop. */
static void *call_all(void *p)
{
	struct caller *c = p;
	int n = c->to - c->from;
	shmrpc_client **cli = calloc((size_t)n, sizeof(*cli));
	shmrpc_options o;
	struct timespec next;
	char name[128];

	if (cli == NULL)
		err(1, "calloc");
	shmrpc_options_init(&o);
	o.spin_ns = -1;
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s_%d", c->prefix, c->from + i);
		if (shmrpc_client_open(&cli[i], name, &o, NULL) < 0)
			errx(1, "%s: cannot connect", name);
	}
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!stop) {
		json_t *params = json_pack("{s:i}", "x", 1), *res;

		for (int i = 0; i < n; i++)
			if (shmrpc_call(cli[i], "echo", params, &res, NULL) == 0)
				json_decref(res);
		json_decref(params);
		next.tv_nsec += (long)(1e9 / c->rate);
		while (next.tv_nsec >= 1000000000L) {
			next.tv_sec++;
			next.tv_nsec -= 1000000000L;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	for (int i = 0; i < n; i++)
		shmrpc_client_close(cli[i]);
	free(cli);
	return NULL;
}

/* Open channels [from, to); with a rate, serve them and call them. */
static int child(const char *prefix, int from, int to, double rate,
    int ready_fd)
{
	int n = to - from;
	shmrpc_server **srv = calloc((size_t)n, sizeof(*srv));
	pthread_t *th = calloc((size_t)n + 1, sizeof(*th));
	struct caller c = { prefix, from, to, rate };
	shmrpc_options o;
	char name[128];
	sigset_t set, old;

	if (srv == NULL || th == NULL)
		err(1, "calloc");
	shmrpc_options_init(&o);
	o.spin_ns = -1;
	/* Handle the signals in sigsuspend() below, not in the threads. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, &old);
	for (int i = 0; i < n; i++) {
		int rc;

		snprintf(name, sizeof(name), "%s_%d", prefix, from + i);
		rc = shmrpc_server_open(&srv[i], name, &o, NULL);
		if (rc < 0)
			errx(1, "%s: %s", name, shmrpc_strerror(rc));
		if (rate > 0 &&
		    (shmrpc_server_register(srv[i], "echo", echo, NULL) < 0 ||
			pthread_create(&th[i], NULL, serve, srv[i]) != 0))
			errx(1, "%s: cannot serve", name);
	}
	if (rate > 0 && pthread_create(&th[n], NULL, call_all, &c) != 0)
		errx(1, "cannot start the caller");
	if (write(ready_fd, "r", 1) != 1)
		err(1, "write");
	while (!stop)
		sigsuspend(&old);
	if (rate > 0) {
		pthread_join(th[n], NULL);
		for (int i = 0; i < n; i++) {
			shmrpc_server_stop(srv[i]);
			pthread_join(th[i], NULL);
		}
	}
	for (int i = 0; i < n; i++)
		shmrpc_server_close(srv[i]);
	free(srv);
	free(th);
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	int n, procs, fds[2];
	double rate = 0;
	pid_t *pids;
	char c;

	if (argc != 4 && argc != 5)
		errx(2, "usage: top-channels prefix channels procs "
		    "[calls_per_second]");
	n = atoi(argv[2]);
	procs = atoi(argv[3]);
	if (argc == 5)
		rate = atof(argv[4]);
	if (n < 1 || procs < 1 || procs > n || rate < 0 || rate > 10000)
		errx(2, "bad numbers");
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (pipe(fds) < 0 || (pids = calloc((size_t)procs, sizeof(*pids))) == NULL)
		err(1, "setup");
	for (int p = 0; p < procs; p++) {
		int from = (int)((long)n * p / procs), to = (int)((long)n * (p + 1) / procs);

		if ((pids[p] = fork()) < 0)
			err(1, "fork");
		if (pids[p] == 0) {
			close(fds[0]);
			_exit(child(argv[1], from, to, rate, fds[1]));
		}
	}
	close(fds[1]);
	for (int p = 0; p < procs; p++)
		if (read(fds[0], &c, 1) != 1)
			errx(1, "a child failed");
	printf("ready\n");
	fflush(stdout);
	while (!stop)
		pause();
	for (int p = 0; p < procs; p++)
		kill(pids[p], SIGTERM);
	for (int p = 0; p < procs; p++)
		waitpid(pids[p], NULL, 0);
	free(pids);
	return 0;
}
