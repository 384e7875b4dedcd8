/*
 * xcpu_copy.c - what one pass over a message costs when the other CPU has
 * just touched it: the floor under every JSON pass over shared memory
 * (bench/README.md, "Issue 19, what was left").
 *
 * Two processes, pinned to CPUs 0 and 1, share a buffer and take turns.
 * In the read modes the peer (CPU 0) writes SIZE bytes into it, then this
 * process (CPU 1) copies them into private memory; in the write modes the
 * peer reads the buffer, then this process writes SIZE bytes into it.
 * Only this process's pass is timed (CLOCK_MONOTONIC, ~20 ns a read on
 * the 2-vCPU VM); the median over ROUNDS turns is printed.
 *
 *   read-memcpy    memcpy() from the buffer (glibc's, rep movsb here)
 *   read-fused     the codec's fused copy (copy, escape scan, UTF-8
 *                  check: shmrpc__utf8_copy_run()), as a decoder does
 *   write-memcpy   memcpy() into the buffer
 *   write-fused    the fused copy into the buffer, as an encoder does
 *
 * Build: make build/bench/xcpu_copy (every C file of bench/ is built
 * against the static library).  Usage: xcpu_copy MODE [SIZE [ROUNDS]]
 */
#define _GNU_SOURCE
#include <err.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "codec/utf8.h"

enum mode { READ_MEMCPY, READ_FUSED, WRITE_MEMCPY, WRITE_FUSED };
static const char *const mode_names[] = { "read-memcpy", "read-fused",
	"write-memcpy", "write-fused" };

struct turn {
	_Atomic int whose; /* 0: the peer's, 1: ours */
	char pad[60];
};

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		err(1, "sched_setaffinity %d", cpu);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static void peer(volatile unsigned char *buf, size_t size, enum mode m,
    struct turn *t, size_t rounds)
{
	pin(0);
	for (size_t i = 0; i < rounds; i++) {
		while (atomic_load(&t->whose) != 0)
			relax();
		if (m == READ_MEMCPY || m == READ_FUSED) {
			memset((void *)buf, 'a' + (int)(i & 7), size);
		} else {
			unsigned char x = 0;
			for (size_t o = 0; o < size; o += 64)
				x ^= buf[o];
			(void)x;
		}
		atomic_store(&t->whose, 1);
	}
	_exit(0);
}

static void one_pass(unsigned char *buf, unsigned char *priv, size_t size,
    enum mode m)
{
	bool ok;

	switch (m) {
	case READ_MEMCPY:
		memcpy(priv, buf, size);
		break;
	case READ_FUSED:
		shmrpc__utf8_copy_run(priv, buf, buf + size, false, &ok);
		break;
	case WRITE_MEMCPY:
		memcpy(buf, priv, size);
		break;
	case WRITE_FUSED:
		shmrpc__utf8_copy_run(buf, priv, priv + size, true, &ok);
		break;
	}
	__asm__ __volatile__("" : : : "memory");
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	enum mode m = READ_MEMCPY;
	size_t size = argc > 2 ? strtoul(argv[2], NULL, 0) : 10240;
	size_t rounds = argc > 3 ? strtoul(argv[3], NULL, 0) : 20000;
	int found = 0;

	for (int i = 0; argc > 1 && i < 4; i++)
		if (strcmp(argv[1], mode_names[i]) == 0) {
			m = (enum mode)i;
			found = 1;
		}
	if (!found || size == 0 || rounds == 0)
		errx(2, "usage: xcpu_copy read-memcpy|read-fused|write-memcpy|"
		    "write-fused [SIZE [ROUNDS]]");
	struct turn *t = mmap(NULL, sizeof(*t), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	unsigned char *buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	unsigned char *priv = malloc(size);
	uint64_t *dt = malloc(rounds * sizeof(*dt));
	if (t == MAP_FAILED || buf == MAP_FAILED || priv == NULL || dt == NULL)
		err(1, "memory");
	memset(priv, 'p', size);
	memset(buf, 'b', size);
	atomic_store(&t->whose, 0);
	pid_t pid = fork();
	if (pid < 0)
		err(1, "fork");
	if (pid == 0)
		peer(buf, size, m, t, rounds);
	pin(1);
	for (size_t i = 0; i < rounds; i++) {
		while (atomic_load(&t->whose) != 1)
			relax();
		uint64_t t0 = now_ns();
		one_pass(buf, priv, size, m);
		dt[i] = now_ns() - t0;
		atomic_store(&t->whose, 0);
	}
	waitpid(pid, NULL, 0);
	qsort(dt, rounds, sizeof(*dt), cmp_u64);
	printf("%s %zu B: median %.3f us over %zu rounds\n", mode_names[m],
	    size, (double)dt[rounds / 2] / 1000.0, rounds);
	return 0;
}
