/*
 * registry-bench - the registry's speed targets.
 *
 *   registry-bench update [-n RUNS] [-o OTHERS]
 *       register + unregister one channel while OTHERS (100) others are
 *       registered: median, p90 and max of each, in microseconds.
 *   registry-bench inspect [-n RUNS] [-c CHANNELS] [-p PROCS]
 *       PROCS (200) processes own CHANNELS (1000) real posix channels
 *       between them; a full shmrpc_inspect(): median and max, in ms.
 *
 * Uses a registry of its own (SHMRPC_REGISTRY in /dev/shm) and removes
 * everything it made.
 */
#define _GNU_SOURCE
#include <err.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "channel/channel.h"

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *what, double *v, int n, const char *unit)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	printf("%-28s median %8.1f  p90 %8.1f  max %8.1f %s  (%d runs)\n",
	    what, v[n / 2], v[n * 9 / 10], v[n - 1], unit, n);
}

static int count_processes(void)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] >= '1' && de->d_name[0] <= '9';
	closedir(d);
	return n;
}

static void bench_update(int runs, int others)
{
	char path[128];
	struct registry r;
	struct reg_entry e;
	struct {
		shmrpc_transport base;
	} fake;
	shmrpc_options opts;
	double *reg = calloc((size_t)runs, sizeof(double));
	double *unreg = calloc((size_t)runs, sizeof(double));

	snprintf(path, sizeof(path), "/dev/shm/bench%ld-registry.json",
	    (long)getpid());
	setenv("SHMRPC_REGISTRY", path, 1);
	shmrpc_options_init(&opts);
	opts.transport = SHMRPC_TRANSPORT_POSIX;
	opts.buffer_size = 4096;
	shmrpc__options_resolve(&opts, &opts, true, NULL);
	if (shmrpc__registry_lock(&r, path, false, NULL) < 0)
		errx(1, "cannot lock %s", path);
	for (int i = 0; i < others; i++) {
		memset(&fake, 0, sizeof(fake));
		char name[64];
		snprintf(name, sizeof(name), "bench_other_channel_%04d", i);
		shmrpc__transport_base_init(&fake.base,
		    &shmrpc__transport_posix_ops, SHMRPC_TRANSPORT_POSIX, true,
		    name, &opts, 4092);
		shmrpc__channel_entry_for(&e, &fake.base, &opts);
		shmrpc__registry_put(&r, &e);
	}
	if (shmrpc__registry_commit(&r) < 0)
		errx(1, "cannot write %s", path);
	shmrpc__registry_unlock(&r);

	memset(&fake, 0, sizeof(fake));
	shmrpc__transport_base_init(&fake.base, &shmrpc__transport_posix_ops,
	    SHMRPC_TRANSPORT_POSIX, true, "bench_measured_channel", &opts,
	    4092);
	for (int i = 0; i < runs; i++) {
		double t0 = now_us();
		shmrpc__channel_register(&fake.base, &opts);
		double t1 = now_us();
		shmrpc__channel_unregister("bench_measured_channel",
		    SHMRPC_TRANSPORT_POSIX);
		double t2 = now_us();
		reg[i] = t1 - t0;
		unreg[i] = t2 - t1;
	}
	printf("registry with %d other channels:\n", others);
	report("register", reg, runs, "us");
	report("unregister", unreg, runs, "us");
	/* Empty it again: the registry file and its lock go away. */
	if (shmrpc__registry_lock(&r, path, false, NULL) == 0) {
		while (r.nlines > 0)
			shmrpc__registry_remove_at(&r, 0);
		shmrpc__registry_commit(&r);
		shmrpc__registry_unlock(&r);
	}
	free(reg);
	free(unreg);
}

static void owner_child(int first, int count, int ready_fd, int go_fd)
{
	shmrpc_transport **t = calloc((size_t)count, sizeof(*t));
	shmrpc_options o;
	char c = 'r';

	shmrpc_options_init(&o);
	o.transport = SHMRPC_TRANSPORT_POSIX;
	o.buffer_size = 64;
	for (int i = 0; i < count; i++) {
		char name[64];
		snprintf(name, sizeof(name), "bench%ld_%05d", (long)getppid(),
		    first + i);
		if (shmrpc_transport_create(&t[i], name, &o, NULL) < 0)
			_exit(1);
	}
	if (write(ready_fd, &c, 1) != 1)
		_exit(1);
	while (read(go_fd, &c, 1) > 0)
		;
	for (int i = 0; i < count; i++)
		shmrpc_transport_close(t[i]);
	_exit(0);
}

static void bench_inspect(int runs, int channels, int procs)
{
	char path[128];
	int ready[2], go[2];
	pid_t *pids = calloc((size_t)procs, sizeof(pid_t));
	double *ms = calloc((size_t)runs, sizeof(double));
	size_t nch = 0, nobj = 0;
	char c;

	snprintf(path, sizeof(path), "/dev/shm/bench%ld-registry.json",
	    (long)getpid());
	setenv("SHMRPC_REGISTRY", path, 1);
	if (pipe(ready) < 0 || pipe(go) < 0)
		err(1, "pipe");
	for (int i = 0; i < procs; i++) {
		int first = channels * i / procs;
		int count = channels * (i + 1) / procs - first;
		pids[i] = fork();
		if (pids[i] < 0)
			err(1, "fork");
		if (pids[i] == 0) {
			close(ready[0]);
			close(go[1]);
			owner_child(first, count, ready[1], go[0]);
		}
	}
	close(ready[1]);
	close(go[0]);
	for (int i = 0; i < procs; i++)
		if (read(ready[0], &c, 1) != 1)
			errx(1, "a channel owner failed");
	for (int i = 0; i < runs; i++) {
		shmrpc_inspection *s;
		double t0 = now_us();
		if (shmrpc_inspect(&s, NULL, NULL) < 0)
			errx(1, "inspect failed");
		ms[i] = (now_us() - t0) / 1000.0;
		nch = shmrpc_inspection_channel_count(s);
		nobj = 0;
		for (size_t k = 0; k < nch; k++)
			nobj += shmrpc_inspection_channel(s, k)->nobjects;
		shmrpc_inspection_free(s);
	}
	printf("full inspection: %zu channels (%zu objects), %d processes "
	       "on the host:\n", nch, nobj, count_processes());
	report("shmrpc_inspect", ms, runs, "ms");
	close(go[1]);
	for (int i = 0; i < procs; i++)
		waitpid(pids[i], NULL, 0);
	free(pids);
	free(ms);
}

int main(int argc, char **argv)
{
	int runs = 0, others = 100, channels = 1000, procs = 200, ch;

	if (argc < 2)
		errx(2, "usage: registry-bench update|inspect [options]");
	optind = 2;
	while ((ch = getopt(argc, argv, "n:o:c:p:")) != -1) {
		switch (ch) {
		case 'n': runs = atoi(optarg); break;
		case 'o': others = atoi(optarg); break;
		case 'c': channels = atoi(optarg); break;
		case 'p': procs = atoi(optarg); break;
		default: errx(2, "bad option");
		}
	}
	if (strcmp(argv[1], "update") == 0)
		bench_update(runs > 0 ? runs : 2000, others);
	else if (strcmp(argv[1], "inspect") == 0)
		bench_inspect(runs > 0 ? runs : 21, channels, procs);
	else
		errx(2, "usage: registry-bench update|inspect [options]");
	return 0;
}
