/*
 * envelope.c - layer: codec.  Request/response envelopes (see envelope.h).
 *
 * Why not jansson's own json_dumpb()/json_loadb() (as this file used to)?
 * The envelope would have to be built as a json_t object only to be dumped
 * (three allocations and a hash table per call), and jansson's text codec is
 * the slow part of every call: ~5.2 us for a small request and response on
 * our VMs, ~37 ms for a 2 MB string where memcpy takes 0.05 ms.  wire_json
 * produces the same bytes as json_dumpb(JSON_COMPACT | JSON_ENCODE_ANY) and
 * accepts exactly what json_loadb() accepts (differentially tested and
 * fuzzed against jansson), 20-100x faster; here the envelope's fixed parts
 * are written as literal text around it, straight into the destination
 * buffer (shared memory on the futex transport).  jansson stays the data
 * model: params and results are json_t, built and owned as before.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/envelope.h"
#include "codec/json_text.h"
#include "codec/utf8.h"
#include "codec/wire_json.h"

/* Output cursor: counts every byte needed, writes only what fits. */
struct out {
	char *buf;
	size_t cap;
	size_t len;
};

static void put_lit(struct out *o, const char *s, size_t n)
{
	if (o->len <= o->cap && n <= o->cap - o->len)
		memcpy(o->buf + o->len, s, n);
	o->len += n;
}
#define PUT_LIT(o, s) put_lit((o), (s), sizeof(s) - 1)

static char *room(struct out *o, size_t *cap)
{
	*cap = o->len < o->cap ? o->cap - o->len : 0;
	return *cap > 0 ? o->buf + o->len : NULL;
}

static bool put_string(struct out *o, const char *s, size_t n)
{
	size_t cap;
	char *at = room(o, &cap);
	size_t need = shmrpc__wire_json_encode_string(s, n, at, cap);

	if (need == 0)
		return false;
	o->len += need;
	return true;
}

/* params, a result or an id: at most SHMRPC_MAX_DEPTH levels, so that
 * the peer can decode it (see envelope.h). */
static bool put_value(struct out *o, const json_t *v)
{
	size_t cap;
	char *at = room(o, &cap);
	size_t need = shmrpc__wire_json_encode_depth(v, at, cap,
	    SHMRPC_MAX_DEPTH);

	if (need == 0)
		return false;
	o->len += need;
	return true;
}

static int finish(const struct out *o, size_t *len)
{
	if (o->len > o->cap)
		return SHMRPC_ETOOBIG;
	*len = o->len;
	return 0;
}

int shmrpc__envelope_encode_request(char *buf, size_t cap, size_t *len,
    const char *id, const char *method, const json_t *params)
{
	struct out o = { buf, buf == NULL ? 0 : cap, 0 };

	PUT_LIT(&o, "{\"request_id\":");
	if (!put_string(&o, id, strlen(id)))
		return SHMRPC_ESERIAL;
	PUT_LIT(&o, ",\"method\":");
	if (!put_string(&o, method, strlen(method)))
		return SHMRPC_ESERIAL; /* method is not UTF-8 */
	PUT_LIT(&o, ",\"params\":");
	if (!put_value(&o, params))
		return SHMRPC_ESERIAL;
	PUT_LIT(&o, "}");
	return finish(&o, len);
}

/* A response from its "result" on, after the id in o. */
static int put_response_rest(struct out *o, size_t *len, const json_t *result,
    const char *error)
{
	static const char not_utf8[] = "RPCError: error text is not UTF-8";

	PUT_LIT(o, ",\"result\":");
	if (result == NULL)
		PUT_LIT(o, "null");
	else if (!put_value(o, result))
		return SHMRPC_ESERIAL;
	PUT_LIT(o, ",\"error\":");
	if (error == NULL)
		PUT_LIT(o, "null");
	else if (!put_string(o, error, strlen(error)) &&
	    !put_string(o, not_utf8, sizeof(not_utf8) - 1))
		return SHMRPC_ESERIAL;
	PUT_LIT(o, "}");
	return finish(o, len);
}

