/*
 * peer_json.h - peer-bench: the JSON a C user of a socket, ZeroMQ or gRPC
 * writes with jansson (layer: bench).
 */
#ifndef PEER_BENCH_PEER_JSON_H
#define PEER_BENCH_PEER_JSON_H

#include <stdint.h>

#include "system.h"

/* Per client: request ids "%016x-%u" of a random prefix and a counter,
 * like libshmrpc's. */
struct peer_json_client {
	uint64_t prefix;
	uint64_t next;
};

void peer_json_client_init(struct peer_json_client *st);

/*
 * One JSON call over sys's byte round trip: the envelope
 * {"request_id", "method", "params"} encoded with json_dumps(), the answer
 * {"request_id", "result", "error"} decoded with json_loadb(), its id
 * checked.  A new reference to the result in *result.  0 or -1 (warnx).
 */
int peer_json_call(const struct bench_system *sys, void *cli,
    struct peer_json_client *st, const char *method, json_t *params,
    json_t **result);

#endif
