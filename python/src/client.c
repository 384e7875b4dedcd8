/*
 * client.c - shmrpc.RPCClient: the seed's client API over libshmrpc.
 *
 * Layer: Python binding.
 *
 * GIL: released while opening the channel (it may wait wait_for_server
 * seconds), while waiting for this object's call lock, and during the
 * call itself; held while params are encoded and the result decoded.
 *
 * A call is shmrpc_call_text_reserve() and _commit(): the codec writes
 * the params text straight into the request (the client's slot in shared
 * memory on futex: floats, escapes and integers of any size as the seed
 * writes them), and the result's text comes back as the server wrote it.
 * Several Python threads may call on one client: calls are serialised (the
 * library serialises them too; the binding's own lock also keeps the
 * error text of a failed call with the call that failed).  close() waits
 * for a call in progress to end.
 */
#include <pthread.h>

#include "codec.h"
#include "errors.h"
#include "types.h"

typedef struct {
	PyObject_HEAD
	shmrpc_client *cli;      /* NULL once closed */
	PyObject *name;          /* str */
	pthread_mutex_t lock;    /* guards cli, busy; held across a call */
	int busy;                /* calls past the "closed?" check */
	pthread_cond_t idle;     /* signalled when busy drops to 0 */
	/* Kept between calls (outbuf_take/give): the copy of the answer.
	 * The params are encoded straight into the request. */
	struct outbuf spare_answer;
	shmrpc_transport_kind kind; /* the transport it found */
	pthread_t owner;         /* the thread holding lock for a call, */
	int owned;               /*   if owned (read with the GIL held) */
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
	self->kind = shmrpc_client_transport(cli);
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
	outbuf_free(&self->spare_answer);
	Py_CLEAR(self->name);
	Py_TYPE(self)->tp_free((PyObject *)self);
}

/* The method name and the params dict of call(method, /, **params); like
 * the seed, `method` may also be given by keyword, and then is not a
 * param.  New references in *method and *params (NULL: no params), or -1
 * with TypeError set. */
static int call_args(PyObject *args, PyObject *kwds, PyObject **method,
    PyObject **params)
{
	*method = *params = NULL;
	if (PyTuple_GET_SIZE(args) > 1) {
		PyErr_Format(PyExc_TypeError, "call() takes 1 positional "
		    "argument but %zd were given", PyTuple_GET_SIZE(args));
		return -1;
	}
	if (PyTuple_GET_SIZE(args) == 1) {
		*method = PyTuple_GET_ITEM(args, 0);
		if (kwds != NULL && PyDict_GetItemString(kwds, "method")) {
			PyErr_SetString(PyExc_TypeError, "call() got multiple "
			    "values for argument 'method'");
			*method = NULL;
			return -1;
		}
		*params = kwds;
		Py_XINCREF(*params);
	} else {
		*method = kwds != NULL ? PyDict_GetItemString(kwds, "method")
				       : NULL;
		if (*method == NULL) {
			PyErr_SetString(PyExc_TypeError, "call() missing 1 "
			    "required positional argument: 'method'");
			return -1;
		}
		*params = PyDict_Copy(kwds);
		if (*params == NULL ||
		    PyDict_DelItemString(*params, "method") < 0) {
			Py_CLEAR(*params);
			*method = NULL;
			return -1;
		}
	}
	Py_INCREF(*method);
	if (!PyUnicode_Check(*method)) {
		PyErr_Format(PyExc_TypeError, "method must be str, not %s",
		    Py_TYPE(*method)->tp_name);
		Py_CLEAR(*method);
		Py_CLEAR(*params);
		return -1;
	}
	return 0;
}

/* A copy of what the library answered (the result's text, or the
 * complete error text of SHMRPC_EMETHOD), made while the call lock is
 * held, for the result lies in shared memory until the next call.  A
 * NUL ends it.  0 or -ENOMEM. */
static int keep_answer(struct outbuf *answer, const char *r, size_t n)
{
	if (r != NULL && (outbuf_put(answer, r, n) < 0 ||
	    outbuf_putc(answer, '\0') < 0))
		return -ENOMEM;
	return 0;
}

