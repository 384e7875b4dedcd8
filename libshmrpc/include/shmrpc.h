/*
 * shmrpc.h - RPC between processes on one Linux host over POSIX shared memory.
 *
 * The one public header of libshmrpc.  Everything it exports starts with
 * shmrpc_ (functions, types) or SHMRPC_ (constants).
 *
 * Conventions that hold for every function below unless its comment says
 * otherwise:
 *  - Functions returning int return 0 on success or a negative error code:
 *    either -errno (e.g. -ENOMEM, -ENOSPC) or one of the SHMRPC_E* codes.
 *    shmrpc_strerror() turns either kind into text.
 *  - Pointers passed in are borrowed: the library does not keep them past
 *    the call and does not free them.  json_t arguments are borrowed too
 *    (their reference count is untouched) unless the function name ends in
 *    _new, which steals one reference, as jansson does.
 *  - Functions that can fail in ways a code alone does not explain take
 *    a last shmrpc_error *err (may be NULL), as jansson takes
 *    json_error_t *: on failure err->code repeats the return value and
 *    err->text says what happened.  An error is returned, never also
 *    logged; the log only carries what no caller is told (e.g. a stale
 *    channel reclaimed on the way to a successful open).
 *  - Structs the caller allocates and passes in (shmrpc_options,
 *    shmrpc_inspect_options, shmrpc_reap_options) start with their size,
 *    set by their _init() macro: a program built against an older header
 *    keeps working with a newer library, which reads only what the
 *    caller's struct holds and defaults the rest.  Structs the library
 *    hands out (infos, events) are only ever appended to.  See "ABI" in
 *    shmrpc(3).
 *  - The library never prints and never exits.  It logs through
 *    shmrpc_set_log() (see below).
 *  - Threads: every function says whether it is thread-safe; one that is
 *    not says which calls it must not overlap with.  "Thread-safe" means
 *    callable from several threads at once, on the same handle unless it
 *    says "separate handles" (tests/unit/test_threads.c runs each so
 *    under ThreadSanitizer).
 *  - Signals: a signal the program handles, with or without SA_RESTART,
 *    makes no call fail and loses no call: every interrupted system call
 *    is retried (tests/unit/test_signals.c), unless the caller asked to
 *    be told (shmrpc_server_serve_until() with SHMRPC_SERVE_EINTR).  Only
 *    shmrpc_server_stop() and shmrpc_transport_wake() may be called from
 *    a signal handler.
 *
 * Copyright (c) 2026 the libshmrpc authors.  MIT licence, see LICENSE.
 */
#ifndef SHMRPC_H
#define SHMRPC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(SHMRPC_BUILDING) && defined(__GNUC__)
#define SHMRPC_API __attribute__((visibility("default")))
#else
#define SHMRPC_API
#endif

#define SHMRPC_VERSION_MAJOR 0
#define SHMRPC_VERSION_MINOR 2
#define SHMRPC_VERSION_PATCH 0
#define SHMRPC_VERSION_STRING "0.2.0"
/* One number that grows with every release, for #if: 0xMMmmpp. */
#define SHMRPC_VERSION_HEX ((SHMRPC_VERSION_MAJOR << 16) | \
    (SHMRPC_VERSION_MINOR << 8) | SHMRPC_VERSION_PATCH)

/* Library version string, e.g. "0.1.0".  Static storage; thread-safe. */
SHMRPC_API const char *shmrpc_version(void);

/* ------------------------------------------------------------------------
 * Errors
 * ---------------------------------------------------------------------- */

/*
 * Library-specific error codes.  They are all below -1000 so that they never
 * collide with a negated errno value, which functions also return.
 */
enum shmrpc_error_code {
	SHMRPC_ETIMEOUT = -1001,   /* a wait ran out of time */
	SHMRPC_EMETHOD = -1002,    /* the remote method reported an error */
	SHMRPC_ETRANSPORT = -1003, /* shared memory holds something invalid */
	SHMRPC_ESERIAL = -1004,    /* a value could not be (de)serialised */
	SHMRPC_ENOCHANNEL = -1005, /* no such channel (server not running) */
	SHMRPC_EINUSE = -1006,     /* the channel exists and is in use */
	SHMRPC_ETOOBIG = -1007,    /* message larger than the buffer */
	SHMRPC_ENAME = -1008,      /* invalid channel name */
	SHMRPC_EPROTO = -1009,     /* peer broke the protocol (e.g. wrong id) */
	SHMRPC_ESERVERDEAD = -1010, /* the server process died */
	SHMRPC_EFULL = -1011,      /* every client slot of the channel is taken */
	SHMRPC_EVERSION = -1012,   /* segment has another layout version/size */
	SHMRPC_ESTOPPED = -1013,   /* the server was stopped */
	SHMRPC_ESTATE = -1014,     /* call made in the wrong state */
	SHMRPC_ENOTOURS = -1015,   /* object not ours to touch (owner, type) */
	SHMRPC_EALIVE = -1016,     /* refused: the object is alive or in use */
	SHMRPC_EUNKNOWN = -1017,   /* refused: its state cannot be told */
	SHMRPC_EREMOVED = -1018,   /* the channel's files vanished from
	                              /dev/shm under a server (e.g.
	                              systemd-logind's RemoveIPC=yes) */
};

/*
 * Text for an error code (negative errno or SHMRPC_E*), or "Success" for 0.
 * Returns static storage; never NULL; thread-safe.
 */
SHMRPC_API const char *shmrpc_strerror(int err);

/* Longest error text kept in shmrpc_error.text, including the NUL. */
#define SHMRPC_ERROR_TEXT_LENGTH 512

/*
 * Details of a failure, filled by functions that take a shmrpc_error *
 * (which may always be NULL).  code repeats the return value; text says
 * what happened in words.  For SHMRPC_EMETHOD, text is the remote error
 * string as sent ("<Type>: <message>"), cut to SHMRPC_ERROR_TEXT_LENGTH - 1
 * bytes (never inside a UTF-8 sequence).  Left untouched on success.
 * Its layout (code, then text) is fixed: it never grows.
 */
typedef struct shmrpc_error {
	int code;
	char text[SHMRPC_ERROR_TEXT_LENGTH];
} shmrpc_error;

/* ------------------------------------------------------------------------
 * Logging
 * ---------------------------------------------------------------------- */

typedef enum shmrpc_log_level {
	SHMRPC_LOG_NONE = 0,
	SHMRPC_LOG_ERROR = 1,
	SHMRPC_LOG_WARN = 2,
	SHMRPC_LOG_INFO = 3,
	SHMRPC_LOG_DEBUG = 4,
} shmrpc_log_level;

/*
 * A log sink.  msg is a complete line without a newline, valid only during
 * the call.  It may be called from any thread that uses the library, at the
 * same time from several; it must not call back into libshmrpc.  msg may
 * quote what other processes wrote (process names, a peer's error text),
 * control bytes included: a sink that writes to a terminal escapes them.
 */
typedef void (*shmrpc_log_fn)(shmrpc_log_level level, const char *msg,
    void *arg);

/*
 * Install a log sink and the most verbose level it receives.  fn NULL
 * restores the default sink (level is then ignored), which writes
 * "shmrpc: level: msg" lines (e.g. "shmrpc: warn: ...") to stderr, with
 * control bytes (C0, DEL, C1) as \ooo octal escapes, only when
 * the environment variable SHMRPC_LOG is set to one of
 * error|warn|info|debug (that word then sets the level) and is silent
 * otherwise.  Thread-safe: the sink, its arg and its level are switched
 * as one, so a message is never delivered to one sink with another's arg
 * or level; a message being delivered when the sink changes may still
 * reach the old sink, so keep an old sink's arg valid for as long as the
 * program runs.  Each call keeps about 32 bytes until exit.
 */
SHMRPC_API void shmrpc_set_log(shmrpc_log_fn fn, shmrpc_log_level level,
    void *arg);

/* ------------------------------------------------------------------------
 * Options
 * ---------------------------------------------------------------------- */

typedef enum shmrpc_transport_kind {
	SHMRPC_TRANSPORT_DEFAULT = 0, /* env SHMRPC_TRANSPORT, else the best;
					 a client: the kind that exists */
	SHMRPC_TRANSPORT_POSIX = 1,   /* named semaphores, shm-rpc-bridge 0.2.2 */
	SHMRPC_TRANSPORT_FUTEX = 2,   /* Linux futexes, many clients, spinning */
} shmrpc_transport_kind;

#define SHMRPC_DEFAULT_BUFFER_SIZE 4096
#define SHMRPC_DEFAULT_TIMEOUT 5.0
#define SHMRPC_DEFAULT_SLOTS 16
#define SHMRPC_DEFAULT_METHODS 16
#define SHMRPC_MAX_METHODS 4096

