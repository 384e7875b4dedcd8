/*
 * report.c - peer-bench: the table, results.json rows, plot data and the
 * target ratios of issue 11 (layer: bench).
 */
#define _GNU_SOURCE
#include <err.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plan.h"
#include "report.h"

static const char *sys_name(const struct row_result *r)
{
	return r->spec.sys != NULL ? r->spec.sys->name : "memcpy-2x";
}

static const char *row_case(const struct row_result *r)
{
	return r->spec.sys != NULL ? case_name(r->spec.kase) : "floor";
}

static const char *row_transport(const struct row_result *r)
{
	return r->spec.sys != NULL ? r->spec.sys->transport : "none";
}

static double pct(double cpu_us, const struct row_result *r)
{
	return r->wall_s > 0 ? cpu_us / (r->wall_s * 1e6) * 100.0 : 0;
}

void report_header(FILE *f)
{
	fprintf(f, "%-9s %-6s %-10s %8s %3s %8s %10s %10s %11s %9s %7s %7s\n",
	    "system", "transp", "case", "payload", "cli", "calls", "median_us",
	    "p99_us", "calls_per_s", "cpu_us/c", "srv_cpu", "cli_cpu");
}

void report_row(FILE *f, const struct row_result *r)
{
	fprintf(f, "%-9s %-6s %-10s %8zu %3d ", sys_name(r), row_transport(r),
	    row_case(r), r->spec.payload, r->spec.clients);
	if (!r->ok) {
		fprintf(f, "%8s\n", "FAILED");
		return;
	}
	fprintf(f, "%8zu ", r->calls);
	if (r->spec.kase == CASE_IDLE && r->spec.sys != NULL)
		fprintf(f, "%10s %10s %11s %9s ", "-", "-", "-", "-");
	else
		fprintf(f, "%10.2f %10.2f %11.0f %9.2f ", r->median_us,
		    r->p99_us, r->calls_per_s, cpu_per_call(r));
	fprintf(f, "%6.1f%% %6.1f%%\n", pct(r->server_cpu_us, r),
	    pct(r->clients_cpu_us, r));
	fflush(f);
}

json_t *report_row_json(const struct row_result *r)
{
	int calls = r->ok && r->calls > 0 &&
	    !(r->spec.kase == CASE_IDLE && r->spec.sys != NULL);
	double per = (double)(r->calls ? r->calls : 1);
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:i, s:I, s:f}",
	    "bench", "peer-bench", "case", row_case(r), "system", sys_name(r),
	    "transport", row_transport(r), "payload_bytes",
	    (json_int_t)r->spec.payload, "clients", r->spec.clients, "calls",
	    (json_int_t)r->calls, "seconds", r->wall_s);

	if (o == NULL)
		errx(1, "out of memory");
	/* Rows without calls (idle) have no latency: null, not 0. */
	json_object_set_new(o, "median_us",
	    calls ? json_real(r->median_us) : json_null());
	json_object_set_new(o, "p99_us",
	    calls ? json_real(r->p99_us) : json_null());
	json_object_set_new(o, "calls_per_s",
	    calls ? json_real(r->calls_per_s) : json_null());
	json_object_set_new(o, "cpu_us_per_call", calls ?
	    json_real((r->server_cpu_us + r->clients_cpu_us) / per) :
	    json_null());
	json_object_set_new(o, "server_cpu_us_per_call",
	    calls ? json_real(r->server_cpu_us / per) : json_null());
	json_object_set_new(o, "clients_cpu_us_per_call",
	    calls ? json_real(r->clients_cpu_us / per) : json_null());
	json_object_set_new(o, "server_cpu_percent",
	    json_real(pct(r->server_cpu_us, r)));
	json_object_set_new(o, "clients_cpu_percent",
	    json_real(pct(r->clients_cpu_us, r)));
	return o;
}

static const struct row_result *find(const struct row_result *rs, size_t n,
    const char *system, enum bench_case kase, size_t payload, int clients)
{
	for (size_t i = 0; i < n; i++)
		if (rs[i].ok && strcmp(sys_name(&rs[i]), system) == 0 &&
		    (rs[i].spec.sys == NULL || rs[i].spec.kase == kase) &&
		    rs[i].spec.payload == payload &&
		    rs[i].spec.clients == clients)
			return &rs[i];
	return NULL;
}

