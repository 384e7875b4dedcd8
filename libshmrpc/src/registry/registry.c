/*
 * registry.c - layer: registry.  The per-user registry file: format,
 * locking, atomic update (see registry.h and shmrpc-registry(5)).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "os/procinfo.h"
#include "registry/registry.h"
#include "os/shmobj.h"

#define HEADER_START "{\"format\": \"" REGISTRY_FORMAT "\", \"version\": "
#define HEADER_END ", \"channels\": ["
#define FOOTER "]}"
#define LOCK_WAIT_NS (10 * NS_PER_SEC)

/* The line of an entry: one line of JSON, key order kept. */
static char *entry_line(const struct reg_entry *e)
{
	json_t *o = shmrpc__reg_entry_to_json(e);
	char *s;

	if (o == NULL)
		return NULL;
	s = json_dumps(o, JSON_PRESERVE_ORDER);
	json_decref(o);
	return s;
}

/* How every line of channel (name, transport) begins. */
static char *key_prefix(const char *name, const char *transport)
{
	json_t *o = json_pack("{s:s, s:s}", "name", name, "transport",
	    transport);
	char *s, *p;
	size_t n;

	if (o == NULL)
		return NULL;
	s = json_dumps(o, JSON_PRESERVE_ORDER);
	json_decref(o);
	if (s == NULL)
		return NULL;
	n = strlen(s);
	/* {"name": "x", "transport": "posix"}  ->  ... "posix", */
	p = realloc(s, n + 2);
	if (p == NULL) {
		free(s);
		return NULL;
	}
	p[n - 1] = ',';
	p[n] = ' ';
	p[n + 1] = '\0';
	return p;
}

/* ---- paths -------------------------------------------------------------- */

int shmrpc__registry_path_for_uid(uid_t uid, char *buf, size_t len)
{
	const char *env = getenv("SHMRPC_REGISTRY");
	int n;

	if (env != NULL && env[0] != '\0')
		n = snprintf(buf, len, "%s", env);
	else
		n = snprintf(buf, len, "%s/shmrpc-registry-%lu.json", SHM_DIR,
		    (unsigned long)uid);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int shmrpc__registry_path(char *buf, size_t len)
{
	return shmrpc__registry_path_for_uid(geteuid(), buf, len);
}

SHMRPC_API char *shmrpc_registry_path(char *buf, size_t len)
{
	if (buf == NULL || shmrpc__registry_path(buf, len) < 0)
		return NULL;
	return buf;
}

/* ---- text checks ---------------------------------------------------------- */

/* A cheap structural check of one entry line: an object, strings closed,
 * brackets balanced, no control characters, and our key order.  The full
 * jansson parse is for readers and repairs. */
static bool line_looks_valid(const char *s, size_t n)
{
	int depth = 0;
	bool in_str = false;

	if (n < 12 || memcmp(s, "{\"name\": \"", 10) != 0 || s[n - 1] != '}')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20)
			return false;
		if (in_str) {
			if (c == '\\') {
				if (++i >= n)
					return false;
			} else if (c == '"') {
				in_str = false;
			}
			continue;
		}
		if (c == '"')
			in_str = true;
		else if (c == '{' || c == '[')
			depth++;
		else if (c == '}' || c == ']') {
			if (--depth < 0 || (depth == 0 && i != n - 1))
				return false;
		}
	}
	return !in_str && depth == 0;
}

static void free_lines(struct registry *r)
{
	for (size_t i = 0; i < r->nlines; i++)
		free(r->lines[i]);
	free(r->lines);
	r->lines = NULL;
	r->nlines = r->cap = 0;
}

static int push_line(struct registry *r, char *line)
{
	if (r->nlines == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		char **grown = realloc(r->lines, cap * sizeof(*grown));
		if (grown == NULL)
			return -ENOMEM;
		r->lines = grown;
		r->cap = cap;
	}
	r->lines[r->nlines++] = line;
	return 0;
}

