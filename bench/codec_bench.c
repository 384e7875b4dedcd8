/*
 * codec_bench: wire_json against jansson (json_dumpb/json_loadb with the
 * same flags), side by side in one run.
 *
 * Cases:
 *   small_rpc_cycle   encode + decode of a small request envelope and of its
 *                     response: the codec work of one RPC round trip
 *   add_call          the same round trip as the library makes it
 *                     (codec/envelope.h: the client's request, the
 *                     server's decode and answer, the client's decode of
 *                     the answer; jansson's row is small_rpc_cycle's)
 *   ascii_2mb_*       {"data": <2 MiB ASCII string>}
 *   utf8_2mb_*        {"data": <2 MiB of mixed 1- to 4-byte UTF-8 text>}
 *   ascii_10k_*, utf8_10k_*   the same with 10 KiB strings
 * The big strings need no escaping.  Encoding writes into a preallocated
 * buffer; decoding includes json_decref() of the result.  Each (case,
 * system) runs batches of operations for ~0.4 s (7 to 41 batches) and
 * reports the median time per operation.  MB/s is JSON text bytes per
 * operation / time, with MB = 10^6 bytes.  A run takes a few seconds.
 *
 * Build: cc -std=gnu11 -O2 -Ilibshmrpc/src bench/codec_bench.c \
 *            libshmrpc/src/codec/{utf8,json_encode,json_decode}.c -ljansson -o /tmp/codec_bench
 * Usage: codec_bench [--quick] [--json FILE]
 *        FILE gets rows shaped like shmrpc-bench's: {"case": "codec_<case>",
 *        "system": "wire_json"|"jansson", "transport": "none",
 *        "payload_bytes": JSON text bytes per operation, "clients": 1,
 *        "median_us", "p99_us" (per operation, over batches),
 *        "calls_per_s": operations per second, "cpu_us_per_call": CPU
 *        time (user + sys) per operation over the batches}.  make bench
 *        merges them into bench/out/results.json.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "codec/envelope.h"
#include "codec/wire_json.h"

#define BIG_STRING_BYTES (2u * 1024u * 1024u)
#define MID_STRING_BYTES (10u * 1024u)
#define MIN_BATCHES      7
#define MAX_BATCHES      41
#define CASE_BUDGET_NS   4e8 /* per (case, system) */
#define MIN_BATCH_NS     2e5 /* long enough for the clock's resolution */
#define REQUEST_ID       "6f1c2a9e-3b7d-4e51-9a0c-2d8b7e4f1a36"

enum codec { WIRE_JSON, JANSSON, NCODECS };
static const char *const codec_names[NCODECS] = { "wire_json", "jansson" };

/* One timed operation and the JSON text bytes it handles. */
struct bench_case {
	const char *name;
	void (*run)(void *ctx, enum codec codec);
	void *ctx;
	size_t bytes_per_op;
};

struct result {
	double median_ns;
	double p99_ns;   /* of the batch means: batches are too short to matter */
	double mb_per_s;
	double cpu_ns;   /* CPU time (user + sys) per operation */
};

static double case_budget_ns = CASE_BUDGET_NS;

static volatile size_t sink; /* keeps the results observable */

static void die(const char *what)
{
	fprintf(stderr, "codec_bench: %s\n", what);
	exit(1);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n);

	if (p == NULL)
		die("out of memory");
	return p;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double cpu_time_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e9 +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e3;
}

