/*
 * procinfo.c - layer: OS access.  Process identity from /proc (see
 * procinfo.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "os/procinfo.h"

/* Read /proc/<who>/<what> into buf (NUL-terminated); bytes read or -errno
 * (-ESRCH when there is no such process). */
static ssize_t read_proc_path(const char *who, const char *what, char *buf,
    size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%s/%s", who, what);
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

static ssize_t read_proc_file(pid_t pid, const char *what, char *buf,
    size_t len)
{
	char who[24];

	snprintf(who, sizeof(who), "%ld", (long)pid);
	return read_proc_path(who, what, buf, len);
}

/* Field 22 (start time) of a /proc/PID/stat text. */
static int parse_start_time(char *buf, uint64_t *start)
{
	/* comm may hold spaces and parentheses: fields resume after the
	 * last ')'.  Field 3 (state) follows it; start time is field 22. */
	char *p = strrchr(buf, ')');

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

int shmrpc__proc_start_time(pid_t pid, uint64_t *start)
{
	char buf[1024];
	ssize_t n;

	if (pid <= 0)
		return -ESRCH;
	n = read_proc_file(pid, "stat", buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return parse_start_time(buf, start);
}

uint64_t shmrpc__proc_self_start_time(void)
{
	static _Atomic uint64_t cached;
	static _Atomic pid_t cached_pid;
	char buf[1024];
	uint64_t v = 0;

	/* Re-read after fork(): the child is a new process. */
	if (cached_pid == getpid() && cached != 0)
		return cached;
	if (read_proc_path("self", "stat", buf, sizeof(buf)) < 0 ||
	    parse_start_time(buf, &v) < 0)
		v = 0;
	cached = v;
	cached_pid = getpid();
	return v;
}

uint64_t shmrpc__proc_self_pidns(void)
{
	static _Atomic uint64_t cached;
	static _Atomic pid_t cached_pid;
	struct stat st;

	/* A child forked after unshare(CLONE_NEWPID) is in another
	 * namespace than its parent: cached per process. */
	if (cached_pid == getpid() && cached != 0)
		return cached;
	cached = stat("/proc/self/ns/pid", &st) == 0 ? (uint64_t)st.st_ino
						       : 0;
	cached_pid = getpid();
	return cached;
}

bool shmrpc__proc_view_is_own(void)
{
	char buf[32];
	ssize_t n = readlink("/proc/self", buf, sizeof(buf) - 1);
	char *end;
	long v;

	if (n <= 0)
		return false; /* not a /proc of ours: we are not in it */
	buf[n] = '\0';
	errno = 0;
	v = strtol(buf, &end, 10);
	return errno == 0 && *end == '\0' && v == (long)getpid();
}

bool shmrpc__proc_pid_is_local(uint64_t pid_ns)
{
	uint64_t mine;

	if (!shmrpc__proc_view_is_own())
		return false;
	if (pid_ns == 0)
		return true;
	mine = shmrpc__proc_self_pidns();
	return mine != 0 && mine == pid_ns;
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

enum shmrpc__proc_liveness shmrpc__proc_liveness_in(pid_t pid, uint64_t start,
    uint64_t pid_ns)
{
	if (!shmrpc__proc_pid_is_local(pid_ns))
		return PROC_UNKNOWN;
	return shmrpc__proc_liveness(pid, start);
}

enum shmrpc__proc_liveness shmrpc__liveness_decide(int lock,
    bool lock_is_proof, enum shmrpc__proc_liveness by_pid)
{
	if (lock > 0 || by_pid == PROC_ALIVE)
		return PROC_ALIVE;
	if (lock == 0 && lock_is_proof)
		return PROC_DEAD;
	return by_pid;
}

static int strip_newline(ssize_t n, char *buf)
{
	if (n < 0)
		return (int)n;
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

int shmrpc__proc_comm(pid_t pid, char *buf, size_t len)
{
	return strip_newline(read_proc_file(pid, "comm", buf, len), buf);
}

int shmrpc__proc_self_comm(char *buf, size_t len)
{
	return strip_newline(read_proc_path("self", "comm", buf, len), buf);
}

int shmrpc__proc_self_cgroup(char *buf, size_t len)
{
	char text[4096];
	ssize_t n = read_proc_path("self", "cgroup", text, sizeof(text));
	char *line, *save = NULL, *first = NULL;

	if (n < 0)
		return (int)n;
	/* Lines are "hierarchy-id:controllers:path"; v2 is "0::path". */
	for (line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char *path = strchr(line, ':');
		if (path == NULL || (path = strchr(path + 1, ':')) == NULL)
			continue;
		path++;
		if (strncmp(line, "0::", 3) == 0) {
			first = path;
			break;
		}
		if (first == NULL)
			first = path;
	}
	if (first == NULL)
		return -ENOENT;
	return (size_t)snprintf(buf, len, "%s", first) >= len ? -ENAMETOOLONG
							       : 0;
}
