/*
 * float_format.c - layer: codec.  A double as the seed writes it (see
 * float_format.h).
 *
 * The digits.  Among the decimal strings that read back to x, the
 * shortest; among those, the nearest to x, ties to even.  That is what
 * Ryu (orjson), David Gay's dtoa (CPython's repr) and Schubfach give.  We
 * get them from the C library, which prints correctly rounded digits
 * ("%.*e") and reads them back correctly rounded (strtod):
 *  - An integer below 2^53 is its own shortest form (any other decimal
 *    with fewer digits is at least 1 away, more than half an ulp).
 *  - A normal double: every decimal of at most 15 significant digits
 *    survives a trip through a double (DBL_DIG), so if any such decimal
 *    reads back to x, x printed with 15 digits gives it back, trailing
 *    zeros and all; strip them and it is the shortest.  Otherwise the
 *    shortest has 16 or 17 digits: the correctly rounded 16-digit print
 *    when it reads back, else the 17-digit one, which always does.
 *    Only the 17-digit print is made: the 15- and 16-digit ones are
 *    rounded from it, except in the one case where that could differ
 *    (the digits dropped are exactly 5, 50...).
 *  - At a power of two (a normal one above 2^-1022) the double below is
 *    half as far as the one above, so a decimal just above x may read
 *    back while the nearest one, just below, does not: that one is tried
 *    too.  This is the one place where "nearest" is not enough.
 *  - A subnormal has fewer than 15 significant digits of precision, so
 *    there every length from 1 up is tried.
 * Most doubles a program writes (0.1, 2.5, 1e-7) take one print and one
 * read; a computed one with 17 digits one print and two reads.
 *
 * The layout is ryu::raw::format64 (crate ryu 1.0.17-1.0.22, which orjson
 * 3.10.0-3.11.6 lock), with kk the place of the decimal point (value =
 * 0.DIGITS x 10^kk) and k = kk - ndigits:
 *   0 <= k && kk <= 16   DIGITS, k zeros, ".0"        1e15 -> 1000000000000000.0
 *   0 < kk <= 16         DIGITS with a point inside   12.34
 *   -5 < kk <= 0         "0.", -kk zeros, DIGITS      1e-5 -> 0.00001
 *   one digit            D "e" (kk-1)                 1e16, 1e-7, 5e-324
 *   otherwise            D "." DIGITS "e" (kk-1)       1.234e16, 1.5e-7
 * Exponents have no '+' and no leading zeros.  Zero is "0.0" or "-0.0".
 * python/FORMAT.md gives the sources each form was checked against.
 *
 * Locale: printf writes the locale's radix character, and strtod reads
 * it; neither matters, because the digits are taken around whatever
 * radix printf wrote, and read back as "DIGITSe<exp>" with no radix.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/float_format.h"

/* A decimal 0.d[0]d[1]...d[n-1] x 10^kk, digits as ASCII. */
struct decimal {
	char d[24];
	int n;
	int kk;
};

static size_t write_exponent(int e, char *out)
{
	size_t n = 0;

	if (e < 0) {
		out[n++] = '-';
		e = -e;
	}
	if (e >= 100)
		out[n++] = (char)('0' + e / 100);
	if (e >= 10)
		out[n++] = (char)('0' + (e / 10) % 10);
	out[n++] = (char)('0' + e % 10);
	return n;
}

size_t shmrpc__float_layout(const char *digits, int ndigits, int kk,
    bool negative, char *out)
{
	size_t n = 0;
	const size_t nd = (size_t)ndigits;
	const int k = kk - ndigits;

	if (negative)
		out[n++] = '-';
	if (k >= 0 && kk <= 16) {
		memcpy(out + n, digits, nd);
		n += nd;
		memset(out + n, '0', (size_t)k);
		n += (size_t)k;
		out[n++] = '.';
		out[n++] = '0';
	} else if (kk > 0 && kk <= 16) {
		memcpy(out + n, digits, (size_t)kk);
		n += (size_t)kk;
		out[n++] = '.';
		memcpy(out + n, digits + kk, nd - (size_t)kk);
		n += nd - (size_t)kk;
	} else if (kk > -5 && kk <= 0) {
		out[n++] = '0';
		out[n++] = '.';
		memset(out + n, '0', (size_t)-kk);
		n += (size_t)-kk;
		memcpy(out + n, digits, nd);
		n += nd;
	} else {
		out[n++] = digits[0];
		if (ndigits > 1) {
			out[n++] = '.';
			memcpy(out + n, digits + 1, nd - 1);
			n += nd - 1;
		}
		out[n++] = 'e';
		n += write_exponent(kk - 1, out + n);
	}
	return n;
}

static void strip_trailing_zeros(struct decimal *dec)
{
	while (dec->n > 1 && dec->d[dec->n - 1] == '0')
		dec->n--;
}

/* The digits of an integer 1 <= u < 2^53. */
static void integer_digits(uint64_t u, struct decimal *dec)
{
	char tmp[24];
	int n = 0;

	while (u != 0) {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	}
	for (int i = 0; i < n; i++)
		dec->d[i] = tmp[n - 1 - i];
	dec->n = n;
	dec->kk = n;
	strip_trailing_zeros(dec);
}

