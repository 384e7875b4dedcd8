/*
 * encode.c - Python objects -> compact JSON text, as orjson.dumps()
 * writes it (python/FORMAT.md), with integers of any size.
 *
 * Layer: Python binding, codec.  No jansson: its integers are 64-bit.
 *
 * Nothing here calls Python code (no __str__, __index__ or __iter__ of the
 * objects), so containers cannot change while they are written; items are
 * still held by a strong reference while they are encoded, because an
 * allocation can run the garbage collector and so a finaliser.
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>

#include "codec.h"
#include "errors.h"
#include "codec/float_format.h"
#include "plain_ascii.h"

int codec_encode_error(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	PyOS_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	PyErr_Format(pyerr_RPCSerializationError,
	    "Failed to serialize data: %s", msg);
	return -1;
}

static int nomem(void)
{
	PyErr_NoMemory();
	return -1;
}

/* ---- strings ------------------------------------------------------------ */

/* What an ASCII byte becomes: 0 itself, 1 a two-byte escape in
 * short_escape[], 2 \u00XX with lowercase hex (orjson's table). */
static const unsigned char ascii_class[128] = {
	2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 1, 1, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

static char short_escape(unsigned c)
{
	switch (c) {
	case '\b': return 'b';
	case '\t': return 't';
	case '\n': return 'n';
	case '\f': return 'f';
	case '\r': return 'r';
	case '"': return '"';
	default: return '\\';
	}
}

static const char hexdigits[] = "0123456789abcdef";

/* Write ASCII character c (< 0x80) escaped if needed; room reserved. */
static inline char *put_ascii(char *w, unsigned c)
{
	switch (ascii_class[c]) {
	case 0:
		*w++ = (char)c;
		break;
	case 1:
		*w++ = '\\';
		*w++ = short_escape(c);
		break;
	default:
		*w++ = '\\';
		*w++ = 'u';
		*w++ = '0';
		*w++ = '0';
		*w++ = hexdigits[c >> 4];
		*w++ = hexdigits[c & 15];
		break;
	}
	return w;
}

/* Characters per step: each may take up to 6 bytes of output. */
#define STR_CHUNK 4096

static int encode_ascii(struct outbuf *out, const unsigned char *s,
    Py_ssize_t n)
{
	Py_ssize_t i = 0;

	/* Room for the common case (nothing to escape) in one go. */
	if (outbuf_reserve(out, (size_t)n + 1) < 0)
		return nomem();
	while (i < n) {
		/* A run that needs no escape is copied as it is scanned. */
		Py_ssize_t j;

		if (outbuf_reserve(out, (size_t)(n - i)) < 0)
			return nomem();
		j = copy_plain_ascii((unsigned char *)out->data + out->len,
		    s + i, s + n) - s;
		out->len += (size_t)(j - i);
		i = j;
		if (i < n) {
			char *w;
			if (outbuf_reserve(out, 6) < 0)
				return nomem();
			w = put_ascii(out->data + out->len, s[i]);
			out->len = (size_t)(w - out->data);
			i++;
		}
	}
	return 0;
}

static int surrogate_error(void)
{
	/* orjson's words (its INVALID_STR). */
	return codec_encode_error("str is not valid UTF-8: surrogates not "
				  "allowed");
}

static int encode_wide(struct outbuf *out, int kind, const void *data,
    Py_ssize_t n)
{
	Py_ssize_t i = 0;

	while (i < n) {
		Py_ssize_t stop = n - i > STR_CHUNK ? i + STR_CHUNK : n;
		char *w;

		if (outbuf_reserve(out, (size_t)(stop - i) * 6) < 0)
			return nomem();
		w = out->data + out->len;
		for (; i < stop; i++) {
			Py_UCS4 c = PyUnicode_READ(kind, data, i);
			if (c < 0x80) {
				w = put_ascii(w, c);
			} else if (c < 0x800) {
				*w++ = (char)(0xC0 | (c >> 6));
				*w++ = (char)(0x80 | (c & 0x3F));
			} else if (c < 0x10000) {
				if (c >= 0xD800 && c <= 0xDFFF)
					return surrogate_error();
				*w++ = (char)(0xE0 | (c >> 12));
				*w++ = (char)(0x80 | ((c >> 6) & 0x3F));
				*w++ = (char)(0x80 | (c & 0x3F));
			} else {
				*w++ = (char)(0xF0 | (c >> 18));
				*w++ = (char)(0x80 | ((c >> 12) & 0x3F));
				*w++ = (char)(0x80 | ((c >> 6) & 0x3F));
				*w++ = (char)(0x80 | (c & 0x3F));
			}
		}
		out->len = (size_t)(w - out->data);
	}
	return 0;
}

static int encode_str(struct outbuf *out, PyObject *s)
{
	Py_ssize_t n;
	int kind;

	if (PyUnicode_READY(s) < 0)
		return -1;
	n = PyUnicode_GET_LENGTH(s);
	kind = PyUnicode_KIND(s);
	if (outbuf_putc(out, '"') < 0)
		return nomem();
	if (PyUnicode_IS_ASCII(s)) {
		if (encode_ascii(out, PyUnicode_1BYTE_DATA(s), n) < 0)
			return -1;
	} else if (encode_wide(out, kind, PyUnicode_DATA(s), n) < 0) {
		return -1;
	}
	if (outbuf_putc(out, '"') < 0)
		return nomem();
	return 0;
}

/* ---- numbers ------------------------------------------------------------ */

static int put_u64(struct outbuf *out, unsigned long long v, int negative)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[sizeof(tmp) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	if (negative)
		tmp[sizeof(tmp) - 1 - n++] = '-';
	return outbuf_put(out, tmp + sizeof(tmp) - n, (size_t)n) < 0
	    ? nomem() : 0;
}

static int encode_int(struct outbuf *out, PyObject *obj)
{
	int overflow;
	long long v = PyLong_AsLongLongAndOverflow(obj, &overflow);
	PyObject *text;
	const char *s;
	Py_ssize_t n;

	if (overflow == 0) {
		if (v == -1 && PyErr_Occurred())
			return -1;
		if (v < 0)
			return put_u64(out, 0ULL - (unsigned long long)v, 1);
		return put_u64(out, (unsigned long long)v, 0);
	}
	if (overflow > 0) {
		unsigned long long u = PyLong_AsUnsignedLongLong(obj);
		if (!(u == (unsigned long long)-1 && PyErr_Occurred()))
			return put_u64(out, u, 0);
		if (!PyErr_ExceptionMatches(PyExc_OverflowError))
			return -1;
		PyErr_Clear();
	}
	/* Beyond 64 bits: the exact decimal digits (orjson refuses these;
	 * see python/FORMAT.md).  PyNumber_ToBase() honours the
	 * interpreter's limit on digits, sys.get_int_max_str_digits(). */
	text = PyNumber_ToBase(obj, 10);
	if (text == NULL) {
		if (PyErr_ExceptionMatches(PyExc_ValueError)) {
			PyErr_Clear();
			return codec_encode_error(
			    "Integer exceeds the interpreter's limit on "
			    "digits (sys.get_int_max_str_digits())");
		}
		return -1;
	}
	s = PyUnicode_AsUTF8AndSize(text, &n);
	if (s == NULL) {
		Py_DECREF(text);
		return -1;
	}
	if (outbuf_put(out, s, (size_t)n) < 0) {
		Py_DECREF(text);
		return nomem();
	}
	Py_DECREF(text);
	return 0;
}

static int encode_float(struct outbuf *out, double x)
{
	size_t n;

	if (!isfinite(x))
		return outbuf_put(out, "null", 4) < 0 ? nomem() : 0;
	if (outbuf_reserve(out, FLOAT_TEXT_MAX) < 0)
		return nomem();
	/* The library's formatter: the one its own JSON writer uses. */
	n = shmrpc__float_format(x, out->data + out->len);
	out->len += n;
	return 0;
}

/* ---- containers ----------------------------------------------------------- */

static int encode_value(struct outbuf *out, PyObject *obj, int depth);

static int too_deep(void)
{
	return codec_encode_error("Recursion limit reached (more than %d "
				  "nested lists/dicts)", CODEC_MAX_ENCODE_DEPTH);
}

static int encode_sequence(struct outbuf *out, PyObject *seq, int is_list,
    int depth)
{
	Py_ssize_t i;

	if (depth >= CODEC_MAX_ENCODE_DEPTH)
		return too_deep();
	if (outbuf_putc(out, '[') < 0)
		return nomem();
	/* The size is read again each turn: see the opening comment. */
	for (i = 0; i < (is_list ? PyList_GET_SIZE(seq)
				 : PyTuple_GET_SIZE(seq)); i++) {
		PyObject *item = is_list ? PyList_GET_ITEM(seq, i)
					 : PyTuple_GET_ITEM(seq, i);
		int rc;

		if (i > 0 && outbuf_putc(out, ',') < 0)
			return nomem();
		Py_INCREF(item);
		rc = encode_value(out, item, depth + 1);
		Py_DECREF(item);
		if (rc < 0)
			return -1;
	}
	return outbuf_putc(out, ']') < 0 ? nomem() : 0;
}

static int encode_dict(struct outbuf *out, PyObject *dict, int depth)
{
	Py_ssize_t pos = 0;
	PyObject *key, *value;
	int first = 1;

	if (depth >= CODEC_MAX_ENCODE_DEPTH)
		return too_deep();
	if (outbuf_putc(out, '{') < 0)
		return nomem();
	while (PyDict_Next(dict, &pos, &key, &value)) {
		int rc;

		if (!PyUnicode_Check(key))
			return codec_encode_error("Dict key must be str, not %s",
			    Py_TYPE(key)->tp_name);
		if (!first && outbuf_putc(out, ',') < 0)
			return nomem();
		first = 0;
		Py_INCREF(key);
		Py_INCREF(value);
		rc = encode_str(out, key);
		if (rc == 0 && outbuf_putc(out, ':') < 0)
			rc = nomem();
		if (rc == 0)
			rc = encode_value(out, value, depth + 1);
		Py_DECREF(key);
		Py_DECREF(value);
		if (rc < 0)
			return -1;
	}
	return outbuf_putc(out, '}') < 0 ? nomem() : 0;
}

static int encode_value(struct outbuf *out, PyObject *obj, int depth)
{
	/* Exact types first (the common case), then their subclasses.
	 * bool is an int subclass, so it is tested before int. */
	if (obj == Py_None)
		return outbuf_put(out, "null", 4) < 0 ? nomem() : 0;
	if (obj == Py_True)
		return outbuf_put(out, "true", 4) < 0 ? nomem() : 0;
	if (obj == Py_False)
		return outbuf_put(out, "false", 5) < 0 ? nomem() : 0;
	if (PyUnicode_Check(obj))
		return encode_str(out, obj);
	if (PyLong_Check(obj))
		return encode_int(out, obj);
	if (PyFloat_Check(obj))
		return encode_float(out, PyFloat_AS_DOUBLE(obj));
	if (PyDict_Check(obj))
		return encode_dict(out, obj, depth);
	if (PyList_Check(obj))
		return encode_sequence(out, obj, 1, depth);
	if (PyTuple_Check(obj))
		return encode_sequence(out, obj, 0, depth);
	return codec_encode_error("Type is not JSON serializable: %s",
	    Py_TYPE(obj)->tp_name);
}

int codec_encode(PyObject *obj, struct outbuf *out)
{
	return encode_value(out, obj, 0);
}
