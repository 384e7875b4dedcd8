/*
 * json_encode.c - layer: codec.  The wire_json encoder (see wire_json.h):
 * iterative, writing straight into the caller's buffer (on the futex
 * transport, the slot in shared memory), never past its end.  It does not
 * recurse, so the depth limit costs heap beyond 64 levels, not C stack.
 */
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/float_format.h"
#include "codec/json_scan.h"
#include "codec/utf8.h"
#include "codec/wire_json.h"

/* ------------------------------------------------------------------------ */
/* 3. Encoder                                                                */
/* ------------------------------------------------------------------------ */

/* Output cursor.  `len` counts every byte the encoding needs, including bytes
   that did not fit; a chunk is copied only if it fits entirely, so nothing is
   ever written at or past buf[cap]. */
typedef struct {
	char *buf;
	size_t cap;
	size_t len;
} out_t;

/* Room for n more bytes at the cursor? */
static inline bool out_has_room(const out_t *o, size_t n)
{
	return o->len <= o->cap && n <= o->cap - o->len;
}

static inline void out_put(out_t *o, const void *src, size_t n)
{
	if (n != 0 && out_has_room(o, n))
		memcpy(o->buf + o->len, src, n);
	o->len += n;
}

static inline void out_byte(out_t *o, char c)
{
	if (o->len < o->cap)
		o->buf[o->len] = c;
	o->len++;
}

/* The letter of a two-character escape such as \n, or 0 for \u00XX. */
static char short_escape_letter(uchar c)
{
	switch (c) {
	case '"':
	case '\\':
		return (char)c;
	case '\b':
		return 'b';
	case '\f':
		return 'f';
	case '\n':
		return 'n';
	case '\r':
		return 'r';
	case '\t':
		return 't';
	default:
		return 0;
	}
}

/* Escapes c ('"', '\\' or a control byte) as the seed (orjson) does:
   the two-letter forms jansson uses too, and \u00XX in lower case
   (\u001f, where jansson writes \u001F). */
static void out_escape(out_t *o, uchar c)
{
	static const char hex[] = "0123456789abcdef";
	const char letter = short_escape_letter(c);
	const char seq[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF] };

	if (letter != 0) {
		const char two[2] = { '\\', letter };
		out_put(o, two, 2);
	} else {
		out_put(o, seq, 6);
	}
}

/* Strings this short (ids, method names, keys, small values) take one
   byte loop with no call, when they are plain ASCII and fit. */
#define SHORT_STRING 24

/* Writes "str" if it is short plain ASCII and fits; false (nothing written)
   sends it down the general path. */
static inline bool encode_short_string(out_t *o, const uchar *p, size_t n)
{
	unsigned flags = 0;
	char *d;

	if (!out_has_room(o, n + 2))
		return false;
	d = o->buf + o->len;
	for (size_t i = 0; i < n; i++) {
		const uchar c = p[i];
		if (c < 0x20 || c == '"' || c == '\\')
			return false;
		flags |= c;
		d[i + 1] = (char)c;
	}
	if (flags & 0x80u)
		return false;
	d[0] = '"';
	d[n + 1] = '"';
	o->len += n + 2;
	return true;
}

/* One pass per string: each run of plain bytes is copied straight into
   the output, its end found and its UTF-8 validated in the same loop
   (utf8.h); the escapes between runs are ASCII, so the string is valid iff
   every run is.  When the rest cannot fit, the encoding is too big anyway
   and is only measured. */
static bool encode_string(out_t *o, const char *str, size_t n)
{
	const uchar *p = (const uchar *)str;
	const uchar *const end = p + n;

	if (n <= SHORT_STRING && encode_short_string(o, p, n))
		return true;
	out_byte(o, '"');
	for (;;) {
		const size_t rest = (size_t)(end - p);
		const uchar *run_end;
		bool utf8_ok;

		if (out_has_room(o, rest + 1)) {
			run_end = shmrpc__utf8_copy_run(
			    (uchar *)o->buf + o->len, p, end, true, &utf8_ok);
		} else {
			run_end = find_string_special(p, end);
			utf8_ok = shmrpc__utf8_valid(p, (size_t)(run_end - p));
		}
		if (!utf8_ok)
			return false;
		o->len += (size_t)(run_end - p);
		p = run_end;
		if (p == end)
			break;
		out_escape(o, *p++);
	}
	out_byte(o, '"');
	return true;
}

