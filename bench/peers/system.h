/*
 * system.h - peer-bench: what one benchmarked system provides (layer:
 * bench, outside the library).
 *
 * A "system" is an IPC stack a user could pick for same-host RPC:
 * libshmrpc itself, a Unix domain socket, ZeroMQ, gRPC.  The harness
 * (harness.c) runs each in the same way: a fresh server process and N
 * fresh client processes per row, the same start line, the same per-call
 * clock, the same CPU accounting.  A system only moves bytes (or JSON,
 * when it has its own JSON calls) between a client and its server.
 *
 * Plain C, also included by the one C++ system (sys_grpc.cc).
 */
#ifndef PEER_BENCH_SYSTEM_H
#define PEER_BENCH_SYSTEM_H

#include <stddef.h>

#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What a round trip is; the names are the rows' "case". */
enum bench_case {
	CASE_RAW,        /* bytes echoed back, no JSON */
	CASE_JSON_ADD,   /* "add" {"a", "b", "pad"}: a small sum comes back */
	CASE_JSON_ECHO,  /* "echo" {"data": <string>}: the string comes back */
	CASE_BYTES_ECHO, /* shmrpc_call_bytes(): bytes echoed by a bytes method */
	CASE_IDLE,       /* clients connected, no calls: CPU only */
	CASE_WAITING,    /* "sleep" {"ms": 100}: CPU of a client waiting */
	NCASES
};

#define CASE_BIT(c) (1u << (c))
#define CASES_JSON (CASE_BIT(CASE_JSON_ADD) | CASE_BIT(CASE_JSON_ECHO) | \
    CASE_BIT(CASE_IDLE) | CASE_BIT(CASE_WAITING))

/* What a server or client is set up for: one row. */
struct bench_params {
	enum bench_case kase;
	size_t payload;  /* bytes of the case's payload */
	int clients;     /* client processes of the row */
};

/*
 * One system.  Every function returns 0 or -1 (after a warnx() saying
 * why) unless said otherwise.  Servers and clients each live in a process
 * of their own, forked by the harness; addr is where they meet (a socket
 * path for the peers, a channel name for shmrpc), made fresh per row.
 */
struct bench_system {
	const char *name;        /* the rows' "system" */
	const char *transport;   /* the rows' "transport" */
	const char *label;       /* for plots: "Unix socket (SOCK_STREAM)" */
	const char *skip_reason; /* non-NULL: not in this build, and why */
	unsigned cases;          /* CASE_BIT() of every case it runs */

	/* Server process.  server_open binds and listens: once it returns,
	 * clients can connect.  server_serve runs the server on the calling
	 * thread until server_stop, which another thread of the process
	 * calls (the harness's control thread).  server_close frees. */
	int (*server_open)(void **srv, const char *addr,
	    const struct bench_params *p);
	int (*server_serve)(void *srv);
	void (*server_stop)(void *srv);
	void (*server_close)(void *srv);

	/* Client process.  roundtrip sends len bytes and receives the reply;
	 * *reply is borrowed, valid until the next call on cli.  call_json,
	 * when not NULL, is the system's own JSON call (a new reference in
	 * *result); when NULL the harness writes a JSON envelope with jansson
	 * and sends it with roundtrip (peer_json.c). */
	int (*client_open)(void **cli, const char *addr,
	    const struct bench_params *p);
	int (*roundtrip)(void *cli, const void *req, size_t len,
	    const void **reply, size_t *reply_len);
	int (*call_json)(void *cli, const char *method, json_t *params,
	    json_t **result);
	void (*client_close)(void *cli);
};

/* What a peer's server does with one request message: the same for every
 * peer, so that they differ only in how bytes move.  Raw cases echo the
 * bytes (reply = req, no copy); JSON cases decode the envelope with
 * jansson, run the method and encode the answer (peer_json.c). */
struct peer_reply {
	const void *data;
	size_t len;
	char *owned; /* freed by peer_reply_done() */
};

int peer_handle(enum bench_case kase, const void *req, size_t len,
    struct peer_reply *out);
void peer_reply_done(struct peer_reply *r);

/* The systems, in the order rows of one case are run (systems.c). */
extern const struct bench_system *const bench_systems[];
extern const size_t bench_nsystems;

extern const struct bench_system shmrpc_system, uds_system, zmq_system,
    grpc_system;

#ifdef __cplusplus
}
#endif

#endif