/*
 * The header line, p to nl: 0, SHMRPC_EVERSION for a newer format (left
 * as it is), or -EINVAL with why filled (damaged).
 */
static int check_header(const char *p, const char *nl, char *why,
    size_t whylen)
{
	char *stop;
	long version;

	if ((size_t)(nl - p) < sizeof(HEADER_START) - 1 ||
	    memcmp(p, HEADER_START, sizeof(HEADER_START) - 1) != 0) {
		snprintf(why, whylen, "it does not start with a %s header",
		    REGISTRY_FORMAT);
		return -EINVAL;
	}
	version = strtol(p + sizeof(HEADER_START) - 1, &stop, 10);
	if (stop >= nl || (size_t)(nl - stop) != sizeof(HEADER_END) - 1 ||
	    memcmp(stop, HEADER_END, sizeof(HEADER_END) - 1) != 0) {
		snprintf(why, whylen, "its header is damaged");
		return -EINVAL;
	}
	if (version > REGISTRY_VERSION) {
		/* A newer libshmrpc's file, not a damaged one: setting it
		 * aside would throw away what that version wrote. */
		snprintf(why, whylen, "it is of format version %ld, newer "
		    "than this libshmrpc reads (%d)", version,
		    REGISTRY_VERSION);
		return SHMRPC_EVERSION;
	}
	if (version < REGISTRY_VERSION_OLDEST) {
		snprintf(why, whylen, "it is of format version %ld, not %d "
		    "to %d", version, REGISTRY_VERSION_OLDEST,
		    REGISTRY_VERSION);
		return -EINVAL;
	}
	return 0;
}

/*
 * Split text into entry lines.  0, SHMRPC_EVERSION (a newer format), or
 * -EINVAL with why filled (damaged), or -ENOMEM.
 */
static int split_lines(struct registry *r, const char *text, size_t len,
    char *why, size_t whylen)
{
	const char *p = text, *end = text + len, *nl;
	int rc;

	if (len == 0) {
		snprintf(why, whylen, "it is empty");
		return -EINVAL;
	}
	if (memchr(text, '\0', len) != NULL) {
		snprintf(why, whylen, "it holds NUL bytes");
		return -EINVAL;
	}
	nl = memchr(p, '\n', (size_t)(end - p));
	if (nl == NULL) {
		snprintf(why, whylen, "it is truncated");
		return -EINVAL;
	}
	rc = check_header(p, nl, why, whylen);
	if (rc != 0)
		return rc;
	p = nl + 1;
	for (bool first = true, need_more = false;; first = false) {
		size_t n;
		char *line;

		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL) {
			snprintf(why, whylen, "it is truncated");
			return -EINVAL;
		}
		n = (size_t)(nl - p);
		if (n == sizeof(FOOTER) - 1 && memcmp(p, FOOTER, n) == 0) {
			if (nl + 1 != end) {
				snprintf(why, whylen,
				    "it has data after its end");
				return -EINVAL;
			}
			if (need_more) {
				snprintf(why, whylen,
				    "its last entry ends with a comma");
				return -EINVAL;
			}
			return 0;
		}
		if (!first && !need_more) {
			snprintf(why, whylen, "an entry lacks its comma");
			return -EINVAL;
		}
		need_more = n > 0 && p[n - 1] == ',';
		if (need_more)
			n--;
		if (!line_looks_valid(p, n)) {
			snprintf(why, whylen, "entry %zu is damaged",
			    r->nlines + 1);
			return -EINVAL;
		}
		line = strndup(p, n);
		if (line == NULL || push_line(r, line) < 0) {
			free(line);
			return -ENOMEM;
		}
		p = nl + 1;
	}
}

/*
 * The full check: jansson parses the whole text and every entry.  With out
 * non-NULL the entries it parsed are kept there (a new array of *n, for
 * shmrpc__reg_entries_free()), so that a reader parses the text once, not once
 * whole and again line by line.
 */
