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

/* A decoded request: root owns everything; the rest is borrowed from it
 * (from own_id / own_method on the fast path, where root is params). */
struct request_view {
	json_t *root;
	json_t *id;           /* as sent, may be NULL if missing */
	const char *method;
	const json_t *params;
	json_t *own_id, *own_method;
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
