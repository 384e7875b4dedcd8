/*
 * client.c - shmrpc.RPCClient: the seed's client API over libshmrpc.
 *
 * Layer: Python binding.
 *
 * GIL: released while opening the channel (it may wait wait_for_server
 * seconds), while waiting for this object's call lock, and during the
 * call itself; held while params are encoded and the result decoded.
 * Several Python threads may call on one client: calls are serialised (the
 * library serialises them too; the binding's own lock also keeps the
 * error text of a failed call with the call that failed).  close() waits
 * for a call in progress to end.
 */
#include <pthread.h>

#include "codec.h"
#include "errors.h"
#include "rpc_backend.h"
#include "types.h"

typedef struct {
	PyObject_HEAD
	shmrpc_client *cli;      /* NULL once closed */
	PyObject *name;          /* str */
	pthread_mutex_t lock;    /* guards cli, busy; held across a call */
	int busy;                /* calls past the "closed?" check */
	pthread_cond_t idle;     /* signalled when busy drops to 0 */
	PyObject *weakrefs;
} ClientObject;

/* Take self->lock without holding the GIL while we wait for it. */
static void lock_nogil(ClientObject *self)
{
	if (pthread_mutex_trylock(&self->lock) == 0)
		return;
	Py_BEGIN_ALLOW_THREADS
	pthread_mutex_lock(&self->lock);
	Py_END_ALLOW_THREADS
}

static int Client_init(ClientObject *self, PyObject *args, PyObject *kwds)
{
	static char *kwlist[] = { "name", "buffer_size", "timeout",
		"wait_for_server", "transport", NULL };
	PyObject *name, *buffer_size = NULL, *timeout = NULL, *wait = NULL;
	PyObject *transport = Py_None;
	shmrpc_options opts;
	const char *cname;
	char detail[SHMRPC_ERROR_TEXT_LENGTH];
	shmrpc_error oerr;
	shmrpc_client *cli = NULL;
	int rc;

	if (self->cli != NULL || self->name != NULL) {
		PyErr_SetString(PyExc_RuntimeError,
		    "RPCClient.__init__() called twice");
		return -1;
	}
	if (!PyArg_ParseTupleAndKeywords(args, kwds, "U|OOO$O:RPCClient",
	    kwlist, &name, &buffer_size, &timeout, &wait, &transport))
		return -1;
	if (options_from_args(&opts, buffer_size, timeout, transport) < 0)
		return -1;
	if (wait != NULL && seconds_arg(wait, "wait_for_server",
	    &opts.wait_for_server) < 0)
		return -1;
	if (opts.wait_for_server < 0)
		opts.wait_for_server = 0;
	cname = PyUnicode_AsUTF8(name);
	if (cname == NULL)
		return -1;
	Py_BEGIN_ALLOW_THREADS
	rc = shmrpc_client_open(&cli, cname, &opts, &oerr);
	snprintf(detail, sizeof(detail), "%s", rc < 0 ? oerr.text : "");
	Py_END_ALLOW_THREADS
	if (rc < 0) {
		if (opts.wait_for_server > 0 && rc == SHMRPC_ENOCHANNEL) {
			PyErr_Format(pyerr_RPCTransportError,
			    "Timed out waiting for shared memory transport "
			    "%U after %g s: %s", name, opts.wait_for_server,
			    *detail != '\0' ? detail : shmrpc_strerror(rc));
			return -1;
		}
		return errors_raise(rc, "Failed to initialize transport",
		    detail);
	}
	Py_INCREF(name);
	self->name = name;
	self->cli = cli;
	return 0;
}

static PyObject *Client_new(PyTypeObject *type, PyObject *args,
    PyObject *kwds)
{
	ClientObject *self = (ClientObject *)type->tp_alloc(type, 0);

	(void)args;
	(void)kwds;
	if (self == NULL)
		return NULL;
	pthread_mutex_init(&self->lock, NULL);
	pthread_cond_init(&self->idle, NULL);
	return (PyObject *)self;
}

