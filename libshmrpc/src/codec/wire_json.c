/*
 * wire_json.c - layer: codec.  A fast JSON text codec for jansson's data
 * model. See wire_json.h for why this exists and where it deliberately
 * differs from jansson 2.14 (json_dumpb / json_loadb with
 * WIRE_JSON_*_FLAGS).
 *
 * Layout of this file:
 *   1. byte scanning: find the next '"', '\\' or control byte (SSE2 / SWAR)
 *   2. UTF-8 validation (AVX2 or SSSE3 chosen at run time, scalar fallback)
 *   3. encoder: iterative, writes straight into the caller's buffer
 *   4. decoder: iterative parser with an explicit container stack
 *
 * Neither direction recurses, so the 2048-level depth limit costs heap (only
 * beyond 64 levels), not C stack.  No global mutable state: everything lives
 * in per-call structs on the caller's stack.
 */
#include "codec/wire_json.h"

#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* ------------------------------------------------------------------------ */
/* 1. Byte scanning                                                          */
/* ------------------------------------------------------------------------ */

/* A byte that ends a run of verbatim string bytes: the quote, the backslash
   and the C0 controls must be escaped in JSON.  Bytes >= 0x80 are not special
   here; UTF-8 is validated in a separate, whole-string pass. */
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
static const uchar *find_string_special(const uchar *p, const uchar *end)
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

/* Like find_string_special(), but also copies the plain run to dst in the
   same pass.  dst must have room for end - p bytes: whole blocks are stored
   before they are tested, so bytes after the run may be written too (the
   caller overwrites them). */
static const uchar *copy_string_plain(uchar *dst, const uchar *p,
    const uchar *end)
{
#if WIRE_HAVE_SSE2
	while (end - p >= 16) {
		const __m128i v = load16(p);
		_mm_storeu_si128((__m128i *)(void *)dst, v);
		const unsigned mask = (unsigned)_mm_movemask_epi8(
		    special_lanes(v));
		if (mask != 0)
			return p + __builtin_ctz(mask);
		p += 16;
		dst += 16;
	}
#else
	while (end - p >= 8 && !any_special8(p)) {
		memcpy(dst, p, 8);
		p += 8;
		dst += 8;
	}
#endif
	while (p < end && !is_string_special(*p))
		*dst++ = *p++;
	return p;
}

/* ------------------------------------------------------------------------ */
/* 2. UTF-8 validation                                                       */
/* ------------------------------------------------------------------------ */
/* Valid means what jansson's utf8_check_first/utf8_check_full accept: the
   shortest encoding of a code point <= U+10FFFF that is not a UTF-16
   surrogate, with no sequence cut off by the end of the buffer. */

/* p points at a byte >= 0x80; returns the byte after its sequence, or NULL
   when the sequence is invalid or truncated. */
static const uchar *utf8_sequence_end(const uchar *p, const uchar *end)
{
	const size_t avail = (size_t)(end - p);
	const uchar lead = p[0];
	uchar lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
	size_t len;

	if (lead < 0xC2) /* continuation byte, or overlong 0xC0/0xC1 lead */
		return NULL;
	if (lead < 0xE0) {
		len = 2;
	} else if (lead < 0xF0) {
		len = 3;
		if (lead == 0xE0)
			lo = 0xA0; /* overlong below U+0800 */
		else if (lead == 0xED)
			hi = 0x9F; /* surrogates U+D800..U+DFFF */
	} else if (lead < 0xF5) {
		len = 4;
		if (lead == 0xF0)
			lo = 0x90; /* overlong below U+10000 */
		else if (lead == 0xF4)
			hi = 0x8F; /* above U+10FFFF */
	} else {
		return NULL;
	}
	if (avail < len || p[1] < lo || p[1] > hi)
		return NULL;
	for (size_t i = 2; i < len; i++)
		if ((p[i] & 0xC0) != 0x80)
			return NULL;
	return p + len;
}

static bool utf8_valid_scalar(const uchar *p, const uchar *end)
{
	while (p < end) {
		/* ASCII fast path, 8 bytes at a time */
		while (end - p >= 8) {
			uint64_t w;
			memcpy(&w, p, sizeof w);
			if (w & UINT64_C(0x8080808080808080))
				break;
			p += 8;
		}
		while (p < end && *p < 0x80)
			p++;
		if (p == end)
			return true;
		p = utf8_sequence_end(p, end);
		if (p == NULL)
			return false;
	}
	return true;
}

#if WIRE_HAVE_X86_DISPATCH
/* Table-driven validation after Keiser & Lemire, "Validating UTF-8 in less
   than one instruction per byte" (2021): each byte is classified together
   with the byte before it through three 16-entry pshufb lookups (high and
   low nibble of the previous byte, high nibble of this byte); a bit that
   survives the AND names an error.  Longer sequences are checked by
   requiring that exactly the 3rd/4th bytes of 3-/4-byte sequences are
   continuation-after-continuation.  Written for 16-byte (SSSE3) and 32-byte
   (AVX2) vectors; the AVX2 one is used when the CPU has it. */
enum {
	U8_TOO_SHORT = 1 << 0,  /* lead byte not followed by a continuation */
	U8_TOO_LONG = 1 << 1,   /* ASCII followed by a continuation */
	U8_OVERLONG_3 = 1 << 2, /* E0 80..9F */
	U8_TOO_LARGE = 1 << 3,  /* F4 90..BF, F5.. */
	U8_SURROGATE = 1 << 4,  /* ED A0..BF */
	U8_OVERLONG_2 = 1 << 5, /* C0, C1 */
	U8_TOO_LARGE_1000 = 1 << 6, /* F5..FF 80..8F */
	U8_OVERLONG_4 = 1 << 6,     /* F0 80..8F */
	U8_TWO_CONTS = 1 << 7,      /* continuation after continuation */
	U8_CARRY = U8_TOO_SHORT | U8_TOO_LONG | U8_TWO_CONTS,
	U8_LARGE = U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000,
	U8_CONT_8 = U8_TOO_LONG | U8_OVERLONG_2 | U8_TWO_CONTS | U8_OVERLONG_3 |
	    U8_TOO_LARGE_1000 | U8_OVERLONG_4,
	U8_CONT_9 = U8_TOO_LONG | U8_OVERLONG_2 | U8_TWO_CONTS | U8_OVERLONG_3 |
	    U8_TOO_LARGE,
	U8_CONT_AB = U8_TOO_LONG | U8_OVERLONG_2 | U8_TWO_CONTS | U8_SURROGATE |
	    U8_TOO_LARGE,
};

/* Indexed by the high nibble of the previous byte. */
static const uchar u8_table_prev_high[16] = {
	/* 0_______ ASCII */
	U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG,
	U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG,
	/* 10______ continuation */
	U8_TWO_CONTS, U8_TWO_CONTS, U8_TWO_CONTS, U8_TWO_CONTS,
	/* 1100____, 1101____ two-byte leads */
	U8_TOO_SHORT | U8_OVERLONG_2, U8_TOO_SHORT,
	/* 1110____ three-byte lead */
	U8_TOO_SHORT | U8_OVERLONG_3 | U8_SURROGATE,
	/* 1111____ four-byte lead (or worse) */
	U8_TOO_SHORT | U8_TOO_LARGE | U8_TOO_LARGE_1000 | U8_OVERLONG_4,
};

