/*
 * The decoders against input that changes while they read it.
 *
 * On the futex transport a server decodes a request in place in shared
 * memory, and a client decodes its answer in place too; a misbehaving peer
 * can rewrite those bytes at any moment.  Whatever it does, wire_json and
 * the envelope decoders must stay inside the message (ASan checks that in
 * `make check-asan`) and return either an error or values that keep
 * jansson's invariants: every string and key valid UTF-8, no NUL in a key.
 *
 * A child process scribbles on a MAP_SHARED buffer (corrupting bytes and
 * restoring them, so documents are often almost valid and the parser goes
 * deep) while this process decodes it over and over.  The oracle is jansson:
 * json_stringn() refuses invalid UTF-8.  The writer is another process, not
 * a thread, because that is the real situation and because it keeps the
 * race out of ThreadSanitizer's view (it would rightly flag a thread).
 */
#include "codec/envelope.h"
#include "../helpers/request_id.h"
#include "codec/utf8.h"
#include "codec/wire_json.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#define RUN_NS  (300 * 1000 * 1000LL) /* per test; enough for ~10^5 decodes */
#define MAX_RUNS 200000

struct shared {
	_Atomic int stop;
	_Atomic unsigned long writes;
	size_t len;
	char original[4096];
	char buf[4096];
};

/* The running writer, if any: a failed assertion leaves a test early, and
   the teardown must still stop it. */
static pid_t scribbler_pid;
static struct shared *scribbler_shared;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Bytes that steer a JSON parser: structure, escapes, digits, NUL, UTF-8
   lead and continuation bytes, bytes never valid in UTF-8. */
static const unsigned char steering[] = { '"', '\\', 'u', '0', '9', 'D', 'C',
	'{', '}', '[', ']', ',', ':', '-', '.', 'e', ' ', 0x00, 0x1F, 0x80,
	0xBF, 0xC3, 0xE2, 0xED, 0xF0, 0xF4, 0xC0, 0xFF };

static bool text_ok(const char *s, size_t len)
{
	json_t *checked = json_stringn(s, len); /* jansson's own UTF-8 check */

	json_decref(checked);
	return checked != NULL;
}

/* jansson's invariants, checked with jansson's own validator. */
static bool value_ok(const json_t *v)
{
	const char *key;
	json_t *member;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return text_ok(json_string_value(v), json_string_length(v));
	case JSON_ARRAY:
		json_array_foreach(v, i, member)
			if (!value_ok(member))
				return false;
		return true;
	case JSON_OBJECT:
		json_object_foreach((json_t *)v, key, member) {
			void *it = json_object_key_to_iter(key);
			size_t klen = json_object_iter_key_len(it);
			if (memchr(key, '\0', klen) != NULL ||
			    !text_ok(key, klen) || !value_ok(member))
				return false;
		}
		return true;
	default:
		return true;
	}
}

static uint64_t next_random(uint64_t *r)
{
	*r ^= *r << 13;
	*r ^= *r >> 7;
	*r ^= *r << 17;
	return *r;
}

/* The child: until told to stop, corrupt one to three bytes, wait a
   moment, heal them, wait again; so a decode sees the document intact,
   slightly wrong, or changing under it.  Plain (non-atomic) byte stores,
   as a careless peer would make. */
static void scribble(struct shared *sh)
{
	volatile char *buf = sh->buf;
	uint64_t r = (uint64_t)getpid() * 0x9E3779B97F4A7C15ull;
	unsigned long n = 0;

	while (!atomic_load_explicit(&sh->stop, memory_order_relaxed)) {
		size_t at[3];
		unsigned k = 1 + (unsigned)(next_random(&r) % 3);

		for (unsigned i = 0; i < k; i++) {
			at[i] = (size_t)(next_random(&r) % sh->len);
			buf[at[i]] = (char)steering[next_random(&r) %
			    sizeof steering];
		}
		for (uint64_t spin = next_random(&r) % 2000; spin > 0; spin--)
			__asm__ volatile("" ::: "memory");
		for (unsigned i = 0; i < k; i++)
			buf[at[i]] = sh->original[at[i]];
		for (uint64_t spin = next_random(&r) % 2000; spin > 0; spin--)
			__asm__ volatile("" ::: "memory");
		n += 2 * k;
	}
	atomic_store(&sh->writes, n);
}

