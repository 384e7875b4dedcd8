/*
 * utf8.h - layer: codec.  UTF-8 validation for the JSON codec.
 *
 * Valid means what jansson's utf8_check_first/utf8_check_full accept: the
 * shortest encoding of a code point <= U+10FFFF that is not a UTF-16
 * surrogate, with no sequence cut off by the end of the buffer.
 */
#ifndef SHMRPC_UTF8_H
#define SHMRPC_UTF8_H

#include <stdbool.h>
#include <stddef.h>

#include "codec/json_simd.h"

/* Are the n bytes at p valid UTF-8?  Thread-safe, no state. */
bool shmrpc__utf8_valid(const uchar *p, size_t n);

/* Offset of the first invalid byte in [begin, end), or end - begin when
 * there is none; for error messages (slow, scalar). */
size_t shmrpc__utf8_first_invalid(const uchar *begin, const uchar *end);

#endif