/* Indexed by the low nibble of the previous byte. */
static const uchar u8_table_prev_low[16] = {
	/* 0 */ U8_CARRY | U8_OVERLONG_3 | U8_OVERLONG_2 | U8_OVERLONG_4,
	/* 1 */ U8_CARRY | U8_OVERLONG_2,
	/* 2, 3 */ U8_CARRY, U8_CARRY,
	/* 4 */ U8_CARRY | U8_TOO_LARGE,
	/* 5..C */ U8_LARGE, U8_LARGE, U8_LARGE, U8_LARGE,
	U8_LARGE, U8_LARGE, U8_LARGE, U8_LARGE,
	/* D */ U8_LARGE | U8_SURROGATE,
	/* E, F */ U8_LARGE, U8_LARGE,
};

/* Indexed by the high nibble of the current byte. */
static const uchar u8_table_cur_high[16] = {
	/* 0_______ ASCII */
	U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT,
	U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT,
	/* 1000____, 1001____, 101_____ continuations */
	U8_CONT_8, U8_CONT_9, U8_CONT_AB, U8_CONT_AB,
	/* 11______ leads */
	U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT,
};

/* A block ends inside a sequence when its third-last byte is >= 0xF0, its
   second-last >= 0xE0 or its last >= 0xC0 (saturating subtraction of these
   maxima leaves a non-zero byte).  The 16-byte version uses the tail. */
static const uchar u8_incomplete_max[32] = {
	0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
	0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
	0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
	0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xF0 - 1, 0xE0 - 1, 0xC0 - 1,
};

#define U8_LOAD128(ptr) _mm_loadu_si128((const __m128i *)(const void *)(ptr))
#define TARGET_SSSE3    __attribute__((target("ssse3")))
#define TARGET_AVX2     __attribute__((target("avx2")))

/* ---- 16-byte version (SSSE3) ---- */

typedef struct {
	__m128i prev;       /* previous 16 input bytes */
	__m128i incomplete; /* previous block ended inside a sequence */
	__m128i error;      /* accumulated error bits */
} u8_state128_t;

TARGET_SSSE3
static inline __m128i u8_errors128(__m128i in, __m128i prev)
{
	const __m128i nibble = _mm_set1_epi8(0x0F);
	const __m128i prev1 = _mm_alignr_epi8(in, prev, 15);
	const __m128i prev1_high =
	    _mm_and_si128(_mm_srli_epi16(prev1, 4), nibble);
	const __m128i prev1_low = _mm_and_si128(prev1, nibble);
	const __m128i in_high = _mm_and_si128(_mm_srli_epi16(in, 4), nibble);
	const __m128i by_prev_high =
	    _mm_shuffle_epi8(U8_LOAD128(u8_table_prev_high), prev1_high);
	const __m128i by_prev_low =
	    _mm_shuffle_epi8(U8_LOAD128(u8_table_prev_low), prev1_low);
	const __m128i by_in_high =
	    _mm_shuffle_epi8(U8_LOAD128(u8_table_cur_high), in_high);
	const __m128i special =
	    _mm_and_si128(_mm_and_si128(by_prev_high, by_prev_low), by_in_high);

	/* 2 and 3 bytes after a 3-/4-byte lead must be continuations */
	const __m128i prev2 = _mm_alignr_epi8(in, prev, 14);
	const __m128i prev3 = _mm_alignr_epi8(in, prev, 13);
	const __m128i third = _mm_subs_epu8(prev2, _mm_set1_epi8(0xE0 - 0x80));
	const __m128i fourth = _mm_subs_epu8(prev3, _mm_set1_epi8(0xF0 - 0x80));
	const __m128i must_be_cont = _mm_and_si128(
	    _mm_or_si128(third, fourth), _mm_set1_epi8((char)0x80));
	return _mm_xor_si128(must_be_cont, special);
}

TARGET_SSSE3
static inline void u8_step128(u8_state128_t *st, __m128i in)
{
	if (_mm_movemask_epi8(in) == 0) {
		/* all ASCII: only a sequence cut by the last block is wrong */
		st->error = _mm_or_si128(st->error, st->incomplete);
		st->incomplete = _mm_setzero_si128();
	} else {
		st->error = _mm_or_si128(st->error, u8_errors128(in, st->prev));
		st->incomplete = _mm_subs_epu8(in,
		    U8_LOAD128(u8_incomplete_max + 16));
	}
	st->prev = in;
}

TARGET_SSSE3
static bool utf8_valid_ssse3(const uchar *p, size_t n)
{
	u8_state128_t st = { _mm_setzero_si128(), _mm_setzero_si128(),
		_mm_setzero_si128() };
	size_t i = 0;

	for (; i + 64 <= n; i += 64) {
		const __m128i a = U8_LOAD128(p + i);
		const __m128i b = U8_LOAD128(p + i + 16);
		const __m128i c = U8_LOAD128(p + i + 32);
		const __m128i d = U8_LOAD128(p + i + 48);
		const __m128i all = _mm_or_si128(_mm_or_si128(a, b),
		    _mm_or_si128(c, d));

		if (_mm_movemask_epi8(all) == 0) {
			st.error = _mm_or_si128(st.error, st.incomplete);
			st.incomplete = _mm_setzero_si128();
			st.prev = d;
			continue;
		}
		u8_step128(&st, a);
		u8_step128(&st, b);
		u8_step128(&st, c);
		u8_step128(&st, d);
	}
	for (; i + 16 <= n; i += 16)
		u8_step128(&st, U8_LOAD128(p + i));
	if (i < n) {
		/* zero padding is ASCII: a sequence cut by the end fails */
		uchar tail[16] = { 0 };
		memcpy(tail, p + i, n - i);
		u8_step128(&st, U8_LOAD128(tail));
	}
	st.error = _mm_or_si128(st.error, st.incomplete);
	const __m128i ok = _mm_cmpeq_epi8(st.error, _mm_setzero_si128());
	return _mm_movemask_epi8(ok) == 0xFFFF;
}

#if WIRE_HAVE_AVX2_DISPATCH
/* ---- 32-byte version (AVX2) ---- */

#define U8_LOAD256(ptr) _mm256_loadu_si256((const __m256i *)(const void *)(ptr))

typedef struct {
	__m256i prev, incomplete, error;
} u8_state256_t;

/* the last N bytes of prev followed by the first 32 - N bytes of in */
#define U8_PREV256(in, prev, n)  \
	_mm256_alignr_epi8((in), \
	    _mm256_permute2x128_si256((prev), (in), 0x21), 16 - (n))

TARGET_AVX2
static inline __m256i u8_table256(const uchar table[16])
{
	return _mm256_broadcastsi128_si256(U8_LOAD128(table));
}

TARGET_AVX2
static inline __m256i u8_errors256(__m256i in, __m256i prev)
{
	const __m256i nibble = _mm256_set1_epi8(0x0F);
	const __m256i prev1 = U8_PREV256(in, prev, 1);
	const __m256i prev1_high =
	    _mm256_and_si256(_mm256_srli_epi16(prev1, 4), nibble);
	const __m256i prev1_low = _mm256_and_si256(prev1, nibble);
	const __m256i in_high =
	    _mm256_and_si256(_mm256_srli_epi16(in, 4), nibble);
	const __m256i by_prev_high =
	    _mm256_shuffle_epi8(u8_table256(u8_table_prev_high), prev1_high);
	const __m256i by_prev_low =
	    _mm256_shuffle_epi8(u8_table256(u8_table_prev_low), prev1_low);
	const __m256i by_in_high =
	    _mm256_shuffle_epi8(u8_table256(u8_table_cur_high), in_high);
	const __m256i special = _mm256_and_si256(
	    _mm256_and_si256(by_prev_high, by_prev_low), by_in_high);

	/* 2 and 3 bytes after a 3-/4-byte lead must be continuations */
	const __m256i prev2 = U8_PREV256(in, prev, 2);
	const __m256i prev3 = U8_PREV256(in, prev, 3);
	const __m256i third =
	    _mm256_subs_epu8(prev2, _mm256_set1_epi8(0xE0 - 0x80));
	const __m256i fourth =
	    _mm256_subs_epu8(prev3, _mm256_set1_epi8(0xF0 - 0x80));
	const __m256i must_be_cont = _mm256_and_si256(
	    _mm256_or_si256(third, fourth), _mm256_set1_epi8((char)0x80));
	return _mm256_xor_si256(must_be_cont, special);
}

