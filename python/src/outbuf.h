/*
 * outbuf.h - a growable byte buffer for the JSON encoder.
 *
 * Layer: Python binding, codec (no Python objects here, no library calls).
 * Memory comes from PyMem_RawMalloc so that the buffer may be filled and
 * handed to the library with the GIL released.
 */
#ifndef SHMRPC_PY_OUTBUF_H
#define SHMRPC_PY_OUTBUF_H

#include <stddef.h>
#include <string.h>

struct outbuf {
	char *data;
	size_t len;
	size_t cap;
	int borrowed; /* data is the caller's (outbuf_init_over) */
};

/* Start empty, with room for `hint` bytes.  0 or -1 (no memory; no
 * exception set). */
int outbuf_init(struct outbuf *b, size_t hint);

/* Start empty over the caller's cap bytes at mem (e.g. where the library
 * wants a method's result), so that a text that fits is written in place.
 * One that does not moves to memory of its own, as it grows: data then
 * no longer is mem. */
void outbuf_init_over(struct outbuf *b, char *mem, size_t cap);

/* Make room for `more` bytes past len.  0 or -1 (no memory or size
 * overflow; no exception set). */
int outbuf_grow(struct outbuf *b, size_t more);

/* Free the buffer; b is empty afterwards.  Accepts an empty buffer. */
void outbuf_free(struct outbuf *b);

/*
 * A buffer an object keeps between calls (*spare), so that a call's big
 * text lands in memory touched before, not in fresh pages (a page fault
 * each 4 KB: on these VMs about as slow as the copy itself).  outbuf_take()
 * lends it, emptied, to one call (a concurrent call finds none and starts
 * empty); outbuf_give() takes it back, or frees it when the object already
 * has one again.  Both with the GIL held: the GIL is what orders them.
 */
static inline void outbuf_take(struct outbuf *spare, struct outbuf *b)
{
	*b = *spare;
	b->len = 0;
	*spare = (struct outbuf){ 0 };
}

void outbuf_give(struct outbuf *spare, struct outbuf *b);

static inline int outbuf_reserve(struct outbuf *b, size_t more)
{
	if (b->cap - b->len >= more)
		return 0;
	return outbuf_grow(b, more);
}

static inline int outbuf_put(struct outbuf *b, const void *p, size_t n)
{
	if (outbuf_reserve(b, n) < 0)
		return -1;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

static inline int outbuf_putc(struct outbuf *b, char c)
{
	if (outbuf_reserve(b, 1) < 0)
		return -1;
	b->data[b->len++] = c;
	return 0;
}

#endif