int shmrpc__envelope_encode_response(char *buf, size_t cap, size_t *len,
    const json_t *id, const json_t *result, const char *error)
{
	struct out o = { buf, buf == NULL ? 0 : cap, 0 };

	PUT_LIT(&o, "{\"request_id\":");
	if (id == NULL)
		PUT_LIT(&o, "null");
	else if (!put_value(&o, id))
		return SHMRPC_ESERIAL;
	return put_response_rest(&o, len, result, error);
}

int shmrpc__envelope_encode_response_id_text(char *buf, size_t cap,
    size_t *len, const char *id, size_t id_len, const json_t *result,
    const char *error)
{
	struct out o = { buf, buf == NULL ? 0 : cap, 0 };

	PUT_LIT(&o, "{\"request_id\":");
	if (id == NULL)
		PUT_LIT(&o, "null");
	else
		put_lit(&o, id, id_len);
	return put_response_rest(&o, len, result, error);
}

void shmrpc__request_view_release(struct request_view *v)
{
	json_decref(v->root);
	json_decref(v->own_id);
	v->root = v->own_id = v->id = NULL;
	v->id_text = v->method = NULL;
	v->params = NULL;
}

#define LIT_LEN(s) (sizeof(s) - 1)
#define HAS_LIT(p, end, s) \
	((size_t)((end) - (p)) >= LIT_LEN(s) && memcmp((p), (s), LIT_LEN(s)) == 0)

/* Bytes that may appear in a fast-path id or method string: printable
 * ASCII but '"' and '\\' (so no escapes and nothing to validate). */
static const char *plain_ascii_end(const char *p, const char *end)
{
	while (p < end && *p >= 0x20 && *p <= 0x7e && *p != '"' && *p != '\\')
		p++;
	return p;
}

/*
 * Copies the contents of the string token at p, plain ASCII as
 * plain_ascii_end() takes it, to dst (at most cap bytes) and returns the
 * byte after its closing quote; NULL when it is no such token or longer.
 * Each byte is read once and checked as it is copied: on the futex
 * transport the request lies in shared memory, and the client could
 * rewrite it meanwhile, but what was checked is what was copied.
 */
static const char *copy_plain_token(char *dst, size_t cap, const char *p,
    const char *end, size_t *n)
{
	if (p >= end || *p != '"')
		return NULL;
	for (size_t i = 0; ++p < end;) {
		const unsigned char c = (unsigned char)*p;

		if (c == '"') {
			*n = i;
			return p + 1;
		}
		if (c < 0x20 || c > 0x7e || c == '\\' || i == cap)
			return NULL;
		dst[i++] = (char)c;
	}
	return NULL;
}

/*
 * The exact text shmrpc__envelope_encode_request() writes for short plain
 * ASCII id and method: {"request_id":"ID","method":"NAME","params":{...}}.
 * Only params (the one part the handler needs as json_t) is decoded; the
 * id and the name are copied into the view, the id to be written back as
 * it came.  Any other text, including anything the general path would
 * reject or answer with a reason, falls through to it: the result is
 * always the general path's.  1 if done.
 */
static int decode_request_fast(const char *buf, size_t len,
    struct request_view *out)
{
	const char *p = buf, *end = buf + len;
	size_t id_len, m_len;

	if (!HAS_LIT(p, end, "{\"request_id\":"))
		return 0;
	p = copy_plain_token(out->id_copy + 1, REQUEST_FAST_ID_MAX,
	    p + LIT_LEN("{\"request_id\":"), end, &id_len);
	if (p == NULL || !HAS_LIT(p, end, ",\"method\":"))
		return 0;
	p = copy_plain_token(out->method_copy, REQUEST_FAST_METHOD_MAX,
	    p + LIT_LEN(",\"method\":"), end, &m_len);
	if (p == NULL || m_len == 0 || !HAS_LIT(p, end, ",\"params\":{") ||
	    end[-1] != '}')
		return 0;
	p += LIT_LEN(",\"params\":");
	/* params is the text between here and the final '}'; it is an
	 * object, as it starts with '{', if it decodes at all. */
	out->root = shmrpc__wire_json_decode_depth(p, (size_t)(end - 1 - p),
	    SHMRPC_MAX_DEPTH, NULL);
	if (out->root == NULL || !json_is_object(out->root)) {
		shmrpc__request_view_release(out);
		return 0;
	}
	out->id_copy[0] = '"';
	out->id_copy[id_len + 1] = '"';
	out->id_text = out->id_copy;
	out->id_text_len = id_len + 2;
	out->method_copy[m_len] = '\0';
	out->method = out->method_copy;
	out->params = out->root;
	return 1;
}