/* No ASCII shortcut per block: in mixed text that branch mispredicts more
   than the full check costs. */
TARGET_AVX2
static inline void u8_step256(u8_state256_t *st, __m256i in)
{
	st->error = _mm256_or_si256(st->error, u8_errors256(in, st->prev));
	st->incomplete = _mm256_subs_epu8(in, U8_LOAD256(u8_incomplete_max));
	st->prev = in;
}

TARGET_AVX2
static bool utf8_valid_avx2(const uchar *p, size_t n)
{
	u8_state256_t st = { _mm256_setzero_si256(), _mm256_setzero_si256(),
		_mm256_setzero_si256() };
	size_t i = 0;

	for (; i + 64 <= n; i += 64) {
		const __m256i a = U8_LOAD256(p + i), b = U8_LOAD256(p + i + 32);
		if (_mm256_movemask_epi8(_mm256_or_si256(a, b)) == 0) {
			st.error = _mm256_or_si256(st.error, st.incomplete);
			st.incomplete = _mm256_setzero_si256();
			st.prev = b;
			continue;
		}
		u8_step256(&st, a);
		u8_step256(&st, b);
	}
	for (; i + 32 <= n; i += 32)
		u8_step256(&st, U8_LOAD256(p + i));
	if (i < n) {
		uchar tail[32] = { 0 };
		memcpy(tail, p + i, n - i);
		u8_step256(&st, U8_LOAD256(tail));
	}
	st.error = _mm256_or_si256(st.error, st.incomplete);
	return _mm256_testz_si256(st.error, st.error) != 0;
}
#endif /* WIRE_HAVE_AVX2_DISPATCH */
#endif /* WIRE_HAVE_X86_DISPATCH */

static bool utf8_valid(const uchar *p, size_t n)
{
#if WIRE_HAVE_X86_DISPATCH
	/* short strings: the scalar loop (8 ASCII bytes per step) wins */
	if (n >= 64) {
#if WIRE_HAVE_AVX2_DISPATCH
		if (__builtin_cpu_supports("avx2"))
			return utf8_valid_avx2(p, n);
#endif
		if (__builtin_cpu_supports("ssse3"))
			return utf8_valid_ssse3(p, n);
	}
#endif
	return utf8_valid_scalar(p, p + n);
}

/* Offset of the first invalid byte; only used to report errors. */
static size_t utf8_first_invalid(const uchar *begin, const uchar *end)
{
	const uchar *p = begin;
	while (p < end) {
		if (*p < 0x80) {
			p++;
			continue;
		}
		const uchar *next = utf8_sequence_end(p, end);
		if (next == NULL)
			break;
		p = next;
	}
	return (size_t)(p - begin);
}

/* ------------------------------------------------------------------------ */
/* 3. Encoder                                                                */
/* ------------------------------------------------------------------------ */

/* Output cursor.  `len` counts every byte the encoding needs, including bytes
   that did not fit; a chunk is copied only if it fits entirely, so nothing is
   ever written at or past buf[cap]. */
typedef struct {
	char *buf;
	size_t cap;
	size_t len;
} out_t;

/* Room for n more bytes at the cursor? */
static inline bool out_has_room(const out_t *o, size_t n)
{
	return o->len <= o->cap && n <= o->cap - o->len;
}

static inline void out_put(out_t *o, const void *src, size_t n)
{
	if (n != 0 && out_has_room(o, n))
		memcpy(o->buf + o->len, src, n);
	o->len += n;
}

static inline void out_byte(out_t *o, char c)
{
	if (o->len < o->cap)
		o->buf[o->len] = c;
	o->len++;
}

/* The letter of a two-character escape such as \n, or 0 for \u00XX. */
static char short_escape_letter(uchar c)
{
	switch (c) {
	case '"':
	case '\\':
		return (char)c;
	case '\b':
		return 'b';
	case '\f':
		return 'f';
	case '\n':
		return 'n';
	case '\r':
		return 'r';
	case '\t':
		return 't';
	default:
		return 0;
	}
}

/* Escapes c ('"', '\\' or a control byte) exactly as jansson does. */
static void out_escape(out_t *o, uchar c)
{
	static const char hex[] = "0123456789ABCDEF"; /* \u%04X */
	const char letter = short_escape_letter(c);
	const char seq[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF] };

	if (letter != 0) {
		const char two[2] = { '\\', letter };
		out_put(o, two, 2);
	} else {
		out_put(o, seq, 6);
	}
}

/* Validates the whole string first (one fast pass), then copies plain runs
   straight into the output while scanning for bytes to escape.  When the
   rest cannot fit, the encoding is too big anyway and is only measured. */
static bool encode_string(out_t *o, const char *str, size_t n)
{
	const uchar *p = (const uchar *)str;
	const uchar *const end = p + n;

	if (!utf8_valid(p, n))
		return false;
	out_byte(o, '"');
	for (;;) {
		const size_t rest = (size_t)(end - p);
		const uchar *run_end = out_has_room(o, rest + 1)
		    ? copy_string_plain((uchar *)o->buf + o->len, p, end)
		    : find_string_special(p, end);
		o->len += (size_t)(run_end - p);
		p = run_end;
		if (p == end)
			break;
		out_escape(o, *p++);
	}
	out_byte(o, '"');
	return true;
}

static void encode_integer(out_t *o, json_int_t value)
{
	static const char pairs[] =
	    "00010203040506070809101112131415161718192021222324"
	    "25262728293031323334353637383940414243444546474849"
	    "50515253545556575859606162636465666768697071727374"
	    "75767778798081828384858687888990919293949596979899";
	char tmp[24];
	char *const end = tmp + sizeof tmp;
	char *p = end;
	/* negate in unsigned arithmetic so LLONG_MIN works */
	unsigned long long u = (unsigned long long)value;

	if (value < 0)
		u = 0ULL - u;

	while (u >= 100) {
		const size_t i = (size_t)(u % 100) * 2;
		u /= 100;
		*--p = pairs[i + 1];
		*--p = pairs[i];
	}
	if (u >= 10) {
		const size_t i = (size_t)u * 2;
		*--p = pairs[i + 1];
		*--p = pairs[i];
	} else {
		*--p = (char)('0' + u);
	}
	if (value < 0)
		*--p = '-';
	out_put(o, p, (size_t)(end - p));
}

static inline bool is_digit(uchar c)
{
	return c >= '0' && c <= '9';
}

/* Copies the exponent of printf's "e+07" from printed[i] as jansson writes
   it ("e7": no '+', no leading zeros) and returns the index after it. */
