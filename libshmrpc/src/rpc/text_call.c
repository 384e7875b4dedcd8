/*
 * text_call.c - layer: RPC.  shmrpc_call_text(): a call whose params and
 * result are JSON text, put into the request envelope and taken out of the
 * response verbatim, for bindings with a codec of their own (the Python
 * package) and for C programs that hold JSON text already.  Everything
 * else (request ids, the call lock, late replies) is shmrpc_call()'s, in
 * client.c.
 */
#include <string.h>

#include "codec/json_text.h"
#include "rpc/call.h"

/* Where shmrpc_call_text() wants the answer. */
struct text_answer {
	const char **result;
	size_t *result_len;
};

static int text_encode_request(char *area, size_t cap, size_t *len,
    const char *id, const char *method, const void *params,
    size_t params_len)
{
	return shmrpc__envelope_encode_request_text(area, cap, len, id, method,
	    params, params_len);
}

/* The result's text stays where it is (the response in shared memory, or
 * the client's receive buffer on posix) until the next call; a method
 * error's complete text is copied, because the envelope holds it escaped. */
static int text_take(shmrpc_client *cli, void *out,
    const struct response_view *rv)
{
	struct text_answer *a = out;
	char *kept;

	if (rv->error == NULL) {
		*a->result = rv->result_text;
		*a->result_len = rv->result_text_len;
		return 0;
	}
	kept = shmrpc__client_keep(cli, rv->error_len + 1);
	if (kept == NULL)
		return -ENOMEM;
	memcpy(kept, rv->error, rv->error_len);
	kept[rv->error_len] = '\0';
	*a->result = kept;
	*a->result_len = rv->error_len;
	return 0;
}

static int text_decode_checked(const char *buf, size_t len,
    const char *expect_id, struct response_view *rv)
{
	return shmrpc__envelope_scan_response(buf, len, expect_id, true, rv);
}

static int text_decode_unchecked(const char *buf, size_t len,
    const char *expect_id, struct response_view *rv)
{
	return shmrpc__envelope_scan_response(buf, len, expect_id, false, rv);
}

static const struct call_mode text_mode = {
	.encode = text_encode_request,
	.decode = text_decode_checked,
	.take = text_take,
};

/* SHMRPC_TEXT_UNCHECKED: the caller parses the result strictly itself. */
static const struct call_mode text_mode_unchecked = {
	.encode = text_encode_request,
	.decode = text_decode_unchecked,
	.take = text_take,
};

SHMRPC_API int shmrpc_call_text(shmrpc_client *cli, const char *method,
    const char *params, size_t params_len, unsigned flags,
    const char **result, size_t *result_len, shmrpc_error *err)
{
	struct text_answer a = { result, result_len };
	struct json_text_error why;
	int rc;

	if (result != NULL)
		*result = NULL;
	if (result_len != NULL)
		*result_len = 0;
	if (cli == NULL || method == NULL || result == NULL ||
	    result_len == NULL || (params == NULL && params_len > 0) ||
	    (flags & ~(SHMRPC_TEXT_TRUSTED | SHMRPC_TEXT_UNCHECKED)) != 0)
		return shmrpc__error_set(err, -EINVAL, "invalid argument");
	if (params != NULL && !(flags & SHMRPC_TEXT_TRUSTED) &&
	    shmrpc__json_text_check(params, params_len, true, &why) < 0)
		return shmrpc__error_set(err, -EINVAL, "params for %s are not "
		    "a JSON object: %s at byte %zu", method, why.reason,
		    why.offset);
	rc = shmrpc__client_call(cli, method, (flags & SHMRPC_TEXT_UNCHECKED)
	    ? &text_mode_unchecked : &text_mode, params, params_len, &a, err);
	if (rc < 0 && rc != SHMRPC_EMETHOD) {
		*result = NULL;
		*result_len = 0;
	}
	return rc;
}

