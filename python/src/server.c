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
 * Signals while start() waits on the main thread: Python runs its signal
 * handlers only between bytecodes, and the library retries a wait that a
 * signal interrupts.  So for as long as start() waits on the main thread,
 * SIGINT and SIGTERM (when Python handles them) also stop the server from
 * inside the C-level handler (shmrpc_server_stop() is async-signal-safe);
 * start() then returns to Python, whose handler runs (the seed's close, a
 * KeyboardInterrupt, or the user's own).  Other signals' Python handlers
 * run at the next request.  Part 2 (API-NEEDS.md) asks for a serve call
 * that returns on EINTR, which makes this chaining unnecessary.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>

#include "codec.h"
#include "errors.h"
#include "rpc_backend.h"
#include "types.h"

typedef struct {
	PyObject_HEAD
	shmrpc_server *srv;      /* NULL once closed */
	PyObject *name;          /* str */
	PyObject *methods;       /* dict: name -> callable */
	struct backend_method bm; /* {py_method, self}, shared by all names */
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
 * f"{type(e).__name__}: {str(e)}". */
static void reply_exception(shmrpc_req *req, PyObject *type, PyObject *value)
{
	PyObject *tname = PyObject_GetAttrString(type, "__name__");
	PyObject *msg = value != NULL ? PyObject_Str(value) : NULL;
	const char *ct = tname != NULL ? PyUnicode_AsUTF8(tname) : NULL;
	const char *cm = msg != NULL ? PyUnicode_AsUTF8(msg) : NULL;

	if (ct == NULL || cm == NULL)
		PyErr_Clear();
	backend_req_error(req, ct != NULL ? ct : "Exception",
	    cm != NULL ? cm : "<exception str() failed>");
	Py_XDECREF(tname);
	Py_XDECREF(msg);
}

static int py_method(shmrpc_req *req, const char *params, size_t params_len,
    int params_shared, struct outbuf *result, void *arg)
{
	ServerObject *self = arg;
	PyGILState_STATE g = PyGILState_Ensure();
	PyObject *func, *kwargs = NULL, *value = NULL, *empty = NULL;
	PyObject *type, *exc, *tb;
	int rc = -1;

	func = PyDict_GetItemString(self->methods, shmrpc_req_method(req));
	if (func == NULL) {
		/* Unregistered since (the library still had the name). */
		char msg[300];
		PyOS_snprintf(msg, sizeof(msg), "Unknown method: %s",
		    shmrpc_req_method(req));
		backend_req_error(req, "RPCError", msg);
		goto done;
	}
	Py_INCREF(func);
	kwargs = params_shared ? codec_decode_shared(params, params_len)
			       : codec_decode(params, params_len);
	if (kwargs != NULL && !PyDict_Check(kwargs)) {
		Py_CLEAR(kwargs);
		PyErr_SetString(pyerr_RPCError, "params is not an object");
	}
	empty = PyTuple_New(0);
	if (kwargs != NULL && empty != NULL)
		value = PyObject_Call(func, empty, kwargs);
	if (value != NULL) {
		if (value != Py_None && codec_encode(value, result) < 0) {
			result->len = 0;
			goto failed;
		}
		rc = 0;
		goto done;
	}
failed:
	PyErr_Fetch(&type, &exc, &tb);
	PyErr_NormalizeException(&type, &exc, &tb);
	if (type == NULL) {
		backend_req_error(req, "RuntimeError", "method failed");
	} else {
		reply_exception(req, type, exc);
		if (!PyErr_GivenExceptionMatches(type, PyExc_Exception)) {
			/* KeyboardInterrupt, SystemExit...: the seed's start()
			 * would end with it; so does ours, once the client has
			 * had its answer. */
			if (self->pending_type == NULL) {
				self->pending_type = type;
				self->pending_value = exc;
				self->pending_tb = tb;
				type = exc = tb = NULL;
			}
			if (self->srv != NULL)
				shmrpc_server_stop(self->srv);
		}
	}
	Py_XDECREF(type);
	Py_XDECREF(exc);
	Py_XDECREF(tb);
done:
	Py_XDECREF(func);
	Py_XDECREF(kwargs);
	Py_XDECREF(value);
	Py_XDECREF(empty);
	PyGILState_Release(g);
	return rc;
}

/* ---- signals -------------------------------------------------------------- */

static const int chained_signals[2] = { SIGINT, SIGTERM };
static struct sigaction chained_old[2];
static int chained_on[2];
static _Atomic(shmrpc_server *) chain_target;

static void chain_handler(int sig, siginfo_t *info, void *uc)
{
	shmrpc_server *srv = atomic_load(&chain_target);
	int i = sig == SIGINT ? 0 : 1;

	if (srv != NULL)
		shmrpc_server_stop(srv);
	if (chained_old[i].sa_flags & SA_SIGINFO)
		chained_old[i].sa_sigaction(sig, info, uc);
	else if (chained_old[i].sa_handler != SIG_DFL &&
	    chained_old[i].sa_handler != SIG_IGN)
		chained_old[i].sa_handler(sig);
}

/* While start() waits on the main thread.  GIL held (so only one thread
 * runs these). */
static void chain_signals(shmrpc_server *srv)
{
	if (atomic_load(&chain_target) != NULL)
		return; /* a start() further up this thread's stack has it */
	atomic_store(&chain_target, srv);
	for (int i = 0; i < 2; i++) {
		struct sigaction sa, cur;
		chained_on[i] = 0;
		if (sigaction(chained_signals[i], NULL, &cur) < 0)
			continue;
		if (!(cur.sa_flags & SA_SIGINFO) &&
		    (cur.sa_handler == SIG_DFL || cur.sa_handler == SIG_IGN))
			continue; /* Python does not handle it: leave it */
		sa = cur;
		sa.sa_flags |= SA_SIGINFO;
		sa.sa_sigaction = chain_handler;
		chained_old[i] = cur;
		if (sigaction(chained_signals[i], &sa, NULL) == 0)
			chained_on[i] = 1;
	}
}

static void unchain_signals(shmrpc_server *srv)
{
	if (atomic_load(&chain_target) != srv)
		return;
	for (int i = 0; i < 2; i++) {
		struct sigaction cur;
		if (!chained_on[i])
			continue;
		/* Put the old one back only if nobody replaced ours (e.g. a
		 * method that called signal.signal()). */
		if (sigaction(chained_signals[i], NULL, &cur) == 0 &&
		    (cur.sa_flags & SA_SIGINFO) &&
		    cur.sa_sigaction == chain_handler)
			sigaction(chained_signals[i], &chained_old[i], NULL);
		chained_on[i] = 0;
	}
	atomic_store(&chain_target, NULL);
}

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
	self->bm.fn = py_method;
	self->bm.arg = self;
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
	const char *cname;
	int rc = 0;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "UO:register", kwlist,
	    &name, &func))
		return NULL;
	if (!PyCallable_Check(func)) {
		PyErr_Format(PyExc_TypeError, "func must be callable, not %s",
		    Py_TYPE(func)->tp_name);
		return NULL;
	}
	cname = PyUnicode_AsUTF8(name);
	if (cname == NULL)
		return NULL;
	lock_nogil(&self->lock);
	if (self->srv == NULL) {
		pthread_mutex_unlock(&self->lock);
		PyErr_SetString(pyerr_RPCError, "server is closed");
		return NULL;
	}
	if (self->serving > 0) {
		pthread_mutex_unlock(&self->lock);
		/* The library's method table is fixed once serving; part 2
		 * (a dispatcher, API-NEEDS.md) lifts this. */
		PyErr_SetString(pyerr_RPCError, "register() while the server "
		    "is running is not supported yet");
		return NULL;
	}
	/* "__running__" is built into the library, which answers it
	 * itself (as the seed's own registration does): keep the Python
	 * entry, skip the library's. */
	if (strcmp(cname, "__running__") != 0 && PyDict_GetItem(self->methods,
	    name) == NULL)
		rc = backend_register(self->srv, cname, &self->bm);
	pthread_mutex_unlock(&self->lock);
	if (rc < 0) {
		if (rc == SHMRPC_ENAME || rc == -EINVAL)
			PyErr_Format(PyExc_ValueError, "invalid method name %R",
			    name);
		else
			errors_raise(rc, "register", NULL);
		return NULL;
	}
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

static PyObject *Server_start(ServerObject *self, PyObject *unused)
{
	ServerObject *outer = tls_serving;
	shmrpc_server *srv;
	int rc, chained, signalled;

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
	chained = on_main_thread();
	if (chained)
		chain_signals(srv);
	Py_BEGIN_ALLOW_THREADS
	rc = shmrpc_server_serve(srv);
	Py_END_ALLOW_THREADS
	if (chained)
		unchain_signals(srv);
	tls_serving = outer;

	lock_nogil(&self->lock);
	if (--self->serving == 0)
		pthread_cond_broadcast(&self->idle);
	pthread_mutex_unlock(&self->lock);

	/* Run the Python handlers of signals that came while we waited
	 * (e.g. ours, which closes; or KeyboardInterrupt). */
	signalled = PyErr_CheckSignals();
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
