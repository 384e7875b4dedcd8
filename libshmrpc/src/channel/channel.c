/*
 * channel.c - layer: channel lifecycle (see channel.h).  The one place that
 * creates, opens and closes a channel, for the public byte-level API and
 * for the RPC client and server, which go through the same three calls.
 *
 * Below it: the registry (the file and its lock), inspection and reaping
 * (who is alive, what is safe to remove), and the transports' ops (the
 * objects themselves).  None of those calls back up here.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "channel/channel.h"
#include "inspect/inspect.h"
#include "inspect/owner.h"
#include "inspect/reap.h"
#include "os/procinfo.h"
#include "os/removeipc.h"
#include "os/shmobj.h"

/* ---- the registry entry of a channel we serve ------------------------------ */

void shmrpc__channel_entry_for(struct reg_entry *e, const shmrpc_transport *t,
    const shmrpc_options *opts)
{
	struct timespec now;

	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", t->name);
	snprintf(e->transport, sizeof(e->transport), "%s",
	    shmrpc_transport_name(t->kind));
	e->kind = t->kind;
	e->nobjects = t->ops->object_names(t->name, e->objects,
	    TRANSPORT_MAX_OBJECTS);
	e->buffer_size = t->max_message + MSG_HEADER_SIZE;
	e->slots = t->kind == SHMRPC_TRANSPORT_POSIX ? 1 : opts->slots;
	clock_gettime(CLOCK_REALTIME, &now);
	e->created = (double)now.tv_sec + (double)now.tv_nsec / 1e9;
	e->pid = getpid();
	e->start = shmrpc__proc_self_start_time();
	e->uid = geteuid();
	/* Where the owner lives and how it can be told alive from anywhere
	 * (shmrpc-registry(5), LIVENESS): its PID namespace, and the file
	 * whose owner lock it holds from creation until it dies. */
	e->pid_ns = shmrpc__proc_self_pidns();
	if (t->ops->lock_object >= 0 && t->ops->lock_object < e->nobjects)
		memcpy(e->lock, e->objects[t->ops->lock_object],
		    sizeof(e->lock));
	if (shmrpc__proc_self_cgroup(e->cgroup, sizeof(e->cgroup)) < 0)
		e->cgroup[0] = '\0';
	e->mode = opts->mode;
	e->gid = opts->gid;
	if (shmrpc__proc_self_comm(e->comm, sizeof(e->comm)) < 0)
		snprintf(e->comm, sizeof(e->comm), "?");
}

void shmrpc__channel_register(const shmrpc_transport *t,
    const shmrpc_options *opts)
{
	char path[PATH_MAX];
	struct registry r;
	struct reg_entry e;
	int rc;

	shmrpc__channel_entry_for(&e, t, opts);
	rc = shmrpc__registry_path(path, sizeof(path));
	if (rc == 0)
		rc = shmrpc__registry_lock(&r, path, false,
		    shmrpc__inspect_rebuild);
	if (rc < 0) {
		log_warn("channel %s: not registered: %s", t->name, r.why);
		return;
	}
	rc = shmrpc__registry_put(&r, &e);
	if (rc == 0)
		rc = shmrpc__registry_commit(&r);
	shmrpc__registry_unlock(&r);
	if (rc < 0)
		log_warn("channel %s: not registered: %s", t->name, r.why);
}

void shmrpc__channel_unregister(const char *name, shmrpc_transport_kind kind)
{
	char path[PATH_MAX];
	struct registry r;
	struct reg_entry e;
	ssize_t i;
	int rc;

	rc = shmrpc__registry_path(path, sizeof(path));
	if (rc == 0)
		rc = shmrpc__registry_lock(&r, path, false,
		    shmrpc__inspect_rebuild);
	if (rc < 0) {
		log_warn("channel %s: cannot unregister: %s", name, r.why);
		return;
	}
	i = shmrpc__registry_find(&r, name, shmrpc_transport_name(kind));
	if (i >= 0 && shmrpc__registry_get(&r, (size_t)i, &e) == 0) {
		/* Only our own entry (or a guessed one): another process
		 * may have taken the name over since. */
		if ((e.pid == getpid() &&
			e.start == shmrpc__proc_self_start_time()) ||
		    e.rebuilt)
			shmrpc__registry_remove_at(&r, (size_t)i);
		shmrpc__reg_entry_clear(&e);
	}
	rc = shmrpc__registry_commit(&r);
	shmrpc__registry_unlock(&r);
	if (rc < 0)
		log_warn("channel %s: cannot unregister: %s", name, r.why);
}

