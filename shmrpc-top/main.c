/*
 * shmrpc-top - monitor libshmrpc channels: traffic, latency and stale
 * resources, like top(1).  See shmrpc-top(1).
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <shmrpc.h>

#include "format.h"
#include "tool.h"
#include "snapshot.h"
#include "ui.h"

/* Exit status, as documented in shmrpc-top(1). */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = TOOL_EXIT_USAGE };

static void usage(FILE *f, int status)
{
	fprintf(f,
	    "usage: shmrpc-top [-ab] [-d seconds] [-f filter] [-n iterations] "
	    "[-o format]\n"
	    "                  [-u user] [--no-color]\n"
	    "       shmrpc-top -h | -V\n");
	exit(status);
}

static void sleep_until(double deadline)
{
	struct timespec ts;

	ts.tv_sec = (time_t)deadline;
	ts.tv_nsec = (long)((deadline - (double)ts.tv_sec) * 1e9);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	    EINTR)
		;
}

static int batch(const struct top_opts *o, double delay, long long n,
    enum top_format fmt)
{
	struct top_snap *prev = NULL, *cur;
	double next = top_now_mono();
	int rc;

	for (long long i = 0; n == 0 || i < n; i++) {
		if (i > 0) {
			next += delay;
			sleep_until(next);
		}
		rc = top_collect(&cur, prev, o);
		if (rc < 0) {
			top_snap_free(prev);
			errx(EXIT_FAIL, "cannot inspect channels: %s",
			    shmrpc_strerror(rc));
		}
		top_snap_free(prev);
		prev = cur;
		if (fmt_frame(stdout, cur, fmt) < 0) {
			top_snap_free(cur);
			err(EXIT_FAIL, "stdout");
		}
	}
	top_snap_free(prev);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	enum { OPT_NO_COLOR = 256 };
	static const struct option longopts[] = {
		{ "all-users", no_argument, NULL, 'a' },
		{ "batch", no_argument, NULL, 'b' },
		{ "delay", required_argument, NULL, 'd' },
		{ "filter", required_argument, NULL, 'f' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ "user", required_argument, NULL, 'u' },
		{ "no-color", no_argument, NULL, OPT_NO_COLOR },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ui_config cfg;
	enum top_format fmt = FMT_TEXT;
	const char *nc;
	int ch, batch_mode = 0, fmt_given = 0;

	setlocale(LC_ALL, "");
	memset(&cfg, 0, sizeof(cfg));
	cfg.delay = 1.0;
	nc = getenv("NO_COLOR");
	cfg.color = nc == NULL || nc[0] == '\0';
	while ((ch = getopt_long(argc, argv, "abd:f:n:o:u:hV", longopts,
		    NULL)) != -1) {
		switch (ch) {
		case 'a':
			cfg.opts.all_users = 1;
			break;
		case 'b':
			batch_mode = 1;
			break;
		case 'd':
			cfg.delay = tool_parse_seconds(optarg, 0.1, 3600, "delay");
			break;
		case 'f':
			cfg.opts.filter = optarg;
			break;
		case 'n':
			cfg.iterations = tool_parse_count(optarg, 1,
			    1000000000LL, "iterations");
			break;
		case 'o':
			fmt_given = 1;
			if (strcmp(optarg, "text") == 0)
				fmt = FMT_TEXT;
			else if (strcmp(optarg, "json") == 0)
				fmt = FMT_JSON;
			else if (strcmp(optarg, "prometheus") == 0)
				fmt = FMT_PROMETHEUS;
			else
				errx(EXIT_USAGE, "unknown output format: %s "
				    "(text, json or prometheus)", optarg);
			break;
		case 'u':
			cfg.opts.has_uid = 1;
			cfg.opts.uid = tool_parse_user(optarg);
			if (cfg.opts.uid != geteuid())
				cfg.opts.all_users = 1;
			break;
		case OPT_NO_COLOR:
			cfg.color = 0;
			break;
		case 'V':
			tool_print_version("shmrpc-top");
			return EXIT_OK;
		case 'h':
			usage(stdout, EXIT_OK);
			break;
		default:
			usage(stderr, EXIT_USAGE);
		}
	}
	if (optind != argc)
		usage(stderr, EXIT_USAGE);
	if (fmt_given && !batch_mode)
		errx(EXIT_USAGE, "-o is for batch mode: add -b");
	if (batch_mode)
		return batch(&cfg.opts, cfg.delay, cfg.iterations, fmt);
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		errx(EXIT_USAGE, "not a terminal: use -b for batch output");
	return ui_run(&cfg);
}
