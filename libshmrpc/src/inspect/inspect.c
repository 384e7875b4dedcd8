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
#include "os/procinfo.h"
#include "os/procscan.h"
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

static bool is_registry_name(const char *name)
{
	static const char head[] = "shmrpc-registry-";
	const char *p = name + sizeof(head) - 1;

	if (strncmp(name, head, sizeof(head) - 1) != 0 ||
	    *p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	return strcmp(p, ".json") == 0;
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
		char text[PATH_MAX + 128];
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
			if (!is_registry_name(de->d_name))
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

/* ---- owners: one look at /proc/PID/stat per pid ------------------------------ */

/* A server registers all of its channels under one pid: a thousand channels
 * of two hundred servers cost two hundred reads of /proc/PID/stat, not a
 * thousand. */
struct pid_seen {
	pid_t pid;       /* 0: free slot */
	int rc; /* what shmrpc__proc_start_time() returned */
	uint64_t start;
};

/* What the snapshot says about a registered owner. */
struct owner {
	enum shmrpc__proc_liveness live;
	bool pid_taken;  /* its pid now runs another process */
};

/* The entry for pid > 0 in the open-addressed table v (mask + 1 slots,
 * never full), read from /proc on first sight. */
static const struct pid_seen *pid_lookup(struct pid_seen *v, size_t mask,
    pid_t pid)
{
	size_t h = ((size_t)(unsigned)pid * 2654435761u) & mask;

	while (v[h].pid != 0 && v[h].pid != pid)
		h = (h + 1) & mask;
	if (v[h].pid == 0) {
		v[h].pid = pid;
		v[h].rc = shmrpc__proc_start_time(pid, &v[h].start);
	}
	return &v[h];
}

/* The owner of every wanted entry (first[i] != SIZE_MAX) into own[i]. */
static int find_owners(const struct reg_set *rs, const size_t *first,
    struct owner *own)
{
	size_t cap = 16;
	struct pid_seen *seen;

	while (cap < 2 * rs->n)
		cap *= 2;
	seen = calloc(cap, sizeof(*seen));
	if (seen == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < rs->n; i++) {
		const struct reg_entry *e = &rs->v[i];
		const struct pid_seen *p;

		if (first[i] == SIZE_MAX)
			continue;
		if (e->pid <= 0) {
			own[i].live =
			    PROC_DEAD; /* as shmrpc__proc_liveness() says */
			continue;
		}
		p = pid_lookup(seen, cap - 1, e->pid);
		own[i].live = shmrpc__proc_liveness_from(p->rc, p->start,
		    e->start);
		own[i].pid_taken = p->rc == 0;
	}
	free(seen);
	return 0;
}

/* The objects of live owners' entries need no scan (skip_live_mappers). */
static void skip_live_objects(const struct reg_set *rs, const size_t *first,
    const struct owner *own, struct objs *objs)
{
	for (size_t i = 0; i < rs->n; i++) {
		if (first[i] == SIZE_MAX || own[i].live != PROC_ALIVE)
			continue;
		for (int k = 0; k < rs->v[i].nobjects; k++)
			objs->v[first[i] + (size_t)k].skip_scan = true;
	}
}

/* ---- states ---------------------------------------------------------------- */

static const char *comm_of(pid_t pid, char *buf, size_t len)
{
	if (shmrpc__proc_comm(pid, buf, len) < 0)
		snprintf(buf, len, "?");
	return buf;
}

static shmrpc_state loose_state(const struct obj *o, double age, double grace,
    char *why, size_t len)
{
	char comm[64];

	if (!o->regular) {
		snprintf(why, len, "not a regular file: left alone");
		return SHMRPC_STATE_UNKNOWN;
	}
	if (o->nmappers > 0) {
		snprintf(why, len, "unregistered, in use by pid %ld (%s)",
		    (long)o->mappers[0], comm_of(o->mappers[0], comm,
			sizeof(comm)));
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

static shmrpc_state channel_state(const struct reg_entry *e,
    const struct obj *objs, size_t n, struct owner own, char *why,
    size_t len)
{
	char comm[64];

	if (own.live == PROC_ALIVE) {
		snprintf(why, len, "owner pid %ld (%s) is alive", (long)e->pid,
		    e->comm);
		return SHMRPC_STATE_LIVE;
	}
	if (own.live == PROC_UNKNOWN) {
		snprintf(why, len, "cannot tell whether owner pid %ld is alive",
		    (long)e->pid);
		return SHMRPC_STATE_UNKNOWN;
	}
	for (size_t i = 0; i < n; i++) {
		const struct obj *o = &objs[i];
		if (!o->present)
			continue;
		if (!o->regular) {
			snprintf(why, len, "%s is not a regular file",
			    o->name);
			return SHMRPC_STATE_UNKNOWN;
		}
		if (o->st.st_uid != e->uid) {
			snprintf(why, len, "%s is owned by uid %lu, not by "
			    "the registered uid %lu", o->name,
			    (unsigned long)o->st.st_uid,
			    (unsigned long)e->uid);
			return SHMRPC_STATE_UNKNOWN;
		}
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
	snprintf(why, len, "owner pid %ld (%s) is dead%s and no process maps "
	    "its objects", (long)e->pid, e->comm,
	    own.pid_taken ? " (its pid was reused)" : "");
	return SHMRPC_STATE_STALE;
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
	if (o->present) {
		oi->uid = o->st.st_uid;
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

static int fill_channel(shmrpc_inspection *s, shmrpc_channel_info *ci,
    const struct reg_entry *e, const char *registry, const struct obj *objs,
    size_t n, struct owner own, const shmrpc_inspect_options *opts,
    double now)
{
	shmrpc_object_info *oi;
	char why[512];
	size_t nm = 0;
	int rc;

	ci->state = channel_state(e, objs, n, own, why, sizeof(why));
	ci->name = shmrpc__arena_strdup(&s->arena, e->name);
	ci->transport_name = shmrpc__arena_strdup(&s->arena, e->transport);
	ci->reason = shmrpc__arena_strdup(&s->arena, why);
	ci->owner_comm = shmrpc__arena_strdup(&s->arena, e->comm);
	ci->registry = registry;
	if (ci->name == NULL || ci->transport_name == NULL ||
	    ci->reason == NULL || ci->owner_comm == NULL)
		return -ENOMEM;
	ci->transport = e->kind;
	ci->owner_pid = e->pid;
	ci->owner_start = e->start;
	ci->owner_uid = e->uid;
	ci->owner_alive = own.live == PROC_ALIVE ? 1 :
	    own.live == PROC_DEAD ? 0 : -1;
	ci->buffer_size = (size_t)e->buffer_size;
	ci->slots = e->slots;
	ci->created = e->created;
	ci->age = now > e->created ? now - e->created : 0;
	ci->rebuilt = e->rebuilt;
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
	if (nm > 0) {
		pid_t *m = shmrpc__arena_alloc(&s->arena, nm * sizeof(pid_t));
		size_t k = 0;
		if (m == NULL)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < objs[i].nmappers; j++) {
				size_t x;
				for (x = 0; x < k && m[x] != objs[i].mappers[j];
				     x++)
					;
				if (x == k)
					m[k++] = objs[i].mappers[j];
			}
		ci->mappers = m;
		ci->nmappers = k;
	}
	if (e->nclients > 0) {
		pid_t *c = shmrpc__arena_alloc(&s->arena,
		    e->nclients * sizeof(pid_t));
		if (c == NULL)
			return -ENOMEM;
		memcpy(c, e->clients, e->nclients * sizeof(pid_t));
		ci->clients = c;
		ci->nclients = e->nclients;
	}
	if (ci->state == SHMRPC_STATE_LIVE &&
	    e->kind != SHMRPC_TRANSPORT_DEFAULT && !opts->skip_counters) {
		const struct transport_ops *ops = shmrpc__transport_ops_for(
		    e->kind);
		shmrpc_stats *st = NULL;
		if (ops != NULL && ops->read_stats != NULL &&
		    ops->read_stats(e->name, &st, NULL) == 0)
			ci->stats = st; /* freed with the snapshot */
		/* The registry does not track clients; the futex slots do. */
		size_t nslots = shmrpc_stats_slot_count(st);
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
	}
	return 0;
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
	struct owner *own;    /* of each wanted entry */
	const char **claimed; /* every object a registry names, sorted */
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
	free(b->own);
}

/* Step 1: registered channels, and every object name they claim. */
static int gather_registered(struct build *b, shmrpc_inspection *s,
    const struct inspect_source *src)
{
	int rc = read_registries(s, &b->rs, &b->opts, src, b->only_uid);

	if (rc < 0)
		return rc;
	b->first = calloc(b->rs.n ? b->rs.n : 1, sizeof(*b->first));
	b->claimed = calloc(b->rs.n * TRANSPORT_MAX_OBJECTS + 1,
	    sizeof(*b->claimed));
	if (b->first == NULL || b->claimed == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < b->rs.n; i++) {
		struct reg_entry *e = &b->rs.v[i];
		for (int k = 0; k < e->nobjects; k++)
			b->claimed[b->nclaimed++] = e->objects[k];
		b->first[i] = SIZE_MAX;
		if (!wanted(&b->opts, e->name))
			continue;
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
	}
	qsort(b->claimed, b->nclaimed, sizeof(*b->claimed), cmp_str);
	return 0;
}

/* Owners before mappers: an owner seen dead stays dead, so a process that
 * maps its objects after this look is still found by the scan that
 * follows (the other order could miss a client that attached just before
 * the owner died). */
static int judge_owners(struct build *b)
{
	int rc;

	b->own = calloc(b->rs.n ? b->rs.n : 1, sizeof(*b->own));
	if (b->own == NULL)
		return -ENOMEM;
	rc = find_owners(&b->rs, b->first, b->own);
	if (rc == 0 && b->opts.skip_live_mappers)
		skip_live_objects(&b->rs, b->first, b->own, &b->objs);
	return rc;
}

/* Step 2: loose objects: our naming schemes, named by no registry. */
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
		shmrpc_transport_kind kind;
		struct obj *o;

		if (!shmrpc__inspect_match_object(de->d_name, channel,
			sizeof(channel), &kind) ||
		    !wanted(&b->opts, channel) ||
		    bsearch(&key, b->claimed, b->nclaimed, sizeof(*b->claimed),
			cmp_str) != NULL)
			continue;
		o = objs_add(&b->objs);
		if (o == NULL) {
			rc = -ENOMEM;
			break;
		}
		snprintf(o->name, sizeof(o->name), "%s", de->d_name);
		snprintf(o->channel, sizeof(o->channel), "%s", channel);
		o->kind = kind;
		stat_object(dirfd(d), o);
		if (!o->present ||
		    (!b->opts.all_users && o->st.st_uid != b->only_uid)) {
			b->objs.n--; /* gone meanwhile, or another user's */
			continue;
		}
		b->nloose++;
	}
	closedir(d);
	return rc;
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
		if (b->first[i] == SIZE_MAX)
			continue;
		rc = fill_channel(s, &s->channels[s->nchannels++], &b->rs.v[i],
		    b->rs.path[i], &b->objs.v[b->first[i]],
		    (size_t)b->rs.v[i].nobjects, b->own[i], &b->opts, b->now);
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
			snprintf(e->name, sizeof(e->name), "%s", o->channel);
			snprintf(e->transport, sizeof(e->transport), "%s",
			    shmrpc_transport_name(o->transport));
			e->kind = o->transport;
			e->nobjects = ops->object_names(e->name, e->objects,
			    TRANSPORT_MAX_OBJECTS);
			e->slots = o->transport == SHMRPC_TRANSPORT_POSIX ? 1 : 0;
			e->created = now_real() - o->age;
			e->uid = o->uid;
			e->rebuilt = true;
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
