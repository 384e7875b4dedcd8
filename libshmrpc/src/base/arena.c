/*
 * arena.c - layer: base.  The bump allocator of arena.h: blocks of 64 KiB
 * (or one block of exactly the size asked, when larger), never reused
 * until the whole arena goes.
 */
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"

#define ARENA_BLOCK 65536

struct arena_block {
	struct arena_block *next;
	size_t used, cap;
	max_align_t data[];
};

void *shmrpc__arena_alloc(struct arena *a, size_t n)
{
	struct arena_block *b = a->head;
	size_t need = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);

	if (need == 0)
		need = sizeof(max_align_t);
	if (b == NULL || b->cap - b->used < need) {
		size_t cap = need > ARENA_BLOCK ? need : ARENA_BLOCK;
		b = malloc(sizeof(*b) + cap);
		if (b == NULL)
			return NULL;
		b->cap = cap;
		b->used = 0;
		b->next = a->head;
		a->head = b;
	}
	void *p = (char *)b->data + b->used;
	b->used += need;
	memset(p, 0, n);
	return p;
}

char *shmrpc__arena_strdup(struct arena *a, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = shmrpc__arena_alloc(a, n);

	if (p != NULL)
		memcpy(p, s, n);
	return p;
}

void shmrpc__arena_free(struct arena *a)
{
	while (a->head != NULL) {
		struct arena_block *next = a->head->next;
		free(a->head);
		a->head = next;
	}
}
