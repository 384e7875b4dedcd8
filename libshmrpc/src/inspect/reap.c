/*
 * reap.c - layer: inspection.  Removing what is safe to remove, once, for
 * everyone: the shmrpc_reap_*() API (shmrpc-clean), and the reclaim of a
 * stale channel when a server opens it again (channel.c).
 *
 * The rules (shmrpc-registry(5)):
 *  - one reaper at a time per registry: its lock is held from the final
 *    check to the last unlink, and the reclaiming server keeps it until
 *    its own objects exist;
 *  - the final check is a fresh inspection under that lock: registered
 *    channels must be STALE (owner dead by its lock, or by pid and start
 *    time where that is all there is; nobody maps or holds anything),
 *    loose objects ORPHAN (unregistered, unmapped, unlocked, older than
 *    the grace period); LIVE, INUSE, RECENT and UNKNOWN are left alone;
 *  - a registry is trusted only as far as its file: entries the
 *    inspection refused (another uid than the file's owner, files outside
 *    the channel's names) are reported as failures, never reaped, and a
 *    channel's object goes only if the file itself is that user's, even
 *    for root;
 *  - squatters at registry paths (FOREIGN) go only for root asked for all
 *    users, before any registry is locked;
 *  - every object is reached relative to /dev/shm's fd, never followed,
 *    and right before it goes must still be the regular file, on
 *    /dev/shm's device, owned by the same uid, with one link, with the
 *    very inode that the inspection found unused; it then leaves its name
 *    and is looked at once more before it is removed, so that one opened
 *    meanwhile is put back (inspect/unlink.h);
 *  - the caller's own objects only, unless root with all_users;
 *  - every decision, made or refused, is told to the caller's callback
 *    with the final check's state and reason: the tools own no policy.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inspect/inspect.h"
#include "inspect/reap.h"
#include "inspect/unlink.h"
#include "os/shmobj.h"
#include "registry/registry.h"

/* One reaping run. */
struct reaper {
	shmrpc_reap_options opts;  /* resolved */
	shmrpc_reap_cb cb;
	void *arg;
	int dir;                   /* /dev/shm */
	dev_t shmdev;
	int first_failure;         /* code of the first FAILED item */
};

/* What the checks decided about one item, before anything is removed. */
struct verdict {
	shmrpc_reap_action action; /* REMOVED (removable), LEFT or FAILED */
	int code;
	shmrpc_state state;
	char why[SHMRPC_ERROR_TEXT_LENGTH];
	unsigned objects;          /* present objects it would remove */
};

static void tell(struct reaper *rp, const struct verdict *v,
    const shmrpc_channel_info *c, const shmrpc_object_info *o)
{
	shmrpc_reap_event ev = {
		.action = v->action,
		.code = v->code,
		.state = v->state,
		.reason = v->why,
		.channel = c,
		.object = o,
		.removed = v->action == SHMRPC_REAP_REMOVED ||
			v->action == SHMRPC_REAP_WOULD ? v->objects : 0,
	};

	log_debug("reap %s: %s (%s): %s", o != NULL ? o->name : c->name,
	    shmrpc_reap_action_name(v->action), shmrpc_state_name(v->state),
	    v->why);
	if (v->action == SHMRPC_REAP_FAILED && rp->first_failure == 0)
		rp->first_failure = v->code;
	if (rp->cb != NULL)
		rp->cb(&ev, rp->arg);
}

static int verdict_set(struct verdict *v, shmrpc_reap_action action,
    int code, const char *fmt, ...) SHMRPC_PRINTF(4, 5);

static int verdict_set(struct verdict *v, shmrpc_reap_action action,
    int code, const char *fmt, ...)
{
	va_list ap;

	v->action = action;
	v->code = code;
	va_start(ap, fmt);
	vsnprintf(v->why, sizeof(v->why), fmt, ap);
	va_end(ap);
	return code;
}

/* ---- the checks ------------------------------------------------------------ */

