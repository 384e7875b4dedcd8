/*
 * decode.c - JSON text -> Python objects, directly (no jansson, whose
 * integers are 64-bit), strict RFC 8259.
 *
 * Layer: Python binding, codec.
 *
 * The parser reads a buffer that nobody else changes while it runs (it
 * looks at some bytes more than once, e.g. a string's bytes when it
 * validates them and then when it makes the str).  Text that another
 * process can write goes through codec_decode_shared(), which copies it
 * first, reading each byte of shared memory exactly once.
 *
 * What it accepts is what orjson.loads() accepts (RFC 8259, UTF-8 only,
 * lone surrogates refused, a number too large for a double refused), with
 * one difference on purpose: an integer of any size becomes an exact int
 * (orjson reads one beyond 64 bits as a float).  Integers longer than
 * sys.get_int_max_str_digits() digits are refused, as int() refuses them.
 */
#include <math.h>
#include <stdint.h>

#include "codec.h"
#include "errors.h"
#include "plain_ascii.h"

struct dec {
	const unsigned char *start;
	const unsigned char *p;
	const unsigned char *end;
	struct outbuf scratch; /* unescaped strings, long numbers */
};

static PyObject *fail_at(struct dec *d, const unsigned char *where,
    const char *why)
{
	PyErr_Format(pyerr_RPCSerializationError,
	    "Failed to deserialize data: %s at byte %zd", why,
	    (Py_ssize_t)(where - d->start));
	return NULL;
}

static PyObject *nomem(void)
{
	return PyErr_NoMemory();
}

static inline void skip_ws(struct dec *d)
{
	while (d->p < d->end && (*d->p == ' ' || *d->p == '\n' ||
	    *d->p == '\r' || *d->p == '\t'))
		d->p++;
}

/* ---- strings ------------------------------------------------------------ */

/*
 * A UTF-8 sequence whose lead byte (>= 0x80) is at p: its length (2-4), or
 * 0 if it is not well-formed (overlong, a surrogate, above U+10FFFF,
 * truncated, a stray continuation byte).  RFC 3629 table 4.
 */
static int utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0];
	size_t left = (size_t)(end - p);
	unsigned lo = 0x80, hi = 0xBF;
	int n;

	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4;
	else
		return 0;
	if (left < (size_t)n)
		return 0;
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F; /* U+D800..DFFF are not characters */
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (int i = 2; i < n; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 0;
	return n;
}

static int hex4(const unsigned char *p, unsigned *out)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++) {
		unsigned c = p[i], x;
		if (c >= '0' && c <= '9')
			x = c - '0';
		else if (c >= 'a' && c <= 'f')
			x = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			x = c - 'A' + 10;
		else
			return -1;
		v = v << 4 | x;
	}
	*out = v;
	return 0;
}

