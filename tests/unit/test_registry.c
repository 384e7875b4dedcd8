/*
 * test_registry.c - the registry file: format, damage and repair, locking
 * under many concurrent writers, a writer killed in the middle.
 *
 * Every test uses a registry of its own (SHMRPC_REGISTRY, a unique name in
 * /dev/shm) and unique channel names, and removes what it made.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "testlib.h"

#include "inspect/inspect.h"
#include "registry/registry.h"
#include "os/shmobj.h"

#define tag ut_tag
#define reg_path ut_reg_path

/* Remove everything whose name holds the tag; count what was there besides
 * set-aside registries (which tests make on purpose). */
static int sweep(void)
{
	return ut_sweep(0);
}

/* Seconds shmrpc__registry_test_midwrite_hook() stalls a registry writer (set
   in a forked child that is then killed half way through a write). */
static unsigned midwrite_stall_seconds;

void shmrpc__registry_test_midwrite_hook(void)
{
	if (midwrite_stall_seconds > 0)
		sleep(midwrite_stall_seconds);
}

static int setup(void **state)
{
	return ut_setup(state);
}

static int teardown(void **state)
{
	(void)state;
	return sweep() == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	static char buf[1 << 20];
	size_t n;

	if (f == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int count_aside(void)
{
	DIR *d = opendir("/dev/shm");
	struct dirent *de;
	int n = 0;

	while ((de = readdir(d)) != NULL)
		if (strstr(de->d_name, tag) != NULL &&
		    strstr(de->d_name, ".corrupt-") != NULL)
			n++;
	closedir(d);
	return n;
}

static void make_entry(struct reg_entry *e, const char *name, pid_t pid,
    uint64_t start)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", name);
	snprintf(e->transport, sizeof(e->transport), "posix");
	e->kind = SHMRPC_TRANSPORT_POSIX;
	e->nobjects = shmrpc__transport_posix_ops.object_names(name, e->objects,
	    TRANSPORT_MAX_OBJECTS);
	e->buffer_size = 4096;
	e->slots = 1;
	e->created = 1767225600.25;
	e->pid = pid;
	e->start = start;
	e->uid = geteuid();
	e->gid = (gid_t)-1;
	snprintf(e->comm, sizeof(e->comm), "we \"quote\"");
}

/* ---- format ------------------------------------------------------------ */

static void test_round_trip(void **state)
{
	struct registry r;
	struct reg_entry e, *v;
	char name[128];
	size_t n;
	pid_t clients[2] = { 11, 22 };

	(void)state;
	assert_int_equal(shmrpc__registry_lock(&r, reg_path, false,
			     shmrpc__inspect_rebuild),
	    0);
	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "%s_ch%d", tag, i);
		make_entry(&e, name, 1000 + i, 5000 + (uint64_t)i);
		assert_int_equal(shmrpc__registry_put(&r, &e), 0);
	}
	/* Putting the same key again replaces, never duplicates. */
	snprintf(name, sizeof(name), "%s_ch1", tag);
	make_entry(&e, name, 4242, 77);
	e.clients = clients;
	e.nclients = 2;
	assert_int_equal(shmrpc__registry_put(&r, &e), 0);
	assert_int_equal(shmrpc__registry_commit(&r), 0);
	shmrpc__registry_unlock(&r);

	assert_int_equal(shmrpc__registry_read(reg_path, &v, &n, NULL, 0,
			     shmrpc__inspect_rebuild),
	    0);
	assert_int_equal(n, 3);
	assert_int_equal(v[1].pid, 4242);
	assert_int_equal(v[1].start, 77);
	assert_int_equal(v[1].nclients, 2);
	assert_int_equal(v[1].clients[1], 22);
	assert_string_equal(v[1].comm, "we \"quote\"");
	assert_true(strncmp(v[1].objects[0], "srb_", 4) == 0);
	shmrpc__reg_entries_free(v, n);
}