/* ---- create: reclaim what a dead server left ------------------------------- */

/* Why create still says EINUSE after the reclaim attempt: into err;
 * returns SHMRPC_EINUSE. */
static int describe_leftovers(const struct transport_ops *ops,
    const char *name, shmrpc_error *err)
{
	char names[TRANSPORT_MAX_OBJECTS][TRANSPORT_FNAME_MAX];
	int dir = shmrpc__shm_dirfd();
	int n = ops->object_names(name, names, TRANSPORT_MAX_OBJECTS);
	struct stat st;

	for (int i = 0; i < n && dir >= 0; i++) {
		if (shmrpc__shmfile_stat_at(dir, names[i], &st) < 0)
			continue;
		if (!S_ISREG(st.st_mode))
			return shmrpc__error_set(err, SHMRPC_EINUSE,
			    "channel %s: /dev/shm/%s exists and is not a "
			    "regular file", name, names[i]);
		return shmrpc__error_set(err, SHMRPC_EINUSE, "channel %s: "
		    "/dev/shm/%s exists, owned by uid %lu, and is not ours to "
		    "reclaim", name, names[i], (unsigned long)st.st_uid);
	}
	return shmrpc__error_set(err, SHMRPC_EINUSE, "channel %s is being "
	    "created by another process", name);
}

/*
 * What a server refused to reclaim (e.g. what a killed shm-rpc-bridge
 * server left, too recent to be proved an orphan), into err: why, which
 * objects, and the shmrpc-clean command that removes them once nothing
 * uses them (-g 0 to skip the grace period that protects a channel
 * being created).  Returns SHMRPC_EINUSE.
 */
static int refuse_leftovers(const struct transport_ops *ops, const char *name,
    shmrpc_state state, const shmrpc_error *why, shmrpc_error *err)
{
	char names[TRANSPORT_MAX_OBJECTS][TRANSPORT_FNAME_MAX];
	char list[SHMRPC_ERROR_TEXT_LENGTH] = "";
	int n = ops->object_names(name, names, TRANSPORT_MAX_OBJECTS);
	size_t used = 0;

	for (int i = 0; i < n && used < sizeof(list); i++) {
		if (!shmrpc__shmobj_exists(names[i]))
			continue;
		used += (size_t)snprintf(list + used, sizeof(list) - used,
		    "%s/dev/shm/%s", used > 0 ? " " : "", names[i]);
	}
	return shmrpc__error_set(err, SHMRPC_EINUSE, "channel %s exists and "
	    "was left alone (%s); if no program uses it, `shmrpc-clean -c "
	    "%s%s` removes %s", name, why->text, name,
	    state == SHMRPC_STATE_RECENT ? " -g 0" : "",
	    used > 0 ? list : "its objects");
}

/* A reclaim succeeded: nobody is told by a return code, so say it in the
 * log, with the final check's reason. */
static void note_reclaimed(const shmrpc_reap_event *ev, void *arg)
{
	(void)arg;
	if (ev->action == SHMRPC_REAP_REMOVED)
		log_warn("channel %s: reclaimed %u object%s a dead server left "
			 "(%s)", ev->channel != NULL ? ev->channel->name
						     : ev->object->channel,
		    ev->removed, ev->removed == 1 ? "" : "s", ev->reason);
}