static int full_check(const char *text, size_t len, char *why, size_t whylen,
    struct reg_entry **out, size_t *n)
{
	json_error_t jerr;
	/* A duplicate key would make a line say one channel and parse as
	 * another (jansson keeps the last value): damage. */
	json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	const json_t *chs, *v;
	struct reg_entry *kept = NULL;
	size_t i;
	int rc = 0;

	if (doc == NULL) {
		snprintf(why, whylen, "it is not valid JSON (line %d: %s)",
		    jerr.line, jerr.text);
		return -EINVAL;
	}
	chs = json_object_get(doc, "channels");
	if (!json_is_array(chs)) {
		snprintf(why, whylen, "it has no channel list");
		json_decref(doc);
		return -EINVAL;
	}
	if (out != NULL) {
		kept = calloc(json_array_size(chs) + 1, sizeof(*kept));
		if (kept == NULL) {
			json_decref(doc);
			return -ENOMEM;
		}
	}
	json_array_foreach(chs, i, v) {
		struct reg_entry e;
		/* -ENOMEM is not damage: the file must not be set aside. */
		if ((rc = shmrpc__reg_entry_from_json(v, &e)) < 0) {
			if (rc == -EINVAL)
				snprintf(why, whylen,
				    "entry %zu is incomplete", i + 1);
			break;
		}
		if (kept != NULL)
			kept[i] = e;
		else
			shmrpc__reg_entry_clear(&e);
	}
	if (out != NULL && rc == 0) {
		*out = kept;
		*n = json_array_size(chs);
	} else if (kept != NULL) {
		shmrpc__reg_entries_free(kept, i);
	}
	json_decref(doc);
	return rc;
}

/* ---- locking -------------------------------------------------------------- */

/* Fill r->why (a failure's words, naming the file) and return code. */
static int fail(struct registry *r, int code, const char *fmt, ...)
    SHMRPC_PRINTF(3, 4);

static int fail(struct registry *r, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
	return code;
}

/* The full path of the registry's file `name` (lock, tmp), for texts. */
static const char *sibling_path(const struct registry *r, const char *name,
    char *buf, size_t len)
{
	snprintf(buf, len, "%.*s%s", (int)(strlen(r->path) - strlen(r->base)),
	    r->path, name);
	return buf;
}

/* Is file `name` of the registry, if it exists, not ours?  Then
 * SHMRPC_ENOTOURS with r->why saying whose it is.  Else rc, with r->why
 * naming the file and rc's text when rc < 0. */
static int explain_refusal(struct registry *r, const char *name, int rc)
{
	char path[PATH_MAX + NAME_MAX];
	struct stat st;

	sibling_path(r, name, path, sizeof(path));
	if (shmrpc__shmfile_stat_at(r->dir, name, &st) == 0 &&
	    shmrpc__registry_file_check(&st, path, r->owner, r->why,
		sizeof(r->why)) < 0)
		return SHMRPC_ENOTOURS;
	if (rc == 0)
		return 0;
	return fail(r, rc, "%s: %s", path, shmrpc_strerror(rc));
}

/*
 * Open the lock file: one we make (exclusively, mode 0600, given to the
 * registry's owner), or one that exists and passes the ownership check.
 * Never one of another user, which we would otherwise wait on.  The fd,
 * -EAGAIN when it vanished meanwhile (try again), or < 0 with r->why.
 */
static int open_lock_file(struct registry *r, struct stat *held)
{
	char path[PATH_MAX + NAME_MAX];
	int fd;

	fd = shmrpc__shmfile_open_at(r->dir, r->lockname,
	    O_RDWR | O_CREAT | O_EXCL, 0600, held);
	if (fd >= 0) {
		if (fchmod(fd, 0600) < 0 || (r->owner != geteuid() &&
			fchown(fd, r->owner, (gid_t)-1) < 0) ||
		    fstat(fd, held) < 0) {
			int rc = -errno;
			close(fd);
			shmrpc__shmfile_unlink_at(r->dir, r->lockname);
			return fail(r, rc, "%s: cannot make it: %s",
			    sibling_path(r, r->lockname, path, sizeof(path)),
			    strerror(-rc));
		}
		return fd;
	}
	if (fd == -EEXIST)
		fd = shmrpc__shmfile_open_at(r->dir, r->lockname, O_RDWR, 0,
		    held);
	if (fd == -ENOENT)
		return -EAGAIN;
	if (fd < 0)
		return explain_refusal(r, r->lockname, fd);
	if (shmrpc__registry_file_check(held, sibling_path(r, r->lockname,
		path, sizeof(path)), r->owner, r->why, sizeof(r->why)) < 0) {
		close(fd);
		return SHMRPC_ENOTOURS;
	}
	return fd;
}

