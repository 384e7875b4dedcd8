/*
 * unlink.c - layer: inspection.  Move aside, look again, remove or put
 * back (see unlink.h).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inspect/inspect.h"
#include "inspect/unlink.h"
#include "os/ownerlock.h"
#include "os/procinfo.h"
#include "os/procscan.h"
#include "os/shmobj.h"

/* Quarantine name of object `name` (which may already be one). */
static void quarantine_name(const char *name, char *buf, size_t len)
{
	if (strncmp(name, REAP_QUARANTINE_PREFIX,
		sizeof(REAP_QUARANTINE_PREFIX) - 1) == 0)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "%s%s", REAP_QUARANTINE_PREFIX, name);
}

static int set_why(struct doomed *d, int rc, const char *fmt, ...)
    SHMRPC_PRINTF(3, 4);

static int set_why(struct doomed *d, int rc, const char *fmt, ...)
{
	va_list ap;

	if (d->rc != 0)
		return d->rc; /* the first reason stands */
	va_start(ap, fmt);
	vsnprintf(d->why, sizeof(d->why), fmt, ap);
	va_end(ap);
	d->rc = rc;
	return rc;
}

/* Put item d's moved files back under their names. */
static void put_back(int dir, struct doomed *d)
{
	char q[TRANSPORT_FNAME_MAX + 32];

	for (size_t k = 0; k < d->n; k++) {
		if (!(d->moved & (1u << k)))
			continue;
		quarantine_name(d->objs[k].name, q, sizeof(q));
		if (strcmp(q, d->objs[k].name) != 0 &&
		    renameat2(dir, q, dir, d->objs[k].name, RENAME_NOREPLACE) < 0)
			log_warn("reap: %s was opened while being reaped and "
				 "cannot go back under its name (%s): left as "
				 "%s", d->objs[k].name, strerror(errno), q);
		d->moved &= ~(1u << k);
	}
}

/* Step 1: each present file of d under its quarantine name, the very
 * inode that was judged.  0, or d->rc. */