/* ---- plots --------------------------------------------------------------- */

static int append_key(char *keys, size_t len, const char *key)
{
	size_t used = strlen(keys);

	if ((size_t)snprintf(keys + used, len - used, "%s%s",
	    used ? " " : "", key) >= len - used) {
		warnx("plot keys too long");
		return -1;
	}
	return 0;
}

/* One line of a plot: a file with a title row, then x y pairs. */
static int line_file(const char *dir, const char *prefix, const char *key,
    const char *title, const char *xname, const double *x, const double *y,
    size_t n)
{
	char path[4096];
	FILE *f;
	size_t points = 0;

	for (size_t i = 0; i < n; i++)
		points += !isnan(y[i]);
	if (points == 0)
		return 1; /* nothing measured: no line */
	snprintf(path, sizeof(path), "%s/%s-%s.dat", dir, prefix, key);
	f = fopen(path, "w");
	if (f == NULL) {
		warn("%s", path);
		return -1;
	}
	fprintf(f, "%s \"%s\"\n", xname, title);
	for (size_t i = 0; i < n; i++)
		if (!isnan(y[i]))
			fprintf(f, "%.0f %.3f\n", x[i], y[i]);
	if (fclose(f) != 0) {
		warn("%s", path);
		return -1;
	}
	return 0;
}

int report_plot_data(const char *dir, const struct row_result *rs, size_t n,
    char *lat_keys, size_t lat_len, char *tput_keys, size_t tput_len)
{
	double x[16], y[16];
	char key[64], title[128];
	int rc;

	lat_keys[0] = tput_keys[0] = '\0';
	/* Latency against payload: each system's raw echo, shmrpc's bytes
	 * calls, and the memcpy floor. */
	struct {
		const char *system;
		enum bench_case kase;
	} lat_lines[16];
	size_t nl = 0;

	lat_lines[nl].system = "shmrpc";
	lat_lines[nl++].kase = CASE_BYTES_ECHO;
	for (size_t s = 0; s < bench_nsystems; s++) {
		lat_lines[nl].system = bench_systems[s]->name;
		lat_lines[nl++].kase = CASE_RAW;
	}
	lat_lines[nl].system = "memcpy-2x";
	lat_lines[nl++].kase = CASE_RAW;
	for (size_t l = 0; l < nl; l++) {
		const struct bench_system *sys = NULL;

		for (size_t s = 0; s < bench_nsystems; s++)
			if (strcmp(bench_systems[s]->name,
			    lat_lines[l].system) == 0)
				sys = bench_systems[s];
		for (size_t i = 0; i < plan_nsizes && i < 16; i++) {
			const struct row_result *r = find(rs, n,
			    lat_lines[l].system, lat_lines[l].kase,
			    plan_sizes[i], 1);
			x[i] = (double)plan_sizes[i];
			y[i] = r != NULL ? r->median_us : NAN;
		}
		if (sys == NULL)
			snprintf(title, sizeof(title),
			    "two memcpy() of the payload (floor)");
		else if (lat_lines[l].kase == CASE_BYTES_ECHO)
			snprintf(title, sizeof(title), "%s, shmrpc_call_bytes()",
			    sys->label);
		else if (sys == &shmrpc_system)
			snprintf(title, sizeof(title), "%s, transport bytes API",
			    sys->label);
		else
			snprintf(title, sizeof(title), "%s", sys->label);
		if (sys == NULL)
			snprintf(key, sizeof(key), "floor");
		else
			snprintf(key, sizeof(key), "%s-%s", lat_lines[l].system,
			    case_name(lat_lines[l].kase));
		rc = line_file(dir, "lat", key, title, "payload_bytes", x, y,
		    plan_nsizes);
		if (rc < 0 || (sys == NULL && rc != 0))
			return -1; /* the script needs the floor */
		if (rc == 0 && sys != NULL &&
		    append_key(lat_keys, lat_len, key) < 0)
			return -1;
	}
	/* Calls/s against clients: the small JSON call. */
	for (size_t s = 0; s < bench_nsystems; s++) {
		const struct bench_system *sys = bench_systems[s];

		for (size_t i = 0; i < plan_nclients && i < 16; i++) {
			const struct row_result *r = find(rs, n, sys->name,
			    CASE_JSON_ADD, 100, plan_clients[i]);
			x[i] = plan_clients[i];
			y[i] = r != NULL ? r->calls_per_s : NAN;
		}
		rc = line_file(dir, "tput", sys->name, sys->label, "clients", x,
		    y, plan_nclients);
		if (rc < 0)
			return -1;
		if (rc == 0 && append_key(tput_keys, tput_len, sys->name) < 0)
			return -1;
	}
	return 0;
}

