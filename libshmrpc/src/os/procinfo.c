/*
 * procinfo.c - layer: OS access.  Process identity from /proc (see
 * procinfo.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "os/procinfo.h"

/* Read /proc/PID/<what> into buf (NUL-terminated); bytes read or -errno. */
static ssize_t read_proc_file(pid_t pid, const char *what, char *buf,
    size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/%s", (long)pid, what);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		n = -errno;
	else
		buf[n] = '\0';
	close(fd);
	return n;
}

int shmrpc__proc_start_time(pid_t pid, uint64_t *start)
{
	char buf[1024];
	ssize_t n;
	char *p;

	if (pid <= 0)
		return -ESRCH;
	n = read_proc_file(pid, "stat", buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	/* comm may hold spaces and parentheses: fields resume after the
	 * last ')'.  Field 3 (state) follows it; start time is field 22. */
	p = strrchr(buf, ')');
	if (p == NULL)
		return -EINVAL;
	p++;
	for (int field = 3; field <= 22; field++) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			return -EINVAL;
		if (field == 22) {
			char *end;
			errno = 0;
			uint64_t v = strtoull(p, &end, 10);
			if (errno != 0 || end == p)
				return -EINVAL;
			*start = v;
			return 0;
		}
		while (*p != ' ' && *p != '\0')
			p++;
	}
	return -EINVAL;
}

uint64_t shmrpc__proc_self_start_time(void)
{
	static _Atomic uint64_t cached;
	static _Atomic pid_t cached_pid;
	uint64_t v;

	/* Re-read after fork(): the child is a new process. */
	if (cached_pid == getpid() && cached != 0)
		return cached;
	if (shmrpc__proc_start_time(getpid(), &v) < 0)
		v = 0;
	cached = v;
	cached_pid = getpid();
	return v;
}

enum shmrpc__proc_liveness shmrpc__proc_liveness_from(int rc, uint64_t now,
    uint64_t start)
{
	if (rc == -ESRCH)
		return PROC_DEAD;
	if (rc < 0)
		return PROC_UNKNOWN;
	return now == start ? PROC_ALIVE : PROC_DEAD;
}

enum shmrpc__proc_liveness shmrpc__proc_liveness(pid_t pid, uint64_t start)
{
	uint64_t now = 0;
	int rc = shmrpc__proc_start_time(pid, &now);

	return shmrpc__proc_liveness_from(rc, now, start);
}

int shmrpc__proc_comm(pid_t pid, char *buf, size_t len)
{
	ssize_t n = read_proc_file(pid, "comm", buf, len);

	if (n < 0)
		return (int)n;
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}
