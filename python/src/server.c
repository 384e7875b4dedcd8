/*
 * server.c - shmrpc.RPCServer: the seed's server API over libshmrpc.
 *
 * Layer: Python binding.
 *
 * The seed's behaviour kept: the channel is created by the constructor;
 * methods are called as func(**params) and an exception becomes the error
 * "Type: message"; start() blocks, serves until stopped, then closes the
 * server; a server built on the main thread installs SIGTERM and SIGINT
 * handlers that close it (removing its objects from /dev/shm), and close()
 * puts the previous handlers back.
 *
 * What is new: start() may run on any thread, with the GIL released while
 * it waits for requests (the GIL is taken only to run a method); stop()
 * ends start() from another thread or a signal handler; several threads
 * may call start() on one futex server to run methods in parallel (as far
 * as the GIL lets them); a result that cannot be serialised is answered
 * with an RPCSerializationError instead of killing the server.
 *
 * GIL release points: the channel's creation, every wait in start(), the
 * wait in close() for serving threads to leave, and the library's close.
 * It is taken back in py_method() (a request to run) and when start()
 * returns.
 *
 * How methods reach Python: the server has one text handler, the
 * library's fallback for every name (shmrpc_server_set_fallback_text()),
 * which looks the name up in self->methods, a dict.  So register() works
 * at any time, also while serving, as in the seed; "Unknown method" and
 * "__running__" stay the library's.  Params arrive as JSON text and the
 * result leaves as JSON text, written by the codec straight into the
 * response buffer when it fits: integers of any size, floats and escapes
 * as the seed writes them.
 *
 * Signals while start() waits on the main thread: start() serves in
 * slices (shmrpc_server_serve_until(), which returns when a signal
 * handler interrupts its wait, or after SIGNAL_SLICE seconds without a
 * request), and runs Python's signal handlers in between
 * (PyErr_CheckSignals()): the seed's close on SIGTERM/SIGINT, a
 * KeyboardInterrupt, or any handler of the program's own.
 */
#include <pthread.h>

#include "codec.h"
#include "errors.h"
#include "types.h"

/* Longest a wait of start() on the main thread lasts before it looks for
 * Python signal handlers to run: a signal normally interrupts the wait at
 * once; this bounds the one that comes just before it begins. */
#define SIGNAL_SLICE 0.1

typedef struct {
	PyObject_HEAD
	shmrpc_server *srv;      /* NULL once closed */
	PyObject *name;          /* str */
	PyObject *methods;       /* dict: name -> callable */
	struct outbuf spare_copy; /* kept between calls: params copied out of
				     shared memory (outbuf_take/give) */
	pthread_mutex_t lock;    /* guards srv, serving */
	pthread_cond_t idle;     /* signalled when serving drops to 0 */
	int serving;             /* threads inside shmrpc_server_serve() */
	int close_pending;       /* close() asked from a serving thread */
	int closed_by_signal;    /* our SIGTERM/SIGINT handler closed it */
	PyObject *prev_handlers; /* dict signum -> previous handler, or NULL */
	PyObject *on_signal;     /* our bound _on_signal while installed */
	/* A BaseException (not Exception) raised by a method: start()
	 * re-raises it once serving has stopped. */
	PyObject *pending_type, *pending_value, *pending_tb;
	PyObject *weakrefs;
} ServerObject;

/* The server this thread is serving, if any (close() from inside a
 * method must not wait for itself). */
static _Thread_local ServerObject *tls_serving;

static void lock_nogil(pthread_mutex_t *m)
{
	if (pthread_mutex_trylock(m) == 0)
		return;
	Py_BEGIN_ALLOW_THREADS
	pthread_mutex_lock(m);
	Py_END_ALLOW_THREADS
}

/* ---- running a method (serving thread, GIL taken here) ------------------- */

/* "Type: message" of the exception being handled, as the seed writes it:
 * f"{type(e).__name__}: {str(e)}", complete. */