static void test_round_trip_fields(void **state)
{
	struct registry r;
	struct reg_entry e, *v;
	char name[128];
	size_t n;

	(void)state;
	snprintf(name, sizeof(name), "%s_f", tag);
	make_entry(&e, name, 99, 123456789);
	e.pid_ns = 4026531836u;
	snprintf(e.lock, sizeof(e.lock), "%s", e.objects[0]);
	snprintf(e.cgroup, sizeof(e.cgroup), "/system.slice/calc.service");
	e.mode = 0660;
	e.gid = 4242;
	assert_int_equal(shmrpc__registry_lock(&r, reg_path, false,
			     shmrpc__inspect_rebuild),
	    0);
	assert_int_equal(shmrpc__registry_put(&r, &e), 0);
	assert_int_equal(shmrpc__registry_commit(&r), 0);
	shmrpc__registry_unlock(&r);
	assert_int_equal(shmrpc__registry_read(reg_path, &v, &n, NULL, 0,
			     shmrpc__inspect_rebuild),
	    0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].name, name);
	assert_string_equal(v[0].transport, "posix");
	assert_int_equal(v[0].nobjects, 7);
	assert_string_equal(v[0].objects[6], e.objects[6]);
	assert_int_equal(v[0].buffer_size, 4096);
	assert_int_equal(v[0].slots, 1);
	assert_true(v[0].created > 1767225600.2 && v[0].created < 1767225600.3);
	assert_int_equal(v[0].uid, geteuid());
	assert_int_equal(v[0].pid_ns, 4026531836u);
	assert_string_equal(v[0].lock, e.objects[0]);
	assert_string_equal(v[0].cgroup, "/system.slice/calc.service");
	assert_int_equal(v[0].mode, 0660);
	assert_int_equal(v[0].gid, 4242);
	shmrpc__reg_entries_free(v, n);
	/* The file is the documented JSON: jansson reads it whole. */
	json_error_t jerr;
	json_t *doc = json_load_file(reg_path, 0, &jerr);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "format")),
	    "shmrpc-registry");
	assert_int_equal(json_integer_value(json_object_get(doc, "version")),
	    2);
	assert_int_equal(json_array_size(json_object_get(doc, "channels")), 1);
	json_t *ch = json_array_get(json_object_get(doc, "channels"), 0);
	assert_string_equal(json_string_value(json_object_get(ch, "mode")),
	    "0660");
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(ch, "owner"), "lock")), e.objects[0]);
	json_decref(doc);
}

/* A version 1 file (before owners had a PID namespace and a lock) is
 * read as it is, and its entries keep what they said when the file is
 * written again as version 2; new entries get the new members. */
static void test_version_1_still_read(void **state)
{
	char text[2048], name[128];
	struct reg_entry *v, e;
	struct registry r;
	size_t n;

	(void)state;
	snprintf(name, sizeof(name), "%s_v1", tag);
	snprintf(text, sizeof(text), "{\"format\": \"shmrpc-registry\", "
	    "\"version\": 1, \"channels\": [\n{\"name\": \"%s\", "
	    "\"transport\": \"futex\", \"objects\": [\"shmrpc_futex_%s\"], "
	    "\"buffer_size\": 4096, \"slots\": 16, \"created\": "
	    "\"2026-11-26T07:35:25.474Z\", \"owner\": {\"pid\": 14773, "
	    "\"start_time\": 388519, \"uid\": %lu, \"comm\": \"old\"}, "
	    "\"clients\": []}\n]}\n", name, name, (unsigned long)geteuid());
	write_file(reg_path, text);
	assert_int_equal(shmrpc__registry_read(reg_path, &v, &n, NULL, 0,
			     shmrpc__inspect_rebuild),
	    0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].pid, 14773);
	assert_int_equal(v[0].pid_ns, 0);
	assert_string_equal(v[0].lock, "");
	assert_int_equal(v[0].gid, (gid_t)-1);
	shmrpc__reg_entries_free(v, n);
	assert_int_equal(count_aside(), 0);
	/* Written again by this version: the old line is kept as it was. */
	make_entry(&e, "x", 5, 6);
	snprintf(e.name, sizeof(e.name), "%s_new", tag);
	assert_int_equal(shmrpc__registry_lock(&r, reg_path, true,
			     shmrpc__inspect_rebuild),
	    0);
	assert_int_equal(shmrpc__registry_put(&r, &e), 0);
	assert_int_equal(shmrpc__registry_commit(&r), 0);
	shmrpc__registry_unlock(&r);
	assert_non_null(strstr(read_text(reg_path), "\"version\": 2"));
	assert_non_null(strstr(read_text(reg_path), "\"comm\": \"old\"}"));
	assert_int_equal(count_aside(), 0);
}

