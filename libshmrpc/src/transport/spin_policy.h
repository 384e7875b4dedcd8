/*
 * spin_policy.h - layer: transport.  How long a futex waiter spins before
 * it sleeps: the spin budget, adapted to the size of the messages in play
 * and to how long recent waits for messages of that size took.
 *
 * A waiter spins to save the cost of a sleep and a wake-up (on a VM, tens
 * of microseconds to wake an idle vCPU, more for the caches it finds
 * cold); it pays with CPU for as long as it spins.  For small messages a
 * wait longer than the base budget (200 us by default) is the handler's
 * business: a sleep, I/O, something as likely to take 100 ms as 1 ms, so
 * the base budget stays.  For large messages (SPIN_ADAPT_MIN_BYTES and
 * up) the wait is mostly the peer's own CPU work on the bytes (copies, a
 * JSON codec), which grows with the size and repeats from one call to the
 * next: the budget then covers twice the recent waits of that size class
 * (an EWMA), within SPIN_CAP_NS.  Waits longer than the cap put the budget
 * back to the base: the CPU promises (an idle server, a client waiting on
 * a 100 ms handler) are those of the base budget.
 *
 * A budget set explicitly (option spin_ns, env SHMRPC_SPIN_NS) is fixed:
 * shmrpc__spin_policy_init() with adapt false.
 *
 * The side that owns a policy notes its waits (shmrpc__spin_note()) and
 * asks for a budget before each wait (shmrpc__spin_budget()).  Several
 * server threads may share one: its fields are atomics, read and written
 * relaxed; a note lost to a race only delays the adaptation by a call.
 */
#ifndef SHMRPC_SPIN_POLICY_H
#define SHMRPC_SPIN_POLICY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Messages at least this big adapt the budget. */
#define SPIN_ADAPT_MIN_BYTES (64u * 1024u)
/* Longest budget the policy chooses (2 ms: a 2 MiB JSON echo's turns,
 * with room; see bench/README.md). */
#define SPIN_CAP_NS (2 * 1000000LL)
/* Size classes of adapting messages, 4x apart: [64 KiB, 256 KiB),
 * [256 KiB, 1 MiB), [1 MiB, 4 MiB), 4 MiB and up. */
#define SPIN_CLASSES 4
/* The guess for a class with no wait noted yet: this many ns per byte
 * (a JSON encode or decode of ASCII text runs at ~1-2 GB/s here). */
#define SPIN_GUESS_NS_PER_KIB 1000LL

struct spin_policy {
	int64_t base_ns;   /* 0: never spin */
	int64_t cap_ns;    /* == base_ns: a fixed budget */
	/* Per size class: EWMA of the waits noted, each wait cut to twice
	 * the cap (so that one long wait is forgotten within two calls);
	 * 0: none noted yet. */
	_Atomic int64_t recent_ns[SPIN_CLASSES];
};

/* A policy with base budget base_ns (0: never spin); adapting up to
 * SPIN_CAP_NS if adapt, else fixed. */
void shmrpc__spin_policy_init(struct spin_policy *p, int64_t base_ns,
    bool adapt);

/* The budget, ns, for a wait whose messages are up to `bytes` long. */
int64_t shmrpc__spin_budget(const struct spin_policy *p, size_t bytes);

/* A wait for messages of up to `bytes` ended after waited_ns. */
void shmrpc__spin_note(struct spin_policy *p, size_t bytes,
    int64_t waited_ns);

/* Does a wait for messages of `bytes` adapt (worth timing)? */
static inline bool shmrpc__spin_adapts(const struct spin_policy *p,
    size_t bytes)
{
	return bytes >= SPIN_ADAPT_MIN_BYTES && p->cap_ns > p->base_ns;
}

#endif