/* Not reapable in this state: the code a refusal carries. */
static int refusal_code(shmrpc_state state, bool regular)
{
	switch (state) {
	case SHMRPC_STATE_LIVE:
	case SHMRPC_STATE_INUSE:
	case SHMRPC_STATE_RECENT:
		return SHMRPC_EALIVE;
	case SHMRPC_STATE_UNKNOWN:
		return regular ? SHMRPC_EUNKNOWN : SHMRPC_ENOTOURS;
	default:
		return SHMRPC_ESTATE;
	}
}

/* May we remove object o at all (owner)?  A channel's object must be its
 * registered user's file (owner: that uid); a loose one the caller's,
 * or anyone's for root asked for all users.  0, or FAILED in v. */
static int check_owner(const struct reaper *rp, const shmrpc_object_info *o,
    const shmrpc_channel_info *c, struct verdict *v)
{
	uid_t me = geteuid();

	if (!o->present)
		return 0;
	if (c != NULL && o->uid != c->owner_uid)
		return verdict_set(v, SHMRPC_REAP_FAILED, SHMRPC_ENOTOURS,
		    "%s is owned by uid %lu, not by the channel's user uid "
		    "%lu: a registry entry never makes another user's file "
		    "reapable", o->name, (unsigned long)o->uid,
		    (unsigned long)c->owner_uid);
	if (o->uid == me)
		return 0;
	if (me != 0)
		return verdict_set(v, SHMRPC_REAP_FAILED, SHMRPC_ENOTOURS,
		    "%s is owned by uid %lu: only that user or root can "
		    "reap it", o->name, (unsigned long)o->uid);
	if (!rp->opts.all_users)
		return verdict_set(v, SHMRPC_REAP_FAILED, SHMRPC_ENOTOURS,
		    "%s is owned by uid %lu: root reaps other users' objects "
		    "only when asked for all users (shmrpc-clean -a)", o->name,
		    (unsigned long)o->uid);
	return 0;
}

/* The last look before unlinkat: the same regular file, nothing else (a
 * squatter, FOREIGN, may be anything: only its identity counts). */
static int check_identity(const struct reaper *rp, const shmrpc_object_info *o,
    shmrpc_state state, struct verdict *v)
{
	struct stat st;
	int rc = shmrpc__shmfile_stat_at(rp->dir, o->name, &st);

	if (rc == -ENOENT)
		return 0; /* gone already: nothing to do */
	if (rc < 0)
		return verdict_set(v, SHMRPC_REAP_FAILED, rc, "%s: %s",
		    o->name, shmrpc_strerror(rc));
	if (!S_ISREG(st.st_mode) && state != SHMRPC_STATE_FOREIGN)
		return verdict_set(v, SHMRPC_REAP_FAILED, SHMRPC_ENOTOURS,
		    "%s is not a regular file: left alone", o->name);
	if (st.st_dev != rp->shmdev)
		return verdict_set(v, SHMRPC_REAP_FAILED, SHMRPC_ENOTOURS,
		    "%s is not on /dev/shm's file system: left alone",
		    o->name);
	if ((uint64_t)st.st_ino != o->ino || st.st_uid != o->uid)
		return verdict_set(v, SHMRPC_REAP_FAILED, SHMRPC_EALIVE,
		    "%s was replaced while being checked: left alone",
		    o->name);
	if (st.st_nlink != 1 && state != SHMRPC_STATE_FOREIGN)
		return verdict_set(v, SHMRPC_REAP_FAILED, SHMRPC_ENOTOURS,
		    "%s got %lu hard links while being checked: left alone",
		    o->name, (unsigned long)st.st_nlink);
	return 0;
}

/*
 * Every check on one item: registered channel c of registry r, or loose
 * object o (r is the registry whose lock is held).  0 with v->action
 * REMOVED when it may go; else the code, v saying LEFT or FAILED and why.
 */
static int check_item(const struct reaper *rp, const struct registry *r,
    const shmrpc_channel_info *c, const shmrpc_object_info *o,
    struct verdict *v)
{
	const shmrpc_object_info *objs = c != NULL ? c->objects : o;
	size_t n = c != NULL ? c->nobjects : 1;
	shmrpc_state state = c != NULL ? c->state : o->state;
	const char *reason = c != NULL ? c->reason : o->reason;
	int rc;