static void reply_exception(shmrpc_req *req, PyObject *type, PyObject *value)
{
	PyObject *tname = PyObject_GetAttrString(type, "__name__");
	PyObject *msg = value != NULL ? PyObject_Str(value) : NULL;
	PyObject *text = NULL;
	const char *t;
	Py_ssize_t n;

	if (tname != NULL && msg != NULL)
		text = PyUnicode_FromFormat("%U: %U", tname, msg);
	/* A lone surrogate in the message: written as "?", as the seed's
	 * orjson would refuse it outright. */
	if (text != NULL) {
		PyObject *b = PyUnicode_AsEncodedString(text, "utf-8",
		    "replace");
		Py_DECREF(text);
		text = b;
	}
	if (text != NULL && PyBytes_AsStringAndSize(text, (char **)&t,
	    &n) == 0) {
		shmrpc_req_error_text(req, t, (size_t)n);
	} else {
		PyErr_Clear();
		shmrpc_req_error(req, "Exception", "<exception str() failed>");
	}
	Py_XDECREF(text);
	Py_XDECREF(tname);
	Py_XDECREF(msg);
}

/* An exception that is not an Exception (KeyboardInterrupt, SystemExit):
 * the seed's start() would end with it; so does ours, once the client
 * has had its answer.  Takes the references. */
static void keep_for_start(ServerObject *self, PyObject *type, PyObject *exc,
    PyObject *tb)
{
	if (self->pending_type == NULL) {
		self->pending_type = type;
		self->pending_value = exc;
		self->pending_tb = tb;
	} else {
		Py_XDECREF(type);
		Py_XDECREF(exc);
		Py_XDECREF(tb);
	}
	if (self->srv != NULL)
		shmrpc_server_stop(self->srv);
}

/* The exception set now, as the answer. */
static void reply_raised(ServerObject *self, shmrpc_req *req)
{
	PyObject *type, *exc, *tb;

	PyErr_Fetch(&type, &exc, &tb);
	PyErr_NormalizeException(&type, &exc, &tb);
	if (type == NULL) {
		shmrpc_req_error(req, "RuntimeError", "method failed");
		return;
	}
	reply_exception(req, type, exc);
	if (!PyErr_GivenExceptionMatches(type, PyExc_Exception)) {
		keep_for_start(self, type, exc, tb);
		return;
	}
	Py_XDECREF(type);
	Py_XDECREF(exc);
	Py_XDECREF(tb);
}

/* The params text, which lies in shared memory that the client could
 * rewrite: copied once (into the server's spare buffer), then parsed. */
static PyObject *decode_params(ServerObject *self, const char *params,
    size_t params_len)
{
	struct outbuf copy;
	PyObject *kwargs = NULL;

	outbuf_take(&self->spare_copy, &copy);
	if (outbuf_put(&copy, params, params_len) < 0)
		PyErr_NoMemory();
	else
		kwargs = codec_decode(copy.data, copy.len);
	outbuf_give(&self->spare_copy, &copy);
	return kwargs;
}

/*
 * The library's fallback text handler: every method call lands here, on
 * the serving thread, without the GIL.  params lies in the channel's
 * shared memory: codec_decode_shared() copies it before it parses.  The
 * result is encoded straight into out when it fits; when it does not,
 * *out_len > out_cap tells the library to answer "Response too large".
 */
static int py_method(shmrpc_req *req, const char *params, size_t params_len,
    char *out, size_t out_cap, size_t *out_len, void *arg)
{
	ServerObject *self = arg;
	PyGILState_STATE g = PyGILState_Ensure();
	PyObject *func, *kwargs = NULL, *value = NULL, *empty = NULL;
	struct outbuf result;
	int rc = -1;

	func = PyDict_GetItemString(self->methods, shmrpc_req_method(req));
	if (func == NULL) {
		rc = shmrpc_req_unknown_method(req);
		goto done;
	}
	Py_INCREF(func);
	kwargs = decode_params(self, params, params_len);
	if (kwargs != NULL && !PyDict_Check(kwargs)) {
		Py_CLEAR(kwargs);
		PyErr_SetString(pyerr_RPCError, "params is not an object");
	}
	empty = PyTuple_New(0);
	if (kwargs != NULL && empty != NULL)
		value = PyObject_Call(func, empty, kwargs);
	if (value == NULL) {
		reply_raised(self, req);
		goto done;
	}
	outbuf_init_over(&result, out, out_cap);
	if (value != Py_None && codec_encode(value, &result) < 0) {
		outbuf_free(&result);
		reply_raised(self, req);
		goto done;
	}
	if (result.data != out && result.len > 0 && result.len <= out_cap)
		memcpy(out, result.data, result.len); /* it fits after all */
	*out_len = result.len;
	outbuf_free(&result);
	rc = 0;
done:
	Py_XDECREF(func);
	Py_XDECREF(kwargs);
	Py_XDECREF(value);
	Py_XDECREF(empty);
	PyGILState_Release(g);
	return rc;
}

