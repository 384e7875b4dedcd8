/*
 * testlib.h - what every unit test program shares, as nng's tests share
 * nuts.h: a tag unique to this run and test, channel names built from it,
 * a registry file of the test's own, and a teardown that sweeps /dev/shm
 * of everything with the tag and fails the test if anything was left.
 *
 * Usage: ut_setup()/ut_teardown() as cmocka setup and teardown (or call
 * them from the file's own), ut_name() for channel names, ut_reg_path for
 * the test's registry, ut_kill() for children a failed test left behind,
 * ut_echo_bytes() and ut_echo_text() as methods that answer their input.
 * Header-only: each test program is one file plus the library.
 */
#ifndef SHMRPC_TESTLIB_H
#define SHMRPC_TESTLIB_H

#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shmrpc.h"

/* This test's tag ("ut<pid>x<random>"), and its registry file. */
static char ut_tag[64];
static char ut_reg_path[256];

/* Fill buf with a channel name unique to this test: tag + "_" + what. */
static inline void ut_name(char *buf, size_t len, const char *what)
{
	if ((size_t)snprintf(buf, len, "%s_%s", ut_tag, what) >= len)
		abort(); /* a test bug: the buffer is too small */
}

/* A new tag, and a registry of the test's own (SHMRPC_REGISTRY), so that
 * nothing touches the user's and runs side by side never meet. */
static inline int ut_setup(void **state)
{
	uint32_t r = 0;

	(void)state;
	if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		r = (uint32_t)rand();
	snprintf(ut_tag, sizeof(ut_tag), "ut%ldx%08x", (long)getpid(), r);
	snprintf(ut_reg_path, sizeof(ut_reg_path), "/dev/shm/%s-registry.json",
	    ut_tag);
	setenv("SHMRPC_REGISTRY", ut_reg_path, 1);
	return 0;
}

/* Stop a child a failed test left running; *pid becomes 0. */
static inline void ut_kill(pid_t *pid)
{
	if (*pid > 0) {
		kill(*pid, SIGKILL);
		waitpid(*pid, NULL, 0);
		*pid = 0;
	}
}

/* Remove every /dev/shm entry with the tag.  Returns how many there were;
 * registry files count only when registries_are_leaks (tests that set a
 * damaged registry aside make such files on purpose). */
static inline int ut_sweep(int registries_are_leaks)
{
	DIR *d = opendir("/dev/shm");
	struct dirent *de;
	int left = 0;

	if (d == NULL || ut_tag[0] == '\0') {
		if (d != NULL)
			closedir(d);
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		if (strstr(de->d_name, ut_tag) == NULL)
			continue;
		if (registries_are_leaks ||
		    strstr(de->d_name, "-registry.json") == NULL) {
			fprintf(stderr, "left behind: %s\n", de->d_name);
			left++;
		}
		unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
	return left;
}

/* The usual teardown: anything of the test's left in /dev/shm is a
 * failure (and is removed, so that the next test starts clean). */
static inline int ut_teardown(void **state)
{
	(void)state;
	return ut_sweep(1) == 0 ? 0 : -1;
}

/* A bytes method: its request back. */
static inline int ut_echo_bytes(shmrpc_req *req, const void *in,
    size_t in_len, void *out, size_t out_cap, size_t *out_len, void *arg)
{
	(void)req;
	(void)arg;
	if (in_len > out_cap)
		return -1;
	memcpy(out, in, in_len);
	*out_len = in_len;
	return 0;
}

/* A text method: its params back as the result. */
static inline int ut_echo_text(shmrpc_req *req, const char *params,
    size_t params_len, char *out, size_t out_cap, size_t *out_len, void *arg)
{
	(void)req;
	(void)arg;
	if (params_len > out_cap)
		return -1;
	memcpy(out, params, params_len);
	*out_len = params_len;
	return 0;
}

#endif
