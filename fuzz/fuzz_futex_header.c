/*
 * libFuzzer target: the futex segment header check
 * (shmrpc__futex_header_check(), transport/futex_layout.c), which stands
 * between any segment in /dev/shm (another user's, when root runs the
 * tools) and every offset the library then uses, and the statistics
 * reader behind it (shmrpc_stats_read()).
 *
 * 1. A header the check accepts describes a layout inside its file: slots
 *    after the header, then the method table, then the buffers, every
 *    slot's two buffers inside total_size, total_size the file's size.
 *    Anything else abort()s.
 * 2. The same bytes as a real file in /dev/shm (its size the one given,
 *    up to 4 MiB), read by shmrpc_stats_read(): figures or an error,
 *    never a read outside the copy (ASan), a slot count beyond what the
 *    header allows, or more methods than its table holds.
 *
 * Input: 8 bytes of file size (little-endian), then the header's bytes
 * (zero-filled to FUTEX_HEADER_SIZE), then bytes for the slots.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "transport/futex_layout.h"

#define FILE_MAX (4u << 20)

static char channel[64];
static char path[128];

static void setup(void)
{
	snprintf(channel, sizeof(channel), "fuzzhdr%ld", (long)getpid());
	snprintf(path, sizeof(path), "/dev/shm/" FUTEX_SEG_PREFIX "%s",
	    channel);
}

static void check_layout(const struct futex_header *h, uint64_t file_size)
{
	uint64_t slots_end = h->slots_offset +
	    (uint64_t)h->nslots * h->slot_size;

	if (h->nslots == 0 || h->nslots > FUTEX_MAX_SLOTS ||
	    h->slots_offset < FUTEX_HEADER_SIZE ||
	    h->slot_size != sizeof(struct futex_slot) ||
	    slots_end > h->methods_offset || h->methods_capacity == 0 ||
	    h->methods_capacity > SHMRPC_MAX_METHODS ||
	    h->methods_offset + methods_table_size(h->methods_capacity) >
		h->buffers_offset ||
	    h->buffer_stride < h->buffer_size || h->buffer_size <= 4 ||
	    h->buffers_offset + 2 * (uint64_t)h->nslots * h->buffer_stride >
		h->total_size ||
	    h->total_size != file_size)
		abort();
}

/* Put the bytes in a file named as channel's segment and read it. */
static void read_as_file(const struct futex_header *h, const uint8_t *rest,
    size_t rest_len, uint64_t file_size)
{
	shmrpc_stats *st = NULL;
	char proc[64];
	size_t tail;

	/* An anonymous file for each input, given the channel's name only
	 * while it is read: a fuzzer killed between inputs leaves /dev/shm
	 * as it found it.  (A linked and unlinked O_TMPFILE file cannot be
	 * linked again.) */
	int fd = open("/dev/shm", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd < 0)
		abort();
	if (file_size > FILE_MAX)
		file_size = FILE_MAX;
	if (ftruncate(fd, (off_t)file_size) < 0)
		abort();
	tail = file_size > FUTEX_HEADER_SIZE ? file_size - FUTEX_HEADER_SIZE
					     : 0;
	if (pwrite(fd, h, file_size < FUTEX_HEADER_SIZE ? file_size
	    : FUTEX_HEADER_SIZE, 0) < 0 ||
	    pwrite(fd, rest, rest_len < tail ? rest_len : tail,
		FUTEX_HEADER_SIZE) < 0)
		abort();
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) < 0)
		abort();
	if (shmrpc_stats_read(&st, channel, SHMRPC_TRANSPORT_FUTEX,
	    NULL) == 0) {
		const shmrpc_channel_stats *cs = shmrpc_stats_channel(st);

		if (cs->slots > FUTEX_MAX_SLOTS ||
		    cs->slots_in_use > cs->slots ||
		    shmrpc_stats_slot_count(st) > cs->slots ||
		    shmrpc_stats_method_count(st) > SHMRPC_MAX_METHODS)
			abort();
		shmrpc_stats_free(st);
	}
	unlink(path);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct futex_header *h;
	uint64_t file_size = 0;

	if (path[0] == '\0')
		setup();
	if (h == NULL && (h = malloc(FUTEX_HEADER_SIZE)) == NULL)
		abort();
	if (size < 8)
		return 0;
	memcpy(&file_size, data, 8);
	data += 8;
	size -= 8;
	memset(h, 0, FUTEX_HEADER_SIZE);
	memcpy(h, data, size < FUTEX_HEADER_SIZE ? size : FUTEX_HEADER_SIZE);
	if (shmrpc__futex_header_check(h, (size_t)file_size, "fuzz") == 0)
		check_layout(h, file_size);
	read_as_file(h, size > FUTEX_HEADER_SIZE ? data + FUTEX_HEADER_SIZE
		: data, size > FUTEX_HEADER_SIZE ? size - FUTEX_HEADER_SIZE : 0,
	    file_size);
	return 0;
}