static size_t copy_exponent(const char *printed, size_t i, char *text,
    size_t *n)
{
	text[(*n)++] = 'e';
	i++;
	if (printed[i] == '-')
		text[(*n)++] = printed[i++];
	else if (printed[i] == '+')
		i++;
	while (printed[i] == '0' && is_digit((uchar)printed[i + 1]))
		i++;
	while (is_digit((uchar)printed[i]))
		text[(*n)++] = printed[i++];
	return i;
}

/* Same text as jansson 2.14's jsonp_dtostr() at precision 0: "%.17g" with
   the locale's decimal point written as '.', ".0" appended when there is
   neither a point nor an exponent (so the value decodes as a real again),
   and the exponent as copy_exponent() writes it. */
static bool encode_real(out_t *o, double value)
{
	char printed[64];
	char text[sizeof printed + 2];
	bool point_or_exp = false;
	size_t len, i = 0, n = 0;
	int rc;

	if (!isfinite(value))
		return false;
	rc = snprintf(printed, sizeof printed, "%.17g", value);
	if (rc < 0 || (size_t)rc >= sizeof printed)
		return false;
	len = (size_t)rc;
	while (i < len) {
		const uchar c = (uchar)printed[i];

		if (is_digit(c) || c == '-') {
			text[n++] = printed[i++];
		} else if (c == 'e') {
			point_or_exp = true;
			i = copy_exponent(printed, i, text, &n);
		} else {
			/* the decimal point: any run of other bytes, since a
			   locale's radix may be multi-byte */
			point_or_exp = true;
			text[n++] = '.';
			while (i < len && !is_digit((uchar)printed[i]))
				i++;
		}
	}
	if (!point_or_exp) {
		text[n++] = '.';
		text[n++] = '0';
	}
	out_put(o, text, n);
	return true;
}

/* Grows a stack or buffer that starts in an inline array and moves to the
   heap once it outgrows it.  Returns the new block or NULL (the old one is
   then untouched). */
