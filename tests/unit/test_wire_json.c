/*
 * Differential tests: wire_json against jansson 2.14 (json_loadb/json_dumpb
 * with WIRE_JSON_*_FLAGS).
 *
 * Decode: both accept with identical values (compared by json_equal and by
 * jansson's own re-encoding, which also checks key order and the sign of
 * zero) or both reject.  Encode: jansson's text carried over to the seed's
 * forms (seed_text(): reals as their shortest round-trip digits, control
 * escapes in lower case), the same length, 0 exactly where json_dumpb
 * returns 0, and the text decodes back to an equal value, every real to
 * the same double bit for bit.  The only other disagreements are the
 * deliberate ones listed in wire_json.h; test_deliberate_differences pins
 * them down, and test_encode_seed_forms pins every float form.
 *
 * Build and run (from the repository root):
 *
 *   cc -std=gnu11 -O1 -g -Wall -Wextra -Wshadow -Wconversion \
 *       -fsanitize=address,undefined -Ilibshmrpc/src \
 *       tests/unit/test_wire_json.c \
 *       libshmrpc/src/codec/{utf8,float_format,json_encode,json_decode}.c \
 *       -ljansson -lcmocka -o /tmp/t && /tmp/t
 *
 * The whole suite runs once per code path this CPU and build have
 * (utf8.h: portable, SSE2, AVX2), each forced in turn.  Build with
 * -DWIRE_JSON_NO_AVX2 (SSSE3 validator) or -DWIRE_JSON_PORTABLE (no SIMD
 * compiled in at all) to cover those builds too.  Reals are also checked under
 * de_DE/fr_FR/ps_AF when installed (LOCPATH works).
 */
#include "codec/float_format.h"
#include "codec/json_text.h"
#include "codec/utf8.h"
#include "codec/wire_json.h"
#include "../helpers/seed_forms.h"

#include <ctype.h>
#include <fenv.h>
#include <locale.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define GUARD_BYTES 16
#define GUARD_VALUE 0xA5

/* ------------------------------------------------------------------------ */
/* helpers                                                                   */
/* ------------------------------------------------------------------------ */

static void *xmalloc(size_t n)
{
	void *p = malloc(n == 0 ? 1 : n);
	if (p == NULL)
		abort();
	return p;
}

/* Printable excerpt of an input for failure messages. */
static const char *excerpt(const char *buf, size_t len)
{
	static char out[400];
	size_t o = 0;
	for (size_t i = 0; i < len && o + 8 < sizeof out; i++) {
		const unsigned char c = (unsigned char)buf[i];
		if (c >= 0x20 && c < 0x7F && c != '\\')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, sizeof out - o,
			    "\\x%02X", c);
	}
	if (o + 8 >= sizeof out)
		o += (size_t)snprintf(out + o, sizeof out - o, "...");
	out[o] = '\0';
	return out;
}

/* jansson's own text for v, malloc'd (NULL if it cannot encode v). */
static char *jansson_text(const json_t *v, size_t *len)
{
	*len = json_dumpb(v, NULL, 0, WIRE_JSON_DUMP_FLAGS);
	if (*len == 0)
		return NULL;
	char *text = xmalloc(*len);
	assert_int_equal(json_dumpb(v, text, *len, WIRE_JSON_DUMP_FLAGS), *len);
	return text;
}

/* ------------------------------------------------------------------------ */
/* the seed's forms: what jansson's text becomes (tests/helpers/seed_forms.h) */
/* ------------------------------------------------------------------------ */

/* The text wire_json must write for v: jansson's, in the seed's forms. */
static char *expected_text(const json_t *v, size_t *len)
{
	size_t jlen;
	char *j = jansson_text(v, &jlen);
	char *e;

	if (j == NULL) {
		*len = 0;
		return NULL;
	}
	e = seed_text(j, jlen, len);
	if (e == NULL)
		fail_msg("jansson wrote a real no digits read back to");
	free(j);
	return e;
}

/* Same value, same key order, same reals bit for bit (incl. -0.0). */
static void assert_identical_values(const json_t *a, const json_t *b,
    const char *buf, size_t len)
{
	if (!json_equal(a, b))
		fail_msg("decoded values differ for input '%s'",
		    excerpt(buf, len));
	size_t na, nb;
	char *ta = jansson_text(a, &na);
	char *tb = jansson_text(b, &nb);
	if (na != nb || (na != 0 && memcmp(ta, tb, na) != 0))
		fail_msg("decoded values print differently for input '%s'",
		    excerpt(buf, len));
	free(ta);
	free(tb);
}

/* Both decoders accept with identical values, or both reject.  Returns
   whether the input was accepted. */
static bool check_decode(const char *buf, size_t len)
{
	json_error_t werr, jerr;
	/* copy to an exact-size heap block so ASan catches any over-read */
	char *copy = xmalloc(len == 0 ? 1 : len);
	if (len != 0)
		memcpy(copy, buf, len);

	json_t *w = shmrpc__wire_json_decode(copy, len, &werr);
	json_t *j = json_loadb(copy, len, WIRE_JSON_LOAD_FLAGS, &jerr);
	if ((w == NULL) != (j == NULL))
		fail_msg("accept/reject differs for '%s': "
		    "wire_json %s (%s), jansson %s (%s)",
		    excerpt(buf, len), w ? "accepts" : "rejects",
		    w ? "" : werr.text, j ? "accepts" : "rejects",
		    j ? "" : jerr.text);
	if (w != NULL) {
		assert_identical_values(w, j, buf, len);
	} else {
		assert_true(werr.text[0] != '\0');
		assert_true(werr.position >= 0 && (size_t)werr.position <= len);
	}
	/* a NULL error pointer must give the same answer */
	json_t *w2 = shmrpc__wire_json_decode(copy, len, NULL);
	assert_true((w2 == NULL) == (w == NULL));
	json_decref(w2);
	/* json_text.c's check (text calls) agrees, but for its documented
	   differences: numbers of any size and NUL in keys pass, jansson's
	   NUL after a bare token does not */
	struct json_text_error why = { NULL, 0 };
	const bool text_ok = shmrpc__json_text_check(copy, len, false,
	    &why) == 0;
	if (w != NULL && !text_ok && memchr(copy, '\0', len) == NULL)
		fail_msg("text check refuses '%s' (%s at %zu)",
		    excerpt(buf, len), why.reason, why.offset);
	if (w == NULL && text_ok &&
	    json_error_code(&werr) != json_error_numeric_overflow &&
	    json_error_code(&werr) != json_error_null_byte_in_key)
		fail_msg("text check accepts '%s'", excerpt(buf, len));
	if (!text_ok)
		assert_true(why.reason != NULL && why.offset <= len);
	const bool accepted = w != NULL;
	json_decref(w);
	json_decref(j);
	free(copy);
	return accepted;
}

static bool check_decode_str(const char *text)
{
	return check_decode(text, strlen(text));
}

static void expect_accept(const char *text)
{
	if (!check_decode_str(text))
		fail_msg("expected '%s' to be accepted",
		    excerpt(text, strlen(text)));
}

static void expect_reject(const char *text)
{
	if (check_decode_str(text))
		fail_msg("expected '%s' to be rejected",
		    excerpt(text, strlen(text)));
}

static void expect_accept_n(const char *buf, size_t len)
{
	if (!check_decode(buf, len))
		fail_msg("expected '%s' to be accepted", excerpt(buf, len));
}

static void expect_reject_n(const char *buf, size_t len)
{
	if (check_decode(buf, len))
		fail_msg("expected '%s' to be rejected", excerpt(buf, len));
}

/* Whether v contains an object key with a NUL byte (printable, but neither
   decoder takes such text back). */
static bool has_nul_key(const json_t *v)
{
	const char *key;
	size_t key_len, i;
	json_t *child;

	if (json_is_array(v)) {
		json_array_foreach(v, i, child)
			if (has_nul_key(child))
				return true;
	} else if (json_is_object(v)) {
		json_object_keylen_foreach((json_t *)(uintptr_t)v, key,
		    key_len, child)
			if (memchr(key, '\0', key_len) || has_nul_key(child))
				return true;
	}
	return false;
}