/* Close the handle once no call is in progress.  Called with the GIL. */
static void client_close(ClientObject *self)
{
	shmrpc_client *cli;

	lock_nogil(self);
	cli = self->cli;
	self->cli = NULL; /* later calls fail at once */
	if (cli != NULL && self->busy > 0) {
		Py_BEGIN_ALLOW_THREADS
		while (self->busy > 0)
			pthread_cond_wait(&self->idle, &self->lock);
		Py_END_ALLOW_THREADS
	}
	pthread_mutex_unlock(&self->lock);
	if (cli != NULL) {
		Py_BEGIN_ALLOW_THREADS
		shmrpc_client_close(cli);
		Py_END_ALLOW_THREADS
	}
}

static void Client_dealloc(ClientObject *self)
{
	if (self->weakrefs != NULL)
		PyObject_ClearWeakRefs((PyObject *)self);
	if (self->cli != NULL)
		client_close(self);
	pthread_cond_destroy(&self->idle);
	pthread_mutex_destroy(&self->lock);
	Py_CLEAR(self->name);
	Py_TYPE(self)->tp_free((PyObject *)self);
}

/* call(method, /, **params); like the seed, `method` may also be given by
 * keyword, and then is not a param. */
static PyObject *Client_call(ClientObject *self, PyObject *args,
    PyObject *kwds)
{
	PyObject *method = NULL, *params = NULL, *value = NULL;
	const char *cmethod;
	struct outbuf out = { 0 };
	char *result = NULL, *error_text = NULL;
	size_t result_len = 0;
	int result_shared = 0, rc;
	shmrpc_error err = { 0 };

	if (PyTuple_GET_SIZE(args) > 1) {
		PyErr_Format(PyExc_TypeError, "call() takes 1 positional "
		    "argument but %zd were given", PyTuple_GET_SIZE(args));
		return NULL;
	}
	if (PyTuple_GET_SIZE(args) == 1) {
		method = PyTuple_GET_ITEM(args, 0);
		if (kwds != NULL && PyDict_GetItemString(kwds, "method")) {
			PyErr_SetString(PyExc_TypeError, "call() got multiple "
			    "values for argument 'method'");
			return NULL;
		}
		params = kwds;
		Py_XINCREF(params);
	} else {
		method = kwds != NULL ? PyDict_GetItemString(kwds, "method")
				      : NULL;
		if (method == NULL) {
			PyErr_SetString(PyExc_TypeError, "call() missing 1 "
			    "required positional argument: 'method'");
			return NULL;
		}
		params = PyDict_Copy(kwds);
		if (params == NULL || PyDict_DelItemString(params, "method") < 0)
			goto out;
	}
	Py_INCREF(method);
	if (!PyUnicode_Check(method)) {
		PyErr_Format(PyExc_TypeError, "method must be str, not %s",
		    Py_TYPE(method)->tp_name);
		goto out;
	}
	cmethod = PyUnicode_AsUTF8(method);
	if (cmethod == NULL)
		goto out;

	/* Encode the params (GIL held: it reads Python objects). */
	if (outbuf_init(&out, 256) < 0) {
		PyErr_NoMemory();
		goto out;
	}
	if (params == NULL ? outbuf_put(&out, "{}", 2) < 0
			   : codec_encode(params, &out) < 0) {
		if (!PyErr_Occurred())
			PyErr_NoMemory();
		goto out;
	}

	lock_nogil(self);
	if (self->cli == NULL) {
		pthread_mutex_unlock(&self->lock);
		PyErr_SetString(pyerr_RPCTransportError, "client is closed");
		goto out;
	}
	self->busy++;
	/* The lock stays held during the call: calls are serialised. */
	Py_BEGIN_ALLOW_THREADS
	rc = backend_call(self->cli, cmethod, out.data, out.len, &result,
	    &result_len, &result_shared, &error_text, &err);
	Py_END_ALLOW_THREADS
	if (--self->busy == 0)
		pthread_cond_broadcast(&self->idle);
	pthread_mutex_unlock(&self->lock);

	if (rc == SHMRPC_EMETHOD) {
		/* The seed raises RPCMethodError(response.error). */
		PyErr_SetString(pyerr_RPCMethodError,
		    error_text != NULL ? error_text : err.text);
	} else if (rc == SHMRPC_ETIMEOUT) {
		PyErr_SetString(pyerr_RPCTimeoutError,
		    "Timeout receiving response");
	} else if (rc == SHMRPC_ETOOBIG) {
		PyErr_Format(pyerr_RPCTransportError, "Message too large: "
		    "%zu bytes exceeds buffer size", out.len);
	} else if (rc < 0) {
		errors_raise(rc, NULL, err.text);
	} else {
		value = result_shared ? codec_decode_shared(result, result_len)
				      : codec_decode(result, result_len);
	}
out:
	backend_free(result);
	backend_free(error_text);
	outbuf_free(&out);
	Py_XDECREF(method);
	Py_XDECREF(params);
	return value;
}