static void *grow_inline_buffer(void *block, const void *inline_block,
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

#define ENCODE_STACK_INLINE 64 /* open containers tracked without malloc */

/* An open container and where its iteration stands.  Non-const only
   because jansson's iterator functions want that; nothing is modified. */
typedef struct {
	json_t *container;
	size_t next_index; /* arrays */
	void *next_member; /* objects */
} enc_frame_t;

typedef struct {
	out_t out;
	enc_frame_t *stack;
	size_t stack_len, stack_cap;
	enc_frame_t stack_inline[ENCODE_STACK_INLINE];
} encoder_t;

static enc_frame_t *enc_push(encoder_t *e, const json_t *container)
{
	if (e->stack_len == e->stack_cap) {
		const size_t cap = e->stack_cap * 2;
		enc_frame_t *grown = grow_inline_buffer(e->stack,
		    e->stack_inline, e->stack_len, cap, sizeof *grown);

		if (grown == NULL)
			return NULL;
		e->stack = grown;
		e->stack_cap = cap;
	}
	e->stack[e->stack_len] =
	    (enc_frame_t){ (json_t *)(uintptr_t)container, 0, NULL };
	return &e->stack[e->stack_len++];
}

/* Emits `"key":` of the member at it and returns its value. */
static const json_t *enc_member(encoder_t *e, void *it)
{
	const char *key = json_object_iter_key(it);

	if (!encode_string(&e->out, key, json_object_iter_key_len(it)))
		return NULL;
	out_byte(&e->out, ':');
	return json_object_iter_value(it);
}

/* Emits '[' and pushes a non-empty array, whose first element becomes
   *child; an empty one is closed at once. */
static bool enc_open_array(encoder_t *e, const json_t *array,
    const json_t **child)
{
	enc_frame_t *frame;

	out_byte(&e->out, '[');
	if (json_array_size(array) == 0) {
		out_byte(&e->out, ']');
		return true;
	}
	frame = enc_push(e, array);
	if (frame == NULL)
		return false;
	frame->next_index = 1;
	*child = json_array_get(array, 0);
	return *child != NULL;
}

/* Emits '{' and pushes a non-empty object, emits its first key and makes
   the first value *child; an empty one is closed at once. */
static bool enc_open_object(encoder_t *e, const json_t *object,
    const json_t **child)
{
	void *it = json_object_iter((json_t *)(uintptr_t)object);
	enc_frame_t *frame;

	out_byte(&e->out, '{');
	if (it == NULL) {
		out_byte(&e->out, '}');
		return true;
	}
	frame = enc_push(e, object);
	if (frame == NULL)
		return false;
	frame->next_member = json_object_iter_next(frame->container, it);
	*child = enc_member(e, it);
	return *child != NULL;
}

/* Emits a scalar, or opens a container.  *child becomes the container's
   first value, NULL for scalars and empty containers. */
static bool enc_open_value(encoder_t *e, const json_t *v, const json_t **child)
{
	*child = NULL;
	switch (json_typeof(v)) {
	case JSON_NULL:
		out_put(&e->out, "null", 4);
		return true;
	case JSON_TRUE:
		out_put(&e->out, "true", 4);
		return true;
	case JSON_FALSE:
		out_put(&e->out, "false", 5);
		return true;
	case JSON_INTEGER:
		encode_integer(&e->out, json_integer_value(v));
		return true;
	case JSON_REAL:
		return encode_real(&e->out, json_real_value(v));
	case JSON_STRING:
		return encode_string(&e->out, json_string_value(v),
		    json_string_length(v));
	case JSON_ARRAY:
		return enc_open_array(e, v, child);
	case JSON_OBJECT:
		return enc_open_object(e, v, child);
	}
	return false;
}

/* After a complete value: closes finished containers and returns the next
   value to emit (after its ',' and key), or NULL with *done set when the
   document is complete (*done clear means an error). */
static const json_t *enc_next_value(encoder_t *e, bool *done)
{
	*done = false;
	while (e->stack_len != 0) {
		enc_frame_t *top = &e->stack[e->stack_len - 1];
		if (json_is_array(top->container)) {
			if (top->next_index < json_array_size(top->container)) {
				out_byte(&e->out, ',');
				return json_array_get(top->container,
				    top->next_index++);
			}
			out_byte(&e->out, ']');
		} else {
			void *it = top->next_member;
			if (it != NULL) {
				top->next_member =
				    json_object_iter_next(top->container, it);
				out_byte(&e->out, ',');
				return enc_member(e, it);
			}
			out_byte(&e->out, '}');
		}
		e->stack_len--;
	}
	*done = true;
	return NULL;
}

/* Iterative, so nesting costs heap rather than C stack.  Depth counts like
   jansson's parser: the top-level value is at depth 1, and nothing deeper
   than WIRE_JSON_MAX_DEPTH is written (it also ends reference cycles). */
static bool encode_document(encoder_t *e, const json_t *v)
{
	for (;;) {
		if (v == NULL || e->stack_len >= WIRE_JSON_MAX_DEPTH)
			return false;
		const json_t *child;
		if (!enc_open_value(e, v, &child))
			return false;
		if (child != NULL) {
			v = child;
			continue;
		}
		bool done;
		v = enc_next_value(e, &done);
		if (done)
			return true;
	}
}

size_t shmrpc__wire_json_encode(const json_t *v, char *buf, size_t cap)
{
	/* not zero-initialised: the inline stack needs no clearing */
	encoder_t enc;
	bool ok;

	enc.out = (out_t){ buf, buf == NULL ? 0 : cap, 0 };
	enc.stack = enc.stack_inline;
	enc.stack_len = 0;
	enc.stack_cap = ENCODE_STACK_INLINE;

	ok = encode_document(&enc, v);
	if (enc.stack != enc.stack_inline)
		free(enc.stack);
	return ok ? enc.out.len : 0;
}

size_t shmrpc__wire_json_encode_string(const char *str, size_t n, char *buf,
    size_t cap)
{
	out_t o = { buf, buf == NULL ? 0 : cap, 0 };

	if (str == NULL || !encode_string(&o, str, n))
		return 0;
	return o.len;
}

/* ------------------------------------------------------------------------ */
/* 4. Decoder                                                                */
/* ------------------------------------------------------------------------ */

#define STACK_INLINE   64  /* containers tracked without malloc */
#define SCRATCH_INLINE 256 /* bytes of unescaped string held without malloc */
#define KEY_INLINE     48  /* object keys copied out of the input this short
			      go to the key itself, not to scratch */

/* A decoded string: either a slice of the input (no escapes) or a slice of
   the scratch stack, addressed by offset because the scratch may move. */
typedef struct {
	const char *input_ptr; /* NULL when the text lives in scratch; a key
				  may point at its own `copy` instead */
	size_t scratch_off;
	size_t len;
	char copy[KEY_INLINE];
} str_ref_t;

typedef struct {
	const uchar *begin, *p, *end;
	json_error_t *err;
	bool failed;

	/* open containers, innermost last; they are already attached to their
	   parent, so on error only the root needs a decref */
	json_t **stack;
	size_t stack_len, stack_cap;
	json_t *stack_inline[STACK_INLINE];

	/* LIFO byte arena for strings with escapes: a pending object key stays
	   below the value being decoded */
	char *scratch;
	size_t scratch_len, scratch_cap;
	char scratch_inline[SCRATCH_INLINE];
} parser_t;

/* Fills err like jansson's error_set().  Line and column are computed
   here, on the error path only, rather than tracked while parsing. */
static void error_fill(json_error_t *err, const uchar *begin, const uchar *at,
    enum json_error_code code, const char *msg)
{
	int line = 1, column = 0;

	if (err == NULL)
		return;
	for (const uchar *q = begin; q < at; q++) {
		if (*q == '\n') {
			line++;
			column = 0;
		} else if ((*q & 0xC0) != 0x80) {
			column++; /* characters, not continuation bytes */
		}
	}
	err->line = line;
	err->column = column;
	err->position = (int)(at - begin);
	snprintf(err->source, sizeof err->source, "%s", "<buffer>");
	snprintf(err->text, JSON_ERROR_TEXT_LENGTH - 1, "%s", msg);
	/* json_error_code() reads the code from the last byte */
	err->text[JSON_ERROR_TEXT_LENGTH - 1] = (char)code;
}

/* Records the first failure only; callers just propagate NULL/false. */
static void fail_at(parser_t *ps, const uchar *at, enum json_error_code code,
    const char *msg)
{
	if (ps->failed)
		return;
	ps->failed = true;
	error_fill(ps->err, ps->begin, at, code, msg);
}

static void fail(parser_t *ps, enum json_error_code code, const char *msg)
{
	fail_at(ps, ps->p, code, msg);
}

static void fail_oom(parser_t *ps)
{
	fail(ps, json_error_out_of_memory, "out of memory");
}

static inline bool is_json_space(uchar c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

static inline void skip_whitespace(parser_t *ps)
{
	const uchar *p = ps->p;

	while (p < ps->end && is_json_space(*p))
		p++;
	ps->p = p;
}

/* jansson quirk, reproduced: its lexer reads one byte past a number or a
   true/false/null and pushes it back; a pushed-back NUL byte is lost (its
   one-character buffer treats NUL as "empty").  So json_loadb accepts
   "1\0" and "[true\0,2]", but not "1\0\0" or "[1 \0]". */
static void skip_nul_after_bare_token(parser_t *ps)
{
	if (ps->p < ps->end && *ps->p == '\0')
		ps->p++;
}

/* --- scratch arena ------------------------------------------------------ */

static bool scratch_reserve(parser_t *ps, size_t extra)
{
	size_t cap = ps->scratch_cap * 2;
	char *grown;

	if (ps->scratch_cap - ps->scratch_len >= extra)
		return true;
	if (cap - ps->scratch_len < extra)
		cap = ps->scratch_len + extra;
	grown = grow_inline_buffer(ps->scratch, ps->scratch_inline,
	    ps->scratch_len, cap, 1);
	if (grown == NULL) {
		fail_oom(ps);
		return false;
	}
	ps->scratch = grown;
	ps->scratch_cap = cap;
	return true;
}

static bool scratch_append(parser_t *ps, const void *src, size_t n)
{
	if (!scratch_reserve(ps, n))
		return false;
	if (n != 0)
		memcpy(ps->scratch + ps->scratch_len, src, n);
	ps->scratch_len += n;
	return true;
}

static inline const char *str_ref_ptr(const parser_t *ps, const str_ref_t *s)
{
	if (s->input_ptr != NULL)
		return s->input_ptr;
	return ps->scratch + s->scratch_off;
}

/* --- strings ------------------------------------------------------------ */

static int hex_digit_value(uchar c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (uchar)(c | 0x20); /* ASCII lower case */
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Reads "XXXX" at p (4 hex digits); returns the value or -1. */
static long read_hex4(const uchar *p, const uchar *end)
{
	long value = 0;
	if (end - p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		const int d = hex_digit_value(p[i]);
		if (d < 0)
			return -1;
		value = value * 16 + d;
	}
	return value;
}

static size_t utf8_encode(unsigned long cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* The character a one-letter escape stands for, or -1. */
static int simple_escape_value(uchar letter)
{
	switch (letter) {
	case '"':
	case '\\':
	case '/':
		return letter;
	case 'b':
		return '\b';
	case 'f':
		return '\f';
	case 'n':
		return '\n';
	case 'r':
		return '\r';
	case 't':
		return '\t';
	default:
		return -1;
	}
}

/* p is at the 'u' of "\uXXXX".  Stores the code point and returns the byte
   after the escape, or NULL.  A surrogate is only valid as a high one
   immediately followed by an escaped low one; lone ones are rejected, as
   jansson does. */
static const uchar *read_unicode_escape(parser_t *ps, const uchar *p,
    long *cp)
{
	const uchar *const end = ps->end;
	long low;

	*cp = read_hex4(p + 1, end);
	if (*cp < 0) {
		fail(ps, json_error_invalid_syntax, "invalid \\u escape");
		return NULL;
	}
	p += 5;
	if (*cp >= 0xDC00 && *cp <= 0xDFFF) {
		fail(ps, json_error_invalid_syntax, "lone low surrogate");
		return NULL;
	}
	if (*cp < 0xD800 || *cp > 0xDBFF)
		return p;
	low = -1;
	if (end - p >= 2 && p[0] == '\\' && p[1] == 'u')
		low = read_hex4(p + 2, end);
	if (low < 0xDC00 || low > 0xDFFF) {
		fail(ps, json_error_invalid_syntax, "lone high surrogate");
		return NULL;
	}
	*cp = 0x10000 + ((*cp - 0xD800) << 10) + (low - 0xDC00);
	return p + 6;
}

/* ps->p is at a backslash.  Appends the decoded character to scratch and
   advances past the escape. */
static bool decode_escape(parser_t *ps)
{
	const uchar *p = ps->p + 1;
	char utf8[4];
	size_t n;

	if (p == ps->end) {
		fail(ps, json_error_premature_end_of_input,
		    "unterminated string");
		return false;
	}
	if (*p == 'u') {
		long cp;

		p = read_unicode_escape(ps, p, &cp);
		if (p == NULL)
			return false;
		n = utf8_encode((unsigned long)cp, utf8);
	} else {
		const int c = simple_escape_value(*p);

		if (c < 0) {
			fail(ps, json_error_invalid_syntax, "invalid escape");
			return false;
		}
		utf8[0] = (char)c;
		n = 1;
		p++;
	}
	if (!scratch_append(ps, utf8, n))
		return false;
	ps->p = p;
	return true;
}

/* Slow path for a string with escapes: the verbatim prefix [start, ps->p)
   and everything after goes to the scratch arena. */
static bool scan_escaped_string(parser_t *ps, const uchar *start,
    str_ref_t *out)
{
	const size_t off = ps->scratch_len;

	if (!scratch_append(ps, start, (size_t)(ps->p - start)))
		return false;
	for (;;) {
		/* invariant: ps->p is at a special byte or at the end */
		if (ps->p == ps->end) {
			fail(ps, json_error_premature_end_of_input,
			    "unterminated string");
			return false;
		}
		const uchar c = *ps->p;
		if (c == '"')
			break;
		if (c != '\\') {
			fail(ps, json_error_invalid_syntax,
			    "control character in string");
			return false;
		}
		if (!decode_escape(ps))
			return false;
		const uchar *run = ps->p;
		ps->p = find_string_special(run, ps->end);
		if (!scratch_append(ps, run, (size_t)(ps->p - run)))
			return false;
	}
	ps->p++; /* closing quote */
	out->input_ptr = NULL;
	out->scratch_off = off;
	out->len = ps->scratch_len - off;
	return true;
}

/* ps->p is at the opening quote.  Bytes >= 0x80 are plain content here:
   UTF-8 is checked on the private copy the caller makes (see
   parse_string_value()). */
static bool scan_string(parser_t *ps, str_ref_t *out)
{
	const uchar *start = ps->p + 1;
	const uchar *q = find_string_special(start, ps->end);

	if (WIRE_LIKELY(q < ps->end && *q == '"')) {
		out->input_ptr = (const char *)start;
		out->scratch_off = 0;
		out->len = (size_t)(q - start);
		ps->p = q + 1;
		return true;
	}
	ps->p = q;
	return scan_escaped_string(ps, start, out);
}

/*
 * Strings are checked for UTF-8 after they are copied out of the input,
 * not in it: on the futex transport the input is shared memory that a
 * misbehaving peer can rewrite while we parse, and a check of bytes that
 * are read again afterwards would prove nothing about what was copied.
 * This way every json_t string we return is valid UTF-8 whatever the peer
 * does.  Together with jansson's "reads everything it accepts" this is
 * also exactly jansson's answer: a document is accepted only if all its
 * strings are valid, and every byte outside strings is ASCII grammar.
 */

/* Whether the n bytes at p are ASCII (and, if no_nul, free of NUL): the
   usual short names and ids, answered without a call. */
static inline bool short_ascii(const uchar *p, size_t n, bool no_nul)
{
	const uint64_t ones = UINT64_C(0x0101010101010101);
	uint64_t flags = 0;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, sizeof w);
		/* a byte's 0x80 bit: set in w, or set by the borrow of a
		   zero byte (a false positive needs a real one below) */
		flags |= no_nul ? w | ((w - ones) & ~w) : w;
	}
	for (; i < n; i++)
		flags |= p[i] | (no_nul && p[i] == 0 ? 0x80u : 0u);
	return (flags & (ones * 0x80)) == 0;
}

static bool private_utf8_ok(parser_t *ps, const uchar *at, const char *copy,
    size_t len)
{
	const uchar *p = (const uchar *)copy;

	if (len < 64 && short_ascii(p, len, false))
		return true;
	if (WIRE_LIKELY(utf8_valid(p, len)))
		return true;
	fail_at(ps, at, json_error_invalid_utf8, "invalid UTF-8 in string");
	return false;
}

static json_t *parse_string_value(parser_t *ps)
{
	const uchar *at = ps->p;
	const size_t mark = ps->scratch_len;
	str_ref_t s;

	if (!scan_string(ps, &s))
		return NULL;
	/* NUL inside values is fine: WIRE_JSON_LOAD_FLAGS has JSON_ALLOW_NUL */
	json_t *v = json_stringn_nocheck(str_ref_ptr(ps, &s), s.len);
	ps->scratch_len = mark;
	if (v == NULL) {
		fail_oom(ps);
		return NULL;
	}
	if (!private_utf8_ok(ps, at, json_string_value(v), s.len)) {
		json_decref(v);
		return NULL;
	}
	return v;
}

/* --- numbers ------------------------------------------------------------ */

/* Lexical parts of a number token, already checked against the grammar
   -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
typedef struct {
	bool negative;
	bool exp_negative;
	const uchar *int_digits, *int_end;
	const uchar *frac_digits, *frac_end; /* empty: no fraction */
	const uchar *exp_digits, *exp_end;   /* empty: no exponent */
} number_text_t;

static const uchar *skip_digits(const uchar *p, const uchar *end)
{
	while (p < end && is_digit(*p))
		p++;
	return p;
}

static bool lex_number(parser_t *ps, number_text_t *t)
{
	const uchar *p = ps->p;
	const uchar *const end = ps->end;

	memset(t, 0, sizeof *t);
	if (*p == '-') {
		t->negative = true;
		p++;
	}
	t->int_digits = p;
	if (p < end && *p == '0') {
		p++;
		if (p < end && is_digit(*p)) {
			fail_at(ps, p, json_error_invalid_syntax,
			    "leading zero in number");
			return false;
		}
	} else {
		p = skip_digits(p, end);
	}
	t->int_end = p;
	if (t->int_end == t->int_digits) {
		fail_at(ps, p, json_error_invalid_syntax, "digit expected");
		return false;
	}
	t->frac_digits = t->frac_end = p;
	if (p < end && *p == '.') {
		t->frac_digits = ++p;
		p = skip_digits(p, end);
		t->frac_end = p;
		if (t->frac_end == t->frac_digits) {
			fail_at(ps, p, json_error_invalid_syntax,
			    "digit expected after '.'");
			return false;
		}
	}
	t->exp_digits = t->exp_end = p;
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			t->exp_negative = *p++ == '-';
		t->exp_digits = p;
		p = skip_digits(p, end);
		t->exp_end = p;
		if (t->exp_end == t->exp_digits) {
			fail_at(ps, p, json_error_invalid_syntax,
			    "digit expected in exponent");
			return false;
		}
	}
	ps->p = p;
	return true;
}

