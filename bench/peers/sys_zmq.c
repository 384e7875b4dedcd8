/*
 * sys_zmq.c - peer-bench: ZeroMQ REQ/REP over ipc:// (layer: bench).
 *
 * The server: one REP socket, bound, served by one thread (plus the I/O
 * thread of its zmq context); each client a REQ socket.  A message is one
 * zmq message: zmq_send() of the request, zmq_msg_recv() of the reply,
 * which stays in the client's zmq_msg_t until the next call.  The server
 * echoes a raw request by sending the received message back.
 */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "system.h"

struct zmq_srv {
	enum bench_case kase;
	void *ctx, *sock;
};

struct zmq_cli {
	void *ctx, *sock;
	zmq_msg_t reply;
};

static int endpoint(char *buf, size_t len, const char *addr)
{
	if ((size_t)snprintf(buf, len, "ipc://%s", addr) >= len) {
		warnx("zeromq: path too long: %s", addr);
		return -1;
	}
	return 0;
}

static int srv_open(void **out, const char *addr, const struct bench_params *p)
{
	struct zmq_srv *s = calloc(1, sizeof(*s));
	char ep[256];
	int zero = 0;

	if (s == NULL || endpoint(ep, sizeof(ep), addr) < 0) {
		free(s);
		return -1;
	}
	s->kase = p->kase;
	s->ctx = zmq_ctx_new();
	s->sock = s->ctx != NULL ? zmq_socket(s->ctx, ZMQ_REP) : NULL;
	if (s->sock == NULL ||
	    zmq_setsockopt(s->sock, ZMQ_LINGER, &zero, sizeof(zero)) < 0 ||
	    zmq_bind(s->sock, ep) < 0) {
		warnx("zeromq server %s: %s", ep, zmq_strerror(zmq_errno()));
		return -1;
	}
	*out = s;
	return 0;
}

static int srv_serve(void *srv)
{
	struct zmq_srv *s = srv;

	for (;;) {
		zmq_msg_t m;
		struct peer_reply r;
		int rc, echoed;

		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, s->sock, 0) < 0) {
			int e = zmq_errno();

			zmq_msg_close(&m);
			if (e == EINTR)
				continue;
			if (e == ETERM)
				return 0; /* stopped */
			warnx("zeromq recv: %s", zmq_strerror(e));
			return -1;
		}
		if (peer_handle(s->kase, zmq_msg_data(&m), zmq_msg_size(&m),
		    &r) < 0) {
			zmq_msg_close(&m);
			return -1;
		}
		echoed = r.owned == NULL;
		if (echoed)
			rc = zmq_msg_send(&m, s->sock, 0); /* echo, no copy */
		else {
			rc = zmq_send(s->sock, r.data, r.len, 0);
			zmq_msg_close(&m);
		}
		peer_reply_done(&r);
		if (rc < 0) {
			int e = zmq_errno();

			if (echoed)
				zmq_msg_close(&m);
			if (e == ETERM)
				return 0;
			warnx("zeromq send: %s", zmq_strerror(e));
			return -1;
		}
	}
}

/* Another thread: zmq_ctx_shutdown() makes the blocked receive return
 * ETERM (contexts, unlike sockets, may be used from any thread). */
static void srv_stop(void *srv)
{
	struct zmq_srv *s = srv;

	zmq_ctx_shutdown(s->ctx);
}

static void srv_close(void *srv)
{
	struct zmq_srv *s = srv;

	zmq_close(s->sock);
	zmq_ctx_term(s->ctx);
	free(s);
}

static int cli_open(void **out, const char *addr, const struct bench_params *p)
{
	struct zmq_cli *c = calloc(1, sizeof(*c));
	char ep[256];
	int zero = 0, timeout_ms = 30000;

	(void)p;
	if (c == NULL || endpoint(ep, sizeof(ep), addr) < 0) {
		free(c);
		return -1;
	}
	c->ctx = zmq_ctx_new();
	c->sock = c->ctx != NULL ? zmq_socket(c->ctx, ZMQ_REQ) : NULL;
	if (c->sock == NULL ||
	    zmq_setsockopt(c->sock, ZMQ_LINGER, &zero, sizeof(zero)) < 0 ||
	    zmq_setsockopt(c->sock, ZMQ_RCVTIMEO, &timeout_ms,
		sizeof(timeout_ms)) < 0 ||
	    zmq_connect(c->sock, ep) < 0) {
		warnx("zeromq client %s: %s", ep, zmq_strerror(zmq_errno()));
		return -1;
	}
	zmq_msg_init(&c->reply);
	*out = c;
	return 0;
}

static int cli_roundtrip(void *cli, const void *req, size_t len,
    const void **reply, size_t *reply_len)
{
	struct zmq_cli *c = cli;

	while (zmq_send(c->sock, req, len, 0) < 0) {
		if (zmq_errno() != EINTR) {
			warnx("zeromq send: %s", zmq_strerror(zmq_errno()));
			return -1;
		}
	}
	while (zmq_msg_recv(&c->reply, c->sock, 0) < 0) {
		if (zmq_errno() != EINTR) {
			warnx("zeromq recv: %s", zmq_strerror(zmq_errno()));
			return -1;
		}
	}
	*reply = zmq_msg_data(&c->reply);
	*reply_len = zmq_msg_size(&c->reply);
	return 0;
}

static void cli_close(void *cli)
{
	struct zmq_cli *c = cli;

	zmq_msg_close(&c->reply);
	zmq_close(c->sock);
	zmq_ctx_term(c->ctx);
	free(c);
}

const struct bench_system zmq_system = {
	.name = "zeromq",
	.transport = "ipc",
	.label = "ZeroMQ REQ/REP ipc://",
	.cases = CASES_JSON | CASE_BIT(CASE_RAW),
	.server_open = srv_open,
	.server_serve = srv_serve,
	.server_stop = srv_stop,
	.server_close = srv_close,
	.client_open = cli_open,
	.roundtrip = cli_roundtrip,
	.client_close = cli_close,
};