static void encode_integer(out_t *o, json_int_t value)
{
	static const char pairs[] =
	    "00010203040506070809101112131415161718192021222324"
	    "25262728293031323334353637383940414243444546474849"
	    "50515253545556575859606162636465666768697071727374"
	    "75767778798081828384858687888990919293949596979899";
	char tmp[24];
	char *const end = tmp + sizeof tmp;
	char *p = end;
	/* negate in unsigned arithmetic so LLONG_MIN works */
	unsigned long long u = (unsigned long long)value;

	if (value < 0)
		u = 0ULL - u;

	while (u >= 100) {
		const size_t i = (size_t)(u % 100) * 2;
		u /= 100;
		*--p = pairs[i + 1];
		*--p = pairs[i];
	}
	if (u >= 10) {
		const size_t i = (size_t)u * 2;
		*--p = pairs[i + 1];
		*--p = pairs[i];
	} else {
		*--p = (char)('0' + u);
	}
	if (value < 0)
		*--p = '-';
	out_put(o, p, (size_t)(end - p));
}


/* The seed's text for a real (float_format.h): the shortest digits that
   read back to the same double, in orjson's layout. */
static bool encode_real(out_t *o, double value)
{
	char text[FLOAT_TEXT_MAX];
	const size_t n = shmrpc__float_format(value, text);

	if (n == 0)
		return false; /* NaN or infinite: json_real() refuses them */
	out_put(o, text, n);
	return true;
}

#define ENCODE_STACK_INLINE 64 /* open containers tracked without malloc */

/* An open container and where its iteration stands.  Non-const only
   because jansson's iterator functions want that; nothing is modified. */
typedef struct {
	json_t *container;
	size_t next_index; /* arrays */
	void *next_member; /* objects */
} enc_frame_t;

typedef struct {
	out_t out;
	enc_frame_t *stack;
	size_t stack_len, stack_cap;
	enc_frame_t stack_inline[ENCODE_STACK_INLINE];
	size_t max_depth; /* deepest value written (see encode_document) */
} encoder_t;

static enc_frame_t *enc_push(encoder_t *e, const json_t *container)
{
	if (e->stack_len == e->stack_cap) {
		const size_t cap = e->stack_cap * 2;
		enc_frame_t *grown = grow_inline_buffer(e->stack,
		    e->stack_inline, e->stack_len, cap, sizeof *grown);

		if (grown == NULL)
			return NULL;
		e->stack = grown;
		e->stack_cap = cap;
	}
	e->stack[e->stack_len] =
	    (enc_frame_t){ (json_t *)(uintptr_t)container, 0, NULL };
	return &e->stack[e->stack_len++];
}

/* Emits `"key":` of the member at it and returns its value. */
static const json_t *enc_member(encoder_t *e, void *it)
{
	const char *key = json_object_iter_key(it);

	if (!encode_string(&e->out, key, json_object_iter_key_len(it)))
		return NULL;
	out_byte(&e->out, ':');
	return json_object_iter_value(it);
}

/* Emits '[' and pushes a non-empty array, whose first element becomes
   *child; an empty one is closed at once. */
static bool enc_open_array(encoder_t *e, const json_t *array,
    const json_t **child)
{
	enc_frame_t *frame;

	out_byte(&e->out, '[');
	if (json_array_size(array) == 0) {
		out_byte(&e->out, ']');
		return true;
	}
	frame = enc_push(e, array);
	if (frame == NULL)
		return false;
	frame->next_index = 1;
	*child = json_array_get(array, 0);
	return *child != NULL;
}

/* Emits '{' and pushes a non-empty object, emits its first key and makes
   the first value *child; an empty one is closed at once. */