static int move_aside(int dir, struct doomed *d)
{
	char q[TRANSPORT_FNAME_MAX + 32];
	struct stat st;

	for (size_t k = 0; k < d->n && k < 32; k++) {
		const shmrpc_object_info *o = &d->objs[k];
		if (!o->present)
			continue;
		if (shmrpc__reap_test_unlink_hook != NULL)
			shmrpc__reap_test_unlink_hook(o->name);
		quarantine_name(o->name, q, sizeof(q));
		if (strcmp(q, o->name) != 0 &&
		    renameat2(dir, o->name, dir, q, RENAME_NOREPLACE) < 0) {
			if (errno == ENOENT)
				continue; /* gone already */
			return set_why(d, -errno, "%s: cannot move it aside "
			    "to remove it: %s", o->name, strerror(errno));
		}
		d->moved |= 1u << k;
		if (fstatat(dir, q, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    (uint64_t)st.st_ino != o->ino || st.st_uid != o->uid)
			return set_why(d, SHMRPC_EALIVE, "%s was replaced while "
			    "being reaped: put back", o->name);
	}
	return 0;
}

struct rescan {
	struct doomed *v;
	size_t *item_of;      /* per scanned inode: its item */
	size_t *obj_of;       /* ... and its object */
	size_t n;
};

static void on_mapped(void *arg, size_t i, pid_t pid)
{
	struct rescan *rs = arg;
	struct doomed *d = &rs->v[rs->item_of[i]];
	char comm[64];

	if (shmrpc__proc_comm(pid, comm, sizeof(comm)) < 0)
		snprintf(comm, sizeof(comm), "?");
	set_why(d, SHMRPC_EALIVE, "pid %ld (%s) opened %s while it was being "
	    "reaped: put back", (long)pid, comm,
	    d->objs[rs->obj_of[i]].name);
}

static void on_unreadable(void *arg, pid_t pid, uid_t uid)
{
	struct rescan *rs = arg;

	/* As the inspection's could_hold(): a process we cannot read that
	 * could open the file keeps it. */
	for (size_t i = 0; i < rs->n; i++) {
		struct doomed *d = &rs->v[rs->item_of[i]];
		const shmrpc_object_info *o = &d->objs[rs->obj_of[i]];
		if (uid != 0 && (uid == o->uid || (o->mode & 0066) != 0))
			set_why(d, SHMRPC_EALIVE, "cannot read /proc/%ld of "
			    "uid %lu, which could have opened %s meanwhile: "
			    "put back", (long)pid, (unsigned long)uid,
			    o->name);
	}
}

/* Step 2: who holds a moved file now: mappings, descriptors, locks. */
static int look_again(int dir, dev_t dev, struct doomed *v, size_t n)
{
	struct rescan rs = { .v = v };
	struct procscan_hooks hooks = { on_mapped, on_unreadable, &rs };
	size_t cap = 0;
	ino_t *inos;
	int rc;

	for (size_t i = 0; i < n; i++)
		cap += (size_t)__builtin_popcount(v[i].moved);
	inos = calloc(cap ? cap : 1, sizeof(*inos));
	rs.item_of = calloc(cap ? cap : 1, sizeof(*rs.item_of));
	rs.obj_of = calloc(cap ? cap : 1, sizeof(*rs.obj_of));
	if (inos == NULL || rs.item_of == NULL || rs.obj_of == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < v[i].n; k++) {
			char q[TRANSPORT_FNAME_MAX + 32];
			struct stat want = { .st_dev = dev };
			if (!(v[i].moved & (1u << k)))
				continue;
			inos[rs.n] = (ino_t)v[i].objs[k].ino;
			rs.item_of[rs.n] = i;
			rs.obj_of[rs.n++] = k;
			want.st_ino = (ino_t)v[i].objs[k].ino;
			quarantine_name(v[i].objs[k].name, q, sizeof(q));
			if (shmrpc__lock_test_at(dir, q, &want, 0, 0) != 0)
				set_why(&v[i], SHMRPC_EALIVE, "a process took a "
				    "lock on %s while it was being reaped: put "
				    "back", v[i].objs[k].name);
		}
	rc = shmrpc__procscan_run(inos, rs.n, dev, &hooks);
out:
	free(inos);
	free(rs.item_of);
	free(rs.obj_of);
	return rc;
}

/* Step 3: remove item d's moved files. */
static void remove_moved(int dir, struct doomed *d)
{
	char q[TRANSPORT_FNAME_MAX + 32];

	for (size_t k = 0; k < d->n; k++) {
		if (!(d->moved & (1u << k)))
			continue;
		quarantine_name(d->objs[k].name, q, sizeof(q));
		if (unlinkat(dir, q, 0) < 0 && errno != ENOENT)
			set_why(d, -errno, "%s (as %s): %s", d->objs[k].name,
			    q, strerror(errno));
		else
			d->moved &= ~(1u << k);
	}
}

void shmrpc__reap_unlink(int dir, dev_t dev, struct doomed *v, size_t n,
    bool together)
{
	bool any_held = false;
	int rc;

	for (size_t i = 0; i < n; i++) {
		v[i].moved = 0;
		v[i].rc = 0;
		v[i].why[0] = '\0';
		move_aside(dir, &v[i]);
	}
	rc = look_again(dir, dev, v, n);
	for (size_t i = 0; i < n; i++) {
		if (rc < 0)
			set_why(&v[i], rc, "cannot look at the processes again "
			    "before removing it: %s", shmrpc_strerror(rc));
		any_held |= v[i].rc != 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (together && any_held && v[i].rc == 0)
			set_why(&v[i], SHMRPC_EALIVE, "another file of the same "
			    "name was opened while being reaped: put back");
		if (v[i].rc == 0)
			remove_moved(dir, &v[i]);
		if (v[i].rc != 0)
			put_back(dir, &v[i]);
	}
}
