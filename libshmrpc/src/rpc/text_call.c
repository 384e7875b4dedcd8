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