static int put_utf8(struct outbuf *b, unsigned cp)
{
	char tmp[4];
	size_t n;

	if (cp < 0x80) {
		tmp[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		tmp[0] = (char)(0xC0 | (cp >> 6));
		tmp[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		tmp[0] = (char)(0xE0 | (cp >> 12));
		tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		tmp[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		tmp[0] = (char)(0xF0 | (cp >> 18));
		tmp[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		tmp[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		tmp[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	return outbuf_put(b, tmp, n);
}

/* One escape after a backslash at d->p[-1]; its character appended to
 * the scratch buffer as UTF-8.  0, or NULL-returning error set (-1). */
static int unescape(struct dec *d)
{
	const unsigned char *at = d->p - 1;
	unsigned c, cp, lo;

	if (d->p >= d->end) {
		fail_at(d, at, "unterminated string");
		return -1;
	}
	c = *d->p++;
	switch (c) {
	case '"': case '\\': case '/':
		cp = c;
		break;
	case 'b': cp = '\b'; break;
	case 'f': cp = '\f'; break;
	case 'n': cp = '\n'; break;
	case 'r': cp = '\r'; break;
	case 't': cp = '\t'; break;
	case 'u':
		if (d->end - d->p < 4 || hex4(d->p, &cp) < 0) {
			fail_at(d, at, "invalid \\u escape");
			return -1;
		}
		d->p += 4;
		if (cp >= 0xDC00 && cp <= 0xDFFF) {
			fail_at(d, at, "lone surrogate in \\u escape");
			return -1;
		}
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			if (d->end - d->p < 6 || d->p[0] != '\\' ||
			    d->p[1] != 'u' || hex4(d->p + 2, &lo) < 0 ||
			    lo < 0xDC00 || lo > 0xDFFF) {
				fail_at(d, at, "lone surrogate in \\u escape");
				return -1;
			}
			d->p += 6;
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
		}
		break;
	default:
		fail_at(d, at, "invalid escape");
		return -1;
	}
	if (put_utf8(&d->scratch, cp) < 0) {
		nomem();
		return -1;
	}
	return 0;
}

/* The first byte in [p, end) that does not start a well-formed UTF-8
 * sequence, or NULL.  ASCII passes. */
static const unsigned char *bad_utf8(const unsigned char *p,
    const unsigned char *end)
{
	while (p < end) {
		int n;
		if (*p < 0x80) {
			p++;
			continue;
		}
		n = utf8_len(p, end);
		if (n == 0)
			return p;
		p += n;
	}
	return NULL;
}

/* CPython's decoder refused the bytes of a string starting at run: say
 * where, as for any other error.  (It refuses exactly what RFC 3629 does:
 * overlongs, surrogates, values above U+10FFFF, truncated sequences.) */
static PyObject *utf8_error(struct dec *d, const unsigned char *run)
{
	PyObject *type, *value, *tb;
	Py_ssize_t start = 0;

	if (!PyErr_ExceptionMatches(PyExc_UnicodeDecodeError))
		return NULL;
	PyErr_Fetch(&type, &value, &tb);
	PyErr_NormalizeException(&type, &value, &tb);
	if (value == NULL || PyUnicodeDecodeError_GetStart(value, &start) < 0)
		PyErr_Clear();
	Py_XDECREF(type);
	Py_XDECREF(value);
	Py_XDECREF(tb);
	return fail_at(d, run + start, "invalid UTF-8");
}

/* d->p is just past the opening quote. */
static PyObject *parse_string(struct dec *d)
{
	const unsigned char *open = d->p - 1, *run = d->p;
	int ascii = 1, escaped = 0;

	d->scratch.len = 0;
	for (;;) {
		unsigned c;

		if (d->p >= d->end)
			return fail_at(d, open, "unterminated string");
		c = *d->p;
		if (c == '"')
			break;
		if (c < 0x20)
			return fail_at(d, d->p, "control character in string");
		if (c == '\\') {
			/* Non-ASCII bytes skipped before the first escape
			 * are checked now, where their position is known. */
			if (!escaped && !ascii) {
				const unsigned char *bad = bad_utf8(run, d->p);
				if (bad != NULL)
					return fail_at(d, bad, "invalid UTF-8");
			}
			if (outbuf_put(&d->scratch, run,
			    (size_t)(d->p - run)) < 0)
				return nomem();
			d->p++;
			if (unescape(d) < 0)
				return NULL;
			run = d->p;
			escaped = 1;
			ascii = 0;
			continue;
		}
		if (c < 0x80) {
			d->p++;
			d->p = skip_plain_ascii(d->p, d->end);
			continue;
		}
		ascii = 0;
		if (escaped) {
			/* Going to scratch: check it here, where its
			 * position is known. */
			int n = utf8_len(d->p, d->end);
			if (n == 0)
				return fail_at(d, d->p, "invalid UTF-8");
			d->p += n;
		} else {
			/* Checked at the end by CPython's decoder. */
			d->p = skip_plain_utf8(d->p + 1, d->end);
		}
	}
	/* d->p is at the closing quote. */
	if (!escaped) {
		size_t n = (size_t)(d->p - run);
		PyObject *s;
		d->p++;
		if (ascii) {
			s = PyUnicode_New((Py_ssize_t)n, 127);
			if (s != NULL)
				memcpy(PyUnicode_1BYTE_DATA(s), run, n);
			return s;
		}
		s = PyUnicode_DecodeUTF8((const char *)run, (Py_ssize_t)n,
		    "strict");
		if (s == NULL)
			return utf8_error(d, run);
		return s;
	}
	/* Escaped strings' raw bytes were checked on the way. */
	if (outbuf_put(&d->scratch, run, (size_t)(d->p - run)) < 0)
		return nomem();
	d->p++;
	{
		PyObject *s = PyUnicode_DecodeUTF8(d->scratch.data,
		    (Py_ssize_t)d->scratch.len, "strict");
		if (s == NULL)
			return utf8_error(d, open); /* cannot happen */
		return s;
	}
}

/* ---- numbers ------------------------------------------------------------ */

static inline int is_digit(const unsigned char *p, const unsigned char *end)
{
	return p < end && *p >= '0' && *p <= '9';
}

static PyObject *parse_number(struct dec *d)
{
	const unsigned char *s = d->p, *q = d->p;
	int negative = 0, is_int = 1;
	size_t len;
	char small[64];
	char *text;
	PyObject *v;

	if (q < d->end && *q == '-') {
		negative = 1;
		q++;
	}
	if (!is_digit(q, d->end))
		return fail_at(d, s, "invalid number");
	if (*q == '0') {
		q++;
		if (is_digit(q, d->end))
			return fail_at(d, s, "leading zero in number");
	} else {
		while (is_digit(q, d->end))
			q++;
	}
	if (q < d->end && *q == '.') {
		is_int = 0;
		q++;
		if (!is_digit(q, d->end))
			return fail_at(d, s, "invalid number");
		while (is_digit(q, d->end))
			q++;
	}
	if (q < d->end && (*q == 'e' || *q == 'E')) {
		is_int = 0;
		q++;
		if (q < d->end && (*q == '+' || *q == '-'))
			q++;
		if (!is_digit(q, d->end))
			return fail_at(d, s, "invalid number");
		while (is_digit(q, d->end))
			q++;
	}
	d->p = q;
	len = (size_t)(q - s);
	if (is_int && len - (size_t)negative <= 18) {
		long long x = 0;
		for (const unsigned char *r = s + negative; r < q; r++)
			x = x * 10 + (*r - '0');
		return PyLong_FromLongLong(negative ? -x : x);
	}
	/* Longer: a NUL-terminated copy for CPython's own parsers. */
	if (len < sizeof(small)) {
		text = small;
	} else {
		d->scratch.len = 0;
		if (outbuf_reserve(&d->scratch, len + 1) < 0)
			return nomem();
		text = d->scratch.data;
	}
	memcpy(text, s, len);
	text[len] = '\0';
	if (is_int) {
		v = PyLong_FromString(text, NULL, 10);
		if (v == NULL && PyErr_ExceptionMatches(PyExc_ValueError)) {
			PyErr_Clear();
			return fail_at(d, s, "integer has more digits than "
					     "sys.get_int_max_str_digits() allows");
		}
		return v;
	} else {
		char *end;
		double x = PyOS_string_to_double(text, &end, NULL);
		if (x == -1.0 && PyErr_Occurred())
			return NULL;
		if (end != text + len)
			return fail_at(d, s, "invalid number");
		if (!isfinite(x))
			return fail_at(d, s, "number out of range");
		return PyFloat_FromDouble(x);
	}
}

/* ---- values -------------------------------------------------------------- */

static PyObject *parse_value(struct dec *d, int depth);

static int literal(struct dec *d, const char *word, size_t n)
{
	if ((size_t)(d->end - d->p) < n || memcmp(d->p, word, n) != 0)
		return 0;
	d->p += n;
	return 1;
}

static PyObject *too_deep(struct dec *d)
{
	char why[64];

	PyOS_snprintf(why, sizeof(why), "nesting deeper than %d levels",
	    CODEC_MAX_DECODE_DEPTH);
	return fail_at(d, d->p, why);
}

static PyObject *parse_array(struct dec *d, int depth)
{
	PyObject *list, *item;

	if (depth >= CODEC_MAX_DECODE_DEPTH)
		return too_deep(d);
	d->p++;
	list = PyList_New(0);
	if (list == NULL)
		return NULL;
	skip_ws(d);
	if (d->p < d->end && *d->p == ']') {
		d->p++;
		return list;
	}
	for (;;) {
		item = parse_value(d, depth + 1);
		if (item == NULL || PyList_Append(list, item) < 0) {
			Py_XDECREF(item);
			Py_DECREF(list);
			return NULL;
		}
		Py_DECREF(item);
		skip_ws(d);
		if (d->p < d->end && *d->p == ',') {
			d->p++;
			continue;
		}
		if (d->p < d->end && *d->p == ']') {
			d->p++;
			return list;
		}
		Py_DECREF(list);
		return fail_at(d, d->p, "expected ',' or ']'");
	}
}

static PyObject *parse_object(struct dec *d, int depth)
{
	PyObject *dict, *key, *value;

	if (depth >= CODEC_MAX_DECODE_DEPTH)
		return too_deep(d);
	d->p++;
	dict = PyDict_New();
	if (dict == NULL)
		return NULL;
	skip_ws(d);
	if (d->p < d->end && *d->p == '}') {
		d->p++;
		return dict;
	}
	for (;;) {
		skip_ws(d);
		if (d->p >= d->end || *d->p != '"') {
			Py_DECREF(dict);
			return fail_at(d, d->p, "expected a string key");
		}
		d->p++;
		key = parse_string(d);
		if (key == NULL) {
			Py_DECREF(dict);
			return NULL;
		}
		skip_ws(d);
		if (d->p >= d->end || *d->p != ':') {
			Py_DECREF(key);
			Py_DECREF(dict);
			return fail_at(d, d->p, "expected ':'");
		}
		d->p++;
		value = parse_value(d, depth + 1);
		if (value == NULL || PyDict_SetItem(dict, key, value) < 0) {
			Py_DECREF(key);
			Py_XDECREF(value);
			Py_DECREF(dict);
			return NULL;
		}
		Py_DECREF(key);
		Py_DECREF(value);
		skip_ws(d);
		if (d->p < d->end && *d->p == ',') {
			d->p++;
			continue;
		}
		if (d->p < d->end && *d->p == '}') {
			d->p++;
			return dict;
		}
		Py_DECREF(dict);
		return fail_at(d, d->p, "expected ',' or '}'");
	}
}

static PyObject *parse_value(struct dec *d, int depth)
{
	skip_ws(d);
	if (d->p >= d->end)
		return fail_at(d, d->p, "unexpected end of data");
	switch (*d->p) {
	case '{':
		return parse_object(d, depth);
	case '[':
		return parse_array(d, depth);
	case '"':
		d->p++;
		return parse_string(d);
	case 't':
		if (literal(d, "true", 4))
			Py_RETURN_TRUE;
		break;
	case 'f':
		if (literal(d, "false", 5))
			Py_RETURN_FALSE;
		break;
	case 'n':
		if (literal(d, "null", 4))
			Py_RETURN_NONE;
		break;
	default:
		if (*d->p == '-' || (*d->p >= '0' && *d->p <= '9'))
			return parse_number(d);
		break;
	}
	return fail_at(d, d->p, "unexpected character");
}

PyObject *codec_decode(const char *buf, size_t len)
{
	struct dec d;
	PyObject *v;

	d.start = d.p = (const unsigned char *)buf;
	d.end = d.start + len;
	if (outbuf_init(&d.scratch, 256) < 0)
		return nomem();
	v = parse_value(&d, 0);
	if (v != NULL) {
		skip_ws(&d);
		if (d.p != d.end) {
			Py_DECREF(v);
			v = fail_at(&d, d.p, "extra data after the value");
		}
	}
	outbuf_free(&d.scratch);
	return v;
}

PyObject *codec_decode_shared(const char *buf, size_t len)
{
	char *copy = PyMem_Malloc(len > 0 ? len : 1);
	PyObject *v;

	if (copy == NULL)
		return nomem();
	memcpy(copy, buf, len);
	v = codec_decode(copy, len);
	PyMem_Free(copy);
	return v;
}
