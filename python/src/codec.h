/*
 * codec.h - Python objects <-> JSON text, directly, as the seed's orjson
 * writes and reads it (python/FORMAT.md has every form).
 *
 * Layer: Python binding, codec.  Needs the GIL throughout.  Errors are
 * raised as shmrpc.RPCSerializationError ("Failed to serialize data: ..."
 * or "Failed to deserialize data: ..."), or MemoryError.
 */
#ifndef SHMRPC_PY_CODEC_H
#define SHMRPC_PY_CODEC_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "outbuf.h"

/* Deepest nesting of lists/dicts the encoder writes: a value inside 512
 * containers is refused.  orjson refuses at 255, so whatever the seed
 * can send, we can. */
#define CODEC_MAX_ENCODE_DEPTH 512

/* Deepest nesting the decoder reads: 1024, as orjson.loads. */
#define CODEC_MAX_DECODE_DEPTH 1024

/*
 * Append obj as compact JSON to out.  Types: None, bool, int (any size up
 * to sys.get_int_max_str_digits() digits beyond 64 bits), float
 * (NaN/Infinity written as null, as orjson does), str (lone surrogates
 * refused, as orjson does), list, tuple, dict with str keys; subclasses of
 * these as their base type.  Anything else raises RPCSerializationError
 * naming the type.  Returns 0, or -1 with an exception set (out then holds
 * a partial text: the caller discards it).
 */
int codec_encode(PyObject *obj, struct outbuf *out);

/*
 * Parse JSON text (strict RFC 8259: UTF-8 only, no NaN/Infinity, no
 * comments, no trailing commas, lone surrogate escapes refused; integers
 * of any size become exact ints) into a new reference.  buf must not
 * change during the call: pass a private copy of anything another process
 * can write (see codec_decode_shared()).  NULL with an exception set on
 * error; the message gives the byte offset.
 */
PyObject *codec_decode(const char *buf, size_t len);

/*
 * codec_decode() for text that another process may be rewriting (shared
 * memory): it is first copied into private memory, each byte read once,
 * and only the copy is parsed.
 */
PyObject *codec_decode_shared(const char *buf, size_t len);

/* Set RPCSerializationError("Failed to serialize data: " + fmt ...).
 * Returns -1. */
int codec_encode_error(const char *fmt, ...);

#endif