/* Members of version 2 that are present must be right: a lock that is not
 * one of the channel's objects, a bad mode, a pid_ns out of range. */
static void test_bad_new_members(void **state)
{
	static const char *const bad[] = {
		"\"owner\": {\"pid\": 1, \"start_time\": 2, \"uid\": 0, "
		"\"comm\": \"c\", \"lock\": \"important.db\"}",
		"\"owner\": {\"pid\": 1, \"start_time\": 2, \"uid\": 0, "
		"\"comm\": \"c\", \"pid_ns\": -1}",
		"\"owner\": {\"pid\": 1, \"start_time\": 2, \"uid\": 0, "
		"\"comm\": \"c\"}, \"mode\": \"rw-rw----\"",
		"\"owner\": {\"pid\": 1, \"start_time\": 2, \"uid\": 0, "
		"\"comm\": \"c\"}, \"gid\": \"wheel\"",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[1024];
		json_t *o;
		struct reg_entry e;

		snprintf(text, sizeof(text), "{\"name\": \"a\", \"transport\": "
		    "\"futex\", \"objects\": [\"shmrpc_futex_a\"], "
		    "\"buffer_size\": 4096, \"slots\": 1, \"created\": "
		    "\"2026-11-26T07:35:25.474Z\", %s}", bad[i]);
		o = json_loads(text, 0, NULL);
		assert_non_null(o);
		assert_int_equal(shmrpc__reg_entry_from_json(o, &e), -EINVAL);
		json_decref(o);
	}
}

static void test_empty_registry_removes_files(void **state)
{
	char lock[300];
	struct registry r;
	struct reg_entry e;
	char name[128];
	struct stat st;

	(void)state;
	snprintf(name, sizeof(name), "%s_x", tag);
	snprintf(lock, sizeof(lock), "%s.lock", reg_path);
	make_entry(&e, name, 5, 6);
	assert_int_equal(shmrpc__registry_lock(&r, reg_path, false,
			     shmrpc__inspect_rebuild),
	    0);
	assert_int_equal(shmrpc__registry_put(&r, &e), 0);
	assert_int_equal(shmrpc__registry_commit(&r), 0);
	shmrpc__registry_unlock(&r);
	assert_int_equal(stat(reg_path, &st), 0);
	assert_int_equal(stat(lock, &st), 0);
	assert_int_equal(shmrpc__registry_lock(&r, reg_path, false,
			     shmrpc__inspect_rebuild),
	    0);
	assert_true(shmrpc__registry_find(&r, name, "posix") == 0);
	shmrpc__registry_remove_at(&r, 0);
	assert_int_equal(shmrpc__registry_commit(&r), 0);
	shmrpc__registry_unlock(&r);
	assert_int_not_equal(stat(reg_path, &st), 0);
	assert_int_not_equal(stat(lock, &st), 0);
}

/* ---- files at our path that are not ours ------------------------------------ */