/* flock fd, waiting until deadline.  0, -ETIMEDOUT or -errno. */
static int flock_until(int fd, int64_t deadline)
{
	long sleep_ns = 20000;

	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return -errno;
		if (clock_now_ns() >= deadline)
			return -ETIMEDOUT;
		struct timespec ts = { 0, sleep_ns };
		nanosleep(&ts, NULL);
		if (sleep_ns < 1000000)
			sleep_ns *= 2;
	}
	return 0;
}

static int take_lock(struct registry *r)
{
	int64_t deadline = clock_now_ns() + LOCK_WAIT_NS;
	char path[PATH_MAX + NAME_MAX];

	for (;;) {
		struct stat held, named;
		int fd = open_lock_file(r, &held), rc;

		if (fd == -EAGAIN)
			continue;
		if (fd < 0)
			return fd;
		rc = flock_until(fd, deadline);
		if (rc < 0) {
			close(fd);
			return fail(r, rc, "%s: %s (held by another process "
			    "of %s for 10 s)", sibling_path(r, r->lockname,
				path, sizeof(path)), shmrpc_strerror(rc),
			    r->path);
		}
		/* The holder before us may have removed the lock file (the
		 * registry became empty): then ours is a dead inode. */
		if (shmrpc__shmfile_stat_at(r->dir, r->lockname, &named) == 0 &&
		    named.st_dev == held.st_dev &&
		    named.st_ino == held.st_ino) {
			r->lockfd = fd;
			return 0;
		}
		close(fd);
	}
}

/*
 * Is the registry file, if any, ours to read?  0 (it is, or there is
 * none: *exists says which), 1 when it is ours but not a regular file (to
 * be set aside), or SHMRPC_ENOTOURS with the reason in why.
 */
static int check_registry_file(int dir, const char *base, const char *path,
    uid_t owner, bool *exists, char *why, size_t whylen)
{
	struct stat st;
	int rc = shmrpc__shmfile_stat_at(dir, base, &st);

	*exists = rc == 0;
	if (rc == -ENOENT)
		return 0;
	if (rc < 0) {
		snprintf(why, whylen, "%s: %s", path, shmrpc_strerror(rc));
		return rc;
	}
	if (st.st_uid == owner && !S_ISREG(st.st_mode))
		return 1;
	return shmrpc__registry_file_check(&st, path, owner, why, whylen);
}

/* Rename a damaged registry aside and rebuild its entries from /dev/shm. */
static int set_aside_and_rebuild(struct registry *r, const char *why)
{
	char aside[NAME_MAX + 1];
	struct reg_entry *v = NULL;
	size_t n = 0;
	int rc;

	free_lines(r);
	snprintf(aside, sizeof(aside), "%.200s.corrupt-%lld-%ld", r->base,
	    (long long)time(NULL), (long)getpid());
	rc = shmrpc__shmfile_rename_at(r->dir, r->base, aside);
	if (rc < 0) {
		log_error("registry %s is damaged (%s) and cannot be set "
			  "aside: %s", r->path, why, shmrpc_strerror(rc));
		return rc;
	}
	snprintf(r->warning, sizeof(r->warning),
	    "registry %.200s was damaged (%.100s): set aside as %.200s and rebuilt from "
	    "/dev/shm", r->path, why, aside);
	log_warn("%s", r->warning);
	rc = r->rebuild != NULL ? r->rebuild(r->owner, &v, &n) : 0;
	if (rc < 0) {
		log_warn("registry %s: rebuild failed: %s", r->path,
		    shmrpc_strerror(rc));
		n = 0;
	}
	for (size_t i = 0; i < n; i++) {
		char *line = entry_line(&v[i]);
		if (line == NULL || push_line(r, line) < 0) {
			free(line);
			rc = -ENOMEM;
			break;
		}
	}
	shmrpc__reg_entries_free(v, n);
	r->dirty = true;
	return rc < 0 && rc != -ENOMEM ? 0 : rc;
}

