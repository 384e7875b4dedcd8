/*
 * peer_json.c - peer-bench: both sides of a JSON call for the peers
 * (layer: bench).  What a C user of a Unix socket, ZeroMQ or gRPC writes:
 * jansson's json_dumps()/json_loadb() for an envelope shaped like
 * libshmrpc's (the seed's), so that every system does the same JSON work
 * and differs only in how the bytes move.
 */
#define _GNU_SOURCE
#include <err.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "peer_json.h"

#define DUMP_FLAGS JSON_COMPACT

void peer_json_client_init(struct peer_json_client *st)
{
	if (getrandom(&st->prefix, sizeof(st->prefix), 0) !=
	    (ssize_t)sizeof(st->prefix))
		st->prefix = (uint64_t)getpid() << 32;
	st->next = 0;
}

int peer_json_call(const struct bench_system *sys, void *cli,
    struct peer_json_client *st, const char *method, json_t *params,
    json_t **result)
{
	char id[48];
	json_t *env, *resp, *val, *error;
	json_error_t jerr;
	const void *reply;
	size_t reply_len;
	char *text;
	int rc = -1;

	*result = NULL;
	snprintf(id, sizeof(id), "%016" PRIx64 "-%" PRIu64, st->prefix,
	    st->next++);
	env = json_pack("{s:s, s:s, s:O}", "request_id", id, "method", method,
	    "params", params);
	text = env != NULL ? json_dumps(env, DUMP_FLAGS) : NULL;
	json_decref(env);
	if (text == NULL) {
		warnx("%s: cannot encode the request", sys->name);
		return -1;
	}
	if (sys->roundtrip(cli, text, strlen(text), &reply, &reply_len) < 0) {
		free(text);
		return -1;
	}
	free(text);
	resp = json_loadb(reply, reply_len, 0, &jerr);
	if (resp == NULL) {
		warnx("%s: bad response: %s", sys->name, jerr.text);
		return -1;
	}
	val = json_object_get(resp, "request_id");
	error = json_object_get(resp, "error");
	if (!json_is_string(val) || strcmp(json_string_value(val), id) != 0)
		warnx("%s: response to another request", sys->name);
	else if (error != NULL && !json_is_null(error))
		warnx("%s: %s", sys->name,
		    json_is_string(error) ? json_string_value(error) : "error");
	else {
		*result = json_incref(json_object_get(resp, "result"));
		rc = *result != NULL ? 0 : -1;
	}
	json_decref(resp);
	return rc;
}

/* ---- server side ----------------------------------------------------- */

static json_t *run_method(const char *method, json_t *params,
    const char **error)
{
	if (strcmp(method, "add") == 0) {
		json_t *a = json_object_get(params, "a");
		json_t *b = json_object_get(params, "b");

		if (!json_is_integer(a) || !json_is_integer(b)) {
			*error = "TypeError: need integers";
			return NULL;
		}
		return json_integer(json_integer_value(a) +
		    json_integer_value(b));
	}
	if (strcmp(method, "echo") == 0) {
		json_t *data = json_object_get(params, "data");

		if (!json_is_string(data)) {
			*error = "TypeError: need a string";
			return NULL;
		}
		return json_incref(data);
	}
	if (strcmp(method, "sleep") == 0) {
		json_int_t ms = json_integer_value(json_object_get(params,
		    "ms"));
		struct timespec ts = { (time_t)(ms / 1000),
			(long)(ms % 1000) * 1000000L };

		nanosleep(&ts, NULL);
		return json_true();
	}
	*error = "RPCError: Unknown method";
	return NULL;
}

static int json_handle(const void *req, size_t len, struct peer_reply *out)
{
	json_error_t jerr;
	json_t *env = json_loadb(req, len, 0, &jerr), *id, *params, *result;
	json_t *resp;
	const char *method, *error = NULL;

	if (env == NULL) {
		warnx("server: bad request: %s", jerr.text);
		return -1;
	}
	id = json_object_get(env, "request_id");
	method = json_string_value(json_object_get(env, "method"));
	params = json_object_get(env, "params");
	if (!json_is_string(id) || method == NULL || !json_is_object(params)) {
		result = NULL;
		error = "RPCError: bad request";
	} else
		result = run_method(method, params, &error);
	if (error != NULL)
		resp = json_pack("{s:O, s:n, s:s}", "request_id", id, "result",
		    "error", error);
	else
		resp = json_pack("{s:O, s:o, s:n}", "request_id", id, "result",
		    result, "error");
	json_decref(env);
	out->owned = resp != NULL ? json_dumps(resp, DUMP_FLAGS) : NULL;
	json_decref(resp);
	if (out->owned == NULL) {
		warnx("server: cannot encode the response");
		return -1;
	}
	out->data = out->owned;
	out->len = strlen(out->owned);
	return 0;
}

int peer_handle(enum bench_case kase, const void *req, size_t len,
    struct peer_reply *out)
{
	out->owned = NULL;
	if (kase == CASE_RAW || kase == CASE_BYTES_ECHO) {
		out->data = req;
		out->len = len;
		return 0;
	}
	return json_handle(req, len, out);
}

void peer_reply_done(struct peer_reply *r)
{
	free(r->owned);
	r->owned = NULL;
}
