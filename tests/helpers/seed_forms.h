/*
 * seed_forms.h - the JSON text the seed writes, derived from jansson's, for
 * the differential tests of wire_json against jansson
 * (tests/unit/test_wire_json.c, fuzz/fuzz_wire_json.c).
 *
 * wire_json writes json_dumpb()'s text with two deliberate differences
 * (libshmrpc/src/codec/wire_json.h): reals as the seed writes them (the
 * shortest digits that read back to the same double, in orjson's layout)
 * and \u00XX escapes in lower case.  seed_text() carries jansson's text
 * over to those forms, so that the comparison stays byte for byte.  Its
 * digits come from brute force, independently of float_format.c's
 * shortcuts; the layout from shmrpc__float_layout(), whose every form
 * test_encode_seed_forms pins.  Header-only (static functions): both
 * programs compile it.
 */
#ifndef SHMRPC_TEST_SEED_FORMS_H
#define SHMRPC_TEST_SEED_FORMS_H

#include <ctype.h>
#include <fenv.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/float_format.h"

/* |x| printed with p significant digits under rounding mode `mode`, as
   "DIGITSe<exp>" with no radix (so that strtod reads it in any locale). */
static inline void seed_print_rounded(double ax, int p, int mode,
    char *out, size_t cap)
{
	char text[64], digits[32];
	int n = 0, exp10;
	const char *e;

	fesetround(mode);
	snprintf(text, sizeof text, "%.*e", p - 1, ax);
	fesetround(FE_TONEAREST);
	for (e = text; *e != 'e'; e++)
		if (*e >= '0' && *e <= '9')
			digits[n++] = *e;
	digits[n] = '\0';
	exp10 = atoi(e + 1) - (p - 1);
	snprintf(out, cap, "%se%d", digits, exp10);
}

/*
 * The seed's text of finite x into out (FLOAT_TEXT_MAX bytes), by brute
 * force: for each length from 1 to 17, the correctly rounded digits, else
 * the digits rounded the other way (toward x), the first that strtod
 * reads back to x.  0 if none does (never, for a finite x).
 */
static inline size_t seed_reference_real(double x, char *out)
{
	const double ax = fabs(x);
	char cand[64];

	if (x == 0.0)
		return (size_t)snprintf(out, FLOAT_TEXT_MAX, "%s",
		    signbit(x) ? "-0.0" : "0.0");
	for (int p = 1; p <= 17; p++) {
		seed_print_rounded(ax, p, FE_TONEAREST, cand, sizeof cand);
		double back = strtod(cand, NULL);
		if (back != ax) {
			seed_print_rounded(ax, p,
			    back < ax ? FE_UPWARD : FE_DOWNWARD, cand,
			    sizeof cand);
			back = strtod(cand, NULL);
		}
		if (back != ax)
			continue;
		char *ep = strchr(cand, 'e');
		int nd = (int)(ep - cand);
		const int kk = atoi(ep + 1) + nd;
		while (nd > 1 && cand[nd - 1] == '0')
			nd--;
		return shmrpc__float_layout(cand, nd, kk, signbit(x) != 0, out);
	}
	return 0;
}

/*
 * jansson's compact text carried over to the seed's forms: every real
 * token (jansson writes a '.' or an 'e' in each) rewritten by
 * seed_reference_real() from the double it stands for, and the hex digits
 * of every \u00XX escape in lower case.  malloc'd (NULL: out of memory,
 * or a real no digits read back to); its length in *len.
 */
static inline char *seed_text(const char *j, size_t jlen, size_t *len)
{
	/* a real never grows by more than 8 bytes ("1e-7" for 1e-07) */
	char *out = malloc(jlen * 3 + 64);
	size_t o = 0, i = 0;

	if (out == NULL)
		return NULL;

	while (i < jlen) {
		if (j[i] == '"') { /* a string: copy, lower-casing \u00XX */
			out[o++] = j[i++];
			while (j[i] != '"') {
				if (j[i] == '\\' && j[i + 1] == 'u') {
					memcpy(out + o, j + i, 6);
					out[o + 4] = (char)tolower(out[o + 4]);
					out[o + 5] = (char)tolower(out[o + 5]);
					o += 6;
					i += 6;
				} else if (j[i] == '\\') {
					out[o++] = j[i++];
					out[o++] = j[i++];
				} else {
					out[o++] = j[i++];
				}
			}
			out[o++] = j[i++];
		} else if (j[i] == '-' || (j[i] >= '0' && j[i] <= '9')) {
			size_t end = i;
			bool real = false;
			while (end < jlen && j[end] != '\0' &&
			    strchr("+-.eE0123456789", j[end]) != NULL) {
				real |= j[end] == '.' || j[end] == 'e';
				end++;
			}
			if (real) {
				char tok[64];
				memcpy(tok, j + i, end - i);
				tok[end - i] = '\0';
				const size_t n = seed_reference_real(
				    strtod(tok, NULL), out + o);
				if (n == 0) {
					free(out);
					return NULL;
				}
				o += n;
			} else {
				memcpy(out + o, j + i, end - i);
				o += end - i;
			}
			i = end;
		} else {
			out[o++] = j[i++];
		}
	}
	*len = o;
	return out;
}

#endif
