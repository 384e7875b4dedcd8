/*
 * test_posix_stats_file - the posix channel's counters file
 * (/dev/shm/shmrpc_posix_NAME, posix_layout.h) as someone else may have
 * made it, read by shmrpc_stats_read(): root's `shmrpc-top -a` reads
 * files that other users wrote.  Beyond its bytes (fuzz_posix_stats):
 * a file of another user beside a channel, a file without a channel, a
 * FIFO, a directory or a symlink at its name, sizes far beyond what the
 * header allows, and a size that changes while it is read.  Each gives an
 * error or figures that fit the header, never a hang or a signal.
 *
 * The files are made by hand here (a server would refuse to start beside
 * most of them), under the test's own channel names.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "transport/posix_layout.h"
#include "testlib.h"

#define NOBODY 65534

static char chan[96];
static char stats_path[300]; /* /dev/shm/shmrpc_posix_<chan> */
static char req_path[300];   /* /dev/shm/srb_<chan>_req */

static int setup(void **state)
{
	ut_setup(state);
	ut_name(chan, sizeof(chan), "ps");
	snprintf(stats_path, sizeof(stats_path), "/dev/shm/%s%s",
	    POSIX_STATS_PREFIX, chan);
	snprintf(req_path, sizeof(req_path), "/dev/shm/%s%s%s",
	    POSIX_REQ_PREFIX, chan, POSIX_REQ_SUFFIX);
	return 0;
}

static int teardown(void **state)
{
	unlink(stats_path);
	rmdir(stats_path);
	unlink(req_path);
	return ut_teardown(state);
}

/* The bytes a server of capacity methods, n of them registered (m0,
 * m1, ...; method i called i + 1 times, once failing), writes; *len is
 * the file's size.  Caller frees. */
static unsigned char *stats_bytes(uint32_t capacity, uint32_t n, size_t *len)
{
	struct posix_stats_header *h;
	struct method_table *t;
	unsigned char *b;

	*len = (size_t)posix_stats_size(capacity);
	b = calloc(1, *len);
	assert_non_null(b);
	h = (struct posix_stats_header *)b;
	h->magic = POSIX_STATS_MAGIC;
	h->version = POSIX_STATS_VERSION;
	h->header_size = POSIX_STATS_HEADER_SIZE;
	h->methods_capacity = capacity;
	h->methods_offset = POSIX_STATS_HEADER_SIZE;
	h->total_size = *len;
	h->server_pid = 4242;
	h->buffer_size = 8192;
	snprintf(h->name, sizeof(h->name), "%s", chan);
	t = (struct method_table *)(b + POSIX_STATS_HEADER_SIZE);
	atomic_store(&t->count, n);
	for (uint32_t i = 0; i < n; i++) {
		struct method_entry *e = methods_entry(t, i);
		snprintf(e->name, sizeof(e->name), "m%u", i);
		atomic_store(&e->c.latency[10], i + 1);
		atomic_store(&e->c.errors, 1);
	}
	return b;
}

/* path, a new regular file holding bytes[0..len), then made size bytes
 * long (sparse beyond len). */
static void put_file(const char *path, const void *bytes, size_t len,
    off_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, bytes, len), (ssize_t)len);
	assert_int_equal(ftruncate(fd, size), 0);
	close(fd);
}

/* A channel's request segment and a counters file of n methods. */
static void put_channel(uint32_t n)
{
	size_t len;
	unsigned char *b = stats_bytes(16, n, &len);

	put_file(req_path, "", 0, 4096);
	put_file(stats_path, b, len, (off_t)len);
	free(b);
}

static int read_posix(shmrpc_stats **st, shmrpc_error *e)
{
	*st = NULL;
	return shmrpc_stats_read(st, chan, SHMRPC_TRANSPORT_POSIX, e);
}

/* What the files made here say, read back whole: the cases below are
 * refused for what they test, not for a mistake in the files. */
static void test_handmade(void **state)
{
	shmrpc_stats *st;

	(void)state;
	put_channel(3);
	assert_int_equal(read_posix(&st, NULL), 0);
	assert_int_equal(shmrpc_stats_channel(st)->server_pid, 4242);
	assert_int_equal(shmrpc_stats_channel(st)->buffer_size, 8192);
	assert_int_equal(shmrpc_stats_method_count(st), 3);
	assert_string_equal(shmrpc_stats_method(st, 2)->name, "m2");
	assert_int_equal(shmrpc_stats_method(st, 2)->counters->calls, 3);
	assert_int_equal(shmrpc_stats_method(st, 2)->counters->errors, 1);
	shmrpc_stats_free(st);
}

