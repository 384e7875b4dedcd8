/*
 * registry.h - layer: registry.  The per-user registry of channels (see
 * shmrpc-registry(5)).
 *
 * File format: JSON, one channel per line so that an update rewrites text
 * instead of re-parsing and re-printing every entry (jansson needs ~1 ms
 * per 100 entries for that; an update here costs tens of microseconds):
 *
 *   {"format": "shmrpc-registry", "version": 1, "channels": [
 *   {"name": "calc", "transport": "posix", "objects": [...], ...},
 *   {"name": "other", ...}
 *   ]}
 *
 * Writers take an exclusive flock() on "<registry>.lock", write
 * "<registry>.tmp" and rename() it over the registry: no lost update, and
 * a reader (who takes no lock) sees the old file or the new one, never a
 * half-written one.  A writer killed with -9 drops its lock with its last
 * fd and leaves at most a .tmp file, which the next writer replaces.  When
 * the last entry goes, the registry and its lock file are removed (under
 * the lock; lockers re-check that the lock file they hold is still the
 * one under the name).
 *
 * A registry that does not have this shape is never trusted: it is renamed
 * to "<registry>.corrupt-<time>-<pid>", a warning is logged, and the
 * entries are rebuilt from the objects in /dev/shm and the processes that
 * map them.
 *
 * The registry lock is also the reapers' lock: one cleaner at a time.
 */
#ifndef SHMRPC_REGISTRY_H
#define SHMRPC_REGISTRY_H

#include <limits.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "transport/transport.h"

#define REGISTRY_FORMAT "shmrpc-registry"
/* 2: owners carry pid_ns, lock and cgroup, channels mode and gid (all
 * optional: version 1 entries read as they were).  Written: the newest;
 * read: every version from the oldest. */
#define REGISTRY_VERSION 2
#define REGISTRY_VERSION_OLDEST 1
#define REGISTRY_COMM_MAX 64
#define REGISTRY_CGROUP_MAX 256

/* One channel as the registry records it. */
struct reg_entry {
	char name[SHMRPC_NAME_MAX + 1];
	char transport[16];
	shmrpc_transport_kind kind; /* DEFAULT when not a known name */
	char objects[TRANSPORT_MAX_OBJECTS][TRANSPORT_FNAME_MAX];
	int nobjects;
	uint64_t buffer_size;
	unsigned slots;
	double created;             /* Unix time */
	pid_t pid;                  /* as the owner's PID namespace sees it */
	uint64_t start;             /* start time of pid, proc(5) field 22 */
	uid_t uid;
	char comm[REGISTRY_COMM_MAX];
	uint64_t pid_ns;            /* inode of the owner's PID namespace;
	                               0: not recorded (version 1) */
	char lock[TRANSPORT_FNAME_MAX]; /* the object whose owner lock the
	                               owner holds for life; "": none */
	char cgroup[REGISTRY_CGROUP_MAX]; /* owner's cgroup, "": unknown */
	unsigned mode;              /* objects' permission bits; 0: 0600
	                               (not recorded) */
	gid_t gid;                  /* objects' group; (gid_t)-1: the
	                               owner's own (not recorded) */
	pid_t *clients;             /* malloc'd, may be NULL */
	size_t nclients;
	bool rebuilt;               /* owner guessed after a corrupt file */
};

void shmrpc__reg_entry_clear(struct reg_entry *e);
void shmrpc__reg_entries_free(struct reg_entry *v, size_t n);

/* Entry <-> JSON object.  from_json: 0 or -EINVAL (missing/bad field). */
int shmrpc__reg_entry_from_json(const json_t *o, struct reg_entry *e);
json_t *shmrpc__reg_entry_to_json(const struct reg_entry *e);

/* The registry path for this process (env SHMRPC_REGISTRY, else the
 * default for the effective uid), or for another uid (the env override
 * still wins: one registry for everything).  0 or -ENAMETOOLONG. */
int shmrpc__registry_path(char *buf, size_t len);
int shmrpc__registry_path_for_uid(uid_t uid, char *buf, size_t len);

/* ---- whose (ours.c) ----------------------------------------------------- */

/* Is base a default registry name, shmrpc-registry-<uid>.json?  Then
 * *uid is that uid. */
bool shmrpc__registry_default_name(const char *base, uid_t *uid);

/* Whose registry the file at path is: the uid of a default name, else
 * ours (the file named by SHMRPC_REGISTRY).  Every file at that path
 * (registry, .lock, .tmp) must belong to that uid. */
uid_t shmrpc__registry_owner_of(const char *path);

/* "uid 65534 (nobody)": for texts that name an owner. */
const char *shmrpc__registry_uid_text(uid_t uid, char *buf, size_t len);

