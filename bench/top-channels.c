/*
 * top-channels - hold many live futex channels for bench/top-bench.sh.
 *
 *   top-channels PREFIX CHANNELS PROCS
 *
 * Forks PROCS processes that open CHANNELS futex servers named
 * PREFIX_0, PREFIX_1, ... between them (not serving: a live channel needs
 * only its owner alive), prints "ready" once all are open, and on SIGTERM
 * or SIGINT closes them all (which removes their objects and registry
 * entries) and exits.
 */
#include <err.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <shmrpc.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int child(const char *prefix, int from, int to, int ready_fd)
{
	shmrpc_server **srv = calloc((size_t)(to - from), sizeof(*srv));
	char name[128];
	sigset_t set, old;

	if (srv == NULL)
		err(1, "calloc");
	for (int i = from; i < to; i++) {
		int rc;

		snprintf(name, sizeof(name), "%s_%d", prefix, i);
		rc = shmrpc_server_open(&srv[i - from], name, NULL, NULL);
		if (rc < 0)
			errx(1, "%s: %s", name, shmrpc_strerror(rc));
	}
	if (write(ready_fd, "r", 1) != 1)
		err(1, "write");
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, &old);
	while (!stop)
		sigsuspend(&old);
	for (int i = from; i < to; i++)
		shmrpc_server_close(srv[i - from]);
	free(srv);
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	int n, procs, fds[2];
	pid_t *pids;
	char c;

	if (argc != 4)
		errx(2, "usage: top-channels prefix channels procs");
	n = atoi(argv[2]);
	procs = atoi(argv[3]);
	if (n < 1 || procs < 1 || procs > n)
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
			_exit(child(argv[1], from, to, fds[1]));
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
