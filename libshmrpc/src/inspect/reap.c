/*
 * reap.c - layer: inspection.  Removing what is safe to remove, once, for
 * everyone: the shmrpc_reap_*() API (shmrpc-clean) and the reclaim of a
 * stale channel when a server opens it again.
 *
 * The rules (shmrpc-registry(5)):
 *  - one reaper at a time: the registry's lock is held from the final
 *    check to the last unlink, and the reclaiming server keeps it until its
 *    own objects exist;
 *  - the final check is a fresh inspection under that lock: registered
 *    channels must be STALE (owner dead by pid and start time, nobody maps
 *    anything), loose objects ORPHAN (unregistered, unmapped, older than
 *    the grace period); LIVE, INUSE, RECENT and UNKNOWN are left alone;
 *  - every object is reached relative to /dev/shm's fd, never followed,
 *    and right before unlinkat() must still be the regular file, on
 *    /dev/shm's device, owned by the same uid, with the very inode that
 *    the inspection found unused;
 *  - the caller's own objects only, unless root with all_users.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inspect/inspect.h"
#include "inspect/reap.h"
#include "registry/registry.h"
#include "os/shmobj.h"

/* ---- reaping under the lock ------------------------------------------------ */

static int result(shmrpc_reap_result *res, int code, shmrpc_state state,
    const char *fmt, ...) SHMRPC_PRINTF(4, 5);

static int result(shmrpc_reap_result *res, int code, shmrpc_state state,
    const char *fmt, ...)
{
	va_list ap;

	res->code = code;
	res->state = state;
	va_start(ap, fmt);
	vsnprintf(res->text, sizeof(res->text), fmt, ap);
	va_end(ap);
	return code;
}

/* May we remove object o at all (owner)?  0, or SHMRPC_ENOTOURS with the
 * reason in res. */
static int check_owner(const shmrpc_object_info *o, uid_t registry_owner,
    const shmrpc_inspect_options *opts, shmrpc_reap_result *res)
{
	uid_t me = geteuid();

	if (!o->present || o->uid == me)
		return 0;
	if (me != 0)
		return result(res, SHMRPC_ENOTOURS, o->state,
		    "%s: owned by uid %lu: run as that user or root", o->name,
		    (unsigned long)o->uid);
	if (!opts->all_users && o->uid != registry_owner)
		return result(res, SHMRPC_ENOTOURS, o->state,
		    "%s: owned by uid %lu: ask for all users to reap it",
		    o->name, (unsigned long)o->uid);
	return 0;
}

/* The last look before unlinkat: the same regular file, nothing else. */
static int check_identity(int dir, dev_t shmdev, const shmrpc_object_info *o,
    shmrpc_reap_result *res)
{
	struct stat st;
	int rc = shmrpc__shmfile_stat_at(dir, o->name, &st);

	if (rc == -ENOENT)
		return 0; /* gone already: nothing to do */
	if (rc < 0)
		return result(res, rc, o->state, "%s: %s", o->name,
		    shmrpc_strerror(rc));
	if (!S_ISREG(st.st_mode))
		return result(res, SHMRPC_ENOTOURS, o->state,
		    "%s: not a regular file: left alone", o->name);
	if (st.st_dev != shmdev)
		return result(res, SHMRPC_ENOTOURS, o->state,
		    "%s: not on /dev/shm's file system: left alone", o->name);
	if ((uint64_t)st.st_ino != o->ino || st.st_uid != o->uid)
		return result(res, SHMRPC_EALIVE, o->state,
		    "%s: replaced while being checked: left alone", o->name);
	return 0;
}

static int refusal(const char *what, shmrpc_state state, const char *reason,
    bool regular, shmrpc_reap_result *res)
{
	int code;

	switch (state) {
	case SHMRPC_STATE_LIVE:
	case SHMRPC_STATE_INUSE:
	case SHMRPC_STATE_RECENT:
		code = SHMRPC_EALIVE;
		break;
	case SHMRPC_STATE_UNKNOWN:
		code = regular ? SHMRPC_EUNKNOWN : SHMRPC_ENOTOURS;
		break;
	default:
		code = SHMRPC_ESTATE;
		break;
	}
	return result(res, code, state, "%s is %s: %s", what,
	    shmrpc_state_name(state), reason);
}

/* The options of a final check: the caller's selection and grace, but
 * every mapper looked for whatever the caller asked (a reap decides on
 * them), and no counters (a reap never reads them). */