/* Encoders agree: jansson's text in the seed's forms, the same length, 0
   at the same time; the text decodes back to an equal value (reals to the
   same doubles: json_equal compares them with ==, and -0.0 is checked by
   its text).  Returns the length (0 = refused). */
static size_t check_encode(const json_t *v)
{
	size_t need;
	char *expected = expected_text(v, &need);
	const size_t wneed = shmrpc__wire_json_encode(v, NULL, 0);
	if (need != wneed)
		fail_msg("encoded size differs: wire_json %zu, expected %zu "
		    "(jansson's in the seed's forms)", wneed, need);
	if (need == 0)
		return 0;

	char *got = xmalloc(need + GUARD_BYTES);
	memset(got, GUARD_VALUE, need + GUARD_BYTES);
	assert_int_equal(shmrpc__wire_json_encode(v, got, need), need);
	if (memcmp(got, expected, need) != 0)
		fail_msg("encoded text differs: wire_json '%s'",
		    excerpt(got, need));
	for (size_t i = need; i < need + GUARD_BYTES; i++)
		assert_int_equal((unsigned char)got[i], GUARD_VALUE);

	/* round trip through jansson's decoder (keys with NUL cannot come back,
	   for either encoder) */
	json_t *back = json_loadb(got, need, WIRE_JSON_LOAD_FLAGS, NULL);
	if (back == NULL ? !has_nul_key(v) : !json_equal(back, v))
		fail_msg("encoded text does not decode to an equal value: '%s'",
		    excerpt(got, need));
	json_decref(back);
	free(got);
	free(expected);
	return need;
}

static char *repeat(const char *unit, size_t times, const char *middle)
{
	const size_t ul = strlen(unit), ml = strlen(middle);
	char *s = xmalloc(ul * times + ml + 1);
	for (size_t i = 0; i < times; i++)
		memcpy(s + i * ul, unit, ul);
	memcpy(s + ul * times, middle, ml + 1);
	return s;
}

/* "[[[...middle...]]]" with `depth` brackets; malloc'd */
static char *nested(const char *open, const char *close, size_t depth,
    const char *middle)
{
	char *head = repeat(open, depth, middle);
	char *tail = repeat(close, depth, "");
	const size_t hl = strlen(head), tl = strlen(tail);
	char *s = xmalloc(hl + tl + 1);
	memcpy(s, head, hl);
	memcpy(s + hl, tail, tl + 1);
	free(head);
	free(tail);
	return s;
}

/* ------------------------------------------------------------------------ */
/* decode corpus                                                             */
/* ------------------------------------------------------------------------ */

static void test_decode_literals_and_structure(void **state)
{
	(void)state;
	static const char *const accepted[] = {
		"true", "false", "null", "[]", "{}", "[[]]", "[{}]",
		"{\"a\":{}}", "{\"a\":[]}", "[1,[2,[3,[4]]]]",
		"{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}",
		"\"\"", "[\"\"]", "{\"\":\"\"}", "[1,2,3]",
		"{\"z\":1,\"a\":2,\"m\":3}",
	};
	static const char *const rejected[] = {
		"tru", "nul", "fals", "True", "NULL", "nulls", "true1",
		"truefalse", "true false", "[1,]", "[,1]", "[1,,2]", "[,]",
		"{,}", "{\"a\":1,}", "{\"a\"}", "{\"a\":}", "{\"a\" 1}",
		"{\"a\"::1}", "{1:2}", "{a:1}", "{'a':1}", "['a']", "[1 2]",
		"{\"a\":1 \"b\":2}", "]", "}", "[}", "{]", "[", "{", ":", ",",
		"[1]]", "{}}", "[1]x", "\"a\"\"b\"", "1 2", "[1:2]",
		"{\"a\",1}", "/* */1", "//\n1", "#1", "undefined", "NaN",
		"Infinity", "-Infinity", "nan", "inf",
	};
	for (size_t i = 0; i < sizeof accepted / sizeof accepted[0]; i++)
		expect_accept(accepted[i]);
	for (size_t i = 0; i < sizeof rejected / sizeof rejected[0]; i++)
		expect_reject(rejected[i]);
}

static void test_decode_whitespace(void **state)
{
	(void)state;
	expect_accept(
	    " \t\r\n[ \t\r\n1 \t\r\n, \t\r\n{ \"a\" \n: \r\"b\" \t} ] \t\r\n");
	expect_accept("\n\n\n1\n\n");
	expect_accept("  \"x\"  ");
	expect_reject("");
	expect_reject(" ");
	expect_reject(" \t\r\n");
	expect_reject("\f1"); /* form feed is not JSON whitespace */
	expect_reject("1\v"); /* nor vertical tab */
	expect_reject("\xC2\xA0\x31");     /* nor NBSP ("\x31" is '1') */
	expect_reject("\xEF\xBB\xBF\x31"); /* a BOM is not skipped */
	expect_reject_n("\0\x31", 2);
	expect_reject_n("[1,\0 2]", 7);
	expect_reject_n("[1 \0]", 5);
}

