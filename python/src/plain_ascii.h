/*
 * plain_ascii.h - find the end of a run of JSON string bytes that need no
 * escape and no UTF-8 decoding, 16 bytes at a time with SSE2 (x86_64's
 * baseline), else eight.
 *
 * Layer: Python binding, codec.
 */
#ifndef SHMRPC_PY_PLAIN_ASCII_H
#define SHMRPC_PY_PLAIN_ASCII_H

#include <stdint.h>
#include <string.h>

#if defined(__SSE2__) && (defined(__GNUC__) || defined(__clang__))
#include <emmintrin.h>
#define PLAIN_SSE2 1
#else
#define PLAIN_SSE2 0
#endif

#if PLAIN_SSE2
/* The lanes of v holding '"', '\\' or a byte below 0x20; with high_too,
 * also a byte >= 0x80 (signed compare: those are negative, so below 0x20
 * too). */
static inline __m128i plain_stop_lanes(__m128i v, int high_too)
{
	const __m128i quote = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
	const __m128i bslash = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
	const __m128i ctl = high_too
	    ? _mm_cmplt_epi8(v, _mm_set1_epi8(0x20))
	    : _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v);

	return _mm_or_si128(_mm_or_si128(quote, bslash), ctl);
}

static inline __m128i plain_load(const unsigned char *p)
{
	return _mm_loadu_si128((const __m128i *)(const void *)p);
}

/* 16 bytes at a time: the mask of plain_stop_lanes(). */
static inline unsigned plain_stop_mask(const unsigned char *p, int high_too)
{
	return (unsigned)_mm_movemask_epi8(plain_stop_lanes(plain_load(p),
	    high_too));
}

/* Whether any of the 64 bytes at p stops a run (one branch per 64 bytes
 * on long plain runs). */
static inline int plain_stop64(const unsigned char *p, int high_too)
{
	const __m128i a = plain_stop_lanes(plain_load(p), high_too);
	const __m128i b = plain_stop_lanes(plain_load(p + 16), high_too);
	const __m128i c = plain_stop_lanes(plain_load(p + 32), high_too);
	const __m128i d = plain_stop_lanes(plain_load(p + 48), high_too);

	return _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(a, b),
	    _mm_or_si128(c, d))) != 0;
}
#endif

/*
 * Skip plain ASCII string bytes (not '"', not '\\', 0x20..0x7f); returns
 * where the first other byte (or the tail) starts.
 */
static inline const unsigned char *skip_plain_ascii(const unsigned char *p,
    const unsigned char *end)
{
	const uint64_t ones = 0x0101010101010101ULL;
	const uint64_t highs = 0x8080808080808080ULL;

#if PLAIN_SSE2
	while (end - p >= 64 && !plain_stop64(p, 1))
		p += 64;
	while (end - p >= 16) {
		const unsigned m = plain_stop_mask(p, 1);
		if (m != 0)
			return p + __builtin_ctz(m);
		p += 16;
	}
#endif

	while (end - p >= 8) {
		uint64_t w, q, b;
		memcpy(&w, p, 8);
		if ((w & highs) != 0)
			break;
		/* With every byte below 0x80, each test below is non-zero
		 * exactly when some byte is < 0x20, '"' or '\\' (the
		 * classic "has less than" / "has zero byte" tricks). */
		q = w ^ (ones * '"');
		b = w ^ (ones * '\\');
		if ((((w - ones * 0x20) & ~w) | ((q - ones) & ~q) |
		    ((b - ones) & ~b)) & highs)
			break;
		p += 8;
	}
	return p;
}

/*
 * skip_plain_ascii() that also copies the plain run to dst, in the same
 * pass; returns where the run ends in src.  dst must have room for end - p
 * bytes: whole blocks are stored before they are tested, so bytes past the
 * run may be written too (the caller writes over them).
 */
static inline const unsigned char *copy_plain_ascii(unsigned char *dst,
    const unsigned char *p, const unsigned char *end)
{
	const unsigned char *q;

#if PLAIN_SSE2
	/* 64 bytes checked, then copied, while none stops the run. */
	while (end - p >= 64 && !plain_stop64(p, 1)) {
		memcpy(dst, p, 64);
		p += 64;
		dst += 64;
	}
	while (end - p >= 16) {
		const __m128i v = plain_load(p);
		unsigned m;

		_mm_storeu_si128((__m128i *)(void *)dst, v);
		m = (unsigned)_mm_movemask_epi8(plain_stop_lanes(v, 1));
		if (m != 0)
			return p + __builtin_ctz(m);
		p += 16;
		dst += 16;
	}
#endif
	q = skip_plain_ascii(p, end);
	memcpy(dst, p, (size_t)(q - p));
	return q;
}

/*
 * The same for a string that is not all ASCII: skips bytes that are not
 * '"', '\\' or below 0x20, whatever their high bit (their UTF-8 is checked
 * later, by CPython's decoder).  The "has less than" and "has zero byte"
 * tests are exact for any byte values when the question is "is there any".
 */
static inline const unsigned char *skip_plain_utf8(const unsigned char *p,
    const unsigned char *end)
{
	const uint64_t ones = 0x0101010101010101ULL;
	const uint64_t highs = 0x8080808080808080ULL;

#if PLAIN_SSE2
	while (end - p >= 64 && !plain_stop64(p, 0))
		p += 64;
	while (end - p >= 16) {
		const unsigned m = plain_stop_mask(p, 0);
		if (m != 0)
			return p + __builtin_ctz(m);
		p += 16;
	}
#endif

	while (end - p >= 8) {
		uint64_t w, q, b;
		memcpy(&w, p, 8);
		q = w ^ (ones * '"');
		b = w ^ (ones * '\\');
		if ((((w - ones * 0x20) & ~w) | ((q - ones) & ~q) |
		    ((b - ones) & ~b)) & highs)
			break;
		p += 8;
	}
	return p;
}

#endif
