/*
 * server.h - layer: RPC.  The server's insides, shared by the files of the
 * RPC layer that serve: server.c (method table, dispatch, serve loop),
 * text_method.c (methods whose params and results are JSON text) and
 * signals.c (opt-in SIGTERM/SIGINT handling).
 */
#ifndef SHMRPC_SERVER_H
#define SHMRPC_SERVER_H

#include <stdatomic.h>

#include "base/common.h"

struct serve_buffers;

struct method {
	char *name;
	shmrpc_method_fn fn;             /* JSON handler, or NULL */
	shmrpc_bytes_method_fn bytes_fn; /* bytes handler, or NULL */
	shmrpc_text_method_fn text_fn;   /* text handler, or NULL */
	unsigned text_flags;             /* SHMRPC_TEXT_UNCHECKED or 0 */
	void *arg;
	struct method_counters *ctr;     /* in shared memory, or NULL */
};

struct shmrpc_server {
	shmrpc_transport *transport;
	struct method *methods;
	size_t nmethods;
	atomic_bool stopped;
	/* Set once a text method is registered or a fallback set
	 * (text_method.c): requests go through it first.  A pointer, so
	 * that server.c does not depend on text_method.c, which depends on
	 * it. */
	bool (*dispatch_text)(shmrpc_server *srv, struct serve_buffers *bufs,
	    uint32_t peer, const char *in, size_t len);
	shmrpc_text_method_fn fallback;  /* for unregistered names, or NULL */
	void *fallback_arg;
	unsigned fallback_flags;
	/* The signal that stopped the server (signals.c), or 0. */
	atomic_int stop_signal;
	/* The channel's per-method counters (methods_layout.h). */
	struct method_table *mtable;
	uint32_t mcapacity;
};

struct shmrpc_req {
	const char *method;
	uint32_t peer;
	char *error;      /* "Type: message", malloc'd, or NULL */
	size_t error_len; /* its length (it may hold a NUL) */
};

/* Per serving thread: where requests land and responses are built when
 * the transport cannot do it in place (posix); futex needs neither.  And
 * when the request being answered was taken, for its method's counters. */
struct serve_buffers {
	char *in;
	char *out;
	size_t cap;
	int64_t t0;
};

/* shmrpc_server_stop(): async-signal-safe, for signals.c's handler too. */
static inline void shmrpc__server_stop(shmrpc_server *srv)
{
	atomic_store(&srv->stopped, true);
	shmrpc_transport_wake(srv->transport);
}

/* server.c, for the other serving files. */
int shmrpc__server_add_method(shmrpc_server *srv, const char *method,
    shmrpc_method_fn fn, shmrpc_bytes_method_fn bytes_fn,
    shmrpc_text_method_fn text_fn, void *arg);
struct method *shmrpc__server_find_method(shmrpc_server *srv,
    const char *name);
bool shmrpc__server_builtin(const char *name);
char *shmrpc__server_answer_area(shmrpc_server *srv,
    struct serve_buffers *bufs, uint32_t peer, size_t *cap);
void shmrpc__server_deliver(shmrpc_server *srv, uint32_t peer,
    const char *buf, size_t len);
/* A call of m, taken at bufs->t0, has its answer sent: count it (after
 * the answer, so that the counting is not in the client's wait). */
void shmrpc__server_count(const struct method *m,
    const struct serve_buffers *bufs, bool failed);

/* signals.c: srv is being closed; no signal handler may touch it after
 * this returns. */
void shmrpc__server_signals_forget(shmrpc_server *srv);

#endif
