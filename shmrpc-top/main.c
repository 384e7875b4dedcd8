/*
 * shmrpc-top - monitor libshmrpc channels: traffic, latency and stale
 * resources, like top(1).  See shmrpc-top(1).
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <shmrpc.h>

#include "config.h"
#include "format.h"
#include "snapshot.h"
#include "tool.h"
#include "ui.h"

/* Exit status, as documented in shmrpc-top(1). */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = TOOL_EXIT_USAGE };

/* What the command line asked for. */
struct args {
	struct ui_config ui;
	struct top_frame frame;
	int batch, fmt_given, n_given, sort_given, reverse_given, delay_given;
	double delay;
	const char *textfile;   /* --textfile DIR */
};

static void usage(FILE *f, int status)
{
	fprintf(f,
	    "usage: shmrpc-top [-abr] [-d seconds] [-f filter] [-n iterations] "
	    "[-o format]\n"
	    "                  [-s column] [-u user] [--histograms] "
	    "[--no-color]\n"
	    "                  [--textfile dir]\n"
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

/* Write one frame to DIR/shmrpc.prom: into a new file beside it, then
 * renamed over it, so that node_exporter never reads half a frame.  0,
 * or -1 with errno (the new file removed). */
static int write_textfile(const char *dir, const struct top_snap *s,
    const struct top_frame *fr)
{
	char tmp[PATH_MAX], dst[PATH_MAX];
	FILE *f;
	int fd, rc, saved;

	snprintf(tmp, sizeof(tmp), "%s/.shmrpc.prom.XXXXXX", dir);
	snprintf(dst, sizeof(dst), "%s/shmrpc.prom", dir);
	if ((fd = mkstemp(tmp)) < 0)
		return -1;
	/* node_exporter usually runs as another user. */
	if (fchmod(fd, 0644) < 0 || (f = fdopen(fd, "w")) == NULL) {
		saved = errno;
		close(fd);
		unlink(tmp);
		errno = saved;
		return -1;
	}
	rc = fmt_frame(f, s, fr);
	saved = errno;
	if (fclose(f) != 0 && rc == 0) {
		rc = -1;
		saved = errno;
	}
	if (rc == 0 && rename(tmp, dst) < 0) {
		rc = -1;
		saved = errno;
	}
	if (rc < 0)
		unlink(tmp);
	errno = saved;
	return rc;
}

/* One frame out: to stdout, or to the textfile directory. */
static void output(const struct args *a, const struct top_snap *s,
    long long i)
{
	if (a->textfile == NULL) {
		if (fmt_frame(stdout, s, &a->frame) < 0)
			err(EXIT_FAIL, "stdout");
	} else if (write_textfile(a->textfile, s, &a->frame) < 0) {
		/* A daemon outlives a full disk; a first frame that cannot
		 * be written is a mistake in the setup. */
		if (i == 0)
			err(EXIT_FAIL, "%s", a->textfile);
		warn("%s", a->textfile);
	}
}

static int batch(const struct args *a)
{
	struct top_snap *prev = NULL, *cur;
	long long n = a->ui.iterations;
	double next = top_now_mono();
	int rc;

	for (long long i = 0; n == 0 || i < n; i++) {
		if (i > 0) {
			next += a->delay;
			sleep_until(next);
		}
		rc = top_collect(&cur, prev, &a->ui.opts);
		top_snap_free(prev);
		if (rc < 0)
			errx(EXIT_FAIL, "cannot inspect channels: %s",
			    shmrpc_strerror(rc));
		prev = cur;
		output(a, cur, i);
	}
	top_snap_free(prev);
	return EXIT_OK;
}

static enum top_format parse_format(const char *s)
{
	if (strcmp(s, "text") == 0)
		return FMT_TEXT;
	if (strcmp(s, "json") == 0)
		return FMT_JSON;
	if (strcmp(s, "prometheus") == 0)
		return FMT_PROMETHEUS;
	errx(EXIT_USAGE, "unknown output format: %s (text, json or "
	    "prometheus)", s);
}

static enum top_col parse_column(const char *s)
{
	int c = top_column_find(s);

	if (c < 0) {
		fprintf(stderr, "shmrpc-top: unknown column: %s; one of:", s);
		for (int i = 0; i < COL_COUNT; i++)
			fprintf(stderr, " %s", top_columns[i].key);
		fputc('\n', stderr);
		exit(EXIT_USAGE);
	}
	return (enum top_col)c;
}

enum { OPT_NO_COLOR = 256, OPT_TEXTFILE, OPT_HISTOGRAMS };

static void parse_option(struct args *a, int ch)
{
	switch (ch) {
	case 'a': a->ui.opts.all_users = 1; break;
	case 'b': a->batch = 1; break;
	case 'd':
		a->delay = tool_parse_seconds(optarg, 0.1, 3600, "delay");
		a->delay_given = 1;
		break;
	case 'f': a->ui.opts.filter = a->ui.opts.object_filter = optarg; break;
	case 'n':
		a->ui.iterations = tool_parse_count(optarg, 1, 1000000000LL,
		    "iterations");
		a->n_given = 1;
		break;
	case 'o':
		a->frame.fmt = parse_format(optarg);
		a->fmt_given = 1;
		break;
	case 'r': a->reverse_given = 1; break;
	case 's':
		a->frame.sort = parse_column(optarg);
		a->sort_given = 1;
		break;
	case 'u':
		a->ui.opts.has_uid = 1;
		a->ui.opts.uid = tool_parse_user(optarg);
		if (a->ui.opts.uid != geteuid())
			a->ui.opts.all_users = 1;
		break;
	case OPT_NO_COLOR: a->ui.color = 0; break;
	case OPT_TEXTFILE: a->textfile = optarg; break;
	case OPT_HISTOGRAMS: a->frame.prom_buckets = 1; break;
	case 'V':
		tool_print_version("shmrpc-top");
		exit(EXIT_OK);
	case 'h': usage(stdout, EXIT_OK); break;
	default: usage(stderr, EXIT_USAGE);
	}
}

static void parse_args(struct args *a, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all-users", no_argument, NULL, 'a' },
		{ "batch", no_argument, NULL, 'b' },
		{ "delay", required_argument, NULL, 'd' },
		{ "filter", required_argument, NULL, 'f' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ "reverse", no_argument, NULL, 'r' },
		{ "sort", required_argument, NULL, 's' },
		{ "user", required_argument, NULL, 'u' },
		{ "histograms", no_argument, NULL, OPT_HISTOGRAMS },
		{ "no-color", no_argument, NULL, OPT_NO_COLOR },
		{ "textfile", required_argument, NULL, OPT_TEXTFILE },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "abd:f:n:o:rs:u:hV", longopts,
		    NULL)) != -1)
		parse_option(a, ch);
	if (optind != argc)
		usage(stderr, EXIT_USAGE);
}

