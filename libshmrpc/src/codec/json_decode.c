/*
 * json_decode.c - layer: codec.  The wire_json decoder (see wire_json.h):
 * an iterative parser with an explicit container stack, reading input that
 * a peer may rewrite while it is read (strings and keys are validated on
 * their private copies).  No recursion, no global mutable state.
 */
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/json_scan.h"
#include "codec/utf8.h"
#include "codec/wire_json.h"

/* ------------------------------------------------------------------------ */
/* 4. Decoder                                                                */
/* ------------------------------------------------------------------------ */

#define STACK_INLINE   64  /* containers tracked without malloc */
#define SCRATCH_INLINE 256 /* bytes of string text held without malloc */

/* A decoded string: a slice of the scratch stack, addressed by offset
   because the scratch may move. */
typedef struct {
	size_t scratch_off;
	size_t len;
	bool nul; /* holds a NUL (only "\u0000" can put one there) */
} str_ref_t;

typedef struct {
	const uchar *begin, *p, *end;
	json_error_t *err;
	bool failed;
	size_t max_depth; /* deepest value accepted (see parse_document) */

	/* open containers, innermost last; they are already attached to their
	   parent, so on error only the root needs a decref */
	json_t **stack;
	size_t stack_len, stack_cap;
	json_t *stack_inline[STACK_INLINE];

	/* LIFO byte arena, the private copy of every string (see
	   copy_run()): a pending object key stays below the value being
	   decoded */
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

/*
 * Per thread, the largest scratch a decode outgrew its inline one for, kept
 * for the next: a long string is copied into scratch before jansson copies
 * it, and a fresh block per decode would cost a page fault per 4 KiB for
 * big ones (glibc maps and unmaps them).  A thread thus keeps one block as
 * large as the longest string it decoded (up to SCRATCH_KEEP_MAX), freed
 * when it exits.
 */
#define SCRATCH_KEEP_MAX ((size_t)64 << 20)

static __thread char *kept_scratch;
static __thread size_t kept_scratch_cap;
static pthread_key_t kept_scratch_key;
static pthread_once_t kept_scratch_once = PTHREAD_ONCE_INIT;
static bool kept_scratch_key_ok;

static void kept_scratch_key_make(void)
{
	kept_scratch_key_ok = pthread_key_create(&kept_scratch_key, free) == 0;
}

/* Keeps block (cap bytes) for this thread's next decode, or frees it. */
static void scratch_keep(char *block, size_t cap)
{
	pthread_once(&kept_scratch_once, kept_scratch_key_make);
	if (!kept_scratch_key_ok || cap > SCRATCH_KEEP_MAX ||
	    (kept_scratch != NULL && kept_scratch_cap >= cap) ||
	    pthread_setspecific(kept_scratch_key, block) != 0) {
		free(block);
		return;
	}
	free(kept_scratch);
	kept_scratch = block;
	kept_scratch_cap = cap;
}

/* Moves from the inline scratch to the kept block if it is big enough. */
static bool scratch_take_kept(parser_t *ps, size_t need)
{
	if (ps->scratch != ps->scratch_inline || kept_scratch == NULL ||
	    kept_scratch_cap < need ||
	    pthread_setspecific(kept_scratch_key, NULL) != 0)
		return false;
	memcpy(kept_scratch, ps->scratch, ps->scratch_len);
	ps->scratch = kept_scratch;
	ps->scratch_cap = kept_scratch_cap;
	kept_scratch = NULL;
	return true;
}

static bool scratch_reserve(parser_t *ps, size_t extra)
{
	size_t cap = ps->scratch_cap * 2;
	char *grown;

	if (ps->scratch_cap - ps->scratch_len >= extra)
		return true;
	if (scratch_take_kept(ps, ps->scratch_len + extra))
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
   advances past the escape; *nul is set when it is a NUL. */
static bool decode_escape(parser_t *ps, bool *nul)
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
		*nul |= cp == 0;
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

/*
 * Strings are copied out of the input first and checked on the copy: on
 * the futex transport the input is shared memory that a misbehaving peer
 * can rewrite while we parse, and a check of bytes that are read again
 * afterwards would prove nothing about what was copied.  The copy, the
 * search for the string's end and the UTF-8 check are one loop
 * (shmrpc__utf8_copy_run(), which validates what it copied), into the
 * scratch arena; jansson then copies that private text once more.  This
 * way every json_t string we return is valid UTF-8 whatever the peer does.
 * Together with jansson's "reads everything it accepts" this is also
 * exactly jansson's answer: a document is accepted only if all its strings
 * are valid, and every byte outside strings is ASCII grammar.
 */

/* Copies the run of plain bytes at ps->p to the top of scratch and leaves
   ps->p at the byte that stopped it.  A run longer than the room there is
   is copied again, all of it, once the room is made: the check must see
   the run whole, and only bytes copied in one go were checked together. */
static bool copy_run(parser_t *ps, const uchar *at)
{
	const uchar *const start = ps->p;
	const size_t rest = (size_t)(ps->end - start);
	const size_t room = ps->scratch_cap - ps->scratch_len;
	const uchar *limit = rest <= room ? ps->end : start + room;
	bool utf8_ok;
	const uchar *stop = shmrpc__utf8_copy_run(
	    (uchar *)ps->scratch + ps->scratch_len, start, limit, false,
	    &utf8_ok);

	if (stop == limit && limit != ps->end) {
		if (!scratch_reserve(ps, rest))
			return false;
		stop = shmrpc__utf8_copy_run(
		    (uchar *)ps->scratch + ps->scratch_len, start, ps->end,
		    false, &utf8_ok);
	}
	if (!utf8_ok) {
		fail_at(ps, at, json_error_invalid_utf8,
		    "invalid UTF-8 in string");
		return false;
	}
	ps->scratch_len += (size_t)(stop - start);
	ps->p = stop;
	return true;
}

/* ps->p is at the opening quote.  The string's text goes to the top of
   scratch: its plain runs copied and checked (copy_run()), its escapes
   decoded between them. */
static bool scan_string(parser_t *ps, str_ref_t *out)
{
	const uchar *at = ps->p;

	out->scratch_off = ps->scratch_len;
	out->nul = false;
	ps->p++;
	for (;;) {
		if (!copy_run(ps, at))
			return false;
		if (ps->p == ps->end) {
			fail(ps, json_error_premature_end_of_input,
			    "unterminated string");
			return false;
		}
		const uchar c = *ps->p;
		if (WIRE_LIKELY(c == '"'))
			break;
		if (c != '\\') {
			fail(ps, json_error_invalid_syntax,
			    "control character in string");
			return false;
		}
		if (!decode_escape(ps, &out->nul))
			return false;
	}
	ps->p++; /* closing quote */
	out->len = ps->scratch_len - out->scratch_off;
	return true;
}

static json_t *parse_string_value(parser_t *ps)
{
	const size_t mark = ps->scratch_len;
	str_ref_t s;

	if (!scan_string(ps, &s))
		return NULL;
	/* NUL inside values is fine: WIRE_JSON_LOAD_FLAGS has JSON_ALLOW_NUL */
	json_t *v = json_stringn_nocheck(str_ref_ptr(ps, &s), s.len);
	ps->scratch_len = mark;
	if (v == NULL)
		fail_oom(ps);
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

/* Parses `"key" :` of an object member (after optional whitespace). */
static bool parse_member_key(parser_t *ps, str_ref_t *key)
{
	skip_whitespace(ps);
	const uchar *at = ps->p;
	if (ps->p == ps->end || *ps->p != '"') {
		fail(ps, json_error_invalid_syntax, "string or '}' expected");
		return false;
	}
	if (!scan_string(ps, key))
		return false;
	if (key->nul) {
		/* jansson rejects these whatever the flags */
		fail_at(ps, at, json_error_null_byte_in_key,
		    "NUL byte in object key");
		return false;
	}
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

/* Iterative, so nesting costs heap rather than C stack.  (Freeing what it
   built is jansson's json_delete(), which recurses: callers that must be
   safe on small thread stacks pass a smaller max_depth, see envelope.c.) */
static json_t *parse_document(parser_t *ps)
{
	json_t *root = NULL;
	str_ref_t key; /* set by parse_member_key() before any use */

	for (;;) {
		json_t *value;
		int state;

		/* jansson counts every value, scalars included: the value
		   about to be parsed sits at depth stack_len + 1 */
		if (ps->stack_len >= ps->max_depth) {
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
    size_t max_depth, json_error_t *err)
{
	/* field by field: the inline buffers need no clearing */
	ps->begin = ps->p = begin;
	ps->end = begin + len;
	ps->err = err;
	ps->failed = false;
	ps->max_depth = max_depth < WIRE_JSON_MAX_DEPTH ? max_depth
							: WIRE_JSON_MAX_DEPTH;
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
		scratch_keep(ps->scratch, ps->scratch_cap);
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
	return shmrpc__wire_json_decode_depth(buf, len, WIRE_JSON_MAX_DEPTH, err);
}

json_t *shmrpc__wire_json_decode_depth(const char *buf, size_t len,
    size_t max_depth, json_error_t *err)
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
	   private copies (see copy_run()), and everything else the parser
	   accepts is ASCII. */
	parser_init(&parser, begin, len, max_depth, err);
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
	const size_t bad = shmrpc__utf8_first_invalid(begin, begin + len);
	if (bad < len)
		error_fill(err, begin, begin + bad, json_error_invalid_utf8,
		    "invalid UTF-8");
	return NULL;
}
