/*
 * errors.h - the seed's exception classes, and library error codes turned
 * into them.
 *
 * Layer: Python binding.  The classes are defined in shmrpc/exceptions.py
 * (plain Python, the seed's hierarchy) and looked up once at import.
 */
#ifndef SHMRPC_PY_ERRORS_H
#define SHMRPC_PY_ERRORS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

extern PyObject *pyerr_RPCError;              /* base: Exception */
extern PyObject *pyerr_RPCTimeoutError;       /* RPCError */
extern PyObject *pyerr_RPCMethodError;        /* RPCError */
extern PyObject *pyerr_RPCTransportError;     /* RPCError */
extern PyObject *pyerr_RPCSerializationError; /* RPCError */

/* Look the classes up in shmrpc.exceptions.  0 or -1 (exception set). */
int errors_init(void);

/*
 * Raise the exception a library error code stands for, with the seed's
 * words where the seed had some.  `context` prefixes the message when
 * not NULL ("Failed to initialize transport"); `detail` (may be NULL or
 * "") is appended.  Returns -1 (so callers can return it) and never
 * fails to set an exception.
 */
int errors_raise(int code, const char *context, const char *detail);

#endif
