/*
 * json_simd.h - layer: codec.  Which vector code paths this build of the
 * JSON codec has (SSE2 string scanning; SSSE3/AVX2 UTF-8 validation chosen
 * at run time on x86_64), shared by its files.  Internal to the codec.
 */
#ifndef SHMRPC_JSON_SIMD_H
#define SHMRPC_JSON_SIMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* -DWIRE_JSON_PORTABLE builds only the portable code paths (the unit tests
   use it to cover the fallbacks on x86_64). */
#if !defined(WIRE_JSON_PORTABLE) && defined(__SSE2__) && \
    (defined(__GNUC__) || defined(__clang__))
#include <emmintrin.h>
#define WIRE_HAVE_SSE2 1
#else
#define WIRE_HAVE_SSE2 0
#endif

/* SSSE3 (pshufb) makes the table-driven UTF-8 validator possible, AVX2 makes
   it twice as wide.  x86_64's baseline is only SSE2, so that code is
   compiled with target attributes and chosen at run time. */
#if !defined(WIRE_JSON_PORTABLE) && defined(__x86_64__) && \
    (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define WIRE_HAVE_X86_DISPATCH 1
#else
#define WIRE_HAVE_X86_DISPATCH 0
#endif
/* -DWIRE_JSON_NO_AVX2 leaves the SSSE3 validator as the widest (tests) */
#if WIRE_HAVE_X86_DISPATCH && !defined(WIRE_JSON_NO_AVX2)
#define WIRE_HAVE_AVX2_DISPATCH 1
#else
#define WIRE_HAVE_AVX2_DISPATCH 0
#endif

#if defined(__GNUC__) || defined(__clang__)
#define WIRE_LIKELY(x) __builtin_expect(!!(x), 1)
#else
#define WIRE_LIKELY(x) (x)
#endif

typedef unsigned char uchar;

#endif