static struct shared *start_scribbler(const char *doc, pid_t *child)
{
	struct shared *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	assert_true(sh != MAP_FAILED);
	sh->len = strlen(doc);
	assert_true(sh->len < sizeof sh->buf);
	memcpy(sh->original, doc, sh->len);
	memcpy(sh->buf, doc, sh->len);
	/* intact, the document is valid: refusals below are the writer's */
	json_t *whole = shmrpc__wire_json_decode(sh->buf, sh->len, NULL);
	assert_non_null(whole);
	assert_true(value_ok(whole));
	json_decref(whole);
	const pid_t parent = getpid();
	*child = fork();
	assert_true(*child >= 0);
	if (*child == 0) {
		/* never outlive the test process */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		scribble(sh);
		_exit(0);
	}
	scribbler_pid = *child;
	scribbler_shared = sh;
	return sh;
}

static void stop_scribbler(struct shared *sh, pid_t child)
{
	int status;

	atomic_store(&sh->stop, 1);
	assert_int_equal(waitpid(child, &status, 0), child);
	scribbler_pid = 0;
	scribbler_shared = NULL;
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* the race was real: the writer ran while we decoded */
	assert_true(atomic_load(&sh->writes) > 1000);
	munmap(sh, sizeof *sh);
}

/* Strings with multi-byte characters (long ones reach the SIMD paths),
   escapes, surrogate pairs, numbers of every shape, nesting. */
static const char document[] =
    "{\"request_id\":\"7f3a-41\",\"method\":\"echo\",\"params\":{"
    "\"text\":\"h\xC3\xA9llo w\xC3\xB6rld \xE2\x82\xAC \xF0\x9F\x98\x80 "
    "and a long run of plain ASCII text to reach the wide scanners "
    "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E more text after it\","
    "\"esc\":\"a\\\"b\\\\c\\n\\u00e9\\ud83d\\ude00\\u0000z\","
    "\"k\xC3\xA9y\":[1,-0,3.25,-1.5e-7,12345678901234567,1e300,true,null],"
    "\"deep\":[[[[{\"x\":[{\"y\":\"\xCE\xB1\xCE\xB2\"}]}]]]],"
    "\"n\":-12.5E+3}}";

/* What one decode of the rewritten buffer gave. */
enum outcome { REFUSED, ACCEPTED, BROKEN };

/* Decodes doc over and over while the child rewrites it; fails on a value
   that breaks jansson's invariants, or if either outcome never happened
   (then the race did not reach both paths). */
static void race(const char *doc, const char *what,
    enum outcome (*decode)(const char *buf, size_t len))
{
	unsigned long count[3] = { 0, 0, 0 };
	pid_t child;
	struct shared *sh = start_scribbler(doc, &child);
	int64_t t0 = now_ns();

	for (int run = 0; run < MAX_RUNS && now_ns() - t0 < RUN_NS; run++) {
		enum outcome o = decode(sh->buf, sh->len);
		if (o == BROKEN)
			fail_msg("%s: decoded a value that breaks jansson's "
				 "invariants (run %d)", what, run);
		count[o]++;
	}
	stop_scribbler(sh, child);
	printf("  %s: %lu accepted, %lu refused while rewritten\n", what,
	    count[ACCEPTED], count[REFUSED]);
	assert_true(count[ACCEPTED] > 0);
	assert_true(count[REFUSED] > 0);
}

static enum outcome decode_wire_json(const char *buf, size_t len)
{
	json_error_t err;
	json_t *v = shmrpc__wire_json_decode(buf, len, &err);
	enum outcome o = v == NULL ? REFUSED : value_ok(v) ? ACCEPTED : BROKEN;

	json_decref(v);
	return o;
}

/* What the server then uses: the method name as a C string, the id as a
   value it echoes, params as the handler's. */
static enum outcome decode_request(const char *buf, size_t len)
{
	struct request_view rq;
	char why[256];
	enum outcome o = REFUSED;

	if (shmrpc__envelope_decode_request(buf, len, &rq, why, sizeof why) ==
	    0) {
		/* the id's text, when kept as such, must be JSON as it is */
		json_t *id = request_id_of(&rq);
		o = text_ok(rq.method, strlen(rq.method)) &&
			(id != NULL ? value_ok(id) : rq.id_text == NULL) &&
			json_is_object(rq.params) && value_ok(rq.params)
		    ? ACCEPTED
		    : BROKEN;
		json_decref(id);
	}
	shmrpc__request_view_release(&rq);
	return o;
}

