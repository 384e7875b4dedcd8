/*
 * prom.c - shmrpc-top -o prometheus: the Prometheus text exposition
 * format 0.0.4, as node_exporter's textfile collector reads it.
 *
 * Conventions (https://prometheus.io/docs/practices/naming/): metric names
 * shmrpc_*, units in the names (_bytes, _seconds), counters end in
 * _total, no timestamps.  Labels change rarely: every sample of a channel
 * has channel="NAME" and nothing else but, for methods, method="NAME";
 * what else describes a channel (transport, owner command and user) is in
 * shmrpc_channel_info, and what changes with a restart (owner pid, state)
 * are gauges of their own.  Which column goes where is in the column
 * table (columns.c).  A channel's latency histogram, and a method's
 * series, appear once there was a call, as a client library's labelled
 * series appear when first used; so do error counters, at their first
 * error.  Label values are escaped as the format says (\\, \", \n), and
 * anything else that could upset a reader of the file (other control
 * characters, bytes that are not UTF-8) becomes U+FFFD.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "tool_json.h"

/* Upper bounds of the exported buckets, 2^k ns for k = 10, 12, ... 30
 * (1.024 us to 1.07 s, x4 apart): each is a bucket boundary of the
 * library's log-linear histograms, so the counts are exact; the
 * histograms have 32 times finer buckets, which the JSON output and the
 * screen show. */
#define PROM_LE_FIRST 10
#define PROM_LE_STEP 2
#define PROM_LE_COUNT 11

/* A label value, escaped. */
static void prom_str(FILE *f, const char *s)
{
	char *fixed;

	if (s == NULL)
		return;
	/* Most values need nothing: one fputs, not a call per byte. */
	if (strspn(s, " !#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTU"
	    "VWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~") == strlen(s)) {
		fputs(s, f);
		return;
	}
	if ((fixed = tool_utf8_repair(s)) == NULL)
		exit(1);
	for (const unsigned char *p = (const unsigned char *)fixed; *p;
	    p++) {
		if (*p == '\\' || *p == '"')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p < 0x20 || *p == 0x7f)
			fputs("\xef\xbf\xbd", f);
		else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			fputs("\xef\xbf\xbd", f), p++; /* a C1 control */
		else
			fputc(*p, f);
	}
	free(fixed);
}

