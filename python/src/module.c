/*
 * module.c - shmrpc._shmrpc: the C extension behind the shmrpc package.
 *
 * Layer: Python binding (top).  Module setup, the argument helpers the
 * types share, and the codec exposed as dumps()/loads() (used by the
 * tests and by anyone who wants the seed's JSON without a channel).
 */
#include "codec.h"
#include "errors.h"
#include "types.h"

static unsigned long main_thread_ident;

int on_main_thread(void)
{
	return PyThread_get_thread_ident() == main_thread_ident;
}

int seconds_arg(PyObject *obj, const char *what, double *out)
{
	double v;

	if (obj == Py_None) {
		*out = -1.0;
		return 0;
	}
	v = PyFloat_AsDouble(obj);
	if (v == -1.0 && PyErr_Occurred()) {
		PyErr_Format(PyExc_TypeError, "%s must be a number of seconds "
		    "or None, not %s", what, Py_TYPE(obj)->tp_name);
		return -1;
	}
	if (v != v) {
		PyErr_Format(PyExc_ValueError, "%s must not be NaN", what);
		return -1;
	}
	*out = v;
	return 0;
}

int options_from_args(shmrpc_options *opts, PyObject *buffer_size,
    PyObject *timeout, PyObject *transport)
{
	shmrpc_options_init(opts);
	opts->buffer_size = SHMRPC_DEFAULT_BUFFER_SIZE;
	opts->timeout = SHMRPC_DEFAULT_TIMEOUT;
	if (buffer_size != NULL && buffer_size != Py_None) {
		Py_ssize_t n = PyNumber_AsSsize_t(buffer_size,
		    PyExc_OverflowError);
		if (n == -1 && PyErr_Occurred())
			return -1;
		if (n <= 4) {
			PyErr_Format(PyExc_ValueError, "buffer_size must be "
			    "more than 4 (the length header), not %zd", n);
			return -1;
		}
		opts->buffer_size = (size_t)n;
	}
	if (timeout != NULL && seconds_arg(timeout, "timeout",
	    &opts->timeout) < 0)
		return -1;
	if (transport != NULL && transport != Py_None) {
		const char *t;
		if (!PyUnicode_Check(transport)) {
			PyErr_Format(PyExc_TypeError, "transport must be "
			    "\"futex\", \"posix\" or None, not %s",
			    Py_TYPE(transport)->tp_name);
			return -1;
		}
		t = PyUnicode_AsUTF8(transport);
		if (t == NULL)
			return -1;
		if (shmrpc_transport_parse(t, &opts->transport) < 0) {
			PyErr_Format(PyExc_ValueError, "transport must be "
			    "\"futex\", \"posix\" or None, not %R", transport);
			return -1;
		}
	}
	return 0;
}

static PyObject *mod_dumps(PyObject *mod, PyObject *obj)
{
	struct outbuf out;
	PyObject *bytes;

	(void)mod;
	if (outbuf_init(&out, 128) < 0)
		return PyErr_NoMemory();
	if (codec_encode(obj, &out) < 0) {
		outbuf_free(&out);
		return NULL;
	}
	bytes = PyBytes_FromStringAndSize(out.data, (Py_ssize_t)out.len);
	outbuf_free(&out);
	return bytes;
}

static PyObject *mod_loads(PyObject *mod, PyObject *obj)
{
	Py_buffer view;
	PyObject *v;

	(void)mod;
	if (PyBytes_Check(obj))
		/* Immutable: parsed in place. */
		return codec_decode(PyBytes_AS_STRING(obj),
		    (size_t)PyBytes_GET_SIZE(obj));
	if (PyUnicode_Check(obj)) {
		Py_ssize_t n;
		const char *s = PyUnicode_AsUTF8AndSize(obj, &n);
		if (s == NULL) {
			PyErr_Clear();
			PyErr_SetString(pyerr_RPCSerializationError,
			    "Failed to deserialize data: str is not valid "
			    "UTF-8: surrogates not allowed");
			return NULL;
		}
		return codec_decode(s, (size_t)n);
	}
	/* bytearray, memoryview, mmap...: may change under us (another
	 * thread, another process): parse a private copy. */
	if (PyObject_GetBuffer(obj, &view, PyBUF_SIMPLE) < 0)
		return NULL;
	v = codec_decode_shared(view.buf, (size_t)view.len);
	PyBuffer_Release(&view);
	return v;
}

static PyMethodDef mod_methods[] = {
	{ "dumps", mod_dumps, METH_O,
	    "dumps(obj)\n--\n\nobj as compact JSON bytes, as the seed (orjson) "
	    "writes it, with ints of any size.\nRaises RPCSerializationError." },
	{ "loads", mod_loads, METH_O,
	    "loads(data)\n--\n\nParse JSON (bytes, str or any buffer; strict "
	    "RFC 8259).\nRaises RPCSerializationError with the byte offset." },
	{ NULL, NULL, 0, NULL },
};

static struct PyModuleDef shmrpc_module = {
	PyModuleDef_HEAD_INIT,
	.m_name = "shmrpc._shmrpc",
	.m_doc = "C extension of the shmrpc package (libshmrpc for Python).",
	.m_size = -1,
	.m_methods = mod_methods,
};

static int find_main_thread(void)
{
	PyObject *threading = PyImport_ImportModule("threading");
	PyObject *main, *ident;

	if (threading == NULL)
		return -1;
	main = PyObject_CallMethod(threading, "main_thread", NULL);
	Py_DECREF(threading);
	if (main == NULL)
		return -1;
	ident = PyObject_GetAttrString(main, "ident");
	Py_DECREF(main);
	if (ident == NULL)
		return -1;
	main_thread_ident = PyLong_AsUnsignedLong(ident);
	Py_DECREF(ident);
	return PyErr_Occurred() ? -1 : 0;
}

PyMODINIT_FUNC PyInit__shmrpc(void);

PyMODINIT_FUNC PyInit__shmrpc(void)
{
	PyObject *m;

	if (errors_init() < 0 || find_main_thread() < 0)
		return NULL;
	if (PyType_Ready(&RPCClient_Type) < 0 ||
	    PyType_Ready(&RPCServer_Type) < 0)
		return NULL;
	m = PyModule_Create(&shmrpc_module);
	if (m == NULL)
		return NULL;
	Py_INCREF(&RPCClient_Type);
	Py_INCREF(&RPCServer_Type);
	if (PyModule_AddObject(m, "RPCClient", (PyObject *)&RPCClient_Type) < 0 ||
	    PyModule_AddObject(m, "RPCServer", (PyObject *)&RPCServer_Type) < 0 ||
	    PyModule_AddStringConstant(m, "library_version",
		shmrpc_version()) < 0 ||
	    PyModule_AddIntConstant(m, "MAX_ENCODE_DEPTH",
		CODEC_MAX_ENCODE_DEPTH) < 0 ||
	    PyModule_AddIntConstant(m, "MAX_DECODE_DEPTH",
		CODEC_MAX_DECODE_DEPTH) < 0 ||
	    PyModule_AddIntConstant(m, "DEFAULT_BUFFER_SIZE",
		SHMRPC_DEFAULT_BUFFER_SIZE) < 0 ||
	    PyModule_AddObject(m, "DEFAULT_TIMEOUT",
		PyFloat_FromDouble(SHMRPC_DEFAULT_TIMEOUT)) < 0) {
		Py_DECREF(m);
		return NULL;
	}
	return m;
}