#if JSON_INTEGER_IS_LONG_LONG
#define WIRE_JSON_INT_MAX LLONG_MAX
#else
#define WIRE_JSON_INT_MAX LONG_MAX
#endif

/* jansson uses strtoll: anything outside json_int_t is an error, not a real */
static json_t *make_integer(parser_t *ps, const number_text_t *t,
    const uchar *start)
{
	const unsigned long long limit = (unsigned long long)WIRE_JSON_INT_MAX +
	    (t->negative ? 1ULL : 0ULL);
	unsigned long long acc = 0;

	for (const uchar *p = t->int_digits; p < t->int_end; p++) {
		const unsigned d = (unsigned)(*p - '0');
		if (acc > (limit - d) / 10) {
			fail_at(ps, start, json_error_numeric_overflow,
			    "integer out of range");
			return NULL;
		}
		acc = acc * 10 + d;
	}
	json_int_t value;
	if (!t->negative)
		value = (json_int_t)acc;
	else if (acc == 0)
		value = 0; /* "-0" is the integer 0, as with strtoll */
	else
		value = -(json_int_t)(acc - 1) - 1;
	json_t *v = json_integer(value);
	if (v == NULL)
		fail_oom(ps);
	return v;
}

/* Value of the exponent digits, saturated far beyond the point where every
   result is 0 or overflows (inputs are far shorter than 10^15 digits), so
   absurd exponents cannot overflow the arithmetic. */