/* Name the registry's files and open its directory.  0 or < 0 (r->why). */
static int registry_init(struct registry *r, const char *path,
    registry_rebuild_fn rebuild)
{
	char who[128];
	int rc;

	memset(r, 0, sizeof(*r));
	r->dir = r->lockfd = -1;
	r->rebuild = rebuild;
	if ((size_t)snprintf(r->path, sizeof(r->path), "%s", path) >=
	    sizeof(r->path))
		return fail(r, -ENAMETOOLONG, "registry path too long");
	rc = shmrpc__shmfile_dir_open(path, r->base, sizeof(r->base));
	if (rc < 0)
		return fail(r, rc, "%s: %s", path, shmrpc_strerror(rc));
	r->dir = rc;
	if (strlen(r->base) > NAME_MAX - 48)
		return fail(r, -ENAMETOOLONG, "%s: name too long", path);
	snprintf(r->lockname, sizeof(r->lockname), "%s.lock", r->base);
	snprintf(r->tmpname, sizeof(r->tmpname), "%s.tmp", r->base);
	/* Whose registry: the uid of a default name, else ours.  Every file
	 * at its path must be that user's. */
	r->owner = shmrpc__registry_owner_of(path);
	if (r->owner != geteuid() && geteuid() != 0)
		return fail(r, SHMRPC_ENOTOURS, "registry %s belongs to %s: "
		    "only that user or root may lock it", path,
		    shmrpc__registry_uid_text(r->owner, who, sizeof(who)));
	return 0;
}

/* Load the registry file (under the lock): its lines, checked; a damaged
 * one set aside and rebuilt.  0 or < 0 (r->why). */
static int load_locked(struct registry *r, bool full)
{
	struct stat st;
	char why[256];
	char *text = NULL;
	size_t len = 0;
	bool exists;
	int fd, rc;

	rc = check_registry_file(r->dir, r->base, r->path, r->owner, &exists,
	    r->why, sizeof(r->why));
	if (rc == 1)
		return set_aside_and_rebuild(r, "it is not a regular file");
	if (rc < 0 || !exists)
		return rc;
	fd = shmrpc__shmfile_open_at(r->dir, r->base, O_RDONLY, 0, &st);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return explain_refusal(r, r->base, fd);
	rc = shmrpc__registry_file_check(&st, r->path, r->owner, r->why,
	    sizeof(r->why));
	if (rc == 0)
		rc = shmrpc__shmfile_read_all(fd, &text, &len);
	close(fd);
	if (rc < 0)
		return rc == SHMRPC_ENOTOURS ? rc : fail(r, rc, "%s: %s",
		    r->path, shmrpc_strerror(rc));
	rc = split_lines(r, text, len, why, sizeof(why));
	if (rc == 0 && full)
		rc = full_check(text, len, why, sizeof(why), NULL, NULL);
	if (rc == -EINVAL)
		rc = set_aside_and_rebuild(r, why);
	else if (rc == SHMRPC_EVERSION)
		fail(r, rc, "registry %s: %s", r->path, why);
	free(text);
	return rc;
}

int shmrpc__registry_lock(struct registry *r, const char *path, bool full,
    registry_rebuild_fn rebuild)
{
	int rc = registry_init(r, path, rebuild);

	if (rc == 0)
		rc = take_lock(r);
	if (rc == 0)
		rc = load_locked(r, full);
	if (rc < 0) {
		shmrpc__registry_unlock(r); /* keeps r->why */
		if (r->why[0] == '\0')
			fail(r, rc, "registry %s: %s", path,
			    shmrpc_strerror(rc));
	}
	return rc;
}

