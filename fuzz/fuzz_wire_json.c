/*
 * Differential libFuzzer target: wire_json vs jansson 2.14.
 *
 * For every input:
 *   1. decode with shmrpc__wire_json_decode and
 * json_loadb(WIRE_JSON_LOAD_FLAGS): both must accept or both reject; accepted
 * values must be json_equal and print identically through jansson (key order,
 * sign of zero);
 *   2. on accept, shmrpc__wire_json_encode must succeed, produce exactly
 *      json_dumpb's text carried over to the seed's forms (reals as the
 *      shortest digits that read back, \u00XX in lower case: seed_text()
 *      in tests/helpers/seed_forms.h, the deliberate differences of
 *      wire_json.h), and that text must decode (with either decoder) to an
 *      equal value, every real to the same double; a too small buffer gets
 *      the full size back and nothing written past its end;
 *   3. the raw input as a string value (possibly invalid UTF-8) must encode
 *      identically with both encoders (in the seed's forms), or be refused
 *      by both;
 *   4. json_text.c's check (the text calls' validator, which converts
 *      nothing) must accept exactly what the decoders accept, but for its
 *      documented differences: numbers of any size and NUL in keys pass,
 *      jansson's NUL-after-a-token quirk does not.
 * Each input goes through every code path this CPU and build have
 * (utf8.h: portable, SSE2, AVX2, forced in turn), so that the fused
 * copy-and-validate loops are all held to jansson.
 * Any mismatch abort()s.
 *
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -Ilibshmrpc/src \
 *          fuzz/fuzz_wire_json.c libshmrpc/src/codec/{utf8,float_format,json_encode,json_decode,json_text}.c -ljansson -o /tmp/fz
 * Run:   UBSAN_OPTIONS=halt_on_error=1 /tmp/fz -max_total_time=180 \
 *          fuzz/corpus/wire_json
 */
#include "codec/json_text.h"
#include "codec/utf8.h"
#include "codec/wire_json.h"
#include "../tests/helpers/seed_forms.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void mismatch(const char *what)
{
	fprintf(stderr, "wire_json/jansson mismatch: %s\n", what);
	abort();
}

/* jansson's text for v, malloc'd; *len = 0 and NULL if it refuses. */
static char *dump_with_jansson(const json_t *v, size_t *len)
{
	*len = json_dumpb(v, NULL, 0, WIRE_JSON_DUMP_FLAGS);
	if (*len == 0)
		return NULL;
	char *text = malloc(*len);
	if (text == NULL ||
	    json_dumpb(v, text, *len, WIRE_JSON_DUMP_FLAGS) != *len)
		abort();
	return text;
}

/* wire_json's text for v, malloc'd; *len = 0 and NULL if it refuses. */
static char *dump_with_wire(const json_t *v, size_t *len)
{
	*len = shmrpc__wire_json_encode(v, NULL, 0);
	if (*len == 0)
		return NULL;
	char *text = malloc(*len);
	if (text == NULL || shmrpc__wire_json_encode(v, text, *len) != *len)
		abort();
	return text;
}

/* jansson's text for v in the seed's forms, malloc'd; NULL if it refuses. */
static char *dump_seed_with_jansson(const json_t *v, size_t *len)
{
	size_t jlen;
	char *j = dump_with_jansson(v, &jlen);
	char *seed;

	*len = 0;
	if (j == NULL)
		return NULL;
	seed = seed_text(j, jlen, len);
	if (seed == NULL)
		mismatch("a real of jansson's text reads back to no double");
	free(j);
	return seed;
}

static void expect_same_text(const json_t *v, const char *what)
{
	size_t wlen, jlen;
	char *w = dump_with_wire(v, &wlen);
	char *j = dump_seed_with_jansson(v, &jlen);
	if (wlen != jlen || (wlen != 0 && memcmp(w, j, wlen) != 0))
		mismatch(what);
	free(w);
	free(j);
}

/* Into a buffer too small by a varying amount: the full size is returned
   and nothing past cap is written. */
static void check_small_capacity(const json_t *v, size_t need)
{
	enum { GUARD = 8 };
	const size_t cap = need / 2 + need % 7;
	unsigned char *buf = malloc(cap + GUARD);

	if (buf == NULL)
		abort();
	memset(buf, 0xA5, cap + GUARD);
	if (shmrpc__wire_json_encode(v, (char *)buf, cap) != need)
		mismatch("size differs when the buffer is too small");
	for (size_t i = cap; i < cap + GUARD; i++)
		if (buf[i] != 0xA5)
			mismatch("wrote past the buffer's capacity");
	free(buf);
}