static long long exponent_value(const number_text_t *t)
{
	const long long saturation = 1000000000000000LL;
	long long value = 0;

	for (const uchar *p = t->exp_digits; p < t->exp_end; p++)
		if (value < saturation)
			value = value * 10 + (*p - '0');
	return t->exp_negative ? -value : value;
}

/* |value| = significand * 10^exp10, significand limited to 19 digits. */
typedef struct {
	uint64_t significand; /* 0 iff every digit is 0 */
	bool truncated;       /* more than 19 significant digits: not exact */
	long long exp10;
} decimal_t;

static void decimal_add_digits(decimal_t *d, int *sig, const uchar *p,
    const uchar *end)
{
	for (; p < end; p++) {
		const unsigned digit = (unsigned)(*p - '0');
		if (*sig == 0 && digit == 0)
			continue; /* leading zeros are not significant */
		if (*sig < 19) {
			d->significand = d->significand * 10 + digit;
			(*sig)++;
		} else {
			d->truncated = true;
		}
	}
}

static decimal_t decimal_from_text(const number_text_t *t)
{
	decimal_t d = { 0, false, 0 };
	int sig = 0;

	decimal_add_digits(&d, &sig, t->int_digits, t->int_end);
	decimal_add_digits(&d, &sig, t->frac_digits, t->frac_end);
	d.exp10 = exponent_value(t) - (long long)(t->frac_end - t->frac_digits);
	return d;
}

/* Exact powers of ten representable in a double. */
static const double exact_pow10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
	1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
	1e20, 1e21, 1e22 };

/* Clinger's fast path: for a significand <= 2^53 and |exp10| <= 22 both
   operands are exact doubles, so one correctly rounded multiplication or
   division gives the correctly rounded result, i.e. what strtod returns.
   Needs double arithmetic without excess precision. */
static bool real_fast_path(const decimal_t *d, double *magnitude)
{
#if FLT_EVAL_METHOD == 0
	if (d->truncated || d->significand > (UINT64_C(1) << 53) ||
	    d->exp10 < -22 || d->exp10 > 22)
		return false;
	const double m = (double)d->significand;
	if (d->exp10 < 0)
		*magnitude = m / exact_pow10[-d->exp10];
	else
		*magnitude = m * exact_pow10[d->exp10];
	return true;
#else
	(void)d;
	(void)magnitude;
	return false;
#endif
}

/* General case through strtod, like jansson (glibc's strtod is correctly
   rounded).  The digits are rewritten as "DIGITSe<exp10>" without a decimal
   point, so the result does not depend on the locale's radix character. */
static bool real_slow_path(parser_t *ps, const number_text_t *t,
    const decimal_t *d, const uchar *start, double *magnitude)
{
	const size_t int_len = (size_t)(t->int_end - t->int_digits);
	const size_t frac_len = (size_t)(t->frac_end - t->frac_digits);
	const size_t need = int_len + frac_len + 32; /* + "e-<20 digits>\0" */
	char small[128];
	char *text = small;

	if (need > sizeof small) {
		text = malloc(need);
		if (text == NULL) {
			fail_oom(ps);
			return false;
		}
	}
	memcpy(text, t->int_digits, int_len);
	memcpy(text + int_len, t->frac_digits, frac_len);
	snprintf(text + int_len + frac_len, need - int_len - frac_len, "e%lld",
	    d->exp10);

	const int saved_errno = errno;
	errno = 0;
	const double value = strtod(text, NULL);
	/* like jansson, only overflow is an error; underflow gives 0 */
	const bool overflow = value == HUGE_VAL && errno == ERANGE;
	errno = saved_errno;
	if (text != small)
		free(text);
	if (overflow) {
		fail_at(ps, start, json_error_numeric_overflow,
		    "real number overflow");
		return false;
	}
	*magnitude = value;
	return true;
}

static json_t *parse_number(parser_t *ps)
{
	const uchar *start = ps->p;
	number_text_t t;

	if (!lex_number(ps, &t))
		return NULL;
	skip_nul_after_bare_token(ps);
	if (t.frac_end == t.frac_digits && t.exp_end == t.exp_digits)
		return make_integer(ps, &t, start);

	const decimal_t d = decimal_from_text(&t);
	double magnitude = 0.0; /* all digits zero: 0 whatever the exponent */
	if (d.significand != 0 && !real_fast_path(&d, &magnitude) &&
	    !real_slow_path(ps, &t, &d, start, &magnitude))
		return NULL;
	/* round-to-nearest is symmetric, so negating afterwards is exact;
	   "-0.0" stays a negative zero like strtod's */
	json_t *v = json_real(t.negative ? -magnitude : magnitude);
	if (v == NULL)
		fail_oom(ps);
	return v;
}

/* --- values and containers ---------------------------------------------- */

static json_t *parse_literal(parser_t *ps, const char *word, size_t len,
    json_t *value)
{
	if ((size_t)(ps->end - ps->p) < len || memcmp(ps->p, word, len) != 0) {
		fail(ps, json_error_invalid_syntax, "invalid literal");
		return NULL;
	}
	ps->p += len;
	skip_nul_after_bare_token(ps);
	return value;
}

/* Parses one value token.  For '[' and '{' returns the new, still empty
   container; the caller fills it. */
static json_t *parse_value_token(parser_t *ps)
{
	json_t *v;

	if (ps->p == ps->end) {
		fail(ps, json_error_premature_end_of_input, "value expected");
		return NULL;
	}
	if (*ps->p == '-' || is_digit(*ps->p))
		return parse_number(ps);
	switch (*ps->p) {
	case '"':
		return parse_string_value(ps);
	case '{':
		v = json_object();
		break;
	case '[':
		v = json_array();
		break;
	case 't':
		return parse_literal(ps, "true", 4, json_true());
	case 'f':
		return parse_literal(ps, "false", 5, json_false());
	case 'n':
		return parse_literal(ps, "null", 4, json_null());
	default:
		fail(ps, json_error_invalid_syntax, "invalid token");
		return NULL;
	}
	if (v == NULL) {
		fail_oom(ps);
		return NULL;
	}
	ps->p++;
	return v;
}

/* Moves a key that is still in the input to a copy of our own and checks
   it there, as values are (see private_utf8_ok()); jansson copies it once
   more when it is set.  at: the key's opening quote, for errors. */
static bool own_key(parser_t *ps, const uchar *at, str_ref_t *key)
{
	if (key->input_ptr != NULL && key->len <= KEY_INLINE) {
		memcpy(key->copy, key->input_ptr, key->len);
		key->input_ptr = key->copy;
	} else if (key->input_ptr != NULL) {
		const size_t off = ps->scratch_len;
		if (!scratch_append(ps, key->input_ptr, key->len))
			return false;
		key->input_ptr = NULL;
		key->scratch_off = off;
	}
	const char *copy = str_ref_ptr(ps, key);
	if (key->len < 64 && short_ascii((const uchar *)copy, key->len, true))
		return true;
	if (memchr(copy, '\0', key->len) != NULL) {
		/* jansson rejects these whatever the flags */
		fail_at(ps, at, json_error_null_byte_in_key,
		    "NUL byte in object key");
		return false;
	}
	return private_utf8_ok(ps, at, copy, key->len);
}