static int write_new(struct registry *r, const char *buf, size_t len)
{
	int fd, rc;

	/* Only the lock holder writes the temporary file: one of ours left
	 * by a writer that was killed is ours to replace; another user's is
	 * refused (in a sticky /dev/shm, we could not remove it anyway). */
	rc = explain_refusal(r, r->tmpname, 0);
	if (rc == 0)
		rc = shmrpc__shmfile_unlink_at(r->dir, r->tmpname);
	if (rc < 0)
		return rc == SHMRPC_ENOTOURS ? rc : explain_refusal(r,
		    r->tmpname, rc);
	fd = shmrpc__shmfile_open_at(r->dir, r->tmpname,
	    O_WRONLY | O_CREAT | O_EXCL, 0600, NULL);
	if (fd < 0)
		return explain_refusal(r, r->tmpname, fd);
	if (fchmod(fd, 0600) < 0 ||
	    (r->owner != geteuid() && fchown(fd, r->owner, (gid_t)-1) < 0)) {
		rc = fail(r, -errno, "%s.tmp: %s", r->path, strerror(errno));
		goto fail;
	}
	if (shmrpc__registry_test_midwrite_hook != NULL) {
		/* Only in test programs: a writer killed half way. */
		rc = shmrpc__shmfile_write_all(fd, buf, len / 2);
		if (rc < 0)
			goto fail;
		shmrpc__registry_test_midwrite_hook();
		rc = shmrpc__shmfile_write_all(fd, buf + len / 2,
		    len - len / 2);
	} else {
		rc = shmrpc__shmfile_write_all(fd, buf, len);
	}
	if (rc < 0)
		goto fail;
	close(fd);
	return shmrpc__shmfile_rename_at(r->dir, r->tmpname, r->base);
fail:
	close(fd);
	shmrpc__shmfile_unlink_at(r->dir, r->tmpname);
	return rc;
}

int shmrpc__registry_commit(struct registry *r)
{
	size_t len, off;
	char *buf;
	int rc;

	if (!r->dirty)
		return 0;
	if (r->nlines == 0) {
		/* Nothing registered: leave /dev/shm as we found it.  The
		 * lock file goes last, still locked (see take_lock). */
		rc = shmrpc__shmfile_unlink_at(r->dir, r->base);
		if (rc == 0)
			shmrpc__shmfile_unlink_at(r->dir, r->tmpname);
		if (rc == 0)
			rc = shmrpc__shmfile_unlink_at(r->dir, r->lockname);
		if (rc == 0)
			r->dirty = false;
		return rc;
	}
	len = sizeof(HEADER_START) + 16 + sizeof(HEADER_END) + sizeof(FOOTER) +
	    2;
	for (size_t i = 0; i < r->nlines; i++)
		len += strlen(r->lines[i]) + 2;
	buf = malloc(len);
	if (buf == NULL)
		return -ENOMEM;
	off = (size_t)snprintf(buf, len, "%s%d%s\n", HEADER_START,
	    REGISTRY_VERSION, HEADER_END);
	for (size_t i = 0; i < r->nlines; i++) {
		size_t n = strlen(r->lines[i]);
		memcpy(buf + off, r->lines[i], n);
		off += n;
		if (i + 1 < r->nlines)
			buf[off++] = ',';
		buf[off++] = '\n';
	}
	off += (size_t)snprintf(buf + off, len - off, "%s\n", FOOTER);
	r->why[0] = '\0';
	rc = write_new(r, buf, off);
	free(buf);
	if (rc == 0)
		r->dirty = false;
	else if (r->why[0] == '\0')
		fail(r, rc, "registry %s: cannot write it: %s", r->path,
		    shmrpc_strerror(rc));
	return rc;
}

