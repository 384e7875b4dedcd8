/*
 * futex.h - thin wrappers around the futex(2) system call, for words in
 * shared memory (never FUTEX_PRIVATE_FLAG: the other side is usually
 * another process), and a CPU-friendly spin hint.
 *
 * Every function here is async-signal-safe: a plain syscall, no locks.
 */
#ifndef SHMRPC_FUTEX_H
#define SHMRPC_FUTEX_H

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

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

#endif
