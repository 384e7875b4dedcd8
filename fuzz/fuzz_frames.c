/*
 * libFuzzer target: frame lengths on each transport, the checks a reader
 * makes of the length a peer wrote (transport/posix.c read_message(),
 * transport/futex.c's req_len and resp_len checks), through the real
 * transports: one posix and one futex channel, a server handle and a
 * client handle on each, in this process.  The fuzzer plays the peer by
 * hand on the shared objects and writes the length it was given:
 *
 *   mode 0  posix, a response: the length header of srb_*_resp;
 *   mode 1  posix, a request:  the length header of srb_*_req;
 *   mode 2  futex, a response: the slot's resp_len;
 *   mode 3  futex, a request:  the slot's req_len.
 *
 * The reader must answer: the message, exactly the length given and the
 * bytes in the buffer, when the length is at most buffer_size - 4 and at
 * most the caller's capacity; SHMRPC_ETOOBIG when it is within the buffer
 * but beyond the capacity; SHMRPC_ETRANSPORT beyond the buffer; and never
 * read outside the buffer (ASan).  Afterwards the channel is at rest
 * (every semaphore back to its initial value, the futex slot idle) and
 * serves the next input.  Anything else abort()s.
 *
 * Input: mode (1 byte), length (u32, little-endian), capacity (u16: the
 * caller's buffer is that many bytes, at most the message size), then
 * the payload.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "transport/futex_layout.h"
#include "shmrpc.h"

#define BUFSZ 1024u             /* buffer_size of both channels */
#define MAXMSG (BUFSZ - 4u)     /* largest payload */

static struct {
	char posix[64], futex[64], registry[128];
	shmrpc_transport *psrv, *pcli, *fsrv, *fcli;
	unsigned char *req, *resp;  /* posix segments, mapped by hand */
	sem_t *req_empty, *req_full, *resp_empty, *resp_full;
	struct futex_header *seg;   /* the futex segment, mapped by hand */
	size_t seg_size;
	struct futex_slot *slot0;
	unsigned char *freq, *fresp; /* slot 0's buffers */
	bool ready;
} ch;

