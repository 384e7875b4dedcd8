/*
 * procinfo.h - layer: OS access.  Who a process is, from /proc: a pid alone
 * can be reused, so the library names a process by pid and start time
 * (field 22 of /proc/PID/stat, clock ticks since boot).
 */
#ifndef SHMRPC_PROCINFO_H
#define SHMRPC_PROCINFO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Start time of pid.  0, -ESRCH if there is no such process, or -errno. */
int shmrpc__proc_start_time(pid_t pid, uint64_t *start);

/* Start time of the calling process (cached after the first call). */
uint64_t shmrpc__proc_self_start_time(void);

enum shmrpc__proc_liveness {
	PROC_DEAD = 0, /* gone, or the pid now belongs to another process */
	PROC_ALIVE = 1, /* same pid and same start time */
	PROC_UNKNOWN = 2, /* cannot tell (e.g. /proc unreadable) */
};

/* Is the process (pid, start) still the one that is running? */
enum shmrpc__proc_liveness shmrpc__proc_liveness(pid_t pid, uint64_t start);

/* The same answer from what shmrpc__proc_start_time(pid, &now) returned (rc,
 * now), for callers that ask about one pid for many entries. */
enum shmrpc__proc_liveness shmrpc__proc_liveness_from(int rc, uint64_t now,
    uint64_t start);

/* Command name (comm) of pid into buf; 0 or -errno. */
int shmrpc__proc_comm(pid_t pid, char *buf, size_t len);

#endif