/* ---- in two steps: the params written in place ---------------------------- */

SHMRPC_API int shmrpc_call_text_reserve(shmrpc_client *cli,
    const char *method, char **buf, size_t *cap, shmrpc_error *err)
{
	struct call_state *cs;
	size_t n;
	int rc;

	if (buf != NULL)
		*buf = NULL;
	if (cap != NULL)
		*cap = 0;
	if (cli == NULL || method == NULL || buf == NULL || cap == NULL)
		return shmrpc__error_set(err, -EINVAL, "invalid argument");
	rc = shmrpc__client_begin(cli, method, &text_mode, &cs, err);
	if (rc < 0)
		return rc;
	n = shmrpc__envelope_request_text_prefix(cs->area, cs->cap, cs->id,
	    method);
	if (n == 0 || n >= cs->cap) {
		shmrpc__client_abandon(cli);
		return n == 0
		    ? shmrpc__error_set(err, SHMRPC_ESERIAL, "method name is "
			  "not UTF-8")
		    : shmrpc__error_set(err, SHMRPC_ETOOBIG, "request for %s "
			  "does not fit in a message of %zu bytes", method,
			  cs->cap);
	}
	cs->prefix = n;
	*buf = cs->area + n;
	*cap = cs->cap - n - 1; /* room for the closing brace */
	return 0; /* the client's lock stays held until commit or cancel */
}

/* The call reserved by this thread, or NULL (err filled). */
static struct call_state *reserved(shmrpc_client *cli, shmrpc_error *err)
{
	struct call_state *cs = cli != NULL ? shmrpc__client_begun(cli) : NULL;

	if (cs == NULL || cs->prefix == 0) {
		shmrpc__error_set(err, SHMRPC_ESTATE, "no text request "
		    "reserved");
		return NULL;
	}
	return cs;
}

SHMRPC_API int shmrpc_call_text_commit(shmrpc_client *cli, size_t len,
    unsigned flags, const char **result, size_t *result_len,
    shmrpc_error *err)
{
	struct text_answer a = { result, result_len };
	struct call_state *cs;
	struct json_text_error why;
	int rc;

	if (result != NULL)
		*result = NULL;
	if (result_len != NULL)
		*result_len = 0;
	cs = reserved(cli, err);
	if (cs == NULL)
		return SHMRPC_ESTATE;
	if (result == NULL || result_len == NULL ||
	    (flags & ~(SHMRPC_TEXT_TRUSTED | SHMRPC_TEXT_UNCHECKED)) != 0)
		rc = shmrpc__error_set(err, -EINVAL, "invalid argument");
	else if (len > cs->cap - cs->prefix - 1)
		rc = shmrpc__error_set(err, SHMRPC_ETOOBIG, "request of %zu "
		    "bytes does not fit in %zu", len,
		    cs->cap - cs->prefix - 1);
	else if (!(flags & SHMRPC_TEXT_TRUSTED) && shmrpc__json_text_check(
	    cs->area + cs->prefix, len, true, &why) < 0)
		rc = shmrpc__error_set(err, -EINVAL, "params for %s are not "
		    "a JSON object: %s at byte %zu", cs->method, why.reason,
		    why.offset);
	else
		rc = 0;
	if (rc < 0) {
		shmrpc__client_abandon(cli);
		return rc;
	}
	cs->mode = (flags & SHMRPC_TEXT_UNCHECKED) ? &text_mode_unchecked
						    : &text_mode;
	cs->area[cs->prefix + len] = '}';
	rc = shmrpc__client_finish(cli, cs->prefix + len + 1, &a, err);
	if (rc < 0 && rc != SHMRPC_EMETHOD) {
		*result = NULL;
		*result_len = 0;
	}
	return rc;
}

SHMRPC_API void shmrpc_call_text_cancel(shmrpc_client *cli)
{
	if (reserved(cli, NULL) != NULL)
		shmrpc__client_abandon(cli);
}
