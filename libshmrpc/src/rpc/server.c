/*
 * server.c - layer: RPC.  The server: method table, request dispatch, serve
 * loop.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "codec/envelope.h"
#include "rpc/server.h"
#include "transport/methods_layout.h"
#include "transport/transport.h"

#define BUILTIN_RUNNING "__running__"
#define BUILTIN_METHODS "__methods__"

SHMRPC_API int shmrpc_server_open(shmrpc_server **out, const char *name,
    const shmrpc_options *opts, shmrpc_error *err)
{
	shmrpc_server *srv;
	int rc;

	if (out == NULL)
		return shmrpc__error_set(err, -EINVAL, "out is NULL");
	*out = NULL;
	srv = calloc(1, sizeof(*srv));
	if (srv == NULL)
		return shmrpc__error_set(err, -ENOMEM, NULL);
	atomic_init(&srv->stopped, false);
	atomic_init(&srv->stop_signal, 0);
	rc = shmrpc_transport_create(&srv->transport, name, opts, err);
	if (rc < 0) {
		shmrpc_server_close(srv);
		return rc;
	}
	srv->mtable = shmrpc__transport_method_table(srv->transport,
	    &srv->mcapacity);
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

/* The methods the server answers itself; they cannot be registered. */
static bool is_builtin(const char *name)
{
	return strcmp(name, BUILTIN_RUNNING) == 0 ||
	    strcmp(name, BUILTIN_METHODS) == 0;
}

/* One entry of the __methods__ answer: {"name": name, "kind": kind}.  A
 * name that is not UTF-8 (registration does not check) cannot be said in
 * JSON and is left out. */
static int append_method(json_t *list, const char *name, const char *kind)
{
	json_t *entry = json_pack("{s:s, s:s}", "name", name, "kind", kind);

	if (entry == NULL)
		return 0;
	return json_array_append_new(list, entry);
}

/* The __methods__ answer (shmrpc(7)): every registered method in the
 * order of registration, marked "json", "text" or "bytes", then the
 * built-ins.
 * NULL when out of memory. */
static json_t *method_list(const shmrpc_server *srv)
{
	json_t *list = json_array();
	int rc = list == NULL ? -1 : 0;

	for (size_t i = 0; rc == 0 && i < srv->nmethods; i++)
		rc = append_method(list, srv->methods[i].name,
		    srv->methods[i].fn != NULL ? "json"
		    : srv->methods[i].text_fn != NULL ? "text" : "bytes");
	if (rc == 0)
		rc = append_method(list, BUILTIN_RUNNING, "builtin");
	if (rc == 0)
		rc = append_method(list, BUILTIN_METHODS, "builtin");
	if (rc != 0) {
		json_decref(list);
		return NULL;
	}
	return list;
}

/* The answer of built-in method name, or NULL if it is none (or out of
 * memory: then the caller answers as for an unknown method). */
static json_t *builtin_answer(const shmrpc_server *srv, const char *name)
{
	if (strcmp(name, BUILTIN_RUNNING) == 0)
		return json_true();
	if (strcmp(name, BUILTIN_METHODS) == 0)
		return method_list(srv);
	return NULL;
}

