/*
 * inspect.c - layer: inspection.  The inspection API: registered channels
 * and loose objects in /dev/shm, who maps them (/proc/PID/maps and
 * /proc/PID/fd, matched by device and inode), and their states (see
 * inspect.h, shmrpc-registry(5)).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stddef.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "base/arena.h"
#include "inspect/inspect.h"
#include "inspect/owner.h"
#include "os/ownerlock.h"
#include "os/procinfo.h"
#include "os/procscan.h"
#include "os/removeipc.h"
#include "os/shmobj.h"

struct shmrpc_inspection {
	struct arena arena;
	shmrpc_channel_info *channels;
	size_t nchannels;
	shmrpc_object_info *objects;
	size_t nobjects;
	char **warnings;
	size_t nwarnings;
};

static void inspect_defaults(shmrpc_inspect_options *o)
{
	memset(o, 0, sizeof(*o));
	o->size = sizeof(*o);
	o->grace = -1;
}

/* ---- objects under consideration -------------------------------------- */

struct obj {
	char name[TRANSPORT_FNAME_MAX];
	char channel[SHMRPC_NAME_MAX + 1];
	shmrpc_transport_kind kind;
	bool present, regular;
	bool skip_scan;      /* of a live channel, mappers not wanted */
	struct stat st;
	pid_t *mappers;
	size_t nmappers, cap;
	pid_t unknown_pid;   /* an unreadable process that might hold it */
	uid_t unknown_uid;
	int locked;          /* loose: a liveness lock is held on it (1, 0,
	                        -1 not tested) */
	bool squatter;       /* a file at a registry path, not its user's */
	ssize_t entry;       /* index into the entries, -1: loose */
};

struct objs {
	struct obj *v;
	size_t n, cap;
};

static struct obj *objs_add(struct objs *o)
{
	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 256;
		struct obj *grown = realloc(o->v, cap * sizeof(*grown));
		if (grown == NULL)
			return NULL;
		o->v = grown;
		o->cap = cap;
	}
	memset(&o->v[o->n], 0, sizeof(o->v[0]));
	o->v[o->n].entry = -1;
	o->v[o->n].locked = -1;
	return &o->v[o->n++];
}

static void objs_free(struct objs *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->v[i].mappers);
	free(o->v);
}

static void add_mapper(struct obj *o, pid_t pid)
{
	for (size_t i = 0; i < o->nmappers; i++)
		if (o->mappers[i] == pid)
			return;
	if (o->nmappers == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 4;
		pid_t *grown = realloc(o->mappers, cap * sizeof(pid_t));
		if (grown == NULL)
			return; /* keeps the pids it has: still "mapped" */
		o->mappers = grown;
		o->cap = cap;
	}
	o->mappers[o->nmappers++] = pid;
}

/* ---- who maps what: /proc ------------------------------------------------ */

struct mapper_search {
	struct objs *objs;
	size_t *obj_of;      /* object index of each inode searched */
};

static void on_mapped(void *arg, size_t i, pid_t pid)
{
	struct mapper_search *ms = arg;

	add_mapper(&ms->objs->v[ms->obj_of[i]], pid);
}

/* Could a process of uid, whose maps we cannot read, hold object o?
 * Root's processes are not counted (only root can read them, and root can
 * read everything): see shmrpc-registry(5), LIMITS. */
static bool could_hold(const struct obj *o, uid_t uid)
{
	if (uid == 0)
		return false;
	return uid == o->st.st_uid || (o->st.st_mode & 0066) != 0;
}

static void on_unreadable(void *arg, pid_t pid, uid_t uid)
{
	struct mapper_search *ms = arg;

	for (size_t i = 0; i < ms->objs->n; i++) {
		struct obj *o = &ms->objs->v[i];
		if (o->present && !o->skip_scan && o->unknown_pid == 0 &&
		    could_hold(o, uid)) {
			o->unknown_pid = pid;
			o->unknown_uid = uid;
		}
	}
}

/* Fill the mappers (and unknown holders) of every present object on
 * device dev that is not skipped. */
static int find_mappers(struct objs *objs, dev_t dev)
{
	struct mapper_search ms = { .objs = objs };
	struct procscan_hooks hooks = { on_mapped, on_unreadable, &ms };
	ino_t *inos = calloc(objs->n ? objs->n : 1, sizeof(*inos));
	size_t n = 0;
	int rc;

	ms.obj_of = calloc(objs->n ? objs->n : 1, sizeof(*ms.obj_of));
	if (inos == NULL || ms.obj_of == NULL) {
		free(inos);
		free(ms.obj_of);
		return -ENOMEM;
	}
	for (size_t i = 0; i < objs->n; i++)
		if (objs->v[i].present && !objs->v[i].skip_scan &&
		    objs->v[i].st.st_dev == dev) {
			inos[n] = objs->v[i].st.st_ino;
			ms.obj_of[n++] = i;
		}
	rc = shmrpc__procscan_run(inos, n, dev, &hooks);
	free(inos);
	free(ms.obj_of);
	return rc;
}

/* ---- gathering ------------------------------------------------------------ */

struct reg_set {          /* the entries of every registry read */
	struct reg_entry *v;
	const char **path;    /* registry of each entry (arena) */
	size_t n, cap;
};

/* Whose registry the file at path is (every entry in it must be that
 * user's): the uid of its default name, else the caller's. */
static uid_t registry_owner(const char *path)
{
	return shmrpc__registry_owner_of(path);
}

static int regs_add(struct reg_set *rs, const struct reg_entry *e,
    const char *path)
{
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 64;
		struct reg_entry *v = realloc(rs->v, cap * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		rs->v = v;
		const char **p = realloc(rs->path, cap * sizeof(*p));
		if (p == NULL)
			return -ENOMEM;
		rs->path = p;
		rs->cap = cap;
	}
	rs->v[rs->n] = *e;
	rs->v[rs->n].clients = NULL;
	rs->v[rs->n].nclients = 0;
	if (e->nclients > 0) {
		rs->v[rs->n].clients = malloc(e->nclients * sizeof(pid_t));
		if (rs->v[rs->n].clients == NULL)
			return -ENOMEM;
		memcpy(rs->v[rs->n].clients, e->clients,
		    e->nclients * sizeof(pid_t));
		rs->v[rs->n].nclients = e->nclients;
	}
	rs->path[rs->n++] = path;
	return 0;
}