/* Parses `"key" :` of an object member (after optional whitespace). */
static bool parse_member_key(parser_t *ps, str_ref_t *key)
{
	skip_whitespace(ps);
	const uchar *at = ps->p;
	if (ps->p == ps->end || *ps->p != '"') {
		fail(ps, json_error_invalid_syntax, "string or '}' expected");
		return false;
	}
	if (!scan_string(ps, key) || !own_key(ps, at, key))
		return false;
	skip_whitespace(ps);
	if (ps->p == ps->end || *ps->p != ':') {
		fail(ps, json_error_invalid_syntax, "':' expected");
		return false;
	}
	ps->p++;
	return true;
}

static bool stack_push(parser_t *ps, json_t *container)
{
	if (ps->stack_len == ps->stack_cap) {
		const size_t cap = ps->stack_cap * 2;
		json_t **grown = grow_inline_buffer(ps->stack, ps->stack_inline,
		    ps->stack_len, cap, sizeof *grown);

		if (grown == NULL) {
			fail_oom(ps);
			return false;
		}
		ps->stack = grown;
		ps->stack_cap = cap;
	}
	ps->stack[ps->stack_len++] = container;
	return true;
}

/* Stores a new value into the innermost open container (the object member
   takes the pending key, releasing its scratch), or makes it the root.
   jansson's setter keeps the first position of a duplicate key and the last
   value, exactly as json_loadb does, because it is the same call. */
static bool attach_value(parser_t *ps, json_t **root, json_t *value,
    const str_ref_t *key)
{
	if (ps->stack_len == 0) {
		*root = value;
		return true;
	}
	json_t *parent = ps->stack[ps->stack_len - 1];
	int rc;
	if (json_is_array(parent)) {
		rc = json_array_append_new(parent, value);
	} else {
		rc = json_object_setn_new_nocheck(parent, str_ref_ptr(ps, key),
		    key->len, value);
		if (key->input_ptr == NULL)
			ps->scratch_len = key->scratch_off; /* key released */
	}
	if (rc != 0)
		fail_oom(ps); /* the setter consumed value */
	return rc == 0;
}

/* After a complete value: consumes ',' (and the next member key) or closes
   containers.  Returns 1 when another value follows, 0 when the document is
   complete, -1 on error. */
static int parse_after_value(parser_t *ps, str_ref_t *key)
{
	while (ps->stack_len != 0) {
		json_t *top = ps->stack[ps->stack_len - 1];
		const bool is_array = json_is_array(top);
		skip_whitespace(ps);
		if (ps->p == ps->end) {
			fail(ps, json_error_premature_end_of_input,
			    is_array ? "']' expected" : "'}' expected");
			return -1;
		}
		if (*ps->p == ',') {
			ps->p++;
			if (!is_array && !parse_member_key(ps, key))
				return -1;
			return 1;
		}
		if (*ps->p != (is_array ? ']' : '}')) {
			fail(ps, json_error_invalid_syntax,
			    is_array ? "']' expected" : "'}' expected");
			return -1;
		}
		ps->p++;
		ps->stack_len--;
	}
	return 0;
}

/* A container just attached: an immediate closing bracket completes it,
   otherwise it becomes the innermost open container and, for an object,
   its first key is read.  Returns 1 when it is open, 0 when it is already
   complete, -1 on error. */
static int open_container(parser_t *ps, json_t *container, str_ref_t *key)
{
	const bool is_array = json_is_array(container);

	skip_whitespace(ps);
	if (ps->p < ps->end && *ps->p == (is_array ? ']' : '}')) {
		ps->p++;
		return 0;
	}
	if (!stack_push(ps, container))
		return -1;
	if (!is_array && !parse_member_key(ps, key))
		return -1;
	return 1;
}

/* Iterative, so nesting costs heap rather than C stack: depth 2048 must be
   safe on small thread stacks too. */
static json_t *parse_document(parser_t *ps)
{
	json_t *root = NULL;
	str_ref_t key; /* set by parse_member_key() before any use */

	for (;;) {
		json_t *value;
		int state;

		/* jansson counts every value, scalars included: the value
		   about to be parsed sits at depth stack_len + 1 */
		if (ps->stack_len >= WIRE_JSON_MAX_DEPTH) {
			fail(ps, json_error_stack_overflow,
			    "maximum nesting depth exceeded");
			goto error;
		}
		skip_whitespace(ps);
		value = parse_value_token(ps);
		if (value == NULL || !attach_value(ps, &root, value, &key))
			goto error;
		if (json_is_array(value) || json_is_object(value)) {
			state = open_container(ps, value, &key);
			if (state < 0)
				goto error;
			if (state > 0)
				continue; /* its first value comes next */
		}
		state = parse_after_value(ps, &key);
		if (state < 0)
			goto error;
		if (state == 0)
			return root;
	}

error:
	json_decref(root);
	return NULL;
}

static void parser_init(parser_t *ps, const uchar *begin, size_t len,
    json_error_t *err)
{
	/* field by field: the inline buffers need no clearing */
	ps->begin = ps->p = begin;
	ps->end = begin + len;
	ps->err = err;
	ps->failed = false;
	ps->stack = ps->stack_inline;
	ps->stack_len = 0;
	ps->stack_cap = STACK_INLINE;
	ps->scratch = ps->scratch_inline;
	ps->scratch_len = 0;
	ps->scratch_cap = SCRATCH_INLINE;
}

static void parser_release(parser_t *ps)
{
	if (ps->stack != ps->stack_inline)
		free(ps->stack);
	if (ps->scratch != ps->scratch_inline)
		free(ps->scratch);
}

/* What jansson's jsonp_error_init() leaves in err before parsing. */
static void error_init(json_error_t *err)
{
	if (err == NULL)
		return;
	err->line = -1;
	err->column = -1;
	err->position = 0;
	err->text[0] = '\0';
	snprintf(err->source, sizeof err->source, "%s", "<buffer>");
}

json_t *shmrpc__wire_json_decode(const char *buf, size_t len, json_error_t *err)
{
	const uchar *begin = (const uchar *)buf;
	parser_t parser;
	json_t *root;

	error_init(err);
	if (buf == NULL) {
		error_fill(err, NULL, NULL, json_error_invalid_argument,
		    "wrong arguments");
		return NULL;
	}
	/* No UTF-8 pass over the input first: strings are checked on their
	   private copies (see private_utf8_ok()), and everything else the
	   parser accepts is ASCII. */
	parser_init(&parser, begin, len, err);
	root = parse_document(&parser);
	if (root != NULL) {
		skip_whitespace(&parser);
		if (parser.p != parser.end) {
			fail(&parser, json_error_end_of_input_expected,
			    "end of input expected");
			json_decref(root);
			root = NULL;
		}
	}
	parser_release(&parser);
	if (root != NULL) {
		if (err != NULL)
			err->position = (int)len; /* as jansson reports */
		return root;
	}
	/* Rejected: if the input holds invalid UTF-8 anywhere, say so (the
	   error jansson's byte-by-byte check would most likely have met
	   first), as a check of the whole input up front would have. */
	const size_t bad = utf8_first_invalid(begin, begin + len);
	if (bad < len)
		error_fill(err, begin, begin + bad, json_error_invalid_utf8,
		    "invalid UTF-8");
	return NULL;
}
