/*
 * rpc_backend.h - what the binding's RPCClient/RPCServer need from the
 * library: calls and methods whose params and results are JSON TEXT, with
 * request ids, envelopes, locking, late-reply discard and built-in methods
 * left to the library.
 *
 * Layer: Python binding.  No Python objects cross this interface, and
 * every function here runs WITHOUT the GIL.
 *
 * Today the only implementation is interim_jansson.c, which goes through
 * the json_t API (shmrpc_call, shmrpc_server_register) and so converts
 * text <-> json_t on both sides.  Part 2 of issue 14 adds text calls to the
 * library (python/API-NEEDS.md); this file's functions then become thin
 * wrappers over them and interim_jansson.c is deleted.
 */
#ifndef SHMRPC_PY_RPC_BACKEND_H
#define SHMRPC_PY_RPC_BACKEND_H

#include <stddef.h>

#include "outbuf.h"
#include "shmrpc.h"

/*
 * Client: call `method` with params_len bytes of params text (a JSON
 * object, compact UTF-8, as the codec writes it).  On success 0, the
 * result's JSON text in *result (malloc'd with PyMem_RawMalloc, free with
 * backend_free(); NOT NUL-terminated) and its length in *result_len, and
 * *result_shared 1 if the text may be in memory another process can
 * write (decode it with codec_decode_shared()).  On failure a negative
 * code as shmrpc_call() returns; for SHMRPC_EMETHOD *error_text receives
 * the complete remote "Type: message" (free with backend_free()), for the
 * other codes err->text says why.  Serialised per client by the caller.
 */
int backend_call(shmrpc_client *cli, const char *method, const char *params,
    size_t params_len, char **result, size_t *result_len, int *result_shared,
    char **error_text, shmrpc_error *err);

void backend_free(void *p);

/*
 * Server: a method handler.  params is the request's params object as
 * JSON text, params_len bytes (not NUL-terminated; in memory another
 * process may write if *params_shared).  On success append the result's
 * JSON text to *result and return 0 (nothing appended means null).  On
 * failure call backend_req_error() and return non-zero.  Runs on the
 * thread that called shmrpc_server_serve(), without the GIL.
 */
typedef int (*backend_method_fn)(shmrpc_req *req, const char *params,
    size_t params_len, int params_shared, struct outbuf *result, void *arg);

/* A handler and its argument; must stay valid until the server is
 * closed (the binding keeps one inside each RPCServer object). */
struct backend_method {
	backend_method_fn fn;
	void *arg;
};

/* Register m for `method` (same rules and errors as
 * shmrpc_server_register()). */
int backend_register(shmrpc_server *srv, const char *method,
    struct backend_method *m);

/* The error the client receives: "TYPE: MESSAGE", MESSAGE complete. */
void backend_req_error(shmrpc_req *req, const char *type, const char *message);

#endif
