/*
 * text_method.c - layer: RPC.  Methods whose params and results are JSON
 * text (shmrpc_server_register_text(), shmrpc_server_set_fallback_text()):
 * the request's params handed over as the client wrote them, the handler's
 * text put into the response as it wrote it, nothing converted.  Request
 * ids, built-in methods and the JSON methods stay server.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/envelope.h"
#include "rpc/server.h"
#include "transport/transport.h"

static const char suffix[] = ENVELOPE_RESULT_SUFFIX;
#define SUFFIX_LEN (sizeof(suffix) - 1)

/* The error answer to a text request: its id as it came, the text cut to
 * fit the buffer. */
static void send_text_error(shmrpc_server *srv, struct serve_buffers *bufs,
    uint32_t peer, const struct request_text *rq, const char *text,
    size_t text_len)
{
	size_t cap, len;
	char *out = shmrpc__server_answer_area(srv, bufs, peer, &cap);
	int rc = shmrpc__envelope_encode_error_text(out, cap, &len, rq->id,
	    rq->id_len, text, text_len);

	if (rc < 0 && rq->id != NULL)
		/* An id too long to echo: answer without it. */
		rc = shmrpc__envelope_encode_error_text(out, cap, &len, NULL,
		    0, text, text_len);
	if (rc < 0) {
		log_error("channel %s: cannot encode a response: %s",
		    srv->transport->name, shmrpc_strerror(rc));
		return;
	}
	shmrpc__server_deliver(srv, peer, out, len);
}

/* Run fn on the request and answer: the result goes straight into the
 * answer's place, between the envelope's prefix and its suffix.  Params
 * are checked first unless flags has SHMRPC_TEXT_UNCHECKED. */
static void run_text_method(shmrpc_server *srv, struct serve_buffers *bufs,
    uint32_t peer, struct request_text *rq, shmrpc_text_method_fn fn,
    void *arg, unsigned flags, const struct method *m)
{
	static const char failed[] = "RuntimeError: method failed";
	shmrpc_req req = { .peer = peer };
	size_t cap, prefix, room, out_len = 0;
	char *area = shmrpc__server_answer_area(srv, bufs, peer, &cap);
	char toobig[128], why[300];
	int rc;

	if (!(flags & SHMRPC_TEXT_UNCHECKED) &&
	    shmrpc__envelope_check_params(rq, why + 10, sizeof(why) - 10) < 0) {
		memcpy(why, "RPCError: ", 10);
		send_text_error(srv, bufs, peer, rq, why, strlen(why));
		return;
	}
	/* After the check, which may have read the request again. */
	req.method = rq->method;

	prefix = shmrpc__envelope_text_result_prefix(area, cap, rq->id,
	    rq->id_len);
	room = cap >= prefix + SUFFIX_LEN ? cap - prefix - SUFFIX_LEN : 0;
	rc = fn(&req, rq->params, rq->params_len, room > 0 ? area + prefix :
	    NULL, room, &out_len, arg);
	if (rc != 0 || req.error != NULL) {
		if (req.error != NULL)
			send_text_error(srv, bufs, peer, rq, req.error,
			    req.error_len);
		else
			send_text_error(srv, bufs, peer, rq, failed,
			    sizeof(failed) - 1);
	} else if (out_len > room || (out_len == 0 && room < 4)) {
		snprintf(toobig, sizeof(toobig), "RPCError: Response too "
		    "large for the buffer (max %zu bytes)", cap);
		send_text_error(srv, bufs, peer, rq, toobig, strlen(toobig));
	} else {
		if (out_len == 0) {
			memcpy(area + prefix, "null", 4);
			out_len = 4;
		}
		memcpy(area + prefix + out_len, suffix, SUFFIX_LEN);
		shmrpc__server_deliver(srv, peer, area,
		    prefix + out_len + SUFFIX_LEN);
	}
	/* A registered method's call is counted (the fallback's are not). */
	if (m != NULL)
		shmrpc__server_count(m, bufs, rc != 0 || req.error != NULL ||
		    out_len > room || (out_len == 0 && room < 4));
	free(req.error);
}

/* Answer the request if it is for a text method (or the fallback); false
 * when it is the JSON path's: built-ins, JSON and bytes methods, and
 * requests that cannot be read, whose answers that path words. */
static bool dispatch_text(shmrpc_server *srv, struct serve_buffers *bufs,
    uint32_t peer, const char *in, size_t len)
{
	struct request_text rq;
	struct method *m = NULL;
	char why[256];
	bool mine = false;

	if (shmrpc__envelope_scan_request(in, len, &rq, why, sizeof(why)) == 0 &&
	    !shmrpc__server_builtin(rq.method)) {
		m = shmrpc__server_find_method(srv, rq.method);
		if (m != NULL && m->text_fn != NULL) {
			run_text_method(srv, bufs, peer, &rq, m->text_fn,
			    m->arg, m->text_flags, m);
			mine = true;
		} else if (m == NULL && srv->fallback != NULL) {
			run_text_method(srv, bufs, peer, &rq, srv->fallback,
			    srv->fallback_arg, srv->fallback_flags, NULL);
			mine = true;
		}
	}
	shmrpc__request_text_release(&rq);
	return mine;
}

SHMRPC_API int shmrpc_server_register_text(shmrpc_server *srv,
    const char *method, shmrpc_text_method_fn fn, void *arg, unsigned flags)
{
	int rc;

	if (srv == NULL || method == NULL || fn == NULL ||
	    (flags & ~SHMRPC_TEXT_UNCHECKED) != 0)
		return -EINVAL;
	rc = shmrpc__server_add_method(srv, method, NULL, NULL, fn, arg);
	if (rc == 0) {
		shmrpc__server_find_method(srv, method)->text_flags = flags;
		srv->dispatch_text = dispatch_text;
	}
	return rc;
}

SHMRPC_API int shmrpc_server_set_fallback_text(shmrpc_server *srv,
    shmrpc_text_method_fn fn, void *arg, unsigned flags)
{
	if (srv == NULL || (flags & ~SHMRPC_TEXT_UNCHECKED) != 0)
		return -EINVAL;
	srv->fallback = fn;
	srv->fallback_arg = arg;
	srv->fallback_flags = flags;
	if (fn != NULL)
		srv->dispatch_text = dispatch_text;
	return 0;
}