/* ---- signals -------------------------------------------------------------- */

/* Install self._on_signal for SIGTERM and SIGINT, as the seed's
 * _SignalHandler does (main thread only; failure is not fatal, as in the
 * seed, but here nothing can fail short of a broken signal module). */
static int install_handlers(ServerObject *self)
{
	PyObject *signal_mod = NULL, *prev = NULL, *r;
	static const char *names[2] = { "SIGTERM", "SIGINT" };
	int rc = -1;

	if (!on_main_thread())
		return 0;
	signal_mod = PyImport_ImportModule("signal");
	if (signal_mod == NULL)
		return -1;
	self->on_signal = PyObject_GetAttrString((PyObject *)self,
	    "_on_signal");
	self->prev_handlers = PyDict_New();
	if (self->on_signal == NULL || self->prev_handlers == NULL)
		goto out;
	for (int i = 0; i < 2; i++) {
		PyObject *num = PyObject_GetAttrString(signal_mod, names[i]);
		if (num == NULL)
			goto out;
		prev = PyObject_CallMethod(signal_mod, "getsignal", "O", num);
		if (prev == NULL ||
		    PyDict_SetItem(self->prev_handlers, num, prev) < 0) {
			Py_DECREF(num);
			goto out;
		}
		Py_CLEAR(prev);
		r = PyObject_CallMethod(signal_mod, "signal", "OO", num,
		    self->on_signal);
		Py_DECREF(num);
		if (r == NULL)
			goto out;
		Py_DECREF(r);
	}
	rc = 0;
out:
	Py_XDECREF(prev);
	Py_DECREF(signal_mod);
	return rc;
}

static int pending_restore(void *arg);

/* Put back the handlers we replaced, where ours is still installed.
 * Re-entrant: it takes the saved handlers out of self first, because the
 * Python calls below can run a signal handler or a pending call that
 * comes back here. */
static void restore_handlers(ServerObject *self)
{
	PyObject *signal_mod, *num, *prev, *cur, *r, *saved, *ours;
	Py_ssize_t pos = 0;

	if (self->prev_handlers == NULL)
		return;
	if (!on_main_thread()) {
		/* signal.signal() works only there: do it there, soon. */
		Py_INCREF(self);
		if (Py_AddPendingCall(pending_restore, self) < 0)
			Py_DECREF(self);
		return;
	}
	saved = self->prev_handlers;
	ours = self->on_signal;
	self->prev_handlers = NULL;
	self->on_signal = NULL;
	signal_mod = PyImport_ImportModule("signal");
	if (signal_mod == NULL)
		PyErr_Clear();
	while (signal_mod != NULL && PyDict_Next(saved, &pos, &num, &prev)) {
		cur = PyObject_CallMethod(signal_mod, "getsignal", "O", num);
		if (cur != NULL && PyObject_RichCompareBool(cur, ours,
		    Py_EQ) == 1) {
			r = PyObject_CallMethod(signal_mod, "signal", "OO",
			    num, prev);
			Py_XDECREF(r);
		}
		Py_XDECREF(cur);
		PyErr_Clear();
	}
	Py_XDECREF(signal_mod);
	Py_DECREF(saved);
	Py_XDECREF(ours);
}

/* restore_handlers() asked from another thread, now on the main one. */
static int pending_restore(void *arg)
{
	ServerObject *self = arg;

	restore_handlers(self);
	Py_DECREF(self);
	return 0;
}

/* ---- lifecycle ------------------------------------------------------------ */

/* Stop, wait for serving threads to leave, remove the channel.  From a
 * serving thread (a method calling close(), or a signal handler run
 * during a method), only stop: that thread's start() closes on its way
 * out.  GIL held. */
static void server_close(ServerObject *self)
{
	shmrpc_server *srv;

	lock_nogil(&self->lock);
	if (self->srv == NULL) {
		pthread_mutex_unlock(&self->lock);
		restore_handlers(self);
		return;
	}
	shmrpc_server_stop(self->srv);
	if (tls_serving == self) {
		self->close_pending = 1;
		pthread_mutex_unlock(&self->lock);
		return;
	}
	if (self->serving > 0) {
		Py_BEGIN_ALLOW_THREADS
		while (self->serving > 0)
			pthread_cond_wait(&self->idle, &self->lock);
		Py_END_ALLOW_THREADS
	}
	srv = self->srv;
	self->srv = NULL;
	pthread_mutex_unlock(&self->lock);
	if (srv != NULL) {
		Py_BEGIN_ALLOW_THREADS
		shmrpc_server_close(srv);
		Py_END_ALLOW_THREADS
	}
	restore_handlers(self);
}