/* ---- targets ------------------------------------------------------------- */

enum metric { MEDIAN, P99, CALLS_PER_S };

struct target {
	const char *what;
	enum bench_case kase;      /* shmrpc's row */
	size_t payload;
	int clients;
	const char *peer;          /* a system, or "memcpy-2x" */
	enum bench_case peer_case;
	enum metric metric;
	double want;               /* shmrpc better by at least this factor */
	int vs_floor;              /* instead: shmrpc / floor at most want */
	int info;                  /* printed, not a target */
};

#define MiB (1024u * 1024u)

static const struct target targets[] = {
	{ "json_add 100 B, 1 client, median", CASE_JSON_ADD, 100, 1, "uds",
	    CASE_JSON_ADD, MEDIAN, 5, 0, 0 },
	{ "json_add 100 B, 1 client, median", CASE_JSON_ADD, 100, 1, "zeromq",
	    CASE_JSON_ADD, MEDIAN, 20, 0, 0 },
	{ "json_add 100 B, 1 client, median", CASE_JSON_ADD, 100, 1, "grpc",
	    CASE_JSON_ADD, MEDIAN, 20, 0, 0 },
	{ "json_echo 2 MiB, 1 client, median", CASE_JSON_ECHO, 2 * MiB, 1,
	    "uds", CASE_JSON_ECHO, MEDIAN, 30, 0, 0 },
	{ "json_echo 2 MiB, 1 client, median", CASE_JSON_ECHO, 2 * MiB, 1,
	    "zeromq", CASE_JSON_ECHO, MEDIAN, 30, 0, 0 },
	{ "json_echo 2 MiB, 1 client, median", CASE_JSON_ECHO, 2 * MiB, 1,
	    "grpc", CASE_JSON_ECHO, MEDIAN, 30, 0, 0 },
	{ "raw 2 MiB, 1 client, median (shmrpc: call_bytes)", CASE_BYTES_ECHO,
	    2 * MiB, 1, "uds", CASE_RAW, MEDIAN, 5, 0, 0 },
	{ "raw 2 MiB, 1 client, median (shmrpc: call_bytes)", CASE_BYTES_ECHO,
	    2 * MiB, 1, "memcpy-2x", CASE_RAW, MEDIAN, 1.5, 1, 0 },
	{ "json_add 100 B, 8 clients, calls/s", CASE_JSON_ADD, 100, 8, "uds",
	    CASE_JSON_ADD, CALLS_PER_S, 5, 0, 0 },
	{ "json_add 100 B, 8 clients, p99", CASE_JSON_ADD, 100, 8, "uds",
	    CASE_JSON_ADD, P99, 1, 0, 0 },
	{ "json_add 100 B, 8 clients, p99", CASE_JSON_ADD, 100, 8, "zeromq",
	    CASE_JSON_ADD, P99, 1, 0, 0 },
	{ "json_add 100 B, 8 clients, p99", CASE_JSON_ADD, 100, 8, "grpc",
	    CASE_JSON_ADD, P99, 1, 0, 0 },
	/* Not targets: the transport byte API copies twice more than
	 * call_bytes (into the caller's buffer, out of the server's). */
	{ "raw 2 MiB, 1 client, median (shmrpc: transport)", CASE_RAW,
	    2 * MiB, 1, "uds", CASE_RAW, MEDIAN, 0, 0, 1 },
	{ "raw 100 B, 1 client, median (shmrpc: transport)", CASE_RAW, 100, 1,
	    "uds", CASE_RAW, MEDIAN, 0, 0, 1 },
	{ "json_echo 10 KiB, 1 client, median", CASE_JSON_ECHO, 10240, 1,
	    "uds", CASE_JSON_ECHO, MEDIAN, 0, 0, 1 },
	{ "json_echo 10 KiB, 8 clients, calls/s", CASE_JSON_ECHO, 10240, 8,
	    "uds", CASE_JSON_ECHO, CALLS_PER_S, 0, 0, 1 },
};