/* May file st, at path, be used as a file of owner's registry: a regular
 * file of owner with one link?  0, or SHMRPC_ENOTOURS with the reason
 * (naming the file and its owner) in why. */
int shmrpc__registry_file_check(const struct stat *st, const char *path,
    uid_t owner, char *why, size_t len);

/*
 * Rebuilds the entries of uid's registry after a damaged file was set
 * aside (the inspection layer's shmrpc__inspect_rebuild(), passed down by the
 * layers above so that the registry needs nothing above it).  New array
 * in *out (shmrpc__reg_entries_free).  0 or < 0.
 */
typedef int (*registry_rebuild_fn)(uid_t uid, struct reg_entry **out,
    size_t *n);

/* A registry file held under its lock. */
struct registry {
	char path[PATH_MAX];
	int dir;                    /* directory of the registry */
	char base[NAME_MAX + 1];
	char lockname[NAME_MAX + 1];
	char tmpname[NAME_MAX + 1];
	int lockfd;
	uid_t owner;                /* files we create belong to this uid */
	char **lines;               /* entry lines, without ",\n" */
	size_t nlines, cap;
	bool dirty;
	registry_rebuild_fn rebuild; /* may be NULL: a set-aside file then
	                                leaves an empty registry */
	char warning[640];          /* "" or what was set aside and why */
	char why[PATH_MAX + 256];   /* after a failed lock: why, naming the
	                               file (and its owner) */
};

/*
 * Take the lock on the registry at path (waits up to 10 s:
 * -ETIMEDOUT), and load it.  full_check: also parse every entry with
 * jansson (readers found it damaged).  A damaged file is set aside and
 * its entries rebuilt with rebuild (may be NULL); r->warning says so.
 * 0 or a negative code; on failure nothing is held.
 */
int shmrpc__registry_lock(struct registry *r, const char *path, bool full_check,
    registry_rebuild_fn rebuild);
/* Write the entries back if they changed: 0 or -errno (the file is then
 * unchanged).  Keeps the lock. */
int shmrpc__registry_commit(struct registry *r);
/* Release the lock and free the lines.  Safe on a failed lock. */
void shmrpc__registry_unlock(struct registry *r);

/* Index of the line of channel (name, transport), or -1. */
ssize_t shmrpc__registry_find(const struct registry *r, const char *name,
    const char *transport);
/* Add or replace the entry of (e->name, e->transport).  0 or -ENOMEM. */
int shmrpc__registry_put(struct registry *r, const struct reg_entry *e);
void shmrpc__registry_remove_at(struct registry *r, size_t i);
/* Parse line i into *e (shmrpc__reg_entry_clear).  0 or -EINVAL (damaged). */
int shmrpc__registry_get(const struct registry *r, size_t i,
    struct reg_entry *e);
/* Parse every line into a new array (free with shmrpc__reg_entries_free). */
int shmrpc__registry_entries(const struct registry *r, struct reg_entry **out,
    size_t *n);

/*
 * Lock-free read of the whole registry at path into a new array (ENOENT
 * is an empty registry).  A damaged file is repaired under the lock (with
 * rebuild, as shmrpc__registry_lock()) and read again; warn (may be NULL) then
 * says what happened.  0 or < 0.
 */
int shmrpc__registry_read(const char *path, struct reg_entry **out, size_t *n,
    char *warn, size_t warnlen, registry_rebuild_fn rebuild);

/*
 * Parse a whole registry text (what shmrpc__registry_read() does with the
 * file's bytes): the line split and a full parse of every entry, which
 * must agree.  text[len] must be '\0' (shmrpc__shmfile_read_all() puts
 * it there).  0 and a new array in *out (shmrpc__reg_entries_free), or
 * -EINVAL (damaged), -ENOMEM.  The registry parser a fuzz target feeds.
 */
int shmrpc__registry_parse(const char *text, size_t len,
    struct reg_entry **out, size_t *n);

/*
 * Lock-free look at one entry, (name, transport), of the registry at
 * path, without parsing the others: 0 and *e filled (shmrpc__reg_entry_clear),
 * -ENOENT when the file or the entry does not exist, -EINVAL when the
 * file is damaged, or -errno.
 */
int shmrpc__registry_lookup(const char *path, const char *name,
    const char *transport, struct reg_entry *e);

/*
 * Test hook, in no release program: a test program that defines this
 * function has it called with half of a new registry file written and the
 * lock held, so that it can be killed there.  Weak and hidden, so that the
 * library neither needs it nor exports a reference to it.
 */
void shmrpc__registry_test_midwrite_hook(void)
    __attribute__((weak, visibility("hidden")));

#endif