static PyObject *Server_new(PyTypeObject *type, PyObject *args,
    PyObject *kwds)
{
	ServerObject *self = (ServerObject *)type->tp_alloc(type, 0);

	(void)args;
	(void)kwds;
	if (self == NULL)
		return NULL;
	pthread_mutex_init(&self->lock, NULL);
	pthread_cond_init(&self->idle, NULL);
	self->methods = PyDict_New();
	if (self->methods == NULL) {
		Py_DECREF(self);
		return NULL;
	}
	return (PyObject *)self;
}

static int Server_init(ServerObject *self, PyObject *args, PyObject *kwds)
{
	static char *kwlist[] = { "name", "buffer_size", "timeout",
		"transport", NULL };
	PyObject *name, *buffer_size = NULL, *timeout = NULL;
	PyObject *transport = Py_None;
	shmrpc_options opts;
	const char *cname;
	char detail[SHMRPC_ERROR_TEXT_LENGTH];
	shmrpc_error oerr;
	shmrpc_server *srv = NULL;
	int rc;

	if (self->srv != NULL || self->name != NULL) {
		PyErr_SetString(PyExc_RuntimeError,
		    "RPCServer.__init__() called twice");
		return -1;
	}
	if (!PyArg_ParseTupleAndKeywords(args, kwds, "U|OO$O:RPCServer",
	    kwlist, &name, &buffer_size, &timeout, &transport))
		return -1;
	if (options_from_args(&opts, buffer_size, timeout, transport) < 0)
		return -1;
	if (opts.buffer_size == 0)
		opts.buffer_size = SHMRPC_DEFAULT_BUFFER_SIZE;
	cname = PyUnicode_AsUTF8(name);
	if (cname == NULL)
		return -1;
	Py_INCREF(name);
	self->name = name;
	/* The seed installs its handlers before it creates the channel. */
	if (install_handlers(self) < 0)
		return -1;
	Py_BEGIN_ALLOW_THREADS
	rc = shmrpc_server_open(&srv, cname, &opts, &oerr);
	snprintf(detail, sizeof(detail), "%s", rc < 0 ? oerr.text : "");
	Py_END_ALLOW_THREADS
	if (rc < 0) {
		restore_handlers(self);
		return errors_raise(rc, "Failed to initialize transport",
		    detail);
	}
	/* Every name goes to py_method(), which looks in self->methods and
	 * parses the params strictly itself. */
	shmrpc_server_set_fallback_text(srv, py_method, self,
	    SHMRPC_TEXT_UNCHECKED);
	self->srv = srv;
	return 0;
}

static void Server_dealloc(ServerObject *self)
{
	PyObject_GC_UnTrack(self);
	if (self->weakrefs != NULL)
		PyObject_ClearWeakRefs((PyObject *)self);
	if (self->srv != NULL)
		server_close(self);
	pthread_cond_destroy(&self->idle);
	pthread_mutex_destroy(&self->lock);
	outbuf_free(&self->spare_copy);
	Py_CLEAR(self->name);
	Py_CLEAR(self->methods);
	Py_CLEAR(self->prev_handlers);
	Py_CLEAR(self->on_signal);
	Py_CLEAR(self->pending_type);
	Py_CLEAR(self->pending_value);
	Py_CLEAR(self->pending_tb);
	Py_TYPE(self)->tp_free((PyObject *)self);
}

static int Server_traverse(ServerObject *self, visitproc visit, void *arg)
{
	Py_VISIT(self->methods);
	Py_VISIT(self->prev_handlers);
	Py_VISIT(self->on_signal);
	Py_VISIT(self->pending_type);
	Py_VISIT(self->pending_value);
	Py_VISIT(self->pending_tb);
	return 0;
}

static int Server_clear(ServerObject *self)
{
	/* Only the Python-level references; the channel stays until
	 * dealloc or close(). */
	Py_CLEAR(self->prev_handlers);
	Py_CLEAR(self->on_signal);
	Py_CLEAR(self->pending_type);
	Py_CLEAR(self->pending_value);
	Py_CLEAR(self->pending_tb);
	return 0;
}

/* ---- methods -------------------------------------------------------------- */

