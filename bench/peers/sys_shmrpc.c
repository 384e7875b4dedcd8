/*
 * sys_shmrpc.c - peer-bench: libshmrpc's futex transport, through the
 * public API only (layer: bench).
 *
 *   raw         shmrpc_transport_send_request() + recv_response(); the
 *               server echoes with recv_request() + send_response()
 *   bytes_echo  shmrpc_call_bytes() to a bytes method that copies the
 *               request to its reply in place
 *   json_*      shmrpc_call() to JSON methods add / echo / sleep
 */
#define _GNU_SOURCE
#include <err.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <shmrpc.h>

#include "system.h"

struct shmrpc_srv {
	shmrpc_server *server;       /* JSON and bytes cases */
	shmrpc_transport *transport; /* raw */
	char *buf;
	size_t cap;
};

struct shmrpc_cli {
	enum bench_case kase;
	shmrpc_client *client;
	shmrpc_transport *transport;
	char *buf;
	size_t cap;
};

static void options(shmrpc_options *o, const struct bench_params *p)
{
	shmrpc_options_init(o);
	o->transport = SHMRPC_TRANSPORT_FUTEX;
	/* Room for the payload and its envelope, as in shmrpc-bench. */
	o->buffer_size = p->payload + 4096;
	o->timeout = 30;
	o->wait_for_server = 5;
	if (p->clients > 16)
		o->slots = (unsigned)p->clients;
}

