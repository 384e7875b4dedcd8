/*
 * envelope.h - the RPC request and response envelopes of the seed's wire
 * format, between json_t values and message bytes:
 *
 *   request  {"request_id": "<id>", "method": "<name>", "params": {...}}
 *   response {"request_id": "<id>", "result": <any>, "error": null|"<text>"}
 */
#ifndef SHMRPC_ENVELOPE_H
#define SHMRPC_ENVELOPE_H

#include <jansson.h>

#include "common.h"

/* A growable byte buffer, owned by whoever holds it. */
struct msgbuf {
	char *data;
	size_t cap;
};

void msgbuf_free(struct msgbuf *b);

/*
 * Encode a request into b (grown as needed).  *len gets the size.
 * SHMRPC_ETOOBIG if it would exceed max bytes, SHMRPC_ESERIAL if params
 * cannot be encoded (e.g. a string that is not UTF-8), -ENOMEM.
 */
int envelope_encode_request(struct msgbuf *b, size_t max, size_t *len,
    const char *id, const char *method, const json_t *params);

/* Encode a response; id NULL encodes null, error NULL encodes a result. */
int envelope_encode_response(struct msgbuf *b, size_t max, size_t *len,
    const json_t *id, const json_t *result, const char *error);

/* A decoded request: root owns everything; the rest is borrowed from it. */
struct request_view {
	json_t *root;
	json_t *id;           /* as sent, may be NULL if missing */
	const char *method;
	const json_t *params;
};

/*
 * Decode and check a request.  0, or SHMRPC_ESERIAL / SHMRPC_EPROTO with a
 * reason in why[] for the error response.  On error out->root and out->id
 * may still be set (to answer with the right id); call
 * request_view_release() in every case.
 */
int envelope_decode_request(const char *buf, size_t len,
    struct request_view *out, char *why, size_t whylen);
void request_view_release(struct request_view *v);

struct response_view {
	json_t *root;
	const char *id;       /* NULL when the id is null or not a string */
	json_t *result;
	const char *error;    /* NULL when there is no error */
	size_t error_len;
};

/* Decode and check a response.  0, SHMRPC_ESERIAL or SHMRPC_EPROTO. */
int envelope_decode_response(const char *buf, size_t len,
    struct response_view *out);
void response_view_release(struct response_view *v);

#endif