/* The client's side, on the fast path (the expected id) or not. */
static enum outcome decode_response(const char *buf, size_t len)
{
	struct response_view rs;
	enum outcome o = REFUSED;

	if (shmrpc__envelope_decode_response(buf, len, "7f3a-41", &rs) == 0)
		o = (rs.result == NULL || value_ok(rs.result)) &&
			(rs.error == NULL || text_ok(rs.error, rs.error_len))
		    ? ACCEPTED
		    : BROKEN;
	shmrpc__response_view_release(&rs);
	return o;
}

/* A success and an error answer. */
static const char *const responses[] = {
	"{\"request_id\":\"7f3a-41\",\"result\":{\"text\":\"h\xC3\xA9llo "
	"\xE2\x82\xAC and a long run of plain ASCII text for the wide scanners"
	"\",\"k\xC3\xA9y\":[1,2.5,\"\\u00e9\\ud83d\\ude00\"]},\"error\":null}",
	"{\"request_id\":\"7f3a-41\",\"result\":null,\"error\":\"ValueError: "
	"b\xC3\xA4" "d input \\u00e9 \xF0\x9F\x98\x80 and some more words\"}",
};

static void test_wire_json_decode_while_rewritten(void **state)
{
	(void)state;
	race(document, "wire_json", decode_wire_json);
}

static void test_request_decode_while_rewritten(void **state)
{
	(void)state;
	race(document, "request", decode_request);
}

static void test_response_decode_while_rewritten(void **state)
{
	(void)state;
	race(responses[0], "response", decode_response);
	race(responses[1], "error response", decode_response);
}

/* Strings longer than the decoder's inline scratch (so a run is copied
   again once room is made) and than many vector blocks, mostly non-ASCII
   (the validating steps of the fused loop), one with escapes between long
   runs.  Built once; fits struct shared's buffer. */
static const char *long_document(void)
{
	static char doc[3000];
	static const char *const words[] = { "plain ", "h\xC3\xA9llo ",
		"\xE2\x82\xAC ", "\xF0\x9F\x98\x80 ", "\xE6\x97\xA5\xE6\x9C\xAC " };
	size_t n = 0;

	if (doc[0] != '\0')
		return doc;
	n += (size_t)sprintf(doc + n, "{\"long\":\"");
	for (int i = 0; n < 1400; i++)
		n += (size_t)sprintf(doc + n, "%s", words[i % 5]);
	n += (size_t)sprintf(doc + n, "\",\"escaped\":\"");
	for (int i = 0; n < 2400; i++)
		n += (size_t)sprintf(doc + n, "%s%s", words[(i * 3) % 5],
		    i % 7 == 0 ? "\\n\\u00e9" : "");
	sprintf(doc + n, "\",\"n\":[1,\"\xCE\xB1\"]}");
	return doc;
}

static void test_long_strings_decode_while_rewritten(void **state)
{
	(void)state;
	race(long_document(), "long strings", decode_wire_json);
}

/* After a failed assertion: kill the writer, which would spin forever. */
static int kill_scribbler(void **state)
{
	(void)state;
	if (scribbler_pid > 0) {
		kill(scribbler_pid, SIGKILL);
		waitpid(scribbler_pid, NULL, 0);
		munmap(scribbler_shared, sizeof *scribbler_shared);
		scribbler_pid = 0;
		scribbler_shared = NULL;
	}
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(
		    test_wire_json_decode_while_rewritten, kill_scribbler),
		cmocka_unit_test_teardown(
		    test_request_decode_while_rewritten, kill_scribbler),
		cmocka_unit_test_teardown(
		    test_response_decode_while_rewritten, kill_scribbler),
		cmocka_unit_test_teardown(
		    test_long_strings_decode_while_rewritten, kill_scribbler),
	};
	static const char *const isa_names[] = { "portable", "sse2", "avx2" };
	int failed = 0, ran = 0;

	/* every code path this CPU and build have (utf8.h), forced in turn */
	for (int isa = WIRE_ISA_PORTABLE; isa <= WIRE_ISA_AVX2; isa++) {
		if (shmrpc__wire_isa_force((enum wire_isa)isa) < 0) {
			printf("[ SKIPPED  ] the %s code path: not in this CPU "
			       "or build\n", isa_names[isa]);
			continue;
		}
		printf("[==========] the %s code path\n", isa_names[isa]);
		failed += cmocka_run_group_tests(tests, NULL, NULL);
		ran++;
	}
	return failed != 0 || ran == 0 ? 1 : 0;
}