/* shmrpc_stats_read() of the test's channel by uid nobody, in a child:
 * its return code (or -1000 if the child could not say). */
static int as_nobody_read(void)
{
	int st = 0;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		shmrpc_stats *s = NULL;
		int rc;
		if (setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
		    setresuid(NOBODY, NOBODY, NOBODY) < 0)
			_exit(255);
		rc = shmrpc_stats_read(&s, chan, SHMRPC_TRANSPORT_POSIX, NULL);
		_exit(s == NULL && rc < 0 && rc > -255 ? -rc : 254);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) && WEXITSTATUS(st) < 254 ? -WEXITSTATUS(st)
						       : -1000;
}

/* Another user's counters file beside our channel, which has none (a
 * Python server's) or lost its own: its figures are not the channel's.
 * Root reads a channel of another user whose files are all that user's. */
static void test_other_users_file(void **state)
{
	shmrpc_stats *st;
	shmrpc_error e;

	(void)state;
	if (geteuid() != 0)
		skip();
	put_channel(2);
	/* nobody cannot read root's file (0600): an error, not figures. */
	assert_int_equal(as_nobody_read(), -EACCES);
	assert_int_equal(chown(stats_path, NOBODY, NOBODY), 0);
	assert_int_equal(read_posix(&st, &e), SHMRPC_ENOTOURS);
	assert_null(st);
	assert_non_null(strstr(e.text, "uid 65534"));
	assert_non_null(strstr(e.text, stats_path + strlen("/dev/shm/")));
	/* The whole channel nobody's: read, as root's -a does. */
	assert_int_equal(chown(req_path, NOBODY, NOBODY), 0);
	assert_int_equal(read_posix(&st, &e), 0);
	assert_int_equal(shmrpc_stats_method_count(st), 2);
	shmrpc_stats_free(st);
	/* Our counters file beside nobody's channel: not its either. */
	assert_int_equal(chown(stats_path, 0, 0), 0);
	assert_int_equal(read_posix(&st, &e), SHMRPC_ENOTOURS);
}

/* A counters file with no channel beside it describes none. */
static void test_no_channel(void **state)
{
	shmrpc_stats *st;
	shmrpc_error e;

	(void)state;
	put_channel(1);
	unlink(req_path);
	assert_int_equal(read_posix(&st, &e), SHMRPC_ENOCHANNEL);
	assert_null(st);
	/* A symlink where the request segment should be names nobody. */
	assert_int_equal(symlink("/dev/null", req_path), 0);
	assert_int_equal(read_posix(&st, &e), SHMRPC_ENOTOURS);
}

/* Not a regular file at the name: refused at once.  A FIFO must not block
 * the reader (alarm: a hang fails the test with SIGALRM). */
static void test_not_regular(void **state)
{
	char other[320];
	shmrpc_stats *st;
	shmrpc_error e;

	(void)state;
	put_file(req_path, "", 0, 4096);
	assert_int_equal(mkfifo(stats_path, 0600), 0);
	alarm(10);
	assert_int_equal(read_posix(&st, &e), SHMRPC_ENOTOURS);
	alarm(0);
	assert_null(st);
	unlink(stats_path);
	assert_int_equal(mkdir(stats_path, 0700), 0);
	assert_int_equal(read_posix(&st, &e), SHMRPC_ENOTOURS);
	rmdir(stats_path);
	/* A symlink to a good file is not followed. */
	snprintf(other, sizeof(other), "%s.target", stats_path);
	{
		size_t len;
		unsigned char *b = stats_bytes(16, 1, &len);
		put_file(other, b, len, (off_t)len);
		free(b);
	}
	assert_int_equal(symlink(other, stats_path), 0);
	assert_int_equal(read_posix(&st, &e), SHMRPC_ENOTOURS);
	unlink(other);
}

/* Sizes beyond the header's: a sparse file of 1 TiB, a capacity beyond
 * SHMRPC_MAX_METHODS (whose size would wrap a 32-bit sum), a count beyond
 * the capacity: refused, or read only as far as the capacity goes. */
