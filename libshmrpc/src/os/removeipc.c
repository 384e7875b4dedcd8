/*
 * removeipc.c - layer: OS access.  systemd-logind's RemoveIPC= setting,
 * read as systemd reads it (see removeipc.h).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/common.h"
#include "os/removeipc.h"

/* Re-read the configuration at most this often. */
#define REMOVEIPC_TTL_NS (5 * NS_PER_SEC)
#define MAX_DROPINS 64

/* Drop-in directories, most important first: a file in /etc hides one
 * of the same name further down (systemd.unit(5), conf_files_list). */
static const char *const dropin_dirs[] = {
	"/etc/systemd/logind.conf.d", "/run/systemd/logind.conf.d",
	"/usr/local/lib/systemd/logind.conf.d", "/usr/lib/systemd/logind.conf.d",
};

/* A systemd boolean: 1, 0, or -1 when it is none. */
static int parse_bool(const char *v)
{
	static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
	static const char *const no[] = { "0", "no", "n", "false", "f", "off" };

	for (size_t i = 0; i < ARRAY_LEN(yes); i++)
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
	for (size_t i = 0; i < ARRAY_LEN(no); i++)
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	return -1;
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* Apply RemoveIPC= of the [Login] section of file path to *value. */
static void read_conf(const char *path, int *value)
{
	char line[1024];
	bool login = false;
	FILE *f = fopen(path, "re");

	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *l = trim(line), *eq;
		int b;

		if (*l == '#' || *l == ';' || *l == '\0')
			continue;
		if (*l == '[') {
			login = strcmp(l, "[Login]") == 0;
			continue;
		}
		eq = strchr(l, '=');
		if (!login || eq == NULL)
			continue;
		*eq = '\0';
		if (strcmp(trim(l), "RemoveIPC") == 0 &&
		    (b = parse_bool(trim(eq + 1))) >= 0)
			*value = b;
	}
	fclose(f);
}

static int cmp_name(const void *a, const void *b)
{
	const char *x = strrchr(*(const char *const *)a, '/');
	const char *y = strrchr(*(const char *const *)b, '/');

	return strcmp(x, y);
}

/* Every drop-in *.conf, deduplicated by name (first directory wins), in
 * name order, into paths (n of them, each malloc'd). */
static size_t list_dropins(char **paths, size_t max)
{
	size_t n = 0;

	for (size_t d = 0; d < ARRAY_LEN(dropin_dirs); d++) {
		DIR *dir = opendir(dropin_dirs[d]);
		struct dirent *de;

		while (dir != NULL && (de = readdir(dir)) != NULL && n < max) {
			size_t len = strlen(de->d_name), k;
			if (len < 6 || strcmp(de->d_name + len - 5, ".conf"))
				continue;
			for (k = 0; k < n; k++)
				if (strcmp(strrchr(paths[k], '/') + 1,
					de->d_name) == 0)
					break;
			if (k < n || asprintf(&paths[n], "%s/%s",
					 dropin_dirs[d], de->d_name) < 0)
				continue;
			n++;
		}
		if (dir != NULL)
			closedir(dir);
	}
	qsort(paths, n, sizeof(*paths), cmp_name);
	return n;
}

/* RemoveIPC= as systemd-logind sees it: the default (yes), the main file,
 * then the drop-ins. */
static int read_setting(void)
{
	char *paths[MAX_DROPINS];
	int value = 1;
	size_t n;

	if (access("/etc/systemd/logind.conf", F_OK) == 0)
		read_conf("/etc/systemd/logind.conf", &value);
	else
		read_conf("/usr/lib/systemd/logind.conf", &value);
	n = list_dropins(paths, ARRAY_LEN(paths));
	for (size_t i = 0; i < n; i++) {
		read_conf(paths[i], &value);
		free(paths[i]);
	}
	return value;
}

int shmrpc__removeipc_applies(uid_t uid)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static int64_t read_at;
	static int setting = -1, systemd = -1;
	int64_t now = clock_now_ns();
	int s, d;

	if (uid == 0 || uid <= REMOVEIPC_SYSTEM_UID_MAX)
		return 0;
	pthread_mutex_lock(&lock);
	if (setting < 0 || now - read_at >= REMOVEIPC_TTL_NS) {
		systemd = access("/run/systemd/system", F_OK) == 0;
		setting = systemd ? read_setting() : 0;
		read_at = now;
	}
	s = setting;
	d = systemd;
	pthread_mutex_unlock(&lock);
	return d && s;
}

SHMRPC_API int shmrpc_removeipc_applies(uid_t uid)
{
	return shmrpc__removeipc_applies(uid);
}