static shmrpc_inspect_options final_check_opts(const shmrpc_inspect_options *in)
{
	shmrpc_inspect_options o = *in;

	o.skip_live_mappers = 0;
	o.skip_counters = 1;
	return o;
}

/*
 * Reap, in the registry r (locked by the caller), channel `channel` of
 * transport kind (DEFAULT: any), or only its loose object `object`.
 */
static int reap_locked(struct registry *r, const shmrpc_inspect_options *in,
    const char *channel, const char *object, shmrpc_transport_kind kind,
    shmrpc_reap_result *res)
{
	const shmrpc_channel_info *chs[16];
	const shmrpc_object_info *loose[64];
	size_t nch = 0, nloose = 0;
	shmrpc_inspect_options opts = final_check_opts(in);
	struct inspect_source src = { r->path, NULL, 0 };
	struct reg_entry *v = NULL;
	shmrpc_inspection *s = NULL;
	struct stat dirst;
	int dir = shmrpc__shm_dirfd(), rc;
	unsigned removed = 0;

	if (dir < 0)
		return result(res, dir, SHMRPC_STATE_UNKNOWN, "/dev/shm: %s",
		    shmrpc_strerror(dir));
	if (fstat(dir, &dirst) < 0)
		return result(res, -errno, SHMRPC_STATE_UNKNOWN,
		    "/dev/shm: %s", strerror(errno));
	rc = shmrpc__registry_entries(r, &v, &src.n);
	if (rc < 0)
		return result(res, rc, SHMRPC_STATE_UNKNOWN, "registry %s: %s",
		    r->path, shmrpc_strerror(rc));
	src.entries = v;
	opts.channel = channel;
	opts.prefix = NULL;
	/* The final check: a fresh look at the registry we hold, /dev/shm
	 * and every process. */
	rc = shmrpc__inspect_build(&s, &opts, &src, r->owner);
	shmrpc__reg_entries_free(v, src.n);
	if (rc < 0)
		return result(res, rc, SHMRPC_STATE_UNKNOWN,
		    "cannot inspect: %s", shmrpc_strerror(rc));

	for (size_t i = 0; i < shmrpc_inspection_channel_count(s); i++) {
		const shmrpc_channel_info *c = shmrpc_inspection_channel(s, i);
		if (kind != SHMRPC_TRANSPORT_DEFAULT && c->transport != kind)
			continue;
		if (object != NULL) {
			for (size_t k = 0; k < c->nobjects; k++)
				if (strcmp(c->objects[k].name, object) == 0) {
					rc = result(res, SHMRPC_ESTATE,
					    c->state, "%s belongs to "
					    "registered channel %s: reap the "
					    "channel", object, c->name);
					goto out;
				}
			continue;
		}
		if (strcmp(c->registry, r->path) != 0) {
			rc = result(res, SHMRPC_ESTATE, c->state,
			    "channel %s is listed in registry %s too: reap "
			    "it as its user", c->name, c->registry);
			goto out;
		}
		if (nch < ARRAY_LEN(chs))
			chs[nch++] = c;
	}
	for (size_t i = 0; i < shmrpc_inspection_object_count(s); i++) {
		const shmrpc_object_info *o = shmrpc_inspection_object(s, i);
		if (kind != SHMRPC_TRANSPORT_DEFAULT && o->transport != kind)
			continue;
		if (object != NULL && strcmp(o->name, object) != 0)
			continue;
		if (nloose < ARRAY_LEN(loose))
			loose[nloose++] = o;
	}
	if (nch == 0 && nloose == 0) {
		rc = result(res, SHMRPC_ENOCHANNEL, SHMRPC_STATE_UNKNOWN,
		    "%s: nothing of that name", object ? object : channel);
		goto out;
	}

	/* Every part must be removable, or nothing is removed. */
	for (size_t i = 0; i < nch; i++) {
		char what[SHMRPC_NAME_MAX + 32];
		snprintf(what, sizeof(what), "channel %s", chs[i]->name);
		if (chs[i]->state != SHMRPC_STATE_STALE) {
			rc = refusal(what, chs[i]->state, chs[i]->reason, true,
			    res);
			goto out;
		}
		for (size_t k = 0; k < chs[i]->nobjects; k++)
			if ((rc = check_owner(&chs[i]->objects[k], r->owner,
				 &opts, res)) < 0)
				goto out;
	}
	for (size_t i = 0; i < nloose; i++) {
		if (loose[i]->state != SHMRPC_STATE_ORPHAN) {
			rc = refusal(loose[i]->name, loose[i]->state,
			    loose[i]->reason, loose[i]->regular != 0, res);
			goto out;
		}
		if ((rc = check_owner(loose[i], r->owner, &opts, res)) < 0)
			goto out;
	}
	for (size_t i = 0; i < nch; i++)
		for (size_t k = 0; k < chs[i]->nobjects; k++) {
			const shmrpc_object_info *o = &chs[i]->objects[k];
			if (!o->present)
				continue;
			if ((rc = check_identity(dir, dirst.st_dev, o, res)) <
			    0)
				goto out;
			removed++;
		}
	for (size_t i = 0; i < nloose; i++) {
		if ((rc = check_identity(dir, dirst.st_dev, loose[i], res)) < 0)
			goto out;
		removed++;
	}

	res->removed = removed;
	res->entry_removed = (int)nch;
	if (opts.dry_run) {
		rc = result(res, 0, nch ? SHMRPC_STATE_STALE : SHMRPC_STATE_ORPHAN,
		    "would remove %u object%s%s of %s (%s)", removed,
		    removed == 1 ? "" : "s",
		    nch ? " and the registry entry" : "",
		    object ? object : channel,
		    nch ? chs[0]->reason : loose[0]->reason);
		goto out;
	}
	for (size_t i = 0; i < nch; i++)
		for (size_t k = 0; k < chs[i]->nobjects; k++)
			if (chs[i]->objects[k].present &&
			    (rc = shmrpc__shmfile_unlink_at(dir,
				 chs[i]->objects[k].name)) < 0) {
				rc = result(res, rc, SHMRPC_STATE_STALE,
				    "%s: %s", chs[i]->objects[k].name,
				    shmrpc_strerror(rc));
				goto out;
			}
	for (size_t i = 0; i < nloose; i++)
		if ((rc = shmrpc__shmfile_unlink_at(dir, loose[i]->name)) < 0) {
			rc = result(res, rc, SHMRPC_STATE_ORPHAN, "%s: %s",
			    loose[i]->name, shmrpc_strerror(rc));
			goto out;
		}
	for (size_t i = 0; i < nch; i++) {
		ssize_t at = shmrpc__registry_find(r, chs[i]->name,
		    chs[i]->transport_name);
		if (at >= 0)
			shmrpc__registry_remove_at(r, (size_t)at);
	}
	rc = shmrpc__registry_commit(r);
	if (rc < 0) {
		rc = result(res, rc, SHMRPC_STATE_STALE, "objects removed, but "
		    "registry %s cannot be written: %s", r->path,
		    shmrpc_strerror(rc));
		goto out;
	}
	rc = result(res, 0, nch ? SHMRPC_STATE_STALE : SHMRPC_STATE_ORPHAN,
	    "removed %u object%s%s of %s (%s)", removed,
	    removed == 1 ? "" : "s", nch ? " and the registry entry" : "",
	    object ? object : channel,
	    nch ? chs[0]->reason : loose[0]->reason);
out:
	shmrpc_inspection_free(s);
	return rc;
}