static int add_method(shmrpc_server *srv, const char *method,
    shmrpc_method_fn fn, shmrpc_bytes_method_fn bytes_fn,
    shmrpc_text_method_fn text_fn, void *arg)
{
	struct method *m, *grown;
	char *name;

	if (shmrpc__name_error(NULL, "method", method, strlen(method), true) < 0 ||
	    is_builtin(method))
		return SHMRPC_ENAME;
	m = find_method(srv, method);
	if (m != NULL) {
		m->fn = fn;
		m->bytes_fn = bytes_fn;
		m->text_fn = text_fn;
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
	srv->methods[srv->nmethods++] = (struct method){ name, fn, bytes_fn,
		text_fn, 0, arg,
		shmrpc__methods_add(srv->mtable, srv->mcapacity, name) };
	return 0;
}

SHMRPC_API int shmrpc_server_register(shmrpc_server *srv, const char *method,
    shmrpc_method_fn fn, void *arg)
{
	if (srv == NULL || method == NULL || fn == NULL)
		return -EINVAL;
	return add_method(srv, method, fn, NULL, NULL, arg);
}

SHMRPC_API int shmrpc_server_register_bytes(shmrpc_server *srv,
    const char *method, shmrpc_bytes_method_fn fn, void *arg)
{
	if (srv == NULL || method == NULL || fn == NULL)
		return -EINVAL;
	if (strlen(method) > BYTES_NAME_MAX)
		return -ENAMETOOLONG;
	if (shmrpc_transport_kind_of(srv->transport) != SHMRPC_TRANSPORT_FUTEX)
		return -EPROTONOSUPPORT;
	return add_method(srv, method, NULL, fn, NULL, arg);
}


/* The error the client receives: text (len bytes, copied) in place of any
 * before.  -1, what handlers return. */
static int set_error(shmrpc_req *req, char *text, size_t len)
{
	free(req->error);
	req->error = text;
	req->error_len = len;
	return -1;
}

SHMRPC_API int shmrpc_req_error(shmrpc_req *req, const char *type,
    const char *fmt, ...)
{
	const char *t = type != NULL ? type : "Error";
	size_t tlen = strlen(t);
	va_list ap, again;
	char *text;
	int n;

	if (req == NULL)
		return -1;
	va_start(ap, fmt);
	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	text = n < 0 ? NULL : malloc(tlen + 2 + (size_t)n + 1);
	if (text == NULL) {
		va_end(again);
		return -1;
	}
	memcpy(text, t, tlen);
	memcpy(text + tlen, ": ", 2);
	vsnprintf(text + tlen + 2, (size_t)n + 1, fmt, again);
	va_end(again);
	return set_error(req, text, tlen + 2 + (size_t)n);
}

SHMRPC_API int shmrpc_req_error_text(shmrpc_req *req, const char *text,
    size_t len)
{
	char *copy;

	if (req == NULL || (text == NULL && len > 0))
		return -1;
	copy = malloc(len + 1);
	if (copy == NULL)
		return -1;
	if (len > 0)
		memcpy(copy, text, len);
	copy[len] = '\0';
	return set_error(req, copy, len);
}

SHMRPC_API int shmrpc_req_unknown_method(shmrpc_req *req)
{
	if (req == NULL)
		return -1;
	return shmrpc_req_error(req, "RPCError", "Unknown method: %.*s",
	    SHMRPC_NAME_MAX, req->method);
}

SHMRPC_API const char *shmrpc_req_method(const shmrpc_req *req)
{
	return req->method;
}

SHMRPC_API uint32_t shmrpc_req_peer(const shmrpc_req *req)
{
	return req->peer;
}

/* Where peer's answer is built: its response buffer in shared memory
 * (futex) or ours (posix). */
static char *answer_area(shmrpc_server *srv, struct serve_buffers *bufs,
    uint32_t peer, size_t *cap)
{
	void *area;

	if (shmrpc__transport_response_area(srv->transport, peer, &area, cap) ==
	    0)
		return area;
	*cap = bufs->cap;
	return bufs->out;
}

static void deliver(shmrpc_server *srv, uint32_t peer, const char *buf,
    size_t len)
{
	int rc = shmrpc_transport_send_response(srv->transport, peer, buf,
	    len);

	if (rc < 0)
		log_warn("channel %s: response not delivered: %s",
		    srv->transport->name, shmrpc_strerror(rc));
}

/* A response with the request's id (rq NULL: null) as it came: its
 * text on the decoder's fast path, else its json_t. */
static int encode_response(char *out, size_t max, size_t *len,
    const struct request_view *rq, const json_t *result, const char *error)
{
	if (rq != NULL && rq->id_text != NULL)
		return shmrpc__envelope_encode_response_id_text(out, max, len,
		    rq->id_text, rq->id_text_len, result, error);
	return shmrpc__envelope_encode_response(out, max, len,
	    rq != NULL ? rq->id : NULL, result, error);
}

static void send_reply(shmrpc_server *srv, struct serve_buffers *bufs,
    uint32_t peer, const struct request_view *rq, const json_t *result,
    const char *error)
{
	size_t max;
	char *out = answer_area(srv, bufs, peer, &max);
	char toobig[160];
	size_t len;
	int rc;

	rc = encode_response(out, max, &len, rq, result, error);
	if (rc == SHMRPC_ETOOBIG) {
		snprintf(toobig, sizeof(toobig),
		    "RPCError: Response too large for the buffer "
		    "(max %zu bytes)", max);
		rc = encode_response(out, max, &len, rq, NULL, toobig);
	} else if (rc == SHMRPC_ESERIAL) {
		rc = encode_response(out, max, &len, rq, NULL,
		    shmrpc__envelope_too_deep(result)
			? "RPCSerializationError: result nested deeper than "
			  SHMRPC__STR(SHMRPC_MAX_DEPTH) " levels"
			: "RPCSerializationError: result cannot be encoded as "
			  "JSON");
	}
	if (rc < 0) {
		log_error("channel %s: cannot encode a response: %s",
		    srv->transport->name, shmrpc_strerror(rc));
		return;
	}
	deliver(srv, peer, out, len);
}

/* The answer to a JSON method that failed: its error text, complete
 * but for what does not fit the buffer. */
static void send_error(shmrpc_server *srv, struct serve_buffers *bufs,
    uint32_t peer, const struct request_view *rq, const shmrpc_req *req)
{
	static const char failed[] = "RuntimeError: method failed";
	const char *text = req->error != NULL ? req->error : failed;
	const size_t text_len = req->error != NULL ? req->error_len
						   : sizeof(failed) - 1;
	size_t max, len;
	char *out = answer_area(srv, bufs, peer, &max);
	int rc;

	if (rq->id_text != NULL)
		rc = shmrpc__envelope_encode_error_text(out, max, &len,
		    rq->id_text, rq->id_text_len, text, text_len);
	else
		rc = shmrpc__envelope_encode_error(out, max, &len, rq->id,
		    text, text_len);
	if (rc < 0) {
		log_error("channel %s: cannot encode a response: %s",
		    srv->transport->name, shmrpc_strerror(rc));
		return;
	}
	deliver(srv, peer, out, len);
}

/* A bytes error answer: 0xFF, 1, text (cut to fit). */
static void send_bytes_error(shmrpc_server *srv, struct serve_buffers *bufs,
    uint32_t peer, const char *text)
{
	size_t cap, n = strlen(text);
	char *out = answer_area(srv, bufs, peer, &cap);

	if (cap < BYTES_RESP_HEADER)
		return;
	if (n > cap - BYTES_RESP_HEADER)
		n = cap - BYTES_RESP_HEADER;
	out[0] = (char)BYTES_MAGIC;
	out[1] = (char)BYTES_STATUS_ERROR;
	memcpy(out + BYTES_RESP_HEADER, text, n);
	deliver(srv, peer, out, BYTES_RESP_HEADER + n);
}

static void dispatch_bytes(shmrpc_server *srv, struct serve_buffers *bufs,
    uint32_t peer, const unsigned char *in, size_t len)
{
	char name[BYTES_NAME_MAX + 1];
	char text[BYTES_NAME_MAX + 96];
	shmrpc_req req = { .method = name, .peer = peer };
	size_t n, cap, out_len = 0;
	struct method *m;
	char *out;
	int rc;

	n = len >= BYTES_REQ_HEADER ? in[1] : 0;
	if (n == 0 || len < BYTES_REQ_HEADER + n) {
		log_info("channel %s: bad bytes request",
		    srv->transport->name);
		send_bytes_error(srv, bufs, peer,
		    "RPCError: Malformed bytes request");
		return;
	}
	/* A NUL would cut the name short; control bytes have no place in
	 * one (and the name goes into the answer's text). */
	if (shmrpc__name_fault((const char *)in + BYTES_REQ_HEADER, n, true,
		&cap) != NULL) {
		send_bytes_error(srv, bufs, peer, "RPCError: Invalid method "
		    "name: it has a NUL or control byte");
		return;
	}
	memcpy(name, in + BYTES_REQ_HEADER, n);
	name[n] = '\0';
	m = find_method(srv, name);
	if (m == NULL || m->bytes_fn == NULL) {
		snprintf(text, sizeof(text), m == NULL
		    ? "RPCError: Unknown method: %s"
		    : "RPCError: Method %s takes JSON params, not bytes", name);
		send_bytes_error(srv, bufs, peer, text);
		return;
	}
	out = answer_area(srv, bufs, peer, &cap);
	if (cap < BYTES_RESP_HEADER)
		return;
	rc = m->bytes_fn(&req, in + BYTES_REQ_HEADER + n,
	    len - BYTES_REQ_HEADER - n, out + BYTES_RESP_HEADER,
	    cap - BYTES_RESP_HEADER, &out_len, m->arg);
	bool failed = rc != 0 || req.error != NULL ||
	    out_len > cap - BYTES_RESP_HEADER;
	if (rc != 0 || req.error != NULL) {
		send_bytes_error(srv, bufs, peer, req.error != NULL
		    ? req.error : "RuntimeError: method failed");
	} else if (out_len > cap - BYTES_RESP_HEADER) {
		snprintf(text, sizeof(text), "RPCError: Response too large "
		    "for the buffer (max %zu bytes)", cap - BYTES_RESP_HEADER);
		send_bytes_error(srv, bufs, peer, text);
	} else {
		out[0] = (char)BYTES_MAGIC;
		out[1] = (char)BYTES_STATUS_OK;
		deliver(srv, peer, out, BYTES_RESP_HEADER + out_len);
	}
	shmrpc__server_count(m, bufs, failed);
	free(req.error);
}

static void dispatch(shmrpc_server *srv, struct serve_buffers *bufs,
    uint32_t peer, const char *in, size_t len)
{
	struct request_view rq;
	char why[256];
	char unknown[SHMRPC_NAME_MAX + 64];
	shmrpc_req req = { .peer = peer };
	json_t *result = NULL;
	struct method *m;
	int rc;

	/* The method's counters time the whole answer: decoding, the
	 * handler, encoding. */
	bufs->t0 = clock_now_ns();
	if (len > 0 && (unsigned char)in[0] == BYTES_MAGIC) {
		dispatch_bytes(srv, bufs, peer, (const unsigned char *)in, len);
		return;
	}
	if (srv->dispatch_text != NULL &&
	    srv->dispatch_text(srv, bufs, peer, in, len))
		return;
	rc = shmrpc__envelope_decode_request(in, len, &rq, why, sizeof(why));
	if (rc < 0) {
		char text[300];
		snprintf(text, sizeof(text), "RPCError: %s", why);
		log_info("channel %s: bad request: %s", srv->transport->name,
		    why);
		send_reply(srv, bufs, peer, &rq, NULL, text);
		shmrpc__request_view_release(&rq);
		return;
	}
	req.method = rq.method;
	result = builtin_answer(srv, rq.method);
	if (result != NULL) {
		send_reply(srv, bufs, peer, &rq, result, NULL);
		json_decref(result);
		shmrpc__request_view_release(&rq);
		return;
	}
	m = find_method(srv, rq.method);
	if (m == NULL || m->fn == NULL) {
		snprintf(unknown, sizeof(unknown), m == NULL
		    ? "RPCError: Unknown method: %.*s"
		    : m->bytes_fn != NULL
		    ? "RPCError: Method %.*s takes bytes, not JSON"
		    : "RPCError: Method %.*s is not available",
		    SHMRPC_NAME_MAX, rq.method);
		send_reply(srv, bufs, peer, &rq, NULL, unknown);
		shmrpc__request_view_release(&rq);
		return;
	}
	rc = m->fn(&req, rq.params, &result, m->arg);
	if (rc != 0 || req.error != NULL) {
		json_decref(result);
		send_error(srv, bufs, peer, &rq, &req);
	} else {
		send_reply(srv, bufs, peer, &rq, result, NULL);
		json_decref(result);
	}
	shmrpc__server_count(m, bufs, rc != 0 || req.error != NULL);
	free(req.error);
	shmrpc__request_view_release(&rq);
}

/* Wait for a request: in place in shared memory (futex; stable until we
 * answer it) or copied into bufs->in (posix). */
static int next_request(shmrpc_server *srv, struct serve_buffers *bufs,
    const char **in, size_t *len, uint32_t *peer, const struct recv_wait *w)
{
	const void *ref;
	int rc = shmrpc__transport_recv_request_ref(srv->transport, &ref, len,
	    peer, w);

	if (rc != -EPROTONOSUPPORT) {
		*in = ref;
		return rc;
	}
	*in = bufs->in;
	return shmrpc__transport_recv_request_wait(srv->transport, bufs->in,
	    bufs->cap, len, peer, w);
}

/* Where posix requests land and answers are built; futex needs none. */
static int serve_buffers_open(shmrpc_server *srv, struct serve_buffers *bufs)
{
	*bufs = (struct serve_buffers){ 0 };
	if (shmrpc_transport_kind_of(srv->transport) == SHMRPC_TRANSPORT_FUTEX)
		return 0;
	bufs->cap = shmrpc_transport_max_message(srv->transport);
	bufs->in = malloc(bufs->cap > 0 ? bufs->cap : 1);
	bufs->out = malloc(bufs->cap > 0 ? bufs->cap : 1);
	if (bufs->in == NULL || bufs->out == NULL) {
		free(bufs->in);
		free(bufs->out);
		return -ENOMEM;
	}
	return 0;
}

/* How long the next wait for a request may take: max_wait seconds
 * (serve_until), else the channel's timeout, after which serving goes
 * on. */
static struct recv_wait next_wait(const shmrpc_server *srv, double max_wait,
    unsigned flags)
{
	return (struct recv_wait){
		.deadline = deadline_after(max_wait >= 0 ? max_wait
							 : srv->transport->timeout),
		.eintr = (flags & SHMRPC_SERVE_EINTR) != 0,
	};
}

SHMRPC_API int shmrpc_server_serve_until(shmrpc_server *srv, double max_wait,
    unsigned flags)
{
	struct serve_buffers bufs;
	int rc = 0;

	if (srv == NULL || (flags & ~SHMRPC_SERVE_EINTR) != 0)
		return -EINVAL;
	rc = serve_buffers_open(srv, &bufs);
	if (rc < 0)
		return rc;
	while (!atomic_load(&srv->stopped)) {
		struct recv_wait w = next_wait(srv, max_wait, flags);
		const char *in;
		size_t len;
		uint32_t peer;

		rc = next_request(srv, &bufs, &in, &len, &peer, &w);
		if (rc == 0) {
			dispatch(srv, &bufs, peer, in, len);
		} else if (rc == SHMRPC_ETIMEOUT) {
			if (max_wait >= 0)
				break;
			continue;
		} else if (rc == SHMRPC_ESTOPPED || rc == -EINTR) {
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
	free(bufs.out);
	if (rc == SHMRPC_ESTOPPED || atomic_load(&srv->stopped))
		return 0;
	return rc;
}

SHMRPC_API int shmrpc_server_serve(shmrpc_server *srv)
{
	if (srv != NULL)
		log_debug("channel %s: serving %zu methods",
		    srv->transport->name, srv->nmethods);
	return shmrpc_server_serve_until(srv, -1.0, 0);
}

SHMRPC_API void shmrpc_server_stop(shmrpc_server *srv)
{
	if (srv != NULL)
		shmrpc__server_stop(srv);
}

SHMRPC_API void shmrpc_server_close(shmrpc_server *srv)
{
	if (srv == NULL)
		return;
	shmrpc__server_signals_forget(srv);
	shmrpc_transport_close(srv->transport);
	for (size_t i = 0; i < srv->nmethods; i++)
		free(srv->methods[i].name);
	free(srv->methods);
	free(srv);
}

/* ---- for the other serving files of this layer (server.h) ----------------- */

int shmrpc__server_add_method(shmrpc_server *srv, const char *method,
    shmrpc_method_fn fn, shmrpc_bytes_method_fn bytes_fn,
    shmrpc_text_method_fn text_fn, void *arg)
{
	return add_method(srv, method, fn, bytes_fn, text_fn, arg);
}

struct method *shmrpc__server_find_method(shmrpc_server *srv,
    const char *name)
{
	return find_method(srv, name);
}

bool shmrpc__server_builtin(const char *name)
{
	return is_builtin(name);
}

char *shmrpc__server_answer_area(shmrpc_server *srv,
    struct serve_buffers *bufs, uint32_t peer, size_t *cap)
{
	return answer_area(srv, bufs, peer, cap);
}

void shmrpc__server_count(const struct method *m,
    const struct serve_buffers *bufs, bool failed)
{
	/* After the answer, not before: the clock read and the adds are not
	 * in the client's wait, and a reader may see the call counted a
	 * moment after its client has the answer. */
	if (m->ctr != NULL)
		shmrpc__methods_count(m->ctr, failed,
		    clock_now_ns() - bufs->t0);
}

void shmrpc__server_deliver(shmrpc_server *srv, uint32_t peer,
    const char *buf, size_t len)
{
	deliver(srv, peer, buf, len);
}