static void test_decode_escapes(void **state)
{
	(void)state;
	expect_accept("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"");
	expect_accept(
	    "[\"a\\u0041b\", \"\\u00e9\\u00E9\\u20AC\\uFFFF\\uffff\"]");
	expect_accept(
	    "\"\\uD83D\\uDE00\\ud83d\\ude00\\uDBFF\\uDFFF\\uD800\\uDC00\"");
	expect_accept("{\"\\u00e9t\\u00e9\\n\":\"\\\\\"}");
	expect_accept("\"\\u007F\\u0080\\u07FF\\u0800\\uD7FF\\uE000\"");
	for (unsigned c = 0; c < 0x20; c++) {
		char text[16];
		snprintf(text, sizeof text, "\"\\u%04x\"", c);
		expect_accept(text);
		snprintf(text, sizeof text, "\"\\u%04X!\"", c);
		expect_accept(text);
	}
	static const char *const rejected[] = {
		"\"\\x41\"", "\"\\a\"", "\"\\U0041\"", "\"\\u004\"",
		"\"\\u00G1\"", "\"\\u 041\"", "\"\\u\"", "\"\\", "\"\\\"",
		"\"abc", "\"\\u12", "\"\\u-123\"", "\"\\'\"", "\"\\0\"",
		"\"\\e\"",
		/* surrogates */
		"\"\\uD800\"", "\"\\uDBFF\"", "\"\\uDC00\"", "\"\\uDFFF\"",
		"\"\\uDE00\\uD83D\"", "\"\\uD800\\uD800\"",
		"\"\\uD800\\u0041\"", "\"\\uD800x\"", "\"\\uD800\\n\"",
		"\"\\uD800\\\"", "\"\\uD800\\u\"", "\"\\uD800\\uDC0\"",
		"\"\\uD800\\uDCG0\"", "\"\\uD800\\\\uDC00\"", "\"a\\uDC00b\"",
		"\"\\uD83D\\uDE00\\uDE00\"",
	};
	for (size_t i = 0; i < sizeof rejected / sizeof rejected[0]; i++)
		expect_reject(rejected[i]);
}

static void test_decode_control_bytes(void **state)
{
	(void)state;
	for (unsigned c = 0; c < 0x20; c++) {
		const char in_string[] = { '"', 'a', (char)c, 'b', '"' };
		expect_reject_n(in_string, sizeof in_string);
		const char in_key[] = { '{', '"', (char)c, '"', ':', '1', '}' };
		expect_reject_n(in_key, sizeof in_key);
		const char outside[] = { '[', '1', (char)c, ']' };
		check_decode(outside,
		    sizeof outside); /* whitespace ones are fine */
	}
	expect_accept("\"\x7F\"");
	expect_accept("{\"\x7F\":\"\x7F\"}");
}

static void test_decode_nul(void **state)
{
	(void)state;
	expect_accept("\"\\u0000\"");
	expect_accept("\"a\\u0000b\\u0000\"");
	expect_accept("[\"\\u0000\", {\"k\": \"\\u0000\"}]");
	expect_reject("{\"\\u0000\":1}");
	expect_reject("{\"a\\u0000\":1}");
	expect_reject("{\"ok\":1,\"\\u0000b\":2}");
	expect_reject("{\"a\":{\"\\u0000\":1}}");
	expect_reject_n("\"a\0b\"", 5); /* raw NUL is a control byte */
}

/* jansson loses a NUL byte pushed back after a number or literal (see
   skip_nul_after_bare_token in wire_json.c); we must agree. */
static void test_decode_nul_after_bare_token(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		size_t len;
		bool accept;
	} cases[] = {
		{ "1\0", 2, true },
		{ "[1\0,2]", 6, true },
		{ "true\0", 5, true },
		{ "false\0", 6, true },
		{ "null\0", 5, true },
		{ "1.5\0", 4, true },
		{ "1e5\0", 4, true },
		{ "-0\0", 3, true },
		{ "0\0", 2, true },
		{ "{\"a\":1\0}", 8, true },
		{ "[null\0]", 7, true },
		{ "1\0 ", 3, true },
		{ "[1\0 ,2]", 7, true },
		{ "1\0\0", 3, false },
		{ "[1\0\0]", 5, false },
		{ "[1 \0]", 5, false },
		{ "\"a\"\0", 4, false },
		{ "[]\0", 3, false },
		{ "{}\0", 3, false },
		{ "1.\0", 3, false },
		{ "-\0", 2, false },
		{ "1e\0", 3, false },
		{ "tru\0e", 5, false },
		{ "true\0x", 6, false },
		{ "12345678901234567890\0", 21, false },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (check_decode(cases[i].text, cases[i].len) !=
		    cases[i].accept)
			fail_msg("case %zu: unexpected verdict", i);
}

static void test_decode_unicode(void **state)
{
	(void)state;
	expect_accept("\"h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80 "
	    "\xE6\x97\xA5\xE6\x9C\xAC\"");
	expect_accept("{\"\xC3\xA9\":\"\xF0\x9F\x98\x80\"}");
	/* boundaries of each sequence length */
	expect_accept("\"\xC2\x80\xDF\xBF\xE0\xA0\x80\xED\x9F\xBF\xEE\x80\x80"
	    "\xEF\xBF\xBF\"");
	expect_accept("\"\xF0\x90\x80\x80\xF4\x8F\xBF\xBF\"");
	/* valid UTF-8 but not a token */
	expect_reject("\xC3\xA9");
	expect_reject("[\xC3\xA9]");
	expect_reject("{\xC3\xA9:1}");
}

/* Byte sequences that are not UTF-8 (as jansson 2.14 defines it). */
static const char *const bad_utf8[] = {
	"\x80", "\xBF", "\x80\x80", "\xC0\x80", "\xC1\xBF", "\xC0\xAF", "\xC2",
	"\xC2\x41", "\xC2\xC2\x80", "\xE0\x80\x80", "\xE0\x9F\xBF", "\xE2\x82",
	"\xE2\x28\xA1", "\xE2\x82\x28", "\xED\xA0\x80", "\xED\xBF\xBF",
	"\xED\xAF\xBF\xED\xBF\xBF", "\xF0\x80\x80\x80", "\xF0\x8F\xBF\xBF",
	"\xF0\x9F\x98", "\xF0\x9F", "\xF0", "\xF4\x90\x80\x80",
	"\xF4\xBF\xBF\xBF", "\xF5\x80\x80\x80", "\xF7\xBF\xBF\xBF",
	"\xF8\x88\x80\x80\x80", "\xFC\x84\x80\x80\x80\x80", "\xFE", "\xFF",
	"\xFF\xFE", "\xF0\x9F\x98\x41", "\xE0\xA0", "\xF1\x80\x80",
	"\xC3\xA9\x80",
};
/* Valid sequences at the edges of the ranges. */
static const char *const good_utf8[] = {
	"\x7F", "\xC2\x80", "\xDF\xBF", "\xE0\xA0\x80", "\xE1\x80\x80",
	"\xEC\xBF\xBF", "\xED\x80\x80", "\xED\x9F\xBF", "\xEE\x80\x80",
	"\xEF\xBF\xBF", "\xF0\x90\x80\x80", "\xF1\x80\x80\x80",
	"\xF3\xBF\xBF\xBF", "\xF4\x80\x80\x80", "\xF4\x8F\xBF\xBF",
};

/* Puts seq into a string literal at every offset of a long ASCII string, so
   the SIMD validators see it at every position of their blocks. */
static void check_sequence_everywhere(const char *seq, bool in_key)
{
	const size_t sl = strlen(seq);
	char buf[256];
	for (size_t total = 1; total <= 150; total += (total < 70 ? 1 : 37)) {
		for (size_t at = 0; at <= total; at++) {
			size_t n = 0;
			if (in_key) {
				memcpy(buf + n, "{\"", 2);
				n += 2;
			} else {
				buf[n++] = '"';
			}
			memset(buf + n, 'a', at);
			n += at;
			memcpy(buf + n, seq, sl);
			n += sl;
			memset(buf + n, 'b', total - at);
			n += total - at;
			if (in_key) {
				memcpy(buf + n, "\":1}", 4);
				n += 4;
			} else {
				buf[n++] = '"';
			}
			check_decode(buf, n);
			/* also cut the document right after the sequence */
			check_decode(buf, (in_key ? 2 : 1) + at + sl);
		}
	}
}

static void test_decode_invalid_utf8(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof bad_utf8 / sizeof bad_utf8[0]; i++) {
		char text[32];
		snprintf(text, sizeof text, "\"%s\"", bad_utf8[i]);
		expect_reject(text);
		snprintf(text, sizeof text, "{\"%s\":1}", bad_utf8[i]);
		expect_reject(text);
		snprintf(text, sizeof text, "[1,%s]", bad_utf8[i]);
		expect_reject(text);
	}
	for (size_t i = 0; i < sizeof good_utf8 / sizeof good_utf8[0]; i++) {
		char text[32];
		snprintf(text, sizeof text, "\"%s\"", good_utf8[i]);
		expect_accept(text);
	}
}

static void test_decode_utf8_at_every_offset(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof bad_utf8 / sizeof bad_utf8[0]; i++)
		check_sequence_everywhere(bad_utf8[i], i % 4 == 0);
	for (size_t i = 0; i < sizeof good_utf8 / sizeof good_utf8[0]; i++)
		check_sequence_everywhere(good_utf8[i], i % 4 == 0);
}