/* Add the n entries of v, a shmrpc__registry_read() array, to rs, and free v.
 * The first registry's array is taken as it is: copying a thousand
 * entries of 2 KB each, and growing the copy, cost more than reading
 * them. */
static int regs_take(struct reg_set *rs, struct reg_entry *v, size_t n,
    const char *path)
{
	int rc = 0;

	if (rs->n == 0 && n > 0) {
		const char **p = realloc(rs->path, n * sizeof(*p));
		if (p == NULL) {
			shmrpc__reg_entries_free(v, n);
			return -ENOMEM;
		}
		rs->path = p;
		free(rs->v);
		rs->v = v;
		rs->n = rs->cap = n;
		for (size_t i = 0; i < n; i++)
			rs->path[i] = path;
		return 0;
	}
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = regs_add(rs, &v[i], path);
	shmrpc__reg_entries_free(v, n);
	return rc;
}

static int add_warning(shmrpc_inspection *s, const char *text)
{
	char **grown = realloc(s->warnings, (s->nwarnings + 1) * sizeof(char *));

	if (grown == NULL)
		return -ENOMEM;
	s->warnings = grown;
	s->warnings[s->nwarnings] = shmrpc__arena_strdup(&s->arena, text);
	if (s->warnings[s->nwarnings] == NULL)
		return -ENOMEM;
	s->nwarnings++;
	return 0;
}

static int read_one_registry(shmrpc_inspection *s, struct reg_set *rs,
    const char *path, const struct inspect_source *src)
{
	struct reg_entry *v = NULL;
	size_t n = 0;
	char warn[512];
	const char *kept = shmrpc__arena_strdup(&s->arena, path);
	int rc;

	if (kept == NULL)
		return -ENOMEM;
	if (src != NULL && src->path != NULL && strcmp(src->path, path) == 0) {
		for (size_t i = 0; i < src->n; i++)
			if ((rc = regs_add(rs, &src->entries[i], kept)) < 0)
				return rc;
		return 0;
	}
	rc = shmrpc__registry_read(path, &v, &n, warn, sizeof(warn),
	    shmrpc__inspect_rebuild);
	if (rc < 0) {
		/* Not read: say why (a squatter: whose it is). */
		char text[PATH_MAX + 128];
		if (warn[0] != '\0')
			return add_warning(s, warn);
		snprintf(text, sizeof(text), "registry %s: %s", path,
		    shmrpc_strerror(rc));
		return add_warning(s, text);
	}
	if (warn[0] != '\0' && (rc = add_warning(s, warn)) < 0) {
		shmrpc__reg_entries_free(v, n);
		return rc;
	}
	return regs_take(rs, v, n, kept);
}

static int read_registries(shmrpc_inspection *s, struct reg_set *rs,
    const shmrpc_inspect_options *opts, const struct inspect_source *src,
    uid_t uid)
{
	char path[PATH_MAX];
	const char *env = getenv("SHMRPC_REGISTRY");
	int rc;

	if (src != NULL && src->path == NULL)
		return 0;
	if (opts->all_users && (env == NULL || env[0] == '\0')) {
		int dir = shmrpc__shm_dirfd();
		struct dirent *de;
		DIR *d;

		if (dir < 0)
			return dir;
		dir = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dir < 0)
			return -errno;
		d = fdopendir(dir);
		if (d == NULL) {
			close(dir);
			return -errno;
		}
		rc = 0;
		while (rc == 0 && (de = readdir(d)) != NULL) {
			uid_t u;
			if (!shmrpc__registry_default_name(de->d_name, &u))
				continue;
			snprintf(path, sizeof(path), "%s/%s", SHM_DIR,
			    de->d_name);
			rc = read_one_registry(s, rs, path, src);
		}
		closedir(d);
		return rc;
	}
	rc = shmrpc__registry_path_for_uid(uid, path, sizeof(path));
	if (rc < 0)
		return rc;
	return read_one_registry(s, rs, path, src);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool wanted(const shmrpc_inspect_options *opts, const char *channel)
{
	if (opts->channel != NULL && strcmp(opts->channel, channel) != 0)
		return false;
	if (opts->prefix != NULL &&
	    strncmp(channel, opts->prefix, strlen(opts->prefix)) != 0)
		return false;
	return true;
}

/* Does the caller's filter (if any) let registered entry e of registry
 * in?  Asked before anything of e is looked at. */
static bool filter_entry(const shmrpc_inspect_options *opts,
    const struct reg_entry *e, const char *registry)
{
	shmrpc_inspect_candidate c;

	if (opts->filter == NULL)
		return true;
	memset(&c, 0, sizeof(c));
	c.name = e->name;
	c.channel = e->name;
	c.transport = e->kind;
	c.uid = e->uid;
	c.owner_comm = e->comm;
	c.registry = registry;
	return opts->filter(&c, opts->filter_arg) != 0;
}

static double now_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double age_of(const struct stat *st, double now)
{
	double m = (double)st->st_mtim.tv_sec +
	    (double)st->st_mtim.tv_nsec / 1e9;
	double c = (double)st->st_ctim.tv_sec +
	    (double)st->st_ctim.tv_nsec / 1e9;
	double a = now - (m > c ? m : c);

	return a < 0 ? 0 : a;
}

static void stat_object(int dir, struct obj *o)
{
	o->present = shmrpc__shmfile_stat_at(dir, o->name, &o->st) == 0;
	o->regular = o->present && S_ISREG(o->st.st_mode);
}

/* ---- owners ----------------------------------------------------------------- */

/* The file that carries e's liveness lock, among its objects, as stat'ed
 * (NULL: none, or not a file the lock can be trusted on). */
static const struct stat *lock_stat(const struct reg_entry *e,
    const struct obj *objs)
{
	for (int k = 0; e->lock[0] != '\0' && k < e->nobjects; k++)
		if (strcmp(objs[k].name, e->lock) == 0 && objs[k].regular &&
		    objs[k].st.st_uid == e->uid)
			return &objs[k].st;
	return NULL;
}

/* The owner of every wanted entry (first[i] != SIZE_MAX) into own[i]: its
 * lock first, its pid (one look at /proc/PID/stat per pid) only where the
 * lock does not settle it. */