/*
 * Server side: ops->create, and register the channel.  When the name is
 * taken: under the registry lock, reclaim it if what is there is stale
 * (registered owner dead, nobody maps it) or orphaned, with a log line,
 * and create again; otherwise SHMRPC_EINUSE with err saying who holds it.
 */
static int create_reclaiming(const struct transport_ops *ops,
    shmrpc_transport **out, const char *name, const shmrpc_options *opts,
    shmrpc_error *err)
{
	shmrpc_state state;
	shmrpc_error why;
	char path[PATH_MAX];
	struct registry r;
	struct reg_entry e;
	int rc;

	if (shmrpc__removeipc_applies(geteuid()) == 1)
		log_warn("channel %s: systemd-logind removes this user's files "
			 "from /dev/shm when its last session ends "
			 "(RemoveIPC=yes); the server then stops with \"%s\". "
			 "Run it as a system user or set RemoveIPC=no (see "
			 "shmrpc(7), DEPLOYMENT)", name,
		    shmrpc_strerror(SHMRPC_EREMOVED));
	rc = ops->create(out, name, opts);
	if (rc == 0) {
		shmrpc__channel_register(*out, opts);
		return 0;
	}
	if (rc != SHMRPC_EINUSE)
		return shmrpc__error_set(err, rc, "channel %s: cannot create "
		    "its objects: %s", name, shmrpc_strerror(rc));

	/* The name is taken.  Under the registry lock (so no other server
	 * or cleaner races us), find out by whom. */
	rc = shmrpc__registry_path(path, sizeof(path));
	if (rc == 0)
		rc = shmrpc__registry_lock(&r, path, false,
		    shmrpc__inspect_rebuild);
	if (rc < 0)
		return shmrpc__error_set(err, SHMRPC_EINUSE, "channel %s "
		    "exists, and its registry cannot be read to tell whether "
		    "it is stale: %s", name, r.why);
	rc = shmrpc__reap_channel_locked(&r, name, opts->transport,
	    note_reclaimed, NULL, &state, &why);
	log_debug("channel %s: the name is taken; reclaim: %s", name,
	    rc == 0 ? "removed" : rc == SHMRPC_ENOCHANNEL ?
	    "nothing to remove" : why.text);
	if (rc != 0 && rc != SHMRPC_ENOCHANNEL) {
		if (state == SHMRPC_STATE_LIVE || state == SHMRPC_STATE_INUSE)
			shmrpc__error_set(err, SHMRPC_EINUSE, "channel %s is "
			    "in use: %s", name, why.text);
		else
			refuse_leftovers(ops, name, state, &why, err);
		shmrpc__registry_commit(&r);
		shmrpc__registry_unlock(&r);
		return SHMRPC_EINUSE;
	}
	rc = ops->create(out, name, opts);
	if (rc == 0) {
		shmrpc__channel_entry_for(&e, *out, opts);
		rc = shmrpc__registry_put(&r, &e);
		if (rc == 0)
			rc = shmrpc__registry_commit(&r);
		if (rc < 0)
			log_warn("channel %s: not registered: %s", name,
			    r.why);
		rc = 0;
	} else if (rc == SHMRPC_EINUSE) {
		describe_leftovers(ops, name, err);
		shmrpc__registry_commit(&r);
	} else {
		shmrpc__error_set(err, rc, "channel %s: cannot create its "
		    "objects: %s", name, shmrpc_strerror(rc));
	}
	shmrpc__registry_unlock(&r);
	return rc;
}

/* ---- open: never attach to a dead server's channel ------------------------- */

/* The words for a failed ops->open of channel name: the code's own text,
 * and which transport was looked for. */
static int open_error(shmrpc_error *err, int rc, const char *name,
    const shmrpc_options *opts)
{
	return shmrpc__error_set(err, rc, "channel %s (%s transport): %s",
	    name, shmrpc_transport_name(opts->transport),
	    shmrpc_strerror(rc));
}

/* Is (name, kind) registered here with an owner that is dead, by the
 * rule of shmrpc-registry(5) (its lock, its pid where that is ours to
 * read)?  A cheap lock-free look at the one entry.  Anything unclear,
 * an owner in another PID namespace whose lock we cannot test included,
 * answers false. */
