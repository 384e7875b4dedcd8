/*
 * spin_policy.c - layer: transport.  The futex waiters' spin budget: the
 * base budget, or for large messages twice the recent waits of their size
 * class within a cap (spin_policy.h says why).
 */
#include "transport/spin_policy.h"

#define RLX memory_order_relaxed

/* Size class of an adapting message (bytes >= SPIN_ADAPT_MIN_BYTES). */
static unsigned size_class(size_t bytes)
{
	unsigned c = 0;

	bytes /= SPIN_ADAPT_MIN_BYTES;
	while (bytes >= 4 && c < SPIN_CLASSES - 1) {
		bytes /= 4;
		c++;
	}
	return c;
}

void shmrpc__spin_policy_init(struct spin_policy *p, int64_t base_ns,
    bool adapt)
{
	p->base_ns = base_ns > 0 ? base_ns : 0;
	p->cap_ns = adapt && p->base_ns > 0 && SPIN_CAP_NS > p->base_ns
	    ? SPIN_CAP_NS : p->base_ns;
	for (unsigned c = 0; c < SPIN_CLASSES; c++)
		atomic_init(&p->recent_ns[c], 0);
}

int64_t shmrpc__spin_budget(const struct spin_policy *p, size_t bytes)
{
	int64_t recent, want;

	if (!shmrpc__spin_adapts(p, bytes))
		return p->base_ns;
	recent = atomic_load_explicit(&p->recent_ns[size_class(bytes)], RLX);
	if (recent == 0) {
		/* Nothing seen yet: guess from the size. */
		uint64_t kib = bytes / 1024;
		want = kib >= (uint64_t)(p->cap_ns / SPIN_GUESS_NS_PER_KIB)
		    ? p->cap_ns : (int64_t)kib * SPIN_GUESS_NS_PER_KIB;
	} else if (recent > p->cap_ns) {
		/* The peer takes longer than we would spin: sleep. */
		return p->base_ns;
	} else {
		want = 2 * recent;
	}
	if (want < p->base_ns)
		return p->base_ns;
	return want > p->cap_ns ? p->cap_ns : want;
}

void shmrpc__spin_note(struct spin_policy *p, size_t bytes,
    int64_t waited_ns)
{
	_Atomic int64_t *r;
	int64_t old, w = waited_ns;

	if (!shmrpc__spin_adapts(p, bytes))
		return;
	if (w < 1)
		w = 1; /* 0 means "none noted" */
	if (w > 2 * p->cap_ns)
		w = 2 * p->cap_ns;
	r = &p->recent_ns[size_class(bytes)];
	old = atomic_load_explicit(r, RLX);
	atomic_store_explicit(r, old == 0 ? w : (3 * old + w) / 4, RLX);
}
