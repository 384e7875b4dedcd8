/*
 * float_format.h - layer: codec.  A double as JSON text, written as the
 * seed writes it: the shortest digits that read back to the same double
 * (the nearest of them, ties to even), laid out as orjson 3.10-3.11.6
 * does (the Rust ryu crate's format64): 0.1, 1e16, 1e-7, 123.456,
 * 1000000000000000.0.  shmrpc(7) lists every form.
 *
 * One formatter for the library's JSON writer (json_encode.c) and the
 * Python binding's (python/src/encode.c), which links it from
 * libshmrpc.a.
 */
#ifndef SHMRPC_FLOAT_FORMAT_H
#define SHMRPC_FLOAT_FORMAT_H

#include <stdbool.h>
#include <stddef.h>

/* Room for any text shmrpc__float_format() writes:
 * "-2.2250738585072014e-308" is 24 bytes. */
#define FLOAT_TEXT_MAX 32

/*
 * Write finite x into out (FLOAT_TEXT_MAX bytes; no NUL) and return the
 * length; 0 when x is NaN or infinite (JSON has no such numbers: the
 * caller decides, e.g. null as the seed writes).  Locale-independent,
 * no allocation, thread-safe.
 */
size_t shmrpc__float_format(double x, char *out);

/*
 * The layout alone: the value 0.DIGITS x 10^kk, with ndigits (1 to 17)
 * ASCII digits, no leading or trailing zero, and its sign.  Writes at most
 * FLOAT_TEXT_MAX bytes and returns the length.  For tests.
 */
size_t shmrpc__float_layout(const char *digits, int ndigits, int kk,
    bool negative, char *out);

#endif