/*
 * Options for opening a server, client or transport.  Initialise with
 * shmrpc_options_init() and then change fields; a zero field means "the
 * default" wherever that is stated.  Borrowed by the open functions, which
 * copy what they need.  Fields are only ever appended: the library reads
 * the first `size` bytes and defaults the fields a smaller (older) struct
 * does not have.
 */
typedef struct shmrpc_options {
	/* sizeof the caller's struct, set by shmrpc_options_init(); the open
	 * functions refuse 0 and sizes smaller than this field's end with
	 * -EINVAL (a struct that was never initialised). */
	size_t size;
	shmrpc_transport_kind transport;
	/* Bytes per message buffer, length header included (seed: 4096).
	 * A message's payload can be at most buffer_size - 4 bytes.
	 * 0 (what shmrpc_options_init() sets): 4096 for a server, the
	 * server's size for a client.  A client asking for more than the
	 * server has fails with SHMRPC_EVERSION. */
	size_t buffer_size;
	/* Seconds every single wait may take (seed: 5.0).  < 0: forever. */
	double timeout;
	/* Client only: seconds to wait for the server to appear (0: none);
	 * futex: also for a free slot when all are taken. */
	double wait_for_server;
	/* futex only, server: number of client slots in the channel, 1 to
	 * 1024 (0: SHMRPC_DEFAULT_SLOTS).  Each has its own request and
	 * response buffer of buffer_size bytes. */
	unsigned slots;
	/* futex only: nanoseconds to spin before sleeping; 0: the default
	 * (env SHMRPC_SPIN_NS, else 200000); < 0: never spin. */
	long spin_ns;
	/* Server: methods whose calls, errors and latency are counted one
	 * by one (shmrpc_stats_method()), 1 to SHMRPC_MAX_METHODS (0:
	 * SHMRPC_DEFAULT_METHODS).  Methods registered beyond that many are
	 * served but not counted on their own.  Each costs about 2.4 KiB of
	 * the channel's shared memory. */
	unsigned methods;
	/* Server only: permission bits of the channel's files, 0600 (only
	 * the server's user; 0 means 0600) or 0660 (its group too: members
	 * of `gid` may open the channel as clients).  Anything else is
	 * -EINVAL.  See "Group access" in shmrpc(7). */
	unsigned mode;
	/* Server only: group of the channel's files; (gid_t)-1 (what
	 * shmrpc_options_init() sets): the server's own group.  Giving a
	 * group needs root or membership of it (else -EPERM). */
	gid_t gid;
} shmrpc_options;

/*
 * Fill opts with the defaults and set opts->size.  Use the macro: it passes
 * the size of the struct the caller was compiled with.  Thread-safe.
 */
#define shmrpc_options_init(opts) \
	shmrpc_options_init_size((opts), sizeof(*(opts)))
SHMRPC_API void shmrpc_options_init_size(shmrpc_options *opts, size_t size);

/*
 * Parse a transport name ("posix", "futex") into *kind.
 * Returns 0 or -EINVAL for an unknown name.  Thread-safe.
 */
SHMRPC_API int shmrpc_transport_parse(const char *name,
    shmrpc_transport_kind *kind);

/* Name of a transport kind ("posix", "futex", "default").  Static;
 * thread-safe. */
SHMRPC_API const char *shmrpc_transport_name(shmrpc_transport_kind kind);

/*
 * Check a channel name: 1 to SHMRPC_NAME_MAX bytes, no '/' and no NUL,
 * printable ASCII only.  Returns 0 or SHMRPC_ENAME.  Thread-safe.
 */
#define SHMRPC_NAME_MAX 200
SHMRPC_API int shmrpc_name_check(const char *name);

/*
 * Deepest nesting of params and results, counted as jansson counts: the
 * value itself is level 1, each array element or object member one level
 * below its container ({"a":[1]} is 3 levels).  Deeper params or results
 * do not encode (SHMRPC_ESERIAL on the client; "RPCSerializationError"
 * from a server); a deeper request or reply from a peer is refused
 * (SHMRPC_EPROTO).  Freeing a decoded value (jansson's json_decref())
 * takes about 64 bytes of stack per level, so this bound (16 KiB) keeps
 * what a peer sends from overflowing a small thread stack.  256 holds
 * whatever the seed can send: its encoder (orjson) refuses more than 255
 * nested containers in a whole message.  Text calls and text methods
 * (never decoded into json_t) check their text to 2048 levels only.
 */
#define SHMRPC_MAX_DEPTH 256

/* ------------------------------------------------------------------------
 * Byte-level transport
 *
 * A channel carries one request at a time per client and one response back,
 * as opaque bytes.  The server side creates the channel's shared objects
 * and removes them on close; clients open existing ones.
 *
 * Thread safety: a transport handle is not safe for concurrent use from
 * several threads: no two calls on one handle may overlap, except
 * shmrpc_transport_max_message(), shmrpc_transport_kind_of() and
 * shmrpc_transport_wake() (also async-signal-safe), which may overlap
 * anything but shmrpc_transport_close().  The RPC layer (below) adds its
 * own locking.
 * ---------------------------------------------------------------------- */

typedef struct shmrpc_transport shmrpc_transport;

/*
 * Server side: create channel `name` (objects O_EXCL, mode 0600) and return
 * a new handle in *out, to be freed with shmrpc_transport_close(), which
 * also removes the objects.  opts may be NULL (defaults).  What a dead
 * server of the same name left behind is reclaimed first, when the
 * inspection rules (shmrpc-registry(5)) prove it stale.  Errors:
 * SHMRPC_ENAME, SHMRPC_EINUSE (objects exist and are alive, in use or
 * not ours: err->text names who holds them), -ENOSPC (/dev/shm full),
 * -EINVAL (bad options), -EPROTONOSUPPORT (transport not in this build),
 * -errno.  Thread-safe (separate channels).
 */
SHMRPC_API int shmrpc_transport_create(shmrpc_transport **out,
    const char *name, const shmrpc_options *opts, shmrpc_error *err);

/*
 * Client side: open the existing channel `name`, waiting up to
 * opts->wait_for_server seconds for it to appear (opts may be NULL:
 * defaults, no wait).  New handle in *out, freed with
 * shmrpc_transport_close().  Errors: SHMRPC_ENAME,
 * SHMRPC_ENOCHANNEL, SHMRPC_EVERSION (segment too small or of another
 * layout), SHMRPC_EFULL (futex: no free slot), SHMRPC_ENOTOURS (an object
 * is not a regular file), SHMRPC_ESERVERDEAD (the registered server is
 * dead and no new one came within wait_for_server), -EINVAL,
 * -EPROTONOSUPPORT, -errno; err->text says which object and why.
 * Thread-safe (separate handles).
 */
SHMRPC_API int shmrpc_transport_open(shmrpc_transport **out,
    const char *name, const shmrpc_options *opts, shmrpc_error *err);

/* Close and free; a server handle also removes the channel's objects.
 * Accepts NULL.  Must not overlap any other call on t, wake included. */
SHMRPC_API void shmrpc_transport_close(shmrpc_transport *t);

/* Largest payload one message can carry (buffer_size - 4).  Thread-safe
 * (fixed when the handle is opened). */
SHMRPC_API size_t shmrpc_transport_max_message(const shmrpc_transport *t);

/* Kind of an open transport (never SHMRPC_TRANSPORT_DEFAULT).
 * Thread-safe. */
SHMRPC_API shmrpc_transport_kind shmrpc_transport_kind_of(
    const shmrpc_transport *t);

/*
 * Client: send len bytes as a request.  Fails with SHMRPC_ETOOBIG before
 * touching shared memory when len > shmrpc_transport_max_message().
 * Between shmrpc_transport_send_request() and the matching
 * shmrpc_transport_recv_response() the client holds the channel's request
 * path exclusively (so other clients of this library cannot interleave and
 * take each other's answers).  Not thread-safe: must not overlap another
 * call on t (see above).
 */
SHMRPC_API int shmrpc_transport_send_request(shmrpc_transport *t,
    const void *buf, size_t len);

/*
 * Client: receive the response into buf (capacity cap), its length in
 * *len.  SHMRPC_ETOOBIG if it does not fit in cap (the message is consumed),
 * SHMRPC_ETRANSPORT if the length header is out of range, SHMRPC_ETIMEOUT,
 * SHMRPC_ESERVERDEAD and SHMRPC_ESTOPPED (futex only: on posix a dead or
 * closed server shows as a timeout).  Ends the exclusive hold begun by
 * send_request, even on error.  Not thread-safe: must not overlap another
 * call on t.
 */
SHMRPC_API int shmrpc_transport_recv_response(shmrpc_transport *t,
    void *buf, size_t cap, size_t *len);

