/*
 * peer-bench - libshmrpc against what a user would pick instead for
 * same-host RPC: a Unix domain socket, ZeroMQ REQ/REP, gRPC unary; the
 * same cases, timing and CPU accounting for every system (layer: bench).
 *
 * usage: peer-bench [-q] [-o results.json] [-i rows.json]... [-p plotdir]
 *                   [-g plots.gp] [-b budget_s]
 *        peer-bench --one SYSTEM:CASE:PAYLOAD:CLIENTS [-b budget_s]
 *
 * Runs the rows of plan.c, prints them as they finish (a progress line on
 * a terminal), then the ratios issue 11 targets.  -o writes the rows of
 * every -i file followed by this run's as one JSON list (-i may name the
 * -o file: it is read first).  -p writes the plots' data there and, with
 * -g, runs gnuplot on that script (skipped, with a line saying so,
 * without gnuplot).  Exit status: 0, or 1 if a row failed.  A missed
 * target is reported, not an error.
 */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "plan.h"
#include "report.h"

extern char **environ;

static int tty;

static void progress(size_t k, size_t n, double t0, const struct row_spec *sp)
{
	double el = (now_us() - t0) / 1e6;
	double left = k > 0 ? el / (double)k * (double)(n - k) : 0;

	if (!tty)
		return;
	fprintf(stderr, "\r\033[K[%zu/%zu] %d:%02d elapsed, ~%d:%02d left: "
	    "%s %s %zu B, %d client%s", k + 1, n, (int)el / 60, (int)el % 60,
	    (int)left / 60, (int)left % 60,
	    sp->sys != NULL ? sp->sys->name : "memcpy-2x",
	    sp->sys != NULL ? case_name(sp->kase) : "floor", sp->payload,
	    sp->clients, sp->clients > 1 ? "s" : "");
}

static void progress_clear(void)
{
	if (tty)
		fprintf(stderr, "\r\033[K");
}

static void run_row(const struct harness_config *cfg,
    const struct row_spec *sp, struct row_result *r)
{
	if (sp->sys == NULL)
		harness_memcpy_floor(sp->payload, cfg->budget_s / 2, r);
	else
		harness_run(cfg, sp, r);
}

static int parse_one(const char *arg, struct row_spec *sp)
{
	char sys[32], kase[32];
	long long payload;
	int clients;

	memset(sp, 0, sizeof(*sp));
	if (sscanf(arg, "%31[^:]:%31[^:]:%lld:%d", sys, kase, &payload,
	    &clients) != 4 || payload < 0 || clients < 1 ||
	    clients > MAX_CLIENTS)
		return -1;
	for (size_t s = 0; s < bench_nsystems; s++)
		if (strcmp(bench_systems[s]->name, sys) == 0)
			sp->sys = bench_systems[s];
	for (int k = 0; k < NCASES; k++)
		if (strcmp(case_name((enum bench_case)k), kase) == 0)
			sp->kase = (enum bench_case)k;
	if (sp->sys == NULL || strcmp(case_name(sp->kase), kase) != 0)
		return -1;
	if (sp->sys->skip_reason != NULL)
		errx(1, "%s: %s", sp->sys->name, sp->sys->skip_reason);
	if (!(sp->sys->cases & CASE_BIT(sp->kase)))
		errx(1, "%s does not run %s", sp->sys->name, kase);
	sp->payload = (size_t)payload;
	sp->clients = clients;
	return 0;
}

/* gnuplot -e "dir=...; lat=...; tput=..." script; 0, or -1 (said why). */
static int run_gnuplot(const char *script, const char *dir,
    const char *lat, const char *tput)
{
	char vars[8192];
	char *argv[] = { "gnuplot", "-e", vars, (char *)script, NULL };
	pid_t pid;
	int status, rc;

	snprintf(vars, sizeof(vars), "dir='%s'; lat='%s'; tput='%s'", dir, lat,
	    tput);
	rc = posix_spawnp(&pid, "gnuplot", NULL, NULL, argv, environ);
	if (rc != 0) {
		printf("plots: skipped, cannot run gnuplot (%s; Debian "
		    "gnuplot-nox, `make bench-deps` installs it)\n",
		    strerror(rc));
		return -1;
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		printf("plots: gnuplot failed\n");
		return -1;
	}
	printf("plots: %s/latency_vs_size.png %s/throughput_vs_clients.png\n",
	    dir, dir);
	return 0;
}

/* The machine's load averages (1, 5, 15 min), to tell a run on a busy
 * machine: these rows measure scheduling as much as code. */
static const char *loadavg(char *buf, size_t len)
{
	FILE *f = fopen("/proc/loadavg", "r");
	double a[3];

	if (f != NULL && fscanf(f, "%lf %lf %lf", &a[0], &a[1], &a[2]) == 3)
		snprintf(buf, len, "%.2f %.2f %.2f", a[0], a[1], a[2]);
	else
		snprintf(buf, len, "?");
	if (f != NULL)
		fclose(f);
	return buf;
}

