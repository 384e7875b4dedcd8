/*
 * test_inspect.c - states as shmrpc-registry(5) defines them, reaping and
 * the reclaim of a dead server's channel on restart.
 *
 * Own registry per test (SHMRPC_REGISTRY), unique names, /dev/shm left as
 * found.  Runs as root or not; the other-user test needs root.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "testlib.h"

#include "os/ownerlock.h"
#include "os/procinfo.h"
#include "os/procscan.h"
#include "inspect/inspect.h"
#include "registry/registry.h"

/* The test's channel: ut_tag (testlib.h) + "_ch". */
static char chan[128];
#define tag ut_tag
#define reg_path ut_reg_path
static pid_t child;
static pid_t second_child; /* for tests that need two at once */

static int setup(void **state)
{
	ut_setup(state);
	ut_name(chan, sizeof(chan), "ch");
	child = 0;
	second_child = 0;
	return 0;
}

static int teardown(void **state)
{
	ut_kill(&child);
	ut_kill(&second_child);
	return ut_teardown(state);
}

static shmrpc_options posix_opts(void)
{
	shmrpc_options o;

	shmrpc_options_init(&o);
	o.transport = SHMRPC_TRANSPORT_POSIX;
	return o;
}

/* The snapshot's channel `name` (must be exactly one), or fail. */
static const shmrpc_channel_info *one_channel(shmrpc_inspection **s,
    const char *name, double grace)
{
	shmrpc_inspect_options o;

	shmrpc_inspect_options_init(&o);
	o.channel = name;
	o.grace = grace;
	assert_int_equal(shmrpc_inspect(s, &o, NULL), 0);
	assert_int_equal(shmrpc_inspection_channel_count(*s), 1);
	return shmrpc_inspection_channel(*s, 0);
}

/* The snapshot's loose object fname, or NULL. */
static const shmrpc_object_info *loose(shmrpc_inspection **s,
    const char *fname, double grace, int all_users)
{
	shmrpc_inspect_options o;

	shmrpc_inspect_options_init(&o);
	o.prefix = tag;
	o.grace = grace;
	o.all_users = all_users;
	assert_int_equal(shmrpc_inspect(s, &o, NULL), 0);
	for (size_t i = 0; i < shmrpc_inspection_object_count(*s); i++)
		if (strcmp(shmrpc_inspection_object(*s, i)->name, fname) == 0)
			return shmrpc_inspection_object(*s, i);
	return NULL;
}