static void test_decode_numbers(void **state)
{
	(void)state;
	static const char *const accepted[] = {
		"0", "-0", "1", "-1", "0.0", "-0.0", "0e0", "-0e0", "0E+0",
		"0e-0", "0.000", "1e0", "1E2", "1e+2", "1e-2", "1.5", "-1.5",
		"123.456e-7", "1.5e300", "1e308", "1e-400", "-1e-400",
		"4.9e-324", "5e-324", "2.4e-324", "2.5e-324",
		"2.2250738585072011e-308", "2.2250738585072014e-308",
		"1.7976931348623157e308", "1.7976931348623158e308",
		"-1.7976931348623157e308", "9223372036854775807",
		"-9223372036854775808", "9223372036854775806",
		"-9223372036854775807", "9223372036854775807.0",
		"9223372036854775808.0", "1e19",
		"123456789012345678901234567890.0",
		"123456789012345678901234567890e-10", "0.1", "0.2", "0.3",
		"3.141592653589793", "0.10000000000000001", "1e22", "1e23",
		"9007199254740993.0", "9007199254740992e0",
		"9007199254740993e0", "1.0e+0000000000000000000001",
		"1e-0000000000000000000000000001",
		"0.000000000000000000000000000000000000000000001", "1e-22",
		"1e-23", "7e22", "123456789012345e-22", "1234567890123456e-22",
		"0e999999999999999999999999", "-0e-999999999999999999999",
		"1e-99999999999999999999999999", "[0,-0,0.5,-0.5]",
		"100000000000000000000000000000000000000000000000000000000000e-"
		"60",
		"0."
		"0000000000000000000000000000000000000000000000000000000000001e"
		"61", "2.2250738585072012e-308", "4.9406564584124654e-324",
		"1.2345678901234567e19", "89255.0e-22", "8.98846567431158e307",
		"[1,2.5,-3e3]", "{\"n\":-0.0}",
		"1.00000000000000011102230246251565404236316680908203125",
		"1.00000000000000011102230246251565404236316680908203124",
		"1.00000000000000011102230246251565404236316680908203126",
		"7.2057594037927933e16", "9007199254740991",
		"-9007199254740992",
	};
	static const char *const rejected[] = {
		"9223372036854775808", "-9223372036854775809",
		"18446744073709551616", "99999999999999999999",
		"-99999999999999999999999999999999", "1e309", "1e400",
		"-1e400", "1.7976931348623159e308", "-1.7976931348623159e308",
		"1e999999999999999999999", "123456789e99999999999999999999",
		"00", "01", "-01", "-00", "000", "0123", "1.", "-1.", "1.e5",
		".5", "-.5", "-", "--1", "+1", "+0", "1e", "1E", "1e+", "1e-",
		"1.5e-", "1.5e+e", "0x10", "0X1F", "1..2", "1.2.3", "1e2e3",
		"1e2.3", "- 1", "1 .5", "[-]", "[1.]", "{\"a\":-}", "0b101",
		"1_000", "١", "1,5", "-0x1", "Infinity", "1E+2.5",
	};
	for (size_t i = 0; i < sizeof accepted / sizeof accepted[0]; i++)
		expect_accept(accepted[i]);
	for (size_t i = 0; i < sizeof rejected / sizeof rejected[0]; i++)
		expect_reject(rejected[i]);

	/* integer vs real typing and the exact values */
	json_t *v =
	    shmrpc__wire_json_decode("[-0, -0.0, 9223372036854775807, 1.0]", 36,
		NULL);
	assert_non_null(v);
	assert_true(json_is_integer(json_array_get(v, 0)));
	assert_int_equal(json_integer_value(json_array_get(v, 0)), 0);
	assert_true(json_is_real(json_array_get(v, 1)));
	assert_true(signbit(json_real_value(json_array_get(v, 1))));
	assert_true(json_integer_value(json_array_get(v, 2)) == INT64_MAX);
	assert_true(json_is_real(json_array_get(v, 3)));
	json_decref(v);
}

/* Digits around the fast/slow path boundaries of the real parser. */
static void test_decode_number_sweep(void **state)
{
	(void)state;
	uint64_t rng = 0x9E3779B97F4A7C15u;
	char text[96];
	for (int i = 0; i < 3000; i++) {
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		const int digits = 1 + (int)(rng % 25);
		const int exp = (int)((rng >> 8) % 700) - 350;
		const int point = (int)((rng >> 20) % (unsigned)(digits + 1));
		size_t n = 0;
		if (rng & (1u << 30))
			text[n++] = '-';
		uint64_t r = rng;
		for (int d = 0; d < digits; d++) {
			if (d == point && d != 0)
				text[n++] = '.';
			r = r * 6364136223846793005u + 1442695040888963407u;
			char c = (char)('0' + (r >> 60) % 10);
			if (d == 0 && c == '0' && point != 1)
				c = '7'; /* no leading zero unless "0." */
			text[n++] = c;
		}
		if (rng & (1u << 31))
			n += (size_t)snprintf(text + n, sizeof text - n, "e%d",
			    exp);
		else if (point == 0 || point == digits)
			n += (size_t)snprintf(text + n, sizeof text - n, ".5");
		check_decode(text, n);
	}
}

static void test_decode_depth(void **state)
{
	(void)state;
	const size_t max = JSON_PARSER_MAX_DEPTH;
	struct {
		size_t depth;
		const char *middle;
		bool accept;
	} cases[] = {
		{ max - 1, "", true },
		{ max, "", true },
		{ max + 1, "", false },
		{ max - 1, "1", true },
		{ max, "1", false },
		{ max, "\"s\"", false },
		{ max - 1, "[]", true },
		{ max - 1, "{}", true },
		{ max, "[]", false },
		{ max + 100, "", false },
		{ max - 1, "1,2", true },
		{ max - 1, "{\"a\":1}", false },
		{ max - 2, "{\"a\":1}", true },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *text = nested("[", "]", cases[i].depth, cases[i].middle);
		if (check_decode_str(text) != cases[i].accept)
			fail_msg("depth %zu with '%s': unexpected verdict",
			    cases[i].depth, cases[i].middle);
		free(text);
	}
	/* objects count the same way; keys are not values */
	char *obj_ok = nested("{\"k\":", "}", max - 1, "1");
	char *obj_bad = nested("{\"k\":", "}", max, "1");
	char *obj_edge = nested("{\"k\":", "}", max, "{}");
	char *mixed = nested("[{\"a\":", "}]", max / 2, "0");
	char *unclosed = repeat("[", max * 2, "");
	char *unclosed_ok = repeat("[", max - 1, "");
	expect_accept(obj_ok);
	expect_reject(obj_bad);
	expect_reject(obj_edge);
	expect_reject(mixed);
	expect_reject(unclosed);
	expect_reject(unclosed_ok);
	free(obj_ok);
	free(obj_bad);
	free(obj_edge);
	free(mixed);
	free(unclosed);
	free(unclosed_ok);
}

static void test_decode_duplicates_and_order(void **state)
{
	(void)state;
	expect_accept("{\"a\":1,\"a\":2}");
	expect_accept("{\"a\":1,\"b\":2,\"a\":3}");
	expect_accept("{\"a\":[1,2],\"b\":{},\"a\":{\"x\":[3]}}");
	expect_accept("{\"b\":1,\"a\":2,\"c\":3,\"a\":4,\"b\":5}");
	/* the same key spelled twice */
	expect_accept("{\"\\u0061\":1,\"a\":2}");
	expect_accept("{\"z\":1,\"y\":2,\"x\":3,\"w\":4,\"v\":5,\"u\":6,"
	    "\"t\":7,\"s\":8,\"r\":9}");

	json_t *v = shmrpc__wire_json_decode("{\"b\":1,\"a\":2,\"b\":3}", 19,
	    NULL);
	assert_non_null(v);
	assert_int_equal(json_object_size(v), 2);
	assert_int_equal(json_integer_value(json_object_get(v, "b")), 3);
	void *it = json_object_iter(v);
	assert_string_equal(json_object_iter_key(it),
	    "b"); /* first position kept */
	json_decref(v);
}

/* Long strings and keys with escapes move the scratch arena while a key is
   pending; many members make jansson rehash. */
static void test_decode_large_and_escaped(void **state)
{
	(void)state;
	const size_t n = 5000;
	char *key = repeat("\\u00e9\\n", 300, "");
	char *val = repeat("x\\\"\\u20AC\\uD83D\\uDE00", n, "");
	size_t cap = strlen(key) * 2 + strlen(val) * 2 + 64;
	char *doc = xmalloc(cap);
	snprintf(doc, cap, "{\"%s\":\"%s\",\"%s2\":[\"%s\"]}", key, val, key,
	    val);
	expect_accept(doc);
	free(doc);
	free(key);
	free(val);

	/* many members and elements */
	size_t len = 0;
	cap = 20 * 2000 + 16;
	doc = xmalloc(cap);
	doc[len++] = '{';
	for (int i = 0; i < 2000; i++)
		len += (size_t)snprintf(doc + len, cap - len,
		    "%s\"k%d\":[%d,\"v\"]", i ? "," : "", i, i);
	doc[len++] = '}';
	expect_accept_n(doc, len);
	free(doc);

	/* a long plain string and one with an escape at the very end */
	char *plain = repeat("abcdefghij", 100000, "");
	const size_t qcap = strlen(plain) + 8;
	char *quoted = xmalloc(qcap);
	snprintf(quoted, qcap, "\"%s\"", plain);
	expect_accept(quoted);
	snprintf(quoted, qcap, "\"%s\\n\"", plain);
	expect_accept(quoted);
	snprintf(quoted, qcap, "\"%s\\", plain);
	expect_reject(quoted);
	snprintf(quoted, qcap, "\"%s", plain);
	expect_reject(quoted);
	free(plain);
	free(quoted);
}