static bool registered_owner_dead(const char *name, shmrpc_transport_kind kind,
    pid_t *pid)
{
	char path[PATH_MAX];
	struct owner_verdict v;
	struct reg_entry e;
	int dir = shmrpc__shm_dirfd();

	if (dir < 0 || shmrpc__registry_path(path, sizeof(path)) < 0 ||
	    shmrpc__registry_lookup(path, name, shmrpc_transport_name(kind),
		&e) < 0)
		return false;
	/* Only an entry of this user's: a registry names no one else. */
	if (e.uid != geteuid() ||
	    shmrpc__owner_judge(dir, &e, NULL, NULL, &v) < 0)
		v.live = PROC_UNKNOWN;
	*pid = e.pid;
	shmrpc__reg_entry_clear(&e);
	return v.live == PROC_DEAD;
}

/*
 * Client side: ops->open, but a channel whose registered owner is dead
 * counts as absent, waited for as opts->wait_for_server says: a client
 * must not map a dead server's objects and so keep a new server from
 * reclaiming them.  SHMRPC_ESERVERDEAD when no new server came in time.
 */
static int open_checked(const struct transport_ops *ops,
    shmrpc_transport **out, const char *name, const shmrpc_options *opts,
    shmrpc_error *err)
{
	/* As the transports do: <= 0 means do not wait. */
	int64_t deadline = opts->wait_for_server > 0
	    ? deadline_after(opts->wait_for_server) : clock_now_ns();
	shmrpc_options o = *opts;
	pid_t pid = 0;

	for (;;) {
		/* Look before mapping anything: even a brief mapping of a dead
		 * server's objects makes a restarting server see them in use
		 * and refuse to reclaim them. */
		if (!registered_owner_dead(name, o.transport, &pid)) {
			int rc = ops->open(out, name, &o);
			if (rc < 0)
				return open_error(err, rc, name, &o);
			/* Checked again: the server may have died meanwhile. */
			if (!registered_owner_dead(name, o.transport, &pid))
				return 0;
			ops->close(*out);
			*out = NULL;
		}
		/* Its server died: attaching would only keep a restarting
		 * server from reclaiming the channel.  Wait for a new one. */
		log_debug("channel %s: registered server pid %ld is dead; not "
		    "attaching", name, (long)pid);
		if (clock_now_ns() >= deadline)
			return shmrpc__error_set(err, SHMRPC_ESERVERDEAD,
			    "channel %s: %s (pid %ld), and no new server came "
			    "yet", name, shmrpc_strerror(SHMRPC_ESERVERDEAD),
			    (long)pid);
		struct timespec ts = { 0, 10000000 };
		nanosleep(&ts, NULL);
		o.wait_for_server = (double)(deadline - clock_now_ns()) /
		    (double)NS_PER_SEC;
	}
}

#ifdef __linux__
/* Whether the first object of channel `name` of transport ops exists. */
static bool objects_exist(const struct transport_ops *ops, const char *name)
{
	char fnames[TRANSPORT_MAX_OBJECTS][TRANSPORT_FNAME_MAX];

	return ops->object_names(name, fnames, TRANSPORT_MAX_OBJECTS) > 0 &&
	    shmrpc__shmobj_exists(fnames[0]);
}

/*
 * A client that chose no transport takes the kind of channel that is
 * there: futex if there is one, else posix, which is all a Python
 * shm-rpc-bridge server speaks.  It looks for either for up to
 * opts->wait_for_server seconds, then leaves the rest of that wait to the
 * open; with neither found, futex, whose open reports the missing channel.
 */