static void prom_head(FILE *f, const char *name, const char *type,
    const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* NAME{channel="..." (the brace left open). */
static void prom_open(FILE *f, const char *metric, const struct top_row *r)
{
	fprintf(f, "%s{channel=\"", metric);
	prom_str(f, r->ci->name);
	fputc('"', f);
}

static void prom_info(FILE *f, const struct top_snap *s, const size_t *view,
    size_t n)
{
	prom_head(f, "shmrpc_channel_info", "gauge", "A registered channel "
	    "(always 1), with its transport, owner command and user.");
	for (size_t i = 0; i < n; i++) {
		const struct top_row *r = &s->rows[view[i]];

		prom_open(f, "shmrpc_channel_info", r);
		for (int c = 0; c < COL_COUNT; c++) {
			const struct top_column *k = &top_columns[c];

			if (k->prom != PROM_LABEL)
				continue;
			fprintf(f, ",%s=\"", k->prom_name);
			prom_str(f, k->text(r));
			fputc('"', f);
		}
		fputs("} 1\n", f);
	}
}

/* The family of column c: a sample per row that has one; nothing at all
 * when none has. */
static void prom_column(FILE *f, const struct top_snap *s, const size_t *view,
    size_t n, enum top_col c)
{
	const struct top_column *k = &top_columns[c];
	int head = 0;

	for (size_t i = 0; i < n; i++) {
		const struct top_row *r = &s->rows[view[i]];
		double v;

		if (!k->prom_value(r, &v))
			continue;
		if (!head++)
			prom_head(f, k->prom_name, k->prom == PROM_COUNTER ?
			    "counter" : "gauge", k->prom_help);
		prom_open(f, k->prom_name, r);
		fprintf(f, "} %.17g\n", v);
	}
}

/* The le="..." value of exported bucket b, formatted once. */
static const char *prom_le(int b)
{
	static char le[PROM_LE_COUNT][24];

	if (le[b][0] == '\0')
		snprintf(le[b], sizeof(le[b]), "%.12g", (double)(UINT64_C(1) <<
		    (PROM_LE_FIRST + PROM_LE_STEP * b)) / 1e9);
	return le[b];
}

/* Calls faster than the upper bound of exported bucket b: the library's
 * buckets below 2^k ns. */
static uint64_t prom_cum(const shmrpc_counters *c, int b, size_t *from,
    uint64_t acc)
{
	uint64_t bound = UINT64_C(1) << (PROM_LE_FIRST + PROM_LE_STEP * b);
	uint64_t lo, hi;

	for (; *from < c->latency_buckets; (*from)++) {
		shmrpc_latency_bucket_range(*from, &lo, &hi);
		if (hi > bound)
			break;
		acc += c->latency[*from];
	}
	return acc;
}

/* One histogram's series; open(f) writes NAME_suffix{labels. */
static void prom_histogram(FILE *f, const char *name, const char *labels,
    const shmrpc_counters *c)
{
	uint64_t acc = 0;
	size_t from = 0;

	for (int b = 0; b < PROM_LE_COUNT; b++) {
		acc = prom_cum(c, b, &from, acc);
		fprintf(f, "%s_bucket{%s,le=\"%s\"} %llu\n", name, labels,
		    prom_le(b), (unsigned long long)acc);
	}
	fprintf(f, "%s_bucket{%s,le=\"+Inf\"} %llu\n", name, labels,
	    (unsigned long long)c->latency_count);
	fprintf(f, "%s_sum{%s} %.9f\n", name, labels,
	    (double)c->latency_sum_ns / 1e9);
	fprintf(f, "%s_count{%s} %llu\n", name, labels,
	    (unsigned long long)c->latency_count);
}

/* channel="..."[,method="..."] into a memory buffer, escaped. */
static char *prom_labels(const struct top_row *r, const char *method)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (m == NULL)
		exit(1);
	fputs("channel=\"", m);
	prom_str(m, r->ci->name);
	fputc('"', m);
	if (method != NULL) {
		fputs(",method=\"", m);
		prom_str(m, method);
		fputc('"', m);
	}
	if (fclose(m) != 0)
		exit(1);
	return buf;
}

static void prom_latency(FILE *f, const struct top_snap *s,
    const size_t *view, size_t n)
{
	int head = 0;

	for (size_t i = 0; i < n; i++) {
		const struct top_row *r = &s->rows[view[i]];
		char *labels;

		if (r->c == NULL || r->c->latency_count == 0)
			continue;
		if (!head++)
			prom_head(f, "shmrpc_call_duration_seconds",
			    "histogram", "Round trips of finished calls as "
			    "their clients saw them, request posted to answer "
			    "decoded (futex transport).");
		labels = prom_labels(r, NULL);
		prom_histogram(f, "shmrpc_call_duration_seconds", labels, r->c);
		free(labels);
	}
}

enum { M_CALLS, M_ERRORS, M_DURATION };

/* One family of the methods' series: calls, errors (those not 0) or the
 * durations (the server's time), for every method that had calls. */
static void prom_methods(FILE *f, const struct top_snap *s,
    const size_t *view, size_t n, int which)
{
	static const char *const name[] = { "shmrpc_method_calls_total",
		"shmrpc_method_errors_total", "shmrpc_method_duration_seconds" };
	static const char *const help[] = {
		"Calls of the method the server answered.",
		"Calls of the method the server answered with an error.",
		"Time the server took to answer a call of the method "
		"(decoding, the handler, encoding)." };
	int head = 0;

	for (size_t i = 0; i < n; i++) {
		const struct top_row *r = &s->rows[view[i]];

		for (size_t k = 0; k < r->nmethods; k++) {
			const shmrpc_counters *c = r->methods[k].ms->counters;
			char *labels;

			if (c->calls == 0 || (which == M_ERRORS && c->errors == 0))
				continue;
			if (!head++)
				prom_head(f, name[which], which == M_DURATION ?
				    "histogram" : "counter", help[which]);
			labels = prom_labels(r, r->methods[k].ms->name);
			if (which == M_DURATION)
				prom_histogram(f, name[which], labels, c);
			else
				fprintf(f, "%s{%s} %llu\n", name[which], labels,
				    (unsigned long long)(which == M_CALLS ?
					c->calls : c->errors));
			free(labels);
		}
	}
}

static const shmrpc_state states[] = { SHMRPC_STATE_LIVE, SHMRPC_STATE_STALE,
	SHMRPC_STATE_ORPHAN, SHMRPC_STATE_INUSE, SHMRPC_STATE_RECENT,
	SHMRPC_STATE_UNKNOWN };
#define NSTATES (sizeof(states) / sizeof(states[0]))

/* Objects in the stale section by state: their number, or bytes. */
static void prom_stale(FILE *f, const struct top_snap *s, int bytes)
{
	const char *name = bytes ? "shmrpc_stale_object_bytes" :
	    "shmrpc_stale_objects";

	prom_head(f, name, "gauge", bytes ?
	    "Bytes of the objects of channels not live and of unregistered "
	    "objects, by state." :
	    "Objects of channels not live and unregistered objects, by "
	    "state.");
	for (size_t k = 0; k < NSTATES; k++) {
		uint64_t v = 0;

		for (size_t i = 0; i < s->nobjs; i++)
			if (s->objs[i].oi->state == states[k])
				v += bytes ? s->objs[i].oi->size : 1;
		fprintf(f, "%s{state=\"%s\"} %llu\n", name,
		    shmrpc_state_name(states[k]), (unsigned long long)v);
	}
}

static void prom_states(FILE *f, const size_t *view, size_t n,
    const struct top_snap *s)
{
	prom_head(f, "shmrpc_channels", "gauge",
	    "Registered channels by state.");
	for (size_t k = 0; k < NSTATES; k++) {
		size_t c = 0;

		for (size_t i = 0; i < n; i++)
			c += s->rows[view[i]].ci->state == states[k];
		fprintf(f, "shmrpc_channels{state=\"%s\"} %zu\n",
		    shmrpc_state_name(states[k]), c);
	}
}

int fmt_prometheus(FILE *f, const struct top_snap *s, const size_t *view,
    size_t n)
{
	prom_info(f, s, view, n);
	for (int c = 0; c < COL_COUNT; c++)
		if (top_columns[c].prom == PROM_GAUGE ||
		    top_columns[c].prom == PROM_COUNTER)
			prom_column(f, s, view, n, (enum top_col)c);
	prom_latency(f, s, view, n);
	prom_methods(f, s, view, n, M_CALLS);
	prom_methods(f, s, view, n, M_ERRORS);
	prom_methods(f, s, view, n, M_DURATION);
	prom_states(f, view, n, s);
	prom_stale(f, s, 0);
	prom_stale(f, s, 1);
	return 0;
}