static void check_decode(const char *buf, size_t len)
{
	json_error_t err;
	json_t *w = shmrpc__wire_json_decode(buf, len, &err);
	json_t *j = json_loadb(buf, len, WIRE_JSON_LOAD_FLAGS, NULL);

	if (w != NULL && j == NULL)
		mismatch("wire_json accepts, jansson rejects");
	if (w == NULL && j != NULL)
		mismatch("wire_json rejects, jansson accepts");
	if (w == NULL)
		return;
	if (!json_equal(w, j))
		mismatch("decoded values differ");
	/* same key order and reals bit for bit: print both through jansson */
	size_t wl, jl;
	char *wt = dump_with_jansson(w, &wl);
	char *jt = dump_with_jansson(j, &jl);
	if (wt == NULL || wl != jl || memcmp(wt, jt, wl) != 0)
		mismatch("decoded values print differently");

	/* anything decoded must encode, to jansson's text in the seed's
	   forms */
	size_t el, sl;
	char *et = dump_with_wire(w, &el);
	char *st = dump_seed_with_jansson(w, &sl);
	if (et == NULL)
		mismatch("wire_json cannot encode what it decoded");
	if (el != sl || memcmp(et, st, el) != 0)
		mismatch("encoded text differs from json_dumpb's in the "
		    "seed's forms");
	free(st);

	check_small_capacity(w, el);

	json_t *back_w = shmrpc__wire_json_decode(et, el, NULL);
	json_t *back_j = json_loadb(et, el, WIRE_JSON_LOAD_FLAGS, NULL);
	if (back_w == NULL || back_j == NULL || !json_equal(back_w, w) ||
	    !json_equal(back_j, w))
		mismatch("encoded text does not decode to an equal value");

	json_decref(back_w);
	json_decref(back_j);
	free(et);
	free(wt);
	free(jt);
	json_decref(w);
	json_decref(j);
}

/* Arbitrary bytes through the string encoders. */
static void check_encode_raw_string(const char *buf, size_t len)
{
	json_t *s = json_stringn_nocheck(buf, len);
	if (s == NULL)
		abort();
	expect_same_text(s, "raw string encodes differently");

	/* as an object key: same text when it is UTF-8, else we refuse where
	   jansson prints malformed text (deliberate difference 2) */
	json_t *o = json_object();
	if (o == NULL || json_object_setn_nocheck(o, buf, len, s) != 0)
		abort();
	/* json_stringn() checks UTF-8 */
	json_t *as_string = json_stringn(buf, len);

	if (as_string != NULL)
		expect_same_text(o, "raw key encodes differently");
	else if (shmrpc__wire_json_encode(o, NULL, 0) != 0)
		mismatch("invalid UTF-8 key was encoded");
	json_decref(as_string);
	json_decref(o);
	json_decref(s);
}

/* The text check against the decoder (rule 4). */
static void check_text_check(const char *buf, size_t len)
{
	json_error_t err;
	json_t *w = shmrpc__wire_json_decode(buf, len, &err);
	const bool text_ok = shmrpc__json_text_check(buf, len, false, NULL) == 0;
	size_t end;

	if (w != NULL && !text_ok && memchr(buf, '\0', len) == NULL)
		mismatch("the text check refuses what the decoder accepts");
	if (w == NULL && text_ok &&
	    json_error_code(&err) != json_error_numeric_overflow &&
	    json_error_code(&err) != json_error_null_byte_in_key)
		mismatch("the text check accepts what the decoder refuses");
	if (text_ok && (shmrpc__json_text_skip(buf, len, &end, NULL) != 0 ||
	    end > len))
		mismatch("the text check accepts but skip fails");
	json_decref(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy, so ASan sees any read past the end */
	char *buf = malloc(size == 0 ? 1 : size);
	if (buf == NULL)
		abort();
	if (size != 0)
		memcpy(buf, data, size);
	for (int isa = WIRE_ISA_PORTABLE; isa <= WIRE_ISA_AVX2; isa++) {
		if (shmrpc__wire_isa_force((enum wire_isa)isa) < 0)
			continue;
		check_decode(buf, size);
		check_encode_raw_string(buf, size);
	}
	check_text_check(buf, size);
	free(buf);
	return 0;
}
