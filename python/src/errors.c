/*
 * errors.c - the seed's exception classes, and library error codes turned
 * into them.
 *
 * Layer: Python binding.
 */
#include "errors.h"

#include <errno.h>

#include "shmrpc.h"

PyObject *pyerr_RPCError;
PyObject *pyerr_RPCTimeoutError;
PyObject *pyerr_RPCMethodError;
PyObject *pyerr_RPCTransportError;
PyObject *pyerr_RPCSerializationError;

static int lookup(PyObject *mod, const char *name, PyObject **out)
{
	PyObject *cls = PyObject_GetAttrString(mod, name);

	if (cls == NULL)
		return -1;
	if (!PyExceptionClass_Check(cls)) {
		PyErr_Format(PyExc_ImportError,
		    "shmrpc.exceptions.%s is not an exception class", name);
		Py_DECREF(cls);
		return -1;
	}
	Py_XSETREF(*out, cls);
	return 0;
}

int errors_init(void)
{
	PyObject *mod = PyImport_ImportModule("shmrpc.exceptions");
	int rc = -1;

	if (mod == NULL)
		return -1;
	if (lookup(mod, "RPCError", &pyerr_RPCError) == 0 &&
	    lookup(mod, "RPCTimeoutError", &pyerr_RPCTimeoutError) == 0 &&
	    lookup(mod, "RPCMethodError", &pyerr_RPCMethodError) == 0 &&
	    lookup(mod, "RPCTransportError", &pyerr_RPCTransportError) == 0 &&
	    lookup(mod, "RPCSerializationError",
		&pyerr_RPCSerializationError) == 0)
		rc = 0;
	Py_DECREF(mod);
	return rc;
}

int errors_raise(int code, const char *context, const char *detail)
{
	PyObject *cls;
	const char *what = shmrpc_strerror(code);

	if (detail == NULL)
		detail = "";
	switch (code) {
	case -ENOMEM:
		PyErr_NoMemory();
		return -1;
	case SHMRPC_EMETHOD:
		/* The remote "Type: message", as the seed raises it. */
		PyErr_SetString(pyerr_RPCMethodError, detail);
		return -1;
	case SHMRPC_ETIMEOUT:
		cls = pyerr_RPCTimeoutError;
		break;
	case SHMRPC_ESERIAL:
		cls = pyerr_RPCSerializationError;
		break;
	case SHMRPC_EPROTO:
		cls = pyerr_RPCError;
		break;
	default:
		cls = pyerr_RPCTransportError;
		break;
	}
	if (context != NULL && *detail != '\0')
		PyErr_Format(cls, "%s: %s (%s)", context, what, detail);
	else if (context != NULL)
		PyErr_Format(cls, "%s: %s", context, what);
	else if (*detail != '\0')
		PyErr_Format(cls, "%s (%s)", what, detail);
	else
		PyErr_SetString(cls, what);
	return -1;
}