/* The exception for a failed call. */
static void raise_call_error(int rc, const struct outbuf *answer,
    size_t params_len, const shmrpc_error *err)
{
	PyObject *text;

	if (rc == SHMRPC_EMETHOD) {
		/* The seed raises RPCMethodError(response.error), complete. */
		text = PyUnicode_DecodeUTF8(answer->data, answer->len > 0 ?
		    (Py_ssize_t)answer->len - 1 : 0, "replace");
		if (text != NULL) {
			PyErr_SetObject(pyerr_RPCMethodError, text);
			Py_DECREF(text);
		}
	} else if (rc == SHMRPC_ETIMEOUT) {
		PyErr_SetString(pyerr_RPCTimeoutError,
		    "Timeout receiving response");
	} else if (rc == SHMRPC_ETOOBIG) {
		PyErr_Format(pyerr_RPCTransportError, "Message too large: "
		    "%zu bytes exceeds buffer size", params_len);
	} else if (rc == -ENOMEM) {
		PyErr_NoMemory();
	} else {
		errors_raise(rc, NULL, err->text);
	}
}

/*
 * Encode the params straight into the request (the client's slot in
 * shared memory on futex), between shmrpc_call_text_reserve() and
 * _commit(): GIL held (it reads Python objects), call lock held.  0 and
 * *len, or -1 with an exception set (the reservation then cancelled).
 */
static int encode_in_place(ClientObject *self, PyObject *params, char *buf,
    size_t cap, size_t *len)
{
	struct outbuf out;
	int rc = 0;

	outbuf_init_over(&out, buf, cap);
	if (params == NULL ? outbuf_put(&out, "{}", 2) < 0
			   : codec_encode(params, &out) < 0) {
		if (!PyErr_Occurred())
			PyErr_NoMemory();
		rc = -1;
	} else if (out.len > cap) {
		PyErr_Format(pyerr_RPCTransportError, "Message too large: "
		    "%zu bytes exceeds buffer size", out.len);
		rc = -1;
	} else if (out.data != buf) {
		memcpy(buf, out.data, out.len); /* it fits after all */
	}
	*len = out.len;
	outbuf_free(&out);
	if (rc < 0)
		shmrpc_call_text_cancel(self->cli);
	return rc;
}

/* call(): self->lock held, self->cli open. */
static PyObject *call_locked(ClientObject *self, const char *method,
    PyObject *params)
{
	struct outbuf answer;
	shmrpc_error err = { 0 };
	PyObject *value = NULL;
	const char *r = NULL;
	size_t cap = 0, len = 0, n = 0;
	char *buf;
	int rc;

	outbuf_take(&self->spare_answer, &answer);
	Py_BEGIN_ALLOW_THREADS
	rc = shmrpc_call_text_reserve(self->cli, method, &buf, &cap, &err);
	Py_END_ALLOW_THREADS
	if (rc < 0) {
		raise_call_error(rc, &answer, 0, &err);
		goto out;
	}
	if (encode_in_place(self, params, buf, cap, &len) < 0)
		goto out;
	/* The codec writes well-formed params, and parses the result
	 * strictly: the library need check neither. */
	Py_BEGIN_ALLOW_THREADS
	rc = shmrpc_call_text_commit(self->cli, len, SHMRPC_TEXT_TRUSTED |
	    SHMRPC_TEXT_UNCHECKED, &r, &n, &err);
	if (keep_answer(&answer, r, n) < 0)
		rc = -ENOMEM;
	Py_END_ALLOW_THREADS
	if (rc < 0)
		raise_call_error(rc, &answer, len, &err);
	else
		value = codec_decode(answer.data, answer.len - 1);
out:
	outbuf_give(&self->spare_answer, &answer);
	return value;
}

static PyObject *Client_call(ClientObject *self, PyObject *args,
    PyObject *kwds)
{
	PyObject *method, *params, *value = NULL;
	const char *cmethod;

	if (call_args(args, kwds, &method, &params) < 0)
		return NULL;
	cmethod = PyUnicode_AsUTF8(method);
	if (cmethod == NULL)
		goto out;
	if (self->owned && pthread_equal(self->owner, pthread_self())) {
		/* A finaliser run while this thread encodes or decodes. */
		PyErr_SetString(PyExc_RuntimeError, "RPCClient.call() "
		    "re-entered from within a call on the same client");
		goto out;
	}
	lock_nogil(self);
	if (self->cli == NULL) {
		pthread_mutex_unlock(&self->lock);
		PyErr_SetString(pyerr_RPCTransportError, "client is closed");
		goto out;
	}
	/* The lock stays held during the call: calls are serialised. */
	self->busy++;
	self->owner = pthread_self();
	self->owned = 1;
	value = call_locked(self, cmethod, params);
	self->owned = 0;
	if (--self->busy == 0)
		pthread_cond_broadcast(&self->idle);
	pthread_mutex_unlock(&self->lock);
out:
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
	if (self->cli == NULL)
		Py_RETURN_NONE;
	return PyUnicode_FromString(shmrpc_transport_name(self->kind));
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
	    "transport in use, \"futex\" or \"posix\" (None once closed)",
	    NULL },
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