	memset(v, 0, sizeof(*v));
	v->state = state;
	if (c != NULL && c->refused)
		return verdict_set(v, SHMRPC_REAP_FAILED, SHMRPC_ENOTOURS,
		    "refused: %s", reason);
	if (c == NULL && state == SHMRPC_STATE_FOREIGN &&
	    !(geteuid() == 0 && rp->opts.all_users))
		return verdict_set(v, SHMRPC_REAP_FAILED, SHMRPC_ENOTOURS,
		    "%s", reason);
	if (state != (c != NULL ? SHMRPC_STATE_STALE : SHMRPC_STATE_ORPHAN) &&
	    !(c == NULL && state == SHMRPC_STATE_FOREIGN))
		return verdict_set(v, SHMRPC_REAP_LEFT,
		    refusal_code(state, c != NULL || o->regular), "%s",
		    reason);
	if (c != NULL && strcmp(c->registry, r->path) != 0)
		return verdict_set(v, SHMRPC_REAP_FAILED, SHMRPC_ENOTOURS,
		    "channel %s is listed in registry %s of uid %lu: root "
		    "reaps other users' channels only when asked for all "
		    "users (shmrpc-clean -a)", c->name, c->registry,
		    (unsigned long)c->owner_uid);
	for (size_t k = 0; k < n; k++)
		if ((rc = check_owner(rp, &objs[k], c, v)) < 0)
			return rc;
	for (size_t k = 0; k < n; k++) {
		if (!objs[k].present)
			continue;
		if ((rc = check_identity(rp, &objs[k], state, v)) < 0)
			return rc;
		v->objects++;
	}
	return verdict_set(v, SHMRPC_REAP_REMOVED, 0, "%s", reason);
}

/* ---- removing what passed ---------------------------------------------------- */

/* One item of a reap: a registered channel or a loose object, and what
 * was decided about it. */
struct item {
	const shmrpc_channel_info *c;
	const shmrpc_object_info *o;
	struct verdict v;
};

/*
 * Remove the items that check_item() passed (v.action REMOVED), all at
 * once (inspect/unlink.h): their files, then (not committed) the registry
 * entries of the channels whose files all went.  together: all or none.
 * A dry run only says WOULD.  Each item's verdict is final afterwards.
 */
static int remove_items(const struct reaper *rp, struct registry *r,
    struct item *it, size_t n, bool together)
{
	struct doomed *d;
	size_t nd = 0;

	if (rp->opts.dry_run) {
		for (size_t i = 0; i < n; i++)
			if (it[i].v.action == SHMRPC_REAP_REMOVED)
				it[i].v.action = SHMRPC_REAP_WOULD;
		return 0;
	}
	d = calloc(n ? n : 1, sizeof(*d));
	if (d == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (it[i].v.action != SHMRPC_REAP_REMOVED)
			continue;
		d[nd].objs = it[i].c != NULL ? it[i].c->objects : it[i].o;
		d[nd++].n = it[i].c != NULL ? it[i].c->nobjects : 1;
	}
	shmrpc__reap_unlink(rp->dir, rp->shmdev, d, nd, together);
	nd = 0;
	for (size_t i = 0; i < n; i++) {
		const shmrpc_channel_info *c = it[i].c;
		if (it[i].v.action != SHMRPC_REAP_REMOVED)
			continue;
		if (d[nd].rc != 0) {
			/* Reapable, yet not removed: a failure, never a
			 * quiet skip. */
			verdict_set(&it[i].v, SHMRPC_REAP_FAILED, d[nd].rc,
			    "%s", d[nd].why);
		} else if (c != NULL) {
			ssize_t at = shmrpc__registry_find(r, c->name,
			    c->transport_name);
			if (at >= 0)
				shmrpc__registry_remove_at(r, (size_t)at);
		}
		nd++;
	}
	free(d);
	return 0;
}

/* ---- the final inspection --------------------------------------------------- */

/* A fresh snapshot under r's lock: r's entries as held, the other
 * registries as read, every mapper looked for whatever the caller asked (a
 * reap decides on them), and no counters (a reap never reads them).  Root
 * sees every user's objects, so that it can say which it leaves. */