/* Make `path` a file of uid 65534 (root only: chown), mode 0666. */
static bool squat(const char *path, const char *text)
{
	if (geteuid() != 0)
		return false;
	write_file(path, text);
	assert_int_equal(chown(path, 65534, 65534), 0);
	assert_int_equal(chmod(path, 0666), 0);
	return true;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Another user's lock file at our path: refused at once with its name and
 * owner, even while that user holds it (never waited on). */
static void test_squatted_lock_refused(void **state)
{
	char lock[300];
	struct registry r;
	int64_t t0;
	int fd;

	(void)state;
	snprintf(lock, sizeof(lock), "%s.lock", reg_path);
	if (!squat(lock, ""))
		skip();
	fd = open(lock, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	t0 = now_ms();
	assert_int_equal(shmrpc__registry_lock(&r, reg_path, false, NULL),
	    SHMRPC_ENOTOURS);
	assert_true(now_ms() - t0 < 1000);
	assert_non_null(strstr(r.why, lock));
	assert_non_null(strstr(r.why, "owned by uid 65534"));
	close(fd);
	unlink(lock);
}

/* Another user's registry file: never written into, never read as ours. */
static void test_squatted_registry_refused(void **state)
{
	struct reg_entry *v;
	struct registry r;
	char warn[640];
	size_t n;

	(void)state;
	if (!squat(reg_path, "{\"format\": \"shmrpc-registry\", \"version\": "
			     "2, \"channels\": [\n]}\n"))
		skip();
	assert_int_equal(shmrpc__registry_lock(&r, reg_path, false, NULL),
	    SHMRPC_ENOTOURS);
	assert_non_null(strstr(r.why, "owned by uid 65534"));
	assert_int_equal(shmrpc__registry_read(reg_path, &v, &n, warn,
			     sizeof(warn), NULL),
	    SHMRPC_ENOTOURS);
	assert_non_null(strstr(warn, reg_path));
	assert_string_equal(read_text(reg_path), "{\"format\": "
	    "\"shmrpc-registry\", \"version\": 2, \"channels\": [\n]}\n");
	unlink(reg_path);
}

/* Another user's .tmp: the commit fails naming it; the registry is not
 * replaced by anything that user could have prepared. */
static void test_squatted_tmp_refused(void **state)
{
	char tmp[300];
	struct registry r;
	struct reg_entry e;

	(void)state;
	snprintf(tmp, sizeof(tmp), "%s.tmp", reg_path);
	if (!squat(tmp, "evil"))
		skip();
	make_entry(&e, "x", 5, 6);
	snprintf(e.name, sizeof(e.name), "%s_t", tag);
	assert_int_equal(shmrpc__registry_lock(&r, reg_path, false, NULL), 0);
	assert_int_equal(shmrpc__registry_put(&r, &e), 0);
	assert_int_equal(shmrpc__registry_commit(&r), SHMRPC_ENOTOURS);
	assert_non_null(strstr(r.why, tmp));
	shmrpc__registry_unlock(&r);
	assert_string_equal(read_text(tmp), "evil");
	unlink(tmp);
}

/* A lock file with a second link is not one we made: refused, and never
 * given to the registry's user. */
static void test_linked_lock_refused(void **state)
{
	char lock[300], other[300];
	struct registry r;
	struct stat st;

	(void)state;
	snprintf(lock, sizeof(lock), "%s.lock", reg_path);
	snprintf(other, sizeof(other), "/dev/shm/%s-other", tag);
	write_file(other, "mine");
	assert_int_equal(link(other, lock), 0);
	assert_int_equal(shmrpc__registry_lock(&r, reg_path, false, NULL),
	    SHMRPC_ENOTOURS);
	assert_non_null(strstr(r.why, "2 links"));
	assert_int_equal(stat(other, &st), 0);
	assert_int_equal(st.st_uid, geteuid());
	unlink(lock);
	unlink(other);
}

/* ---- damage ---------------------------------------------------------------- */

static void check_repaired(const char *content, const char *why)
{
	struct reg_entry *v;
	char warn[640];
	size_t n;

	write_file(reg_path, content);
	assert_int_equal(shmrpc__registry_read(reg_path, &v, &n, warn,
			     sizeof(warn), shmrpc__inspect_rebuild),
	    0);
	/* Rebuilt: only channels some live process maps, which are none of
	 * ours (other users of /dev/shm may have some), all marked. */
	for (size_t i = 0; i < n; i++) {
		assert_true(v[i].rebuilt);
		assert_null(strstr(v[i].name, tag));
	}
	shmrpc__reg_entries_free(v, n);
	assert_non_null(strstr(warn, "set aside"));
	if (why != NULL && strstr(warn, why) == NULL)
		fail_msg("warning \"%s\" lacks \"%s\"", warn, why);
	assert_int_equal(count_aside(), 1);
	sweep();
}

static void test_corrupt_file(void **state)
{
	(void)state;
	check_repaired("this is not json\n", "header");
	check_repaired("{\"format\": \"shmrpc-reg", "truncated");
	check_repaired("{\"format\": \"shmrpc-registry\", \"version\": 1, "
		       "\"channels\": [\n{\"name\": \"a\", \"transport\": "
		       "\"posix\", \"objects\": [\n]}\n", NULL);
}

static void test_empty_file(void **state)
{
	(void)state;
	check_repaired("", "empty");
}

static void test_other_version(void **state)
{
	(void)state;
	check_repaired("{\"format\": \"shmrpc-registry\", \"version\": 0, "
		       "\"channels\": [\n]}\n", "version 0");
}

/* A newer libshmrpc's registry is refused and left as it is: setting it
 * aside would throw away what that version wrote. */
static void test_newer_version(void **state)
{
	static const char text[] = "{\"format\": \"shmrpc-registry\", "
				   "\"version\": 9, \"channels\": [\n]}\n";
	struct registry r;
	(void)state;
	write_file(reg_path, text);
	assert_int_equal(shmrpc__registry_lock(&r, reg_path, false,
			     shmrpc__inspect_rebuild),
	    SHMRPC_EVERSION);
	assert_non_null(strstr(r.why, "version 9"));
	assert_string_equal(read_text(reg_path), text);
	assert_int_equal(count_aside(), 0);
}

static void test_truncated_file(void **state)
{
	struct registry r;
	struct reg_entry e;
	char name[128], *text;
	size_t len;

	(void)state;
	assert_int_equal(shmrpc__registry_lock(&r, reg_path, false,
			     shmrpc__inspect_rebuild),
	    0);
	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "%s_t%d", tag, i);
		make_entry(&e, name, 1000 + i, 1);
		shmrpc__registry_put(&r, &e);
	}
	assert_int_equal(shmrpc__registry_commit(&r), 0);
	shmrpc__registry_unlock(&r);
	text = strdup(read_text(reg_path));
	len = strlen(text);
	text[len / 2] = '\0';
	check_repaired(text, NULL);
	free(text);
}

