/*
 * transport.h - layer: transport.  What every transport implements, and the
 * base every transport handle starts with.  The public shmrpc_transport_*
 * functions in transport.c check arguments and dispatch here.
 */
#ifndef SHMRPC_TRANSPORT_H
#define SHMRPC_TRANSPORT_H

#include "base/common.h"

struct method_table; /* methods_layout.h */

/* Bytes of the length header in front of every message (seed format). */
#define MSG_HEADER_SIZE 4u

/* Room for one /dev/shm file name (NAME_MAX + 1). */
#define TRANSPORT_FNAME_MAX 256
/* Most objects one channel of any transport has. */
#define TRANSPORT_MAX_OBJECTS 8

/*
 * A server's wait for a request: until when (CLOCK_MONOTONIC ns, or
 * DEADLINE_NEVER), and whether a signal handler that interrupts it ends
 * it (-EINTR) instead of being waited through.  NULL where one is taken:
 * the handle's timeout, signals waited through.
 */
struct recv_wait {
	int64_t deadline;
	bool eintr;
};

struct transport_ops {
	/* The /dev/shm file names channel `name` consists of, for the
	 * registry and the reaper.  Returns how many it wrote (<= max).
	 * Each must be prefix + name + suffix: the inspector derives the
	 * naming schemes it recognises loose objects by from this op. */
	int (*object_names)(const char *name,
	    char (*out)[TRANSPORT_FNAME_MAX], int max);
	/* Which of those names (an index) carries the liveness locks
	 * (os/ownerlock.h): the server holds its owner byte for its whole
	 * life, clients hold bytes from OWNERLOCK_CLIENT_BYTE on while
	 * attached.  The registry records it; see shmrpc-registry(5). */
	int lock_object;
	/* Server side: make the channel's objects; fills *out. */
	int (*create)(shmrpc_transport **out, const char *name,
	    const shmrpc_options *opts);
	/* Client side: open an existing channel; fills *out. */
	int (*open)(shmrpc_transport **out, const char *name,
	    const shmrpc_options *opts);
	/* Free the handle; a server handle removes the objects too. */
	void (*close)(shmrpc_transport *t);

	/* Client: begin a call (take the request path) and send. */
	int (*send_request)(shmrpc_transport *t, const void *buf, size_t len);
	/* Client: wait for and copy one response; keeps the call open. */
	int (*recv_response)(shmrpc_transport *t, void *buf, size_t cap,
	    size_t *len);
	/* Client: end the call begun by send_request.  Always safe. */
	void (*end_call)(shmrpc_transport *t);

	/* Server: wait for and copy one request (w: see recv_wait). */
	int (*recv_request)(shmrpc_transport *t, void *buf, size_t cap,
	    size_t *len, uint32_t *peer, const struct recv_wait *w);
	/* Server: answer peer. */
	int (*send_response)(shmrpc_transport *t, uint32_t peer,
	    const void *buf, size_t len);
	/* Server: make recv_request return SHMRPC_ESTOPPED (signal-safe). */
	void (*wake)(shmrpc_transport *t);

	/* ---- in place (optional: NULL when the transport copies, posix) ----
	 * Client: point *area at the buffer the next request goes in (the
	 * slot's request buffer in shared memory), *cap its size, after
	 * settling any late answer of an earlier call; send_request() then
	 * sends area's bytes without copying them.  The area is ours until
	 * send_request(). */
	int (*request_area)(shmrpc_transport *t, void **area, size_t *cap);
	/* Client: as recv_response, but point *buf at the response in
	 * shared memory instead of copying it; valid until the next
	 * send_request() (or close) on this handle. */
	int (*recv_response_ref)(shmrpc_transport *t, const void **buf,
	    size_t *len);
	/* Server: as recv_request, but point *buf at the request in shared
	 * memory; valid until send_response() to that peer. */
	int (*recv_request_ref)(shmrpc_transport *t, const void **buf,
	    size_t *len, uint32_t *peer, const struct recv_wait *w);
	/* Server: the buffer peer's answer goes in (shared memory), for
	 * send_response() without a copy; valid until that send. */
	int (*response_area)(shmrpc_transport *t, uint32_t peer, void **area,
	    size_t *cap);

