/*
 * utf8.c - layer: codec.  UTF-8 validation for the JSON codec, as strict
 * as jansson's (see utf8.h): a scalar loop with an ASCII fast path, and on
 * x86_64 table-driven SSSE3 and AVX2 validators chosen at run time for
 * strings of 64 bytes and more; and the fused copy of a string's plain
 * bytes (utf8.h: shmrpc__utf8_copy_run), which copies, finds the byte to
 * escape and validates in one loop.  Which of these paths run is chosen
 * here, once (shmrpc__wire_isa).
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "codec/json_scan.h"
#include "codec/json_simd.h"
#include "codec/utf8.h"

/*
 * How far ahead of the fused copy the source is fetched (software
 * prefetch).  A decoder's source is shared memory that the other side
 * has just written, so its lines sit in the other CPU's cache, and the
 * CPU's own prefetcher keeps too few of them in flight: measured on the
 * 2-vCPU VM (a peer process on the other CPU writes, this one copies),
 * a 10 KiB run took 1.97 us unprefetched, 1.40 / 1.11 / 1.02 / 1.06 us at
 * 256 / 512 / 1024 / 2048 bytes ahead, and a 100 KiB run 19.1 -> 7.8 us
 * at 1024; glibc's memcpy of the same 10 KiB took 0.75 us.  Private,
 * cached sources (the encoders') lose nothing measurable.
 */
#define COPY_PREFETCH 1024

/* -1 until first use, then an enum wire_isa */
static _Atomic int wire_isa_now = -1;

static enum wire_isa wire_isa_best(void)
{
#if WIRE_HAVE_AVX2_DISPATCH
	if (__builtin_cpu_supports("avx2"))
		return WIRE_ISA_AVX2;
#endif
#if WIRE_HAVE_SSE2
	return WIRE_ISA_SSE2;
#else
	return WIRE_ISA_PORTABLE;
#endif
}

enum wire_isa shmrpc__wire_isa(void)
{
	int isa = atomic_load_explicit(&wire_isa_now, memory_order_relaxed);

	if (isa < 0) {
		isa = (int)wire_isa_best();
		atomic_store_explicit(&wire_isa_now, isa, memory_order_relaxed);
	}
	return (enum wire_isa)isa;
}