static void test_decode_every_prefix(void **state)
{
	(void)state;
	static const char *const docs[] = {
		"{\"request_id\":\"6f1c2a9e\",\"method\":\"add\",\"params\":{"
		"\"a\":1,\"b\":-2.5e3}}",
		"[true, false, null, \"\\u00e9\\uD83D\\uDE00\\n\", -0.0, "
		"12345678901234567890e-5]",
		" { \"a\" : [ 1 , { \"b\" : null } ] , \"c\" : "
		"\"\xE2\x82\xAC\xF0\x9F\x98\x80\" } ",
		"\"abc\\\"def\\\\ghi\\/\\b\\f\\n\\r\\t\\u0000\"", "-12.5e-3",
		"[[[[[[]]]]],{\"\":{\"\":[]}}]",
	};
	for (size_t d = 0; d < sizeof docs / sizeof docs[0]; d++) {
		const size_t len = strlen(docs[d]);
		for (size_t cut = 0; cut <= len; cut++)
			check_decode(docs[d], cut);
		/* and every single-byte deletion */
		char *buf = xmalloc(len);
		for (size_t skip = 0; skip < len; skip++) {
			memcpy(buf, docs[d], skip);
			memcpy(buf + skip, docs[d] + skip + 1, len - skip - 1);
			check_decode(buf, len - 1);
		}
		free(buf);
	}
}

static void test_decode_errors(void **state)
{
	(void)state;
	json_error_t err;
	assert_null(shmrpc__wire_json_decode(NULL, 0, &err));
	assert_null(json_loadb(NULL, 0, WIRE_JSON_LOAD_FLAGS, NULL));
	assert_true(err.text[0] != '\0');

	assert_null(shmrpc__wire_json_decode("[1,\n2,\n x]", 10, &err));
	assert_int_equal(err.line, 3);
	assert_int_equal(err.position, 8);
	assert_int_equal(json_error_code(&err), json_error_invalid_syntax);
	assert_string_equal(err.source, "<buffer>");

	assert_null(shmrpc__wire_json_decode("99999999999999999999", 20, &err));
	assert_int_equal(json_error_code(&err), json_error_numeric_overflow);
	assert_null(shmrpc__wire_json_decode("\"\xC0\x80\"", 4, &err));
	assert_int_equal(json_error_code(&err), json_error_invalid_utf8);
	assert_int_equal(err.position, 1);
	assert_null(shmrpc__wire_json_decode("{\"\\u0000\":1}", 12, &err));
	assert_int_equal(json_error_code(&err), json_error_null_byte_in_key);
	assert_null(shmrpc__wire_json_decode("1 2", 3, &err));
	assert_int_equal(json_error_code(&err),
	    json_error_end_of_input_expected);

	json_t *v = shmrpc__wire_json_decode("[1]", 3, &err);
	assert_non_null(v);
	assert_int_equal(err.position, 3);
	json_decref(v);
}

/* ------------------------------------------------------------------------ */
/* encode                                                                    */
/* ------------------------------------------------------------------------ */

static void test_encode_scalars(void **state)
{
	(void)state;
	json_t *values[] = {
		json_null(),
		json_true(),
		json_false(),
		json_integer(0),
		json_integer(-1),
		json_integer(INT64_MAX),
		json_integer(INT64_MIN),
		json_integer(INT64_MIN + 1),
		json_integer(1000000),
		json_integer(-999999999),
		json_real(0.0),
		json_real(-0.0),
		json_real(0.1),
		json_real(-1.5),
		json_real(1e16),
		json_real(1e17),
		json_real(123.0),
		json_real(1e-5),
		json_real(1e-4),
		json_real(1e300),
		json_real(1e-300),
		json_real(5e-324),
		json_real(2.2250738585072014e-308),
		json_real(1.7976931348623157e308),
		json_real(-1.7976931348623157e308),
		json_real(9007199254740993.0),
		json_real(1.2345678901234567e-7),
		json_real(100.0),
		json_real(1e21),
		json_real(1e22),
		json_string(""),
		json_string("plain"),
		json_string("/slash/ is not escaped"),
		json_string("\"quote\" \\backslash\\ \b\f\n\r\t"),
		json_string("\x7F \xC3\xA9 \xF0\x9F\x98\x80"),
		json_stringn("a\0b", 3),
		json_stringn("\0", 1),
	};
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
		assert_non_null(values[i]);
		assert_true(check_encode(values[i]) > 0);
		json_decref(values[i]);
	}
	for (unsigned c = 0; c < 0x20; c++) {
		const char s[] = { 'x', (char)c, 'y' };
		json_t *v = json_stringn(s, sizeof s);
		assert_true(check_encode(v) > 0);
		json_decref(v);
	}
	assert_int_equal(shmrpc__wire_json_encode(NULL, NULL, 0), 0);
	assert_int_equal(json_dumpb(NULL, NULL, 0, WIRE_JSON_DUMP_FLAGS), 0);
}

static void test_encode_reals_bitwise(void **state)
{
	(void)state;
	uint64_t rng = 88172645463325252u;
	for (int i = 0; i < 4000; i++) {
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		double d;
		uint64_t bits = rng;
		if (i % 3 == 1) /* small exponents: plain decimal notation */
			bits = (bits & UINT64_C(0x800FFFFFFFFFFFFF)) |
			    ((uint64_t)(1003 + i % 60) << 52);
		memcpy(&d, &bits, sizeof d);
		if (i % 3 == 2)
			d = (double)(int64_t)(rng % 2000001) / 1000.0 - 1000.0;
		if (!isfinite(d))
			continue;
		json_t *v = json_real(d);
		check_encode(v);
		json_decref(v);
	}
}

/* Every form of python/FORMAT.md and shmrpc(7), literally: ryu's own
   d2s tests (crate 1.0.17 tests/d2s_test.rs), orjson's float tests, and
   one case per layout rule. */
static void test_encode_seed_forms(void **state)
{
	(void)state;
	static const struct {
		double x;
		const char *text;
	} forms[] = {
		{ 0.0, "0.0" }, { -0.0, "-0.0" }, { 1.0, "1.0" },
		{ -1.0, "-1.0" }, { 100.0, "100.0" }, { 123.0, "123.0" },
		{ 1e15, "1000000000000000.0" },
		{ 9007199254740992.0, "9007199254740992.0" },
		{ 1234000000000000.0, "1234000000000000.0" },
		{ 12.34, "12.34" }, { 123.456, "123.456" },
		{ 31.245270191439438, "31.245270191439438" },
		{ 121.48791951161945, "121.48791951161945" },
		{ 100.78399658203125, "100.78399658203125" },
		{ 2.718281828459045, "2.718281828459045" },
		{ 2.71828, "2.71828" }, { 0.8701, "0.8701" },
		{ 0.5, "0.5" }, { 0.1, "0.1" }, { 0.3, "0.3" },
		{ 0.0001, "0.0001" }, { 1e-5, "0.00001" },
		{ 1.5e-5, "0.000015" }, { 1e16, "1e16" }, { 1e17, "1e17" },
		{ 1e21, "1e21" }, { 1e22, "1e22" }, { 1e100, "1e100" },
		{ 1e-6, "1e-6" }, { 1e-7, "1e-7" }, { 1.5e-6, "1.5e-6" },
		{ 1.234e16, "1.234e16" }, { 1.1e128, "1.1e128" },
		{ 1.1e-64, "1.1e-64" }, { 5e-324, "5e-324" },
		{ 1.7976931348623157e308, "1.7976931348623157e308" },
		{ -1.7976931348623157e308, "-1.7976931348623157e308" },
		{ 2.2250738585072014e-308, "2.2250738585072014e-308" },
		{ 2.9802322387695312e-8, "2.9802322387695312e-8" },
		{ 0.30000000000000004, "0.30000000000000004" },
		{ 1.2345678901234567e-7, "1.2345678901234566e-7" },
		{ 9007199254740993.0, "9007199254740992.0" },
	};
	char text[FLOAT_TEXT_MAX + 1];

	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		const size_t n = shmrpc__float_format(forms[i].x, text);
		text[n] = '\0';
		if (strcmp(text, forms[i].text) != 0)
			fail_msg("%a: wrote %s, the seed writes %s", forms[i].x,
			    text, forms[i].text);
		assert_true(strtod(text, NULL) == forms[i].x);
		json_t *v = json_real(forms[i].x);
		assert_int_equal(check_encode(v), n);
		json_decref(v);
	}
	assert_int_equal(shmrpc__float_format(NAN, text), 0);
	assert_int_equal(shmrpc__float_format(-INFINITY, text), 0);

	/* control escapes: lower-case hex, as orjson's HEX_DIGITS */
	json_t *v = json_stringn("\x1f\x0b\x00\x7f", 4);
	char buf[32];
	const size_t n = shmrpc__wire_json_encode(v, buf, sizeof buf);
	assert_int_equal(n, 21);
	assert_memory_equal(buf, "\"\\u001f\\u000b\\u0000\x7f\"", n);
	json_decref(v);
}