static int add(shmrpc_req *req, const json_t *params, json_t **result,
    void *arg)
{
	json_t *a = json_object_get(params, "a"), *b = json_object_get(params,
	    "b");

	(void)arg;
	if (!json_is_integer(a) || !json_is_integer(b))
		return shmrpc_req_error(req, "TypeError", "need integers");
	*result = json_integer(json_integer_value(a) + json_integer_value(b));
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

static int sleep_ms(shmrpc_req *req, const json_t *params, json_t **result,
    void *arg)
{
	json_int_t ms = json_integer_value(json_object_get(params, "ms"));
	struct timespec ts = { (time_t)(ms / 1000),
		(long)(ms % 1000) * 1000000L };

	(void)req;
	(void)arg;
	nanosleep(&ts, NULL);
	*result = json_true();
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

static int srv_open(void **out, const char *addr, const struct bench_params *p)
{
	struct shmrpc_srv *s = calloc(1, sizeof(*s));
	shmrpc_options o;
	int rc;

	if (s == NULL)
		return -1;
	options(&o, p);
	if (p->kase == CASE_RAW) {
		rc = shmrpc_transport_create(&s->transport, addr, &o, NULL);
		if (rc == 0) {
			s->cap = shmrpc_transport_max_message(s->transport);
			s->buf = malloc(s->cap);
			if (s->buf == NULL)
				rc = -1;
		}
	} else {
		rc = shmrpc_server_open(&s->server, addr, &o, NULL);
		if (rc == 0)
			rc = shmrpc_server_register(s->server, "add", add, NULL);
		if (rc == 0)
			rc = shmrpc_server_register(s->server, "echo", echo,
			    NULL);
		if (rc == 0)
			rc = shmrpc_server_register(s->server, "sleep",
			    sleep_ms, NULL);
		if (rc == 0)
			rc = shmrpc_server_register_bytes(s->server,
			    "echo_bytes", echo_bytes, NULL);
	}
	if (rc < 0) {
		warnx("shmrpc server %s: %s", addr, shmrpc_strerror(rc));
		shmrpc_server_close(s->server);
		shmrpc_transport_close(s->transport);
		free(s->buf);
		free(s);
		return -1;
	}
	*out = s;
	return 0;
}

static int srv_serve(void *srv)
{
	struct shmrpc_srv *s = srv;
	int rc;

	if (s->server != NULL) {
		rc = shmrpc_server_serve(s->server);
		if (rc < 0)
			warnx("shmrpc serve: %s", shmrpc_strerror(rc));
		return rc < 0 ? -1 : 0;
	}
	for (;;) {
		size_t len;
		uint32_t peer;

		rc = shmrpc_transport_recv_request(s->transport, s->buf,
		    s->cap, &len, &peer);
		if (rc == SHMRPC_ETIMEOUT)
			continue;
		if (rc < 0)
			break;
		rc = shmrpc_transport_send_response(s->transport, peer, s->buf,
		    len);
		if (rc < 0)
			break;
	}
	if (rc != SHMRPC_ESTOPPED)
		warnx("shmrpc raw server: %s", shmrpc_strerror(rc));
	return rc == SHMRPC_ESTOPPED ? 0 : -1;
}

static void srv_stop(void *srv)
{
	struct shmrpc_srv *s = srv;

	if (s->server != NULL)
		shmrpc_server_stop(s->server);
	else
		shmrpc_transport_wake(s->transport);
}

static void srv_close(void *srv)
{
	struct shmrpc_srv *s = srv;

	shmrpc_server_close(s->server);
	shmrpc_transport_close(s->transport);
	free(s->buf);
	free(s);
}

static int cli_open(void **out, const char *addr, const struct bench_params *p)
{
	struct shmrpc_cli *c = calloc(1, sizeof(*c));
	shmrpc_options o;
	int rc;

	if (c == NULL)
		return -1;
	options(&o, p);
	c->kase = p->kase;
	if (p->kase == CASE_RAW) {
		rc = shmrpc_transport_open(&c->transport, addr, &o, NULL);
		if (rc == 0) {
			c->cap = shmrpc_transport_max_message(c->transport);
			c->buf = malloc(c->cap);
			if (c->buf == NULL)
				rc = -1;
		}
	} else
		rc = shmrpc_client_open(&c->client, addr, &o, NULL);
	if (rc < 0) {
		warnx("shmrpc client %s: %s", addr, shmrpc_strerror(rc));
		shmrpc_transport_close(c->transport);
		free(c->buf);
		free(c);
		return -1;
	}
	*out = c;
	return 0;
}

static int cli_roundtrip(void *cli, const void *req, size_t len,
    const void **reply, size_t *reply_len)
{
	struct shmrpc_cli *c = cli;
	shmrpc_error e;
	int rc;

	if (c->kase == CASE_BYTES_ECHO) {
		rc = shmrpc_call_bytes(c->client, "echo_bytes", req, len, reply,
		    reply_len, &e);
		if (rc < 0)
			warnx("shmrpc_call_bytes: %s", e.text);
		return rc < 0 ? -1 : 0;
	}
	rc = shmrpc_transport_send_request(c->transport, req, len);
	if (rc == 0)
		rc = shmrpc_transport_recv_response(c->transport, c->buf,
		    c->cap, reply_len);
	if (rc < 0) {
		warnx("shmrpc transport: %s", shmrpc_strerror(rc));
		return -1;
	}
	*reply = c->buf;
	return 0;
}

static int cli_call_json(void *cli, const char *method, json_t *params,
    json_t **result)
{
	struct shmrpc_cli *c = cli;
	shmrpc_error e;
	int rc = shmrpc_call(c->client, method, params, result, &e);

	if (rc < 0)
		warnx("shmrpc_call %s: %s", method, e.text);
	return rc < 0 ? -1 : 0;
}

static void cli_close(void *cli)
{
	struct shmrpc_cli *c = cli;

	shmrpc_client_close(c->client);
	shmrpc_transport_close(c->transport);
	free(c->buf);
	free(c);
}

const struct bench_system shmrpc_system = {
	.name = "shmrpc",
	.transport = "futex",
	.label = "libshmrpc futex",
	.cases = CASES_JSON | CASE_BIT(CASE_RAW) | CASE_BIT(CASE_BYTES_ECHO),
	.server_open = srv_open,
	.server_serve = srv_serve,
	.server_stop = srv_stop,
	.server_close = srv_close,
	.client_open = cli_open,
	.roundtrip = cli_roundtrip,
	.call_json = cli_call_json,
	.client_close = cli_close,
};