static void test_valid_json_bad_entry(void **state)
{
	(void)state;
	/* Passes the line check, fails the full one: no owner. */
	check_repaired("{\"format\": \"shmrpc-registry\", \"version\": 1, "
		       "\"channels\": [\n{\"name\": \"abc\", \"transport\": "
		       "\"posix\"}\n]}\n", "incomplete");
}

static void test_symlink_registry_refused(void **state)
{
	struct reg_entry *v;
	size_t n;
	char target[300];
	struct stat st;

	(void)state;
	snprintf(target, sizeof(target), "%s.target", reg_path);
	write_file(target, "keep me\n");
	assert_int_equal(symlink(target, reg_path), 0);
	/* Never followed: set aside (renamed, the target untouched). */
	assert_int_equal(shmrpc__registry_read(reg_path, &v, &n, NULL, 0,
			     shmrpc__inspect_rebuild),
	    0);
	shmrpc__reg_entries_free(v, n);
	assert_string_equal(read_text(target), "keep me\n");
	/* What is under the name now is ours: absent or rebuilt. */
	assert_true(lstat(reg_path, &st) == -1 || S_ISREG(st.st_mode));
	unlink(target);
}

/* ---- concurrency ------------------------------------------------------------ */

#define STRESS_PROCS 64
#define STRESS_CYCLES 100

static void stress_child(int idx, int ready_fd, int go_fd)
{
	char keep[128], cyc[128];
	shmrpc_transport *k = NULL, *t;
	shmrpc_options o;
	char c;
	int rc;

	shmrpc_options_init(&o);
	o.transport = SHMRPC_TRANSPORT_POSIX;
	o.buffer_size = 64;
	snprintf(keep, sizeof(keep), "%s_k%d", tag, idx);
	snprintf(cyc, sizeof(cyc), "%s_c%d", tag, idx);
	if (shmrpc_transport_create(&k, keep, &o, NULL) < 0)
		_exit(10);
	for (int i = 0; i < STRESS_CYCLES; i++) {
		rc = shmrpc_transport_create(&t, cyc, &o, NULL);
		if (rc < 0)
			_exit(11);
		shmrpc_transport_close(t);
	}
	c = 'r';
	if (write(ready_fd, &c, 1) != 1)
		_exit(12);
	if (read(go_fd, &c, 1) < 0)
		_exit(13);
	shmrpc_transport_close(k);
	_exit(0);
}