static int refuse_unreadable(const char *buf, size_t len,
    const json_error_t *jerr, struct request_view *out, char *why,
    size_t whylen);

/* A method name with a NUL would be cut short as a C string ("add\u0000x"
 * would run "add"), and control bytes have no business in one. */
static bool method_name_ok(const char *name, size_t len, char *why,
    size_t whylen)
{
	size_t at;
	const char *fault = shmrpc__name_fault(name, len, true, &at);

	if (fault == NULL)
		return true;
	snprintf(why, whylen, "Invalid method name: %s", fault);
	return false;
}

int shmrpc__envelope_decode_request(const char *buf, size_t len,
    struct request_view *out, char *why, size_t whylen)
{
	json_error_t jerr;
	json_t *method;

	memset(out, 0, sizeof(*out));
	if (decode_request_fast(buf, len, out))
		return 0;
	/* The envelope is one level above params. */
	out->root = shmrpc__wire_json_decode_depth(buf, len,
	    SHMRPC_MAX_DEPTH + 1, &jerr);
	if (out->root == NULL)
		return refuse_unreadable(buf, len, &jerr, out, why, whylen);
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
	if (!method_name_ok(out->method, json_string_length(method), why,
	    whylen))
		return SHMRPC_EPROTO;
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

void shmrpc__response_view_release(struct response_view *v)
{
	json_decref(v->root);
	memset(v, 0, sizeof(*v));
}

static bool our_response_result(const char *buf, size_t len,
    const char *expect_id, const char **result, const char **result_end);

/*
 * The exact text our server writes for a success:
 * {"request_id":"ID","result":VALUE,"error":null} with ID the one we
 * expect.  Only VALUE is decoded.  Anything else falls through to the
 * general path.  1 if done.
 */
static int decode_response_fast(const char *buf, size_t len,
    const char *expect_id, struct response_view *out)
{
	const char *p, *end;

	if (!our_response_result(buf, len, expect_id, &p, &end))
		return 0;
	out->root = shmrpc__wire_json_decode_depth(p, (size_t)(end - p),
	    SHMRPC_MAX_DEPTH, NULL);
	if (out->root == NULL)
		return 0;
	out->id = expect_id;
	out->result = out->root;
	return 1;
}

int shmrpc__envelope_decode_response(const char *buf, size_t len,
    const char *expect_id, struct response_view *out)
{
	json_error_t jerr;
	json_t *id, *error;

	memset(out, 0, sizeof(*out));
	if (decode_response_fast(buf, len, expect_id, out))
		return 0;
	out->root = shmrpc__wire_json_decode_depth(buf, len,
	    SHMRPC_MAX_DEPTH + 1, &jerr);
	if (out->root == NULL && json_error_code(&jerr) ==
	    json_error_stack_overflow) {
		out->why = "it is nested deeper than "
		    SHMRPC__STR(SHMRPC_MAX_DEPTH) " levels";
		return SHMRPC_EPROTO;
	}
	if (out->root == NULL) {
		out->why = "it is not JSON";
		return SHMRPC_ESERIAL;
	}
	if (!json_is_object(out->root)) {
		out->why = "it is not a JSON object";
		return SHMRPC_EPROTO;
	}
	id = json_object_get(out->root, "request_id");
	out->result = json_object_get(out->root, "result");
	error = json_object_get(out->root, "error");
	out->id = json_string_value(id);
	if (error != NULL && json_is_string(error)) {
		out->error = json_string_value(error);
		out->error_len = json_string_length(error);
	} else if (error != NULL && !json_is_null(error)) {
		out->why = "its error is neither a string nor null";
		return SHMRPC_EPROTO;
	}
	if (out->result == NULL && out->error == NULL) {
		out->why = "it has neither a result nor an error";
		return SHMRPC_EPROTO;
	}
	return 0;
}

bool shmrpc__envelope_too_deep(const json_t *v)
{
	return v != NULL &&
	    shmrpc__wire_json_encode_depth(v, NULL, 0, SHMRPC_MAX_DEPTH) == 0 &&
	    shmrpc__wire_json_encode(v, NULL, 0) != 0;
}

/* ---- text envelopes (see envelope.h) ------------------------------------- */

static const char *skip_space(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* One member of an envelope object that we look for: its key, and where
 * its value's text lies (at NULL: not seen). */
struct member {
	const char *key;
	const char *at;
	size_t len;
};

/* Whether the key token (quotes included) spells want.  Keys with
 * escapes are decoded first, so "\u0072esult" is "result" as for any
 * JSON reader. */
static bool key_is(const char *tok, size_t len, const char *want)
{
	const size_t n = strlen(want);
	json_t *k;
	bool same;

	if (memchr(tok, '\\', len) == NULL)
		return len == n + 2 && memcmp(tok + 1, want, n) == 0;
	k = shmrpc__wire_json_decode(tok, len, NULL);
	same = json_is_string(k) && json_string_length(k) == n &&
	    memcmp(json_string_value(k), want, n) == 0;
	json_decref(k);
	return same;
}

static void note_member(struct member *m, size_t nm, const char *key,
    size_t key_len, const char *at, size_t len)
{
	for (size_t i = 0; i < nm; i++) {
		if (key_is(key, key_len, m[i].key)) {
			m[i].at = at; /* the last one wins, as in json_t */
			m[i].len = len;
		}
	}
}

/*
 * Walk the object that is buf (len bytes): for each member whose key is
 * one of m[0..nm), note where its value's text lies.  0 when buf is
 * exactly one well-formed object (whitespace around it allowed); 1 when
 * it is well formed but not an object; -1 at the first fault, with what
 * was noted before it kept and why filled.
 */
static int scan_members(const char *buf, size_t len, struct member *m,
    size_t nm, struct json_text_error *why)
{
	const char *p = buf, *end = buf + len, *start;
	const char *reason = "',' or '}' expected";
	size_t n;

	for (size_t i = 0; i < nm; i++)
		m[i].at = NULL;
	p = skip_space(p, end);
	if (p == end || *p != '{')
		return shmrpc__json_text_check(buf, len, false, why) < 0 ? -1 : 1;
	p = skip_space(p + 1, end);
	if (p < end && *p == '}')
		goto closed;
	for (;;) {
		const char *key = start = p;
		size_t key_len;

		if (shmrpc__json_text_skip_string(p, (size_t)(end - p),
		    &key_len, why) < 0)
			goto fault;
		p = skip_space(p + key_len, end);
		if (p == end || *p != ':') {
			reason = "':' expected";
			goto fault_here;
		}
		p = start = skip_space(p + 1, end);
		if (shmrpc__json_text_skip(p, (size_t)(end - p), &n, why) < 0)
			goto fault;
		note_member(m, nm, key, key_len, p, n);
		p = skip_space(p + n, end);
		if (p < end && *p == ',') {
			p = skip_space(p + 1, end);
			continue;
		}
		if (p < end && *p == '}')
			break;
		goto fault_here;
	}
closed:
	if (skip_space(p + 1, end) == end)
		return 0;
	p = skip_space(p + 1, end);
	reason = "end of input expected";
fault_here:
	if (why != NULL) {
		why->reason = reason;
		why->offset = (size_t)(p - buf);
	}
	return -1;
fault:
	if (why != NULL)
		why->offset += (size_t)(start - buf);
	return -1;
}

/* A decoded JSON value of the text at[0..len), kept in *own (an array
 * made on first use); NULL when it does not decode. */
static json_t *decode_kept(json_t **own, const char *at, size_t len)
{
	json_t *v = shmrpc__wire_json_decode(at, len, NULL);

	if (v == NULL)
		return NULL;
	if (*own == NULL)
		*own = json_array();
	if (*own == NULL || json_array_append_new(*own, v) != 0)
		return NULL;
	return v;
}

/* {"request_id":ID,"method":NAME,"params": into o.  false if the id or
 * the method is not UTF-8. */
static bool put_request_prefix(struct out *o, const char *id,
    const char *method)
{
	PUT_LIT(o, "{\"request_id\":");
	if (!put_string(o, id, strlen(id)))
		return false;
	PUT_LIT(o, ",\"method\":");
	if (!put_string(o, method, strlen(method)))
		return false;
	PUT_LIT(o, ",\"params\":");
	return true;
}

size_t shmrpc__envelope_request_text_prefix(char *buf, size_t cap,
    const char *id, const char *method)
{
	struct out o = { buf, buf == NULL ? 0 : cap, 0 };

	return put_request_prefix(&o, id, method) ? o.len : 0;
}

int shmrpc__envelope_encode_request_text(char *buf, size_t cap, size_t *len,
    const char *id, const char *method, const char *params,
    size_t params_len)
{
	struct out o = { buf, buf == NULL ? 0 : cap, 0 };

	if (!put_request_prefix(&o, id, method))
		return SHMRPC_ESERIAL; /* method is not UTF-8 */
	if (params == NULL)
		PUT_LIT(&o, "{}");
	else
		put_lit(&o, params, params_len);
	PUT_LIT(&o, "}");
	return finish(&o, len);
}

/* {"request_id":"ID","result":TEXT,"error":null}, ID the one expected:
 * only TEXT is checked, and only if check.  1 if done. */
/*
 * Is buf the envelope our servers write for a success,
 * {"request_id":"ID","result":VALUE,"error":null}, with ID the one
 * expected?  Then [*result, *result_end) is VALUE's text, unchecked.
 */
static bool our_response_result(const char *buf, size_t len,
    const char *expect_id, const char **result, const char **result_end)
{
	static const char tail[] = ENVELOPE_RESULT_SUFFIX;
	const char *p = buf, *end = buf + len;
	size_t idlen;

	if (expect_id == NULL || !HAS_LIT(p, end, "{\"request_id\":\""))
		return false;
	p += LIT_LEN("{\"request_id\":\"");
	idlen = strlen(expect_id);
	if ((size_t)(end - p) < idlen || memcmp(p, expect_id, idlen) != 0)
		return false;
	p += idlen;
	if (!HAS_LIT(p, end, "\",\"result\":"))
		return false;
	p += LIT_LEN("\",\"result\":");
	if ((size_t)(end - p) < LIT_LEN(tail) ||
	    memcmp(end - LIT_LEN(tail), tail, LIT_LEN(tail)) != 0)
		return false;
	*result = p;
	*result_end = end - LIT_LEN(tail);
	return true;
}

static int scan_response_fast(const char *buf, size_t len,
    const char *expect_id, bool check, struct response_view *out)
{
	const char *p, *end;

	if (!our_response_result(buf, len, expect_id, &p, &end))
		return 0;
	if (check && shmrpc__json_text_check(p, (size_t)(end - p), false,
	    NULL) < 0)
		return 0;
	out->id = expect_id;
	out->result_text = p;
	out->result_text_len = (size_t)(end - p);
	return 1;
}

int shmrpc__envelope_scan_response(const char *buf, size_t len,
    const char *expect_id, bool check, struct response_view *out)
{
	struct member m[] = { { "request_id", NULL, 0 }, { "result", NULL, 0 },
		{ "error", NULL, 0 } };
	json_t *id, *error;
	int rc;

	memset(out, 0, sizeof(*out));
	if (scan_response_fast(buf, len, expect_id, check, out))
		return 0;
	rc = scan_members(buf, len, m, ARRAY_LEN(m), NULL);
	if (rc != 0)
		return rc < 0 ? SHMRPC_ESERIAL : SHMRPC_EPROTO;
	if (m[0].at != NULL && m[0].at[0] == '"') {
		id = decode_kept(&out->root, m[0].at, m[0].len);
		out->id = json_string_value(id);
	}
	if (m[2].at != NULL && m[2].at[0] == '"') {
		error = decode_kept(&out->root, m[2].at, m[2].len);
		if (error == NULL)
			return SHMRPC_ESERIAL;
		out->error = json_string_value(error);
		out->error_len = json_string_length(error);
	} else if (m[2].at != NULL && !HAS_LIT(m[2].at, m[2].at + m[2].len,
	    "null")) {
		return SHMRPC_EPROTO;
	}
	out->result_text = m[1].at;
	out->result_text_len = m[1].len;
	if (out->result_text == NULL && out->error == NULL)
		return SHMRPC_EPROTO;
	return 0;
}

void shmrpc__request_text_release(struct request_text *v)
{
	json_decref(v->own);
	memset(v, 0, sizeof(*v));
}

/* The method name of a request: the string token at[0..len) as a C
 * string, in out->method_copy when it is short and plain, else decoded.
 * false when it is not a string, or not a method name (a NUL would cut it
 * short; control bytes, none: *fault then says why). */
static bool take_method(struct request_text *out, const char *at, size_t len,
    const char **fault)
{
	const char *name;
	size_t n, bad;
	json_t *m;

	if (len < 2 || at[0] != '"')
		return false;
	if (len - 2 < sizeof(out->method_copy) &&
	    memchr(at, '\\', len) == NULL) {
		memcpy(out->method_copy, at + 1, len - 2);
		out->method_copy[len - 2] = '\0';
		name = out->method_copy;
		n = len - 2;
	} else {
		m = decode_kept(&out->own, at, len);
		if (m == NULL)
			return false;
		name = json_string_value(m);
		n = json_string_length(m);
	}
	/* Raw DEL is valid JSON; \u escapes may make any control byte. */
	*fault = shmrpc__name_fault(name, n, true, &bad);
	if (*fault != NULL)
		return false;
	out->method = name;
	return true;
}

/* {"request_id":"ID","method":"NAME","params":{...}}, as our clients
 * write it, with plain ASCII ID and NAME: params is the text up to the
 * final '}', checked later if at all.  1 if done. */
static int scan_request_fast(const char *buf, size_t len,
    struct request_text *out)
{
	const char *p = buf, *end = buf + len, *id, *id_end, *m, *m_end;
	const char *fault = NULL;

	if (!HAS_LIT(p, end, "{\"request_id\":\""))
		return 0;
	id = p + LIT_LEN("{\"request_id\":");
	id_end = plain_ascii_end(id + 1, end);
	p = id_end + 1;
	if (id_end >= end || *id_end != '"' ||
	    !HAS_LIT(p, end, ",\"method\":\""))
		return 0;
	m = p + LIT_LEN(",\"method\":");
	m_end = plain_ascii_end(m + 1, end);
	p = m_end + 1;
	if (m_end >= end || *m_end != '"' || m_end == m + 1 ||
	    !HAS_LIT(p, end, ",\"params\":{") || end[-1] != '}')
		return 0;
	p += LIT_LEN(",\"params\":");
	if (!take_method(out, m, (size_t)(m_end + 1 - m), &fault))
		return 0;
	out->id = id;
	out->id_len = (size_t)(id_end + 1 - id);
	out->params = p;
	out->params_len = (size_t)(end - 1 - p);
	return 1;
}

/* The request's members, found by reading all of it (out zeroed but for
 * buf).  As shmrpc__envelope_scan_request(). */
static int scan_request_members(const char *buf, size_t len,
    struct request_text *out, char *why, size_t whylen)
{
	struct member m[] = { { "request_id", NULL, 0 }, { "method", NULL, 0 },
		{ "params", NULL, 0 } };
	struct json_text_error jerr = { "?", 0 };
	const char *fault = NULL;
	int rc;

	rc = scan_members(buf, len, m, ARRAY_LEN(m), &jerr);
	out->id = m[0].at;
	out->id_len = m[0].len;
	if (rc < 0) {
		snprintf(why, whylen, "Invalid JSON in request: %s at byte %zu",
		    jerr.reason, jerr.offset);
		return SHMRPC_ESERIAL;
	}
	if (rc > 0) {
		snprintf(why, whylen, "Request is not a JSON object");
		return SHMRPC_EPROTO;
	}
	if (m[1].at == NULL || !take_method(out, m[1].at, m[1].len, &fault)) {
		if (fault != NULL)
			snprintf(why, whylen, "Invalid method name: %s", fault);
		else
			snprintf(why, whylen, "Request has no method name");
		return SHMRPC_EPROTO;
	}
	if (m[2].at == NULL) {
		snprintf(why, whylen, "Request has no params");
		return SHMRPC_EPROTO;
	}
	if (m[2].at[0] != '{') {
		snprintf(why, whylen, "Request params is not an object");
		return SHMRPC_EPROTO;
	}
	out->params = m[2].at;
	out->params_len = m[2].len;
	out->params_checked = true;
	return 0;
}

int shmrpc__envelope_scan_request(const char *buf, size_t len,
    struct request_text *out, char *why, size_t whylen)
{
	memset(out, 0, sizeof(*out));
	out->buf = buf;
	if (scan_request_fast(buf, len, out))
		return 0;
	return scan_request_members(buf, len, out, why, whylen);
}

int shmrpc__envelope_check_params(struct request_text *rq, char *why,
    size_t whylen)
{
	struct request_text full;
	int rc;

	if (rq->params_checked || shmrpc__json_text_check(rq->params,
	    rq->params_len, true, NULL) == 0)
		return 0;
	/*
	 * The fast path took the rest of the message for params, as our
	 * clients put them last; a request with members after params (valid
	 * JSON: {"request_id":..,"method":..,"params":{},"x":1}) is not
	 * that.  Read all of it (found by fuzz_envelope).  The fast path's
	 * params end one byte before the message does.
	 */
	memset(&full, 0, sizeof(full));
	full.buf = rq->buf;
	rc = scan_request_members(rq->buf,
	    (size_t)(rq->params + rq->params_len + 1 - rq->buf), &full, why,
	    whylen);
	if (rc == 0 && strcmp(full.method, rq->method) != 0) {
		/* "method" twice: the request was routed by the first, and
		 * a JSON reader takes the last. */
		snprintf(why, whylen, "Request names its method twice");
		rc = SHMRPC_EPROTO;
	}
	if (rc < 0) {
		shmrpc__request_text_release(&full);
		return rc;
	}
	/* What a JSON reader makes of it: the last of a repeated member. */
	shmrpc__request_text_release(rq);
	*rq = full;
	if (full.method == full.method_copy)
		rq->method = rq->method_copy;
	return 0;
}

size_t shmrpc__envelope_text_result_prefix(char *buf, size_t cap,
    const char *id, size_t id_len)
{
	struct out o = { buf, buf == NULL ? 0 : cap, 0 };

	PUT_LIT(&o, "{\"request_id\":");
	if (id == NULL)
		PUT_LIT(&o, "null");
	else
		put_lit(&o, id, id_len);
	PUT_LIT(&o, ",\"result\":");
	return o.len;
}

/* How many bytes of s (n bytes, valid UTF-8) fit in room bytes once
 * written as a JSON string with its quotes: never a partial character. */
static size_t string_fit(const char *s, size_t n, size_t room)
{
	size_t used = 2, i = 0, fit = 0;

	while (i < n) {
		const unsigned char c = (unsigned char)s[i];
		size_t w = c == '"' || c == '\\' ? 2 : c >= 0x20 ? 1
		    : strchr("\b\f\n\r\t", c) != NULL && c != 0 ? 2 : 6;

		if (used + w > room)
			break;
		used += w;
		i++;
		if (i == n || ((unsigned char)s[i] & 0xc0) != 0x80)
			fit = i; /* a character ends here */
	}
	return fit;
}

/* "error":"TEXT"} after whatever o holds, TEXT cut to fit. */
static int put_error_cut(struct out *o, const char *error, size_t n)
{
	static const char not_utf8[] = "RPCError: error text is not UTF-8";
	static const char close[] = "}";

	PUT_LIT(o, ",\"result\":null,\"error\":");
	if (!shmrpc__utf8_valid((const uchar *)error, n)) {
		error = not_utf8;
		n = sizeof(not_utf8) - 1;
	}
	if (o->len + LIT_LEN(close) + 2 > o->cap)
		return SHMRPC_ETOOBIG;
	n = string_fit(error, n, o->cap - o->len - LIT_LEN(close));
	if (!put_string(o, error, n))
		return SHMRPC_ESERIAL;
	PUT_LIT(o, "}");
	return 0;
}

int shmrpc__envelope_encode_error_text(char *buf, size_t cap, size_t *len,
    const char *id, size_t id_len, const char *error, size_t error_len)
{
	struct out o = { buf, buf == NULL ? 0 : cap, 0 };
	int rc;

	PUT_LIT(&o, "{\"request_id\":");
	if (id == NULL)
		PUT_LIT(&o, "null");
	else
		put_lit(&o, id, id_len);
	rc = put_error_cut(&o, error, error_len);
	return rc < 0 ? rc : finish(&o, len);
}

int shmrpc__envelope_encode_error(char *buf, size_t cap, size_t *len,
    const json_t *id, const char *error, size_t error_len)
{
	struct out o = { buf, buf == NULL ? 0 : cap, 0 };
	int rc;

	PUT_LIT(&o, "{\"request_id\":");
	if (id == NULL)
		PUT_LIT(&o, "null");
	else if (!put_value(&o, id))
		return SHMRPC_ESERIAL;
	rc = put_error_cut(&o, error, error_len);
	return rc < 0 ? rc : finish(&o, len);
}

#if JSON_INTEGER_IS_LONG_LONG
#define JSON_INT_MIN LLONG_MIN
#define JSON_INT_MAX LLONG_MAX
#else
#define JSON_INT_MIN LONG_MIN
#define JSON_INT_MAX LONG_MAX
#endif

/*
 * A request that does not decode as json_t: say why, naming an integer
 * that json_int_t cannot hold as such, and keep the request's id when it
 * can be read (scanned as text, which takes numbers of any size), so that
 * the answer carries it and the client can tell it is its own.
 */
static int refuse_unreadable(const char *buf, size_t len,
    const json_error_t *jerr, struct request_view *out, char *why,
    size_t whylen)
{
	struct member m[] = { { "request_id", NULL, 0 } };

	scan_members(buf, len, m, ARRAY_LEN(m), NULL);
	if (m[0].at != NULL) {
		/* Bounded as params are: the id is the peer's too. */
		out->own_id = shmrpc__wire_json_decode_depth(m[0].at, m[0].len,
		    SHMRPC_MAX_DEPTH, NULL);
		out->id = out->own_id;
	}
	if (json_error_code(jerr) == json_error_stack_overflow) {
		snprintf(why, whylen, "Request nested deeper than %d levels",
		    SHMRPC_MAX_DEPTH);
		return SHMRPC_EPROTO;
	}
	if (json_error_code(jerr) == json_error_numeric_overflow &&
	    strstr(jerr->text, "integer") != NULL)
		snprintf(why, whylen, "Invalid JSON in request: integer out "
		    "of range at byte %d (this server's methods take "
		    "integers from %" JSON_INTEGER_FORMAT " to %"
		    JSON_INTEGER_FORMAT ")", jerr->position,
		    (json_int_t)JSON_INT_MIN, (json_int_t)JSON_INT_MAX);
	else
		snprintf(why, whylen, "Invalid JSON in request: %s", jerr->text);
	return SHMRPC_ESERIAL;
}