void shmrpc__registry_unlock(struct registry *r)
{
	struct stat st;

	/* No registry (nothing was ever written, or the last entry went):
	 * remove our lock file and any .tmp, still holding the lock. */
	if (r->lockfd >= 0 && r->nlines == 0 &&
	    shmrpc__shmfile_stat_at(r->dir, r->base, &st) == -ENOENT) {
		shmrpc__shmfile_unlink_at(r->dir, r->tmpname);
		shmrpc__shmfile_unlink_at(r->dir, r->lockname);
	}
	free_lines(r);
	if (r->lockfd >= 0)
		close(r->lockfd); /* drops the flock */
	if (r->dir >= 0)
		close(r->dir);
	r->lockfd = r->dir = -1;
}

/* ---- lines ------------------------------------------------------------------ */

ssize_t shmrpc__registry_find(const struct registry *r, const char *name,
    const char *transport)
{
	char *prefix = key_prefix(name, transport);
	ssize_t found = -1;
	size_t n;

	if (prefix == NULL)
		return -1;
	n = strlen(prefix);
	for (size_t i = 0; i < r->nlines; i++) {
		if (strncmp(r->lines[i], prefix, n) == 0) {
			found = (ssize_t)i;
			break;
		}
	}
	free(prefix);
	return found;
}

int shmrpc__registry_put(struct registry *r, const struct reg_entry *e)
{
	char *line = entry_line(e);
	ssize_t i;

	if (line == NULL)
		return -ENOMEM;
	i = shmrpc__registry_find(r, e->name, e->transport);
	if (i >= 0) {
		free(r->lines[i]);
		r->lines[i] = line;
	} else if (push_line(r, line) < 0) {
		free(line);
		return -ENOMEM;
	}
	r->dirty = true;
	return 0;
}

void shmrpc__registry_remove_at(struct registry *r, size_t i)
{
	free(r->lines[i]);
	memmove(&r->lines[i], &r->lines[i + 1],
	    (r->nlines - i - 1) * sizeof(r->lines[0]));
	r->nlines--;
	r->dirty = true;
}

static int parse_line(const char *line, struct reg_entry *e)
{
	json_t *o = json_loads(line, JSON_REJECT_DUPLICATES, NULL);
	int rc;

	if (o == NULL)
		return -EINVAL;
	rc = shmrpc__reg_entry_from_json(o, e);
	json_decref(o);
	return rc;
}

int shmrpc__registry_get(const struct registry *r, size_t i,
    struct reg_entry *e)
{
	return i < r->nlines ? parse_line(r->lines[i], e) : -EINVAL;
}

int shmrpc__registry_entries(const struct registry *r, struct reg_entry **out,
    size_t *n)
{
	struct reg_entry *v = calloc(r->nlines ? r->nlines : 1, sizeof(*v));
	size_t k = 0;

	if (v == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < r->nlines; i++) {
		if (parse_line(r->lines[i], &v[k]) == 0)
			k++;
		else
			log_warn("registry %s: skipping a damaged entry",
			    r->path);
	}
	*out = v;
	*n = k;
	return 0;
}

/* ---- lock-free reading ------------------------------------------------------ */

int shmrpc__registry_parse(const char *text, size_t len,
    struct reg_entry **out, size_t *n)
{
	struct registry tmp;
	char why[256];
	int rc;

	memset(&tmp, 0, sizeof(tmp));
	rc = split_lines(&tmp, text, len, why, sizeof(why));
	if (rc == 0)
		rc = full_check(text, len, why, sizeof(why), out, n);
	/* The lines and the document must agree on what the entries are. */
	if (rc == 0 && *n != tmp.nlines) {
		shmrpc__reg_entries_free(*out, *n);
		*out = NULL;
		*n = 0;
		rc = -EINVAL;
	}
	free_lines(&tmp);
	return rc;
}

/* Open the registry at path for a lock-free read, after checking that it
 * is its user's: the fd, -ENOENT (none), 1 (ours but not a regular file:
 * to be repaired), or < 0 with why. */