/* Every power of two and its neighbours, where the gap below a double is
   half the gap above: the formatter against the brute-force reference,
   and the text read back to the same double. */
static void test_encode_powers_of_two(void **state)
{
	(void)state;
	char got[FLOAT_TEXT_MAX + 1], want[FLOAT_TEXT_MAX + 1];

	for (int e = -1074; e <= 1023; e++) {
		for (int d = -2; d <= 2; d++) {
			double x = ldexp(1.0, e);
			uint64_t bits;
			memcpy(&bits, &x, sizeof bits);
			bits += (uint64_t)(int64_t)d;
			memcpy(&x, &bits, sizeof x);
			if (!isfinite(x) || x <= 0.0)
				continue;
			const size_t n = shmrpc__float_format(x, got);
			const size_t m = seed_reference_real(x, want);
			got[n] = want[m] = '\0';
			if (strcmp(got, want) != 0)
				fail_msg("%a: wrote %s, reference %s", x, got,
				    want);
			assert_true(strtod(got, NULL) == x);
		}
	}
}

static void test_encode_containers(void **state)
{
	(void)state;
	const char *const format =
	    "{s:s, s:s, s:{s:i, s:i}, s:[], s:{}, s:[i,[f,[n,b]]]}";
	json_t *v = json_pack(format, "request_id", "6f1c2a9e-3b7d", "method",
	    "add", "params", "a", 1, "b", 2, "empty_a", "empty_o", "deep", 1,
	    2.5, 1);
	assert_non_null(v);
	check_encode(v);
	/* order is insertion order, duplicates keep the first position */
	json_object_set_new(v, "method", json_string("sub"));
	json_object_set_new(v, "\xC3\xA9\"\\\n", json_string("k"));
	check_encode(v);
	json_decref(v);

	/* a key with NUL: both print it, neither decoder takes it back */
	json_t *o = json_object();
	json_object_setn_new_nocheck(o, "a\0b", 3, json_integer(1));
	assert_true(check_encode(o) > 0);
	json_decref(o);

	json_t *arr = json_array();
	for (int i = 0; i < 1000; i++)
		json_array_append_new(arr,
		    i % 2 ? json_integer(i) : json_sprintf("s%d\n", i));
	check_encode(arr);
	json_decref(arr);
}

static void test_encode_invalid_utf8(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof bad_utf8 / sizeof bad_utf8[0]; i++) {
		for (size_t at = 0; at < 140; at += (at < 70 ? 1 : 13)) {
			char buf[200];
			const size_t sl = strlen(bad_utf8[i]);
			memset(buf, 'q', at);
			memcpy(buf + at, bad_utf8[i], sl);
			memset(buf + at + sl, 'r', 20);
			json_t *s = json_stringn_nocheck(buf,
			    at + sl + (i % 2 ? 20 : 0));
			assert_int_equal(check_encode(s), 0);
			json_t *a = json_pack("[i,O]", 1, s);
			assert_int_equal(check_encode(a), 0);
			json_decref(a);
			json_decref(s);
		}
	}
	for (size_t i = 0; i < sizeof good_utf8 / sizeof good_utf8[0]; i++) {
		for (size_t at = 0; at < 140; at += 3) {
			char buf[200];
			const size_t sl = strlen(good_utf8[i]);
			memset(buf, 'q', at);
			memcpy(buf + at, good_utf8[i], sl);
			json_t *s = json_stringn_nocheck(buf, at + sl);
			assert_true(check_encode(s) > 0);
			json_decref(s);
		}
	}
}

/* Every capacity from 0 to beyond the size: the needed size is returned,
   nothing is written at or past buf[cap], and a big enough buffer holds
   the expected text. */
static void test_encode_small_capacity(void **state)
{
	(void)state;
	json_t *docs[] = {
		json_pack("{s:s, s:[i,f,b,n], s:s}", "key",
		    "value with \"quotes\" and \n", "list", 42, -0.5, 1, "u",
		    "\xE2\x82\xAC\xF0\x9F\x98\x80"),
		json_string("0123456789abcdef0123456789abcdef"
		    "0123456789abcdef0123456789abcdef!"),
		json_stringn("\x01\x02\"\\", 4),
		json_integer(INT64_MIN),
		json_real(1e-300),
	};
	for (size_t d = 0; d < sizeof docs / sizeof docs[0]; d++) {
		const size_t need = check_encode(docs[d]);
		assert_true(need > 0);
		char *expected = expected_text(docs[d], &(size_t){ 0 });
		for (size_t cap = 0; cap <= need + 2; cap++) {
			unsigned char *buf = xmalloc(cap + GUARD_BYTES);
			memset(buf, GUARD_VALUE, cap + GUARD_BYTES);
			const size_t got = shmrpc__wire_json_encode(docs[d],
			    (char *)buf, cap);

			assert_int_equal(got, need);
			for (size_t i = cap; i < cap + GUARD_BYTES; i++)
				if (buf[i] != GUARD_VALUE)
					fail_msg("doc %zu cap %zu: wrote %zu",
					    d, cap, i);
			if (cap >= need)
				assert_memory_equal(buf, expected, need);
			free(buf);
		}
		free(expected);
		json_decref(docs[d]);
	}
	assert_int_equal(shmrpc__wire_json_encode(json_true(), NULL, 0), 4);
}

static json_t *nest_arrays(size_t depth, json_t *innermost)
{
	json_t *v = innermost;
	for (size_t i = 0; i < depth; i++) {
		json_t *a = json_array();
		if (v != NULL)
			json_array_append_new(a, v);
		v = a;
	}
	return v;
}

static void test_encode_depth(void **state)
{
	(void)state;
	const size_t max = WIRE_JSON_MAX_DEPTH;
	/* up to the decoder's limit both encoders agree */
	json_t *v = nest_arrays(max, NULL);
	assert_true(check_encode(v) > 0);
	json_decref(v);
	v = nest_arrays(max - 1, json_integer(7));
	assert_true(check_encode(v) > 0);
	json_decref(v);
	json_t *o = json_integer(1);
	for (size_t i = 0; i < max - 1; i++) {
		json_t *parent = json_object();
		json_object_set_new(parent, "k", o);
		o = parent;
	}
	assert_true(check_encode(o) > 0);
	json_decref(o);

	/* a reference cycle: both refuse */
	json_t *a = json_array(), *b = json_array();
	json_array_append(a, b);
	json_array_append(b, a);
	assert_int_equal(check_encode(a), 0);
	json_array_clear(b);
	json_decref(a);
	json_decref(b);
}

/* The documented differences of wire_json.h, pinned so that a change in
   either library shows up here. */