static PyObject *Client_close(ClientObject *self, PyObject *unused)
{
	(void)unused;
	client_close(self);
	Py_RETURN_NONE;
}

static PyObject *Client_enter(ClientObject *self, PyObject *unused)
{
	(void)unused;
	Py_INCREF(self);
	return (PyObject *)self;
}

static PyObject *Client_exit(ClientObject *self, PyObject *args)
{
	(void)args;
	client_close(self);
	Py_RETURN_NONE;
}

static PyObject *Client_get_closed(ClientObject *self, void *unused)
{
	(void)unused;
	return PyBool_FromLong(self->cli == NULL);
}

static PyObject *Client_get_transport(ClientObject *self, void *unused)
{
	(void)unused;
	(void)self;
	/* Part 2: shmrpc_client_transport_kind() (API-NEEDS.md) would say
	 * which transport the client found; today the library does not
	 * tell. */
	Py_RETURN_NONE;
}

static PyObject *Client_repr(ClientObject *self)
{
	return PyUnicode_FromFormat("<shmrpc.RPCClient %R%s>",
	    self->name != NULL ? self->name : Py_None,
	    self->cli == NULL ? " closed" : "");
}

static PyMethodDef Client_methods[] = {
	{ "call", (PyCFunction)(void (*)(void))Client_call,
	    METH_VARARGS | METH_KEYWORDS,
	    "call(method, **params)\n--\n\n"
	    "Call `method` on the server with keyword params; return its "
	    "result.\nRaises RPCMethodError (the remote \"Type: message\"), "
	    "RPCTimeoutError,\nRPCTransportError or RPCSerializationError." },
	{ "close", (PyCFunction)Client_close, METH_NOARGS,
	    "close()\n--\n\nClose the client (waits for a call in progress). "
	    "Idempotent." },
	{ "__enter__", (PyCFunction)Client_enter, METH_NOARGS, NULL },
	{ "__exit__", (PyCFunction)Client_exit, METH_VARARGS, NULL },
	{ NULL, NULL, 0, NULL },
};

static PyMemberDef Client_members[] = {
	{ "name", T_OBJECT, offsetof(ClientObject, name), READONLY,
	    "channel name" },
	{ NULL, 0, 0, 0, NULL },
};

static PyGetSetDef Client_getset[] = {
	{ "closed", (getter)Client_get_closed, NULL, "True once closed", NULL },
	{ "transport", (getter)Client_get_transport, NULL,
	    "transport in use (None until part 2 can tell)", NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

PyTypeObject RPCClient_Type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "shmrpc.RPCClient",
	.tp_basicsize = sizeof(ClientObject),
	.tp_dealloc = (destructor)Client_dealloc,
	.tp_repr = (reprfunc)Client_repr,
	.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
	.tp_doc = "RPCClient(name, buffer_size=4096, timeout=5.0, "
		  "wait_for_server=0, *, transport=None)\n--\n\n"
		  "A client of channel `name` (the seed's RPCClient).",
	.tp_weaklistoffset = offsetof(ClientObject, weakrefs),
	.tp_methods = Client_methods,
	.tp_members = Client_members,
	.tp_getset = Client_getset,
	.tp_init = (initproc)Client_init,
	.tp_new = Client_new,
};