static int final_check(const struct reaper *rp, struct registry *r,
    const char *channel, const char *prefix, shmrpc_inspection **out)
{
	shmrpc_inspect_options io;
	struct inspect_source src = { r->path, NULL, 0 };
	struct reg_entry *v = NULL;
	int rc;

	shmrpc__inspect_options_resolve(&io, NULL);
	io.grace = rp->opts.grace;
	io.channel = channel;
	io.prefix = prefix;
	io.all_users = geteuid() == 0;
	io.skip_counters = 1;
	rc = shmrpc__registry_entries(r, &v, &src.n);
	if (rc < 0)
		return rc;
	src.entries = v;
	rc = shmrpc__inspect_build(out, &io, &src, r->owner);
	shmrpc__reg_entries_free(v, src.n);
	return rc;
}

static int reaper_init(struct reaper *rp, const shmrpc_reap_options *in,
    shmrpc_reap_cb cb, void *arg, shmrpc_error *err)
{
	struct stat st;
	static const shmrpc_reap_options defaults = {
		.size = sizeof(shmrpc_reap_options), .grace = -1 };

	memset(rp, 0, sizeof(*rp));
	rp->opts = defaults;
	if (in != NULL && shmrpc__struct_export(&rp->opts, sizeof(rp->opts), in,
			      offsetof(shmrpc_reap_options, grace) +
				  sizeof(in->grace)) < 0)
		return shmrpc__error_set(err, -EINVAL, "options not "
		    "initialised with shmrpc_reap_options_init()");
	rp->opts.size = sizeof(rp->opts);
	if (rp->opts.all_users && geteuid() != 0)
		return shmrpc__error_set(err, -EPERM, "reaping all users' "
		    "objects needs root");
	rp->cb = cb;
	rp->arg = arg;
	rp->dir = shmrpc__shm_dirfd();
	if (rp->dir < 0)
		return shmrpc__error_set(err, rp->dir, "/dev/shm: %s",
		    shmrpc_strerror(rp->dir));
	if (fstat(rp->dir, &st) < 0)
		return shmrpc__error_set(err, -errno, "/dev/shm: %s",
		    strerror(errno));
	rp->shmdev = st.st_dev;
	return 0;
}

/* ---- one name, all or nothing ------------------------------------------------ */

/*
 * The items of one name in snapshot s: its registered channels (of
 * transport kind; DEFAULT: any), then its loose objects (only `object`,
 * when given), at most max.  Their number, or SHMRPC_ESTATE (with err and
 * *state) when `object` belongs to a registered channel.
 */
static int name_items(shmrpc_inspection *s, const char *object,
    shmrpc_transport_kind kind, struct item *it, size_t max,
    shmrpc_state *state, shmrpc_error *err)
{
	size_t n = 0;

	for (size_t i = 0; i < shmrpc_inspection_channel_count(s); i++) {
		const shmrpc_channel_info *c = shmrpc_inspection_channel(s, i);
		if (kind != SHMRPC_TRANSPORT_DEFAULT && c->transport != kind)
			continue;
		for (size_t k = 0; object != NULL && k < c->nobjects; k++)
			if (strcmp(c->objects[k].name, object) == 0) {
				*state = c->state;
				return shmrpc__error_set(err, SHMRPC_ESTATE,
				    "%s belongs to registered channel %s: "
				    "reap the channel", object, c->name);
			}
		if (object == NULL && n < max)
			it[n++].c = c;
	}
	for (size_t i = 0; i < shmrpc_inspection_object_count(s); i++) {
		const shmrpc_object_info *o = shmrpc_inspection_object(s, i);
		if ((kind != SHMRPC_TRANSPORT_DEFAULT && o->transport != kind) ||
		    (object != NULL && strcmp(o->name, object) != 0))
			continue;
		if (n < max)
			it[n++].o = o;
	}
	return (int)n;
}

/*
 * Reap, in the registry r (locked by the caller), channel `channel` of
 * transport kind (DEFAULT: any), or only its loose object `object`: every
 * entry and loose object of that name must pass, or nothing is removed.
 * Returns 0, SHMRPC_ENOCHANNEL, or the code of the item that blocked it
 * (its reason in err, its state in *state).
 */
