/*
 * test_shared_segment.c - reading a futex segment that its owner changes
 * under the reader (issue 17).
 *
 * The owner of a channel can rewrite its segment's header or truncate the
 * file at any moment; the counters functions and the inspection (which
 * root's shmrpc-clean -l -a and shmrpc-top -a run over every user's
 * channels) read it from outside, and a client maps it to open it.  A
 * child process plays the owner: it flips the header's layout fields
 * between the real ones and absurd ones, or truncates the file and grows
 * it back, as fast as it can, while this process reads.  Whatever it
 * does, the readers get their figures or an error (SHMRPC_EVERSION),
 * never a signal.  A client's own calls on a segment truncated under it
 * are not guarded (shmrpc(7), LIMITS): only its open is tested here.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "testlib.h"

#include "base/clock.h"
#include "transport/futex_layout.h"
#include "shmrpc.h"

#define RUN_NS (1500 * 1000000LL)

static char channel[96];
static pid_t owner_pid;

static int setup(void **state)
{
	ut_setup(state);
	ut_name(channel, sizeof(channel), "seg");
	return 0;
}

static int teardown(void **state)
{
	ut_kill(&owner_pid);
	return ut_teardown(state);
}

static void segment_path(char *buf, size_t len)
{
	snprintf(buf, len, "/dev/shm/shmrpc_futex_%s", channel);
}

/* The owner, rewriting the header: the real layout, then slots "1024,
 * at 2^40", and back, field by field, as fast as it can. */
static void flip_header(void)
{
	char path[256];
	volatile struct futex_header *h;
	uint32_t nslots;
	uint64_t offset;
	int fd;

	segment_path(path, sizeof(path));
	fd = open(path, O_RDWR);
	if (fd < 0)
		_exit(1);
	h = mmap(NULL, FUTEX_HEADER_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
	    fd, 0);
	if (h == MAP_FAILED)
		_exit(1);
	nslots = h->nslots;
	offset = h->slots_offset;
	for (;;) {
		h->nslots = FUTEX_MAX_SLOTS;
		h->slots_offset = 1ull << 40;
		for (volatile int i = 0; i < 50; i++)
			;
		h->nslots = nslots;
		h->slots_offset = offset;
		for (volatile int i = 0; i < 50; i++)
			;
	}
}

/* The owner, truncating the file to its header and growing it back. */
static void truncate_and_grow(void)
{
	char path[256];
	struct stat st;
	int fd;

	segment_path(path, sizeof(path));
	fd = open(path, O_RDWR);
	if (fd < 0 || fstat(fd, &st) < 0)
		_exit(1);
	for (;;) {
		if (ftruncate(fd, FUTEX_HEADER_SIZE) < 0 ||
		    ftruncate(fd, st.st_size) < 0)
			_exit(1);
	}
}

static void start_owner(void (*owner)(void))
{
	owner_pid = fork();
	assert_true(owner_pid >= 0);
	if (owner_pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		owner();
		_exit(0);
	}
}

struct tally {
	unsigned long ok, refused;
};

static void count(struct tally *t, int rc)
{
	if (rc == 0)
		t->ok++;
	else if (rc == SHMRPC_EVERSION)
		t->refused++;
	else
		fail_msg("unexpected %d (%s)", rc, shmrpc_strerror(rc));
}

/* One round of every outside reader.  The statistics reader says
 * SHMRPC_EVERSION for a header it refuses and SHMRPC_ETRANSPORT for a
 * segment that shrank or changed while it read: both are refusals. */
static void read_from_outside(struct tally *t)
{
	shmrpc_inspect_options io;
	shmrpc_inspection *snap;
	shmrpc_stats *st = NULL;
	int rc;

	rc = shmrpc_stats_read(&st, channel, SHMRPC_TRANSPORT_FUTEX, NULL);
	count(t, rc == SHMRPC_ETRANSPORT ? SHMRPC_EVERSION : rc);
	if (rc == 0) {
		assert_true(shmrpc_stats_slot_count(st) <=
		    shmrpc_stats_channel(st)->slots);
		shmrpc_stats_free(st);
	}
	shmrpc_inspect_options_init(&io);
	io.channel = channel;
	io.skip_live_mappers = 1;
	assert_int_equal(shmrpc_inspect(&snap, &io, NULL), 0);
	shmrpc_inspection_free(snap);
}

/* A client opening the channel while the header flips: it checks a copy
 * and maps its slots from that copy, so it gets a slot or
 * SHMRPC_EVERSION. */
static void open_client(struct tally *t)
{
	shmrpc_options o;
	shmrpc_transport *cli;
	int rc;

	shmrpc_options_init(&o);
	o.transport = SHMRPC_TRANSPORT_FUTEX;
	rc = shmrpc_transport_open(&cli, channel, &o, NULL);
	count(t, rc);
	if (rc == 0)
		shmrpc_transport_close(cli);
}

static shmrpc_transport *make_channel(void)
{
	shmrpc_options o;
	shmrpc_transport *srv;

	shmrpc_options_init(&o);
	o.transport = SHMRPC_TRANSPORT_FUTEX;
	assert_int_equal(shmrpc_transport_create(&srv, channel, &o, NULL), 0);
	return srv;
}

/* Before: SIGSEGV within a few thousand rounds (the layout was read again
 * after the check, from the changing header). */
static void test_header_rewritten_while_read(void **state)
{
	shmrpc_transport *srv = make_channel();
	struct tally readers = { 0 }, clients = { 0 };
	int64_t end;

	(void)state;
	start_owner(flip_header);
	end = clock_now_ns() + RUN_NS;
	while (clock_now_ns() < end) {
		read_from_outside(&readers);
		open_client(&clients);
	}
	ut_kill(&owner_pid);
	print_message("readers: %lu read, %lu refused; clients: %lu opened, "
	    "%lu refused\n", readers.ok, readers.refused, clients.ok,
	    clients.refused);
	/* The race was run both ways. */
	assert_true(readers.ok > 0 && readers.refused > 0);
	assert_true(clients.ok > 0 && clients.refused > 0);
	shmrpc_transport_close(srv);
}

/* Before: SIGBUS (the file was mapped, then shrank under the reader). */
static void test_segment_truncated_while_read(void **state)
{
	shmrpc_transport *srv = make_channel();
	struct tally readers = { 0 };
	char path[256];
	struct stat st;
	off_t size;
	int64_t end;

	(void)state;
	segment_path(path, sizeof(path));
	assert_int_equal(stat(path, &st), 0);
	size = st.st_size;
	start_owner(truncate_and_grow);
	end = clock_now_ns() + RUN_NS;
	while (clock_now_ns() < end)
		read_from_outside(&readers);
	ut_kill(&owner_pid);
	/* The owner may have died with the file cut short: grow it back, or
	 * the server's own close would touch pages that are gone. */
	segment_path(path, sizeof(path));
	assert_int_equal(truncate(path, (off_t)size), 0);
	print_message("readers: %lu read, %lu refused\n", readers.ok,
	    readers.refused);
	assert_true(readers.ok > 0 && readers.refused > 0);
	shmrpc_transport_close(srv);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_header_rewritten_while_read, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_segment_truncated_while_read, setup, teardown),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
