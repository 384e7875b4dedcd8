/*
 * envelope.h - layer: codec.  The RPC request and response envelopes of the
 * seed's wire format, between json_t values and message bytes:
 *
 *   request  {"request_id": "<id>", "method": "<name>", "params": {...}}
 *   response {"request_id": "<id>", "result": <any>, "error": null|"<text>"}
 *
 * Encoding writes straight into the caller's buffer, which on the futex
 * transport is the slot's buffer in shared memory; decoding reads straight
 * from the message bytes (again, in shared memory on futex).  Both go
 * through wire_json (see wire_json.h for why not json_dumpb/json_loadb).
 */
#ifndef SHMRPC_ENVELOPE_H
#define SHMRPC_ENVELOPE_H

#include <jansson.h>

#include "base/common.h"

/*
 * Depth: params and results (and ids) are encoded and decoded at most
 * SHMRPC_MAX_DEPTH levels deep (shmrpc.h), so that freeing what a peer sent
 * (jansson's json_decref() recurses once per level) fits a small thread
 * stack.  Deeper params or results do not encode (SHMRPC_ESERIAL:
 * shmrpc__envelope_too_deep() tells that reason apart); a deeper request
 * is refused with a reason, a deeper response with SHMRPC_EPROTO.
 *
 * Method names: a request whose method has a NUL or a control byte is
 * refused (SHMRPC_EPROTO, with its id kept for the answer).
 */

/*
 * Encode a request into buf[0..cap).  *len gets the size.  SHMRPC_ETOOBIG
 * if it needs more than cap bytes (buf then holds garbage), SHMRPC_ESERIAL
 * if params or the method name cannot be encoded (e.g. not UTF-8).  id is
 * written as a JSON string too.  No allocation.  Thread-safe.
 */
int shmrpc__envelope_encode_request(char *buf, size_t cap, size_t *len,
    const char *id, const char *method, const json_t *params);

/* Encode a response; id NULL encodes null, result NULL encodes null, error
 * NULL encodes a result (error null).  Errors as above. */
int shmrpc__envelope_encode_response(char *buf, size_t cap, size_t *len,
    const json_t *id, const json_t *result, const char *error);

/* The same with the id given as its JSON text (id_len bytes, written as
 * it is; NULL: null), as a request_view's id_text. */
int shmrpc__envelope_encode_response_id_text(char *buf, size_t cap,
    size_t *len, const char *id, size_t id_len, const json_t *result,
    const char *error);

/* Longest id and method name the fast path copies (else: general path) */
#define REQUEST_FAST_ID_MAX 64
#define REQUEST_FAST_METHOD_MAX 64

/* A decoded request: root owns everything; the rest is borrowed from it,
 * or from the copies in the view itself on the fast path (the text our
 * clients write, with short plain ASCII id and method name: only params
 * becomes json_t, root is params, the id is kept as text).  Answer with
 * id_text when it is set, else with id. */
struct request_view {
	json_t *root;
	json_t *id;           /* as sent, may be NULL if missing or id_text */
	const char *id_text;  /* fast path: the id's JSON text, quotes and */
	size_t id_text_len;   /*   all, checked, to write back as it came */
	const char *method;
	const json_t *params;
	json_t *own_id;
	char id_copy[REQUEST_FAST_ID_MAX + 2];
	char method_copy[REQUEST_FAST_METHOD_MAX + 1];
};

/*
 * Decode and check a request.  0, or SHMRPC_ESERIAL / SHMRPC_EPROTO with a
 * reason in why[] for the error response.  On error out->root and out->id
 * may still be set (to answer with the right id); call
 * shmrpc__request_view_release() in every case.  buf need not outlive the call.
 */
int shmrpc__envelope_decode_request(const char *buf, size_t len,
    struct request_view *out, char *why, size_t whylen);
void shmrpc__request_view_release(struct request_view *v);

struct response_view {
	json_t *root;
	const char *id;       /* NULL when the id is null or not a string */
	json_t *result;
	const char *error;    /* NULL when there is no error */
	size_t error_len;
	const char *why;      /* on failure: what is wrong, static text */
	/* shmrpc__envelope_scan_response() only: the result's JSON text in
	 * the message, verbatim (NULL when there is none); result is NULL. */
	const char *result_text;
	size_t result_text_len;
};

/* Decode and check a response.  0, SHMRPC_ESERIAL or SHMRPC_EPROTO.
 * expect_id (may be NULL) is the id the caller waits for: it only enables
 * a fast path for the exact text our own server writes. */
int shmrpc__envelope_decode_response(const char *buf, size_t len,
    const char *expect_id, struct response_view *out);
void shmrpc__response_view_release(struct response_view *v);

/* Whether v failed to encode only because it is nested deeper than
 * SHMRPC_MAX_DEPTH (for error texts; walks v twice). */
bool shmrpc__envelope_too_deep(const json_t *v);
/* ---- text envelopes (shmrpc_call_text(), text methods) -------------------
 *
 * params and results that cross the library as JSON text, put into the
 * envelope and taken out of it verbatim: what the peer wrote is what the
 * caller gets, integers of any size and every float form included.  The
 * text is checked to be well formed (json_text.h) but never converted.
 */