/*
 * Server: wait for the next request from any client and copy it into buf
 * (capacity cap).  *peer identifies the client, to pass to
 * shmrpc_transport_send_response().  SHMRPC_ETIMEOUT when nothing came
 * within the timeout, SHMRPC_ESTOPPED after shmrpc_transport_wake(),
 * SHMRPC_ETRANSPORT on an out-of-range length header (the message is
 * dropped and the channel stays usable), SHMRPC_ETOOBIG if cap is short.
 * Not thread-safe: must not overlap another call on t but
 * shmrpc_transport_wake() (use the RPC server to serve from threads).
 */
SHMRPC_API int shmrpc_transport_recv_request(shmrpc_transport *t,
    void *buf, size_t cap, size_t *len, uint32_t *peer);

/* Server: send len bytes as the response to peer.  Not thread-safe: must
 * not overlap another call on t but shmrpc_transport_wake(). */
SHMRPC_API int shmrpc_transport_send_response(shmrpc_transport *t,
    uint32_t peer, const void *buf, size_t len);

/*
 * Server: make every shmrpc_transport_recv_request() in progress or to come
 * return SHMRPC_ESTOPPED.  Async-signal-safe and thread-safe.
 */
SHMRPC_API void shmrpc_transport_wake(shmrpc_transport *t);

/* ------------------------------------------------------------------------
 * RPC server
 * ---------------------------------------------------------------------- */

typedef struct shmrpc_server shmrpc_server;

/* The request being served, passed to method handlers.  Borrowed, valid
 * only during the handler call. */
typedef struct shmrpc_req shmrpc_req;

/*
 * A method handler.  params is the request's params object (borrowed, valid
 * during the call; never NULL).  On success, store a new reference in
 * *result (NULL stands for JSON null) and return 0.  On failure, call
 * shmrpc_req_error() and return a non-zero value; returning non-zero
 * without an error set answers "RuntimeError: method failed".
 * Handlers run on the thread(s) that called shmrpc_server_serve().
 */
typedef int (*shmrpc_method_fn)(shmrpc_req *req, const json_t *params,
    json_t **result, void *arg);

/*
 * Set the error the client receives, as "TYPE: MESSAGE" (the seed's
 * "<ExceptionClass>: <message>" form).  type NULL means "Error".  Returns
 * -1 so that a handler can `return shmrpc_req_error(...)`.  Call it only
 * from the handler that got req, on its thread, during the call (so do
 * shmrpc_req_method() and shmrpc_req_peer()): a req is never shared.
 */
