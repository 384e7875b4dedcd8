/*
 * libFuzzer target: the request and response envelope decoders
 * (codec/envelope.c), what a server and a client decode from a peer, as
 * a differential test against a reference built on jansson's json_loadb()
 * from the rules in shmrpc(7):
 *
 *   request:  a JSON object nested at most SHMRPC_MAX_DEPTH + 1 levels,
 *             "method" a string with no NUL or control byte, "params" an
 *             object; request_id any value (or absent);
 *   response: an object nested at most SHMRPC_MAX_DEPTH + 1 levels,
 *             "error" absent, null or a string, and a "result" or a
 *             string "error".
 *
 * Accepted by one means accepted by the other, with equal id, method,
 * params, result and error; a request refused for its content keeps its
 * id (for the error reply) and gives a reason.  The response decoder is
 * also run with the id it would expect (its fast path for our own
 * server's text) and must answer the same.  An accepted request
 * re-encodes and decodes back to itself.
 *
 * The text decoders (shmrpc__envelope_scan_request(), _scan_response(),
 * for text calls and text methods, which hand params and results over as
 * JSON text) must agree with the json_t decoders wherever jansson can
 * read the message: the same decision, and slices that are the same
 * values; and what they accept lies inside the message, with a valid
 * method name.  Any disagreement abort()s.
 *
 * Input: the message bytes.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/envelope.h"
#include "codec/json_text.h"
#include "codec/wire_json.h"

#define LOAD_FLAGS (JSON_DECODE_ANY | JSON_ALLOW_NUL)

/*
 * Levels of the JSON text t (valid JSON), as jansson's parser counts them:
 * a value inside k open containers is at level k + 1.  The limit is on
 * the text, not on the value it makes: with a duplicate key, a deep value
 * that a later one replaces still counts (found by this target: its first
 * reference measured the decoded value).
 */