static void *map_file(const char *name, size_t *size)
{
	char path[256];
	struct stat st;
	void *p;
	int fd;

	snprintf(path, sizeof(path), "/dev/shm/%s", name);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		abort();
	*size = (size_t)st.st_size;
	p = mmap(NULL, *size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		abort();
	close(fd);
	return p;
}

static sem_t *sem_of(const char *suffix)
{
	char name[128];
	sem_t *s;

	snprintf(name, sizeof(name), "/srb_%s_%s", ch.posix, suffix);
	s = sem_open(name, 0);
	if (s == SEM_FAILED)
		abort();
	return s;
}

/* Remove both channels (and the private registry) at exit. */
static void teardown(void)
{
	shmrpc_transport_close(ch.pcli);
	shmrpc_transport_close(ch.psrv);
	shmrpc_transport_close(ch.fcli);
	shmrpc_transport_close(ch.fsrv);
}

static void open_pair(const char *name, shmrpc_transport_kind kind,
    shmrpc_transport **srv, shmrpc_transport **cli)
{
	shmrpc_options o;

	shmrpc_options_init(&o);
	o.transport = kind;
	o.buffer_size = BUFSZ;
	o.timeout = 2.0;
	o.slots = 1;
	o.spin_ns = -1;
	if (shmrpc_transport_create(srv, name, &o, NULL) != 0 ||
	    shmrpc_transport_open(cli, name, &o, NULL) != 0)
		abort();
}

static void setup(void)
{
	char name[128];
	size_t size;

	snprintf(ch.posix, sizeof(ch.posix), "fuzzframes%ldp", (long)getpid());
	snprintf(ch.futex, sizeof(ch.futex), "fuzzframes%ldf", (long)getpid());
	snprintf(ch.registry, sizeof(ch.registry),
	    "/dev/shm/fuzzframes%ld-registry.json", (long)getpid());
	setenv("SHMRPC_REGISTRY", ch.registry, 1);
	open_pair(ch.posix, SHMRPC_TRANSPORT_POSIX, &ch.psrv, &ch.pcli);
	open_pair(ch.futex, SHMRPC_TRANSPORT_FUTEX, &ch.fsrv, &ch.fcli);
	atexit(teardown);
	snprintf(name, sizeof(name), "srb_%s_req", ch.posix);
	ch.req = map_file(name, &size);
	snprintf(name, sizeof(name), "srb_%s_resp", ch.posix);
	ch.resp = map_file(name, &size);
	ch.req_empty = sem_of("req_empty");
	ch.req_full = sem_of("req_full");
	ch.resp_empty = sem_of("resp_empty");
	ch.resp_full = sem_of("resp_full");
	snprintf(name, sizeof(name), FUTEX_SEG_PREFIX "%s", ch.futex);
	ch.seg = map_file(name, &ch.seg_size);
	ch.slot0 = (struct futex_slot *)((char *)ch.seg +
	    ch.seg->slots_offset);
	ch.freq = (unsigned char *)ch.seg + ch.seg->buffers_offset;
	ch.fresp = ch.freq + ch.seg->buffer_stride;
	ch.ready = true;
}

static int value(sem_t *s)
{
	int v = -1;

	sem_getvalue(s, &v);
	return v;
}

static void posix_at_rest(void)
{
	if (value(ch.req_empty) != 1 || value(ch.req_full) != 0 ||
	    value(ch.resp_empty) != 1 || value(ch.resp_full) != 0)
		abort();
}

/* What a reader of a message of declared length n, with capacity cap,
 * must return, given what the buffer holds. */
static void expect(int rc, uint32_t n, size_t cap, const unsigned char *got,
    size_t got_len, const unsigned char *buf)
{
	int want = n > MAXMSG ? SHMRPC_ETRANSPORT
	    : n > cap ? SHMRPC_ETOOBIG : 0;

	if (rc != want)
		abort();
	if (rc == 0 && (got_len != n || memcmp(got, buf, n) != 0))
		abort();
}

/* The peer's bytes: the header and as much payload as fits. */
static void put(unsigned char *at, uint32_t n, const uint8_t *p, size_t len)
{
	memcpy(at, &n, 4);
	memcpy(at + 4, p, len < MAXMSG ? len : MAXMSG);
}

static void posix_response(uint32_t n, size_t cap, const uint8_t *p,
    size_t len)
{
	unsigned char in[BUFSZ], out[BUFSZ];
	uint32_t peer;
	size_t got;
	int rc;

	posix_at_rest();
	if (shmrpc_transport_send_request(ch.pcli, "{}", 2) != 0 ||
	    shmrpc_transport_recv_request(ch.psrv, in, sizeof(in), &got,
		&peer) != 0)
		abort();
	if (sem_trywait(ch.resp_empty) != 0)
		abort();
	put(ch.resp, n, p, len);
	memcpy(out, ch.resp + 4, MAXMSG);
	sem_post(ch.resp_full);
	rc = shmrpc_transport_recv_response(ch.pcli, in, cap, &got);
	expect(rc, n, cap, in, got, out);
	posix_at_rest();
}

static void posix_request(uint32_t n, size_t cap, const uint8_t *p,
    size_t len)
{
	unsigned char in[BUFSZ], out[BUFSZ];
	uint32_t peer;
	size_t got;
	int rc;

	posix_at_rest();
	if (sem_trywait(ch.req_empty) != 0)
		abort();
	put(ch.req, n, p, len);
	memcpy(out, ch.req + 4, MAXMSG);
	sem_post(ch.req_full);
	rc = shmrpc_transport_recv_request(ch.psrv, in, cap, &got, &peer);
	expect(rc, n, cap, in, got, out);
	posix_at_rest();
}

static void futex_at_rest(void)
{
	uint32_t phase = FUTEX_PHASE_OF(atomic_load(&ch.slot0->state));

	if ((phase != FUTEX_IDLE && phase != FUTEX_RESP) ||
	    atomic_load(&ch.seg->ready[0]) != 0)
		abort();
}

static void futex_response(uint32_t n, size_t cap, const uint8_t *p,
    size_t len)
{
	unsigned char in[BUFSZ], out[BUFSZ];
	uint32_t peer;
	size_t got;
	int rc;

	futex_at_rest();
	if (shmrpc_transport_send_request(ch.fcli, "{}", 2) != 0 ||
	    shmrpc_transport_recv_request(ch.fsrv, in, sizeof(in), &got,
		&peer) != 0 ||
	    shmrpc_transport_send_response(ch.fsrv, peer, p,
		len < MAXMSG ? len : MAXMSG) != 0)
		abort();
	/* The peer's length, over the one the server wrote. */
	atomic_store(&ch.slot0->resp_len, n);
	memcpy(out, ch.fresp, MAXMSG);
	rc = shmrpc_transport_recv_response(ch.fcli, in, cap, &got);
	expect(rc, n, cap, in, got, out);
	futex_at_rest();
}

static void futex_request(uint32_t n, size_t cap, const uint8_t *p,
    size_t len)
{
	unsigned char in[BUFSZ], out[BUFSZ];
	uint32_t peer = UINT32_MAX;
	size_t got;
	int rc;

	futex_at_rest();
	if (shmrpc_transport_send_request(ch.fcli, p,
		len < MAXMSG ? len : MAXMSG) != 0)
		abort();
	atomic_store(&ch.slot0->req_len, n);
	memcpy(out, ch.freq, MAXMSG);
	rc = shmrpc_transport_recv_request(ch.fsrv, in, cap, &got, &peer);
	expect(rc, n, cap, in, got, out);
	/* Answered whatever it was, as the server does: the channel goes
	 * on. */
	if (peer != 0 || shmrpc_transport_send_response(ch.fsrv, peer, "x",
		1) != 0 ||
	    shmrpc_transport_recv_response(ch.fcli, in, sizeof(in), &got) != 0 ||
	    got != 1 || in[0] != 'x')
		abort();
	futex_at_rest();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t n;
	uint16_t cap;

	if (!ch.ready)
		setup();
	if (size < 7)
		return 0;
	memcpy(&n, data + 1, 4);
	memcpy(&cap, data + 5, 2);
	if (cap > MAXMSG)
		cap = MAXMSG;
	switch (data[0] & 3) {
	case 0:
		posix_response(n, cap, data + 7, size - 7);
		break;
	case 1:
		posix_request(n, cap, data + 7, size - 7);
		break;
	case 2:
		futex_response(n, cap, data + 7, size - 7);
		break;
	case 3:
		futex_request(n, cap, data + 7, size - 7);
		break;
	}
	return 0;
}
