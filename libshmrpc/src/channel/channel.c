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
#include "inspect/reap.h"
#include "os/procinfo.h"
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
	if (shmrpc__proc_comm(e->pid, e->comm, sizeof(e->comm)) < 0)
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
		log_warn("channel %s: not registered: %s", t->name,
		    shmrpc_strerror(rc));
		return;
	}
	rc = shmrpc__registry_put(&r, &e);
	if (rc == 0)
		rc = shmrpc__registry_commit(&r);
	shmrpc__registry_unlock(&r);
	if (rc < 0)
		log_warn("channel %s: not registered in %s: %s", t->name, path,
		    shmrpc_strerror(rc));
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
		log_warn("channel %s: cannot unregister: %s", name,
		    shmrpc_strerror(rc));
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
		log_warn("channel %s: cannot unregister: %s", name,
		    shmrpc_strerror(rc));
}

/* ---- create: reclaim what a dead server left ------------------------------- */

/* Why create still says EINUSE after the reclaim attempt. */
static void describe_leftovers(const struct transport_ops *ops,
    const char *name)
{
	char names[TRANSPORT_MAX_OBJECTS][TRANSPORT_FNAME_MAX];
	int dir = shmrpc__shm_dirfd();
	int n = ops->object_names(name, names, TRANSPORT_MAX_OBJECTS);
	struct stat st;

	for (int i = 0; i < n && dir >= 0; i++) {
		if (shmrpc__shmfile_stat_at(dir, names[i], &st) < 0)
			continue;
		if (!S_ISREG(st.st_mode))
			shmrpc__last_error_set("channel %s: /dev/shm/%s "
			    "exists and is not a regular file", name,
			    names[i]);
		else
			shmrpc__last_error_set("channel %s: /dev/shm/%s "
			    "exists, owned by uid %lu, and is not ours to "
			    "reclaim", name, names[i],
			    (unsigned long)st.st_uid);
		return;
	}
	shmrpc__last_error_set("channel %s is being created by another process",
	    name);
}

/*
 * Server side: ops->create, and register the channel.  When the name is
 * taken: under the registry lock, reclaim it if what is there is stale
 * (registered owner dead, nobody maps it) or orphaned, with a log line,
 * and create again; otherwise SHMRPC_EINUSE with shmrpc_last_error_text()
 * saying who holds it.
 */
static int create_reclaiming(const struct transport_ops *ops,
    shmrpc_transport **out, const char *name, const shmrpc_options *opts)
{
	shmrpc_reap_result res;
	char path[PATH_MAX];
	struct registry r;
	struct reg_entry e;
	int rc;

	rc = ops->create(out, name, opts);
	if (rc == 0) {
		shmrpc__channel_register(*out, opts);
		return 0;
	}
	if (rc != SHMRPC_EINUSE)
		return rc;

	/* The name is taken.  Under the registry lock (so no other server
	 * or cleaner races us), find out by whom. */
	rc = shmrpc__registry_path(path, sizeof(path));
	if (rc == 0)
		rc = shmrpc__registry_lock(&r, path, false,
		    shmrpc__inspect_rebuild);
	if (rc < 0) {
		shmrpc__last_error_set("channel %s exists, and registry %s "
		    "cannot be read to tell whether it is stale: %s", name,
		    path, shmrpc_strerror(rc));
		return SHMRPC_EINUSE;
	}
	rc = shmrpc__reap_channel_locked(&r, name, opts->transport, &res);
	if (rc == 0) {
		log_warn("channel %s: reclaimed what a dead server left: %s",
		    name, res.text);
	} else if (rc != SHMRPC_ENOCHANNEL) {
		if (res.state == SHMRPC_STATE_LIVE ||
		    res.state == SHMRPC_STATE_INUSE)
			shmrpc__last_error_set("channel %s is in use: %s", name,
			    res.text);
		else
			shmrpc__last_error_set("channel %s exists and was left "
			    "alone: %s", name, res.text);
		log_info("%s", shmrpc_last_error_text());
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
			log_warn("channel %s: not registered in %s: %s", name,
			    path, shmrpc_strerror(rc));
		rc = 0;
	} else if (rc == SHMRPC_EINUSE) {
		describe_leftovers(ops, name);
		shmrpc__registry_commit(&r);
	}
	shmrpc__registry_unlock(&r);
	return rc;
}

/* ---- open: never attach to a dead server's channel ------------------------- */

/* Is (name, kind) registered here with an owner that is dead?  A cheap
 * lock-free look at the one entry.  Anything unclear answers false. */
static bool registered_owner_dead(const char *name, shmrpc_transport_kind kind,
    pid_t *pid)
{
	char path[PATH_MAX];
	struct reg_entry e;
	bool dead;

	if (shmrpc__registry_path(path, sizeof(path)) < 0 ||
	    shmrpc__registry_lookup(path, name, shmrpc_transport_name(kind),
		&e) < 0)
		return false;
	dead = shmrpc__proc_liveness(e.pid, e.start) == PROC_DEAD;
	*pid = e.pid;
	shmrpc__reg_entry_clear(&e);
	return dead;
}

/*
 * Client side: ops->open, but a channel whose registered owner is dead
 * counts as absent, waited for as opts->wait_for_server says: a client
 * must not map a dead server's objects and so keep a new server from
 * reclaiming them.  SHMRPC_ESERVERDEAD when no new server came in time.
 */
static int open_checked(const struct transport_ops *ops,
    shmrpc_transport **out, const char *name, const shmrpc_options *opts)
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
			/* Checked again: the server may have died meanwhile. */
			if (rc < 0 ||
			    !registered_owner_dead(name, o.transport, &pid))
				return rc;
			ops->close(*out);
			*out = NULL;
		}
		/* Its server died: attaching would only keep a restarting
		 * server from reclaiming the channel.  Wait for a new one. */
		shmrpc__last_error_set("channel %s: its server (pid %ld) died; "
		    "no new server yet", name, (long)pid);
		if (clock_now_ns() >= deadline)
			return SHMRPC_ESERVERDEAD;
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
    const shmrpc_options *in, bool server)
{
	const struct transport_ops *ops;
	shmrpc_options opts;
	int rc;

	if (out == NULL)
		return -EINVAL;
	*out = NULL;
	shmrpc__last_error_clear();
	rc = shmrpc_name_check(name);
	if (rc < 0)
		return rc;
	shmrpc__options_resolve(&opts, in, server);
#ifdef __linux__
	if (!server && !shmrpc__options_transport_chosen(in))
		detect_client_transport(name, &opts);
#endif
	if (opts.buffer_size != 0 &&
	    (opts.buffer_size <= MSG_HEADER_SIZE ||
		opts.buffer_size > (size_t)UINT32_MAX))
		return -EINVAL;
	ops = shmrpc__transport_ops_for(opts.transport);
	if (ops == NULL)
		return -EPROTONOSUPPORT;
	return server ? create_reclaiming(ops, out, name, &opts)
		      : open_checked(ops, out, name, &opts);
}

SHMRPC_API int shmrpc_transport_create(shmrpc_transport **out,
    const char *name, const shmrpc_options *opts)
{
	return open_common(out, name, opts, true);
}

SHMRPC_API int shmrpc_transport_open(shmrpc_transport **out,
    const char *name, const shmrpc_options *opts)
{
	return open_common(out, name, opts, false);
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