static PyObject *Server_register(ServerObject *self, PyObject *args,
    PyObject *kwds)
{
	static char *kwlist[] = { "name", "func", NULL };
	PyObject *name, *func;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "UO:register", kwlist,
	    &name, &func))
		return NULL;
	if (!PyCallable_Check(func)) {
		PyErr_Format(PyExc_TypeError, "func must be callable, not %s",
		    Py_TYPE(func)->tp_name);
		return NULL;
	}
	if (PyUnicode_GET_LENGTH(name) == 0) {
		PyErr_Format(PyExc_ValueError, "invalid method name %R", name);
		return NULL;
	}
	lock_nogil(&self->lock);
	if (self->srv == NULL) {
		pthread_mutex_unlock(&self->lock);
		PyErr_SetString(pyerr_RPCError, "server is closed");
		return NULL;
	}
	pthread_mutex_unlock(&self->lock);
	/* Only the dict: the library asks py_method() for every name, so a
	 * method registered while serving is called from the next request
	 * on.  "__running__" stays the library's, which answers it itself
	 * (as the seed's own registration does). */
	if (PyDict_SetItem(self->methods, name, func) < 0)
		return NULL;
	Py_RETURN_NONE;
}

static PyObject *Server_register_function(ServerObject *self, PyObject *func)
{
	PyObject *name = PyObject_GetAttrString(func, "__name__");
	PyObject *args, *r;

	if (name == NULL)
		return NULL;
	args = PyTuple_Pack(2, name, func);
	Py_DECREF(name);
	if (args == NULL)
		return NULL;
	r = Server_register(self, args, NULL);
	Py_DECREF(args);
	if (r == NULL)
		return NULL;
	Py_DECREF(r);
	Py_INCREF(func);
	return func;
}

/*
 * Serve until stopped, without the GIL.  On the main thread, in slices,
 * running Python's signal handlers between them (see the head of this
 * file); they may close the server (the seed's handler) or raise
 * (KeyboardInterrupt), which ends it with that exception set.
 */
static int serve_until_stopped(shmrpc_server *srv)
{
	int rc;

	if (!on_main_thread()) {
		Py_BEGIN_ALLOW_THREADS
		rc = shmrpc_server_serve(srv);
		Py_END_ALLOW_THREADS
		return rc;
	}
	for (;;) {
		Py_BEGIN_ALLOW_THREADS
		rc = shmrpc_server_serve_until(srv, SIGNAL_SLICE,
		    SHMRPC_SERVE_EINTR);
		Py_END_ALLOW_THREADS
		if (rc != SHMRPC_ETIMEOUT && rc != -EINTR)
			return rc;
		if (PyErr_CheckSignals() < 0)
			return 0;
	}
}

static PyObject *Server_start(ServerObject *self, PyObject *unused)
{
	ServerObject *outer = tls_serving;
	shmrpc_server *srv;
	int rc, signalled;

	(void)unused;
	lock_nogil(&self->lock);
	srv = self->srv;
	if (srv == NULL) {
		pthread_mutex_unlock(&self->lock);
		/* A signal that came just before start() has done what it
		 * would have done during it. */
		if (self->closed_by_signal)
			Py_RETURN_NONE;
		PyErr_SetString(pyerr_RPCError, "server is closed");
		return NULL;
	}
	self->serving++;
	pthread_mutex_unlock(&self->lock);

	tls_serving = self;
	rc = serve_until_stopped(srv);
	tls_serving = outer;

	lock_nogil(&self->lock);
	if (--self->serving == 0)
		pthread_cond_broadcast(&self->idle);
	pthread_mutex_unlock(&self->lock);

	/* Run the Python handlers of signals that came at the very end,
	 * unless one has raised already. */
	signalled = PyErr_Occurred() != NULL ? -1 : PyErr_CheckSignals();
	/* Like the seed: once start() is over, the server is closed. */
	if (signalled < 0) {
		PyObject *t, *v, *tb;
		PyErr_Fetch(&t, &v, &tb);
		server_close(self);
		PyErr_Restore(t, v, tb);
	} else {
		server_close(self);
	}
	if (self->pending_type != NULL) {
		if (signalled < 0)
			PyErr_Clear();
		PyErr_Restore(self->pending_type, self->pending_value,
		    self->pending_tb);
		self->pending_type = self->pending_value = NULL;
		self->pending_tb = NULL;
		return NULL;
	}
	if (signalled < 0)
		return NULL;
	if (rc < 0)
		return errors_raise(rc, "serving stopped", NULL), NULL;
	Py_RETURN_NONE;
}