static void test_deliberate_differences(void **state)
{
	(void)state;
	const size_t max = WIRE_JSON_MAX_DEPTH;
	/* 1. deeper than the decoders accept: jansson prints it, we refuse */
	json_t *v = nest_arrays(max, json_integer(7));
	assert_int_equal(shmrpc__wire_json_encode(v, NULL, 0), 0);
	assert_true(json_dumpb(v, NULL, 0, WIRE_JSON_DUMP_FLAGS) > 0);
	size_t len;
	char *text = jansson_text(v, &len);
	assert_null(json_loadb(text, len, WIRE_JSON_LOAD_FLAGS, NULL));
	free(text);
	json_decref(v);
	v = nest_arrays(max + 1, NULL);
	assert_int_equal(shmrpc__wire_json_encode(v, NULL, 0), 0);
	json_decref(v);

	/* 2. a key that is not UTF-8: jansson emits malformed text */
	json_t *o = json_object();
	json_object_setn_new_nocheck(o, "a\xFF", 2, json_integer(1));
	assert_int_equal(shmrpc__wire_json_encode(o, NULL, 0), 0);
	text = jansson_text(o, &len);
	assert_non_null(text);
	assert_null(json_loadb(text, len, WIRE_JSON_LOAD_FLAGS, NULL));
	free(text);
	json_decref(o);

	/* 3. non-finite reals cannot be built, so there is nothing to compare
	 */
	assert_null(json_real(NAN));
	assert_null(json_real(INFINITY));
}

/* Reals must not depend on LC_NUMERIC.  Runs in whatever of these locales
   is installed (e.g. LOCPATH=dir with `localedef -i de_DE -f UTF-8
   dir/de_DE.UTF-8`).  jansson itself only copes with one-byte decimal
   points, so ps_AF (U+066B) is checked against the C locale only. */
static void test_locale_independence(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		bool jansson_copes;
	} locales[] = { { "de_DE.UTF-8", true }, { "fr_FR.UTF-8", true },
		{ "ps_AF.UTF-8", false } };
	json_t *reals = json_pack("[f,f,f,f,f]", 1.5, -0.25, 1e300, 0.1,
	    1.2345678901234567e-7);
	char c_text[128], text[128];
	/* reference: the C locale, where check_encode() compared with jansson
	 */
	const size_t c_len = check_encode(reals);
	assert_int_equal(shmrpc__wire_json_encode(reals, c_text, sizeof c_text),
	    c_len);
	const char *const reals_text = c_text;

	const char *old = setlocale(LC_NUMERIC, NULL);
	char *saved = strdup(old ? old : "C");
	size_t tried = 0;
	for (size_t i = 0; i < sizeof locales / sizeof locales[0]; i++) {
		if (setlocale(LC_NUMERIC, locales[i].name) == NULL)
			continue;
		tried++;
		const size_t len = shmrpc__wire_json_encode(reals, text,
		    sizeof text);
		json_t *back = shmrpc__wire_json_decode(reals_text, c_len,
		    NULL);
		size_t jansson_len = 0;
		char jansson_buf[128];
		json_t *jansson_back = NULL;
		if (locales[i].jansson_copes) {
			jansson_len = json_dumpb(reals, jansson_buf,
			    sizeof jansson_buf, WIRE_JSON_DUMP_FLAGS);
			jansson_back = json_loadb(reals_text, c_len,
			    WIRE_JSON_LOAD_FLAGS, NULL);
		}
		setlocale(LC_NUMERIC,
		    saved); /* before any assertion can jump out */

		assert_int_equal(len, c_len);
		assert_memory_equal(text, c_text, len);
		assert_non_null(back);
		assert_true(json_equal(back, reals));
		if (locales[i].jansson_copes) {
			size_t seed_len;
			char *seed = seed_text(jansson_buf, jansson_len,
			    &seed_len);
			assert_non_null(seed);
			assert_int_equal(seed_len, c_len);
			assert_memory_equal(seed, c_text, c_len);
			assert_true(json_equal(jansson_back, back));
			free(seed);
		}
		json_decref(back);
		json_decref(jansson_back);
	}
	free(saved);
	json_decref(reals);
	if (tried == 0)
		print_message("  (no de/fr/ps locale installed: "
		    "only the C locale was checked)\n");
}

/* ------------------------------------------------------------------------ */
/* random documents                                                          */
/* ------------------------------------------------------------------------ */

typedef struct {
	uint64_t s;
} rng_t;

static uint64_t rng_next(rng_t *r)
{
	/* xorshift64* */
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * UINT64_C(2685821657736338717);
}

static size_t rng_below(rng_t *r, size_t n)
{
	return (size_t)(rng_next(r) % n);
}

/* Random bytes: mostly ASCII, with controls, quotes, backslashes, valid
   multi-byte characters and (when allow_invalid) rarely invalid bytes. */
static size_t random_text(rng_t *r, char *out, size_t max, bool allow_invalid)
{
	static const char *const pieces[] = {
		"\"", "\\", "/", "\n", "\t", "\x01", "\x1F", "\x7F",
		"\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xEF\xBF\xBF",
		"\xF4\x8F\xBF\xBF", "\xC2\x80", " ",
	};
	/* mostly short strings, sometimes long ones for the SIMD paths */
	size_t len = rng_below(r, 12);

	if (rng_below(r, 6) == 0)
		len = rng_below(r, max);
	size_t n = 0;
	while (n < len) {
		const size_t kind = rng_below(r, 10);
		if (kind < 6) {
			out[n++] = (char)('a' + rng_below(r, 26));
		} else if (kind < 9) {
			const char *p = pieces[rng_below(r,
			    sizeof pieces / sizeof pieces[0])];
			const size_t pl = strlen(p);
			if (n + pl > max)
				break;
			memcpy(out + n, p, pl);
			n += pl;
		} else if (allow_invalid && rng_below(r, 40) == 0) {
			out[n++] = (char)(0x80 + rng_below(r, 128));
		} else if (rng_below(r, 4) == 0) {
			out[n++] = '\0';
		} else {
			out[n++] = (char)('0' + rng_below(r, 10));
		}
	}
	return n;
}

static json_t *random_number(rng_t *r)
{
	switch (rng_below(r, 6)) {
	case 0:
		return json_integer((json_int_t)rng_next(r));
	case 1:
		return json_integer((json_int_t)rng_below(r, 2000) - 1000);
	case 2: {
		const uint64_t bits = rng_next(r);
		double d;
		memcpy(&d, &bits, sizeof d);
		return json_real(isfinite(d) ? d : 1.0);
	}
	case 3:
		return json_real(
		    (double)((int64_t)rng_below(r, 200000) - 100000) / 128.0);
	case 4:
		return json_real(
		    ldexp((double)rng_next(r), (int)rng_below(r, 200) - 100));
	default:
		return json_integer(rng_below(r, 2) ? INT64_MAX : INT64_MIN);
	}
}

static json_t *random_value(rng_t *r, int depth, bool allow_invalid)
{
	char text[300];
	const size_t kind = rng_below(r, depth > 5 ? 6 : 9);
	switch (kind) {
	case 0:
		return json_null();
	case 1:
		return json_boolean(rng_below(r, 2));
	case 2:
	case 3:
		return random_number(r);
	case 4:
	case 5: {
		const size_t n = random_text(r, text, sizeof text,
		    allow_invalid);
		return json_stringn_nocheck(text, n);
	}
	case 6:
	case 7: {
		json_t *a = json_array();
		const size_t n = rng_below(r, 6);
		for (size_t i = 0; i < n; i++)
			json_array_append_new(a,
			    random_value(r, depth + 1, allow_invalid));
		return a;
	}
	default: {
		json_t *o = json_object();
		const size_t n = rng_below(r, 6);
		for (size_t i = 0; i < n; i++) {
			/* keys: valid UTF-8 (see deliberate difference 2),
			 * rarely NUL */
			const size_t kl = random_text(r, text, 40, false);
			json_object_setn_new_nocheck(o, text, kl,
			    random_value(r, depth + 1, allow_invalid));
		}
		return o;
	}
	}
}