static int reap_name(struct reaper *rp, struct registry *r,
    const char *channel, const char *object, shmrpc_transport_kind kind,
    shmrpc_state *state, shmrpc_error *err)
{
	struct item it[80];
	size_t n, blocked = SIZE_MAX;
	shmrpc_inspection *s = NULL;
	int rc;

	memset(it, 0, sizeof(it));
	*state = SHMRPC_STATE_UNKNOWN;
	rc = final_check(rp, r, channel, NULL, &s);
	if (rc < 0)
		return shmrpc__error_set(err, rc, "cannot inspect: %s",
		    shmrpc_strerror(rc));
	rc = name_items(s, object, kind, it, ARRAY_LEN(it), state, err);
	if (rc <= 0) {
		if (rc == 0)
			rc = shmrpc__error_set(err, SHMRPC_ENOCHANNEL, "%s: "
			    "nothing of that name", object ? object : channel);
		goto out;
	}
	n = (size_t)rc;
	/* Every part must be removable, or nothing is removed. */
	for (size_t i = 0; i < n; i++)
		if (check_item(rp, r, it[i].c, it[i].o, &it[i].v) < 0 &&
		    blocked == SIZE_MAX)
			blocked = i;
	for (size_t i = 0; blocked != SIZE_MAX && i < n; i++)
		if (it[i].v.action == SHMRPC_REAP_REMOVED)
			/* Reapable, yet left: said as a failure, never a
			 * quiet skip. */
			verdict_set(&it[i].v, SHMRPC_REAP_FAILED,
			    it[blocked].v.code, "reapable, but not removed: "
			    "%s", it[blocked].v.why);
	if (blocked == SIZE_MAX && (rc = remove_items(rp, r, it, n, true)) < 0) {
		shmrpc__error_set(err, rc, "cannot remove: %s",
		    shmrpc_strerror(rc));
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (it[i].v.action == SHMRPC_REAP_FAILED && blocked == SIZE_MAX)
			blocked = i;
		tell(rp, &it[i].v, it[i].c, it[i].o);
	}
	if (blocked != SIZE_MAX) {
		*state = it[blocked].v.state;
		rc = shmrpc__error_set(err, it[blocked].v.code, "%s%s is %s: %s",
		    it[blocked].c != NULL ? "channel " : "",
		    it[blocked].c != NULL ? it[blocked].c->name
					  : it[blocked].o->name,
		    shmrpc_state_name(it[blocked].v.state), it[blocked].v.why);
		goto out;
	}
	*state = it[0].c != NULL ? SHMRPC_STATE_STALE : SHMRPC_STATE_ORPHAN;
	rc = shmrpc__registry_commit(r);
	if (rc < 0)
		shmrpc__error_set(err, rc, "objects removed, but registry %s "
		    "cannot be written: %s", r->path, shmrpc_strerror(rc));
out:
	shmrpc_inspection_free(s);
	return rc;
}

int shmrpc__reap_channel_locked(struct registry *r, const char *channel,
    shmrpc_transport_kind kind, shmrpc_reap_cb cb, void *arg,
    shmrpc_state *state, shmrpc_error *err)
{
	struct reaper rp;
	int rc = reaper_init(&rp, NULL, cb, arg, err);

	if (rc < 0)
		return rc;
	return reap_name(&rp, r, channel, NULL, kind, state, err);
}

/* Nothing of ours by that name: say why, if another user's file or a
 * non-file is there.  0 when nothing is. */
static int explain_missing(const char *fname, shmrpc_error *err)
{
	int dir = shmrpc__shm_dirfd();
	struct stat st;

	if (dir < 0 || shmrpc__shmfile_stat_at(dir, fname, &st) < 0)
		return 0;
	if (!S_ISREG(st.st_mode))
		return shmrpc__error_set(err, SHMRPC_ENOTOURS,
		    "%s is not a regular file: left alone", fname);
	if (st.st_uid != geteuid())
		return shmrpc__error_set(err, SHMRPC_ENOTOURS,
		    "%s is owned by uid %lu: only that user or root (asking "
		    "for all users) can reap it", fname,
		    (unsigned long)st.st_uid);
	return 0;
}

