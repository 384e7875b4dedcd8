/*
 * request_id.h - for the unit tests: a decoded request's id as a value,
 * whichever way the envelope decoder kept it (codec/envelope.h: a json_t,
 * or its text on the fast path).  Header-only; include after jansson.h
 * and codec/envelope.h.
 */
#ifndef SHMRPC_TEST_REQUEST_ID_H
#define SHMRPC_TEST_REQUEST_ID_H

/* A new reference, NULL when there is no id or its text is not JSON
   (read by jansson, not by the codec under test). */
static inline json_t *request_id_of(const struct request_view *rq)
{
	if (rq->id_text != NULL)
		return json_loadb(rq->id_text, rq->id_text_len,
		    JSON_DECODE_ANY, NULL);
	return json_incref(rq->id);
}

#endif
