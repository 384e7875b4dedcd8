/*
 * owner.c - layer: inspection.  The liveness rule for a registered owner
 * (see owner.h and shmrpc-registry(5), LIVENESS).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inspect/owner.h"
#include "os/ownerlock.h"

struct pid_seen {
	pid_t pid;       /* 0: free slot */
	int rc;          /* what shmrpc__proc_start_time() returned */
	uint64_t start;
};

void shmrpc__pid_cache_free(struct pid_cache *c)
{
	free(c->v);
	memset(c, 0, sizeof(*c));
}

/* Start time of pid > 0, read from /proc once per cache. */
static int cached_start(struct pid_cache *c, pid_t pid, uint64_t *start)
{
	size_t h;

	if (c == NULL)
		return shmrpc__proc_start_time(pid, start);
	if (c->used * 2 >= c->mask) {
		/* Grow (or make) the open-addressed table, never full. */
		size_t cap = c->mask ? (c->mask + 1) * 2 : 64;
		struct pid_seen *v = calloc(cap, sizeof(*v));
		if (v == NULL)
			return shmrpc__proc_start_time(pid, start);
		for (size_t i = 0; c->mask && i <= c->mask; i++) {
			if (c->v[i].pid == 0)
				continue;
			h = ((size_t)(unsigned)c->v[i].pid * 2654435761u) &
			    (cap - 1);
			while (v[h].pid != 0)
				h = (h + 1) & (cap - 1);
			v[h] = c->v[i];
		}
		free(c->v);
		c->v = v;
		c->mask = cap - 1;
	}
	h = ((size_t)(unsigned)pid * 2654435761u) & c->mask;
	while (c->v[h].pid != 0 && c->v[h].pid != pid)
		h = (h + 1) & c->mask;
	if (c->v[h].pid == 0) {
		c->v[h].pid = pid;
		c->v[h].rc = shmrpc__proc_start_time(pid, &c->v[h].start);
		c->used++;
	}
	*start = c->v[h].start;
	return c->v[h].rc;
}

/* Is e's pid ours to read?  Asked once per cache: it costs a readlink. */
static bool pid_local(const struct reg_entry *e, struct pid_cache *c)
{
	uint64_t mine;

	if (c == NULL)
		return shmrpc__proc_pid_is_local(e->pid_ns);
	if (c->view == 0)
		c->view = shmrpc__proc_view_is_own() ? 1 : 2;
	if (c->view != 1)
		return false;
	if (e->pid_ns == 0)
		return true;
	mine = shmrpc__proc_self_pidns();
	return mine != 0 && mine == e->pid_ns;
}

/* The owner's lock and its clients' locks, on the lock object. */
static void test_locks(int dir, const struct reg_entry *e,
    const struct stat *lock_st, struct owner_verdict *v)
{
	int rc;

	v->lock = v->clients = -1;
	if (e->lock[0] == '\0')
		return;
	rc = shmrpc__lock_test_at(dir, e->lock, lock_st, OWNERLOCK_OWNER_BYTE,
	    1);
	if (rc < 0) {
		v->lock_rc = rc;
		return;
	}
	v->lock = rc;
	rc = shmrpc__lock_test_at(dir, e->lock, lock_st, OWNERLOCK_CLIENT_BYTE,
	    0);
	v->clients = rc < 0 ? -1 : rc;
}

int shmrpc__owner_judge(int dir, const struct reg_entry *e,
    const struct stat *lock_st, struct pid_cache *cache,
    struct owner_verdict *v)
{
	enum shmrpc__proc_liveness by_pid = PROC_UNKNOWN;
	uint64_t now = 0;
	int rc;

	memset(v, 0, sizeof(*v));
	test_locks(dir, e, lock_st, v);
	v->pid_local = pid_local(e, cache);
	if (v->lock > 0) {
		v->live = PROC_ALIVE;
		return 0;
	}
	if (v->pid_local && e->pid > 0) {
		rc = cached_start(cache, e->pid, &now);
		by_pid = shmrpc__proc_liveness_from(rc, now, e->start);
		v->pid_taken = rc == 0 && by_pid == PROC_DEAD;
	} else if (v->pid_local) {
		by_pid = PROC_DEAD; /* no pid at all */
	}
	v->live = shmrpc__liveness_decide(v->lock, e->lock[0] != '\0',
	    by_pid);
	return 0;
}