static bool enc_open_object(encoder_t *e, const json_t *object,
    const json_t **child)
{
	void *it = json_object_iter((json_t *)(uintptr_t)object);
	enc_frame_t *frame;

	out_byte(&e->out, '{');
	if (it == NULL) {
		out_byte(&e->out, '}');
		return true;
	}
	frame = enc_push(e, object);
	if (frame == NULL)
		return false;
	frame->next_member = json_object_iter_next(frame->container, it);
	*child = enc_member(e, it);
	return *child != NULL;
}

/* Emits a scalar, or opens a container.  *child becomes the container's
   first value, NULL for scalars and empty containers. */
static bool enc_open_value(encoder_t *e, const json_t *v, const json_t **child)
{
	*child = NULL;
	switch (json_typeof(v)) {
	case JSON_NULL:
		out_put(&e->out, "null", 4);
		return true;
	case JSON_TRUE:
		out_put(&e->out, "true", 4);
		return true;
	case JSON_FALSE:
		out_put(&e->out, "false", 5);
		return true;
	case JSON_INTEGER:
		encode_integer(&e->out, json_integer_value(v));
		return true;
	case JSON_REAL:
		return encode_real(&e->out, json_real_value(v));
	case JSON_STRING:
		return encode_string(&e->out, json_string_value(v),
		    json_string_length(v));
	case JSON_ARRAY:
		return enc_open_array(e, v, child);
	case JSON_OBJECT:
		return enc_open_object(e, v, child);
	}
	return false;
}

/* After a complete value: closes finished containers and returns the next
   value to emit (after its ',' and key), or NULL with *done set when the
   document is complete (*done clear means an error). */
static const json_t *enc_next_value(encoder_t *e, bool *done)
{
	*done = false;
	while (e->stack_len != 0) {
		enc_frame_t *top = &e->stack[e->stack_len - 1];
		if (json_is_array(top->container)) {
			if (top->next_index < json_array_size(top->container)) {
				out_byte(&e->out, ',');
				return json_array_get(top->container,
				    top->next_index++);
			}
			out_byte(&e->out, ']');
		} else {
			void *it = top->next_member;
			if (it != NULL) {
				top->next_member =
				    json_object_iter_next(top->container, it);
				out_byte(&e->out, ',');
				return enc_member(e, it);
			}
			out_byte(&e->out, '}');
		}
		e->stack_len--;
	}
	*done = true;
	return NULL;
}

/* Iterative, so nesting costs heap rather than C stack.  Depth counts like
   jansson's parser: the top-level value is at depth 1, and nothing deeper
   than e->max_depth is written (it also ends reference cycles). */
static bool encode_document(encoder_t *e, const json_t *v)
{
	for (;;) {
		if (v == NULL || e->stack_len >= e->max_depth)
			return false;
		const json_t *child;
		if (!enc_open_value(e, v, &child))
			return false;
		if (child != NULL) {
			v = child;
			continue;
		}
		bool done;
		v = enc_next_value(e, &done);
		if (done)
			return true;
	}
}

size_t shmrpc__wire_json_encode(const json_t *v, char *buf, size_t cap)
{
	return shmrpc__wire_json_encode_depth(v, buf, cap, WIRE_JSON_MAX_DEPTH);
}

size_t shmrpc__wire_json_encode_depth(const json_t *v, char *buf, size_t cap,
    size_t max_depth)
{
	/* not zero-initialised: the inline stack needs no clearing */
	encoder_t enc;
	bool ok;

	enc.out = (out_t){ buf, buf == NULL ? 0 : cap, 0 };
	enc.stack = enc.stack_inline;
	enc.stack_len = 0;
	enc.stack_cap = ENCODE_STACK_INLINE;
	enc.max_depth = max_depth < WIRE_JSON_MAX_DEPTH ? max_depth
							: WIRE_JSON_MAX_DEPTH;

	ok = encode_document(&enc, v);
	if (enc.stack != enc.stack_inline)
		free(enc.stack);
	return ok ? enc.out.len : 0;
}

size_t shmrpc__wire_json_encode_string(const char *str, size_t n, char *buf,
    size_t cap)
{
	out_t o = { buf, buf == NULL ? 0 : cap, 0 };

	if (str == NULL || !encode_string(&o, str, n))
		return 0;
	return o.len;
}