static void test_huge_sizes(void **state)
{
	struct posix_stats_header *h;
	struct method_table *t;
	shmrpc_stats *st;
	size_t len;
	unsigned char *b = stats_bytes(16, 1, &len);

	(void)state;
	put_file(req_path, "", 0, 4096);
	put_file(stats_path, b, len, (off_t)1 << 40);
	assert_int_equal(read_posix(&st, NULL), SHMRPC_EVERSION);
	unlink(stats_path);
	h = (struct posix_stats_header *)b;
	h->methods_capacity = UINT32_MAX;
	h->total_size = posix_stats_size(UINT32_MAX);
	put_file(stats_path, b, sizeof(*h), (off_t)h->total_size);
	assert_int_equal(read_posix(&st, NULL), SHMRPC_EVERSION);
	unlink(stats_path);
	/* The most the header allows, every entry claimed: all read. */
	h->methods_capacity = SHMRPC_MAX_METHODS;
	h->total_size = posix_stats_size(SHMRPC_MAX_METHODS);
	t = (struct method_table *)(b + POSIX_STATS_HEADER_SIZE);
	atomic_store(&t->count, UINT32_MAX);
	put_file(stats_path, b, len, (off_t)h->total_size);
	assert_int_equal(read_posix(&st, NULL), 0);
	assert_int_equal(shmrpc_stats_method_count(st), SHMRPC_MAX_METHODS);
	assert_string_equal(shmrpc_stats_method(st, 0)->name, "m0");
	assert_string_equal(shmrpc_stats_method(st, 1)->name, "");
	shmrpc_stats_free(st);
	free(b);
}

struct flipper {
	int fd;
	off_t full, cut;
	atomic_bool stop;
	unsigned long flips;
};

/* Cut the file inside its method table and make it whole again, over and
 * over: its size changes between the reader's fstat and its preads. */
static void *flip(void *arg)
{
	struct flipper *f = arg;

	while (!atomic_load(&f->stop)) {
		if (ftruncate(f->fd, f->cut) < 0 ||
		    ftruncate(f->fd, f->full) < 0)
			break;
		f->flips++;
	}
	return NULL;
}

static void test_size_changes(void **state)
{
	struct flipper f = { .stop = false };
	unsigned long ok = 0, shrank = 0, refused = 0;
	pthread_t th;
	time_t until;
	size_t len;
	unsigned char *b = stats_bytes(16, 16, &len);

	(void)state;
	put_file(req_path, "", 0, 4096);
	put_file(stats_path, b, len, (off_t)len);
	free(b);
	f.fd = open(stats_path, O_RDWR | O_CLOEXEC);
	assert_true(f.fd >= 0);
	f.full = (off_t)len;
	/* The header and the table's count stay; the entries go. */
	f.cut = POSIX_STATS_HEADER_SIZE + sizeof(struct method_table) + 100;
	assert_int_equal(pthread_create(&th, NULL, flip, &f), 0);
	until = time(NULL) + 3;
	/* 20000 reads, or 3 s (valgrind runs this one thread at a time). */
	for (int i = 0; i < 20000 && time(NULL) < until; i++) {
		shmrpc_stats *st;
		int rc = read_posix(&st, NULL);
		if (rc == 0) {
			/* Entries that were cut come back zeroed. */
			assert_int_equal(shmrpc_stats_method_count(st), 16);
			assert_string_equal(shmrpc_stats_method(st, 0)->name,
			    "m0");
			for (size_t k = 0; k < 16; k++)
				assert_true(shmrpc_stats_method(st, k)->
				    counters->calls <= k + 1);
			shmrpc_stats_free(st);
			ok++;
		} else if (rc == SHMRPC_ETRANSPORT) {
			shrank++;
		} else {
			assert_int_equal(rc, SHMRPC_EVERSION);
			refused++;
		}
	}
	atomic_store(&f.stop, true);
	pthread_join(th, NULL);
	close(f.fd);
	print_message("%lu read, %lu shrank while read, %lu refused, "
	    "%lu flips\n", ok, shrank, refused, f.flips);
	assert_true(f.flips > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_handmade, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_users_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_no_channel, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_not_regular, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_huge_sizes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_size_changes, setup,
		    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