/* Nothing of ours by that name: say why, if another user's file is
 * there. */
static int explain_missing(const char *fname, shmrpc_reap_result *res)
{
	int dir = shmrpc__shm_dirfd();
	struct stat st;

	if (dir < 0 || shmrpc__shmfile_stat_at(dir, fname, &st) < 0)
		return 0;
	if (!S_ISREG(st.st_mode))
		return result(res, SHMRPC_ENOTOURS, SHMRPC_STATE_UNKNOWN,
		    "%s: not a regular file: left alone", fname);
	if (st.st_uid != geteuid())
		return result(res, SHMRPC_ENOTOURS, SHMRPC_STATE_UNKNOWN,
		    "%s: owned by uid %lu: run as that user or root", fname,
		    (unsigned long)st.st_uid);
	return 0;
}

/* Which registry to lock for a reap: ours, or with all_users (root) the
 * one that lists the channel / the registry of the objects' owner. */
static int reap_registry_path(const char *channel,
    const shmrpc_inspect_options *opts, char *path, size_t len)
{
	shmrpc_inspect_options o = *opts;
	shmrpc_inspection *s;
	int rc;

	if (!opts->all_users || geteuid() != 0)
		return shmrpc__registry_path(path, len);
	o.channel = channel;
	o.prefix = NULL;
	rc = shmrpc_inspect(&s, &o);
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

static int reap_common(const char *channel, const char *object,
    const shmrpc_inspect_options *in, shmrpc_reap_result *out)
{
	shmrpc_reap_result local;
	shmrpc_reap_result *res = out != NULL ? out : &local;
	shmrpc_inspect_options opts;
	char path[PATH_MAX];
	struct registry r;
	int rc;

	memset(res, 0, sizeof(*res));
	if (in != NULL)
		opts = *in;
	else
		shmrpc_inspect_options_init(&opts);
	rc = reap_registry_path(channel, &opts, path, sizeof(path));
	if (rc < 0)
		return result(res, rc, SHMRPC_STATE_UNKNOWN, "registry: %s",
		    shmrpc_strerror(rc));
	rc = shmrpc__registry_lock(&r, path, true, shmrpc__inspect_rebuild);
	if (rc < 0)
		return result(res, rc, SHMRPC_STATE_UNKNOWN,
		    "registry %s: %s", path, shmrpc_strerror(rc));
	rc = reap_locked(&r, &opts, channel, object,
	    SHMRPC_TRANSPORT_DEFAULT, res);
	/* Commit a repair made while locking, even if we reaped nothing. */
	shmrpc__registry_commit(&r);
	shmrpc__registry_unlock(&r);
	if (rc == SHMRPC_ENOCHANNEL) {
		if (object != NULL) {
			explain_missing(object, res);
		} else {
			for (size_t k = 0; k < 2 && res->code ==
			     SHMRPC_ENOCHANNEL; k++) {
				static const shmrpc_transport_kind kinds[] = {
					SHMRPC_TRANSPORT_POSIX,
					SHMRPC_TRANSPORT_FUTEX };
				const struct transport_ops *ops =
				    shmrpc__transport_ops_for(kinds[k]);
				char names[TRANSPORT_MAX_OBJECTS]
					  [TRANSPORT_FNAME_MAX];
				int n;
				if (ops == NULL)
					continue;
				n = ops->object_names(channel, names,
				    TRANSPORT_MAX_OBJECTS);
				for (int i = 0; i < n && res->code ==
				     SHMRPC_ENOCHANNEL; i++)
					explain_missing(names[i], res);
			}
		}
		rc = res->code;
	}
	return rc;
}

SHMRPC_API int shmrpc_reap_channel(const char *name,
    const shmrpc_inspect_options *opts, shmrpc_reap_result *res)
{
	int rc = shmrpc_name_check(name);

	if (rc < 0) {
		if (res != NULL) {
			memset(res, 0, sizeof(*res));
			result(res, rc, SHMRPC_STATE_UNKNOWN,
			    "invalid channel name");
		}
		return rc;
	}
	return reap_common(name, NULL, opts, res);
}

SHMRPC_API int shmrpc_reap_object(const char *fname,
    const shmrpc_inspect_options *opts, shmrpc_reap_result *res)
{
	char channel[SHMRPC_NAME_MAX + 1];
	shmrpc_transport_kind kind;
	shmrpc_reap_result local;

	if (res == NULL)
		res = &local;
	memset(res, 0, sizeof(*res));
	if (fname == NULL || strchr(fname, '/') != NULL ||
	    !shmrpc__inspect_match_object(fname, channel, sizeof(channel),
		&kind))
		return result(res, SHMRPC_ENOCHANNEL, SHMRPC_STATE_UNKNOWN,
		    "%s: not an object of a shmrpc channel",
		    fname ? fname : "(null)");
	return reap_common(channel, fname, opts, res);
}

int shmrpc__reap_channel_locked(struct registry *r, const char *channel,
    shmrpc_transport_kind kind, shmrpc_reap_result *res)
{
	shmrpc_inspect_options opts;

	shmrpc_inspect_options_init(&opts);
	memset(res, 0, sizeof(*res));
	return reap_locked(r, &opts, channel, NULL, kind, res);
}

/* ---- many at once: one lock, one final inspection --------------------------- */

/* Reap registered channel c (STALE, in r) or loose object o (ORPHAN):
 * the checks of reap_locked(), for one item of a snapshot taken under the
 * lock.  The registry entry is removed from r but not committed. */
static int reap_item(struct registry *r, const shmrpc_inspect_options *opts,
    int dir, dev_t shmdev, const shmrpc_channel_info *c,
    const shmrpc_object_info *o, shmrpc_reap_result *res)
{
	const shmrpc_object_info *objs = c ? c->objects : o;
	size_t n = c ? c->nobjects : 1;
	unsigned removed = 0;
	int rc;

	memset(res, 0, sizeof(*res));
	for (size_t k = 0; k < n; k++)
		if ((rc = check_owner(&objs[k], r->owner, opts, res)) < 0)
			return rc;
	for (size_t k = 0; k < n; k++) {
		if (!objs[k].present)
			continue;
		if ((rc = check_identity(dir, shmdev, &objs[k], res)) < 0)
			return rc;
		removed++;
	}
	res->removed = removed;
	res->entry_removed = c != NULL;
	if (!opts->dry_run) {
		for (size_t k = 0; k < n; k++)
			if (objs[k].present &&
			    (rc = shmrpc__shmfile_unlink_at(dir,
				 objs[k].name)) < 0)
				return result(res, rc, c ? c->state : o->state,
				    "%s: %s", objs[k].name,
				    shmrpc_strerror(rc));
		if (c != NULL) {
			ssize_t at = shmrpc__registry_find(r, c->name,
			    c->transport_name);
			if (at >= 0)
				shmrpc__registry_remove_at(r, (size_t)at);
		}
	}
	return result(res, 0, c ? c->state : o->state,
	    "%s %u object%s%s of %s (%s)",
	    opts->dry_run ? "would remove" : "removed", removed,
	    removed == 1 ? "" : "s", c ? " and the registry entry" : "",
	    c ? c->name : o->name, c ? c->reason : o->reason);
}

SHMRPC_API int shmrpc_reap_all(const shmrpc_inspect_options *in,
    shmrpc_reap_cb cb, void *arg)
{
	shmrpc_inspect_options opts;
	struct inspect_source src = { NULL, NULL, 0 };
	struct reg_entry *v = NULL;
	shmrpc_inspection *s = NULL;
	shmrpc_reap_result res;
	char path[PATH_MAX];
	struct registry r;
	struct stat dirst;
	int dir = shmrpc__shm_dirfd(), rc, first = 0;

	if (in != NULL)
		opts = *in;
	else
		shmrpc_inspect_options_init(&opts);
	if (opts.all_users && geteuid() != 0)
		opts.all_users = 0; /* others' objects are refused anyway */
	if (dir < 0)
		return dir;
	if (fstat(dir, &dirst) < 0)
		return -errno;
	if ((rc = shmrpc__registry_path(path, sizeof(path))) < 0)
		return rc;
	if ((rc = shmrpc__registry_lock(&r, path, true,
		 shmrpc__inspect_rebuild)) < 0)
		return rc;
	if ((rc = shmrpc__registry_entries(&r, &v, &src.n)) < 0)
		goto out;
	src.path = r.path;
	src.entries = v;
	opts = final_check_opts(&opts);
	rc = shmrpc__inspect_build(&s, &opts, &src, r.owner);
	shmrpc__reg_entries_free(v, src.n);
	if (rc < 0)
		goto out;
	for (size_t i = 0; i < shmrpc_inspection_channel_count(s); i++) {
		const shmrpc_channel_info *c = shmrpc_inspection_channel(s, i);
		if (c->state != SHMRPC_STATE_STALE ||
		    strcmp(c->registry, r.path) != 0)
			continue; /* not reapable, or another user's registry */
		rc = reap_item(&r, &opts, dir, dirst.st_dev, c, NULL, &res);
		if (rc < 0 && first == 0)
			first = rc;
		if (cb != NULL)
			cb(c->name, &res, arg);
	}
	for (size_t i = 0; i < shmrpc_inspection_object_count(s); i++) {
		const shmrpc_object_info *o = shmrpc_inspection_object(s, i);
		if (o->state != SHMRPC_STATE_ORPHAN)
			continue;
		rc = reap_item(&r, &opts, dir, dirst.st_dev, NULL, o, &res);
		if (rc < 0 && first == 0)
			first = rc;
		if (cb != NULL)
			cb(o->name, &res, arg);
	}
	rc = shmrpc__registry_commit(&r);
	if (rc == 0)
		rc = first;
	shmrpc__registry_unlock(&r);
	shmrpc_inspection_free(s);
	return rc;
out:
	/* Commit a repair made while locking, even if we reaped nothing. */
	shmrpc__registry_commit(&r);
	shmrpc__registry_unlock(&r);
	shmrpc_inspection_free(s);
	return rc;
}