static int open_for_reading(const char *path, char *why, size_t whylen)
{
	char base[NAME_MAX + 1];
	uid_t owner = shmrpc__registry_owner_of(path);
	struct stat st;
	bool exists;
	int dir, fd, rc;

	dir = shmrpc__shmfile_dir_open(path, base, sizeof(base));
	if (dir < 0) {
		snprintf(why, whylen, "%s: %s", path, shmrpc_strerror(dir));
		return dir;
	}
	rc = check_registry_file(dir, base, path, owner, &exists, why,
	    whylen);
	if (rc != 0 || !exists) {
		close(dir);
		return rc != 0 ? rc : -ENOENT;
	}
	fd = shmrpc__shmfile_open_at(dir, base, O_RDONLY, 0, &st);
	close(dir);
	if (fd < 0) {
		snprintf(why, whylen, "%s: %s", path, shmrpc_strerror(fd));
		return fd == SHMRPC_ENOTOURS ? 1 : fd;
	}
	/* Checked again on what we opened: the name may have changed. */
	rc = shmrpc__registry_file_check(&st, path, owner, why, whylen);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	return fd;
}

int shmrpc__registry_read(const char *path, struct reg_entry **out, size_t *n,
    char *warn, size_t warnlen, registry_rebuild_fn rebuild)
{
	char why[PATH_MAX + 256];
	struct registry r;
	char *text = NULL;
	size_t len;
	int fd, rc;

	*out = NULL;
	*n = 0;
	if (warn != NULL && warnlen > 0)
		warn[0] = '\0';
	fd = open_for_reading(path, why, sizeof(why));
	if (fd == -ENOENT) {
		*out = calloc(1, sizeof(**out));
		return *out != NULL ? 0 : -ENOMEM;
	}
	if (fd >= 0 && fd != 1) {
		rc = shmrpc__shmfile_read_all(fd, &text, &len);
		close(fd);
		if (rc < 0)
			return rc;
		rc = shmrpc__registry_parse(text, len, out, n);
		free(text);
		if (rc != -EINVAL)
			return rc;
	} else if (fd < 0) {
		if (warn != NULL && warnlen > 0)
			snprintf(warn, warnlen, "%s", why);
		return fd;
	}
	/* Damaged: repair it under the lock (where it is checked again: a
	 * writer may have replaced it meanwhile), then use what we hold. */
	rc = shmrpc__registry_lock(&r, path, true, rebuild);
	if (rc < 0) {
		if (warn != NULL && warnlen > 0)
			snprintf(warn, warnlen, "%s", r.why);
		return rc;
	}
	rc = shmrpc__registry_commit(&r);
	if (rc == 0)
		rc = shmrpc__registry_entries(&r, out, n);
	if (warn != NULL && warnlen > 0)
		snprintf(warn, warnlen, "%s", rc < 0 ? r.why : r.warning);
	shmrpc__registry_unlock(&r);
	return rc;
}


/* ---- one entry, without the lock -------------------------------------------- */

int shmrpc__registry_lookup(const char *path, const char *name,
    const char *transport, struct reg_entry *e)
{
	char why[PATH_MAX + 256];
	struct registry tmp;
	char *text = NULL;
	size_t len;
	ssize_t i;
	int fd, rc;

	fd = open_for_reading(path, why, sizeof(why));
	if (fd == 1)
		return -EINVAL; /* damaged: not read here */
	if (fd < 0)
		return fd;
	rc = shmrpc__shmfile_read_all(fd, &text, &len);
	close(fd);
	if (rc < 0)
		return rc;
	memset(&tmp, 0, sizeof(tmp));
	rc = split_lines(&tmp, text, len, why, sizeof(why));
	if (rc == 0) {
		i = shmrpc__registry_find(&tmp, name, transport);
		rc = i >= 0 ? parse_line(tmp.lines[i], e) : -ENOENT;
	}
	free_lines(&tmp);
	free(text);
	return rc;
}