int shmrpc__wire_isa_force(enum wire_isa isa)
{
	const int before = (int)shmrpc__wire_isa();

	if ((int)isa < 0 || isa > wire_isa_best())
		return -1;
	atomic_store_explicit(&wire_isa_now, (int)isa, memory_order_relaxed);
	return before;
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

/* ---- the fused copy (utf8.h), 32 bytes per step ---- */

/* 0xFF in every lane holding a byte JSON must escape (json_scan.h) */
TARGET_AVX2
static inline __m256i special_lanes256(__m256i v)
{
	const __m256i ctl = _mm256_cmpeq_epi8(
	    _mm256_min_epu8(v, _mm256_set1_epi8(0x1F)), v);
	const __m256i quote = _mm256_cmpeq_epi8(v, _mm256_set1_epi8('"'));
	const __m256i backslash = _mm256_cmpeq_epi8(v, _mm256_set1_epi8('\\'));

	return _mm256_or_si256(_mm256_or_si256(quote, backslash), ctl);
}

/* loadu(keep_first + 32 - k) keeps the first k lanes, zeroes the rest */
static const uchar keep_first[64] = {
	0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
	0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
	0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
	0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
};

/* One block into the validator, with the all-ASCII shortcut (strings are
   mostly ASCII or mostly not, so the branch predicts well here). */
TARGET_AVX2
static inline void u8_feed256(u8_state256_t *st, __m256i in)
{
	if (_mm256_movemask_epi8(in) == 0) {
		st->error = _mm256_or_si256(st->error, st->incomplete);
		st->incomplete = _mm256_setzero_si256();
		st->prev = in;
	} else {
		u8_step256(st, in);
	}
}

/* The block that holds the stop byte, at lane k: the lanes from k on are
   not part of the run; zero (ASCII) in their place ends it there. */
TARGET_AVX2
static inline void u8_feed_until256(u8_state256_t *st, __m256i in, unsigned k)
{
	u8_feed256(st, _mm256_and_si256(in, U8_LOAD256(keep_first + 32 - k)));
}

/* Every byte is loaded once, stored from the register and validated from
   the same register, so what is validated is exactly what was copied,
   whoever rewrites src meanwhile.  The source is fetched COPY_PREFETCH
   bytes ahead (see there). */
TARGET_AVX2
static const uchar *copy_run_avx2(uchar *dst, const uchar *p,
    const uchar *end, bool *utf8_ok)
{
	u8_state256_t st = { _mm256_setzero_si256(), _mm256_setzero_si256(),
		_mm256_setzero_si256() };
	unsigned mask;

	while (end - p >= 64) {
		if (end - p > COPY_PREFETCH)
			__builtin_prefetch(p + COPY_PREFETCH, 0, 3);
		const __m256i a = U8_LOAD256(p), b = U8_LOAD256(p + 32);
		_mm256_storeu_si256((__m256i *)(void *)dst, a);
		_mm256_storeu_si256((__m256i *)(void *)(dst + 32), b);
		const __m256i sp = _mm256_or_si256(special_lanes256(a),
		    special_lanes256(b));
		if (!_mm256_testz_si256(sp, sp))
			break; /* the 32-byte loop finds it */
		if (_mm256_movemask_epi8(_mm256_or_si256(a, b)) == 0) {
			st.error = _mm256_or_si256(st.error, st.incomplete);
			st.incomplete = _mm256_setzero_si256();
			st.prev = b;
		} else {
			u8_step256(&st, a);
			u8_step256(&st, b);
		}
		p += 64;
		dst += 64;
	}
	while (end - p >= 32) {
		const __m256i a = U8_LOAD256(p);
		_mm256_storeu_si256((__m256i *)(void *)dst, a);
		mask = (unsigned)_mm256_movemask_epi8(special_lanes256(a));
		if (mask != 0) {
			const unsigned k = (unsigned)__builtin_ctz(mask);
			u8_feed_until256(&st, a, k);
			p += k;
			goto done;
		}
		u8_feed256(&st, a);
		p += 32;
		dst += 32;
	}
	{
		/* the tail, read once into private zero padding: NUL is a
		   stop byte, so the stop is at the tail's end at the latest */
		uchar tail[32] = { 0 };
		memcpy(tail, p, (size_t)(end - p));
		const __m256i a = U8_LOAD256(tail);
		mask = (unsigned)_mm256_movemask_epi8(special_lanes256(a));
		const unsigned k = mask != 0 ? (unsigned)__builtin_ctz(mask)
					     : (unsigned)(end - p);
		memcpy(dst, tail, k);
		u8_feed_until256(&st, a, k);
		p += k;
	}
done:
	st.error = _mm256_or_si256(st.error, st.incomplete);
	*utf8_ok = _mm256_testz_si256(st.error, st.error) != 0;
	return p;
}
#endif /* WIRE_HAVE_AVX2_DISPATCH */
#endif /* WIRE_HAVE_X86_DISPATCH */

bool shmrpc__utf8_valid(const uchar *p, size_t n)
{
#if WIRE_HAVE_X86_DISPATCH
	/* short strings: the scalar loop (8 ASCII bytes per step) wins */
	if (n >= 64) {
		const enum wire_isa isa = shmrpc__wire_isa();
#if WIRE_HAVE_AVX2_DISPATCH
		if (isa == WIRE_ISA_AVX2)
			return utf8_valid_avx2(p, n);
#endif
		if (isa != WIRE_ISA_PORTABLE && __builtin_cpu_supports("ssse3"))
			return utf8_valid_ssse3(p, n);
	}
#endif
	return utf8_valid_scalar(p, p + n);
}

/* Offset of the first invalid byte; only used to report errors. */
size_t shmrpc__utf8_first_invalid(const uchar *begin, const uchar *end)
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
/* The fused copy, SSE2 and portable                                         */
/* ------------------------------------------------------------------------ */
/* These copy and find the stop in one loop, noting whether any byte has its
   high bit set; only then is the run validated, after the copy (dst) or on
   the private source (check_src), never on bytes that are read again. */

#define COPY_ONES  UINT64_C(0x0101010101010101)
#define COPY_HIGHS UINT64_C(0x8080808080808080)

/* Whether the 8 bytes of w may hold a stop byte: exact when it says no
   (SWAR; a false positive only above a true one). */
static inline bool word_may_stop(uint64_t w)
{
	const uint64_t q = w ^ (COPY_ONES * '"'), b = w ^ (COPY_ONES * '\\');
	const uint64_t hit = ((q - COPY_ONES) & ~q) | ((b - COPY_ONES) & ~b) |
	    ((w - COPY_ONES * 0x20) & ~w);
	return (hit & COPY_HIGHS) != 0;
}

/* The bytes from p up to the stop, copied a byte at a time, each read
   once. */
static const uchar *copy_bytes(uchar *dst, const uchar *p, const uchar *end,
    unsigned *high)
{
	while (p < end) {
		const uchar c = *p;
		if (is_string_special(c))
			break;
		*dst++ = c;
		*high |= c;
		p++;
	}
	return p;
}

static const uchar *copy_run_portable(uchar *dst, const uchar *p,
    const uchar *end, unsigned *high)
{
	uint64_t acc = 0;

	while (end - p >= 8) {
		uint64_t w;
		memcpy(&w, p, sizeof w);
		if (word_may_stop(w))
			break;
		memcpy(dst, &w, sizeof w);
		acc |= w;
		p += 8;
		dst += 8;
	}
	*high = (acc & COPY_HIGHS) != 0 ? 0x80u : 0u;
	return copy_bytes(dst, p, end, high);
}

#if WIRE_HAVE_SSE2
static const uchar *copy_run_sse2(uchar *dst, const uchar *p,
    const uchar *end, unsigned *high)
{
	__m128i acc = _mm_setzero_si128();
	const uchar *stop = NULL;

	while (end - p >= 16) {
		/* once per 64-byte line (see COPY_PREFETCH) */
		if (end - p > COPY_PREFETCH && ((uintptr_t)p & 48) == 0)
			__builtin_prefetch(p + COPY_PREFETCH, 0, 3);
		const __m128i v = load16(p);
		_mm_storeu_si128((__m128i *)(void *)dst, v);
		acc = _mm_or_si128(acc, v);
		const unsigned mask = (unsigned)_mm_movemask_epi8(
		    special_lanes(v));
		if (mask != 0) {
			stop = p + __builtin_ctz(mask);
			break;
		}
		p += 16;
		dst += 16;
	}
	/* acc may count bytes after the stop: then the run is validated
	   for nothing, never skipped */
	*high = _mm_movemask_epi8(acc) != 0 ? 0x80u : 0u;
	return stop != NULL ? stop : copy_bytes(dst, p, end, high);
}
#endif

const uchar *shmrpc__utf8_copy_run(uchar *dst, const uchar *src,
    const uchar *end, bool check_src, bool *utf8_ok)
{
	const enum wire_isa isa = shmrpc__wire_isa();
	unsigned high = 0;
	const uchar *stop;

	if (src < end && is_string_special(*src)) {
		/* an escape right after an escape: nothing to copy */
		*utf8_ok = true;
		return src;
	}
#if WIRE_HAVE_AVX2_DISPATCH
	if (isa == WIRE_ISA_AVX2)
		return copy_run_avx2(dst, src, end, utf8_ok);
#endif
#if WIRE_HAVE_SSE2
	if (isa == WIRE_ISA_SSE2)
		stop = copy_run_sse2(dst, src, end, &high);
	else
#endif
		stop = copy_run_portable(dst, src, end, &high);
	(void)isa;
	*utf8_ok = (high & 0x80u) == 0 ||
	    shmrpc__utf8_valid(check_src ? src : dst, (size_t)(stop - src));
	return stop;
}