SHMRPC_API int shmrpc_req_error(shmrpc_req *req, const char *type,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Name of the method being called.  Borrowed, valid during the call.
 * From the handler's thread (see shmrpc_req_error()). */
SHMRPC_API const char *shmrpc_req_method(const shmrpc_req *req);

/* Client id of the request: the futex slot number, 0 on posix. */
SHMRPC_API uint32_t shmrpc_req_peer(const shmrpc_req *req);

/*
 * Create channel `name` and a server for it.  opts may be NULL (defaults).
 * New handle in *out; free with shmrpc_server_close().  Errors as for
 * shmrpc_transport_create().  Thread-safe (separate servers).
 */
SHMRPC_API int shmrpc_server_open(shmrpc_server **out, const char *name,
    const shmrpc_options *opts, shmrpc_error *err);

/*
 * Register handler fn for `method` with user pointer arg (borrowed, kept
 * until close).  Registering a name again replaces its handler.  The names
 * "__running__" and "__methods__" are built in and cannot be replaced
 * (SHMRPC_ENAME), nor can an empty name or one with a NUL or control
 * byte.  Call before shmrpc_server_serve(): not thread-safe, it must not
 * overlap any other call on srv (serve, register, close; stop is fine).
 * -ENOMEM on allocation failure.
 */
SHMRPC_API int shmrpc_server_register(shmrpc_server *srv, const char *method,
    shmrpc_method_fn fn, void *arg);

/*
 * A bytes method handler (futex transport only): raw bytes in, raw bytes
 * out, no JSON.  Zero-copy: `in` points at the request's payload in place
 * in the channel's shared memory (in_len bytes, possibly 0; not NUL-
 * terminated; borrowed, valid only until the handler returns, read-only).
 * `out` points at the client's response buffer in shared memory, out_cap
 * bytes; write the reply there (in place, no copy follows) and set
 * *out_len (initially 0).  Return 0 for success; on failure call
 * shmrpc_req_error() and/or return non-zero, and the client gets
 * SHMRPC_EMETHOD with the text.  *out_len > out_cap is answered with an
 * "RPCError: Response too large" error.  in and out never overlap.  A
 * misbehaving client can rewrite `in` during the call: copy it first if
 * you validate it and then rely on the check (see shmrpc(7)).
 * shmrpc_req_method() gives the method name.  Runs on the serving thread.
 */
typedef int (*shmrpc_bytes_method_fn)(shmrpc_req *req, const void *in,
    size_t in_len, void *out, size_t out_cap, size_t *out_len, void *arg);

/*
 * Register bytes handler fn for `method` (1..255 bytes; else -EINVAL or
 * -ENAMETOOLONG), with user pointer arg (borrowed, kept until close).  The
 * name space is shared with shmrpc_server_register(): registering a name
 * again replaces its handler, of either kind.  A JSON call of a bytes
 * method (and a bytes call of a JSON method) is answered with an RPCError.
 * -EPROTONOSUPPORT on a posix channel (its seed wire format has no room
 * for bytes messages, and no request id to drop a late reply by).  Call
 * before shmrpc_server_serve(): not thread-safe, as
 * shmrpc_server_register().
 *
 * Wire format (shmrpc(7)).  A message is still [u32 length][payload] in a
 * slot buffer; a bytes payload starts with the byte 0xFF, which never
 * occurs in UTF-8 and so never starts a JSON envelope:
 *   request:  0xFF, n (1 byte, 1..255), method name (n bytes, no NUL),
 *             then the request bytes (the rest of the message)
 *   response: 0xFF, status (1 byte), then the rest of the message:
 *             status 0: the reply bytes; status 1: the error text,
 *             "Type: message" as in JSON error responses.
 * The largest payload is buffer_size - 4 - 2 - n bytes for a request and
 * buffer_size - 4 - 2 for a reply.
 */
SHMRPC_API int shmrpc_server_register_bytes(shmrpc_server *srv,
    const char *method, shmrpc_bytes_method_fn fn, void *arg);

/*
 * A text method handler: params and result as JSON text, for programs and
 * bindings with a JSON codec of their own (the Python package), and for
 * integers beyond json_int_t.  params is the request's params object as
 * the client wrote it, params_len bytes (not NUL-terminated; borrowed,
 * read-only, valid until the handler returns): the library has checked
 * that it is one well-formed JSON object (RFC 8259, numbers of any size),
 * but has converted nothing.  On futex it lies in the channel's shared
 * memory, where a misbehaving client can rewrite it during the call: copy
 * it first if you rely on what you check in it.  Registered with
 * SHMRPC_TEXT_UNCHECKED, the handler may get params the library has not
 * checked (it parses them strictly itself).
 *
 * Write the result, one JSON value, at out (out_cap bytes, in place in
 * the client's response buffer, between the envelope the library writes
 * around it; out is NULL when out_cap is 0) and set *out_len (0 on entry;
 * left 0 means null), then return 0.  The library puts the text on the
 * wire as it is, without checking it.  *out_len > out_cap is answered
 * with "RPCError: Response too large for the buffer (max N bytes)".  On
 * failure call shmrpc_req_error() or shmrpc_req_error_text() and return
 * non-zero; non-zero without an error set answers "RuntimeError: method
 * failed".  Runs on the thread that called shmrpc_server_serve().
 */
typedef int (*shmrpc_text_method_fn)(shmrpc_req *req, const char *params,
    size_t params_len, char *out, size_t out_cap, size_t *out_len, void *arg);

/*
 * Register text handler fn for `method`, with user pointer arg (borrowed,
 * kept until close) and flags (0 or SHMRPC_TEXT_UNCHECKED).  Same name
 * space and rules as shmrpc_server_register(): registering a name again
 * replaces its handler, of whichever kind.  Both transports.  Call before
 * shmrpc_server_serve(): not thread-safe, as shmrpc_server_register().
 * 0, -EINVAL,
 * SHMRPC_ENAME, -ENOMEM.
 */
SHMRPC_API int shmrpc_server_register_text(shmrpc_server *srv,
    const char *method, shmrpc_text_method_fn fn, void *arg, unsigned flags);

/*
 * Text handler fn (with arg, borrowed, kept until close, and flags as for
 * shmrpc_server_register_text()) for every method name that is not
 * registered, instead of the library's
 * "RPCError: Unknown method: NAME" answer; fn NULL takes it away.  The
 * handler finds the name with shmrpc_req_method(); for a name it does not
 * know either, it calls shmrpc_req_unknown_method() and returns non-zero,
 * so that the answer stays the library's.  Built-in methods
 * ("__running__") are still answered by the library.  This lets a binding
 * keep its methods in a table of its own that may change while serving.
 * Call before shmrpc_server_serve(): not thread-safe, as
 * shmrpc_server_register().  0 or -EINVAL.
 */
SHMRPC_API int shmrpc_server_set_fallback_text(shmrpc_server *srv,
    shmrpc_text_method_fn fn, void *arg, unsigned flags);

/*
 * Answer the request with the library's "RPCError: Unknown method: NAME".
 * Returns -1, for `return shmrpc_req_unknown_method(req);`.  From the
 * handler's thread, during the call (see shmrpc_req_error()).
 */
SHMRPC_API int shmrpc_req_unknown_method(shmrpc_req *req);

/*
 * Set the error the client receives to the len bytes of text exactly
 * ("Type: message", UTF-8; copied; no formatting, so it may hold '%' and
 * NUL).  Neither this nor shmrpc_req_error() cuts it short: only a
 * response buffer too small for it does, on a character boundary.
 * Returns -1 (also when out of memory, where no error is set).  From the
 * handler's thread, during the call (see shmrpc_req_error()).
 */
SHMRPC_API int shmrpc_req_error_text(shmrpc_req *req, const char *text,
    size_t len);

/*
 * Serve requests until shmrpc_server_stop().  Returns 0 once stopped, or a
 * negative error if the channel broke.  Bad requests (malformed JSON,
 * missing method/params, params not an object) are answered with an error
 * and serving goes on.  Several threads may call it on one server at once
 * to run handlers in parallel (futex transport; on posix they take turns):
 * thread-safe with itself and with shmrpc_server_stop(), not with
 * register or close.  Signals interrupting its waits are waited through
 * (but see shmrpc_server_stop_on_signals()).
 */
SHMRPC_API int shmrpc_server_serve(shmrpc_server *srv);

/* shmrpc_server_serve_until() flag: return when a signal handler
 * interrupts a wait for a request. */
#define SHMRPC_SERVE_EINTR 0x1u

/*
 * shmrpc_server_serve() that also gives the caller control back: after
 * waiting max_wait seconds for a request without one coming
 * (SHMRPC_ETIMEOUT; max_wait < 0: never), and with SHMRPC_SERVE_EINTR
 * when a signal handler interrupted the wait (-EINTR), so that a program
 * (or an interpreter such as Python) can run what its handlers asked for
 * and call again.  Neither stops the server.  A request in hand is always
 * answered first.  A signal that arrives just before a wait begins does
 * not interrupt it: bound the wait with max_wait.  Returns 0 once the
 * server is stopped, else as shmrpc_server_serve().  Thread safety as
 * shmrpc_server_serve().
 */
SHMRPC_API int shmrpc_server_serve_until(shmrpc_server *srv, double max_wait,
    unsigned flags);

/* Signals shmrpc_server_stop_on_signals() can stop a server on. */
#define SHMRPC_STOP_ON_SIGTERM 0x1u
#define SHMRPC_STOP_ON_SIGINT 0x2u
#define SHMRPC_STOP_ON_SIGHUP 0x4u

/*
 * Opt-in signal handling: make the given signals (SHMRPC_STOP_ON_*, or-ed)
 * stop srv as shmrpc_server_stop() does, so that shmrpc_server_serve()
 * returns 0 and the program goes on to shmrpc_server_close(), which
 * removes the channel.  The library installs a handler for these signals
 * (sigaction(), no SA_RESTART) only when this is called.  It replaces the
 * program's own disposition, SIG_IGN included (a shell starts background
 * jobs with SIGINT ignored), for as long as any server asked for that
 * signal; closing the last one puts the previous disposition back (unless
 * the program has installed another handler since).  One signal stops every server
 * that asked for it, whichever thread receives it.  At most 64 servers of
 * a process at once (-ENOSPC).  Thread-safe; not async-signal-safe.
 * Returns 0, -EINVAL, -ENOSPC or -errno of sigaction() (err says which
 * signal).
 */
SHMRPC_API int shmrpc_server_stop_on_signals(shmrpc_server *srv,
    unsigned which, shmrpc_error *err);

/*
 * The signal that stopped srv through shmrpc_server_stop_on_signals()
 * (e.g. SIGTERM, for an exit status of 128 + its number), or 0.
 * Thread-safe.
 */
SHMRPC_API int shmrpc_server_stop_signal(const shmrpc_server *srv);

/*
 * Ask every shmrpc_server_serve() on srv to return after the request in
 * hand.  Async-signal-safe and callable from any thread.  A stopped server
 * cannot serve again; close it.
 */
SHMRPC_API void shmrpc_server_stop(shmrpc_server *srv);

/*
 * Stop serving, remove the channel's objects and free the server.  Must not
 * overlap any other call on srv: no thread may still be inside
 * shmrpc_server_serve() on it (stop them and join them first), and no
 * signal handler may call shmrpc_server_stop() on it once close has begun.
 * Accepts NULL.
 */
SHMRPC_API void shmrpc_server_close(shmrpc_server *srv);

/* ------------------------------------------------------------------------
 * RPC client
 * ---------------------------------------------------------------------- */

typedef struct shmrpc_client shmrpc_client;

/*
 * Connect to channel `name`.  opts may be NULL (defaults; wait_for_server
 * 0).  New handle in *out; free with shmrpc_client_close().  Errors as for
 * shmrpc_transport_open().  Thread-safe (separate handles).
 */
SHMRPC_API int shmrpc_client_open(shmrpc_client **out, const char *name,
    const shmrpc_options *opts, shmrpc_error *err);

/*
 * Call `method` with params (a JSON object, borrowed; NULL means {}).  On
 * success *result receives a new reference (never NULL: a null result is
 * json_null()), which the caller must json_decref().  On failure *result
 * is NULL and err (may be NULL) says why.  Errors: SHMRPC_EMETHOD (the
 * method failed; see err->text), SHMRPC_ETIMEOUT, SHMRPC_ETOOBIG,
 * SHMRPC_ESERIAL (also: params nested deeper than SHMRPC_MAX_DEPTH),
 * SHMRPC_EPROTO (a reply that is not a response envelope, is nested too
 * deep, or is for another call: see below), SHMRPC_ETRANSPORT (a reply
 * length beyond the buffer), SHMRPC_ESERVERDEAD, SHMRPC_ESTOPPED (futex:
 * the server closed the channel), SHMRPC_ENAME (method empty or with a
 * control byte), -EINVAL (params not an object; cli, method or result
 * NULL), -ENOMEM, -errno (a failed wait or lock).  After any of them the
 * handle and the channel go on serving the next call.
 *
 * Thread-safe: a client handle may be used from several threads; their
 * calls are serialised.  A reply that arrives after its call timed out is
 * recognised by its request id and discarded, never returned to a later
 * call.  A reply with another call's id fails the call with SHMRPC_EPROTO
 * and err->text says what came: at once on futex (replies cannot cross
 * there); on posix, whose one response buffer all clients share, at once
 * for a second reply to a call of this handle, and otherwise (it may be
 * another client's late reply) only when no reply of the call's own comes
 * within the timeout, or after 8 such replies.
 */
SHMRPC_API int shmrpc_call(shmrpc_client *cli, const char *method,
    const json_t *params, json_t **result, shmrpc_error *err);

/* shmrpc_call_text() flag: the params text is known to be one
 * well-formed JSON object (UTF-8, no BOM), e.g. written by a JSON
 * encoder; the library skips its check. */
#define SHMRPC_TEXT_TRUSTED 0x1u
/* shmrpc_call_text() and text methods: the text received (a call's
 * result, a method's params) is handed over without the library's check
 * of it wherever its extent is known without one (in the envelope our own
 * peers write), because the caller parses it strictly itself.  It is then
 * any bytes between the envelope's parts. */
#define SHMRPC_TEXT_UNCHECKED 0x2u

/*
 * Call `method` with params given as JSON text: params_len bytes at params
 * (borrowed, read once; a JSON object; NULL means {}).  The text goes into
 * the request envelope as it is, so the server sees exactly what the
 * caller wrote (floats, escapes, integers of any size).  Unless flags has
 * SHMRPC_TEXT_TRUSTED, the library first checks that it is one
 * well-formed JSON object (RFC 8259, numbers of any size): -EINVAL
 * otherwise, before anything is sent.
 *
 * On success *result points at the result's JSON text, *result_len bytes
 * (not NUL-terminated; "null" for a null result), exactly as the server
 * wrote it, checked to be one well-formed JSON value but not converted.
 * On SHMRPC_EMETHOD *result points at the method's complete error text
 * ("Type: message", decoded, NUL-terminated, *result_len bytes without
 * the NUL), where err->text holds at most SHMRPC_ERROR_TEXT_LENGTH - 1
 * bytes of it.  On other failures *result is NULL and *result_len 0.
 * Either text is borrowed: valid until the next call of any kind on cli,
 * or shmrpc_client_close().  The result may lie in shared memory that a
 * misbehaving server can still rewrite: copy it before you parse it.
 *
 * Errors as shmrpc_call(), and -EINVAL for params that are not a JSON
 * object.  Thread-safe as shmrpc_call(): calls on one handle are
 * serialised, but the result pointer is only as good as the caller's
 * guarantee that no other thread calls on cli before it has copied the
 * text.  Both transports.
 */
SHMRPC_API int shmrpc_call_text(shmrpc_client *cli, const char *method,
    const char *params, size_t params_len, unsigned flags,
    const char **result, size_t *result_len, shmrpc_error *err);

/*
 * shmrpc_call_text() in two steps, for params written straight into the
 * request (in the client's slot in shared memory on futex):
 * shmrpc_call_text_reserve() writes the envelope's start and points *buf
 * at the space for the params text, *cap bytes; write it there and send
 * it with shmrpc_call_text_commit(cli, len, ...), which then behaves as
 * shmrpc_call_text() (same flags, result and errors; SHMRPC_ETOOBIG when
 * len > *cap), or give up with shmrpc_call_text_cancel().  *buf is valid
 * from a successful reserve until commit or cancel, and no longer.
 * Locking as shmrpc_call_bytes_reserve(): the calling thread holds cli's
 * lock in between, other threads' calls wait, and a call on cli from the
 * same thread fails with SHMRPC_ESTATE; commit or cancel on the thread
 * that reserved.  reserve may wait for a late answer of an earlier call
 * (futex).  Errors of reserve: -EINVAL, SHMRPC_ETOOBIG (the envelope's
 * start does not fit), SHMRPC_ESERIAL (method not UTF-8), SHMRPC_ESTATE,
 * SHMRPC_ETIMEOUT, SHMRPC_ESERVERDEAD, SHMRPC_ESTOPPED.  commit without a
 * reservation: SHMRPC_ESTATE.  cancel without one does nothing.  Both
 * transports.
 */
SHMRPC_API int shmrpc_call_text_reserve(shmrpc_client *cli,
    const char *method, char **buf, size_t *cap, shmrpc_error *err);
SHMRPC_API int shmrpc_call_text_commit(shmrpc_client *cli, size_t len,
    unsigned flags, const char **result, size_t *result_len,
    shmrpc_error *err);
SHMRPC_API void shmrpc_call_text_cancel(shmrpc_client *cli);

/* The kind of transport cli uses (never SHMRPC_TRANSPORT_DEFAULT: a
 * client opened without one found the channel's).  Thread-safe. */
SHMRPC_API shmrpc_transport_kind shmrpc_client_transport(
    const shmrpc_client *cli);

/*
 * Bytes calls (futex transport only; -EPROTONOSUPPORT on posix; wire
 * format under shmrpc_server_register_bytes()).
 *
 * shmrpc_call_bytes() sends req_len bytes of req (copied once, into the
 * client's slot in shared memory) to bytes method `method` and waits for
 * the reply.  On success *reply points at the reply bytes IN PLACE in the
 * channel's shared memory, *reply_len long (possibly 0; not NUL-
 * terminated).  That pointer is borrowed: valid, read-only, until the next
 * call of any kind on cli (shmrpc_call, shmrpc_call_bytes,
 * shmrpc_call_bytes_reserve) or shmrpc_client_close(), whichever comes first;
 * copy the bytes to keep them longer.  On failure *reply is NULL and
 * *reply_len 0.  Errors: as shmrpc_call(), plus -EPROTONOSUPPORT (posix
 * channel), -EINVAL (method empty or longer than 255 bytes), SHMRPC_ETOOBIG
 * (req_len larger than the slot can carry: buffer_size - 6 - strlen(method)),
 * SHMRPC_EMETHOD (the method failed, or is unknown, or takes JSON; text in
 * err), SHMRPC_ESTATE (this thread holds a
 * reservation on cli).  Thread-safe like shmrpc_call(), but the reply
 * pointer is only as good as the caller's guarantee that no other thread
 * calls on cli before it is done with it.
 */
SHMRPC_API int shmrpc_call_bytes(shmrpc_client *cli, const char *method,
    const void *req, size_t req_len, const void **reply, size_t *reply_len,
    shmrpc_error *err);

/*
 * shmrpc_call_bytes() in two steps, for zero-copy requests:
 * shmrpc_call_bytes_reserve() points *buf at the request space of the
 * client's slot in shared memory (*cap bytes, writable) for a bytes call
 * of `method`; write the request there, then send it with
 * shmrpc_call_bytes_commit(cli, len, ...) (len <= *cap), which then
 * behaves as shmrpc_call_bytes() (same reply lifetime, same errors).  Or
 * give up with shmrpc_call_bytes_cancel().  *buf is valid from a
 * successful reserve until commit or cancel, and no longer.
 *
 * Between a successful reserve and its commit/cancel the calling thread
 * holds cli's lock: other threads' calls on cli wait, and a call on cli
 * from the same thread fails with SHMRPC_ESTATE.  Commit or cancel on the
 * thread that reserved.  reserve may wait (up to the timeout) for a late
 * answer of an earlier timed-out call to arrive, because the server may
 * still be reading the old request in that space.  Errors of reserve:
 * -EINVAL, -EPROTONOSUPPORT (posix), SHMRPC_ETOOBIG (the name does not fit),
 * SHMRPC_ESTATE, SHMRPC_ETIMEOUT, SHMRPC_ESERVERDEAD, SHMRPC_ESTOPPED.
 * commit without a reservation: SHMRPC_ESTATE.  cancel without one does
 * nothing; both accept NULL.
 */
SHMRPC_API int shmrpc_call_bytes_reserve(shmrpc_client *cli,
    const char *method, void **buf, size_t *cap, shmrpc_error *err);
SHMRPC_API int shmrpc_call_bytes_commit(shmrpc_client *cli, size_t len,
    const void **reply, size_t *reply_len, shmrpc_error *err);
SHMRPC_API void shmrpc_call_bytes_cancel(shmrpc_client *cli);

/* Close and free the client.  Accepts NULL.  Must not overlap any other
 * call on cli: no thread may be inside shmrpc_call*() on it or hold a
 * bytes reservation on it, and a bytes reply pointer from it is invalid
 * once close begins. */
SHMRPC_API void shmrpc_client_close(shmrpc_client *cli);

/* ------------------------------------------------------------------------
 * Registry and inspection (see shmrpc-registry(5))
 *
 * Every server channel is listed in a per-user registry file, by default
 * /dev/shm/shmrpc-registry-<uid>.json (env SHMRPC_REGISTRY overrides it).
 * The library keeps it up to date on its own: creating a channel registers
 * it, closing it unregisters it.  The functions below read the registry,
 * /dev/shm and /proc to tell the state of every channel and of every
 * /dev/shm object that looks like a channel's, and remove what is safe to
 * remove.  shmrpc-top and shmrpc-clean are built on them.
 * ---------------------------------------------------------------------- */

/*
 * States (the same words everywhere: library, shmrpc-top, shmrpc-clean):
 *  LIVE     registered, and the owner is alive: it holds its liveness
 *           lock, or (same PID namespace) the same pid runs with the
 *           same start time, so a reused pid does not count.
 *  STALE    registered, owner dead, no live process maps or holds any of
 *           its objects.  Safe to reap.
 *  ORPHAN   an object of our naming scheme that no registry names, no live
 *           process maps or holds, older than the grace period.  Safe to
 *           reap.
 *  INUSE    a live process maps or holds it but no live registered owner
 *           does: unregistered users (e.g. a Python shm-rpc-bridge
 *           process), or clients still attached to a dead server.
 *           Never reaped.
 *  RECENT   like ORPHAN but younger than the grace period (it may be
 *           being set up right now).  Not reaped yet.
 *  UNKNOWN  cannot tell (permission denied, unreadable /proc, not a
 *           regular file, owned by someone else, an owner in another PID
 *           namespace whose lock cannot be tested), or a registry entry
 *           refused by the trust rules.  Never reaped.
 *  FOREIGN  a file at one of our registry paths (the registry, its .lock
 *           or .tmp) that is not that registry's user's regular file: a
 *           squatter.  Never read, written or waited on; only root,
 *           reaping all users, removes it.
 *
 * Who is alive is told by liveness locks, which hold across PID
 * namespaces, with pid and start time as a second opinion where the pid
 * is ours to read: see LIVENESS in shmrpc-registry(5).
 */
typedef enum shmrpc_state {
	SHMRPC_STATE_UNKNOWN = 0,
	SHMRPC_STATE_LIVE = 1,
	SHMRPC_STATE_STALE = 2,
	SHMRPC_STATE_ORPHAN = 3,
	SHMRPC_STATE_INUSE = 4,
	SHMRPC_STATE_RECENT = 5,
	SHMRPC_STATE_FOREIGN = 6,
} shmrpc_state;

/* "live", "stale", "orphan", "in-use", "recent", "unknown", "foreign".
 * Static storage, never NULL; thread-safe. */
SHMRPC_API const char *shmrpc_state_name(shmrpc_state state);

/* Grace period (seconds) before an unregistered, unused object counts as
 * an orphan, when the options say < 0. */
#define SHMRPC_DEFAULT_GRACE 5.0

/*
 * A registered channel or loose object that shmrpc_inspect() is about to
 * look at, as shmrpc_inspect_options.filter is asked about it.  Every
 * pointer is borrowed, valid only during the call.  Fields are only ever
 * appended.
 */
typedef struct shmrpc_inspect_candidate {
	/* 0: a registered channel, as its registry entry says (nothing else
	 * of it looked at yet); 1: a loose object, as /dev/shm lists it. */
	int loose;
	/* The channel's name; a loose object: its file name in /dev/shm
	 * (what shmrpc_object_info.name will be). */
	const char *name;
	/* The channel's name; a loose object: the channel its name belongs
	 * to, "" for a file at a registry path (a squatter). */
	const char *channel;
	shmrpc_transport_kind transport;
	/* A channel: its owner as registered; a loose object: the file's
	 * owner. */
	uid_t uid;
	/* A channel: its owner's command as registered (untrusted text, as
	 * shmrpc_channel_info.owner_comm will be); a loose object: NULL. */
	const char *owner_comm;
	/* A channel: the registry file that lists it; a loose object:
	 * NULL. */
	const char *registry;
} shmrpc_inspect_candidate;

/* Nonzero: inspect c and put it in the snapshot; 0: leave it out. */
typedef int (*shmrpc_inspect_filter_cb)(const shmrpc_inspect_candidate *c,
    void *arg);

/*
 * What to inspect.  Initialise with shmrpc_inspect_options_init().
 * Borrowed by shmrpc_inspect().  Fields are only ever appended (see
 * shmrpc_options for how `size` keeps old programs working).
 */
typedef struct shmrpc_inspect_options {
	size_t size;           /* set by shmrpc_inspect_options_init() */
	/* Seconds an unregistered, unused object must have been left
	 * untouched to be an orphan; < 0: SHMRPC_DEFAULT_GRACE. */
	double grace;
	/* Only this channel (exact name), or NULL for all. */
	const char *channel;
	/* Only channels (and objects of channels) whose name starts with
	 * this, or NULL. */
	const char *prefix;
	/* Every user's registries and objects, not only the caller's.
	 * Reading other users' processes needs root. */
	int all_users;
	/* Do not look for the processes that map the objects of LIVE
	 * channels: their mappers lists (the channel's and its objects')
	 * come back empty.  States are the same either way (a live owner
	 * makes a channel LIVE whoever maps it); what is saved is the scan of
	 * every process's /proc/PID/maps and fds, which is then made only
	 * when some channel is not live or a loose object exists.  For
	 * monitors that redraw every second. */
	int skip_live_mappers;
	/* Leave shmrpc_channel_info.stats NULL (and clients empty where
	 * only the statistics know them), for callers that read the
	 * statistics themselves and would otherwise read every channel
	 * twice. */
	int skip_counters;
	/* Since 0.2: when not NULL, asked about every registered channel
	 * and every loose object that the options above let in, once each,
	 * on the calling thread, during shmrpc_inspect().  What it returns
	 * 0 for is left out of the snapshot and never looked at: no owner,
	 * files, statistics or lock of such a channel, and for such a loose
	 * object no scan of every process's /proc/PID/maps and fds for its
	 * mappers (a loose object costs that scan even with
	 * skip_live_mappers).  A channel left out still claims its objects:
	 * they do not turn up as loose ones.  States and figures of what is
	 * in the snapshot are as without a filter (its warnings are only
	 * about what is in it).  For monitors that show a part of what
	 * exists. */
	shmrpc_inspect_filter_cb filter;
	void *filter_arg;              /* passed to filter */
} shmrpc_inspect_options;

/* Fill opts with the defaults (grace -1, everything else 0/NULL) and set
 * opts->size.  Thread-safe. */
#define shmrpc_inspect_options_init(opts) \
	shmrpc_inspect_options_init_size((opts), sizeof(*(opts)))
SHMRPC_API void shmrpc_inspect_options_init_size(shmrpc_inspect_options *opts,
    size_t size);

/*
 * What to reap.  Initialise with shmrpc_reap_options_init().  Borrowed by
 * the shmrpc_reap_*() calls.  Fields are only ever appended.
 */
typedef struct shmrpc_reap_options {
	size_t size;           /* set by shmrpc_reap_options_init() */
	/* As in shmrpc_inspect_options. */
	double grace;
	/* shmrpc_reap_all() only: this channel, or names with this prefix
	 * (NULL: everything). */
	const char *channel;
	const char *prefix;
	/* Root only (refused with -EPERM otherwise): every user's registries
	 * and objects, each reaped under its own registry's lock. */
	int all_users;
	/* Check and report, remove nothing. */
	int dry_run;
} shmrpc_reap_options;

/* Fill opts with the defaults (grace -1, everything else 0/NULL) and set
 * opts->size.  Thread-safe. */
#define shmrpc_reap_options_init(opts) \
	shmrpc_reap_options_init_size((opts), sizeof(*(opts)))
SHMRPC_API void shmrpc_reap_options_init_size(shmrpc_reap_options *opts,
    size_t size);

/*
 * One /dev/shm object, of a registered channel or loose.  All pointers
 * are owned by the inspection they came from and valid until
 * shmrpc_inspection_free().  Fields are only ever appended.
 */
typedef struct shmrpc_object_info {
	const char *name;      /* file name in /dev/shm, e.g. "srb_calc_req" */
	const char *channel;   /* channel it belongs to, by its name */
	shmrpc_transport_kind transport; /* whose naming scheme it follows */
	shmrpc_state state;    /* loose objects: own state; a registered
	                          channel's objects: the channel's */
	const char *reason;    /* why that state, in words */
	int present;           /* exists (a registered object may be gone) */
	int regular;           /* a regular file (not a symlink, fifo...) */
	uid_t uid;             /* file owner */
	uint64_t size;         /* bytes */
	double age;            /* seconds since last modified or created */
	uint64_t dev, ino;     /* identity, for matching */
	const pid_t *mappers;  /* live processes that map or hold it */
	size_t nmappers;
	/* Since 0.2: */
	unsigned mode;         /* permission bits (0600; 0660: a group's) */
	gid_t gid;             /* file group */
	unsigned long nlink;   /* hard links (shmrpc makes files with 1) */
	int locked;            /* some process holds a liveness lock on it
	                          (a libshmrpc server or client, perhaps in
	                          another PID namespace): 1, 0, -1 not
	                          tested (cannot open it) */
} shmrpc_object_info;

/* A snapshot of a channel's live statistics (see "Live counters and
 * statistics" below). */
typedef struct shmrpc_stats shmrpc_stats;

/*
 * One registered channel.  Ownership as for shmrpc_object_info.
 */
typedef struct shmrpc_channel_info {
	const char *name;
	const char *transport_name; /* as registered ("posix", "futex") */
	shmrpc_transport_kind transport; /* DEFAULT if not known here */
	shmrpc_state state;
	const char *reason;         /* why that state, in words */
	pid_t owner_pid;
	uint64_t owner_start;       /* clock ticks after boot (proc(5) #22) */
	uid_t owner_uid;
	const char *owner_comm;     /* command name when registered */
	int owner_alive;            /* 1 alive, 0 dead, -1 cannot tell */
	size_t buffer_size;
	unsigned slots;             /* client slots (posix: 1) */
	double created;             /* Unix time of registration */
	double age;                 /* seconds since then */
	const shmrpc_object_info *objects; /* every object it owns */
	size_t nobjects;
	const pid_t *mappers;       /* live pids that map or hold any */
	size_t nmappers;
	const pid_t *clients;       /* attached clients, where the transport
	                               knows them (futex slots); else none */
	size_t nclients;
	/* Live statistics of a LIVE channel whose server keeps them
	 * (shmrpc_stats_read() as of the inspection), else NULL.  Owned by
	 * the inspection: do not free. */
	const shmrpc_stats *stats;
	const char *registry;       /* path of the registry file listing it */
	int rebuilt;                /* entry rebuilt after a corrupt registry:
	                               owner is a best guess from the mappers */
	/* Since 0.2: where the owner lives, and how it was judged
	 * (see LIVENESS in shmrpc-registry(5)). */
	uint64_t owner_pid_ns;      /* inode of the owner's PID namespace
	                               (/proc/PID/ns/pid); 0: not recorded */
	int owner_pid_local;        /* 1: owner_pid is a pid of the caller's
	                               PID namespace; 0: of another one (not
	                               a local pid: do not look it up or
	                               signal it); -1: cannot tell */
	int owner_lock;             /* the owner's liveness lock: 1 held,
	                               0 free, -1 none registered or it
	                               cannot be tested */
	const char *owner_cgroup;   /* the owner's cgroup when it registered
	                               ("/system.slice/x.service",
	                               "/docker/<id>"), "" if unknown; as
	                               the owner wrote it: untrusted text */
	int owner_removeipc;        /* 1: systemd-logind removes owner_uid's
	                               files in /dev/shm when its last
	                               session ends (RemoveIPC=yes applies
	                               to it); 0: no; -1: cannot tell */
	unsigned mode;              /* permission bits of its files as
	                               registered (0600, 0660) */
	gid_t gid;                  /* their group as registered;
	                               (gid_t)-1: the owner's own */
	int refused;                /* 1: the registry entry breaks the trust
	                               rules (uid not the registry file's,
	                               files outside its channel's names):
	                               state UNKNOWN, objects not looked at,
	                               reason says why */
} shmrpc_channel_info;

typedef struct shmrpc_inspection shmrpc_inspection;

/*
 * Take a snapshot: the registered channels (of the caller's registry, or
 * every user's with opts->all_users) and the loose objects in /dev/shm that
 * follow a transport's naming scheme (including the seed's srb_* names)
 * but no registry names, each with its state.  opts may be NULL.  A
 * corrupt registry met on the way is set aside and rebuilt (see
 * shmrpc-registry(5)) and said in the snapshot's warnings.
 *
 * Finding who maps each object means reading every process's
 * /proc/PID/maps and fds; opts->skip_live_mappers spares that for live
 * channels, which is nearly all of a snapshot's cost on a busy host.
 *
 * New snapshot in *out; free it with shmrpc_inspection_free().  Errors:
 * -EINVAL (opts not initialised), -ENOMEM, -errno when /dev/shm or /proc
 * cannot be read at all (err->text says which).
 * Thread-safe; a snapshot is immutable and may be read from any thread.
 */
SHMRPC_API int shmrpc_inspect(shmrpc_inspection **out,
    const shmrpc_inspect_options *opts, shmrpc_error *err);

/* Free a snapshot and everything it points to.  Accepts NULL.  Must not
 * overlap any read of the snapshot (the accessors below, or a pointer
 * they gave). */
SHMRPC_API void shmrpc_inspection_free(shmrpc_inspection *snap);

/* The accessors below only read an immutable snapshot: thread-safe. */

/* Number of registered channels in the snapshot. */
SHMRPC_API size_t shmrpc_inspection_channel_count(
    const shmrpc_inspection *snap);

/* Channel i (< count); borrowed, valid until the snapshot is freed. */
SHMRPC_API const shmrpc_channel_info *shmrpc_inspection_channel(
    const shmrpc_inspection *snap, size_t i);

/* Number of loose (unregistered) objects in the snapshot. */
SHMRPC_API size_t shmrpc_inspection_object_count(
    const shmrpc_inspection *snap);

/* Loose object i (< count); borrowed as above. */
SHMRPC_API const shmrpc_object_info *shmrpc_inspection_object(
    const shmrpc_inspection *snap, size_t i);

/* Warnings met while taking it ("registry ... was corrupt, set aside as
 * ..."): count, then text i (borrowed as above). */
SHMRPC_API size_t shmrpc_inspection_warning_count(
    const shmrpc_inspection *snap);
SHMRPC_API const char *shmrpc_inspection_warning(
    const shmrpc_inspection *snap, size_t i);

/*
 * What a reap decided about one registered channel or loose object, as its
 * final check found it (a fresh inspection under the registry's lock,
 * right before removing):
 *  REMOVED     its objects (and a channel's registry entry) are gone;
 *  WOULD       dry run: it passed every check and would have been removed;
 *  LEFT        not reapable (LIVE, INUSE, RECENT, UNKNOWN...), left alone;
 *  FAILED      it looked reapable but was not removed: another user's
 *              object, replaced while being checked, an unlink that
 *              failed...  code says which.
 */
typedef enum shmrpc_reap_action {
	SHMRPC_REAP_REMOVED = 0,
	SHMRPC_REAP_WOULD = 1,
	SHMRPC_REAP_LEFT = 2,
	SHMRPC_REAP_FAILED = 3,
} shmrpc_reap_action;

/* "removed", "would remove", "left", "failed".  Static; thread-safe. */
SHMRPC_API const char *shmrpc_reap_action_name(shmrpc_reap_action action);

/*
 * One decision, handed to the reap callback.  Every pointer is borrowed,
 * valid only during the callback.  Fields are only ever appended.
 */
typedef struct shmrpc_reap_event {
	shmrpc_reap_action action;
	/* 0, or why it was left or failed: SHMRPC_EALIVE (live, in use or
	 * too recent), SHMRPC_EUNKNOWN, SHMRPC_ENOTOURS, SHMRPC_ESTATE,
	 * -errno... */
	int code;
	shmrpc_state state;               /* as the final check found it */
	const char *reason;               /* why, in words (never NULL) */
	/* The registered channel, with its objects as checked; NULL for a
	 * loose object. */
	const shmrpc_channel_info *channel;
	/* The loose object as checked; NULL for a channel. */
	const shmrpc_object_info *object;
	/* Objects removed (or, dry run, that would be). */
	unsigned removed;
} shmrpc_reap_event;

/* Called once per decision.  Must not call back into shmrpc_reap_*(). */
typedef void (*shmrpc_reap_cb)(const shmrpc_reap_event *ev, void *arg);

/*
 * Remove channel `name` if it is safe: each registered entry of that name
 * must be STALE (all its present objects and the entry go), and each
 * loose object of that name must be an ORPHAN.  All checks are made again
 * right before removing, under the registry's lock (one reaper at a
 * time), and each object is checked to be a regular file on /dev/shm's
 * device owned by the caller (root: anyone, with opts->all_users) and to
 * be the very inode found unused; nothing is followed.  Either all of a
 * channel's objects pass and go, or nothing is removed.
 *
 * cb (may be NULL) hears one event per entry and loose object of that
 * name: what was removed, or left and why.  opts may be NULL (grace
 * default, no dry run); opts->channel and opts->prefix are ignored.
 * Returns 0 when removed (or, with dry_run, when it would be), or
 * SHMRPC_ENOCHANNEL (nothing of that name), SHMRPC_EALIVE (live, in use,
 * or too recent), SHMRPC_EUNKNOWN (state cannot be told), SHMRPC_ENOTOURS
 * (another user's, or not a regular file), SHMRPC_ENAME, -EINVAL (opts
 * not initialised), -errno; err->text says why.  Thread-safe.
 */
SHMRPC_API int shmrpc_reap_channel(const char *name,
    const shmrpc_reap_options *opts, shmrpc_reap_cb cb, void *arg,
    shmrpc_error *err);

/*
 * Remove the loose object /dev/shm/fname if it is an ORPHAN, under the
 * same checks as shmrpc_reap_channel().  An object a registry names is
 * refused (SHMRPC_ESTATE: reap its channel).  Other returns as above;
 * SHMRPC_ENOCHANNEL if no such object follows our naming scheme.
 */
SHMRPC_API int shmrpc_reap_object(const char *fname,
    const shmrpc_reap_options *opts, shmrpc_reap_cb cb, void *arg,
    shmrpc_error *err);

/*
 * Reap everything that is safe to reap among what opts selects (channel,
 * prefix and grace honoured): every STALE channel of the caller's registry
 * (its objects and entry) and every ORPHAN loose object, each under the
 * checks of shmrpc_reap_channel(), but with one lock and one final
 * inspection per registry, so that thousands of leaks cost one scan of
 * /dev/shm and /proc, not one each.  With opts->all_users (root only)
 * every user's registry is reaped too, each under its own lock, and every
 * user's loose objects.  cb (may be NULL) hears one event for every
 * channel and loose object in scope: removed, would be, left alone and
 * why, or failed and why.  Each item is all or nothing; one item's
 * failure does not stop the others.
 *
 * Returns 0 when every reapable item went (or, with dry_run, would go),
 * else the first FAILED item's code, or -EINVAL / -EPERM (opts), -errno /
 * -ENOMEM when a registry, /dev/shm or /proc cannot be read or a registry
 * cannot be written (err->text names it).  Thread-safe.
 */
SHMRPC_API int shmrpc_reap_all(const shmrpc_reap_options *opts,
    shmrpc_reap_cb cb, void *arg, shmrpc_error *err);

/*
 * The registry file this process uses: env SHMRPC_REGISTRY, else
 * /dev/shm/shmrpc-registry-<euid>.json.  Copied into buf (capacity len);
 * returns buf, or NULL if it does not fit.  Thread-safe.
 */
SHMRPC_API char *shmrpc_registry_path(char *buf, size_t len);

/*
 * Does systemd-logind remove uid's files in /dev/shm, channels included,
 * when uid's last login session ends (RemoveIPC=yes in logind.conf(5),
 * systemd's default, applied to users that are neither root nor system
 * users)?  1 yes, 0 no (also on hosts without systemd), -1 cannot tell.
 * A server whose files vanish stops with SHMRPC_EREMOVED; see
 * DEPLOYMENT in shmrpc(7).  Thread-safe.
 */
SHMRPC_API int shmrpc_removeipc_applies(uid_t uid);
/* ------------------------------------------------------------------------
 * Live counters and statistics
 *
 * A futex channel keeps counters in its shared segment, per client slot,
 * updated by each client as it calls (relaxed atomic stores: no lock, no
 * system call).  The channel's figures are the sum over its current
 * clients plus those of the clients that have left.  A C server also
 * counts, for every method it registered, the calls it answered, how many
 * failed and how long each took it; on a futex channel in the same
 * segment, on a posix channel in a segment of its own beside the seed's
 * six objects (/dev/shm/shmrpc_posix_NAME, see shmrpc(7)).
 *
 * shmrpc_stats_read() copies all of that into a private snapshot, from
 * any process of the same user (root: any user's), without taking a slot
 * or otherwise disturbing the channel: the segment is read with pread(2),
 * never mapped, so a segment that shrinks or changes under the reader
 * gives an error, not a signal.  The snapshot is read with accessors, as
 * an inspection is.  Each counter is read exactly, but the counters are
 * not one atomic snapshot, and a client leaving at that very moment may
 * be counted twice or not at all in the channel's sums.
 *
 * Latency histograms are log-linear (HdrHistogram's layout): every power
 * of two nanoseconds is split into 8 buckets of equal width, so a bucket
 * is at most 12.5 % of its lower bound wide.  shmrpc_latency_buckets()
 * says how many there are; shmrpc_latency_bucket_range() what each counts.
 * ---------------------------------------------------------------------- */

/* Number of buckets of every latency histogram (256 in this version; it
 * may change with the library, so do not compile it in).  Thread-safe. */
SHMRPC_API size_t shmrpc_latency_buckets(void);

/*
 * The durations bucket i counts: [*lo_ns, *hi_ns) nanoseconds (either
 * pointer may be NULL).  The last bucket also counts everything longer:
 * its *hi_ns is UINT64_MAX.  0, or -EINVAL when i is not a bucket.
 * Thread-safe.
 */
SHMRPC_API int shmrpc_latency_bucket_range(size_t i, uint64_t *lo_ns,
    uint64_t *hi_ns);

/*
 * Percentile q (0 to 1) of the histogram counts[0..n) (n at most
 * shmrpc_latency_buckets(); a histogram from a snapshot, or the difference
 * of two), in nanoseconds: the bucket holding that rank, interpolated
 * linearly inside it, so within 12.5 % of the true value.  -1 when the
 * histogram is empty or the arguments are not valid.  Thread-safe.
 */
SHMRPC_API double shmrpc_latency_percentile(const uint64_t *counts, size_t n,
    double q);

/*
 * A set of counters.  Handed out by a snapshot (borrowed, valid until it is
 * freed) and only ever appended to.  A field its source does not keep is 0
 * (a method's counters have no timeouts, bytes, in_flight or activity).
 */
typedef struct shmrpc_counters {
	/* Calls made (channel, slot: requests sent, finished or not) or
	 * answered (method). */
	uint64_t calls;
	/* Failed calls other than timeouts: server dead, bad reply, method
	 * errors.  Channel: also malformed requests and answers the server
	 * dropped because their client had gone.  Method: calls answered
	 * with an error. */
	uint64_t errors;
	/* Calls that timed out. */
	uint64_t timeouts;
	/* Bytes as the server sees them for a channel (in: requests, out:
	 * responses), as the client sees them for a slot (out: requests,
	 * in: responses). */
	uint64_t bytes_in;
	uint64_t bytes_out;
	/* Calls in progress (a slot: 0 or 1). */
	uint64_t in_flight;
	/* CLOCK_MONOTONIC time of the last call or claim, ns; 0: none. */
	int64_t last_activity_ns;
	/* Durations of the finished calls: for a channel and a slot the
	 * round trip as its client saw it, from the request posted to the
	 * answer decoded (shmrpc_call() and the bytes calls) or seen (the
	 * byte-level shmrpc_transport_*); for a method the server's time
	 * (request taken to answer sent: decoding, the handler, encoding),
	 * counted once the answer is out, so a reader may not see a call
	 * for a moment after its client has the answer.  latency_count is their
	 * number (the sum of latency[]), latency_sum_ns their sum. */
	uint64_t latency_count;
	uint64_t latency_sum_ns;
	/* latency_buckets counts (shmrpc_latency_buckets()), bucket i for
	 * the durations shmrpc_latency_bucket_range(i) gives.  Never NULL. */
	const uint64_t *latency;
	size_t latency_buckets;
} shmrpc_counters;

/* A channel's figures.  Borrowed from its snapshot; only appended to. */
typedef struct shmrpc_channel_stats {
	shmrpc_transport_kind transport;
	pid_t server_pid;
	uint64_t server_start_time;  /* field 22 of /proc/PID/stat */
	int server_running;          /* 0 once the server closed it */
	int64_t created_realtime_ns; /* CLOCK_REALTIME */
	size_t buffer_size;
	unsigned slots;              /* client slots (posix: 1) */
	unsigned slots_in_use;       /* posix: 0, it does not know */
	/* The channel's counters: futex only; NULL on posix, whose seed
	 * format has no room for them (its methods' counters are kept). */
	const shmrpc_counters *counters;
} shmrpc_channel_stats;

/* A client slot held now (futex).  Borrowed; only appended to. */
typedef struct shmrpc_slot_stats {
	unsigned index;              /* slot number (shmrpc_req_peer()) */
	pid_t pid;                   /* owning client process */
	uint64_t start_time;         /* its start time (/proc/PID/stat) */
	int64_t claimed_ns;          /* CLOCK_MONOTONIC when it was taken */
	const shmrpc_counters *counters;
} shmrpc_slot_stats;

/* A method the server registered.  Borrowed; only appended to. */
typedef struct shmrpc_method_stats {
	/* The name as the server registered it, NUL-terminated, at most
	 * SHMRPC_METHOD_STATS_NAME_MAX bytes (cut there: truncated is 1).
	 * Written by the server process: untrusted text, make it safe
	 * before it reaches a terminal. */
	const char *name;
	int truncated;
	/* calls, errors, latency (the server's time); the rest 0. */
	const shmrpc_counters *counters;
} shmrpc_method_stats;

/* Longest method name kept in the statistics. */
#define SHMRPC_METHOD_STATS_NAME_MAX 255

/*
 * Read the statistics of channel `name` into a new snapshot in *out, to be
 * freed with shmrpc_stats_free().  kind picks the transport; DEFAULT takes
 * the futex channel of that name if there is one, else the posix one.
 * futex: the channel's counters, its slots held by clients, its methods;
 * posix (a C server's): its methods.  Errors: SHMRPC_ENAME,
 * SHMRPC_ENOCHANNEL (no such channel, or a posix channel whose server
 * keeps no statistics: a Python shm-rpc-bridge server), SHMRPC_EVERSION
 * (a segment of another layout), SHMRPC_ETRANSPORT (a segment that is
 * inconsistent or shrank while being read), SHMRPC_ENOTOURS (not a
 * regular file; posix: a counters file whose owner does not own the
 * channel's request segment), -ENOMEM, -errno; err->text says which file
 * and why.
 * Thread-safe; a snapshot is immutable and may be read from any thread.
 */
SHMRPC_API int shmrpc_stats_read(shmrpc_stats **out, const char *name,
    shmrpc_transport_kind kind, shmrpc_error *err);

/* Free a snapshot and everything it points to.  Accepts NULL. */
SHMRPC_API void shmrpc_stats_free(shmrpc_stats *st);

/* The channel's figures; never NULL for a snapshot. */
SHMRPC_API const shmrpc_channel_stats *shmrpc_stats_channel(
    const shmrpc_stats *st);

/* Slots held by clients when the snapshot was taken, lowest index first:
 * their number, then slot i (< count; borrowed as above). */
SHMRPC_API size_t shmrpc_stats_slot_count(const shmrpc_stats *st);
SHMRPC_API const shmrpc_slot_stats *shmrpc_stats_slot(const shmrpc_stats *st,
    size_t i);

/* Methods with counters, in the order they were registered: their number,
 * then method i (< count; borrowed as above). */
SHMRPC_API size_t shmrpc_stats_method_count(const shmrpc_stats *st);
SHMRPC_API const shmrpc_method_stats *shmrpc_stats_method(
    const shmrpc_stats *st, size_t i);

#ifdef __cplusplus
}
#endif

#endif /* SHMRPC_H */
