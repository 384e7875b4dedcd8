/*
 * signals.c - layer: RPC.  Opt-in signal handling for servers:
 * shmrpc_server_stop_on_signals() makes SIGTERM, SIGINT or SIGHUP stop the
 * servers that asked, so that shmrpc_server_serve() returns 0 and the
 * program closes them (removing their objects from /dev/shm) on its way
 * out.  The library installs a handler only here, when asked, and puts the
 * program's previous one back when the last server that asked for that
 * signal is closed.
 *
 * The handler only reads a table of atomic pointers and calls
 * shmrpc_server_stop(), which is async-signal-safe.  A server's close
 * takes it out of the table and then waits for any handler still running
 * to leave (they count themselves in and out), so a handler never touches
 * a freed server.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>

#include "rpc/server.h"

/* Servers one process can have stopped by signals at once. */
#define SIGNAL_SERVERS 64

static const struct {
	unsigned bit;
	int sig;
} signals[] = {
	{ SHMRPC_STOP_ON_SIGTERM, SIGTERM },
	{ SHMRPC_STOP_ON_SIGINT, SIGINT },
	{ SHMRPC_STOP_ON_SIGHUP, SIGHUP },
};
#define NSIGNALS (sizeof(signals) / sizeof(signals[0]))
#define ALL_SIGNALS \
	(SHMRPC_STOP_ON_SIGTERM | SHMRPC_STOP_ON_SIGINT | SHMRPC_STOP_ON_SIGHUP)

/* Read by the handler: the servers, and the signals each asked for. */
static _Atomic(shmrpc_server *) servers[SIGNAL_SERVERS];
static atomic_uint wanted[SIGNAL_SERVERS];
/* Handlers running now, on any thread. */
static atomic_uint in_handler;

/* Changed under `lock` only: per signal, whether our handler is
 * installed, what it replaced, and how many servers asked for it. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static bool installed[NSIGNALS];
static struct sigaction replaced[NSIGNALS];
static unsigned users[NSIGNALS];

static void on_signal(int sig)
{
	const int saved_errno = errno;
	unsigned bit = 0;

	atomic_fetch_add(&in_handler, 1);
	for (size_t i = 0; i < NSIGNALS; i++)
		if (signals[i].sig == sig)
			bit = signals[i].bit;
	for (size_t i = 0; i < SIGNAL_SERVERS; i++) {
		shmrpc_server *srv = atomic_load(&servers[i]);
		int none = 0;

		if (srv == NULL || !(atomic_load(&wanted[i]) & bit))
			continue;
		atomic_compare_exchange_strong(&srv->stop_signal, &none, sig);
		shmrpc__server_stop(srv);
	}
	atomic_fetch_sub(&in_handler, 1);
	errno = saved_errno;
}

/* Our handler for signals[i], in place of whatever the program had, even
 * SIG_IGN (a shell's background job starts with SIGINT ignored): the
 * program asked for this signal by name. */
static int install(size_t i)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigfillset(&sa.sa_mask);
	if (sigaction(signals[i].sig, &sa, &replaced[i]) < 0)
		return -errno;
	installed[i] = true;
	return 0;
}

/* The program's handler back, unless it has put another one since. */
static void restore(size_t i)
{
	struct sigaction cur;

	if (sigaction(signals[i].sig, NULL, &cur) == 0 &&
	    !(cur.sa_flags & SA_SIGINFO) && cur.sa_handler == on_signal)
		sigaction(signals[i].sig, &replaced[i], NULL);
	installed[i] = false;
}

/* The table slot of srv, or of a free one (srv NULL); -1 if none. */
static int slot_of(const shmrpc_server *srv)
{
	for (int i = 0; i < SIGNAL_SERVERS; i++)
		if (atomic_load(&servers[i]) == srv)
			return i;
	return -1;
}

/* Count srv's new signals in, installing handlers as needed.  Lock held. */
static int take_signals(unsigned added, shmrpc_error *err)
{
	for (size_t i = 0; i < NSIGNALS; i++) {
		int rc;

		if (!(added & signals[i].bit))
			continue;
		if (users[i]++ > 0)
			continue;
		rc = install(i);
		if (rc < 0) {
			users[i]--;
			return shmrpc__error_set(err, rc, "cannot handle "
			    "SIG%s: %s", sigabbrev_np(signals[i].sig),
			    shmrpc_strerror(rc));
		}
	}
	return 0;
}

static void drop_signals(unsigned mask)
{
	for (size_t i = 0; i < NSIGNALS; i++) {
		if (!(mask & signals[i].bit) || users[i] == 0)
			continue;
		if (--users[i] == 0 && installed[i])
			restore(i);
	}
}

SHMRPC_API int shmrpc_server_stop_on_signals(shmrpc_server *srv,
    unsigned which, shmrpc_error *err)
{
	unsigned had;
	int i, rc;

	if (srv == NULL || which == 0 || (which & ~ALL_SIGNALS) != 0)
		return shmrpc__error_set(err, -EINVAL, "invalid argument");
	pthread_mutex_lock(&lock);
	i = slot_of(srv);
	if (i < 0)
		i = slot_of(NULL);
	if (i < 0) {
		pthread_mutex_unlock(&lock);
		return shmrpc__error_set(err, -ENOSPC, "at most %d servers of "
		    "a process can be stopped by signals", SIGNAL_SERVERS);
	}
	had = atomic_load(&wanted[i]);
	rc = take_signals(which & ~had, err);
	if (rc == 0) {
		atomic_store(&wanted[i], had | which);
		atomic_store(&servers[i], srv);
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

SHMRPC_API int shmrpc_server_stop_signal(const shmrpc_server *srv)
{
	return srv == NULL ? 0 : atomic_load(&srv->stop_signal);
}

void shmrpc__server_signals_forget(shmrpc_server *srv)
{
	int i;

	pthread_mutex_lock(&lock);
	i = slot_of(srv);
	if (i >= 0) {
		atomic_store(&servers[i], NULL);
		drop_signals(atomic_exchange(&wanted[i], 0));
		/* A handler that saw srv before it left the table may still
		 * be stopping it. */
		while (atomic_load(&in_handler) != 0)
			sched_yield();
	}
	pthread_mutex_unlock(&lock);
}
