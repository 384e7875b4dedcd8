/*
 * envelope.c - request/response envelopes (see envelope.h).
 *
 * Built on jansson's json_dumpb()/json_loadb(), writing straight into the
 * caller's buffer so there is no intermediate string.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"

/* Compact like the seed's orjson; keep NUL bytes inside strings. */
#define DUMP_FLAGS (JSON_COMPACT | JSON_ENCODE_ANY)
#define LOAD_FLAGS (JSON_ALLOW_NUL)

void msgbuf_free(struct msgbuf *b)
{
	free(b->data);
	b->data = NULL;
	b->cap = 0;
}

static int msgbuf_reserve(struct msgbuf *b, size_t want)
{
	char *p;

	if (want <= b->cap)
		return 0;
	p = realloc(b->data, want);
	if (p == NULL)
		return -ENOMEM;
	b->data = p;
	b->cap = want;
	return 0;
}

/* Dump obj into b, growing it once if needed. */
static int dump_into(struct msgbuf *b, size_t max, size_t *len,
    const json_t *obj)
{
	size_t n;
	int rc;

	if (b->cap == 0 && (rc = msgbuf_reserve(b, 256)) < 0)
		return rc;
	n = json_dumpb(obj, b->data, b->cap, DUMP_FLAGS);
	if (n == 0)
		return SHMRPC_ESERIAL;
	if (n > max)
		return SHMRPC_ETOOBIG;
	if (n > b->cap) {
		if ((rc = msgbuf_reserve(b, n)) < 0)
			return rc;
		n = json_dumpb(obj, b->data, b->cap, DUMP_FLAGS);
		if (n == 0 || n > b->cap)
			return SHMRPC_ESERIAL;
	}
	*len = n;
	return 0;
}

int envelope_encode_request(struct msgbuf *b, size_t max, size_t *len,
    const char *id, const char *method, const json_t *params)
{
	json_t *env = json_object();
	int rc = -ENOMEM;

	if (env == NULL)
		return -ENOMEM;
	/* json_object_set() takes its own reference; params stays borrowed. */
	if (json_object_set_new(env, "request_id", json_string(id)) == 0 &&
	    json_object_set_new(env, "method", json_string(method)) == 0 &&
	    json_object_set(env, "params", (json_t *)params) == 0)
		rc = dump_into(b, max, len, env);
	else if (json_string(method) == NULL)
		rc = SHMRPC_ESERIAL; /* method is not UTF-8 */
	json_decref(env);
	return rc;
}

int envelope_encode_response(struct msgbuf *b, size_t max, size_t *len,
    const json_t *id, const json_t *result, const char *error)
{
	json_t *env = json_object();
	json_t *err_value;
	int rc = -ENOMEM;

	if (env == NULL)
		return -ENOMEM;
	if (error != NULL)
		err_value = json_string(error);
	else
		err_value = json_null();
	if (err_value == NULL) /* error text not UTF-8 */
		err_value = json_string("RPCError: error text is not UTF-8");
	if (json_object_set(env, "request_id",
		id != NULL ? (json_t *)id : json_null()) == 0 &&
	    json_object_set(env, "result",
		result != NULL ? (json_t *)result : json_null()) == 0 &&
	    json_object_set_new(env, "error", err_value) == 0)
		rc = dump_into(b, max, len, env);
	json_decref(env);
	return rc;
}

void request_view_release(struct request_view *v)
{
	json_decref(v->root);
	memset(v, 0, sizeof(*v));
}

int envelope_decode_request(const char *buf, size_t len,
    struct request_view *out, char *why, size_t whylen)
{
	json_error_t jerr;
	json_t *method;

	memset(out, 0, sizeof(*out));
	out->root = json_loadb(buf, len, LOAD_FLAGS, &jerr);
	if (out->root == NULL) {
		snprintf(why, whylen, "Invalid JSON in request: %s", jerr.text);
		return SHMRPC_ESERIAL;
	}
	if (!json_is_object(out->root)) {
		snprintf(why, whylen, "Request is not a JSON object");
		return SHMRPC_EPROTO;
	}
	out->id = json_object_get(out->root, "request_id");
	method = json_object_get(out->root, "method");
	out->params = json_object_get(out->root, "params");
	if (!json_is_string(method)) {
		snprintf(why, whylen, "Request has no method name");
		return SHMRPC_EPROTO;
	}
	out->method = json_string_value(method);
	if (out->params == NULL) {
		snprintf(why, whylen, "Request has no params");
		return SHMRPC_EPROTO;
	}
	if (!json_is_object(out->params)) {
		snprintf(why, whylen, "Request params is not an object");
		return SHMRPC_EPROTO;
	}
	return 0;
}

void response_view_release(struct response_view *v)
{
	json_decref(v->root);
	memset(v, 0, sizeof(*v));
}

int envelope_decode_response(const char *buf, size_t len,
    struct response_view *out)
{
	json_t *id, *error;

	memset(out, 0, sizeof(*out));
	out->root = json_loadb(buf, len, LOAD_FLAGS, NULL);
	if (out->root == NULL)
		return SHMRPC_ESERIAL;
	if (!json_is_object(out->root))
		return SHMRPC_EPROTO;
	id = json_object_get(out->root, "request_id");
	out->result = json_object_get(out->root, "result");
	error = json_object_get(out->root, "error");
	out->id = json_string_value(id);
	if (error != NULL && json_is_string(error)) {
		out->error = json_string_value(error);
		out->error_len = json_string_length(error);
	} else if (error != NULL && !json_is_null(error)) {
		return SHMRPC_EPROTO;
	}
	if (out->result == NULL && out->error == NULL)
		return SHMRPC_EPROTO;
	return 0;
}