/* Encode a request with params_len bytes of params text (a JSON object,
 * written as it is; params NULL: {}).  Errors as
 * shmrpc__envelope_encode_request(). */
int shmrpc__envelope_encode_request_text(char *buf, size_t cap, size_t *len,
    const char *id, const char *method, const char *params,
    size_t params_len);

/* The part of such a request before the params text, written into buf:
 * {"request_id":ID,"method":NAME,"params":  Returns its length, which may
 * exceed cap (then it did not fit), or 0 when the method is not UTF-8.
 * The request ends with the params and "}". */
size_t shmrpc__envelope_request_text_prefix(char *buf, size_t cap,
    const char *id, const char *method);

/* As shmrpc__envelope_decode_response(), but the result stays text
 * (out->result_text), checked to be one well-formed JSON value unless
 * check is false and the envelope is the one our servers write (whose
 * result's extent is known without it); the id and the error are decoded
 * (owned by out->root).  Release with shmrpc__response_view_release(). */
int shmrpc__envelope_scan_response(const char *buf, size_t len,
    const char *expect_id, bool check, struct response_view *out);

/* A request as text: slices of the message, and what had to be decoded. */
struct request_text {
	const char *buf;      /* the message scanned */
	json_t *own;          /* owns decoded strings, or NULL */
	const char *id;       /* the request_id value's JSON text, verbatim, */
	size_t id_len;        /*   NULL when there is none */
	const char *method;   /* NUL-terminated; NULL when there is none */
	const char *params;   /* the params object's JSON text, verbatim */
	size_t params_len;
	bool params_checked;  /* found well formed; else not looked at */
	char method_copy[64];
};

/*
 * Find the parts of a request, checking that it is one well-formed JSON
 * object (numbers of any size).  0, or SHMRPC_ESERIAL / SHMRPC_EPROTO with
 * a reason in why[] for the error response (the same reasons as
 * shmrpc__envelope_decode_request()); out->id is set whenever the id
 * could be read, failure or not.  When the request is the one our clients
 * write, the params' text is not checked (its extent is known without
 * it): out->params_checked says whether it was (see
 * shmrpc__envelope_check_params()).  Release with
 * shmrpc__request_text_release() in every case.  The slices point into
 * buf: they are valid as long as buf is.
 */
int shmrpc__envelope_scan_request(const char *buf, size_t len,
    struct request_text *out, char *why, size_t whylen);

/* Check the params text of a request scanned without it: 0, or
 * SHMRPC_ESERIAL / SHMRPC_EPROTO with the reason in why[].  A request
 * whose params are not its last member is read again in full, and
 * rq->params set to what they really are. */
int shmrpc__envelope_check_params(struct request_text *rq, char *why,
    size_t whylen);
void shmrpc__request_text_release(struct request_text *v);

/* The response to a text method, in three steps around the handler:
 * this prefix, {"request_id":ID,"result":, with ID the request's id text
 * (NULL, 0: null), then the result text, then ENVELOPE_RESULT_SUFFIX.
 * Returns the prefix's length, which may exceed cap (then nothing
 * fits). */
size_t shmrpc__envelope_text_result_prefix(char *buf, size_t cap,
    const char *id, size_t id_len);
#define ENVELOPE_RESULT_SUFFIX ",\"error\":null}"

/*
 * An error response, {"request_id":ID,"result":null,"error":"TEXT"}, with
 * ID the request's id text as it came (NULL, 0: null) or, for the second
 * form, a json_t (NULL: null).  error (error_len bytes, UTF-8) is cut to
 * fit cap, on a character boundary; not UTF-8, it is replaced by a text
 * saying so.  0, or SHMRPC_ETOOBIG when not even an empty error fits.
 */
int shmrpc__envelope_encode_error_text(char *buf, size_t cap, size_t *len,
    const char *id, size_t id_len, const char *error, size_t error_len);
int shmrpc__envelope_encode_error(char *buf, size_t cap, size_t *len,
    const json_t *id, const char *error, size_t error_len);

#endif

/*
 * Bytes messages (futex transport only; see shmrpc(7) and shmrpc.h):
 *
 *   request   0xFF, n (1 byte, 1..255), method name (n bytes, no NUL),
 *             payload (the rest of the message, 0 or more bytes)
 *   response  0xFF, status (1 byte), body (the rest of the message):
 *             status 0: body is the reply payload
 *             status 1: body is the error text, "Type: message", UTF-8
 *
 * 0xFF never occurs in UTF-8 text, so no JSON text (which is UTF-8, and
 * whose first byte is '{', '[', a letter, a digit, '"', '-' or white
 * space) can start with it: a server tells a bytes message from a JSON
 * envelope by its first byte alone.  There is no request id: on the futex
 * transport the slot's generation count already keeps a late answer from
 * reaching a later call.
 */
#define BYTES_MAGIC 0xFFu
#define BYTES_REQ_HEADER 2u  /* + the method name */
#define BYTES_RESP_HEADER 2u
#define BYTES_NAME_MAX 255u
#define BYTES_STATUS_OK 0u
#define BYTES_STATUS_ERROR 1u
