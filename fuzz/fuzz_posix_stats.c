/*
 * libFuzzer target: the reader of a posix channel's counters file,
 * /dev/shm/shmrpc_posix_NAME (transport/posix_stats.c, posix_layout.h,
 * the method table of methods_layout.h), which the server writes and
 * shmrpc_stats_read() (shmrpc-top, the inspection) reads: root's
 * `shmrpc-top -a` reads files other users wrote.
 *
 * The fuzzer's bytes become a real file at that name, beside a request
 * segment of ours (the reader takes the file only when the channel's is
 * owned by the same user), and shmrpc_stats_read() reads it:
 * 1. it accepts exactly the files a reference written from posix_layout.h
 *    accepts (magic, version, header and table where the layout puts
 *    them, a capacity of at most SHMRPC_MAX_METHODS, total_size that of
 *    the capacity and the file's size) and refuses the others with
 *    SHMRPC_EVERSION;
 * 2. an accepted file gives the header's figures and min(count, capacity)
 *    methods, each the entry's bytes: its name cut at 255 bytes and
 *    terminated, its flag, errors, sum and histogram, its calls the sum
 *    of the histogram;
 * 3. nothing is read outside what was allocated (ASan), nothing leaks.
 *
 * Input: 8 bytes of file size (little-endian; up to FILE_MAX), then the
 * file's bytes from offset 0 (what the input does not give is zero).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "transport/posix_layout.h"

/* Room for the largest table the header allows (~10 MB), sparse. */
#define FILE_MAX (16u << 20)

static char channel[64];
static char stats_path[128];
static char req_path[128];

static void setup(void)
{
	snprintf(channel, sizeof(channel), "fuzzps%ld", (long)getpid());
	snprintf(stats_path, sizeof(stats_path), "/dev/shm/"
	    POSIX_STATS_PREFIX "%s", channel);
	snprintf(req_path, sizeof(req_path), "/dev/shm/" POSIX_REQ_PREFIX
	    "%s" POSIX_REQ_SUFFIX, channel);
}

/* An anonymous file, given its name only while it is read: a fuzzer
 * killed between inputs leaves /dev/shm as it found it.  (A linked and
 * unlinked O_TMPFILE file cannot be linked again: a new one each time.) */
static void give_name(int fd, const char *path)
{
	char proc[64];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) < 0)
		abort();
}

/* The reference: does posix_layout.h describe this header in a file of
 * size bytes? */
static int layout_ok(const struct posix_stats_header *h, uint64_t size)
{
	return size >= sizeof(*h) && h->magic == POSIX_STATS_MAGIC &&
	    h->version == POSIX_STATS_VERSION &&
	    h->header_size == POSIX_STATS_HEADER_SIZE &&
	    h->methods_offset == POSIX_STATS_HEADER_SIZE &&
	    h->methods_capacity <= SHMRPC_MAX_METHODS &&
	    h->total_size == posix_stats_size(h->methods_capacity) &&
	    h->total_size == size;
}

/* The file's byte range [off, off + n) into out: the input where it
 * reaches, zero beyond. */
static void file_bytes(const uint8_t *data, size_t len, uint64_t off,
    void *out, size_t n)
{
	memset(out, 0, n);
	if (off < len)
		memcpy(out, data + off, len - off < n ? len - off : n);
}

/* Method i of the snapshot against entry i of the file. */
static void check_method(const shmrpc_method_stats *m, const uint8_t *data,
    size_t len, uint32_t i)
{
	static struct method_entry e;
	uint64_t calls = 0;

	file_bytes(data, len, POSIX_STATS_HEADER_SIZE +
	    sizeof(struct method_table) + (uint64_t)i * sizeof(e), &e,
	    sizeof(e));
	if (m == NULL || m->name == NULL ||
	    strlen(m->name) > SHMRPC_METHOD_STATS_NAME_MAX ||
	    strncmp(m->name, e.name, SHMRPC_METHOD_STATS_NAME_MAX) != 0 ||
	    m->truncated != ((e.flags & METHOD_TRUNCATED) != 0))
		abort();
	if (m->counters->latency_buckets != HIST_BUCKETS)
		abort();
	for (unsigned b = 0; b < HIST_BUCKETS; b++) {
		if (m->counters->latency[b] != e.c.latency[b])
			abort();
		calls += e.c.latency[b];
	}
	if (m->counters->calls != calls ||
	    m->counters->latency_count != calls ||
	    m->counters->errors != e.c.errors ||
	    m->counters->latency_sum_ns != e.c.sum_ns ||
	    m->counters->timeouts != 0 || m->counters->bytes_in != 0)
		abort();
}

static void check_snapshot(const shmrpc_stats *st,
    const struct posix_stats_header *h, const uint8_t *data, size_t len)
{
	const shmrpc_channel_stats *cs = shmrpc_stats_channel(st);
	struct method_table t;
	uint32_t n = 0;

	if (h->methods_capacity > 0) {
		file_bytes(data, len, POSIX_STATS_HEADER_SIZE, &t, sizeof(t));
		n = t.count < h->methods_capacity ? t.count
						  : h->methods_capacity;
	}
	if (cs->transport != SHMRPC_TRANSPORT_POSIX ||
	    cs->server_pid != h->server_pid ||
	    cs->server_start_time != h->server_start ||
	    cs->created_realtime_ns != h->created_ns ||
	    cs->buffer_size != h->buffer_size || cs->slots != 1 ||
	    cs->counters != NULL || shmrpc_stats_slot_count(st) != 0 ||
	    shmrpc_stats_method_count(st) != n ||
	    shmrpc_stats_method(st, n) != NULL)
		abort();
	for (uint32_t i = 0; i < n; i++)
		check_method(shmrpc_stats_method(st, i), data, len, i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct posix_stats_header h;
	shmrpc_stats *st = NULL;
	uint64_t file_size = 0;
	int fd, rc, rfd;

	if (channel[0] == '\0')
		setup();
	if (size < 8)
		return 0;
	memcpy(&file_size, data, 8);
	data += 8;
	size -= 8;
	if (file_size > FILE_MAX)
		file_size = FILE_MAX;
	/* What the file holds: the input, cut to the file's size. */
	if (size > file_size)
		size = (size_t)file_size;
	file_bytes(data, size, 0, &h, sizeof(h));
	fd = open("/dev/shm", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	rfd = open("/dev/shm", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0 || rfd < 0 || ftruncate(fd, (off_t)file_size) < 0)
		abort();
	if (size > 0 && pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	give_name(rfd, req_path);
	give_name(fd, stats_path);
	rc = shmrpc_stats_read(&st, channel, SHMRPC_TRANSPORT_POSIX, NULL);
	unlink(stats_path);
	unlink(req_path);
	close(fd);
	close(rfd);
	if (layout_ok(&h, file_size) != (rc == 0))
		abort();
	if (rc != 0 && (rc != SHMRPC_EVERSION || st != NULL))
		abort();
	if (rc == 0) {
		check_snapshot(st, &h, data, size);
		shmrpc_stats_free(st);
	}
	return 0;
}
