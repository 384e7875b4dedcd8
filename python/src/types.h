/*
 * types.h - the binding's Python types and the helpers they share.
 *
 * Layer: Python binding.
 */
#ifndef SHMRPC_PY_TYPES_H
#define SHMRPC_PY_TYPES_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

#include "shmrpc.h"

extern PyTypeObject RPCClient_Type;
extern PyTypeObject RPCServer_Type;

/*
 * Fill opts from the seed's arguments.  buffer_size: int > 4 (the length
 * header takes 4 bytes); timeout: float seconds or None (wait forever);
 * transport: None (the library's default: futex for a server, or
 * $SHMRPC_TRANSPORT; for a client whatever the channel is), "futex" or
 * "posix".  0, or -1 with ValueError/TypeError set.
 */
int options_from_args(shmrpc_options *opts, PyObject *buffer_size,
    PyObject *timeout, PyObject *transport);

/* Seconds from a float/int object, or -1 (forever) for None.  0 or -1
 * with an exception set. */
int seconds_arg(PyObject *obj, const char *what, double *out);

/* Nonzero when the calling thread is the interpreter's main thread. */
int on_main_thread(void);

#endif