static int compare_doubles(const void *a, const void *b)
{
	const double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* --- the two codecs behind one interface -------------------------------- */

static size_t encode(enum codec codec, const json_t *v, char *buf, size_t cap)
{
	if (codec == WIRE_JSON)
		return shmrpc__wire_json_encode(v, buf, cap);
	return json_dumpb(v, buf, cap, WIRE_JSON_DUMP_FLAGS);
}

static json_t *decode(enum codec codec, const char *buf, size_t len)
{
	if (codec == WIRE_JSON)
		return shmrpc__wire_json_decode(buf, len, NULL);
	return json_loadb(buf, len, WIRE_JSON_LOAD_FLAGS, NULL);
}

/* Both codecs must produce the same text before speed means anything. */
static size_t encoded_size_checked(const json_t *v)
{
	const size_t n = json_dumpb(v, NULL, 0, WIRE_JSON_DUMP_FLAGS);
	char *a = xmalloc(n + 1), *b = xmalloc(n + 1);

	if (n == 0 || shmrpc__wire_json_encode(v, a, n) != n ||
	    json_dumpb(v, b, n, WIRE_JSON_DUMP_FLAGS) != n ||
	    memcmp(a, b, n) != 0)
		die("wire_json and jansson disagree on a benchmark document");
	free(a);
	free(b);
	return n;
}

/* --- case: a small request and its response ----------------------------- */

struct rpc_ctx {
	json_t *request, *response;
	char buf[512];
};

static void run_rpc_cycle(void *ctx, enum codec codec)
{
	struct rpc_ctx *c = ctx;
	size_t n;
	json_t *request, *response;

	n = encode(codec, c->request, c->buf, sizeof c->buf);
	request = decode(codec, c->buf, n);
	n = encode(codec, c->response, c->buf, sizeof c->buf);
	response = decode(codec, c->buf, n);
	if (request == NULL || response == NULL)
		die("rpc cycle failed");
	sink += json_object_size(request) + json_object_size(response);
	json_decref(request);
	json_decref(response);
}

/* The codec work of one small add call as the library does it; the id
   written back as text where the server keeps it so (REQUEST_FAST_ID_MAX
   is in envelope.h since then), so that this file builds against the
   tree before that too. */
static void run_add_call(void *ctx, enum codec codec)
{
	struct rpc_ctx *c = ctx;
	const json_t *params = json_object_get(c->request, "params");
	struct request_view rq;
	struct response_view rv;
	char why[128];
	size_t n;
	int rc;

	if (codec == JANSSON) {
		run_rpc_cycle(ctx, codec);
		return;
	}
	if (shmrpc__envelope_encode_request(c->buf, sizeof c->buf, &n,
	    REQUEST_ID, "add", params) != 0 ||
	    shmrpc__envelope_decode_request(c->buf, n, &rq, why,
	    sizeof why) != 0)
		die("add call: request failed");
	json_t *result = json_integer(
	    json_integer_value(json_object_get(rq.params, "a")) +
	    json_integer_value(json_object_get(rq.params, "b")));
#ifdef REQUEST_FAST_ID_MAX
	if (rq.id_text != NULL)
		rc = shmrpc__envelope_encode_response_id_text(c->buf,
		    sizeof c->buf, &n, rq.id_text, rq.id_text_len, result,
		    NULL);
	else
#endif
		rc = shmrpc__envelope_encode_response(c->buf, sizeof c->buf,
		    &n, rq.id, result, NULL);
	json_decref(result);
	shmrpc__request_view_release(&rq);
	if (rc != 0 || shmrpc__envelope_decode_response(c->buf, n, REQUEST_ID,
	    &rv) != 0)
		die("add call: response failed");
	sink += (size_t)json_integer_value(rv.result);
	shmrpc__response_view_release(&rv);
}

/* --- cases: one big string ---------------------------------------------- */

struct big_ctx {
	json_t *value; /* {"data": <big string>} */
	char *text;    /* its encoding */
	size_t text_len;
	char *out; /* encoding target */
	size_t out_cap;
};

static void run_big_encode(void *ctx, enum codec codec)
{
	struct big_ctx *c = ctx;

	if (encode(codec, c->value, c->out, c->out_cap) != c->text_len)
		die("big encode failed");
	sink += c->text_len;
}

static void run_big_decode(void *ctx, enum codec codec)
{
	struct big_ctx *c = ctx;
	json_t *v = decode(codec, c->text, c->text_len);

	if (v == NULL)
		die("big decode failed");
	sink += json_object_size(v);
	json_decref(v);
}

/* Printable ASCII without '"' and '\\', so nothing needs escaping. */
static char *make_ascii(size_t n)
{
	char *s = xmalloc(n);

	for (size_t i = 0; i < n; i++) {
		s[i] = (char)(' ' + (i * 7 + i / 13) % 95);
		if (s[i] == '"' || s[i] == '\\')
			s[i] = 'x';
	}
	return s;
}

/* Deterministic text of words with 1-, 2-, 3- and 4-byte characters. */
static char *make_mixed_utf8(size_t n)
{
	static const char *const words[] = {
		"hello ", "data, ",
		"Gr\xc3\xbc\xc3\x9f" "e ",                  /* Grüße */
		"caf\xc3\xa9 ",                             /* café */
		"\xce\xb1\xce\xb2\xce\xb3 ",                /* αβγ */
		/* Привет */
		"\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 ",
		"\xe2\x82\xac" "42 ",                       /* €42 */
		"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e ",    /* 日本語 */
		"\xe4\xb8\xad\xe6\x96\x87",                 /* 中文 */
		"\xf0\x9f\x98\x80 ",                        /* 😀 */
		"\xf0\x9f\x8e\x89\xf0\x9f\x9a\x80 ",        /* 🎉🚀 */
	};
	const size_t nwords = sizeof words / sizeof words[0];
	char *s = xmalloc(n);
	size_t len = 0;
	uint32_t rng = 12345;

	for (;;) {
		const char *word;
		size_t wl;

		rng = rng * 1664525u + 1013904223u;
		word = words[(rng >> 16) % nwords];
		wl = strlen(word);
		if (len + wl > n)
			break;
		memcpy(s + len, word, wl);
		len += wl;
	}
	memset(s + len, 'z', n - len); /* exactly n bytes */
	return s;
}

static void big_ctx_init(struct big_ctx *c, char *str, size_t len)
{
	c->value = json_object();
	if (json_object_set_new(c->value, "data", json_stringn(str, len)))
		die("cannot build big document");
	free(str);
	c->text_len = encoded_size_checked(c->value);
	c->text = xmalloc(c->text_len);
	encode(JANSSON, c->value, c->text, c->text_len);
	c->out_cap = c->text_len;
	c->out = xmalloc(c->out_cap);
}

static void big_ctx_release(struct big_ctx *c)
{
	json_decref(c->value);
	free(c->text);
	free(c->out);
}

/* --- measurement -------------------------------------------------------- */

static double time_batch(const struct bench_case *bc, enum codec codec,
    size_t ops)
{
	const double t0 = now_ns();

	for (size_t i = 0; i < ops; i++)
		bc->run(bc->ctx, codec);
	return now_ns() - t0;
}

static struct result measure(const struct bench_case *bc, enum codec codec)
{
	double samples[MAX_BATCHES];
	size_t ops = 1, nbatches = 0;
	double start, cpu0;
	struct result r;

	bc->run(bc->ctx, codec); /* warm caches and the allocator */
	while (time_batch(bc, codec, ops) < MIN_BATCH_NS)
		ops *= 2;
	start = now_ns();
	cpu0 = cpu_time_ns();
	while (nbatches < MAX_BATCHES &&
	    (nbatches < MIN_BATCHES || now_ns() - start < case_budget_ns))
		samples[nbatches++] = time_batch(bc, codec, ops) / (double)ops;
	r.cpu_ns = (cpu_time_ns() - cpu0) / (double)(nbatches * ops);
	qsort(samples, nbatches, sizeof samples[0], compare_doubles);
	r.median_ns = samples[nbatches / 2];
	r.p99_ns = samples[(nbatches * 99) / 100];
	r.mb_per_s = (double)bc->bytes_per_op / r.median_ns * 1e3;
	return r;
}

static void write_json_report(const char *path,
    const struct bench_case *cases, size_t ncases,
    struct result (*results)[NCODECS])
{
	json_t *list = json_array();

	for (size_t i = 0; i < ncases; i++) {
		for (int c = 0; c < NCODECS; c++) {
			/* The shape of bench/bench.c's rows, so that make
			 * bench can put them in results.json. */
			char name[64];
			json_t *row;

			snprintf(name, sizeof(name), "codec_%s", cases[i].name);
			row = json_pack("{s:s, s:s, s:s, s:s, s:I, s:i, s:f, s:f, "
			    "s:f, s:f}", "bench", "codec_bench",
			    "case", name, "system", codec_names[c],
			    "transport", "none",
			    "payload_bytes", (json_int_t)cases[i].bytes_per_op,
			    "clients", 1,
			    "median_us", results[i][c].median_ns / 1e3,
			    "p99_us", results[i][c].p99_ns / 1e3,
			    "calls_per_s", 1e9 / results[i][c].median_ns,
			    "cpu_us_per_call", results[i][c].cpu_ns / 1e3);

			if (row == NULL || json_array_append_new(list, row))
				die("cannot build the --json report");
		}
	}
	if (json_dump_file(list, path, JSON_INDENT(2)) != 0)
		die("cannot write the --json file");
	json_decref(list);
}

int main(int argc, char **argv)
{
	const char *json_path = NULL;
	struct rpc_ctx rpc;
	struct big_ctx ascii, mixed, ascii10k, mixed10k;
	size_t request_len, response_len;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0 && i + 1 < argc) {
			json_path = argv[++i];
		} else if (strcmp(argv[i], "--quick") == 0) {
			case_budget_ns = CASE_BUDGET_NS / 4;
		} else {
			fprintf(stderr, "usage: %s [--quick] [--json FILE]\n",
			    argv[0]);
			return 2;
		}
	}

	rpc.request = json_pack("{s:s, s:s, s:{s:i, s:i}}", "request_id",
	    REQUEST_ID, "method", "add", "params", "a", 1, "b", 2);
	rpc.response = json_pack("{s:s, s:i, s:n}",
	    "request_id", REQUEST_ID, "result", 3, "error");
	request_len = encoded_size_checked(rpc.request);
	response_len = encoded_size_checked(rpc.response);
	big_ctx_init(&ascii, make_ascii(BIG_STRING_BYTES), BIG_STRING_BYTES);
	big_ctx_init(&mixed, make_mixed_utf8(BIG_STRING_BYTES),
	    BIG_STRING_BYTES);
	big_ctx_init(&ascii10k, make_ascii(MID_STRING_BYTES), MID_STRING_BYTES);
	big_ctx_init(&mixed10k, make_mixed_utf8(MID_STRING_BYTES),
	    MID_STRING_BYTES);

	const struct bench_case cases[] = {
		{ "small_rpc_cycle", run_rpc_cycle, &rpc,
		    request_len + response_len },
		{ "add_call", run_add_call, &rpc, request_len + response_len },
		{ "ascii_10k_encode", run_big_encode, &ascii10k,
		    ascii10k.text_len },
		{ "ascii_10k_decode", run_big_decode, &ascii10k,
		    ascii10k.text_len },
		{ "utf8_10k_encode", run_big_encode, &mixed10k,
		    mixed10k.text_len },
		{ "utf8_10k_decode", run_big_decode, &mixed10k,
		    mixed10k.text_len },
		{ "ascii_2mb_encode", run_big_encode, &ascii, ascii.text_len },
		{ "ascii_2mb_decode", run_big_decode, &ascii, ascii.text_len },
		{ "utf8_2mb_encode", run_big_encode, &mixed, mixed.text_len },
		{ "utf8_2mb_decode", run_big_decode, &mixed, mixed.text_len },
	};
	const size_t ncases = sizeof cases / sizeof cases[0];
	struct result results[sizeof cases / sizeof cases[0]][NCODECS];

	printf("small_rpc_cycle: encode+decode of a %zu B request and a "
	    "%zu B response\n", request_len, response_len);
	printf("2mb cases: %zu B of JSON text (ascii), %zu B (mixed UTF-8)\n\n",
	    ascii.text_len, mixed.text_len);
	printf("%-18s %-10s %12s %10s %12s\n", "case", "system", "median_us",
	    "MB/s", "vs_jansson");
	for (size_t i = 0; i < ncases; i++) {
		for (int c = 0; c < NCODECS; c++)
			results[i][c] = measure(&cases[i], (enum codec)c);
		for (int c = 0; c < NCODECS; c++) {
			const double speedup = results[i][JANSSON].median_ns /
			    results[i][c].median_ns;

			printf("%-18s %-10s %12.3f %10.1f %11.1fx\n",
			    cases[i].name, codec_names[c],
			    results[i][c].median_ns / 1e3,
			    results[i][c].mb_per_s, speedup);
		}
		fflush(stdout);
	}
	printf("\ntargets (this run): long strings >= 1000 MB/s and >= 20x "
	    "jansson; small cycle >= 3x jansson\n");
	for (size_t i = 0; i < ncases; i++) {
		const double x = results[i][JANSSON].median_ns /
		    results[i][WIRE_JSON].median_ns;
		const bool big = i > 1;

		printf("  %-18s wire_json %8.1f MB/s, %5.1fx jansson: %s\n",
		    cases[i].name, results[i][WIRE_JSON].mb_per_s, x,
		    (big ? results[i][WIRE_JSON].mb_per_s >= 1000 && x >= 20
			 : x >= 3) ? "met" : "MISSED");
	}
	if (json_path != NULL)
		write_json_report(json_path, cases, ncases, results);

	json_decref(rpc.request);
	json_decref(rpc.response);
	big_ctx_release(&ascii);
	big_ctx_release(&mixed);
	big_ctx_release(&ascii10k);
	big_ctx_release(&mixed10k);
	return 0;
}
