/*
 * scribble-client - a misbehaving futex client: it posts requests from its
 * slot in place and keeps rewriting them while the server reads them, as a
 * buggy or hostile process of the same user could.  The server must answer
 * every call (with a result or an error) and stay up; under ASan
 * (make check-asan) it must also never read or write out of bounds.
 *
 * usage: scribble-client channel seconds
 * Exit: 0 every call was answered, some with a result and some with an
 * error (so the rewriting did reach the server); 1 otherwise; 2 usage.
 */
#include <err.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <shmrpc.h>

/* shmrpc__transport_request_area(): the in-place slot */
#include "transport/transport.h"

/* Requests the server parses in different ways: the envelope fast path,
   the general path (escapes, a key order of its own), a bytes request. */
static const char *const requests[] = {
	"{\"request_id\":\"scribble-1\",\"method\":\"echo\",\"params\":"
	"{\"text\":\"h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80 and plain ASCII "
	"long enough for the wide scanners\",\"n\":[1,2.5,-3e7,true,null]}}",
	"{\"method\":\"echo\",\"params\":{\"k\xC3\xA9y\":\"a\\\"b\\\\c\\u00e9"
	"\\ud83d\\ude00\",\"deep\":[[[{\"x\":{}}]]]},\"request_id\":\"s-2\"}",
	"\xFF\x0a" "echo_bytes" "payload bytes \x00\x01\x02 in place",
};
#define REQUEST_LEN(i) \
	((i) == 2 ? sizeof("\xFF\x0a" "echo_bytes" \
			   "payload bytes \x00\x01\x02 in place") - 1 \
		  : strlen(requests[i]))

static const unsigned char steering[] = { '"', '\\', 'u', '0', '9', 'D',
	'{', '}', '[', ']', ',', ':', ' ', 0x00, 0x1F, 0x80, 0xBF, 0xC3,
	0xED, 0xF0, 0xFF, 0xFE };

struct scribbler {
	volatile char *area;
	const char *original;
	size_t len;
	_Atomic int run;  /* 1 while a call is in flight */
	_Atomic int busy; /* the writer is between its look at run and its
			     last write (Dekker with run: both seq_cst) */
	_Atomic int quit;
	unsigned long writes;
};

static uint64_t next_random(uint64_t *r)
{
	*r ^= *r << 13;
	*r ^= *r >> 7;
	*r ^= *r << 17;
	return *r;
}

/* Corrupt one to three bytes, heal them, repeat, while a call is out. */
static void *scribble(void *p)
{
	struct scribbler *s = p;
	uint64_t r = 0x9E3779B97F4A7C15ull;

	while (!atomic_load(&s->quit)) {
		atomic_store(&s->busy, 1);
		if (!atomic_load(&s->run)) {
			atomic_store(&s->busy, 0);
			continue;
		}
		size_t at[3];
		unsigned k = 1 + (unsigned)(next_random(&r) % 3);
		for (unsigned i = 0; i < k; i++) {
			at[i] = (size_t)(next_random(&r) % s->len);
			s->area[at[i]] = (char)steering[next_random(&r) %
			    sizeof steering];
		}
		for (unsigned i = 0; i < k; i++)
			s->area[at[i]] = s->original[at[i]];
		s->writes += 2 * k;
		atomic_store(&s->busy, 0);
	}
	return NULL;
}

/* An error answer: a bytes error status, or a JSON envelope whose error
   is not null. */
static int refusal(const char *answer, size_t len)
{
	static const char ok_tail[] = ",\"error\":null}";
	const size_t tail = sizeof ok_tail - 1;

	if (len >= 2 && (unsigned char)answer[0] == 0xFF)
		return answer[1] != 0;
	return len < tail || memcmp(answer + len - tail, ok_tail, tail) != 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	struct scribbler s = { 0 };
	shmrpc_options opts;
	shmrpc_transport *t;
	pthread_t writer;
	unsigned long calls = 0, refused = 0;
	size_t cap, len;
	void *area;
	char *answer;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: scribble-client channel seconds\n");
		return 2;
	}
	const int64_t until = now_ms() + 1000 * atoll(argv[2]);
	shmrpc_options_init(&opts);
	opts.transport = SHMRPC_TRANSPORT_FUTEX;
	opts.timeout = 5.0;
	opts.wait_for_server = 5.0;
	rc = shmrpc_transport_open(&t, argv[1], &opts, NULL);
	if (rc < 0)
		errx(1, "open %s: %s", argv[1], shmrpc_strerror(rc));
	answer = malloc(shmrpc_transport_max_message(t));
	if (answer == NULL)
		err(1, "malloc");
	if (pthread_create(&writer, NULL, scribble, &s) != 0)
		errx(1, "pthread_create");

	for (unsigned i = 0; now_ms() < until; i = (i + 1) % 3) {
		rc = shmrpc__transport_request_area(t, &area, &cap);
		if (rc < 0)
			errx(1, "request area: %s", shmrpc_strerror(rc));
		s.area = area;
		s.original = requests[i];
		s.len = REQUEST_LEN(i);
		memcpy(area, requests[i], s.len);
		atomic_store(&s.run, 1);
		rc = shmrpc_transport_send_request(t, area, s.len);
		if (rc == 0)
			rc = shmrpc_transport_recv_response(t, answer,
			    shmrpc_transport_max_message(t), &len);
		atomic_store(&s.run, 0);
		while (atomic_load(&s.busy))
			; /* the writer is done with this request */
		if (rc < 0)
			errx(1, "call %lu: no answer: %s", calls,
			    shmrpc_strerror(rc));
		calls++;
		if (refusal(answer, len))
			refused++;
	}
	atomic_store(&s.quit, 1);
	pthread_join(writer, NULL);
	printf("%lu calls answered (%lu refused) while %lu bytes were "
	       "rewritten\n", calls, refused, s.writes);
	free(answer);
	shmrpc_transport_close(t);
	if (refused == 0 || refused == calls)
		errx(1, "expected both results and refusals");
	return 0;
}