/* A server in a child that dies without closing (as with kill -9). */
static void server_dies(const char *name)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		shmrpc_transport *t;
		shmrpc_options o = posix_opts();
		_exit(shmrpc_transport_create(&t, name, &o, NULL) == 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* A posix server of `name` in a child that waits to be killed (the
 * caller keeps the pid in `child`, for teardown).  Returns once it serves. */
static pid_t server_lives(const char *name)
{
	int p[2];
	char c;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		shmrpc_transport *t;
		shmrpc_options o = posix_opts();
		if (shmrpc_transport_create(&t, name, &o, NULL) < 0)
			_exit(1);
		if (write(p[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	return pid;
}

/* What a holder() child does with /dev/shm/fname. */
enum hold { HOLD_FD = 0, HOLD_MAP = 1, HOLD_OWNER_LOCK = 2 };

/* A child that creates /dev/shm/fname (if need be) and holds its fd, maps
 * it, or holds the owner's liveness lock on it, then waits to be killed.
 * Returns once it is set up. */
static pid_t holder(const char *fname, int how)
{
	int p[2];
	char c;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char path[400];
		int fd;
		snprintf(path, sizeof(path), "/dev/shm/%s", fname);
		fd = open(path, O_RDWR | O_CREAT, 0600);
		if (fd < 0 || (how != HOLD_OWNER_LOCK &&
				  ftruncate(fd, 4096) < 0))
			_exit(1);
		if (how == HOLD_MAP && mmap(NULL, 4096, PROT_READ, MAP_SHARED,
					   fd, 0) == MAP_FAILED)
			_exit(1);
		if (how == HOLD_MAP)
			close(fd);
		if (how == HOLD_OWNER_LOCK &&
		    shmrpc__lock_hold(fd, OWNERLOCK_OWNER_BYTE, 1, false) < 0)
			_exit(1);
		if (write(p[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	return pid;
}

static void make_file(const char *fname)
{
	char path[400];
	int fd;

	snprintf(path, sizeof(path), "/dev/shm/%s", fname);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
}

static void unlink_shm(const char *fname)
{
	char path[400];

	snprintf(path, sizeof(path), "/dev/shm/%s", fname);
	unlink(path);
}

static bool exists(const char *fname)
{
	char path[400];
	struct stat st;

	snprintf(path, sizeof(path), "/dev/shm/%s", fname);
	return lstat(path, &st) == 0;
}

/* ---- states -------------------------------------------------------------- */

static void test_state_names(void **state)
{
	(void)state;
	assert_string_equal(shmrpc_state_name(SHMRPC_STATE_LIVE), "live");
	assert_string_equal(shmrpc_state_name(SHMRPC_STATE_STALE), "stale");
	assert_string_equal(shmrpc_state_name(SHMRPC_STATE_ORPHAN), "orphan");
	assert_string_equal(shmrpc_state_name(SHMRPC_STATE_INUSE), "in-use");
	assert_string_equal(shmrpc_state_name(SHMRPC_STATE_RECENT), "recent");
	assert_string_equal(shmrpc_state_name(SHMRPC_STATE_UNKNOWN),
	    "unknown");
	assert_string_equal(shmrpc_state_name((shmrpc_state)99), "unknown");
}

static void test_live(void **state)
{
	shmrpc_options o = posix_opts();
	shmrpc_transport *t;
	shmrpc_inspection *s;
	const shmrpc_channel_info *c;
	bool self = false;

	(void)state;
	assert_int_equal(shmrpc_transport_create(&t, chan, &o, NULL), 0);
	c = one_channel(&s, chan, -1);
	assert_int_equal(c->state, SHMRPC_STATE_LIVE);
	assert_int_equal(c->owner_pid, getpid());
	assert_int_equal(c->owner_alive, 1);
	assert_int_equal(c->owner_start, shmrpc__proc_self_start_time());
	assert_int_equal(c->owner_uid, geteuid());
	assert_string_equal(c->transport_name, "posix");
	assert_int_equal(c->transport, SHMRPC_TRANSPORT_POSIX);
	assert_int_equal(c->buffer_size, 4096);
	assert_int_equal(c->slots, 1);
	/* The seed's six, and our own segment (per-method counters). */
	assert_int_equal(c->nobjects, 7);
	assert_true(c->objects[0].present);
	assert_int_equal(c->objects[0].size, 4096);
	assert_string_equal(c->objects[6].name + strlen("shmrpc_posix_"),
	    c->name);
	/* A posix channel has statistics (its methods), no counters. */
	assert_non_null(c->stats);
	assert_null(shmrpc_stats_channel(c->stats)->counters);
	assert_string_equal(c->registry, reg_path);
	for (size_t i = 0; i < c->nmappers; i++)
		self |= c->mappers[i] == getpid();
	assert_true(self);
	assert_true(c->age >= 0 && c->age < 60);
	shmrpc_inspection_free(s);
	shmrpc_transport_close(t);
	/* Closed: unregistered and gone. */
	assert_false(exists(chan));
	{
		shmrpc_inspect_options io;
		shmrpc_inspect_options_init(&io);
		io.channel = chan;
		assert_int_equal(shmrpc_inspect(&s, &io, NULL), 0);
		assert_int_equal(shmrpc_inspection_channel_count(s), 0);
		assert_int_equal(shmrpc_inspection_object_count(s), 0);
		shmrpc_inspection_free(s);
	}
}

/* What one shmrpc_reap_*() call told its callback, and its error text. */
struct reap_outcome {
	shmrpc_state state;      /* of the blocking item, else the last */
	unsigned removed;        /* objects, from the events */
	unsigned entries;        /* channel entries removed (or would be) */
	int ok, failed, left;    /* events of each kind */
	char text[SHMRPC_ERROR_TEXT_LENGTH];
};

static void on_reap_event(const shmrpc_reap_event *ev, void *arg)
{
	struct reap_outcome *r = arg;

	assert_non_null(ev->reason);
	assert_true((ev->channel == NULL) != (ev->object == NULL));
	r->removed += ev->removed;
	switch (ev->action) {
	case SHMRPC_REAP_REMOVED:
	case SHMRPC_REAP_WOULD:
		r->ok++;
		r->entries += ev->channel != NULL;
		r->state = ev->state;
		snprintf(r->text, sizeof(r->text), "%s %u (%s)",
		    shmrpc_reap_action_name(ev->action), ev->removed,
		    ev->reason);
		break;
	case SHMRPC_REAP_FAILED:
		r->failed++;
		break;
	case SHMRPC_REAP_LEFT:
		r->left++;
		break;
	}
}

/* shmrpc_reap_channel / _object with the outcome in *r (may be NULL). */
static int reap_channel(const char *name, const shmrpc_reap_options *o,
    struct reap_outcome *r)
{
	struct reap_outcome local;
	shmrpc_error e = { 0, "" };
	int rc;

	if (r == NULL)
		r = &local;
	memset(r, 0, sizeof(*r));
	rc = shmrpc_reap_channel(name, o, on_reap_event, r, &e);
	if (rc < 0)
		snprintf(r->text, sizeof(r->text), "%s", e.text);
	return rc;
}

static int reap_object(const char *name, const shmrpc_reap_options *o,
    struct reap_outcome *r)
{
	shmrpc_error e = { 0, "" };
	int rc;

	memset(r, 0, sizeof(*r));
	rc = shmrpc_reap_object(name, o, on_reap_event, r, &e);
	if (rc < 0)
		snprintf(r->text, sizeof(r->text), "%s", e.text);
	return rc;
}

static void test_stale_and_reap(void **state)
{
	shmrpc_reap_options io;
	struct reap_outcome res;
	shmrpc_inspection *s;
	const shmrpc_channel_info *c;
	char req[300];

	(void)state;
	snprintf(req, sizeof(req), "srb_%s_req", chan);
	server_dies(chan);
	c = one_channel(&s, chan, -1);
	assert_int_equal(c->state, SHMRPC_STATE_STALE);
	assert_int_equal(c->owner_alive, 0);
	assert_non_null(strstr(c->reason, "is dead"));
	assert_int_equal(c->nmappers, 0);
	shmrpc_inspection_free(s);

	shmrpc_reap_options_init(&io);
	io.dry_run = 1;
	assert_int_equal(reap_channel(chan, &io, &res), 0);
	assert_int_equal(res.removed, 7);
	assert_int_equal(res.entries, 1);
	assert_non_null(strstr(res.text, "would remove"));
	assert_true(exists(req));

	io.dry_run = 0;
	assert_int_equal(reap_channel(chan, &io, &res), 0);
	assert_int_equal(res.removed, 7);
	assert_false(exists(req));
	assert_int_equal(reap_channel(chan, &io, &res), SHMRPC_ENOCHANNEL);
}

static void test_reap_all(void **state)
{
	shmrpc_reap_options io;
	struct reap_outcome r = { 0 };
	char req[300], orphan[300], held[300], link[300], path[400];
	pid_t h;

	(void)state;
	snprintf(req, sizeof(req), "srb_%s_req", chan);
	snprintf(orphan, sizeof(orphan), "srb_%s_o_resp", tag);
	snprintf(held, sizeof(held), "srb_%s_h_resp", tag);
	snprintf(link, sizeof(link), "srb_%s_l_resp", tag);
	server_dies(chan);
	make_file(orphan);
	h = holder(held, true);
	snprintf(path, sizeof(path), "/dev/shm/%s", link);
	assert_int_equal(symlink("/etc/passwd", path), 0);

	shmrpc_reap_options_init(&io);
	io.prefix = tag;
	io.grace = 0;
	io.dry_run = 1;
	assert_int_equal(shmrpc_reap_all(&io, on_reap_event, &r, NULL), 0);
	assert_int_equal(r.ok, 2); /* the stale channel, the orphan */
	assert_int_equal(r.entries, 1);
	/* and what it leaves, with why: the held file and the symlink */
	assert_int_equal(r.left, 2);
	assert_true(exists(req) && exists(orphan));

	memset(&r, 0, sizeof(r));
	io.dry_run = 0;
	assert_int_equal(shmrpc_reap_all(&io, on_reap_event, &r, NULL), 0);
	assert_int_equal(r.ok, 2);
	assert_int_equal(r.failed, 0);
	assert_false(exists(req));
	assert_false(exists(orphan));
	assert_true(exists(held)); /* in use */
	assert_true(exists(link)); /* not a regular file */
	assert_int_equal(shmrpc_reap_all(&io, NULL, NULL, NULL), 0);

	kill(h, SIGKILL);
	waitpid(h, NULL, 0);
	unlink(path);
	memset(&r, 0, sizeof(r));
	assert_int_equal(shmrpc_reap_all(&io, on_reap_event, &r, NULL), 0);
	assert_int_equal(r.ok, 1);
	assert_false(exists(held));
}

/* Register channel `name` (posix, no objects) as owned by pid/start. */
static void put_entry(const char *name, pid_t pid, uint64_t start)
{
	struct registry r;
	struct reg_entry e;

	memset(&e, 0, sizeof(e));
	snprintf(e.name, sizeof(e.name), "%s", name);
	snprintf(e.transport, sizeof(e.transport), "posix");
	e.nobjects = shmrpc__transport_posix_ops.object_names(name, e.objects,
	    TRANSPORT_MAX_OBJECTS);
	e.buffer_size = 4096;
	e.slots = 1;
	e.created = 1.5e9;
	e.pid = pid;
	e.start = start;
	e.uid = geteuid();
	snprintf(e.comm, sizeof(e.comm), "owner");
	assert_int_equal(shmrpc__registry_lock(&r, reg_path, false,
			     shmrpc__inspect_rebuild),
	    0);
	assert_int_equal(shmrpc__registry_put(&r, &e), 0);
	assert_int_equal(shmrpc__registry_commit(&r), 0);
	shmrpc__registry_unlock(&r);
}

static void test_pid_reuse_is_stale(void **state)
{
	shmrpc_inspection *s;
	const shmrpc_channel_info *c;

	(void)state;
	/* Our pid, alive, but another start time: a reused pid. */
	put_entry(chan, getpid(), shmrpc__proc_self_start_time() + 1);
	c = one_channel(&s, chan, -1);
	assert_int_equal(c->state, SHMRPC_STATE_STALE);
	assert_non_null(strstr(c->reason, "reused"));
	shmrpc_inspection_free(s);

	/* The same entry with the right start time is live. */
	put_entry(chan, getpid(), shmrpc__proc_self_start_time());
	c = one_channel(&s, chan, -1);
	assert_int_equal(c->state, SHMRPC_STATE_LIVE);
	shmrpc_inspection_free(s);

	/* A live entry is never reaped; a stale one (no objects) goes. */
	assert_int_equal(reap_channel(chan, NULL, NULL), SHMRPC_EALIVE);
	put_entry(chan, getpid(), shmrpc__proc_self_start_time() + 1);
	assert_int_equal(reap_channel(chan, NULL, NULL), 0);
}

/* One snapshot, one pid, two start times: /proc/PID/stat is read once for
 * both entries, and each is judged by its own start time. */
static void test_owner_pid_shared_by_entries(void **state)
{
	char a[160], b[160];
	shmrpc_inspect_options io;
	shmrpc_inspection *s;
	int seen = 0;

	(void)state;
	snprintf(a, sizeof(a), "%s_a", tag);
	snprintf(b, sizeof(b), "%s_b", tag);
	put_entry(a, getpid(), shmrpc__proc_self_start_time());
	put_entry(b, getpid(), shmrpc__proc_self_start_time() + 1);
	shmrpc_inspect_options_init(&io);
	io.prefix = tag;
	assert_int_equal(shmrpc_inspect(&s, &io, NULL), 0);
	assert_int_equal(shmrpc_inspection_channel_count(s), 2);
	for (size_t i = 0; i < 2; i++) {
		const shmrpc_channel_info *c = shmrpc_inspection_channel(s, i);
		if (strcmp(c->name, a) == 0) {
			assert_int_equal(c->state, SHMRPC_STATE_LIVE);
			assert_int_equal(c->owner_alive, 1);
			seen |= 1;
		} else {
			assert_string_equal(c->name, b);
			assert_int_equal(c->state, SHMRPC_STATE_STALE);
			assert_int_equal(c->owner_alive, 0);
			assert_non_null(strstr(c->reason, "reused"));
			seen |= 2;
		}
	}
	assert_int_equal(seen, 3);
	shmrpc_inspection_free(s);
	assert_int_equal(reap_channel(b, NULL, NULL), 0);
	assert_int_equal(reap_channel(a, NULL, NULL), SHMRPC_EALIVE);
	put_entry(a, getpid(), shmrpc__proc_self_start_time() + 1);
	assert_int_equal(reap_channel(a, NULL, NULL), 0);
}

/* ---- liveness across PID namespaces (shmrpc-registry(5), LIVENESS) ---- */

/* The rule itself, every case. */
static void test_liveness_rule(void **state)
{
	static const struct {
		int lock;
		bool proof;
		enum shmrpc__proc_liveness by_pid, want;
	} t[] = {
		/* A held lock is alive, whatever the pid says. */
		{ 1, true, PROC_DEAD, PROC_ALIVE },
		{ 1, false, PROC_UNKNOWN, PROC_ALIVE },
		/* A pid seen alive is alive. */
		{ 0, true, PROC_ALIVE, PROC_ALIVE },
		{ -1, false, PROC_ALIVE, PROC_ALIVE },
		/* A free lock that is proof is dead, even with no pid to read. */
		{ 0, true, PROC_UNKNOWN, PROC_DEAD },
		{ 0, true, PROC_DEAD, PROC_DEAD },
		/* Not proof (a client of an older version): the pid decides,
		 * and a pid we cannot read keeps it. */
		{ 0, false, PROC_DEAD, PROC_DEAD },
		{ 0, false, PROC_UNKNOWN, PROC_UNKNOWN },
		/* Untestable lock: the pid, which may not know. */
		{ -1, true, PROC_UNKNOWN, PROC_UNKNOWN },
		{ -1, false, PROC_DEAD, PROC_DEAD },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(shmrpc__liveness_decide(t[i].lock, t[i].proof,
				     t[i].by_pid),
		    t[i].want);
}

/* Register channel `name` as futex with pid/start, PID namespace pid_ns
 * and lock file `lock` (NULL: none), uid `uid`; objects as given (NULL:
 * the channel's own). */
static void put_futex_entry(const char *name, pid_t pid, uint64_t start,
    uint64_t pid_ns, bool lock, uid_t uid, const char *object)
{
	struct registry r;
	struct reg_entry e;

	memset(&e, 0, sizeof(e));
	snprintf(e.name, sizeof(e.name), "%s", name);
	snprintf(e.transport, sizeof(e.transport), "futex");
	e.kind = SHMRPC_TRANSPORT_FUTEX;
	e.nobjects = 1;
	if (object != NULL)
		snprintf(e.objects[0], TRANSPORT_FNAME_MAX, "%s", object);
	else
		snprintf(e.objects[0], TRANSPORT_FNAME_MAX, "shmrpc_futex_%s",
		    name);
	if (lock)
		memcpy(e.lock, e.objects[0], sizeof(e.lock));
	e.buffer_size = 4096;
	e.slots = 1;
	e.created = 1.5e9;
	e.pid = pid;
	e.start = start;
	e.pid_ns = pid_ns;
	e.uid = uid;
	e.gid = (gid_t)-1;
	snprintf(e.comm, sizeof(e.comm), "owner");
	assert_int_equal(shmrpc__registry_lock(&r, reg_path, false,
			     shmrpc__inspect_rebuild),
	    0);
	assert_int_equal(shmrpc__registry_put(&r, &e), 0);
	assert_int_equal(shmrpc__registry_commit(&r), 0);
	shmrpc__registry_unlock(&r);
}

static shmrpc_state state_of(const char *name, int *lock)
{
	shmrpc_inspection *s;
	const shmrpc_channel_info *c = one_channel(&s, name, 0);
	shmrpc_state st = c->state;

	*lock = c->owner_lock;
	shmrpc_inspection_free(s);
	return st;
}

/* An owner of another PID namespace: its lock decides; without a lock it
 * can only be unknown, never stale (its pid means nothing here). */
static void test_foreign_owner_judged_by_lock(void **state)
{
	char fname[200];
	uint64_t foreign = shmrpc__proc_self_pidns() + 1;
	int lock;

	(void)state;
	snprintf(fname, sizeof(fname), "shmrpc_futex_%s", chan);
	make_file(fname);
	/* pid 1 here is another process, alive, with another start time. */
	put_futex_entry(chan, 1, 12345, foreign, true, geteuid(), NULL);
	child = holder(fname, HOLD_OWNER_LOCK);
	assert_int_equal(state_of(chan, &lock), SHMRPC_STATE_LIVE);
	assert_int_equal(lock, 1);
	assert_int_equal(reap_channel(chan, NULL, NULL), SHMRPC_EALIVE);
	assert_true(exists(fname));
	ut_kill(&child);
	/* Free: dead, from any namespace, and reaped in one run. */
	assert_int_equal(state_of(chan, &lock), SHMRPC_STATE_STALE);
	assert_int_equal(lock, 0);
	/* No lock registered, pid of another namespace: unknown. */
	put_futex_entry(chan, 1, 12345, foreign, false, geteuid(), NULL);
	assert_int_equal(state_of(chan, &lock), SHMRPC_STATE_UNKNOWN);
	assert_int_equal(reap_channel(chan, NULL, NULL), SHMRPC_EUNKNOWN);
	assert_true(exists(fname));
	put_futex_entry(chan, 1, 12345, foreign, true, geteuid(), NULL);
	assert_int_equal(reap_channel(chan, NULL, NULL), 0);
	assert_false(exists(fname));
}

/* Our namespace: a free lock is death unless the very process (pid and
 * start time) is seen running, the second opinion. */
static void test_local_owner_second_opinion(void **state)
{
	char fname[200];
	int lock;

	(void)state;
	snprintf(fname, sizeof(fname), "shmrpc_futex_%s", chan);
	make_file(fname);
	put_futex_entry(chan, getpid(), shmrpc__proc_self_start_time(),
	    shmrpc__proc_self_pidns(), true, geteuid(), NULL);
	assert_int_equal(state_of(chan, &lock), SHMRPC_STATE_LIVE);
	assert_int_equal(lock, 0);
	put_futex_entry(chan, getpid(), shmrpc__proc_self_start_time() + 1,
	    shmrpc__proc_self_pidns(), true, geteuid(), NULL);
	assert_int_equal(state_of(chan, &lock), SHMRPC_STATE_STALE);
	assert_int_equal(reap_channel(chan, NULL, NULL), 0);
}

/* A child forked without exec shares its parent's descriptors, and so its
 * liveness locks.  A close lets go of them explicitly: the closed client's
 * slot is free again (a 1-slot channel: the next open gets it), and a
 * closed server's channel is not kept alive by the child. */
static void test_close_lets_go_despite_a_forked_child(void **state)
{
	shmrpc_transport *srv, *cli;
	shmrpc_options o;
	pid_t kid;

	(void)state;
	shmrpc_options_init(&o);
	o.transport = SHMRPC_TRANSPORT_FUTEX;
	o.slots = 1;
	assert_int_equal(shmrpc_transport_create(&srv, chan, &o, NULL), 0);
	assert_int_equal(shmrpc_transport_open(&cli, chan, &o, NULL), 0);
	kid = fork();
	assert_true(kid >= 0);
	if (kid == 0) {
		for (;;)
			pause();
	}
	child = kid;
	shmrpc_transport_close(cli);
	assert_int_equal(shmrpc_transport_open(&cli, chan, &o, NULL), 0);
	shmrpc_transport_close(cli);
	shmrpc_transport_close(srv);
	ut_kill(&child);
}

/* ---- a registry trusted only as far as its file --------------------------- */

static void test_refused_entries(void **state)
{
	char other[200], f[300];
	shmrpc_inspect_options io;
	shmrpc_inspection *s;
	struct reap_outcome r;
	shmrpc_reap_options ro;

	(void)state;
	/* Files outside every naming scheme, and a channel's file listed by
	 * an entry of another uid than the registry's. */
	snprintf(other, sizeof(other), "%s_important.db", tag);
	snprintf(f, sizeof(f), "shmrpc_futex_%s_u", tag);
	make_file(other);
	make_file(f);
	put_futex_entry(chan, 999999, 1, 0, false, geteuid(), other);
	snprintf(f, sizeof(f), "%s_u", tag);
	put_futex_entry(f, 999999, 1, 0, false, geteuid() + 1, NULL);
	snprintf(f, sizeof(f), "shmrpc_futex_%s_u", tag);
	shmrpc_inspect_options_init(&io);
	io.prefix = tag;
	assert_int_equal(shmrpc_inspect(&s, &io, NULL), 0);
	assert_int_equal(shmrpc_inspection_channel_count(s), 2);
	for (size_t i = 0; i < 2; i++) {
		const shmrpc_channel_info *c = shmrpc_inspection_channel(s, i);
		assert_int_equal(c->state, SHMRPC_STATE_UNKNOWN);
		assert_int_equal(c->refused, 1);
		assert_int_equal(c->nobjects, 0);
		assert_non_null(strstr(c->reason, reg_path));
	}
	shmrpc_inspection_free(s);
	/* Each refusal said once, as a failure; nothing removed.  The
	 * channel file of the refused entry is judged on its own, as a
	 * loose object (too recent here). */
	shmrpc_reap_options_init(&ro);
	ro.prefix = tag;
	ro.grace = 1000;
	memset(&r, 0, sizeof(r));
	assert_int_equal(shmrpc_reap_all(&ro, on_reap_event, &r, NULL),
	    SHMRPC_ENOTOURS);
	assert_int_equal(r.failed, 2);
	assert_int_equal(r.ok, 0);
	assert_true(exists(other));
	assert_true(exists(f));
	unlink_shm(other);
	unlink_shm(f);
	unlink(reg_path);
	snprintf(f, sizeof(f), "%s.lock", reg_path);
	unlink(f);
}

/* One name, two parts: a stale entry and a loose object too recent to go.
 * The reapable entry is not removed, and that is said as a failure. */
static void test_blocked_part_is_a_failure(void **state)
{
	char fname[200];
	struct reap_outcome r;

	(void)state;
	put_entry(chan, 999999, 1); /* posix, stale, objects absent */
	snprintf(fname, sizeof(fname), "shmrpc_futex_%s", chan);
	make_file(fname);           /* loose, recent */
	assert_int_equal(reap_channel(chan, NULL, &r), SHMRPC_EALIVE);
	assert_int_equal(r.failed, 1);
	assert_int_equal(r.left, 1);
	assert_int_equal(r.ok, 0);
	assert_true(exists(fname));
	unlink_shm(fname);
	assert_int_equal(reap_channel(chan, NULL, NULL), 0);
}

static void test_orphan_and_recent(void **state)
{
	char f[300];
	shmrpc_inspection *s;
	const shmrpc_object_info *o;
	shmrpc_reap_options io;
	struct reap_outcome res;

	(void)state;
	snprintf(f, sizeof(f), "srb_%s_resp", chan);
	make_file(f);
	o = loose(&s, f, -1, 0);
	assert_non_null(o);
	assert_int_equal(o->state, SHMRPC_STATE_RECENT);
	assert_string_equal(o->channel, chan);
	assert_int_equal(o->transport, SHMRPC_TRANSPORT_POSIX);
	shmrpc_inspection_free(s);
	o = loose(&s, f, 0, 0);
	assert_non_null(o);
	assert_int_equal(o->state, SHMRPC_STATE_ORPHAN);
	assert_int_equal(o->nmappers, 0);
	shmrpc_inspection_free(s);

	shmrpc_reap_options_init(&io);
	assert_int_equal(reap_object(f, &io, &res), SHMRPC_EALIVE);
	assert_int_equal(res.left, 1);
	assert_non_null(strstr(res.text, "recent"));
	assert_true(exists(f));
	io.grace = 0;
	assert_int_equal(reap_object(f, &io, &res), 0);
	assert_false(exists(f));
	/* Names outside our schemes are not ours. */
	assert_int_equal(reap_object("not-ours", &io, &res),
	    SHMRPC_ENOCHANNEL);
}

static void check_in_use(bool map)
{
	char f[300];
	shmrpc_inspection *s;
	const shmrpc_object_info *o;
	shmrpc_reap_options io;
	struct reap_outcome res;
	shmrpc_transport *t;
	shmrpc_options opts = posix_opts();
	shmrpc_error e;
	char pidtext[32];

	/* The first object a posix server creates, held by a live process
	 * that is no server of ours (like a Python seed peer). */
	snprintf(f, sizeof(f), "sem.srb_%s_req_empty", chan);
	child = holder(f, map);
	o = loose(&s, f, 0, 0);
	assert_non_null(o);
	assert_int_equal(o->state, SHMRPC_STATE_INUSE);
	assert_int_equal(o->nmappers, 1);
	assert_int_equal(o->mappers[0], child);
	shmrpc_inspection_free(s);

	shmrpc_reap_options_init(&io);
	io.grace = 0;
	assert_int_equal(reap_object(f, &io, &res), SHMRPC_EALIVE);
	assert_int_equal(reap_channel(chan, &io, &res), SHMRPC_EALIVE);
	/* A server of that name does not take it over, and says who. */
	assert_int_equal(shmrpc_transport_create(&t, chan, &opts, &e),
	    SHMRPC_EINUSE);
	assert_int_equal(e.code, SHMRPC_EINUSE);
	snprintf(pidtext, sizeof(pidtext), "pid %ld", (long)child);
	if (strstr(e.text, pidtext) == NULL)
		fail_msg("\"%s\" does not name %s", e.text, pidtext);
	assert_true(exists(f));

	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	child = 0;
	assert_int_equal(reap_object(f, &io, &res), 0);
}

static void test_in_use_unregistered_mapped(void **state)
{
	(void)state;
	check_in_use(true);
}

static void test_in_use_unregistered_fd_only(void **state)
{
	(void)state;
	check_in_use(false);
}

static void test_not_regular_is_unknown(void **state)
{
	char f[300], target[300];
	shmrpc_inspection *s;
	const shmrpc_object_info *o;
	shmrpc_reap_options io;
	struct reap_outcome res;
	struct stat st;

	(void)state;
	snprintf(f, sizeof(f), "/dev/shm/srb_%s_req", chan);
	snprintf(target, sizeof(target), "/dev/shm/%s-target", tag);
	make_file(target + 9);
	assert_int_equal(symlink(target, f), 0);
	o = loose(&s, f + 9, 0, 0);
	assert_non_null(o);
	assert_int_equal(o->state, SHMRPC_STATE_UNKNOWN);
	assert_int_equal(o->regular, 0);
	shmrpc_inspection_free(s);
	shmrpc_reap_options_init(&io);
	io.grace = 0;
	assert_int_equal(reap_object(f + 9, &io, &res),
	    SHMRPC_ENOTOURS);
	assert_non_null(strstr(res.text, "not a regular file"));
	assert_int_equal(lstat(f, &st), 0);
	assert_int_equal(stat(target, &st), 0);
	unlink(f);
	unlink(target);
}

static void test_other_users_object(void **state)
{
	char f[300], path[400];
	shmrpc_inspection *s;
	shmrpc_reap_options io;
	struct reap_outcome res;

	(void)state;
	if (geteuid() != 0)
		skip();
	snprintf(f, sizeof(f), "srb_%s_req", chan);
	snprintf(path, sizeof(path), "/dev/shm/%s", f);
	make_file(f);
	assert_int_equal(chown(path, 65534, 65534), 0);
	/* Not ours: not listed, unless all users are asked for. */
	assert_null(loose(&s, f, 0, 0));
	shmrpc_inspection_free(s);
	assert_non_null(loose(&s, f, 0, 1));
	shmrpc_inspection_free(s);
	shmrpc_reap_options_init(&io);
	io.grace = 0;
	assert_int_equal(reap_object(f, &io, &res), SHMRPC_ENOTOURS);
	assert_non_null(strstr(res.text, "owned by uid 65534"));
	assert_true(exists(f));
	unlink(path);
}

/* ---- restart ----------------------------------------------------------------- */

static void test_restart_after_kill(void **state)
{
	shmrpc_options o = posix_opts();
	shmrpc_transport *t;
	shmrpc_inspection *s;
	const shmrpc_channel_info *c;
	shmrpc_error e = { 12345, "" };

	(void)state;
	server_dies(chan);
	assert_int_equal(shmrpc_transport_create(&t, chan, &o, &e), 0);
	assert_int_equal(e.code, 12345); /* untouched on success */
	c = one_channel(&s, chan, -1);
	assert_int_equal(c->state, SHMRPC_STATE_LIVE);
	assert_int_equal(c->owner_pid, getpid());
	shmrpc_inspection_free(s);
	shmrpc_transport_close(t);
}

static void test_live_owner_refuses_and_names_pid(void **state)
{
	shmrpc_options o = posix_opts();
	shmrpc_transport *t;
	shmrpc_error e;
	char pidtext[32];

	(void)state;
	child = server_lives(chan);
	assert_int_equal(shmrpc_transport_create(&t, chan, &o, &e),
	    SHMRPC_EINUSE);
	snprintf(pidtext, sizeof(pidtext), "pid %ld", (long)child);
	assert_non_null(strstr(e.text, pidtext));
	assert_non_null(strstr(e.text, "in use"));
	/* Killed: the next open reclaims it. */
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	child = 0;
	assert_int_equal(shmrpc_transport_create(&t, chan, &o, NULL), 0);
	shmrpc_transport_close(t);
}

/* A posix server of `name` in a child, a client of it here, then the
 * server killed: the channel is left to the client.  Returns the client. */
static shmrpc_transport *client_of_dead_server(const char *name)
{
	shmrpc_options o = posix_opts();
	shmrpc_transport *cli;

	/* A client attached while the server lived; then the server dies. */
	child = server_lives(name);
	assert_int_equal(shmrpc_transport_open(&cli, name, &o, NULL), 0);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	child = 0;
	return cli;
}

static void test_dead_owner_with_client_is_in_use(void **state)
{
	shmrpc_options o = posix_opts();
	shmrpc_transport *cli, *t;
	shmrpc_inspection *s;
	const shmrpc_channel_info *c;

	(void)state;
	cli = client_of_dead_server(chan);
	c = one_channel(&s, chan, -1);
	assert_int_equal(c->state, SHMRPC_STATE_INUSE);
	assert_int_equal(c->nmappers, 1);
	assert_int_equal(c->mappers[0], getpid());
	shmrpc_inspection_free(s);
	assert_int_equal(reap_channel(chan, NULL, NULL), SHMRPC_EALIVE);
	assert_int_equal(shmrpc_transport_create(&t, chan, &o, NULL), SHMRPC_EINUSE);
	shmrpc_transport_close(cli);
	assert_int_equal(shmrpc_transport_create(&t, chan, &o, NULL), 0);
	shmrpc_transport_close(t);
}

/* The channel of that name in s, or NULL. */
static const shmrpc_channel_info *find_channel(const shmrpc_inspection *s,
    const char *name)
{
	for (size_t i = 0; i < shmrpc_inspection_channel_count(s); i++)
		if (strcmp(shmrpc_inspection_channel(s, i)->name, name) == 0)
			return shmrpc_inspection_channel(s, i);
	return NULL;
}

/* The channel of that name in s, or fail. */
static const shmrpc_channel_info *channel_named(const shmrpc_inspection *s,
    const char *name)
{
	const shmrpc_channel_info *c = find_channel(s, name);

	if (c == NULL)
		fail_msg("no channel %s in the snapshot", name);
	return c;
}

/* skip_live_mappers leaves out the mappers of live channels only: a
 * channel whose owner died is still scanned (and so still IN-USE while a
 * client maps it, and not reaped), and so is a loose object. */
static void test_skip_live_mappers(void **state)
{
	shmrpc_options o = posix_opts();
	shmrpc_transport *live, *cli;
	shmrpc_inspect_options io;
	shmrpc_reap_options ro;
	struct reap_outcome res;
	shmrpc_inspection *s;
	const shmrpc_channel_info *c;
	const shmrpc_object_info *lo;
	char dead[160], held[300];

	(void)state;
	snprintf(dead, sizeof(dead), "%s_dead", tag);
	snprintf(held, sizeof(held), "srb_%s_h_resp", tag);
	/* The holder first: a child forked later would inherit our maps. */
	second_child = holder(held, true); /* teardown kills it on failure */
	assert_int_equal(shmrpc_transport_create(&live, chan, &o, NULL), 0);
	cli = client_of_dead_server(dead);

	shmrpc_inspect_options_init(&io);
	io.prefix = tag;
	io.grace = 0;
	io.skip_live_mappers = 1;
	assert_int_equal(shmrpc_inspect(&s, &io, NULL), 0);
	c = channel_named(s, chan);
	assert_int_equal(c->state, SHMRPC_STATE_LIVE);
	assert_int_equal(c->nmappers, 0);
	for (size_t i = 0; i < c->nobjects; i++)
		assert_int_equal(c->objects[i].nmappers, 0);
	c = channel_named(s, dead);
	assert_int_equal(c->state, SHMRPC_STATE_INUSE);
	assert_int_equal(c->nmappers, 1);
	assert_int_equal(c->mappers[0], getpid());
	assert_int_equal(shmrpc_inspection_object_count(s), 1);
	lo = shmrpc_inspection_object(s, 0);
	assert_string_equal(lo->name, held);
	assert_int_equal(lo->state, SHMRPC_STATE_INUSE);
	assert_int_equal(lo->nmappers, 1);
	assert_int_equal(lo->mappers[0], second_child);
	shmrpc_inspection_free(s);
	/* A reap (which has no such flag) looks at every mapper. */
	shmrpc_reap_options_init(&ro);
	ro.prefix = tag;
	ro.grace = 0;
	assert_int_equal(reap_channel(dead, &ro, &res), SHMRPC_EALIVE);
	assert_non_null(strstr(res.text, "in-use"));
	assert_int_equal(reap_object(held, &ro, &res), SHMRPC_EALIVE);
	assert_int_equal(shmrpc_reap_all(&ro, NULL, NULL, NULL), 0);

	/* Without the flag the live channel's mappers are there: us. */
	io.skip_live_mappers = 0;
	assert_int_equal(shmrpc_inspect(&s, &io, NULL), 0);
	c = channel_named(s, chan);
	assert_int_equal(c->nmappers, 1);
	assert_int_equal(c->mappers[0], getpid());
	shmrpc_inspection_free(s);

	kill(second_child, SIGKILL);
	waitpid(second_child, NULL, 0);
	second_child = 0;
	unlink_shm(held);
	shmrpc_transport_close(cli);
	assert_int_equal(reap_channel(dead, NULL, NULL), 0);
	shmrpc_transport_close(live);
}

/* skip_counters: no counters (and no clients from them) for a live futex
 * channel that has them otherwise. */
static void test_skip_counters(void **state)
{
	shmrpc_options o;
	shmrpc_transport *srv, *cli;
	shmrpc_inspect_options io;
	shmrpc_inspection *s;
	const shmrpc_channel_info *c;

	(void)state;
	shmrpc_options_init(&o);
	o.transport = SHMRPC_TRANSPORT_FUTEX;
	assert_int_equal(shmrpc_transport_create(&srv, chan, &o, NULL), 0);
	assert_int_equal(shmrpc_transport_open(&cli, chan, &o, NULL), 0);
	c = one_channel(&s, chan, -1);
	assert_non_null(c->stats);
	assert_int_equal(c->nclients, 1);
	shmrpc_inspection_free(s);

	shmrpc_inspect_options_init(&io);
	io.channel = chan;
	io.skip_counters = 1;
	assert_int_equal(shmrpc_inspect(&s, &io, NULL), 0);
	c = channel_named(s, chan);
	assert_int_equal(c->state, SHMRPC_STATE_LIVE);
	assert_null(c->stats);
	assert_int_equal(c->nclients, 0);
	shmrpc_inspection_free(s);
	shmrpc_transport_close(cli);
	shmrpc_transport_close(srv);
}

/* ---- the filter option ---------------------------------------------------- */

/* The inodes the inspection looked for in /proc since scans_reset(): the
 * test is linked with ld --wrap=shmrpc__procscan_run (see the Makefile),
 * so every scan passes through here first. */
int __real_shmrpc__procscan_run(const ino_t *inos, size_t n, dev_t dev,
    const struct procscan_hooks *hooks);
int __wrap_shmrpc__procscan_run(const ino_t *inos, size_t n, dev_t dev,
    const struct procscan_hooks *hooks);

#define SCANNED_MAX 64
static ino_t scanned[SCANNED_MAX];
static size_t nscanned;

int __wrap_shmrpc__procscan_run(const ino_t *inos, size_t n, dev_t dev,
    const struct procscan_hooks *hooks)
{
	for (size_t i = 0; i < n && nscanned < SCANNED_MAX; i++)
		scanned[nscanned++] = inos[i];
	return __real_shmrpc__procscan_run(inos, n, dev, hooks);
}

static void scans_reset(void)
{
	nscanned = 0;
}

static bool was_scanned(uint64_t ino)
{
	for (size_t i = 0; i < nscanned; i++)
		if ((uint64_t)scanned[i] == ino)
			return true;
	return false;
}

/* What the filter was asked, and its answer: names with "shown" in them. */
struct asked {
	char name[300], channel[160], comm[64], registry[300];
	int loose;
	shmrpc_transport_kind transport;
	uid_t uid;
};
static struct asked asked[32];
static size_t nasked;

static int only_shown(const shmrpc_inspect_candidate *c, void *arg)
{
	struct asked *a = &asked[nasked < 32 ? nasked++ : 31];

	assert_ptr_equal(arg, &nasked);
	snprintf(a->name, sizeof(a->name), "%s", c->name);
	snprintf(a->channel, sizeof(a->channel), "%s", c->channel);
	snprintf(a->comm, sizeof(a->comm), "%s",
	    c->owner_comm ? c->owner_comm : "(null)");
	snprintf(a->registry, sizeof(a->registry), "%s",
	    c->registry ? c->registry : "(null)");
	a->loose = c->loose;
	a->transport = c->transport;
	a->uid = c->uid;
	return strstr(c->name, "shown") != NULL;
}

static int hide_all(const shmrpc_inspect_candidate *c, void *arg)
{
	(void)c;
	(void)arg;
	return 0;
}

static const struct asked *asked_about(const char *name)
{
	for (size_t i = 0; i < nasked; i++)
		if (strcmp(asked[i].name, name) == 0)
			return &asked[i];
	fail_msg("the filter was not asked about %s", name);
	return NULL;
}

/* The loose object of that name in s, or NULL. */
static const shmrpc_object_info *object_named(const shmrpc_inspection *s,
    const char *name)
{
	for (size_t i = 0; i < shmrpc_inspection_object_count(s); i++)
		if (strcmp(shmrpc_inspection_object(s, i)->name, name) == 0)
			return shmrpc_inspection_object(s, i);
	return NULL;
}

static bool has_channel(const shmrpc_inspection *s, const char *name)
{
	return find_channel(s, name) != NULL;
}

/* a and b tell the same about one object (b from a filtered snapshot). */
static void same_object(const shmrpc_object_info *a,
    const shmrpc_object_info *b)
{
	assert_string_equal(a->name, b->name);
	assert_string_equal(a->channel, b->channel);
	assert_int_equal(a->state, b->state);
	assert_string_equal(a->reason, b->reason);
	assert_int_equal(a->present, b->present);
	assert_int_equal(a->size, b->size);
	assert_int_equal(a->ino, b->ino);
	assert_int_equal(a->locked, b->locked);
	assert_int_equal(a->nmappers, b->nmappers);
	for (size_t i = 0; i < a->nmappers; i++)
		assert_int_equal(a->mappers[i], b->mappers[i]);
}

static void same_channel(const shmrpc_channel_info *a,
    const shmrpc_channel_info *b)
{
	assert_int_equal(a->state, b->state);
	assert_string_equal(a->reason, b->reason);
	assert_int_equal(a->owner_pid, b->owner_pid);
	assert_int_equal(a->owner_alive, b->owner_alive);
	assert_int_equal(a->owner_lock, b->owner_lock);
	assert_string_equal(a->owner_comm, b->owner_comm);
	assert_int_equal(a->nmappers, b->nmappers);
	assert_int_equal(a->nobjects, b->nobjects);
	for (size_t i = 0; i < a->nobjects; i++)
		same_object(&a->objects[i], &b->objects[i]);
}

/*
 * The filter: what it hides is neither returned nor scanned for (a stale
 * channel and a loose object would each cost a scan of every process);
 * what it shows is told exactly as without it; a hidden channel's
 * objects do not turn loose; and a caller whose struct ends before the
 * field (an older program) gets no filter, whatever lies beyond.
 */
static void test_filter(void **state)
{
	shmrpc_options o = posix_opts();
	shmrpc_transport *live_shown, *live_hidden;
	shmrpc_inspect_options io;
	shmrpc_inspection *all, *part;
	char dead_shown[160], dead_hidden[160], lshown[300], lhidden[300];
	char live_name[160], hidden_name[160];
	const shmrpc_channel_info *c;
	const shmrpc_object_info *lo;
	const struct asked *a;

	(void)state;
	ut_name(live_name, sizeof(live_name), "shown_live");
	ut_name(hidden_name, sizeof(hidden_name), "hidden_live");
	ut_name(dead_shown, sizeof(dead_shown), "shown_dead");
	ut_name(dead_hidden, sizeof(dead_hidden), "hidden_dead");
	snprintf(lshown, sizeof(lshown), "srb_%s_lshown_resp", tag);
	snprintf(lhidden, sizeof(lhidden), "srb_%s_lhidden_resp", tag);
	/* The holder first: a child forked later would inherit our maps. */
	second_child = holder(lshown, HOLD_MAP);
	make_file(lhidden);
	server_dies(dead_shown);
	server_dies(dead_hidden);
	assert_int_equal(shmrpc_transport_create(&live_shown, live_name, &o,
	    NULL), 0);
	assert_int_equal(shmrpc_transport_create(&live_hidden, hidden_name,
	    &o, NULL), 0);

	shmrpc_inspect_options_init(&io);
	io.prefix = tag;
	io.grace = 0;
	io.skip_live_mappers = 1;
	scans_reset();
	assert_int_equal(shmrpc_inspect(&all, &io, NULL), 0);
	assert_int_equal(shmrpc_inspection_channel_count(all), 4);
	assert_int_equal(shmrpc_inspection_object_count(all), 2);
	/* Without a filter the hidden ones are scanned for: the test can
	 * tell. */
	assert_true(was_scanned(object_named(all, lhidden)->ino));
	assert_true(was_scanned(channel_named(all, dead_hidden)->objects[0].ino));

	io.filter = only_shown;
	io.filter_arg = &nasked;
	nasked = 0;
	scans_reset();
	assert_int_equal(shmrpc_inspect(&part, &io, NULL), 0);
	assert_int_equal(shmrpc_inspection_channel_count(part), 2);
	assert_true(has_channel(part, live_name));
	assert_true(has_channel(part, dead_shown));
	/* The hidden channels' objects are theirs still, not loose. */
	assert_int_equal(shmrpc_inspection_object_count(part), 1);
	assert_non_null(object_named(part, lshown));
	/* Not scanned for: the hidden loose object, the hidden stale
	 * channel's objects (and the live ones', as before). */
	assert_false(was_scanned(object_named(all, lhidden)->ino));
	c = channel_named(all, dead_hidden);
	for (size_t i = 0; i < c->nobjects; i++)
		assert_false(was_scanned(c->objects[i].ino));
	c = channel_named(part, dead_shown);
	for (size_t i = 0; i < c->nobjects; i++)
		assert_true(!c->objects[i].present ||
		    was_scanned(c->objects[i].ino));
	assert_true(was_scanned(object_named(part, lshown)->ino));
	/* What is shown is told as without the filter. */
	same_channel(channel_named(all, live_name),
	    channel_named(part, live_name));
	same_channel(channel_named(all, dead_shown),
	    channel_named(part, dead_shown));
	assert_int_equal(channel_named(part, dead_shown)->state,
	    SHMRPC_STATE_STALE);
	lo = object_named(part, lshown);
	same_object(object_named(all, lshown), lo);
	assert_int_equal(lo->state, SHMRPC_STATE_INUSE);
	assert_int_equal(lo->mappers[0], second_child);

	/* Asked once about each, with what the snapshot would say. */
	assert_int_equal(nasked, 6);
	a = asked_about(hidden_name);
	assert_int_equal(a->loose, 0);
	assert_string_equal(a->channel, hidden_name);
	assert_int_equal(a->transport, SHMRPC_TRANSPORT_POSIX);
	assert_int_equal(a->uid, geteuid());
	assert_string_equal(a->comm,
	    channel_named(all, hidden_name)->owner_comm);
	assert_string_equal(a->registry, reg_path);
	a = asked_about(lhidden);
	assert_int_equal(a->loose, 1);
	snprintf(hidden_name, sizeof(hidden_name), "%s_lhidden", tag);
	assert_string_equal(a->channel, hidden_name);
	assert_int_equal(a->transport, SHMRPC_TRANSPORT_POSIX);
	assert_int_equal(a->uid, geteuid());
	assert_string_equal(a->comm, "(null)");
	assert_string_equal(a->registry, "(null)");
	shmrpc_inspection_free(part);

	/* An older caller's struct ends before the filter: what lies
	 * beyond its size is not read. */
	shmrpc_inspect_options_init_size(&io,
	    offsetof(shmrpc_inspect_options, filter));
	io.prefix = tag;
	io.filter = hide_all;
	assert_int_equal(shmrpc_inspect(&part, &io, NULL), 0);
	assert_int_equal(shmrpc_inspection_channel_count(part), 4);
	assert_int_equal(shmrpc_inspection_object_count(part), 2);
	shmrpc_inspection_free(part);
	shmrpc_inspection_free(all);

	ut_kill(&second_child);
	unlink_shm(lshown);
	unlink_shm(lhidden);
	shmrpc_transport_close(live_hidden);
	shmrpc_transport_close(live_shown);
	assert_int_equal(reap_channel(dead_shown, NULL, NULL), 0);
	assert_int_equal(reap_channel(dead_hidden, NULL, NULL), 0);
}

static void test_client_does_not_attach_to_dead_server(void **state)
{
	shmrpc_options o = posix_opts();
	shmrpc_transport *cli;
	shmrpc_error e;

	(void)state;
	server_dies(chan);
	/* The objects exist, but their registered server is dead: the
	 * error says so, and nothing is mapped that would block a restart. */
	assert_int_equal(shmrpc_transport_open(&cli, chan, &o, &e),
	    SHMRPC_ESERVERDEAD);
	assert_non_null(strstr(e.text, "died"));
	o.wait_for_server = 0.1;
	assert_int_equal(shmrpc_transport_open(&cli, chan, &o, NULL),
	    SHMRPC_ESERVERDEAD);
	assert_int_equal(reap_channel(chan, NULL, NULL), 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_state_names),
		T(test_live),
		T(test_stale_and_reap),
		T(test_reap_all),
		T(test_pid_reuse_is_stale),
		T(test_owner_pid_shared_by_entries),
		T(test_liveness_rule),
		T(test_foreign_owner_judged_by_lock),
		T(test_local_owner_second_opinion),
		T(test_close_lets_go_despite_a_forked_child),
		T(test_refused_entries),
		T(test_blocked_part_is_a_failure),
		T(test_orphan_and_recent),
		T(test_in_use_unregistered_mapped),
		T(test_in_use_unregistered_fd_only),
		T(test_not_regular_is_unknown),
		T(test_other_users_object),
		T(test_restart_after_kill),
		T(test_live_owner_refuses_and_names_pid),
		T(test_dead_owner_with_client_is_in_use),
		T(test_client_does_not_attach_to_dead_server),
		T(test_skip_live_mappers),
		T(test_skip_counters),
		T(test_filter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