static size_t depth_of(const char *t, size_t n)
{
	size_t open = 0, max = 0;
	bool in_string = false;

	for (size_t i = 0; i < n; i++) {
		char c = t[i];

		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
			continue;
		}
		if (c == '"' || c == '{' || c == '[' || c == '-' ||
		    (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n')
			max = open + 1 > max ? open + 1 : max;
		if (c == '"')
			in_string = true;
		else if (c == '{' || c == '[')
			open++;
		else if (c == '}' || c == ']')
			open--;
	}
	return max;
}

static bool method_name_ok(const json_t *m)
{
	const char *s = json_string_value(m);
	size_t n = json_string_length(m);

	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

static bool same(const json_t *a, const json_t *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && json_equal(a, b));
}

/* A decoded request's id as a value (a new reference, or NULL): the
 * general path keeps it as id, the fast path as its JSON text. */
static json_t *view_id(const struct request_view *v)
{
	json_t *id;

	if (v->id != NULL)
		return json_incref(v->id);
	if (v->id_text == NULL)
		return NULL;
	id = json_loadb(v->id_text, v->id_text_len, JSON_DECODE_ANY, NULL);
	if (id == NULL)
		abort(); /* the fast path's id text must be JSON */
	return id;
}

/* Does the request's id equal ref's (both absent counts as equal)? */
static bool same_id(const struct request_view *v, const json_t *ref)
{
	json_t *id = view_id(v);
	bool eq = same(id, ref);

	json_decref(id);
	return eq;
}

/* Encode the decoded request again and decode that: the same request. */
static void round_trip(const struct request_view *rq)
{
	json_t *idv = view_id(rq);
	const char *id = json_string_value(idv);
	size_t cap, len;
	char *buf;
	struct request_view again;
	char why[256];

	if (id == NULL || strlen(id) != json_string_length(idv)) {
		json_decref(idv);
		return; /* our encoder takes C-string ids */
	}
	cap = 6 * (json_string_length(idv) + strlen(rq->method)) + 256 +
	    shmrpc__wire_json_encode(rq->params, NULL, 0);
	buf = malloc(cap);
	if (buf == NULL)
		abort();
	if (shmrpc__envelope_encode_request(buf, cap, &len, id, rq->method,
		rq->params) != 0)
		abort();
	if (shmrpc__envelope_decode_request(buf, len, &again, why,
		sizeof(why)) != 0 ||
	    strcmp(again.method, rq->method) != 0 ||
	    !json_equal(again.params, rq->params) ||
	    !same_id(&again, idv))
		abort();
	shmrpc__request_view_release(&again);
	json_decref(idv);
	free(buf);
}

static void check_request(const char *data, size_t size, json_t *ref)
{
	struct request_view rq;
	char why[256] = "";
	const json_t *method = json_object_get(ref, "method");
	const json_t *params = json_object_get(ref, "params");
	bool ok = ref != NULL && depth_of(data, size) <= SHMRPC_MAX_DEPTH + 1 &&
	    json_is_object(ref) && json_is_string(method) &&
	    method_name_ok(method) && json_is_object(params);
	int rc = shmrpc__envelope_decode_request(data, size, &rq, why,
	    sizeof(why));

	if ((rc == 0) != ok)
		abort();
	if (rc == 0) {
		if (strlen(rq.method) != json_string_length(method) ||
		    memcmp(rq.method, json_string_value(method),
			json_string_length(method)) != 0 ||
		    !json_equal(rq.params, params) ||
		    !same_id(&rq, json_object_get(ref, "request_id")))
			abort();
		round_trip(&rq);
	} else {
		if (why[0] == '\0' || (rc != SHMRPC_EPROTO &&
		    rc != SHMRPC_ESERIAL))
			abort();
		/* Refused for its content, not its syntax or depth: the id
		 * is kept for the error reply. */
		if (ref != NULL && json_is_object(ref) &&
		    depth_of(data, size) <= SHMRPC_MAX_DEPTH + 1 &&
		    !same_id(&rq, json_object_get(ref, "request_id")))
			abort();
	}
	shmrpc__request_view_release(&rq);
}

static void check_response_with(const char *data, size_t size,
    const char *expect, json_t *ref)
{
	struct response_view rv;
	const json_t *error = json_object_get(ref, "error");
	const json_t *result = json_object_get(ref, "result");
	bool ok = ref != NULL && depth_of(data, size) <= SHMRPC_MAX_DEPTH + 1 &&
	    json_is_object(ref) &&
	    (error == NULL || json_is_null(error) || json_is_string(error)) &&
	    (result != NULL || json_is_string(error));
	int rc = shmrpc__envelope_decode_response(data, size, expect, &rv);

	if ((rc == 0) != ok)
		abort();
	if (rc == 0) {
		const char *id = json_string_value(json_object_get(ref,
		    "request_id"));
		if (!same(rv.result, result) ||
		    (rv.error == NULL) != !json_is_string(error) ||
		    (rv.error != NULL &&
			(rv.error_len != json_string_length(error) ||
			    memcmp(rv.error, json_string_value(error),
				rv.error_len) != 0)) ||
		    (rv.id == NULL) != (id == NULL) ||
		    (id != NULL && strcmp(rv.id, id) != 0))
			abort();
	} else if (rv.why == NULL) {
		abort();
	}
	shmrpc__response_view_release(&rv);
}

static bool in_message(const char *p, size_t n, const char *data,
    size_t size)
{
	return p >= data && n <= size && p + n <= data + size;
}

/* A slice of JSON text decoded with jansson; NULL if it does not. */
static json_t *load(const char *p, size_t n)
{
	return json_loadb(p, n, LOAD_FLAGS, NULL);
}

static bool same_text_value(const char *p, size_t n, const json_t *v)
{
	json_t *t = load(p, n);
	bool eq = t != NULL && v != NULL && json_equal(t, v);

	json_decref(t);
	return eq;
}

/* Whether the text and json_t decoders must agree on a message: jansson
 * reads it, within the depth limit, and it holds no raw NUL (jansson
 * skips one right after a number or a literal; the text checker reads
 * RFC 8259 strictly). */
static bool comparable(const char *data, size_t size, const json_t *ref)
{
	return ref != NULL && depth_of(data, size) <= SHMRPC_MAX_DEPTH + 1 &&
	    memchr(data, '\0', size) == NULL;
}

/* Is the id text p (n bytes; NULL: no id) the id of view v? */
static bool same_text_id(const char *p, size_t n, const struct request_view *v)
{
	json_t *id = view_id(v);
	bool eq = (p == NULL) == (id == NULL) &&
	    (p == NULL || same_text_value(p, n, id));

	json_decref(id);
	return eq;
}

static void check_scan_request(const char *data, size_t size, json_t *ref)
{
	struct request_text rq;
	struct request_view jv;
	char why[256] = "", jwhy[256];
	size_t at;
	int rc = shmrpc__envelope_scan_request(data, size, &rq, why,
	    sizeof(why));
	int jrc = shmrpc__envelope_decode_request(data, size, &jv, jwhy,
	    sizeof(jwhy));

	if (rc == 0) {
		if (rq.method == NULL ||
		    shmrpc__name_fault(rq.method, strlen(rq.method), true,
			&at) != NULL ||
		    !in_message(rq.params, rq.params_len, data, size) ||
		    rq.params[0] != '{' ||
		    (rq.id != NULL && !in_message(rq.id, rq.id_len, data, size)))
			abort();
		if (shmrpc__envelope_check_params(&rq, why, sizeof(why)) != 0)
			rc = -1; /* the server answers that, as jansson would */
	} else if (why[0] == '\0') {
		abort();
	}
	/* Where jansson reads the message within the depth limit, both
	 * decoders decide alike and find the same parts; but for a request
	 * that names its method twice, which the text decoder refuses (it
	 * routed by the first, a JSON reader takes the last). */
	if (comparable(data, size, ref) &&
	    strcmp(why, "Request names its method twice") != 0) {
		if ((rc == 0) != (jrc == 0))
			abort();
		if (rc == 0 && (strcmp(rq.method, jv.method) != 0 ||
		    !same_text_value(rq.params, rq.params_len, jv.params) ||
		    !same_text_id(rq.id, rq.id_len, &jv)))
			abort();
	}
	shmrpc__request_text_release(&rq);
	shmrpc__request_view_release(&jv);
}

static void check_scan_response(const char *data, size_t size,
    const char *expect, json_t *ref)
{
	struct response_view tv, jv;
	int rc = shmrpc__envelope_scan_response(data, size, expect, true, &tv);
	int jrc = shmrpc__envelope_decode_response(data, size, expect, &jv);

	if (rc == 0 && tv.result_text != NULL &&
	    (!in_message(tv.result_text, tv.result_text_len, data, size) ||
		shmrpc__json_text_check(tv.result_text, tv.result_text_len,
		    false, NULL) != 0))
		abort();
	if (comparable(data, size, ref)) {
		if ((rc == 0) != (jrc == 0))
			abort();
		if (rc == 0 && ((tv.result_text == NULL) != (jv.result == NULL) ||
		    (tv.result_text != NULL && !same_text_value(
			tv.result_text, tv.result_text_len, jv.result)) ||
		    (tv.error == NULL) != (jv.error == NULL) ||
		    (tv.error != NULL && (tv.error_len != jv.error_len ||
			memcmp(tv.error, jv.error, tv.error_len) != 0)) ||
		    (tv.id == NULL) != (jv.id == NULL) ||
		    (tv.id != NULL && strcmp(tv.id, jv.id) != 0)))
			abort();
	}
	shmrpc__response_view_release(&tv);
	shmrpc__response_view_release(&jv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *ref = json_loadb((const char *)data, size, LOAD_FLAGS, NULL);
	const json_t *id = json_object_get(ref, "request_id");

	check_request((const char *)data, size, ref);
	check_response_with((const char *)data, size, NULL, ref);
	/* The id a client would wait for: enables the fast path. */
	if (json_is_string(id) &&
	    strlen(json_string_value(id)) == json_string_length(id))
		check_response_with((const char *)data, size,
		    json_string_value(id), ref);
	check_response_with((const char *)data, size, "0123456789abcdef-1",
	    ref);
	check_scan_request((const char *)data, size, ref);
	check_scan_response((const char *)data, size, NULL, ref);
	check_scan_response((const char *)data, size, "0123456789abcdef-1",
	    ref);
	json_decref(ref);
	return 0;
}