static void usage(void)
{
	fprintf(stderr, "usage: peer-bench [-q] [-o results.json] "
	    "[-i rows.json]... [-p plotdir] [-g plots.gp]\n"
	    "                  [-b budget_s]\n"
	    "       peer-bench --one SYSTEM:CASE:PAYLOAD:CLIENTS "
	    "[-b budget_s]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "output", required_argument, NULL, 'o' },
		{ "include", required_argument, NULL, 'i' },
		{ "plot-dir", required_argument, NULL, 'p' },
		{ "gnuplot", required_argument, NULL, 'g' },
		{ "budget", required_argument, NULL, 'b' },
		{ "one", required_argument, NULL, '1' },
		{ NULL, 0, NULL, 0 },
	};
	struct harness_config cfg = { .budget_s = 1.0, .max_calls = 400000,
		.min_calls = 3 };
	const char *out = NULL, *plotdir = NULL, *script = NULL, *one = NULL;
	const char *includes[8];
	int quick = 0, ch, failed = 0, nincl = 0;
	double budget = 0;
	struct plan plan;
	struct row_result *rs;
	json_t *list;

	while ((ch = getopt_long(argc, argv, "qo:i:p:g:b:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'q':
			quick = 1;
			break;
		case 'o':
			out = optarg;
			break;
		case 'i':
			if (nincl == 8)
				errx(2, "at most 8 -i files");
			includes[nincl++] = optarg;
			break;
		case 'p':
			plotdir = optarg;
			break;
		case 'g':
			script = optarg;
			break;
		case 'b':
			budget = strtod(optarg, NULL);
			if (budget <= 0 || budget > 600)
				errx(2, "-b: 0 to 600 seconds");
			break;
		case '1':
			one = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	cfg.budget_s = budget > 0 ? budget : quick ? 0.25 : 1.5;
	cfg.cpu_budget_s = budget > 0 ? budget : quick ? 1.0 : 3.0;
	tty = isatty(STDERR_FILENO);
	/* Read the rows to keep before anything overwrites them. */
	list = json_array();
	for (int i = 0; i < nincl; i++) {
		json_error_t je;
		json_t *more = json_load_file(includes[i], 0, &je);

		if (!json_is_array(more))
			errx(1, "%s: not a JSON list: %s", includes[i],
			    je.text);
		json_array_extend(list, more);
		json_decref(more);
	}
	harness_init();

	if (one != NULL) {
		struct row_spec sp;
		struct row_result r;

		if (parse_one(one, &sp) < 0)
			errx(2, "--one SYSTEM:CASE:PAYLOAD:CLIENTS (systems: "
			    "shmrpc uds zeromq grpc; cases: raw json_add "
			    "json_echo bytes_echo idle waiting)");
		report_header(stdout);
		harness_run(&cfg, &sp, &r);
		report_row(stdout, &r);
		harness_cleanup();
		return !r.ok;
	}

	plan_build(&plan);
	rs = calloc(plan.n, sizeof(*rs));
	if (rs == NULL)
		err(1, "calloc");
	char load[128];

	printf("peer-bench%s: %zu rows, %.2f s each, %ld CPUs, load average "
	    "%s\n", quick ? " (quick)" : "", plan.n, cfg.budget_s,
	    sysconf(_SC_NPROCESSORS_ONLN), loadavg(load, sizeof(load)));
	for (size_t s = 0; s < bench_nsystems; s++)
		if (bench_systems[s]->skip_reason != NULL)
			printf("skipped: %s, %s\n", bench_systems[s]->name,
			    bench_systems[s]->skip_reason);
	report_header(stdout);
	double t0 = now_us();
	for (size_t i = 0; i < plan.n; i++) {
		progress(i, plan.n, t0, &plan.rows[i]);
		run_row(&cfg, &plan.rows[i], &rs[i]);
		progress_clear();
		report_row(stdout, &rs[i]);
		if (!rs[i].ok)
			failed = 1;
	}
	harness_cleanup();
	printf("(%.0f s; load average now %s)\n", (now_us() - t0) / 1e6,
	    loadavg(load, sizeof(load)));

	if (out != NULL) {
		for (size_t i = 0; i < plan.n; i++)
			if (rs[i].ok)
				json_array_append_new(list,
				    report_row_json(&rs[i]));
		if (json_dump_file(list, out, JSON_INDENT(2) |
		    JSON_PRESERVE_ORDER) < 0)
			err(1, "%s", out);
		printf("wrote %s\n", out);
	}
	json_decref(list);
	if (plotdir != NULL) {
		char lat[1024], tput[1024];

		if (report_plot_data(plotdir, rs, plan.n, lat, sizeof(lat),
		    tput, sizeof(tput)) == 0 && script != NULL)
			run_gnuplot(script, plotdir, lat, tput);
	}
	report_targets(stdout, rs, plan.n);
	free(rs);
	plan_free(&plan);
	return failed;
}
