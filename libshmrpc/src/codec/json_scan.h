/*
 * json_scan.h - layer: codec.  The byte scanning both codec directions
 * share: find the next byte a JSON string cannot hold verbatim ('"', '\\'
 * or a C0 control), 16 bytes at a time with SSE2, 8 with SWAR otherwise.
 * Inline: it runs on every string of every message.
 */
#ifndef SHMRPC_JSON_SCAN_H
#define SHMRPC_JSON_SCAN_H

#include <stdlib.h>
#include <string.h>

#include "codec/json_simd.h"

static inline bool is_digit(uchar c)
{
	return c >= '0' && c <= '9';
}

/* Grows a stack or buffer that starts in an inline array and moves to the
   heap once it outgrows it.  Returns the new block or NULL (the old one is
   then untouched). */
static inline void *grow_inline_buffer(void *block, const void *inline_block,
    size_t used, size_t new_cap, size_t elem_size)
{
	void *grown;

	if (block != inline_block)
		return realloc(block, new_cap * elem_size);
	grown = malloc(new_cap * elem_size);
	if (grown != NULL)
		memcpy(grown, block, used * elem_size);
	return grown;
}

/* ------------------------------------------------------------------------ */
/* 1. Byte scanning                                                          */
/* ------------------------------------------------------------------------ */

/* A byte that ends a run of verbatim string bytes: the quote, the backslash
   and the C0 controls must be escaped in JSON.  Bytes >= 0x80 are not special
   here; UTF-8 is validated as the string is copied (utf8.h). */
static inline bool is_string_special(uchar c)
{
	return c == '"' || c == '\\' || c < 0x20;
}

#if WIRE_HAVE_SSE2
static inline __m128i load16(const uchar *p)
{
	return _mm_loadu_si128((const __m128i *)(const void *)p);
}

/* 0xFF in every lane holding a special byte */
static inline __m128i special_lanes(__m128i v)
{
	const __m128i quote = _mm_set1_epi8('"');
	const __m128i backslash = _mm_set1_epi8('\\');
	const __m128i ctl_max = _mm_set1_epi8(0x1F);
	/* unsigned v <= 0x1F  <=>  min(v, 0x1F) == v */
	const __m128i ctl = _mm_cmpeq_epi8(_mm_min_epu8(v, ctl_max), v);
	const __m128i quote_or_backslash = _mm_or_si128(
	    _mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash));

	return _mm_or_si128(quote_or_backslash, ctl);
}

/* Whether any of the 64 bytes at p is special (one branch per
   64 bytes on long plain runs). */
static inline bool any_special64(const uchar *p)
{
	const __m128i a = special_lanes(load16(p));
	const __m128i b = special_lanes(load16(p + 16));
	const __m128i c = special_lanes(load16(p + 32));
	const __m128i d = special_lanes(load16(p + 48));

	return _mm_movemask_epi8(
	    _mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d))) != 0;
}
#else
/* SWAR: a word's 0x80 bits flag candidate bytes.  False positives can only
   appear above a true positive, so a non-zero result is rescanned byte by
   byte, which keeps this correct for either endianness. */
#define WIRE_ONES  UINT64_C(0x0101010101010101)
#define WIRE_HIGHS UINT64_C(0x8080808080808080)
static inline bool any_special8(const uchar *p)
{
	uint64_t w;
	memcpy(&w, p, sizeof w);
	const uint64_t q = w ^ (WIRE_ONES * '"'), b = w ^ (WIRE_ONES * '\\');
	const uint64_t hit = ((q - WIRE_ONES) & ~q) | ((b - WIRE_ONES) & ~b) |
	    ((w - WIRE_ONES * 0x20) & ~w);
	return (hit & WIRE_HIGHS) != 0;
}
#endif

/* Returns the first byte in [p, end) for which is_string_special() holds, or
   end.  Never reads outside [p, end). */
static inline const uchar *find_string_special(const uchar *p, const uchar *end)
{
#if WIRE_HAVE_SSE2
	while (end - p >= 64 && !any_special64(p))
		p += 64;
	while (end - p >= 16) {
		const unsigned mask = (unsigned)_mm_movemask_epi8(
		    special_lanes(load16(p)));
		if (mask != 0)
			return p + __builtin_ctz(mask);
		p += 16;
	}
#else
	while (end - p >= 8 && !any_special8(p))
		p += 8;
#endif
	while (p < end && !is_string_special(*p))
		p++;
	return p;
}

#endif