static PyObject *Server_stop(ServerObject *self, PyObject *unused)
{
	(void)unused;
	/* No lock: shmrpc_server_stop() is thread-safe, and srv stays
	 * valid while we hold the GIL (close frees it only after taking
	 * the GIL back... and from this very thread's point of view the
	 * pointer is read once). */
	lock_nogil(&self->lock);
	if (self->srv != NULL)
		shmrpc_server_stop(self->srv);
	pthread_mutex_unlock(&self->lock);
	Py_RETURN_NONE;
}

static PyObject *Server_close(ServerObject *self, PyObject *unused)
{
	(void)unused;
	server_close(self);
	Py_RETURN_NONE;
}

static PyObject *Server_on_signal(ServerObject *self, PyObject *args)
{
	(void)args;
	/* The seed's handler: close (which also puts back the previous
	 * handlers). */
	self->closed_by_signal = 1;
	server_close(self);
	Py_RETURN_NONE;
}

static PyObject *Server_enter(ServerObject *self, PyObject *unused)
{
	(void)unused;
	Py_INCREF(self);
	return (PyObject *)self;
}

static PyObject *Server_exit(ServerObject *self, PyObject *args)
{
	(void)args;
	server_close(self);
	Py_RETURN_NONE;
}

static PyObject *Server_get_closed(ServerObject *self, void *unused)
{
	(void)unused;
	return PyBool_FromLong(self->srv == NULL && !self->close_pending);
}

static PyObject *Server_repr(ServerObject *self)
{
	return PyUnicode_FromFormat("<shmrpc.RPCServer %R%s>",
	    self->name != NULL ? self->name : Py_None,
	    self->srv == NULL ? " closed" : "");
}

static PyMethodDef Server_methods[] = {
	{ "register", (PyCFunction)(void (*)(void))Server_register,
	    METH_VARARGS | METH_KEYWORDS,
	    "register(name, func)\n--\n\nRegister func for method `name` "
	    "(called as func(**params))." },
	{ "register_function", (PyCFunction)Server_register_function, METH_O,
	    "register_function(func)\n--\n\nDecorator: register func under "
	    "func.__name__; returns func." },
	{ "start", (PyCFunction)Server_start, METH_NOARGS,
	    "start()\n--\n\nServe until stop(), close() or SIGTERM/SIGINT; "
	    "then close.\nReleases the GIL while it waits." },
	{ "stop", (PyCFunction)Server_stop, METH_NOARGS,
	    "stop()\n--\n\nMake start() return after the request in hand.  "
	    "Any thread." },
	{ "close", (PyCFunction)Server_close, METH_NOARGS,
	    "close()\n--\n\nStop, and remove the channel from /dev/shm.  "
	    "Idempotent." },
	{ "_on_signal", (PyCFunction)Server_on_signal, METH_VARARGS,
	    "The SIGTERM/SIGINT handler a server built on the main thread "
	    "installs." },
	{ "__enter__", (PyCFunction)Server_enter, METH_NOARGS, NULL },
	{ "__exit__", (PyCFunction)Server_exit, METH_VARARGS, NULL },
	{ NULL, NULL, 0, NULL },
};

static PyMemberDef Server_members[] = {
	{ "name", T_OBJECT, offsetof(ServerObject, name), READONLY,
	    "channel name" },
	{ NULL, 0, 0, 0, NULL },
};

static PyGetSetDef Server_getset[] = {
	{ "closed", (getter)Server_get_closed, NULL, "True once closed", NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

PyTypeObject RPCServer_Type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "shmrpc.RPCServer",
	.tp_basicsize = sizeof(ServerObject),
	.tp_dealloc = (destructor)Server_dealloc,
	.tp_repr = (reprfunc)Server_repr,
	.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE |
		    Py_TPFLAGS_HAVE_GC,
	.tp_doc = "RPCServer(name, buffer_size=4096, timeout=5.0, *, "
		  "transport=None)\n--\n\n"
		  "Create channel `name` and serve methods on it (the seed's "
		  "RPCServer).",
	.tp_traverse = (traverseproc)Server_traverse,
	.tp_clear = (inquiry)Server_clear,
	.tp_weaklistoffset = offsetof(ServerObject, weakrefs),
	.tp_methods = Server_methods,
	.tp_members = Server_members,
	.tp_getset = Server_getset,
	.tp_init = (initproc)Server_init,
	.tp_new = Server_new,
};