static int find_owners(int dir, const struct reg_set *rs, const size_t *first,
    const struct objs *objs, struct owner_verdict *own)
{
	struct pid_cache cache;
	int rc = 0;

	memset(&cache, 0, sizeof(cache));
	for (size_t i = 0; i < rs->n && rc == 0; i++) {
		const struct reg_entry *e = &rs->v[i];
		const struct stat *st;

		if (first[i] == SIZE_MAX)
			continue;
		st = lock_stat(e, &objs->v[first[i]]);
		if (e->lock[0] != '\0' && st == NULL) {
			/* No trustworthy file to test: as if untestable. */
			struct reg_entry copy = *e;
			copy.lock[0] = '\0';
			copy.clients = NULL;
			rc = shmrpc__owner_judge(dir, &copy, NULL, &cache,
			    &own[i]);
			own[i].lock_rc = -ENOENT;
			continue;
		}
		rc = shmrpc__owner_judge(dir, e, st, &cache, &own[i]);
	}
	shmrpc__pid_cache_free(&cache);
	return rc;
}

/* The objects of live owners' entries need no scan (skip_live_mappers). */
static void skip_live_objects(const struct reg_set *rs, const size_t *first,
    const struct owner_verdict *own, struct objs *objs)
{
	for (size_t i = 0; i < rs->n; i++) {
		if (first[i] == SIZE_MAX || own[i].live != PROC_ALIVE)
			continue;
		for (int k = 0; k < rs->v[i].nobjects; k++)
			objs->v[first[i] + (size_t)k].skip_scan = true;
	}
}

/* Loose objects that no visible process maps: does anyone hold a liveness
 * lock on them?  (A server or client of ours in a PID namespace whose
 * processes we cannot see.) */
static void find_lock_holders(int dir, struct objs *objs)
{
	for (size_t i = 0; i < objs->n; i++) {
		struct obj *o = &objs->v[i];
		int rc;

		if (o->entry >= 0 || !o->present || !o->regular ||
		    o->nmappers > 0 || o->squatter)
			continue;
		rc = shmrpc__lock_test_at(dir, o->name, &o->st, 0, 0);
		o->locked = rc < 0 ? -1 : rc;
	}
}

/* ---- states ---------------------------------------------------------------- */

static const char *comm_of(pid_t pid, char *buf, size_t len)
{
	if (shmrpc__proc_comm(pid, buf, len) < 0)
		snprintf(buf, len, "?");
	return buf;
}

/* A file we do not treat as ours: not regular, or with other links than
 * the one shmrpc made.  Its words into why (prefixed with its name when
 * named); true if so. */
static bool not_ours_as_file(const struct obj *o, bool named, char *why,
    size_t len)
{
	const char *name = named ? o->name : "it";

	if (!o->regular) {
		snprintf(why, len, "%s%snot a regular file: left alone",
		    named ? o->name : "", named ? " is " : "");
		return true;
	}
	if (o->st.st_nlink != 1) {
		snprintf(why, len, "%s has %lu hard links, and shmrpc makes "
		    "files with one: left alone", name,
		    (unsigned long)o->st.st_nlink);
		return true;
	}
	return false;
}

static shmrpc_state loose_state(const struct obj *o, double age, double grace,
    char *why, size_t len)
{
	char comm[64];

	if (o->squatter) {
		snprintf(why, len, "a registry file that its user does not "
		    "own (uid %lu): never read, written or waited on; root's "
		    "shmrpc-clean -a removes it", (unsigned long)o->st.st_uid);
		return SHMRPC_STATE_FOREIGN;
	}
	if (not_ours_as_file(o, false, why, len))
		return SHMRPC_STATE_UNKNOWN;
	if (o->nmappers > 0) {
		snprintf(why, len, "unregistered, in use by pid %ld (%s)",
		    (long)o->mappers[0], comm_of(o->mappers[0], comm,
			sizeof(comm)));
		return SHMRPC_STATE_INUSE;
	}
	if (o->locked > 0) {
		snprintf(why, len, "unregistered, but a process holds a "
		    "liveness lock on it (a libshmrpc server or client, "
		    "perhaps in another PID namespace)");
		return SHMRPC_STATE_INUSE;
	}
	if (o->unknown_pid != 0) {
		snprintf(why, len, "cannot read /proc/%ld of uid %lu, which "
		    "could map it", (long)o->unknown_pid,
		    (unsigned long)o->unknown_uid);
		return SHMRPC_STATE_UNKNOWN;
	}
	if (age < grace) {
		snprintf(why, len, "unregistered and unused, but only %.1f s "
		    "old (grace %.1f s)", age, grace);
		return SHMRPC_STATE_RECENT;
	}
	snprintf(why, len, "unregistered, unused, untouched for %.0f s", age);
	return SHMRPC_STATE_ORPHAN;
}

/* "pid 42 (calc)", or "pid 2 (calc, of another PID namespace)" when the
 * pid is not ours to read. */
static const char *owner_text(const struct reg_entry *e,
    const struct owner_verdict *own, char *buf, size_t len)
{
	snprintf(buf, len, "pid %ld (%s%s)", (long)e->pid, e->comm,
	    own->pid_local ? "" : ", of another PID namespace");
	return buf;
}

/* Why the owner of e is alive, or cannot be told about. */
static shmrpc_state owner_not_dead(const struct reg_entry *e,
    const struct owner_verdict *own, char *why, size_t len)
{
	char who[REGISTRY_COMM_MAX + 64];

	owner_text(e, own, who, sizeof(who));
	if (own->live == PROC_ALIVE && own->lock > 0) {
		snprintf(why, len, "owner %s holds its lock on %s", who,
		    e->lock);
		return SHMRPC_STATE_LIVE;
	}
	if (own->live == PROC_ALIVE) {
		snprintf(why, len, "owner %s is alive", who);
		return SHMRPC_STATE_LIVE;
	}
	if (e->lock[0] != '\0' && own->lock < 0)
		snprintf(why, len, "cannot tell whether owner %s is alive: "
		    "its lock on %s cannot be tested (%s)", who, e->lock,
		    own->lock_rc == -ENOENT ? "the file is gone or not the "
					     "owner's"
					   : shmrpc_strerror(own->lock_rc));
	else if (!own->pid_local)
		snprintf(why, len, "cannot tell whether owner %s is alive: "
		    "its entry has no liveness lock", who);
	else
		snprintf(why, len, "cannot tell whether owner %s is alive",
		    who);
	return SHMRPC_STATE_UNKNOWN;
}