/* The modes and formats that go together, and their defaults. */
static void check_args(struct args *a)
{
	if (a->textfile != NULL) {
		struct stat st;

		if (a->fmt_given && a->frame.fmt != FMT_PROMETHEUS)
			errx(EXIT_USAGE, "--textfile writes the prometheus "
			    "format only");
		if (stat(a->textfile, &st) < 0 || !S_ISDIR(st.st_mode))
			errx(EXIT_USAGE, "--textfile: %s is not a directory",
			    a->textfile);
		a->batch = 1;
		a->frame.fmt = FMT_PROMETHEUS;
		return;
	}
	if (a->fmt_given && !a->batch)
		errx(EXIT_USAGE, "-o is for batch mode: add -b");
	if (a->frame.prom_buckets && a->frame.fmt != FMT_PROMETHEUS)
		errx(EXIT_USAGE, "--histograms is for the prometheus output: "
		    "add -b -o prometheus or --textfile dir");
	/* Expositions one after another are not one valid exposition. */
	if (a->batch && a->frame.fmt == FMT_PROMETHEUS) {
		if (a->n_given && a->ui.iterations != 1)
			errx(EXIT_USAGE, "-o prometheus writes one frame: drop "
			    "-n, or use --textfile DIR to write one each "
			    "refresh");
		a->ui.iterations = 1;
	}
}

/* toprc, then what the command line says over it. */
static void load_settings(struct args *a, char *path, size_t len)
{
	char why[512];

	top_config_default(&a->ui.top);
	a->ui.cfg_path = NULL;
	if (top_config_path(path, len) == 0) {
		a->ui.cfg_path = path;
		if (top_config_load(&a->ui.top, path, why, sizeof(why)) < 0)
			warnx("%s (using the defaults)", why);
	}
	if (a->sort_given)
		a->ui.top.sort = a->frame.sort;
	if (a->reverse_given)
		a->ui.top.reverse = !a->ui.top.reverse;
	if (a->delay_given)
		a->ui.top.delay = a->delay;
	if (a->ui.top.delay <= 0)
		a->ui.top.delay = 1;
	a->delay = a->ui.top.delay;
	a->frame.sort = a->ui.top.sort;
	a->frame.reverse = a->ui.top.reverse;
	a->frame.cols = &a->ui.top.cols;
}

int main(int argc, char **argv)
{
	static struct args a;
	static char path[PATH_MAX];
	const char *nc;

	setlocale(LC_ALL, "");
	nc = getenv("NO_COLOR");
	a.ui.color = nc == NULL || nc[0] == '\0';
	a.frame.fmt = FMT_TEXT;
	parse_args(&a, argc, argv);
	check_args(&a);
	load_settings(&a, path, sizeof(path));
	if (a.batch)
		return batch(&a);
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		errx(EXIT_USAGE, "not a terminal: use -b for batch output");
	ui_check_terminal();
	return ui_run(&a.ui);
}