static double metric_of(const struct row_result *r, enum metric m)
{
	return m == MEDIAN ? r->median_us : m == P99 ? r->p99_us :
	    r->calls_per_s;
}

static const char *skip_reason(const char *system)
{
	for (size_t s = 0; s < bench_nsystems; s++)
		if (strcmp(bench_systems[s]->name, system) == 0)
			return bench_systems[s]->skip_reason;
	return NULL;
}

static void value(char *buf, size_t len, const struct row_result *r,
    enum metric m)
{
	double cpu = cpu_per_call(r);

	if (r->spec.sys == NULL)
		cpu = r->clients_cpu_us / (double)r->calls;
	if (m == CALLS_PER_S)
		snprintf(buf, len, "%.0f/s (%.2f)", r->calls_per_s, cpu);
	else
		snprintf(buf, len, "%.2f us (%.2f)", metric_of(r, m), cpu);
}

int report_targets(FILE *f, const struct row_result *rs, size_t n)
{
	int missed = 0;

	fprintf(f, "\ntargets of issue 11, this run.  Each value: the metric, "
	    "then in brackets the CPU\ntime per call (us, server + clients).  "
	    "ratio: peer / shmrpc for latencies,\nshmrpc / peer for calls/s, "
	    "shmrpc / floor against memcpy-2x.\n");
	fprintf(f, "  %-50s %-7s %-20s %-20s %8s %7s  %s\n", "what", "vs",
	    "shmrpc", "peer", "ratio", "target", "result");
	for (size_t t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
		const struct target *tg = &targets[t];
		const struct row_result *a = find(rs, n, "shmrpc", tg->kase,
		    tg->payload, tg->clients);
		const struct row_result *b = find(rs, n, tg->peer,
		    tg->peer_case, tg->payload, tg->clients);
		const char *why = skip_reason(tg->peer);
		char va[48], vb[48], want[16];
		double ratio;
		int pass;

		if (tg->info)
			snprintf(want, sizeof(want), "info");
		else
			snprintf(want, sizeof(want), "%s %g",
			    tg->vs_floor ? "<=" : tg->metric == P99 ? ">" : ">=",
			    tg->want);
		fprintf(f, "  %-50s %-7s ", tg->what, tg->peer);
		if (a == NULL || b == NULL) {
			fprintf(f, "%-20s %-20s %8s %7s  %s\n", "-", "-", "-",
			    want, why != NULL ? "skipped (not built)" :
			    "no data (row failed)");
			if (!tg->info && why == NULL)
				missed++;
			continue;
		}
		value(va, sizeof(va), a, tg->metric);
		value(vb, sizeof(vb), b, tg->metric);
		if (tg->vs_floor)
			ratio = metric_of(a, tg->metric) /
			    metric_of(b, tg->metric);
		else if (tg->metric == CALLS_PER_S)
			ratio = a->calls_per_s / b->calls_per_s;
		else
			ratio = metric_of(b, tg->metric) /
			    metric_of(a, tg->metric);
		pass = tg->vs_floor ? ratio <= tg->want :
		    tg->metric == P99 ? ratio > tg->want : ratio >= tg->want;
		fprintf(f, "%-20s %-20s %7.2fx %7s  %s\n", va, vb, ratio, want,
		    tg->info ? "" : pass ? "pass" : "MISS");
		if (!tg->info && !pass)
			missed++;
	}
	fflush(f);
	return missed;
}