/* The owner is dead: is any of its objects still someone's?  A state
 * other than STALE (and its words), or STALE when nothing holds them. */
static shmrpc_state dead_owner_objects(const struct reg_entry *e,
    const struct obj *objs, size_t n, const struct owner_verdict *own,
    char *why, size_t len)
{
	char comm[64];

	for (size_t i = 0; i < n; i++) {
		const struct obj *o = &objs[i];
		if (o->present && not_ours_as_file(o, true, why, len))
			return SHMRPC_STATE_UNKNOWN;
		if (o->present && o->st.st_uid != e->uid) {
			snprintf(why, len, "%s is owned by uid %lu, not by "
			    "the registered uid %lu", o->name,
			    (unsigned long)o->st.st_uid,
			    (unsigned long)e->uid);
			return SHMRPC_STATE_UNKNOWN;
		}
	}
	if (own->clients > 0) {
		snprintf(why, len, "owner pid %ld is dead, but a client holds "
		    "its lock on %s (perhaps in another PID namespace)",
		    (long)e->pid, e->lock);
		return SHMRPC_STATE_INUSE;
	}
	for (size_t i = 0; i < n; i++) {
		if (objs[i].nmappers > 0) {
			pid_t p = objs[i].mappers[0];
			snprintf(why, len, "owner pid %ld is dead, but pid %ld "
			    "(%s) maps %s", (long)e->pid, (long)p,
			    comm_of(p, comm, sizeof(comm)), objs[i].name);
			return SHMRPC_STATE_INUSE;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (objs[i].unknown_pid != 0) {
			snprintf(why, len, "owner pid %ld is dead; cannot read "
			    "/proc/%ld of uid %lu, which could map %s",
			    (long)e->pid, (long)objs[i].unknown_pid,
			    (unsigned long)objs[i].unknown_uid, objs[i].name);
			return SHMRPC_STATE_UNKNOWN;
		}
	}
	return SHMRPC_STATE_STALE;
}

static shmrpc_state channel_state(const struct reg_entry *e,
    const struct obj *objs, size_t n, const struct owner_verdict *own,
    char *why, size_t len)
{
	char who[REGISTRY_COMM_MAX + 64];
	shmrpc_state st;

	if (own->live != PROC_DEAD)
		return owner_not_dead(e, own, why, len);
	st = dead_owner_objects(e, objs, n, own, why, len);
	if (st != SHMRPC_STATE_STALE)
		return st;
	snprintf(why, len, "owner %s is dead%s and no process maps its "
	    "objects", owner_text(e, own, who, sizeof(who)),
	    own->lock == 0 ? " (its lock is free)"
	    : own->pid_taken ? " (its pid was reused)" : "");
	return SHMRPC_STATE_STALE;
}

/* ---- trusting an entry ------------------------------------------------------- */

/*
 * A registry is trusted only as far as its file: an entry of registry
 * `path`, whose user is `owner`, must name that user, and only its own
 * channel's files under its transport's naming scheme (and its lock, the
 * one the transport locks).  Otherwise nothing of it is believed or
 * reaped: a forged entry must not make root's cleaner unlink root's
 * files.  NULL, or why it is refused (in why).
 */
static const char *entry_refusal(const struct reg_entry *e, const char *path,
    uid_t owner, char *why, size_t len)
{
	char names[TRANSPORT_MAX_OBJECTS][TRANSPORT_FNAME_MAX], who[128];
	const struct transport_ops *ops = shmrpc__transport_ops_for(e->kind);
	int n = 0;

	/* Only a refusal names the user: the name is a getpwuid_r() (a read
	 * of /etc/passwd), which for every entry of every frame was a tenth
	 * of a monitor's inspection of 1,000 channels. */
	if (e->uid != owner) {
		shmrpc__registry_uid_text(owner, who, sizeof(who));
		snprintf(why, len, "registry %s of %s lists it with uid %lu: "
		    "an entry may only name its registry's user; not trusted",
		    path, who, (unsigned long)e->uid);
		return why;
	}
	if (ops == NULL) {
		shmrpc__registry_uid_text(owner, who, sizeof(who));
		snprintf(why, len, "registry %s of %s lists it with transport "
		    "%s, unknown to this build: its files are not trusted",
		    path, who, e->transport);
		return why;
	}
	n = ops->object_names(e->name, names, TRANSPORT_MAX_OBJECTS);
	for (int k = 0; k < e->nobjects && n == e->nobjects; k++) {
		int j;
		for (j = 0; j < n && strcmp(names[j], e->objects[k]) != 0; j++)
			;
		if (j == n || (k > 0 && strcmp(e->objects[k],
					    e->objects[k - 1]) == 0))
			n = -1;
		/* (Written in the transport's order, so a duplicate
		 * would sit next to its twin.) */
	}
	if (n != e->nobjects || (e->lock[0] != '\0' &&
		strcmp(e->lock, names[ops->lock_object]) != 0)) {
		shmrpc__registry_uid_text(owner, who, sizeof(who));
		snprintf(why, len, "registry %s of %s lists it with files "
		    "outside its own names under the %s scheme: not trusted, "
		    "nothing of it is reaped", path, who, e->transport);
		return why;
	}
	return NULL;
}

/* ---- building the snapshot --------------------------------------------------- */

static int fill_object(shmrpc_inspection *s, shmrpc_object_info *oi,
    const struct obj *o, shmrpc_state state, const char *why, double now)
{
	oi->name = shmrpc__arena_strdup(&s->arena, o->name);
	oi->channel = shmrpc__arena_strdup(&s->arena, o->channel);
	oi->reason = shmrpc__arena_strdup(&s->arena, why);
	if (oi->name == NULL || oi->channel == NULL || oi->reason == NULL)
		return -ENOMEM;
	oi->transport = o->kind;
	oi->state = state;
	oi->present = o->present;
	oi->regular = o->regular;
	oi->locked = o->locked;
	oi->gid = (gid_t)-1;
	if (o->present) {
		oi->uid = o->st.st_uid;
		oi->gid = o->st.st_gid;
		oi->mode = (unsigned)(o->st.st_mode & 07777);
		oi->nlink = (unsigned long)o->st.st_nlink;
		oi->size = (uint64_t)o->st.st_size;
		oi->age = age_of(&o->st, now);
		oi->dev = (uint64_t)o->st.st_dev;
		oi->ino = (uint64_t)o->st.st_ino;
	}
	if (o->nmappers > 0) {
		pid_t *m = shmrpc__arena_alloc(&s->arena,
		    o->nmappers * sizeof(pid_t));
		if (m == NULL)
			return -ENOMEM;
		memcpy(m, o->mappers, o->nmappers * sizeof(pid_t));
		oi->mappers = m;
		oi->nmappers = o->nmappers;
	}
	return 0;
}

/* What the entry says of a channel, and how its owner was judged. */
static int fill_channel_entry(shmrpc_inspection *s, shmrpc_channel_info *ci,
    const struct reg_entry *e, const char *registry,
    const struct owner_verdict *own, double now)
{
	ci->name = shmrpc__arena_strdup(&s->arena, e->name);
	ci->transport_name = shmrpc__arena_strdup(&s->arena, e->transport);
	ci->owner_comm = shmrpc__arena_strdup(&s->arena, e->comm);
	ci->owner_cgroup = shmrpc__arena_strdup(&s->arena, e->cgroup);
	ci->registry = registry;
	if (ci->name == NULL || ci->transport_name == NULL ||
	    ci->owner_comm == NULL || ci->owner_cgroup == NULL)
		return -ENOMEM;
	ci->transport = e->kind;
	ci->owner_pid = e->pid;
	ci->owner_start = e->start;
	ci->owner_uid = e->uid;
	ci->owner_pid_ns = e->pid_ns;
	ci->owner_alive = own == NULL ? -1 : own->live == PROC_ALIVE ? 1 :
	    own->live == PROC_DEAD ? 0 : -1;
	ci->owner_pid_local = own == NULL ? -1 : own->pid_local;
	ci->owner_lock = own == NULL ? -1 : own->lock;
	ci->owner_removeipc = shmrpc__removeipc_applies(e->uid);
	ci->mode = e->mode != 0 ? e->mode : 0600;
	ci->gid = e->gid;
	ci->buffer_size = (size_t)e->buffer_size;
	ci->slots = e->slots;
	ci->created = e->created;
	ci->age = now > e->created ? now - e->created : 0;
	ci->rebuilt = e->rebuilt;
	return 0;
}

/* The channel's objects, and the union of their mappers. */
static int fill_channel_objects(shmrpc_inspection *s, shmrpc_channel_info *ci,
    const struct obj *objs, size_t n, const char *why, double now)
{
	shmrpc_object_info *oi;
	size_t nm = 0, k = 0;
	pid_t *m;
	int rc;

	oi = shmrpc__arena_alloc(&s->arena, (n ? n : 1) * sizeof(*oi));
	if (oi == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		rc = fill_object(s, &oi[i], &objs[i], ci->state, why, now);
		if (rc < 0)
			return rc;
		nm += objs[i].nmappers;
	}
	ci->objects = oi;
	ci->nobjects = n;
	if (nm == 0)
		return 0;
	m = shmrpc__arena_alloc(&s->arena, nm * sizeof(pid_t));
	if (m == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < objs[i].nmappers; j++) {
			size_t x;
			for (x = 0; x < k && m[x] != objs[i].mappers[j]; x++)
				;
			if (x == k)
				m[k++] = objs[i].mappers[j];
		}
	ci->mappers = m;
	ci->nmappers = k;
	return 0;
}

/* A live channel's counters, and its clients where only they know them. */
static int fill_channel_counters(shmrpc_inspection *s, shmrpc_channel_info *ci,
    const struct reg_entry *e)
{
	const struct transport_ops *ops = shmrpc__transport_ops_for(e->kind);
	shmrpc_stats *st = NULL;
	size_t nslots;

	if (ops == NULL || ops->read_stats == NULL ||
	    ops->read_stats(e->name, &st, NULL) < 0 || st == NULL)
		return 0;
	ci->stats = st; /* freed with the snapshot */
	/* The registry does not track clients; the futex slots do. */
	nslots = shmrpc_stats_slot_count(st);
	if (ci->nclients == 0 && nslots > 0) {
		pid_t *c = shmrpc__arena_alloc(&s->arena,
		    nslots * sizeof(pid_t));
		if (c == NULL)
			return -ENOMEM;
		for (size_t i = 0; i < nslots; i++)
			c[i] = shmrpc_stats_slot(st, i)->pid;
		ci->clients = c;
		ci->nclients = nslots;
	}
	return 0;
}

static int fill_channel(shmrpc_inspection *s, shmrpc_channel_info *ci,
    const struct reg_entry *e, const char *registry, const struct obj *objs,
    size_t n, const struct owner_verdict *own,
    const shmrpc_inspect_options *opts, double now)
{
	char why[512];
	int rc;

	ci->state = channel_state(e, objs, n, own, why, sizeof(why));
	ci->reason = shmrpc__arena_strdup(&s->arena, why);
	if (ci->reason == NULL)
		return -ENOMEM;
	rc = fill_channel_entry(s, ci, e, registry, own, now);
	if (rc == 0)
		rc = fill_channel_objects(s, ci, objs, n, why, now);
	if (rc == 0 && e->nclients > 0) {
		pid_t *c = shmrpc__arena_alloc(&s->arena,
		    e->nclients * sizeof(pid_t));
		if (c == NULL)
			return -ENOMEM;
		memcpy(c, e->clients, e->nclients * sizeof(pid_t));
		ci->clients = c;
		ci->nclients = e->nclients;
	}
	if (rc == 0 && ci->state == SHMRPC_STATE_LIVE &&
	    e->kind != SHMRPC_TRANSPORT_DEFAULT && !opts->skip_counters)
		rc = fill_channel_counters(s, ci, e);
	return rc;
}

/* An entry the trust rules refused: what it claims, nothing looked at. */
static int fill_refused(shmrpc_inspection *s, shmrpc_channel_info *ci,
    const struct reg_entry *e, const char *registry, const char *why,
    double now)
{
	ci->state = SHMRPC_STATE_UNKNOWN;
	ci->refused = 1;
	ci->reason = why;
	ci->objects = shmrpc__arena_alloc(&s->arena, sizeof(*ci->objects));
	if (ci->objects == NULL)
		return -ENOMEM;
	return fill_channel_entry(s, ci, e, registry, NULL, now);
}

/* Everything one snapshot is built from. */
struct build {
	shmrpc_inspect_options opts;
	uid_t only_uid;       /* whose loose objects, without all_users */
	double now;
	int dir;              /* /dev/shm */
	dev_t dev;
	struct reg_set rs;    /* every registry entry read */
	size_t *first;        /* first object of each wanted entry, or -1 */
	const char **refused; /* why each refused entry is (arena), or NULL */
	struct owner_verdict *own; /* of each wanted entry */
	const char **claimed; /* every object a trusted entry names, sorted */
	size_t nclaimed;
	struct objs objs;     /* the wanted entries' objects, then loose ones */
	size_t nloose;
};

static void build_free(struct build *b)
{
	objs_free(&b->objs);
	shmrpc__reg_entries_free(b->rs.v, b->rs.n);
	free(b->rs.path);
	free(b->claimed);
	free(b->first);
	free(b->refused);
	free(b->own);
}

/* The objects of wanted entry i, stat'ed, after the others. */
static int add_entry_objects(struct build *b, size_t i)
{
	const struct reg_entry *e = &b->rs.v[i];

	b->first[i] = b->objs.n;
	for (int k = 0; k < e->nobjects; k++) {
		struct obj *o = objs_add(&b->objs);
		if (o == NULL)
			return -ENOMEM;
		snprintf(o->name, sizeof(o->name), "%s", e->objects[k]);
		snprintf(o->channel, sizeof(o->channel), "%s", e->name);
		o->kind = e->kind;
		o->entry = (ssize_t)i;
		stat_object(b->dir, o);
	}
	return 0;
}

/* Step 1: registered channels, and every object name the trusted ones
 * claim (a refused entry claims nothing: its files are judged as loose
 * ones, on their own). */
static int gather_registered(struct build *b, shmrpc_inspection *s,
    const struct inspect_source *src)
{
	int rc = read_registries(s, &b->rs, &b->opts, src, b->only_uid);
	char why[PATH_MAX + 512];

	if (rc < 0)
		return rc;
	b->first = calloc(b->rs.n ? b->rs.n : 1, sizeof(*b->first));
	b->refused = calloc(b->rs.n ? b->rs.n : 1, sizeof(*b->refused));
	b->claimed = calloc(b->rs.n * TRANSPORT_MAX_OBJECTS + 1,
	    sizeof(*b->claimed));
	if (b->first == NULL || b->refused == NULL || b->claimed == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < b->rs.n && rc == 0; i++) {
		struct reg_entry *e = &b->rs.v[i];
		bool want = wanted(&b->opts, e->name) &&
		    filter_entry(&b->opts, e, b->rs.path[i]);

		b->first[i] = SIZE_MAX;
		if (entry_refusal(e, b->rs.path[i],
			registry_owner(b->rs.path[i]), why, sizeof(why))) {
			if (want && (b->refused[i] = shmrpc__arena_strdup(
					 &s->arena, why)) == NULL)
				return -ENOMEM;
			continue;
		}
		/* Claimed whether wanted or not: an unwanted channel's
		 * objects are not loose ones. */
		for (int k = 0; k < e->nobjects; k++)
			b->claimed[b->nclaimed++] = e->objects[k];
		if (want)
			rc = add_entry_objects(b, i);
	}
	qsort(b->claimed, b->nclaimed, sizeof(*b->claimed), cmp_str);
	return rc;
}

/* Owners before mappers: an owner seen dead stays dead, so a process that
 * maps its objects after this look is still found by the scan that
 * follows (the other order could miss a client that attached just before
 * the owner died).  The same holds of the lock: a client that attached
 * meanwhile holds its client lock, tested with the owner's. */
static int judge_owners(struct build *b)
{
	int rc;

	b->own = calloc(b->rs.n ? b->rs.n : 1, sizeof(*b->own));
	if (b->own == NULL)
		return -ENOMEM;
	rc = find_owners(b->dir, &b->rs, b->first, &b->objs, b->own);
	if (rc == 0 && b->opts.skip_live_mappers)
		skip_live_objects(&b->rs, b->first, b->own, &b->objs);
	return rc;
}

/* A registry file at name that is not its user's regular file, one link:
 * a squatter (see registry/ours.c).  Which names count: every user's
 * with all_users, else only the caller's. */
static bool is_squatter(const struct build *b, const char *name,
    const struct stat *st)
{
	static const char *const tails[] = { "", ".lock", ".tmp" };
	size_t n = strlen(name);

	for (size_t t = 0; t < ARRAY_LEN(tails); t++) {
		size_t k = strlen(tails[t]);
		char base[NAME_MAX + 1];
		uid_t uid;

		if (n <= k || n - k >= sizeof(base) ||
		    strcmp(name + n - k, tails[t]) != 0)
			continue;
		memcpy(base, name, n - k);
		base[n - k] = '\0';
		if (!shmrpc__registry_default_name(base, &uid) ||
		    (!b->opts.all_users && uid != b->only_uid))
			continue;
		return st->st_uid != uid || !S_ISREG(st->st_mode) ||
		    st->st_nlink != 1;
	}
	return false;
}

/* Does the caller's filter (if any) let loose object o in?  Asked once
 * it is stat'ed, before its mappers and lock are looked for. */
static bool filter_loose(const shmrpc_inspect_options *opts,
    const struct obj *o)
{
	shmrpc_inspect_candidate c;

	if (opts->filter == NULL)
		return true;
	memset(&c, 0, sizeof(c));
	c.loose = 1;
	c.name = o->name;
	c.channel = o->channel;
	c.transport = o->kind;
	c.uid = o->st.st_uid;
	return opts->filter(&c, opts->filter_arg) != 0;
}

/* Step 2: loose objects: our naming schemes, named by no trusted entry;
 * and squatters at registry paths; those the caller's filter lets in. */
static int gather_loose(struct build *b)
{
	struct dirent *de;
	DIR *d;
	int dir, rc = 0;

	dir = openat(b->dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -errno;
	d = fdopendir(dir);
	if (d == NULL) {
		close(dir);
		return -errno;
	}
	while ((de = readdir(d)) != NULL) {
		char channel[SHMRPC_NAME_MAX + 1];
		const char *key = de->d_name;
		shmrpc_transport_kind kind = SHMRPC_TRANSPORT_DEFAULT;
		bool ours = shmrpc__inspect_match_object(de->d_name, channel,
		    sizeof(channel), &kind);
		struct obj *o;

		if (ours && (!wanted(&b->opts, channel) ||
			bsearch(&key, b->claimed, b->nclaimed,
			    sizeof(*b->claimed), cmp_str) != NULL))
			continue;
		if (!ours && (b->opts.channel != NULL ||
			b->opts.prefix != NULL ||
			strncmp(de->d_name, "shmrpc-registry-", 16) != 0))
			continue;
		o = objs_add(&b->objs);
		if (o == NULL) {
			rc = -ENOMEM;
			break;
		}
		snprintf(o->name, sizeof(o->name), "%s", de->d_name);
		snprintf(o->channel, sizeof(o->channel), "%s",
		    ours ? channel : "");
		o->kind = kind;
		stat_object(dirfd(d), o);
		o->squatter = !ours && o->present &&
		    is_squatter(b, o->name, &o->st);
		if (!o->present || (!ours && !o->squatter) || (ours &&
			!b->opts.all_users && o->st.st_uid != b->only_uid) ||
		    !filter_loose(&b->opts, o)) {
			b->objs.n--; /* gone meanwhile, another user's, a
					registry file in order, or not
					wanted */
			continue;
		}
		b->nloose++;
	}
	closedir(d);
	return rc;
}

/* Warnings for the users whose files systemd-logind removes at logout
 * (RemoveIPC=yes), once per user with a channel in the snapshot. */
static int warn_removeipc(shmrpc_inspection *s)
{
	for (size_t i = 0; i < s->nchannels; i++) {
		const shmrpc_channel_info *c = &s->channels[i];
		char text[512], who[128];
		size_t j;
		int rc;

		if (c->owner_removeipc != 1 || c->refused)
			continue;
		for (j = 0; j < i && s->channels[j].owner_uid != c->owner_uid;
		     j++)
			;
		if (j < i)
			continue;
		snprintf(text, sizeof(text), "systemd-logind removes the "
		    "files of %s from /dev/shm when its last session ends "
		    "(RemoveIPC=yes): its channels vanish under their servers; "
		    "run them as a system user, or set RemoveIPC=no (see "
		    "shmrpc(7), DEPLOYMENT)",
		    shmrpc__registry_uid_text(c->owner_uid, who, sizeof(who)));
		if ((rc = add_warning(s, text)) < 0)
			return rc;
	}
	return 0;
}

/* Step 4: the snapshot, from what the steps before found. */
static int fill_snapshot(struct build *b, shmrpc_inspection *s)
{
	int rc = 0;

	s->channels = shmrpc__arena_alloc(&s->arena,
	    (b->rs.n ? b->rs.n : 1) * sizeof(*s->channels));
	s->objects = shmrpc__arena_alloc(&s->arena,
	    (b->nloose ? b->nloose : 1) * sizeof(*s->objects));
	if (s->channels == NULL || s->objects == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < b->rs.n && rc == 0; i++) {
		if (b->refused[i] != NULL)
			rc = fill_refused(s, &s->channels[s->nchannels++],
			    &b->rs.v[i], b->rs.path[i], b->refused[i], b->now);
		if (b->first[i] == SIZE_MAX)
			continue;
		rc = fill_channel(s, &s->channels[s->nchannels++], &b->rs.v[i],
		    b->rs.path[i], &b->objs.v[b->first[i]],
		    (size_t)b->rs.v[i].nobjects, &b->own[i], &b->opts, b->now);
	}
	for (size_t i = 0; i < b->objs.n && rc == 0; i++) {
		const struct obj *o = &b->objs.v[i];
		char why[512];
		shmrpc_state st;

		if (o->entry >= 0)
			continue;
		st = loose_state(o, age_of(&o->st, b->now), b->opts.grace, why,
		    sizeof(why));
		rc = fill_object(s, &s->objects[s->nobjects++], o, st, why,
		    b->now);
	}
	if (rc == 0)
		rc = warn_removeipc(s);
	return rc;
}

int shmrpc__inspect_build(shmrpc_inspection **out,
    const shmrpc_inspect_options *in, const struct inspect_source *src,
    uid_t only_uid)
{
	struct build b = { .only_uid = only_uid, .now = now_real() };
	shmrpc_inspection *s;
	struct stat dirst;
	int rc;

	*out = NULL;
	if (in != NULL)
		b.opts = *in; /* resolved by the caller: the library's size */
	else
		inspect_defaults(&b.opts);
	if (b.opts.grace < 0)
		b.opts.grace = SHMRPC_DEFAULT_GRACE;
	b.dir = shmrpc__shm_dirfd();
	if (b.dir < 0)
		return b.dir;
	if (fstat(b.dir, &dirst) < 0)
		return -errno;
	b.dev = dirst.st_dev;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	rc = gather_registered(&b, s, src);
	if (rc == 0)
		rc = judge_owners(&b);
	if (rc == 0)
		rc = gather_loose(&b);
	if (rc == 0) /* step 3: who maps or holds each of them */
		rc = find_mappers(&b.objs, b.dev);
	if (rc == 0)
		find_lock_holders(b.dir, &b.objs);
	if (rc == 0)
		rc = fill_snapshot(&b, s);
	build_free(&b);
	if (rc < 0) {
		shmrpc_inspection_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

/* ---- rebuilding a lost registry -------------------------------------------- */

/* A new rebuilt entry for the group of loose object o (owner not yet
 * known). */
static void rebuilt_entry(struct reg_entry *e, const shmrpc_object_info *o,
    const struct transport_ops *ops)
{
	snprintf(e->name, sizeof(e->name), "%s", o->channel);
	snprintf(e->transport, sizeof(e->transport), "%s",
	    shmrpc_transport_name(o->transport));
	e->kind = o->transport;
	e->nobjects = ops->object_names(e->name, e->objects,
	    TRANSPORT_MAX_OBJECTS);
	e->slots = o->transport == SHMRPC_TRANSPORT_POSIX ? 1 : 0;
	e->created = now_real() - o->age;
	e->uid = o->uid;
	e->mode = o->mode & 0777;
	e->gid = o->gid;
	/* Mappers are seen in our /proc: their pids are of ours. */
	e->pid_ns = shmrpc__proc_self_pidns();
	e->rebuilt = true;
}

int shmrpc__inspect_rebuild(uid_t uid, struct reg_entry **out, size_t *n)
{
	const struct inspect_source none = { NULL, NULL, 0 };
	shmrpc_inspect_options opts;
	shmrpc_inspection *s;
	struct reg_entry *v;
	size_t k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	inspect_defaults(&opts);
	rc = shmrpc__inspect_build(&s, &opts, &none, uid);
	if (rc < 0)
		return rc;
	size_t nobjects = shmrpc_inspection_object_count(s);
	v = calloc(nobjects ? nobjects : 1, sizeof(*v));
	if (v == NULL) {
		shmrpc_inspection_free(s);
		return -ENOMEM;
	}
	for (size_t i = 0; i < nobjects; i++) {
		const shmrpc_object_info *o = shmrpc_inspection_object(s, i);
		const struct transport_ops *ops = shmrpc__transport_ops_for(
		    o->transport);
		struct reg_entry *e;
		uint64_t best_start = UINT64_MAX;
		size_t j;

		if (o->state != SHMRPC_STATE_INUSE || ops == NULL)
			continue;
		for (j = 0; j < k; j++)
			if (strcmp(v[j].name, o->channel) == 0 &&
			    v[j].kind == o->transport)
				break;
		e = &v[j];
		if (j == k) {
			k++;
			rebuilt_entry(e, o, ops);
		} else {
			best_start = e->start;
		}
		if (o->size > e->buffer_size)
			e->buffer_size = o->size;
		if (now_real() - o->age < e->created)
			e->created = now_real() - o->age;
		/* Owner: the earliest-started process mapping the group. */
		for (size_t m = 0; m < o->nmappers; m++) {
			uint64_t start;
			if (shmrpc__proc_start_time(o->mappers[m], &start) ==
				0 &&
			    start < best_start) {
				best_start = start;
				e->pid = o->mappers[m];
				e->start = start;
			}
		}
		if (e->pid != 0 &&
		    shmrpc__proc_comm(e->pid, e->comm, sizeof(e->comm)) < 0)
			snprintf(e->comm, sizeof(e->comm), "?");
	}
	shmrpc_inspection_free(s);
	/* Drop groups whose mappers all vanished meanwhile. */
	for (size_t i = 0; i < k;) {
		if (v[i].pid == 0) {
			memmove(&v[i], &v[i + 1], (k - i - 1) * sizeof(*v));
			k--;
		} else {
			i++;
		}
	}
	*out = v;
	*n = k;
	return 0;
}

/* ---- the public API ------------------------------------------------------------ */

SHMRPC_API const char *shmrpc_state_name(shmrpc_state state)
{
	switch (state) {
	case SHMRPC_STATE_LIVE:
		return "live";
	case SHMRPC_STATE_STALE:
		return "stale";
	case SHMRPC_STATE_ORPHAN:
		return "orphan";
	case SHMRPC_STATE_INUSE:
		return "in-use";
	case SHMRPC_STATE_RECENT:
		return "recent";
	case SHMRPC_STATE_FOREIGN:
		return "foreign";
	case SHMRPC_STATE_UNKNOWN:
		break;
	}
	return "unknown";
}

SHMRPC_API void shmrpc_inspect_options_init_size(shmrpc_inspect_options *opts,
    size_t size)
{
	shmrpc_inspect_options d;

	if (opts == NULL || size < sizeof(opts->size))
		return;
	inspect_defaults(&d);
	shmrpc__struct_import(opts, size, &d, sizeof(d));
	opts->size = size;
}

int shmrpc__inspect_options_resolve(shmrpc_inspect_options *out,
    const shmrpc_inspect_options *in)
{
	inspect_defaults(out);
	if (in != NULL && shmrpc__struct_export(out, sizeof(*out), in,
			      offsetof(shmrpc_inspect_options, grace) +
				  sizeof(in->grace)) < 0)
		return -EINVAL;
	out->size = sizeof(*out);
	return 0;
}

SHMRPC_API int shmrpc_inspect(shmrpc_inspection **out,
    const shmrpc_inspect_options *in, shmrpc_error *err)
{
	shmrpc_inspect_options opts;
	int rc;

	if (out == NULL)
		return shmrpc__error_set(err, -EINVAL, "out is NULL");
	*out = NULL;
	if (shmrpc__inspect_options_resolve(&opts, in) < 0)
		return shmrpc__error_set(err, -EINVAL, "options not "
		    "initialised with shmrpc_inspect_options_init()");
	if (opts.all_users && geteuid() != 0)
		log_info("inspecting all users without root: other users' "
			 "processes cannot be read, their objects may show "
			 "as unknown");
	rc = shmrpc__inspect_build(out, &opts, NULL, geteuid());
	if (rc < 0)
		shmrpc__error_set(err, rc, "cannot inspect /dev/shm and "
		    "/proc: %s", shmrpc_strerror(rc));
	return rc;
}

SHMRPC_API void shmrpc_inspection_free(shmrpc_inspection *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nchannels; i++)
		shmrpc_stats_free((shmrpc_stats *)s->channels[i].stats);
	free(s->warnings);
	shmrpc__arena_free(&s->arena);
	free(s);
}

SHMRPC_API size_t shmrpc_inspection_channel_count(
    const shmrpc_inspection *s)
{
	return s != NULL ? s->nchannels : 0;
}

SHMRPC_API const shmrpc_channel_info *shmrpc_inspection_channel(
    const shmrpc_inspection *s, size_t i)
{
	return s != NULL && i < s->nchannels ? &s->channels[i] : NULL;
}

SHMRPC_API size_t shmrpc_inspection_object_count(const shmrpc_inspection *s)
{
	return s != NULL ? s->nobjects : 0;
}

SHMRPC_API const shmrpc_object_info *shmrpc_inspection_object(
    const shmrpc_inspection *s, size_t i)
{
	return s != NULL && i < s->nobjects ? &s->objects[i] : NULL;
}

SHMRPC_API size_t shmrpc_inspection_warning_count(const shmrpc_inspection *s)
{
	return s != NULL ? s->nwarnings : 0;
}

SHMRPC_API const char *shmrpc_inspection_warning(const shmrpc_inspection *s,
    size_t i)
{
	return s != NULL && i < s->nwarnings ? s->warnings[i] : NULL;
}
