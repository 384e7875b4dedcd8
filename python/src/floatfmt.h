/*
 * floatfmt.h - a double as the seed's JSON writes it (orjson 3.10-3.11.6,
 * that is the Rust ryu crate's format64): the shortest digits that read
 * back to the same double, laid out as described in python/FORMAT.md.
 *
 * Layer: Python binding, codec.
 */
#ifndef SHMRPC_PY_FLOATFMT_H
#define SHMRPC_PY_FLOATFMT_H

#include <stddef.h>

/* Longest text floatfmt_write() produces, NUL not included:
 * "-2.2250738585072014e-308" is 24 bytes. */
#define FLOATFMT_MAX 32

/*
 * Write finite `x` into out (at least FLOATFMT_MAX bytes; not NUL-
 * terminated) and return its length, or -1 with a Python exception set
 * (no memory).  Non-finite values are the caller's business (the seed
 * writes null).  Needs the GIL (it uses CPython's shortest-repr dtoa).
 */
int floatfmt_write(double x, char *out);

/*
 * The layout step alone, for tests: digits (1..17 ASCII digits, no
 * leading or trailing zero), the decimal exponent kk such that the value
 * is 0.DIGITS * 10^kk, and the sign.  Returns the length written to out.
 */
int floatfmt_layout(const char *digits, int ndigits, int kk, int negative,
    char *out);

#endif
