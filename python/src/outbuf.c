/*
 * outbuf.c - a growable byte buffer for the JSON encoder.
 *
 * Layer: Python binding, codec.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

#include "outbuf.h"

int outbuf_init(struct outbuf *b, size_t hint)
{
	b->len = 0;
	b->borrowed = 0;
	b->cap = hint > 0 ? hint : 64;
	b->data = PyMem_RawMalloc(b->cap);
	if (b->data == NULL) {
		b->cap = 0;
		return -1;
	}
	return 0;
}

int outbuf_grow(struct outbuf *b, size_t more)
{
	size_t need, cap;
	char *p;

	if (more > SIZE_MAX - b->len)
		return -1;
	need = b->len + more;
	cap = b->cap > 0 ? b->cap : 64;
	while (cap < need) {
		if (cap > SIZE_MAX / 2) {
			cap = need;
			break;
		}
		cap *= 2;
	}
	if (b->borrowed) {
		p = PyMem_RawMalloc(cap);
		if (p == NULL)
			return -1;
		if (b->len > 0)
			memcpy(p, b->data, b->len);
		b->borrowed = 0;
	} else {
		p = PyMem_RawRealloc(b->data, cap);
		if (p == NULL)
			return -1;
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

void outbuf_init_over(struct outbuf *b, char *mem, size_t cap)
{
	b->data = mem;
	b->len = 0;
	b->cap = mem != NULL ? cap : 0;
	b->borrowed = 1;
}

void outbuf_free(struct outbuf *b)
{
	if (!b->borrowed)
		PyMem_RawFree(b->data);
	b->borrowed = 0;
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void outbuf_give(struct outbuf *spare, struct outbuf *b)
{
	if (spare->data == NULL && !b->borrowed) {
		*spare = *b;
		spare->len = 0;
	} else {
		outbuf_free(b);
	}
	*b = (struct outbuf){ 0 };
}
