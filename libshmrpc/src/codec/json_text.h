/*
 * json_text.h - layer: codec.  JSON text checked and measured without
 * being converted: where one value ends, and whether it is well formed.
 * For the text calls and text methods (shmrpc_call_text(),
 * shmrpc_server_register_text()), whose params and results cross the
 * library as JSON text, and for reading a request's id when the rest of
 * it cannot be decoded.
 *
 * Well formed means RFC 8259, strictly: no NaN, comments, trailing
 * commas, leading zeros or single quotes; strings of valid UTF-8 (as
 * utf8.h), with no control character unescaped and no lone surrogate
 * escaped; nesting at most WIRE_JSON_MAX_DEPTH deep; whitespace is space,
 * tab, CR and LF.  Numbers of any size and precision are accepted: their
 * digits are never converted, so 18446744073709551616 and 1e400 pass as
 * the text they are (a json_t decoder would refuse both).
 *
 * Input in shared memory may change while it is read: these functions
 * never read outside [buf, buf+len), but their verdict holds only for the
 * bytes as they were read.  Copy first to rely on it.
 */
#ifndef SHMRPC_JSON_TEXT_H
#define SHMRPC_JSON_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Why a text is not well formed: a reason in words (static) and the byte
 * offset where it was found. */
struct json_text_error {
	const char *reason;
	size_t offset;
};

/*
 * Skip optional whitespace and one JSON value at buf (len bytes).  0 and
 * *end the offset just past the value (whitespace after it is not
 * skipped), or -1 with why (may be NULL) filled.  Thread-safe.
 */
int shmrpc__json_text_skip(const char *buf, size_t len, size_t *end,
    struct json_text_error *why);

/*
 * Whether buf (len bytes) is exactly one JSON value, with optional
 * whitespace around it; with want_object, an object.  0 or -1 with why
 * filled.  Thread-safe.
 */
int shmrpc__json_text_check(const char *buf, size_t len, bool want_object,
    struct json_text_error *why);

/*
 * Skip optional whitespace and one JSON string at buf; 0 and *end past
 * its closing quote, or -1 (not a well-formed string).  Thread-safe.
 */
int shmrpc__json_text_skip_string(const char *buf, size_t len, size_t *end,
    struct json_text_error *why);

#endif