static void test_many_writers(void **state)
{
	int ready[2], go[2], status;
	pid_t pids[STRESS_PROCS];
	struct reg_entry *v;
	size_t n;
	char c;

	(void)state;
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	for (int i = 0; i < STRESS_PROCS; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			close(ready[0]);
			close(go[1]);
			stress_child(i, ready[1], go[0]);
		}
	}
	close(ready[1]);
	close(go[0]);
	for (int i = 0; i < STRESS_PROCS; i++)
		assert_int_equal(read(ready[0], &c, 1), 1);

	/* Every child holds its keeper and has closed its cycler 100
	 * times: exactly the 64 keepers are registered, once each. */
	assert_int_equal(shmrpc__registry_read(reg_path, &v, &n, NULL, 0,
			     shmrpc__inspect_rebuild),
	    0);
	assert_int_equal(n, STRESS_PROCS);
	for (int i = 0; i < STRESS_PROCS; i++) {
		char keep[128];
		int found = 0;
		snprintf(keep, sizeof(keep), "%s_k%d", tag, i);
		for (size_t j = 0; j < n; j++)
			found += strcmp(v[j].name, keep) == 0;
		assert_int_equal(found, 1);
	}
	shmrpc__reg_entries_free(v, n);

	close(go[1]);
	for (int i = 0; i < STRESS_PROCS; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	close(ready[0]);
	/* All closed: the registry is gone with its lock. */
	assert_null(read_text(reg_path));
}

/* ---- a writer killed with -9 in the middle of an update ------------------ */

/* What a reap removed, from its events. */
struct removed {
	unsigned objects, entries;
};

static void count_removed(const shmrpc_reap_event *ev, void *arg)
{
	struct removed *r = arg;

	r->objects += ev->removed;
	if (ev->action == SHMRPC_REAP_REMOVED && ev->channel != NULL)
		r->entries++;
}

static void test_writer_killed_mid_update(void **state)
{
	char tmp[300], name[128], other[128];
	shmrpc_transport *t;
	shmrpc_options o;
	struct reg_entry *v;
	struct stat st;
	size_t n;
	pid_t pid;
	int status;

	(void)state;
	snprintf(tmp, sizeof(tmp), "%s.tmp", reg_path);
	snprintf(name, sizeof(name), "%s_victim", tag);
	snprintf(other, sizeof(other), "%s_after", tag);
	shmrpc_options_init(&o);
	o.transport = SHMRPC_TRANSPORT_POSIX;

	/* One entry that must survive. */
	assert_int_equal(shmrpc_transport_create(&t, other, &o, NULL), 0);

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		shmrpc_transport *x;
		midwrite_stall_seconds = 60;
		shmrpc_transport_create(&x, name, &o, NULL);
		_exit(0);
	}
	/* It stalls with half a temporary file written, holding the lock. */
	for (int i = 0; i < 1000 && stat(tmp, &st) != 0; i++)
		usleep(10000);
	assert_int_equal(stat(tmp, &st), 0);
	usleep(20000);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);

	/* The registry is intact and still usable. */
	assert_int_equal(shmrpc__registry_read(reg_path, &v, &n, NULL, 0,
			     shmrpc__inspect_rebuild),
	    0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].name, other);
	shmrpc__reg_entries_free(v, n);
	shmrpc_transport_close(t);
	assert_null(read_text(reg_path));

	/* The victim's objects were never registered: an orphan now, which
	 * a restart of the same name reclaims (grace is for strangers: they
	 * are older than nothing, so reap them as the tool would). */
	shmrpc_reap_options io;
	struct removed res = { 0, 0 };
	shmrpc_error e;
	shmrpc_reap_options_init(&io);
	io.grace = 0;
	if (shmrpc_reap_channel(name, &io, count_removed, &res, &e) != 0)
		fail_msg("reap %s: %s", name, e.text);
	assert_int_equal(res.objects, 7);
	assert_int_equal(res.entries, 0);
	assert_int_not_equal(stat(tmp, &st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_squatted_lock_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_squatted_registry_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_squatted_tmp_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_linked_lock_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_version_1_still_read,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_new_members, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_round_trip_fields, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_empty_registry_removes_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_version, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_empty_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_other_version, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_truncated_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_valid_json_bad_entry,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_registry_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_writers, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_writer_killed_mid_update,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