static void detect_client_transport(const char *name, shmrpc_options *opts)
{
	const struct transport_ops *futex = shmrpc__transport_ops_for(
	    SHMRPC_TRANSPORT_FUTEX);
	const struct transport_ops *posix = shmrpc__transport_ops_for(
	    SHMRPC_TRANSPORT_POSIX);
	int64_t deadline = opts->wait_for_server > 0
	    ? deadline_after(opts->wait_for_server) : clock_now_ns();

	for (;;) {
		if (objects_exist(futex, name)) {
			opts->transport = SHMRPC_TRANSPORT_FUTEX;
			break;
		}
		if (objects_exist(posix, name)) {
			opts->transport = SHMRPC_TRANSPORT_POSIX;
			break;
		}
		if (clock_now_ns() >= deadline) {
			opts->transport = SHMRPC_TRANSPORT_FUTEX;
			break;
		}
		struct timespec ts = { 0, 5000000 };
		nanosleep(&ts, NULL);
	}
	int64_t left = deadline - clock_now_ns();
	opts->wait_for_server = left > 0 ? (double)left / NS_PER_SEC : 0;
}
#endif

/* ---- the public entry points ----------------------------------------------- */

static int open_common(shmrpc_transport **out, const char *name,
    const shmrpc_options *in, bool server, shmrpc_error *err)
{
	const struct transport_ops *ops;
	shmrpc_options opts;
	int rc;

	if (out == NULL)
		return shmrpc__error_set(err, -EINVAL, "out is NULL");
	*out = NULL;
	rc = shmrpc__name_error(err, "channel", name,
	    name != NULL ? strnlen(name, SHMRPC_NAME_MAX + 1) : 0, false);
	if (rc < 0)
		return rc;
	rc = shmrpc__options_resolve(&opts, in, server, err);
	if (rc < 0)
		return rc;
#ifdef __linux__
	if (!server && !shmrpc__options_transport_chosen(in))
		detect_client_transport(name, &opts);
#endif
	log_debug("channel %s: %s, %s transport (%s)", name, server ?
	    "creating" : "opening", shmrpc_transport_name(opts.transport),
	    shmrpc__options_transport_chosen(in) ? "as asked" : server ?
	    "the default" : "the kind of channel found, else futex");
	if (server && opts.mode != 0600 && opts.mode != 0660)
		return shmrpc__error_set(err, -EINVAL, "mode %#o: a channel's "
		    "files are 0600 (its user only) or 0660 (its group too)",
		    opts.mode);
	if (opts.buffer_size != 0 &&
	    (opts.buffer_size <= MSG_HEADER_SIZE ||
		opts.buffer_size > (size_t)UINT32_MAX))
		return shmrpc__error_set(err, -EINVAL, "buffer size %zu is "
		    "not between %u and %u", opts.buffer_size,
		    MSG_HEADER_SIZE + 1, UINT32_MAX);
	ops = shmrpc__transport_ops_for(opts.transport);
	if (ops == NULL)
		return shmrpc__error_set(err, -EPROTONOSUPPORT, "transport "
		    "%s is not in this build",
		    shmrpc_transport_name(opts.transport));
	return server ? create_reclaiming(ops, out, name, &opts, err)
		      : open_checked(ops, out, name, &opts, err);
}

SHMRPC_API int shmrpc_transport_create(shmrpc_transport **out,
    const char *name, const shmrpc_options *opts, shmrpc_error *err)
{
	return open_common(out, name, opts, true, err);
}

SHMRPC_API int shmrpc_transport_open(shmrpc_transport **out,
    const char *name, const shmrpc_options *opts, shmrpc_error *err)
{
	return open_common(out, name, opts, false, err);
}

SHMRPC_API void shmrpc_transport_close(shmrpc_transport *t)
{
	if (t == NULL)
		return;
	if (t->in_call)
		t->ops->end_call(t);
	if (t->is_server) {
		/* Objects first, then the entry: killed in between, we leave
		 * a stale entry with nothing behind it, which is reclaimed. */
		char name[SHMRPC_NAME_MAX + 1];
		shmrpc_transport_kind kind = t->kind;

		memcpy(name, t->name, sizeof(name));
		t->ops->close(t);
		shmrpc__channel_unregister(name, kind);
		return;
	}
	t->ops->close(t);
}
