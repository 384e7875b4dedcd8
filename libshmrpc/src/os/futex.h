/*
 * futex.h - layer: OS access.  Thin wrappers around the futex(2) system
 * call, for words in shared memory (never FUTEX_PRIVATE_FLAG: the other
 * side is usually another process), a CPU-friendly spin hint and cache
 * prefetch hints.
 *
 * Every function here is async-signal-safe: a plain syscall, no locks.
 */
#ifndef SHMRPC_FUTEX_H
#define SHMRPC_FUTEX_H

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

/*
 * Sleep while *word == expected, for at most rel_ns nanoseconds (< 0:
 * without limit).  Returns 0 when woken (or spuriously), -EAGAIN if *word
 * was not `expected` on entry, -ETIMEDOUT, -EINTR.  The caller re-checks
 * its condition in every case.
 */
static inline int futex_wait(_Atomic uint32_t *word, uint32_t expected,
    int64_t rel_ns)
{
	struct timespec ts, *tp = NULL;
	long rc;

	if (rel_ns >= 0) {
		ts.tv_sec = (time_t)(rel_ns / 1000000000LL);
		ts.tv_nsec = (long)(rel_ns % 1000000000LL);
		tp = &ts;
	}
	rc = syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT, expected, tp,
	    NULL, 0);
	return rc == 0 ? 0 : -errno;
}

/* Wake up to n sleepers on word.  Returns how many woke, or -errno. */
static inline int futex_wake(_Atomic uint32_t *word, int n)
{
	long rc = syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE, n, NULL,
	    NULL, 0);
	return rc >= 0 ? (int)rc : -errno;
}

/* Tell the CPU we are spinning (saves power, helps the sibling
 * hyperthread). */
static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	atomic_signal_fence(memory_order_seq_cst);
#endif
}

/*
 * Start moving the cache line of p into this CPU's cache, without waiting
 * for it: for reading, or (prefetch_write) exclusive, the other CPUs'
 * copies dropped, ready to be written.  Hints only: they change no value
 * and order nothing, so the loads and atomics that follow still carry all
 * of the memory ordering.  Used where we are about to touch several lines
 * that sit in the other side's cache, so that they cross in parallel
 * instead of one cross-CPU transfer after the other.
 */
static inline void prefetch_read(const void *p)
{
	__builtin_prefetch(p, 0, 3);
}

/* Does this CPU have PREFETCHW?  (CPUID 0x80000001 ECX bit 8: Intel since
 * Broadwell, AMD since the K6-2.)  Older CPUs may refuse the instruction,
 * so prefetch_write() is called only when this said yes. */
static inline bool cpu_has_prefetchw(void)
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned a, b, c, d;

	return __get_cpuid(0x80000001u, &a, &b, &c, &d) && (c & (1u << 8));
#else
	return true;
#endif
}

static inline void prefetch_write(const void *p)
{
#if defined(__x86_64__) || defined(__i386__)
	/* GCC emits PREFETCHW for __builtin_prefetch(p, 1) only with
	 * -mprfchw, which would then be used everywhere. */
	__asm__ __volatile__("prefetchw %0" : : "m"(*(const char *)p));
#else
	__builtin_prefetch(p, 1, 3);
#endif
}

#endif
