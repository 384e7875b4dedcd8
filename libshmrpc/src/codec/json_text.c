/*
 * json_text.c - layer: codec.  Checking and measuring JSON text without
 * converting it (see json_text.h): one pass, no allocation, no recursion
 * (the open containers are a bit stack, object or array, of
 * WIRE_JSON_MAX_DEPTH bits).  Strings are scanned 16 bytes at a time for
 * the bytes that end a plain run (json_scan.h) and checked for UTF-8 in
 * one call each (utf8.h), so a 2 MB string costs two fast passes.
 */
#include <stdint.h>
#include <string.h>

#include "codec/json_scan.h"
#include "codec/json_text.h"
#include "codec/utf8.h"
#include "codec/wire_json.h"

struct scan {
	const uchar *begin, *p, *end;
	struct json_text_error *why;
	size_t depth;
	uint8_t stack[WIRE_JSON_MAX_DEPTH / 8 + 1]; /* bit set: object */
};

static int fail(struct scan *s, const char *reason)
{
	if (s->why != NULL) {
		s->why->reason = reason;
		s->why->offset = (size_t)(s->p - s->begin);
	}
	return -1;
}

static void skip_space(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' ||
	    *s->p == '\r' || *s->p == '\t'))
		s->p++;
}

static int hex4(const uchar *p, const uchar *end)
{
	int v = 0;

	if (end - p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		int c = p[i], d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (c | 0x20) - 'a' + 10;
		else
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* s->p at a backslash: one escape, a surrogate pair as one. */
static int skip_escape(struct scan *s)
{
	const uchar *p = s->p + 1;
	int cp, low;

	if (p == s->end)
		return fail(s, "unterminated string");
	if (*p != 'u') {
		if (strchr("\"\\/bfnrt", *p) == NULL || *p == '\0')
			return fail(s, "invalid escape");
		s->p = p + 1;
		return 0;
	}
	cp = hex4(p + 1, s->end);
	if (cp < 0)
		return fail(s, "invalid \\u escape");
	p += 5;
	if (cp >= 0xDC00 && cp <= 0xDFFF)
		return fail(s, "lone low surrogate");
	if (cp >= 0xD800 && cp <= 0xDBFF) {
		low = s->end - p >= 2 && p[0] == '\\' && p[1] == 'u'
		    ? hex4(p + 2, s->end) : -1;
		if (low < 0xDC00 || low > 0xDFFF)
			return fail(s, "lone high surrogate");
		p += 6;
	}
	s->p = p;
	return 0;
}

/* s->p at the opening quote. */
static int skip_string(struct scan *s)
{
	const uchar *start = ++s->p;

	for (;;) {
		s->p = find_string_special(s->p, s->end);
		if (s->p == s->end)
			return fail(s, "unterminated string");
		if (*s->p == '"')
			break;
		if (*s->p != '\\')
			return fail(s, "control character in string");
		if (skip_escape(s) < 0)
			return -1;
	}
	/* Escapes are ASCII, so the raw bytes are valid UTF-8 exactly when
	 * the string is. */
	if (!shmrpc__utf8_valid(start, (size_t)(s->p - start))) {
		s->p = start + shmrpc__utf8_first_invalid(start, s->p);
		return fail(s, "invalid UTF-8 in string");
	}
	s->p++;
	return 0;
}

static const uchar *digits(const uchar *p, const uchar *end)
{
	while (p < end && is_digit(*p))
		p++;
	return p;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, of any length. */
static int skip_number(struct scan *s)
{
	const uchar *p = s->p, *q;

	if (*p == '-')
		p++;
	if (p < s->end && *p == '0')
		p++;
	else if (p == (q = digits(p, s->end)))
		return s->p = p, fail(s, "digit expected");
	else
		p = q;
	if (p < s->end && *p == '.') {
		q = digits(++p, s->end);
		if (q == p)
			return s->p = p, fail(s, "digit expected after '.'");
		p = q;
	}
	if (p < s->end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < s->end && (*p == '+' || *p == '-'))
			p++;
		q = digits(p, s->end);
		if (q == p)
			return s->p = p, fail(s, "digit expected in exponent");
		p = q;
	}
	if (p < s->end && is_digit(*p))
		return s->p = p, fail(s, "leading zero in number");
	s->p = p;
	return 0;
}

static int skip_literal(struct scan *s, const char *word, size_t n)
{
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
		return fail(s, "invalid literal");
	s->p += n;
	return 0;
}

static bool top_is_object(const struct scan *s)
{
	const size_t i = s->depth - 1;

	return (s->stack[i / 8] >> (i % 8)) & 1;
}

static void push(struct scan *s, bool object)
{
	const size_t i = s->depth;

	if (object)
		s->stack[i / 8] |= (uint8_t)(1u << (i % 8));
	else
		s->stack[i / 8] &= (uint8_t)~(1u << (i % 8));
	s->depth++;
	s->p++;
}

/* `"key" :` of an object member, after optional whitespace. */
static int skip_key(struct scan *s)
{
	skip_space(s);
	if (s->p == s->end || *s->p != '"')
		return fail(s, "string or '}' expected");
	if (skip_string(s) < 0)
		return -1;
	skip_space(s);
	if (s->p == s->end || *s->p != ':')
		return fail(s, "':' expected");
	s->p++;
	return 0;
}

/*
 * One token that starts a value.  1 when it opened a container that has
 * a first value to come, 0 when a value (maybe an empty container) is
 * complete, -1 on error.
 */
static int value_token(struct scan *s)
{
	/* Counted as jansson counts: the value about to be read is at depth
	 * s->depth + 1, scalars included. */
	if (s->depth >= WIRE_JSON_MAX_DEPTH)
		return fail(s, "maximum nesting depth exceeded");
	skip_space(s);
	if (s->p == s->end)
		return fail(s, "value expected");
	switch (*s->p) {
	case '"':
		return skip_string(s);
	case 't':
		return skip_literal(s, "true", 4);
	case 'f':
		return skip_literal(s, "false", 5);
	case 'n':
		return skip_literal(s, "null", 4);
	case '[':
	case '{':
		push(s, *s->p == '{');
		skip_space(s);
		if (s->p < s->end && *s->p == (top_is_object(s) ? '}' : ']')) {
			s->p++;
			s->depth--;
			return 0;
		}
		if (top_is_object(s) && skip_key(s) < 0)
			return -1;
		return 1;
	default:
		if (*s->p == '-' || is_digit(*s->p))
			return skip_number(s);
		return fail(s, "invalid token");
	}
}

/* After a complete value: 1 when another value follows (its key read),
 * 0 when the outermost one is complete, -1 on error. */
static int after_value(struct scan *s)
{
	while (s->depth > 0) {
		const bool object = top_is_object(s);

		skip_space(s);
		if (s->p == s->end)
			return fail(s, object ? "'}' expected" : "']' expected");
		if (*s->p == ',') {
			s->p++;
			if (object && skip_key(s) < 0)
				return -1;
			return 1;
		}
		if (*s->p != (object ? '}' : ']'))
			return fail(s, object ? "'}' expected" : "']' expected");
		s->p++;
		s->depth--;
	}
	return 0;
}

static int skip_value(struct scan *s)
{
	for (;;) {
		int rc = value_token(s);

		if (rc < 0)
			return -1;
		if (rc > 0)
			continue;
		rc = after_value(s);
		if (rc <= 0)
			return rc;
	}
}

static void scan_init(struct scan *s, const char *buf, size_t len,
    struct json_text_error *why)
{
	s->begin = s->p = (const uchar *)buf;
	s->end = s->begin + len;
	s->why = why;
	s->depth = 0;
}

int shmrpc__json_text_skip(const char *buf, size_t len, size_t *end,
    struct json_text_error *why)
{
	struct scan s;

	scan_init(&s, buf, len, why);
	if (skip_value(&s) < 0)
		return -1;
	*end = (size_t)(s.p - s.begin);
	return 0;
}

int shmrpc__json_text_check(const char *buf, size_t len, bool want_object,
    struct json_text_error *why)
{
	struct scan s;

	scan_init(&s, buf, len, why);
	skip_space(&s);
	if (want_object && (s.p == s.end || *s.p != '{'))
		return fail(&s, "object expected");
	if (skip_value(&s) < 0)
		return -1;
	skip_space(&s);
	if (s.p != s.end)
		return fail(&s, "end of input expected");
	return 0;
}

int shmrpc__json_text_skip_string(const char *buf, size_t len, size_t *end,
    struct json_text_error *why)
{
	struct scan s;

	scan_init(&s, buf, len, why);
	skip_space(&s);
	if (s.p == s.end || *s.p != '"')
		return fail(&s, "string expected");
	if (skip_string(&s) < 0)
		return -1;
	*end = (size_t)(s.p - s.begin);
	return 0;
}
