/*
 * arena.h - layer: base.  A bump allocator: many small allocations that
 * are all freed at once (an inspection snapshot and every string and
 * array it points to).
 */
#ifndef SHMRPC_ARENA_H
#define SHMRPC_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
	struct arena_block *head; /* NULL: empty (a zeroed arena is valid) */
};

/* n zeroed bytes aligned for any type, valid until shmrpc__arena_free(); NULL
 * when out of memory. */
void *shmrpc__arena_alloc(struct arena *a, size_t n);

/* A copy of s in the arena, or NULL. */
char *shmrpc__arena_strdup(struct arena *a, const char *s);

/* Free every allocation at once; the arena is empty again. */
void shmrpc__arena_free(struct arena *a);

#endif
