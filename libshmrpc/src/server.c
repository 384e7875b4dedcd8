/*
 * server.c - the RPC server: method table, request dispatch, serve loop.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "transport.h"

#define BUILTIN_RUNNING "__running__"

struct method {
	char *name;
	shmrpc_method_fn fn;
	void *arg;
};

struct shmrpc_server {
	shmrpc_transport *transport;
	struct method *methods;
	size_t nmethods;
	atomic_bool stopped;
};

struct shmrpc_req {
	const char *method;
	uint32_t peer;
	char *error; /* "Type: message", malloc'd, or NULL */
};

SHMRPC_API int shmrpc_server_open(shmrpc_server **out, const char *name,
    const shmrpc_options *opts)
{
	shmrpc_server *srv;
	int rc;

	if (out == NULL)
		return -EINVAL;
	*out = NULL;
	srv = calloc(1, sizeof(*srv));
	if (srv == NULL)
		return -ENOMEM;
	atomic_init(&srv->stopped, false);
	rc = shmrpc_transport_create(&srv->transport, name, opts);
	if (rc < 0) {
		free(srv);
		return rc;
	}
	*out = srv;
	return 0;
}

static struct method *find_method(shmrpc_server *srv, const char *name)
{
	for (size_t i = 0; i < srv->nmethods; i++)
		if (strcmp(srv->methods[i].name, name) == 0)
			return &srv->methods[i];
	return NULL;
}

SHMRPC_API int shmrpc_server_register(shmrpc_server *srv, const char *method,
    shmrpc_method_fn fn, void *arg)
{
	struct method *m, *grown;
	char *name;

	if (srv == NULL || method == NULL || fn == NULL)
		return -EINVAL;
	if (method[0] == '\0' || strcmp(method, BUILTIN_RUNNING) == 0)
		return SHMRPC_ENAME;
	m = find_method(srv, method);
	if (m != NULL) {
		m->fn = fn;
		m->arg = arg;
		return 0;
	}
	name = strdup(method);
	if (name == NULL)
		return -ENOMEM;
	grown = realloc(srv->methods, (srv->nmethods + 1) * sizeof(*grown));
	if (grown == NULL) {
		free(name);
		return -ENOMEM;
	}
	srv->methods = grown;
	srv->methods[srv->nmethods++] = (struct method){ name, fn, arg };
	return 0;
}

