/*
 * common.h - layer: base.  Internal helpers shared by every source file of
 * the library. Never installed.
 */
#ifndef SHMRPC_COMMON_H
#define SHMRPC_COMMON_H

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shmrpc.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define SHMRPC__STR2(x) #x
#define SHMRPC__STR(x) SHMRPC__STR2(x)

#if defined(__GNUC__)
#define SHMRPC_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define SHMRPC_LIKELY(x) __builtin_expect(!!(x), 1)
#define SHMRPC_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define SHMRPC_PRINTF(f, a)
#define SHMRPC_LIKELY(x) (x)
#define SHMRPC_UNLIKELY(x) (x)
#endif

/* Log through the installed sink (log.c).  Cheap when the level is off. */
extern _Atomic int shmrpc__log_level_now;
void shmrpc__log_emit(shmrpc_log_level level, const char *fmt, ...)
    SHMRPC_PRINTF(2, 3);
void shmrpc__log_init_once(void);

#define LOG_AT(level, ...)                                                     \
	do {                                                                   \
		shmrpc__log_init_once();                                       \
		if ((int)(level) <= atomic_load_explicit(                      \
			&shmrpc__log_level_now, memory_order_relaxed))        \
			shmrpc__log_emit((level), __VA_ARGS__);                \
	} while (0)
#define log_error(...) LOG_AT(SHMRPC_LOG_ERROR, __VA_ARGS__)
#define log_warn(...) LOG_AT(SHMRPC_LOG_WARN, __VA_ARGS__)
#define log_info(...) LOG_AT(SHMRPC_LOG_INFO, __VA_ARGS__)
#define log_debug(...) LOG_AT(SHMRPC_LOG_DEBUG, __VA_ARGS__)

/* Fill err (may be NULL) with code and a formatted text; returns code. */
int shmrpc__error_set(shmrpc_error *err, int code, const char *fmt, ...)
    SHMRPC_PRINTF(3, 4);

/* Whether the transport was chosen, by in->transport or SHMRPC_TRANSPORT
 * (in may be NULL). */
bool shmrpc__options_transport_chosen(const shmrpc_options *in);

/* Options with every "0 means default" resolved, for a server or client;
 * in may be NULL.  0, or -EINVAL with err (may be NULL) saying why: in
 * was never initialised, or SHMRPC_TRANSPORT names no transport. */
int shmrpc__options_resolve(shmrpc_options *out, const shmrpc_options *in,
    bool server, shmrpc_error *err);

/*
 * Caller-allocated structs that start with their size (size_t size, set
 * by an _init() macro).  struct_export copies the caller's struct into
 * the library's own dst (dst_size bytes, already holding the defaults):
 * as much as both have; -EINVAL when the caller's size is below min_size
 * (never initialised) or absurd.  struct_import writes the library's
 * src into the caller's struct of caller_size bytes, zeroing what a
 * newer caller has beyond it.
 */
#define SHMRPC__STRUCT_MAX 65536
int shmrpc__struct_export(void *dst, size_t dst_size, const void *caller,
    size_t min_size);
void shmrpc__struct_import(void *caller, size_t caller_size, const void *src,
    size_t src_size);

/*
 * Names from callers and peers (options.c).  shmrpc__name_fault(): what is
 * wrong with the n bytes of a channel name (method false) or a method name
 * (method true), or NULL; *at is the first bad byte's offset.
 * shmrpc__name_error(): 0 for a good name, else fills err with "invalid
 * <what> name: <why> (byte N is 0xXX)" (never the name itself: it may come
 * from another process) and returns SHMRPC_ENAME.  name may be NULL.
 */
const char *shmrpc__name_fault(const char *name, size_t n, bool method,
    size_t *at);
int shmrpc__name_error(shmrpc_error *err, const char *what, const char *name,
    size_t n, bool method);

/* err->text = the n bytes of text (not NUL-terminated), cut to fit
 * without splitting a UTF-8 sequence; returns code (err may be NULL). */
int shmrpc__error_set_text(shmrpc_error *err, int code, const char *text,
    size_t n);

#endif
