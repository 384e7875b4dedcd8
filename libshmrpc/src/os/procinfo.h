/*
 * procinfo.h - layer: OS access.  Who a process is, from /proc: a pid alone
 * can be reused, so the library names a process by pid and start time
 * (field 22 of /proc/PID/stat, clock ticks since boot).
 *
 * A pid means something only in its own PID namespace.  A process in a
 * container (its own PID namespace) records pid 2, which the host knows as
 * another number, and the host's pid 2 is some other process.  So every
 * recorded pid comes with the inode of its PID namespace
 * (/proc/self/ns/pid), and a pid from another namespace is never looked up
 * here: "I cannot see that pid" never means "dead".  Liveness itself rests
 * on locks (os/ownerlock.h); pid and start time are information, and a
 * second opinion where they are ours to read.
 */
#ifndef SHMRPC_PROCINFO_H
#define SHMRPC_PROCINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Start time of pid.  0, -ESRCH if there is no such process, or -errno. */
int shmrpc__proc_start_time(pid_t pid, uint64_t *start);

/* Start time of the calling process (cached after the first call), read
 * from /proc/self: right even when the /proc mounted here belongs to
 * another PID namespace than ours. */
uint64_t shmrpc__proc_self_start_time(void);

/* Inode of the calling process's PID namespace (stat of
 * /proc/self/ns/pid), or 0 when it cannot be read.  Cached per process. */
uint64_t shmrpc__proc_self_pidns(void);

/* Is the /proc we read the view of our own PID namespace, i.e. do the pids
 * in it mean what getpid() means?  (/proc/self names getpid().) */
bool shmrpc__proc_view_is_own(void);

/*
 * May a pid recorded in PID namespace pid_ns be looked up in our /proc?
 * pid_ns 0 means "not recorded" (entries of older versions): assumed to be
 * ours, as those versions did, provided our /proc is our own.
 */
bool shmrpc__proc_pid_is_local(uint64_t pid_ns);

enum shmrpc__proc_liveness {
	PROC_DEAD = 0, /* gone, or the pid now belongs to another process */
	PROC_ALIVE = 1, /* same pid and same start time */
	PROC_UNKNOWN = 2, /* cannot tell (e.g. /proc unreadable, or the pid
	                     is of another PID namespace) */
};

/* Is the process (pid, start) still the one that is running? */
enum shmrpc__proc_liveness shmrpc__proc_liveness(pid_t pid, uint64_t start);

/* The same answer from what shmrpc__proc_start_time(pid, &now) returned (rc,
 * now), for callers that ask about one pid for many entries. */
enum shmrpc__proc_liveness shmrpc__proc_liveness_from(int rc, uint64_t now,
    uint64_t start);

/* As shmrpc__proc_liveness(), for a pid recorded in PID namespace pid_ns:
 * PROC_UNKNOWN, without looking, when that pid is not ours to read. */
enum shmrpc__proc_liveness shmrpc__proc_liveness_in(pid_t pid, uint64_t start,
    uint64_t pid_ns);

/*
 * The one rule that decides whether an owner lives, from its liveness lock
 * and its pid:
 *   lock   1: held, 0: free, < 0: not tested (none, or cannot be opened);
 *   lock_is_proof: the owner is known to hold that lock for its whole life
 *          (it said so: a registry entry with "lock", a futex header with
 *          the owner-lock flag), so a free lock means it is gone;
 *   by_pid what its pid and start time say (PROC_UNKNOWN when the pid is
 *          not ours to read).
 * A held lock is alive; a pid seen alive is alive; a free lock that is
 * proof is dead; otherwise the pid's answer, which may be unknown.
 */
enum shmrpc__proc_liveness shmrpc__liveness_decide(int lock,
    bool lock_is_proof, enum shmrpc__proc_liveness by_pid);

/* Command name (comm) of pid into buf; 0 or -errno. */
int shmrpc__proc_comm(pid_t pid, char *buf, size_t len);

/* Command name of the calling process (from /proc/self). 0 or -errno. */
int shmrpc__proc_self_comm(char *buf, size_t len);

/* The cgroup of the calling process as /proc/self/cgroup names it (the
 * cgroup v2 "0::" path, else the first hierarchy's path), e.g.
 * "/system.slice/calc.service" or "/docker/<id>"; 0 or -errno. */
int shmrpc__proc_self_cgroup(char *buf, size_t len);

#endif