static void explain_missing_channel(const char *channel, shmrpc_error *err)
{
	static const shmrpc_transport_kind kinds[] = { SHMRPC_TRANSPORT_POSIX,
		SHMRPC_TRANSPORT_FUTEX };

	for (size_t k = 0; k < ARRAY_LEN(kinds); k++) {
		const struct transport_ops *ops =
		    shmrpc__transport_ops_for(kinds[k]);
		char names[TRANSPORT_MAX_OBJECTS][TRANSPORT_FNAME_MAX];
		int n = ops != NULL ? ops->object_names(channel, names,
					  TRANSPORT_MAX_OBJECTS) : 0;

		for (int i = 0; i < n; i++)
			if (explain_missing(names[i], err) < 0)
				return;
	}
}

/* Which registry to lock for a reap of channel: ours, or for root with
 * all_users the one that lists the channel, or the registry of its loose
 * objects' owner. */
static int registry_for(const struct reaper *rp, const char *channel,
    char *path, size_t len)
{
	shmrpc_inspect_options io;
	shmrpc_inspection *s;
	int rc;

	if (!rp->opts.all_users)
		return shmrpc__registry_path(path, len);
	shmrpc__inspect_options_resolve(&io, NULL);
	io.channel = channel;
	io.all_users = 1;
	io.skip_counters = 1;
	rc = shmrpc__inspect_build(&s, &io, NULL, geteuid());
	if (rc < 0)
		return rc;
	if (shmrpc_inspection_channel_count(s) > 0)
		snprintf(path, len, "%s",
		    shmrpc_inspection_channel(s, 0)->registry);
	else if (shmrpc_inspection_object_count(s) > 0)
		rc = shmrpc__registry_path_for_uid(
		    shmrpc_inspection_object(s, 0)->uid, path, len);
	else
		rc = shmrpc__registry_path(path, len);
	shmrpc_inspection_free(s);
	return rc;
}

static int reap_one(const char *channel, const char *object,
    const shmrpc_reap_options *opts, shmrpc_reap_cb cb, void *arg,
    shmrpc_error *err)
{
	struct reaper rp;
	shmrpc_state state;
	char path[PATH_MAX];
	struct registry r;
	int rc;

	if ((rc = reaper_init(&rp, opts, cb, arg, err)) < 0)
		return rc;
	if ((rc = registry_for(&rp, channel, path, sizeof(path))) < 0)
		return shmrpc__error_set(err, rc, "registry: %s",
		    shmrpc_strerror(rc));
	rc = shmrpc__registry_lock(&r, path, true, shmrpc__inspect_rebuild);
	if (rc < 0)
		return shmrpc__error_set(err, rc, "%s", r.why);
	rc = reap_name(&rp, &r, channel, object, SHMRPC_TRANSPORT_DEFAULT,
	    &state, err);
	/* Commit a repair made while locking, even if we reaped nothing. */
	shmrpc__registry_commit(&r);
	shmrpc__registry_unlock(&r);
	if (rc == SHMRPC_ENOCHANNEL) {
		if (object != NULL)
			explain_missing(object, err);
		else
			explain_missing_channel(channel, err);
		if (err != NULL)
			rc = err->code;
	}
	return rc;
}

SHMRPC_API int shmrpc_reap_channel(const char *name,
    const shmrpc_reap_options *opts, shmrpc_reap_cb cb, void *arg,
    shmrpc_error *err)
{
	int rc = shmrpc_name_check(name);

	if (rc < 0)
		return shmrpc__error_set(err, rc, "invalid channel name");
	return reap_one(name, NULL, opts, cb, arg, err);
}

SHMRPC_API int shmrpc_reap_object(const char *fname,
    const shmrpc_reap_options *opts, shmrpc_reap_cb cb, void *arg,
    shmrpc_error *err)
{
	char channel[SHMRPC_NAME_MAX + 1];
	shmrpc_transport_kind kind;

	if (fname == NULL || strchr(fname, '/') != NULL ||
	    !shmrpc__inspect_match_object(fname, channel, sizeof(channel),
		&kind))
		return shmrpc__error_set(err, SHMRPC_ENOCHANNEL, "%s: not an "
		    "object of a shmrpc channel", fname ? fname : "(null)");
	return reap_one(channel, fname, opts, cb, arg, err);
}