/*
 * |x| correctly rounded to p significant digits (1 <= p <= 17), as
 * printf writes it: "D<radix>DDDDe<sign>XX", whatever the radix.  All p
 * digits are kept (trailing zeros too).  0, or -1 on unexpected text.
 */
static int print_digits(double ax, int p, struct decimal *dec)
{
	char text[64];
	const char *s = text;
	int n;

	n = snprintf(text, sizeof(text), "%.*e", p - 1, ax);
	if (n <= 0 || (size_t)n >= sizeof(text))
		return -1;
	dec->n = 0;
	for (; *s != '\0' && *s != 'e'; s++)
		if (*s >= '0' && *s <= '9' && dec->n < p)
			dec->d[dec->n++] = *s;
	if (*s != 'e' || dec->n != p || dec->d[0] == '0')
		return -1;
	dec->kk = (int)strtol(s + 1, NULL, 10) + 1;
	return 0;
}

/* The double dec reads back as: "DIGITSe<kk-n>", with no radix. */
static double read_back(const struct decimal *dec)
{
	char text[64];

	memcpy(text, dec->d, (size_t)dec->n);
	snprintf(text + dec->n, sizeof(text) - (size_t)dec->n, "e%d",
	    dec->kk - dec->n);
	return strtod(text, NULL);
}

/* dec + one unit in its last place (999 -> 1000, one more place up). */
static void increment(struct decimal *dec)
{
	int i = dec->n - 1;

	while (i >= 0 && dec->d[i] == '9')
		dec->d[i--] = '0';
	if (i >= 0) {
		dec->d[i]++;
		return;
	}
	dec->d[0] = '1';
	dec->kk++;
}

/* A normal power of two above DBL_MIN: the gap below it is half the gap
 * above. */
static bool gap_below_is_smaller(double ax)
{
	uint64_t bits;

	memcpy(&bits, &ax, sizeof(bits));
	return (bits & ((UINT64_C(1) << 52) - 1)) == 0 &&
	    (bits >> 52) > 1;
}

/*
 * d17 (17 digits, correctly rounded) rounded to p < 17 digits, into out:
 * the same as printing with p digits, except when the digits dropped are
 * exactly 5, 50...: the value printed with 17 digits was rounded, so the
 * exact one may lie on either side of the half, and only printing tells
 * (false).
 */
static bool round_from_17(const struct decimal *d17, int p,
    struct decimal *out)
{
	int i = p;

	*out = *d17;
	out->n = p;
	if (d17->d[i] == '5') {
		for (i++; i < 17 && d17->d[i] == '0'; i++)
			;
		if (i == 17)
			return false;
	}
	if (d17->d[p] >= '5')
		increment(out);
	return true;
}

/* The candidate of p digits (p < 17): from d17 when that is exact, else
 * printed.  0 or -1. */
static int candidate(double ax, int p, const struct decimal *d17,
    struct decimal *out)
{
	if (round_from_17(d17, p, out))
		return 0;
	return print_digits(ax, p, out);
}

/* Is cand, or (just above a power of two) the decimal one unit above it,
 * read back as ax?  Then it is in *dec. */
static bool reads_back(double ax, const struct decimal *cand,
    struct decimal *dec)
{
	const double back = read_back(cand);
	struct decimal up;

	if (back == ax) {
		*dec = *cand;
		return true;
	}
	if (back > ax || !gap_below_is_smaller(ax))
		return false;
	up = *cand;
	increment(&up);
	if (read_back(&up) != ax)
		return false;
	*dec = up;
	return true;
}

/* The shortest, nearest digits of ax > 0 that read back to it (see the
 * head of this file): one print of 17 digits, the 15- and 16-digit
 * candidates rounded from it.  0 or -1. */
static int shortest_digits(double ax, struct decimal *dec)
{
	struct decimal d17, cand;

	if (ax < 9007199254740992.0 && (double)(uint64_t)ax == ax) {
		integer_digits((uint64_t)ax, dec);
		return 0;
	}
	if (print_digits(ax, 17, &d17) < 0)
		return -1;
	for (int p = ax >= DBL_MIN ? DBL_DIG : 1; p < 17; p++) {
		if (candidate(ax, p, &d17, &cand) < 0)
			return -1;
		if (reads_back(ax, &cand, dec)) {
			strip_trailing_zeros(dec);
			return 0;
		}
	}
	*dec = d17; /* 17 digits always read back */
	strip_trailing_zeros(dec);
	return 0;
}

size_t shmrpc__float_format(double x, char *out)
{
	const bool negative = signbit(x) != 0;
	struct decimal dec;

	if (!isfinite(x))
		return 0;
	if (x == 0.0) {
		memcpy(out, negative ? "-0.0" : "0.0", negative ? 4 : 3);
		return negative ? 4 : 3;
	}
	if (shortest_digits(fabs(x), &dec) < 0)
		return 0;
	return shmrpc__float_layout(dec.d, dec.n, dec.kk, negative, out);
}
