/*
 * call.h - layer: RPC.  The steps every JSON call takes (client.c): one
 * call at a time per handle, a request id, the envelope written into the
 * request buffer, late replies dropped.  What differs between
 * shmrpc_call() (params and result as json_t) and shmrpc_call_text()
 * (as JSON text, text_call.c) is a mode.
 */
#ifndef SHMRPC_CALL_H
#define SHMRPC_CALL_H

#include <pthread.h>

#include "base/common.h"
#include "codec/envelope.h"

struct call_mode {
	/* Write the request envelope of method and params (params_len
	 * bytes, for text) into area.  0, SHMRPC_ETOOBIG, SHMRPC_ESERIAL. */
	int (*encode)(char *area, size_t cap, size_t *len, const char *id,
	    const char *method, const void *params, size_t params_len);
	/* Read one reply, as shmrpc__envelope_decode_response() does. */
	int (*decode)(const char *buf, size_t len, const char *expect_id,
	    struct response_view *rv);
	/* The call's own reply, or its method error (rv->error set, err
	 * already filled): take what the caller gets into out, before rv
	 * is released.  0 or < 0. */
	int (*take)(shmrpc_client *cli, void *out,
	    const struct response_view *rv);
};

/* One call of method with params in the given mode; out is the mode's.
 * Returns as shmrpc_call() does. */
int shmrpc__client_call(shmrpc_client *cli, const char *method,
    const struct call_mode *mode, const void *params, size_t params_len,
    void *out, shmrpc_error *err);

/*
 * The same call in two halves, for a request written in place between
 * them (shmrpc_call_text_reserve()).  begin takes the client's lock,
 * makes the call's id and finds the request area: *cs points at the
 * client's own record of the call, valid until finish or abandon, which
 * release the lock.  finish sends len bytes of cs->area and waits for the
 * reply as shmrpc__client_call() does; abandon gives up without sending.
 * Only the thread that began may finish or abandon.
 */
struct call_state {
	char id[48];
	const char *method;
	char *area;       /* where the request goes */
	size_t cap;       /* its size */
	size_t prefix;    /* what the mode wrote before the caller's part */
	const struct call_mode *mode; /* NULL when no call is begun */
	pthread_t owner;  /* the thread that began it */
};

int shmrpc__client_begin(shmrpc_client *cli, const char *method,
    const struct call_mode *mode, struct call_state **cs, shmrpc_error *err);
int shmrpc__client_finish(shmrpc_client *cli, size_t len, void *out,
    shmrpc_error *err);
void shmrpc__client_abandon(shmrpc_client *cli);
/* The call the calling thread began on this client, or NULL. */
struct call_state *shmrpc__client_begun(shmrpc_client *cli);

/* n bytes the client keeps until its next call or its close, for a mode's
 * take() (the complete text of a method error); NULL when out of
 * memory.  Only from take(). */
char *shmrpc__client_keep(shmrpc_client *cli, size_t n);

#endif