/* ---- many at once: one lock and one final inspection per registry ---------- */

/*
 * Under registry r's lock: every channel of r in scope, and with
 * `loose` every loose object in scope (of the caller's registry pass
 * only, so that each is decided once), each checked and removed on its
 * own.  Channels of other registries are decided here only when the
 * caller does not reap all users (root then says why it leaves them).
 */
static int reap_registry(struct reaper *rp, struct registry *r, bool loose)
{
	shmrpc_inspection *s = NULL;
	size_t nc, no, n = 0;
	struct item *it;
	int rc;

	rc = final_check(rp, r, rp->opts.channel, rp->opts.prefix, &s);
	if (rc < 0)
		return rc;
	nc = shmrpc_inspection_channel_count(s);
	no = loose ? shmrpc_inspection_object_count(s) : 0;
	it = calloc(nc + no + 1, sizeof(*it));
	if (it == NULL) {
		shmrpc_inspection_free(s);
		return -ENOMEM;
	}
	for (size_t i = 0; i < nc; i++) {
		const shmrpc_channel_info *c = shmrpc_inspection_channel(s, i);
		bool mine = strcmp(c->registry, r->path) == 0;
		if (!mine && (rp->opts.all_users || !loose))
			continue; /* decided in its own registry's pass */
		it[n].c = c;
		check_item(rp, r, c, NULL, &it[n++].v);
	}
	for (size_t i = 0; i < no; i++) {
		const shmrpc_object_info *o = shmrpc_inspection_object(s, i);
		if (o->state == SHMRPC_STATE_FOREIGN && rp->opts.all_users)
			continue; /* reap_squatters() decided it */
		it[n].o = o;
		check_item(rp, r, NULL, o, &it[n++].v);
	}
	/* One more look at the processes for all of them, not one each. */
	rc = remove_items(rp, r, it, n, false);
	for (size_t i = 0; rc == 0 && i < n; i++)
		tell(rp, &it[i].v, it[i].c, it[i].o);
	free(it);
	shmrpc_inspection_free(s);
	return rc < 0 ? rc : shmrpc__registry_commit(r);
}

/*
 * Root, all users: remove the squatters at every user's registry paths
 * in snapshot s (FOREIGN: another user's file, or not a regular file, at
 * shmrpc-registry-<uid>.json, .lock or .tmp) before any registry is
 * locked, since a squatted lock would keep that user's registry from
 * being locked, and its user's servers from registering.  Each is told.
 */
static void reap_squatters(struct reaper *rp, shmrpc_inspection *s)
{
	for (size_t i = 0; i < shmrpc_inspection_object_count(s); i++) {
		const shmrpc_object_info *o = shmrpc_inspection_object(s, i);
		struct verdict v;
		int rc;

		if (o->state != SHMRPC_STATE_FOREIGN)
			continue;
		memset(&v, 0, sizeof(v));
		v.state = o->state;
		if (check_identity(rp, o, o->state, &v) == 0) {
			v.objects = 1;
			verdict_set(&v, rp->opts.dry_run ? SHMRPC_REAP_WOULD
			    : SHMRPC_REAP_REMOVED, 0, "squatter: %s",
			    o->reason);
			if (!rp->opts.dry_run &&
			    (rc = shmrpc__shmfile_unlink_at(rp->dir,
				 o->name)) < 0)
				verdict_set(&v, SHMRPC_REAP_FAILED, rc,
				    "%s: %s", o->name, shmrpc_strerror(rc));
		}
		tell(rp, &v, NULL, o);
	}
}

/* Every registry file of every user in snapshot s (root, all_users),
 * besides ours, into a new array. */