/* Damage a valid text: change, insert or delete bytes. */
static size_t mutate(rng_t *r, char *buf, size_t len, size_t cap)
{
	static const char interesting[] =
	    "\"\\{}[],:-+.eE0123456789 tfnu\x80\xC3\xFF\n";
	const size_t edits = 1 + rng_below(r, 3);
	for (size_t e = 0; e < edits; e++) {
		const size_t at = len ? rng_below(r, len) : 0;
		const char c =
		    interesting[rng_below(r, sizeof interesting - 1)];
		switch (rng_below(r, 3)) {
		case 0:
			if (len)
				buf[at] = c;
			break;
		case 1:
			if (len < cap) {
				memmove(buf + at + 1, buf + at, len - at);
				buf[at] = c;
				len++;
			}
			break;
		default:
			if (len) {
				memmove(buf + at, buf + at + 1, len - at - 1);
				len--;
			}
			break;
		}
	}
	return len;
}

static void test_random_documents(void **state)
{
	(void)state;
	rng_t r = { UINT64_C(0x2545F4914F6CDD1D) };
	size_t accepted_mutants = 0, refused = 0;
	for (int i = 0; i < 3000; i++) {
		const bool allow_invalid = i % 5 == 0;
		json_t *v = random_value(&r, 0, allow_invalid);
		assert_non_null(v);
		const size_t len = check_encode(v);
		if (len == 0) {
			refused++;
			json_decref(v);
			continue;
		}
		const size_t cap = len + 16;
		char *text = xmalloc(cap);
		assert_int_equal(shmrpc__wire_json_encode(v, text, cap), len);
		check_decode(text, len);
		/* pretty-printed variant: whitespace everywhere */
		char *pretty = json_dumps(v, JSON_ENCODE_ANY | JSON_INDENT(1));
		if (pretty != NULL) {
			check_decode(pretty, strlen(pretty));
			free(pretty);
		}
		for (int m = 0; m < 3; m++) {
			char *copy = xmalloc(cap);
			memcpy(copy, text, len);
			const size_t mlen = mutate(&r, copy, len, cap);
			accepted_mutants += check_decode(copy, mlen);
			free(copy);
		}
		free(text);
		json_decref(v);
	}
	print_message("  random: %zu documents refused by both encoders, "
	    "%zu mutants accepted\n", refused, accepted_mutants);
}

/* Long random strings: the SIMD paths with specials at random offsets. */
static void test_random_long_strings(void **state)
{
	(void)state;
	rng_t r = { UINT64_C(0x9E3779B97F4A7C15) };
	static const char *const specials[] = { "\"", "\\", "\n", "\x01",
		"\xC3\xA9", "\xF0\x9F\x98\x80", "\xE2\x82\xAC", "\x80",
		"\xED\xA0\x80", "\xC3" };
	char *buf = xmalloc(5000);
	for (int i = 0; i < 300; i++) {
		const size_t len = 60 + rng_below(&r, 4000);
		for (size_t k = 0; k < len; k++)
			buf[k] = (char)('A' + rng_below(&r, 26));
		const size_t nspecial = rng_below(&r, 4);
		for (size_t k = 0; k < nspecial; k++) {
			const char *s = specials[rng_below(&r,
			    sizeof specials / sizeof specials[0])];
			const size_t at = rng_below(&r, len - 4);
			memcpy(buf + at, s, strlen(s));
		}
		json_t *v = json_stringn_nocheck(buf, len);
		check_encode(v);
		json_decref(v);
		/* and as JSON text, with the specials raw */
		char *doc = xmalloc(len + 2);
		doc[0] = '"';
		memcpy(doc + 1, buf, len);
		doc[len + 1] = '"';
		check_decode(doc, len + 2);
		free(doc);
	}
	free(buf);
}

/* Strings of every length around the vector widths (16, 32, 64) with a
   byte to escape, a multi-byte character or a broken one at the places
   where the fused copy changes step (block edges, the tail), over ASCII
   and over non-ASCII filler: encoded and decoded, each against jansson. */
static void test_string_runs_at_block_edges(void **state)
{
	static const char *const inserts[] = { "\"", "\\", "\n", "\x1f",
		"\xC3\xA9", "\xF0\x9F\x98\x80", "\xE2\x82\xAC", "\x80",
		"\xC3", "\xED\xA0\x80", "\\n", "\\u00e9", "\\u0000" };
	static const char *const fillers[] = { "a", "\xC3\xA9" };
	static const size_t places[] = { 0, 1, 14, 15, 16, 17, 30, 31, 32, 33,
		62, 63, 64, 65, 95, 96, 127, 128 };
	char buf[400], doc[402];

	(void)state;
	for (size_t f = 0; f < 2; f++) {
		const size_t unit = strlen(fillers[f]);
		for (size_t len = 0; len <= 160; len++) {
			for (size_t i = 0; i < len; i += unit)
				memcpy(buf + i, fillers[f],
				    len - i < unit ? len - i : unit);
			for (size_t s = 0; s < sizeof inserts / sizeof *inserts;
			     s++) {
				const size_t n = strlen(inserts[s]);
				for (size_t k = 0; k < sizeof places /
				     sizeof *places; k++) {
					char save[8];
					const size_t at = places[k];
					if (at + n > len)
						continue;
					memcpy(save, buf + at, n);
					memcpy(buf + at, inserts[s], n);
					json_t *v = json_stringn_nocheck(buf, len);
					check_encode(v);
					json_decref(v);
					doc[0] = '"';
					memcpy(doc + 1, buf, len);
					doc[len + 1] = '"';
					check_decode(doc, len + 2);
					memcpy(buf + at, save, n);
				}
			}
		}
	}
}

static const char *const isa_names[] = { "portable", "sse2", "avx2" };

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_literals_and_structure),
		cmocka_unit_test(test_decode_whitespace),
		cmocka_unit_test(test_decode_escapes),
		cmocka_unit_test(test_decode_control_bytes),
		cmocka_unit_test(test_decode_nul),
		cmocka_unit_test(test_decode_nul_after_bare_token),
		cmocka_unit_test(test_decode_unicode),
		cmocka_unit_test(test_decode_invalid_utf8),
		cmocka_unit_test(test_decode_utf8_at_every_offset),
		cmocka_unit_test(test_decode_numbers),
		cmocka_unit_test(test_decode_number_sweep),
		cmocka_unit_test(test_decode_depth),
		cmocka_unit_test(test_decode_duplicates_and_order),
		cmocka_unit_test(test_decode_large_and_escaped),
		cmocka_unit_test(test_decode_every_prefix),
		cmocka_unit_test(test_decode_errors),
		cmocka_unit_test(test_encode_scalars),
		cmocka_unit_test(test_encode_reals_bitwise),
		cmocka_unit_test(test_encode_seed_forms),
		cmocka_unit_test(test_encode_powers_of_two),
		cmocka_unit_test(test_encode_containers),
		cmocka_unit_test(test_encode_invalid_utf8),
		cmocka_unit_test(test_encode_small_capacity),
		cmocka_unit_test(test_encode_depth),
		cmocka_unit_test(test_deliberate_differences),
		cmocka_unit_test(test_locale_independence),
		cmocka_unit_test(test_random_documents),
		cmocka_unit_test(test_random_long_strings),
		cmocka_unit_test(test_string_runs_at_block_edges),
	};
	int failed = 0, ran = 0;

	for (int isa = WIRE_ISA_PORTABLE; isa <= WIRE_ISA_AVX2; isa++) {
		char name[64];

		if (shmrpc__wire_isa_force((enum wire_isa)isa) < 0) {
			printf("[ SKIPPED  ] the %s code path: not in this CPU "
			       "or build\n", isa_names[isa]);
			continue;
		}
		snprintf(name, sizeof name, "wire_json, %s code path",
		    isa_names[isa]);
		printf("[==========] %s\n", name);
		failed += _cmocka_run_group_tests(name, tests,
		    sizeof tests / sizeof *tests, NULL, NULL);
		ran++;
	}
	/* at least the path in use by default must have run */
	return failed != 0 || ran == 0 ? 1 : 0;
}
