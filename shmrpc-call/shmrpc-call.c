/*
 * shmrpc-call - call a method on a libshmrpc (or shm-rpc-bridge) channel
 * from the command line and print the result as JSON.  See shmrpc-call(1).
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <shmrpc.h>

#include "tool.h"

/* Exit status, as documented in shmrpc-call(1). */
enum { EXIT_OK = 0, EXIT_METHOD = 1, EXIT_USAGE = TOOL_EXIT_USAGE,
	EXIT_CHANNEL = 3 };

#define COUNT_MAX 100000000LL

/* The usage text, shaped like shmrpc-call(1)'s SYNOPSIS: on stdout with
 * status 0 when asked for (-h), on stderr with status 2 after a mistake. */
static void usage(FILE *out, int status)
{
	fprintf(out,
	    "usage: shmrpc-call [-t posix|futex] [-w wait] [-T timeout] "
	    "[-b bufsize]\n"
	    "                   [-c count] channel method [params-json]\n"
	    "       shmrpc-call --raw [-t futex] [-w wait] [-T timeout] "
	    "[-b bufsize]\n"
	    "                   [-c count] channel method < request > reply\n");
	exit(status);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* min/median/p99/max of n latencies in microseconds, like ping. */
static void print_stats(FILE *f, double *us, long long n)
{
	qsort(us, (size_t)n, sizeof(*us), cmp_double);
	long long p99 = (long long)ceil(0.99 * (double)n) - 1;
	fprintf(f, "--- %lld calls ---\n", n);
	fprintf(f, "latency min/median/p99/max = %.2f/%.2f/%.2f/%.2f us\n",
	    us[0], us[n / 2], us[p99 < 0 ? 0 : p99], us[n - 1]);
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* All of stdin, in a malloc'd buffer (*len bytes; never NULL). */
static char *read_stdin(size_t *len)
{
	size_t cap = 65536, n = 0, got;
	char *buf = malloc(cap);

	if (buf == NULL)
		err(EXIT_CHANNEL, "malloc");
	while ((got = fread(buf + n, 1, cap - n, stdin)) > 0) {
		n += got;
		if (n == cap) {
			char *grown;
			if (cap > SIZE_MAX / 2)
				errx(EXIT_USAGE, "standard input too large");
			grown = realloc(buf, cap * 2);
			if (grown == NULL)
				err(EXIT_CHANNEL, "realloc");
			buf = grown;
			cap *= 2;
		}
	}
	if (ferror(stdin))
		err(EXIT_USAGE, "reading standard input");
	*len = n;
	return buf;
}

static int exit_status_for(int rc)
{
	if (rc == SHMRPC_EMETHOD)
		return EXIT_METHOD;
	return EXIT_CHANNEL;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "transport", required_argument, NULL, 't' },
		{ "wait", required_argument, NULL, 'w' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "buffer-size", required_argument, NULL, 'b' },
		{ "count", required_argument, NULL, 'c' },
		{ "raw", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	shmrpc_options opts;
	shmrpc_client *cli;
	shmrpc_error cerr;
	json_t *params = NULL, *result = NULL;
	long long count = 1;
	double *lat = NULL;
	int ch, rc, raw = 0;
	char *raw_in = NULL;
	size_t raw_len = 0, reply_len = 0;
	const void *reply = NULL;

	shmrpc_options_init(&opts);
	while ((ch = getopt_long(argc, argv, "t:w:T:b:c:hV", longopts,
		    NULL)) != -1) {
		switch (ch) {
		case 't':
			if (shmrpc_transport_parse(optarg, &opts.transport) < 0)
				errx(EXIT_USAGE, "unknown transport: %s "
				    "(posix or futex)", optarg);
			break;
		case 'w':
			opts.wait_for_server = tool_parse_seconds(optarg, 0, 1e6, "wait");
			break;
		case 'T':
			opts.timeout = tool_parse_seconds(optarg, 0, 1e6, "timeout");
			break;
		case 'b':
			opts.buffer_size = (size_t)tool_parse_count(optarg, 5,
			    UINT32_MAX, "buffer size");
			break;
		case 'c':
			count = tool_parse_count(optarg, 1, COUNT_MAX, "count");
			break;
		case 'r':
			raw = 1;
			break;
		case 'V':
			tool_print_version("shmrpc-call");
			return EXIT_OK;
		case 'h':
			usage(stdout, EXIT_OK);
			break;
		default:
			usage(stderr, EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2 || argc > 3)
		usage(stderr, EXIT_USAGE);
	tool_parse_channel(argv[0]);
	if (raw && argc != 2)
		errx(EXIT_USAGE, "--raw takes the request bytes from standard "
		    "input, not an argument");
	if (raw)
		raw_in = read_stdin(&raw_len);
	if (argc == 3) {
		json_error_t jerr;
		params = json_loads(argv[2], 0, &jerr);
		if (params == NULL)
			errx(EXIT_USAGE, "params are not valid JSON: %s",
			    jerr.text);
		if (!json_is_object(params))
			errx(EXIT_USAGE, "params must be a JSON object");
	}

	rc = shmrpc_client_open(&cli, argv[0], &opts, &cerr);
	if (rc < 0)
		errx(EXIT_CHANNEL, "%s", cerr.text);
	if (count > 1 && (lat = calloc((size_t)count, sizeof(*lat))) == NULL)
		err(EXIT_CHANNEL, "calloc");
	for (long long i = 0; i < count; i++) {
		double t0 = now_us();
		json_decref(result);
		result = NULL;
		if (raw)
			rc = shmrpc_call_bytes(cli, argv[1], raw_in, raw_len,
			    &reply, &reply_len, &cerr);
		else
			rc = shmrpc_call(cli, argv[1], params, &result, &cerr);
		if (lat != NULL)
			lat[i] = now_us() - t0;
		if (rc < 0)
			break;
	}
	if (rc == SHMRPC_EMETHOD) {
		fprintf(stderr, "%s\n", cerr.text);
	} else if (rc < 0) {
		warnx("%s", cerr.text);
	} else if (raw) {
		/* The reply, straight from shared memory. */
		if (fwrite(reply, 1, reply_len, stdout) != reply_len ||
		    fflush(stdout) != 0)
			err(EXIT_CHANNEL, "writing the reply");
		if (lat != NULL) /* stdout has the reply bytes */
			print_stats(stderr, lat, count);
	} else {
		char *text = json_dumps(result, JSON_ENCODE_ANY | JSON_COMPACT);
		if (text == NULL)
			errx(EXIT_CHANNEL, "cannot print the result");
		printf("%s\n", text);
		free(text);
		if (lat != NULL)
			print_stats(stdout, lat, count);
	}
	json_decref(result);
	json_decref(params);
	free(raw_in);
	free(lat);
	shmrpc_client_close(cli);
	return rc < 0 ? exit_status_for(rc) : EXIT_OK;
}