static int other_registries(const shmrpc_inspection *s, const char *mine,
    char ***out, size_t *n)
{
	char **v = NULL;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < shmrpc_inspection_channel_count(s); i++) {
		const char *p = shmrpc_inspection_channel(s, i)->registry;
		size_t j;
		if (strcmp(p, mine) == 0)
			continue;
		for (j = 0; j < k && strcmp(v[j], p) != 0; j++)
			;
		if (j < k)
			continue;
		char **grown = realloc(v, (k + 1) * sizeof(*v));
		if (grown == NULL || (grown[k] = strdup(p)) == NULL) {
			free(grown != NULL ? grown : v);
			return -ENOMEM;
		}
		v = grown;
		k++;
	}
	*out = v;
	*n = k;
	return 0;
}

/*
 * Root, all users: one look at everything first (no mappers of live
 * channels, no counters), for the squatters at registry paths, removed
 * before any registry is locked (unless the run is narrowed to a channel
 * or prefix), and for the list of registries to reap.
 */
static int all_users_first(struct reaper *rp, const char *mine,
    char ***others, size_t *nothers)
{
	shmrpc_inspect_options io;
	shmrpc_inspection *s;
	int rc;

	shmrpc__inspect_options_resolve(&io, NULL);
	io.all_users = 1;
	io.skip_counters = 1;
	io.skip_live_mappers = 1;
	rc = shmrpc__inspect_build(&s, &io, NULL, geteuid());
	if (rc < 0)
		return rc;
	if (rp->opts.channel == NULL && rp->opts.prefix == NULL)
		reap_squatters(rp, s);
	rc = other_registries(s, mine, others, nothers);
	shmrpc_inspection_free(s);
	return rc;
}

static int reap_path(struct reaper *rp, const char *path, bool loose,
    shmrpc_error *err)
{
	struct registry r;
	int rc;

	rc = shmrpc__registry_lock(&r, path, true, shmrpc__inspect_rebuild);
	if (rc < 0)
		return shmrpc__error_set(err, rc, "%s", r.why);
	rc = reap_registry(rp, &r, loose);
	if (rc < 0)
		shmrpc__error_set(err, rc, "%s", r.why[0] != '\0' ? r.why :
		    shmrpc_strerror(rc));
	shmrpc__registry_unlock(&r);
	return rc;
}

SHMRPC_API int shmrpc_reap_all(const shmrpc_reap_options *opts,
    shmrpc_reap_cb cb, void *arg, shmrpc_error *err)
{
	struct reaper rp;
	char path[PATH_MAX];
	char **others = NULL;
	size_t nothers = 0;
	int rc;

	if ((rc = reaper_init(&rp, opts, cb, arg, err)) < 0)
		return rc;
	if ((rc = shmrpc__registry_path(path, sizeof(path))) < 0)
		return shmrpc__error_set(err, rc, "registry: %s",
		    shmrpc_strerror(rc));
	if (rp.opts.all_users &&
	    (rc = all_users_first(&rp, path, &others, &nothers)) < 0)
		return shmrpc__error_set(err, rc, "cannot list the "
		    "registries: %s", shmrpc_strerror(rc));
	rc = reap_path(&rp, path, true, err);
	for (size_t i = 0; i < nothers; i++) {
		int orc = reap_path(&rp, others[i], false, err);
		if (rc == 0)
			rc = orc;
		free(others[i]);
	}
	free(others);
	if (rc == 0 && rp.first_failure != 0)
		rc = shmrpc__error_set(err, rp.first_failure, "some objects "
		    "could not be reaped");
	return rc;
}

SHMRPC_API const char *shmrpc_reap_action_name(shmrpc_reap_action action)
{
	switch (action) {
	case SHMRPC_REAP_REMOVED:
		return "removed";
	case SHMRPC_REAP_WOULD:
		return "would remove";
	case SHMRPC_REAP_LEFT:
		return "left";
	case SHMRPC_REAP_FAILED:
		return "failed";
	}
	return "unknown";
}

SHMRPC_API void shmrpc_reap_options_init_size(shmrpc_reap_options *opts,
    size_t size)
{
	shmrpc_reap_options d = { .size = sizeof(d), .grace = -1 };

	if (opts == NULL || size < sizeof(opts->size))
		return;
	shmrpc__struct_import(opts, size, &d, sizeof(d));
	opts->size = size;
}
