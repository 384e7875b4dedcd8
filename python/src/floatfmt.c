/*
 * floatfmt.c - a double as the seed's JSON writes it.
 *
 * Layer: Python binding, codec.
 *
 * The digits: CPython's own shortest round-trip conversion
 * (PyOS_double_to_string with format 'r', David Gay's correctly rounded
 * dtoa, the digits of repr()).  Both it and Ryu pick, among the shortest
 * digit strings that read back to x, the one nearest to x, with ties to
 * even, so the digits are the same; tests/test_floats.py checks a million
 * random doubles against repr().
 *
 * The layout: that of ryu::raw::format64 (crate ryu 1.0.17-1.0.22, the
 * versions orjson 3.10.0-3.11.6 lock), with kk the position of the
 * decimal point (value = 0.DIGITS x 10^kk) and k = kk - ndigits:
 *   0 <= k && kk <= 16   DIGITS, k zeros, ".0"        1e15 -> 1000000000000000.0
 *   0 < kk <= 16         DIGITS with a point inside   12.34
 *   -5 < kk <= 0         "0.", -kk zeros, DIGITS      1e-5 -> 0.00001
 *   one digit            D "e" (kk-1)                 1e16, 1e-7, 5e-324
 *   otherwise            D "." DIGITS "e" (kk-1)       1.234e16, 1.5e-7
 * Exponents have no '+' and no leading zeros.  Zero is "0.0" or "-0.0".
 * See python/FORMAT.md for the sources this was checked against.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <string.h>

#include "floatfmt.h"

static int write_exponent(int e, char *out)
{
	int n = 0;

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

int floatfmt_layout(const char *digits, int ndigits, int kk, int negative,
    char *out)
{
	int n = 0, k = kk - ndigits;

	if (negative)
		out[n++] = '-';
	if (k >= 0 && kk <= 16) {
		memcpy(out + n, digits, (size_t)ndigits);
		n += ndigits;
		memset(out + n, '0', (size_t)k);
		n += k;
		out[n++] = '.';
		out[n++] = '0';
	} else if (kk > 0 && kk <= 16) {
		memcpy(out + n, digits, (size_t)kk);
		n += kk;
		out[n++] = '.';
		memcpy(out + n, digits + kk, (size_t)(ndigits - kk));
		n += ndigits - kk;
	} else if (kk > -5 && kk <= 0) {
		out[n++] = '0';
		out[n++] = '.';
		memset(out + n, '0', (size_t)-kk);
		n += -kk;
		memcpy(out + n, digits, (size_t)ndigits);
		n += ndigits;
	} else {
		out[n++] = digits[0];
		if (ndigits > 1) {
			out[n++] = '.';
			memcpy(out + n, digits + 1, (size_t)(ndigits - 1));
			n += ndigits - 1;
		}
		out[n++] = 'e';
		n += write_exponent(kk - 1, out + n);
	}
	return n;
}

int floatfmt_write(double x, char *out)
{
	char digits[24];
	int nd = 0, kk = 0, seen_point = 0, exp10 = 0, negative;
	const char *p;
	char *r;

	negative = signbit(x) != 0;
	if (x == 0.0) {
		if (negative) {
			memcpy(out, "-0.0", 4);
			return 4;
		}
		memcpy(out, "0.0", 3);
		return 3;
	}
	/* "1e+16", "0.0001", "1.5e-07", "123" ...: take its digits and
	 * where its decimal point is, then lay them out our way. */
	r = PyOS_double_to_string(fabs(x), 'r', 0, 0, NULL);
	if (r == NULL)
		return -1;
	for (p = r; *p != '\0' && *p != 'e' && *p != 'E'; p++) {
		if (*p == '.') {
			seen_point = 1;
			continue;
		}
		if (*p < '0' || *p > '9')
			goto odd;
		if (nd == 0 && *p == '0') {
			/* A leading zero: after the point it moves the
			 * point one place right of the first digit. */
			if (seen_point)
				kk--;
			continue;
		}
		if (nd >= (int)sizeof(digits))
			goto odd;
		digits[nd++] = *p;
		if (!seen_point)
			kk++;
	}
	if (*p == 'e' || *p == 'E') {
		char *end;
		long e = strtol(p + 1, &end, 10);
		if (*end != '\0' || e < -400 || e > 400)
			goto odd;
		exp10 = (int)e;
	}
	PyMem_Free(r);
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	if (nd == 0 || nd > 17) {
		PyErr_SetString(PyExc_SystemError,
		    "shmrpc: unexpected digits from PyOS_double_to_string");
		return -1;
	}
	return floatfmt_layout(digits, nd, kk + exp10, negative, out);
odd:
	PyErr_Format(PyExc_SystemError,
	    "shmrpc: unexpected text from PyOS_double_to_string: %s", r);
	PyMem_Free(r);
	return -1;
}