	/* ---- statistics (stats.c, methods.c) ---- */
	/* Optional, NULL if the transport has none: a new statistics
	 * snapshot of channel `name` in *out (shmrpc_stats_read()), read
	 * without disturbing the channel.  SHMRPC_ENOCHANNEL when this
	 * transport has no such channel (or no statistics of it). */
	int (*read_stats)(const char *name, shmrpc_stats **out,
	    shmrpc_error *err);
	/* Server, optional: the channel's method table in shared memory
	 * (methods_layout.h), its capacity in *capacity; NULL if none. */
	struct method_table *(*method_table)(shmrpc_transport *t,
	    uint32_t *capacity);
	/* Client, optional: the RPC layer saw call fail with err after
	 * the transport delivered its answer (method error, bad reply);
	 * for the live counters. */
	void (*note_error)(shmrpc_transport *t, int err);
	/* Client, optional, with timed_above: the answer of the call just
	 * received is decoded now; for the live counters' latency. */
	void (*note_call)(shmrpc_transport *t);
};

/* The first member of every transport's handle. */
struct shmrpc_transport {
	const struct transport_ops *ops;
	shmrpc_transport_kind kind;
	bool is_server;
	bool in_call;          /* client: between send_request and end */
	/* Client: the RPC layer says when each call's answer is decoded
	 * (note_call), and the transport times the call up to then, not
	 * only to the answer's arrival. */
	bool timed_above;
	size_t max_message;    /* payload bytes one message can carry */
	double timeout;        /* seconds per wait, < 0 forever */
	/* The last length header out of range (SHMRPC_ETRANSPORT) a receive
	 * met on this handle, for the caller's error text. */
	uint32_t bad_length;
	char name[SHMRPC_NAME_MAX + 1];
};

extern const struct transport_ops shmrpc__transport_posix_ops;
/* posix_stats.c: the posix transport's read_stats op. */
int shmrpc__posix_read_stats(const char *name, shmrpc_stats **out,
    shmrpc_error *err);
#ifdef __linux__
extern const struct transport_ops shmrpc__transport_futex_ops;
/* futex_stats.c: the futex transport's read_stats op. */
int shmrpc__futex_read_stats(const char *name, shmrpc_stats **out,
    shmrpc_error *err);
#endif

/* The operations of a transport kind (not DEFAULT), or NULL if this build
 * does not have it. */
const struct transport_ops *shmrpc__transport_ops_for(
    shmrpc_transport_kind kind);

/* Fill the base part of a new handle. */
void shmrpc__transport_base_init(shmrpc_transport *t,
    const struct transport_ops *ops, shmrpc_transport_kind kind, bool is_server,
    const char *name, const shmrpc_options *opts, size_t max_message);

/* The response wait of a call, without ending the call (RPC layer use:
 * it may discard a late answer and wait again). */
int shmrpc__transport_recv_response_keep(shmrpc_transport *t, void *buf,
    size_t cap, size_t *len);
void shmrpc__transport_end_call(shmrpc_transport *t);

/* Does t have the client's in-place operations (request_area and
 * recv_response_ref)?  Without them, messages are copied. */
bool shmrpc__transport_in_place(const shmrpc_transport *t);

/* In-place wrappers (see transport_ops).  They return -EPROTONOSUPPORT
 * when the transport has no such op (posix): the caller then copies. */
int shmrpc__transport_request_area(shmrpc_transport *t, void **area,
    size_t *cap);
int shmrpc__transport_recv_response_ref(shmrpc_transport *t, const void **buf,
    size_t *len);
int shmrpc__transport_recv_request_ref(shmrpc_transport *t, const void **buf,
    size_t *len, uint32_t *peer, const struct recv_wait *w);
/* shmrpc_transport_recv_request() with a wait of the caller's (w may be
 * NULL). */
int shmrpc__transport_recv_request_wait(shmrpc_transport *t, void *buf,
    size_t cap, size_t *len, uint32_t *peer, const struct recv_wait *w);
int shmrpc__transport_response_area(shmrpc_transport *t, uint32_t peer,
    void **area, size_t *cap);

/* Tell the transport a call failed above it (see note_error). */
void shmrpc__transport_note_error(shmrpc_transport *t, int err);

/* Tell the transport the answer of its last call is decoded (see
 * note_call). */
void shmrpc__transport_note_call(shmrpc_transport *t);

/* Server: the channel's method table (see method_table), or NULL. */
struct method_table *shmrpc__transport_method_table(shmrpc_transport *t,
    uint32_t *capacity);

#endif