SHMRPC_API int shmrpc_req_error(shmrpc_req *req, const char *type,
    const char *fmt, ...)
{
	va_list ap;
	char msg[1024];
	char *text;
	int n;

	if (req == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = snprintf(NULL, 0, "%s: %s", type != NULL ? type : "Error", msg);
	text = malloc((size_t)n + 1);
	if (text == NULL)
		return -1;
	snprintf(text, (size_t)n + 1, "%s: %s", type != NULL ? type : "Error",
	    msg);
	free(req->error);
	req->error = text;
	return -1;
}

SHMRPC_API const char *shmrpc_req_method(const shmrpc_req *req)
{
	return req->method;
}

SHMRPC_API uint32_t shmrpc_req_peer(const shmrpc_req *req)
{
	return req->peer;
}

/* Per serving thread: where requests land and responses are built. */
struct serve_buffers {
	char *in;
	size_t in_cap;
	struct msgbuf out;
};

static void send_reply(shmrpc_server *srv, struct serve_buffers *bufs,
    uint32_t peer, const json_t *id, const json_t *result, const char *error)
{
	size_t max = shmrpc_transport_max_message(srv->transport);
	char toobig[160];
	size_t len;
	int rc;

	rc = envelope_encode_response(&bufs->out, max, &len, id, result, error);
	if (rc == SHMRPC_ETOOBIG) {
		snprintf(toobig, sizeof(toobig),
		    "RPCError: Response too large for the buffer "
		    "(max %zu bytes)", max);
		rc = envelope_encode_response(&bufs->out, max, &len, id, NULL,
		    toobig);
	} else if (rc == SHMRPC_ESERIAL) {
		rc = envelope_encode_response(&bufs->out, max, &len, id, NULL,
		    "RPCSerializationError: result cannot be encoded as JSON");
	}
	if (rc < 0) {
		log_error("channel %s: cannot encode a response: %s",
		    srv->transport->name, shmrpc_strerror(rc));
		return;
	}
	rc = shmrpc_transport_send_response(srv->transport, peer,
	    bufs->out.data, len);
	if (rc < 0)
		log_warn("channel %s: response not delivered: %s",
		    srv->transport->name, shmrpc_strerror(rc));
}

static void dispatch(shmrpc_server *srv, struct serve_buffers *bufs,
    uint32_t peer, size_t len)
{
	struct request_view rq;
	char why[256];
	char unknown[SHMRPC_NAME_MAX + 64];
	shmrpc_req req = { .peer = peer };
	json_t *result = NULL;
	struct method *m;
	int rc;

	rc = envelope_decode_request(bufs->in, len, &rq, why, sizeof(why));
	if (rc < 0) {
		char text[300];
		snprintf(text, sizeof(text), "RPCError: %s", why);
		log_info("channel %s: bad request: %s", srv->transport->name,
		    why);
		send_reply(srv, bufs, peer, rq.id, NULL, text);
		request_view_release(&rq);
		return;
	}
	req.method = rq.method;
	if (strcmp(rq.method, BUILTIN_RUNNING) == 0) {
		json_t *yes = json_true();
		send_reply(srv, bufs, peer, rq.id, yes, NULL);
		json_decref(yes);
		request_view_release(&rq);
		return;
	}
	m = find_method(srv, rq.method);
	if (m == NULL) {
		snprintf(unknown, sizeof(unknown),
		    "RPCError: Unknown method: %.*s", SHMRPC_NAME_MAX,
		    rq.method);
		send_reply(srv, bufs, peer, rq.id, NULL, unknown);
		request_view_release(&rq);
		return;
	}
	rc = m->fn(&req, rq.params, &result, m->arg);
	if (rc != 0 || req.error != NULL) {
		json_decref(result);
		send_reply(srv, bufs, peer, rq.id, NULL,
		    req.error != NULL ? req.error
				      : "RuntimeError: method failed");
	} else {
		send_reply(srv, bufs, peer, rq.id, result, NULL);
		json_decref(result);
	}
	free(req.error);
	request_view_release(&rq);
}

SHMRPC_API int shmrpc_server_serve(shmrpc_server *srv)
{
	struct serve_buffers bufs = { 0 };
	int rc = 0;

	if (srv == NULL)
		return -EINVAL;
	bufs.in_cap = shmrpc_transport_max_message(srv->transport);
	bufs.in = malloc(bufs.in_cap > 0 ? bufs.in_cap : 1);
	if (bufs.in == NULL)
		return -ENOMEM;
	while (!atomic_load(&srv->stopped)) {
		size_t len;
		uint32_t peer;

		rc = shmrpc_transport_recv_request(srv->transport, bufs.in,
		    bufs.in_cap, &len, &peer);
		if (rc == 0) {
			dispatch(srv, &bufs, peer, len);
		} else if (rc == SHMRPC_ETIMEOUT) {
			continue;
		} else if (rc == SHMRPC_ESTOPPED) {
			break;
		} else if (rc == SHMRPC_ETRANSPORT || rc == SHMRPC_ETOOBIG) {
			log_warn("channel %s: dropped a malformed request: %s",
			    srv->transport->name, shmrpc_strerror(rc));
			send_reply(srv, &bufs, peer, NULL, NULL,
			    "RPCError: Malformed request message");
		} else {
			log_error("channel %s: serving stopped: %s",
			    srv->transport->name, shmrpc_strerror(rc));
			break;
		}
		rc = 0;
	}
	free(bufs.in);
	msgbuf_free(&bufs.out);
	if (rc == SHMRPC_ESTOPPED || atomic_load(&srv->stopped))
		return 0;
	return rc;
}

SHMRPC_API void shmrpc_server_stop(shmrpc_server *srv)
{
	if (srv == NULL)
		return;
	atomic_store(&srv->stopped, true);
	shmrpc_transport_wake(srv->transport);
}

SHMRPC_API void shmrpc_server_close(shmrpc_server *srv)
{
	if (srv == NULL)
		return;
	shmrpc_transport_close(srv->transport);
	for (size_t i = 0; i < srv->nmethods; i++)
		free(srv->methods[i].name);
	free(srv->methods);
	free(srv);
}
