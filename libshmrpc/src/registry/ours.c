/*
 * ours.c - layer: registry.  Whose a registry file is, and whether a file
 * at a registry path is one we may read, write or wait on.
 *
 * /dev/shm is writable by everyone, so another user can create the files
 * at our registry's path before we do: the registry, its .lock or its
 * .tmp.  Such a squatter is never written, never waited on and never
 * read as ours: every file at a registry path must be a regular file of
 * the registry's user with one link, or it is refused with a text that
 * names it and its owner.  (Only root's cleaner, asked for all users,
 * removes squatters: shmrpc-clean -a.)
 */
#define _GNU_SOURCE
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "registry/registry.h"

bool shmrpc__registry_default_name(const char *base, uid_t *uid)
{
	static const char head[] = "shmrpc-registry-";
	const char *p = base + sizeof(head) - 1;
	unsigned long long u = 0;

	if (strncmp(base, head, sizeof(head) - 1) != 0 || *p < '0' ||
	    *p > '9' || (*p == '0' && p[1] != '.'))
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		u = u * 10 + (unsigned)(*p - '0');
		if (u >= UINT32_MAX)
			return false;
	}
	if (strcmp(p, ".json") != 0)
		return false;
	*uid = (uid_t)u;
	return true;
}

uid_t shmrpc__registry_owner_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	uid_t uid;

	if (shmrpc__registry_default_name(slash != NULL ? slash + 1 : path,
		&uid))
		return uid;
	return geteuid();
}

/* "uid 65534 (nobody)", or "uid 4242" when the name cannot be found. */
const char *shmrpc__registry_uid_text(uid_t uid, char *buf, size_t len)
{
	struct passwd pw, *found = NULL;
	char pwbuf[1024];

	if (getpwuid_r(uid, &pw, pwbuf, sizeof(pwbuf), &found) == 0 &&
	    found != NULL)
		snprintf(buf, len, "uid %lu (%s)", (unsigned long)uid,
		    pw.pw_name);
	else
		snprintf(buf, len, "uid %lu", (unsigned long)uid);
	return buf;
}

int shmrpc__registry_file_check(const struct stat *st, const char *path,
    uid_t owner, char *why, size_t len)
{
	char who[128], want[128];

	if (st->st_uid != owner) {
		snprintf(why, len, "%s is owned by %s, not by %s: not "
		    "ours, so never read, written or waited on (root's "
		    "shmrpc-clean -a removes it)", path,
		    shmrpc__registry_uid_text(st->st_uid, who, sizeof(who)),
		    shmrpc__registry_uid_text(owner, want, sizeof(want)));
		return SHMRPC_ENOTOURS;
	}
	if (!S_ISREG(st->st_mode)) {
		snprintf(why, len, "%s is not a regular file: never read, "
		    "written or waited on", path);
		return SHMRPC_ENOTOURS;
	}
	if (st->st_nlink != 1) {
		snprintf(why, len, "%s has %lu links: not a file shmrpc made, "
		    "so never read, written or waited on", path,
		    (unsigned long)st->st_nlink);
		return SHMRPC_ENOTOURS;
	}
	return 0;
}
