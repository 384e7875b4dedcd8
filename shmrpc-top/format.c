/*
 * format.c - cells, rows and the batch output of shmrpc-top: plain text
 * (like top -b), JSON (one object a line per frame) and the Prometheus
 * text exposition format (node_exporter textfile collector: metric names
 * shmrpc_*, no timestamps).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "format.h"

#define COLS_FMT "%-*s %-5s %7s %-12s %-8s %7s %-7s %8s %7s %7s %7s %7s %6s %6s %6s %6s"

void fmt_bytes(char *buf, size_t len, double v, const char *blank, int ok)
{
	static const char units[] = "BKMGTP";
	int u = 0;

	if (!ok) {
		snprintf(buf, len, "%s", blank);
		return;
	}
	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%.0f%c", v, units[u]);
	else
		snprintf(buf, len, v < 10 ? "%.1f%c" : "%.0f%c", v, units[u]);
}

void fmt_rate(char *buf, size_t len, double v, const char *blank, int ok)
{
	if (!ok)
		snprintf(buf, len, "%s", blank);
	else if (v < 10 && v != floor(v))
		snprintf(buf, len, "%.1f", v);
	else if (v < 1e6)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.1fM", v / 1e6);
}

void fmt_ns(char *buf, size_t len, double ns, const char *blank)
{
	if (ns < 0)
		snprintf(buf, len, "%s", blank);
	else if (ns < 1e3)
		snprintf(buf, len, "%.0fns", ns);
	else if (ns < 1e6)
		snprintf(buf, len, ns < 1e4 ? "%.1fus" : "%.0fus", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, len, ns < 1e7 ? "%.1fms" : "%.0fms", ns / 1e6);
	else
		snprintf(buf, len, "%.1fs", ns / 1e9);
}

void fmt_secs(char *buf, size_t len, double s, const char *blank)
{
	if (s < 0)
		snprintf(buf, len, "%s", blank);
	else if (s < 10)
		snprintf(buf, len, "%.1fs", s);
	else if (s < 120)
		snprintf(buf, len, "%.0fs", s);
	else if (s < 7200)
		snprintf(buf, len, "%.0fm", s / 60);
	else if (s < 172800)
		snprintf(buf, len, "%.0fh", s / 3600);
	else
		snprintf(buf, len, "%.0fd", s / 86400);
}

int fmt_name_width(const struct top_snap *s)
{
	int w = 4;

	for (size_t i = 0; i < s->nrows; i++) {
		int l = (int)strlen(s->rows[i].ci->name);
		if (l > w)
			w = l;
	}
	return w > 40 ? 40 : w;
}

void fmt_header(char *buf, size_t len, int namew)
{
	snprintf(buf, len, COLS_FMT, namew, "NAME", "TRANS", "PID",
	    "COMMAND", "USER", "CLIENTS", "STATE", "CALLS/S", "IN/S", "OUT/S",
	    "P50", "P99", "ERRORS", "TMOUTS", "IDLE", "MEM");
}

static void fmt_count(char *buf, size_t len, uint64_t v, const char *blank,
    int ok)
{
	if (!ok)
		snprintf(buf, len, "%s", blank);
	else if (v < 1000000)
		snprintf(buf, len, "%llu", (unsigned long long)v);
	else
		snprintf(buf, len, "%.1fM", (double)v / 1e6);
}

void fmt_row(char *buf, size_t len, const struct top_row *r, int namew,
    const char *blank)
{
	const shmrpc_channel_info *ci = r->ci;
	char pid[16], comm[16], cl[24], cs[16], in[16], out[16], p50[16],
	    p99[16], er[16], to[16], idle[16], mem[16];

	snprintf(pid, sizeof(pid), "%d", (int)ci->owner_pid);
	snprintf(comm, sizeof(comm), "%.12s",
	    ci->owner_comm != NULL && ci->owner_comm[0] ? ci->owner_comm : "?");
	snprintf(cl, sizeof(cl), "%u/%u", r->used, r->slots);
	fmt_rate(cs, sizeof(cs), r->calls_s, blank, r->has_rate);
	fmt_bytes(in, sizeof(in), r->in_s, blank, r->has_rate);
	fmt_bytes(out, sizeof(out), r->out_s, blank, r->has_rate);
	fmt_ns(p50, sizeof(p50), r->has_stats ? r->p50_ns : -1, blank);
	fmt_ns(p99, sizeof(p99), r->has_stats ? r->p99_ns : -1, blank);
	fmt_count(er, sizeof(er), r->st.counters.errors, blank, r->has_stats);
	fmt_count(to, sizeof(to), r->st.counters.timeouts, blank,
	    r->has_stats);
	fmt_secs(idle, sizeof(idle), r->idle_s, blank);
	fmt_bytes(mem, sizeof(mem), (double)r->mem, blank, 1);
	snprintf(buf, len, COLS_FMT, namew, ci->name,
	    ci->transport_name != NULL ? ci->transport_name : "?", pid, comm,
	    r->user, cl, top_state_word(ci->state), cs, in, out, p50, p99, er,
	    to, idle, mem);
}

void fmt_totals(char *buf, size_t len, const struct top_snap *s, int namew,
    const char *blank)
{
	const struct top_totals *t = &s->tot;
	char n[32], cs[16], in[16], out[16], er[16], to[16], mem[16];

	snprintf(n, sizeof(n), "TOTAL %zu", t->channels);
	fmt_rate(cs, sizeof(cs), t->calls_s, blank, t->has_rate);
	fmt_bytes(in, sizeof(in), t->in_s, blank, t->has_rate);
	fmt_bytes(out, sizeof(out), t->out_s, blank, t->has_rate);
	fmt_count(er, sizeof(er), t->errors, blank, 1);
	fmt_count(to, sizeof(to), t->timeouts, blank, 1);
	fmt_bytes(mem, sizeof(mem), (double)t->mem, blank, 1);
	snprintf(buf, len, COLS_FMT, namew, n, "", "", "", "", "", "", cs, in,
	    out, "", "", er, to, "", mem);
}

void fmt_summary(char *buf, size_t len, const struct top_snap *s)
{
	const struct top_totals *t = &s->tot;
	char tm[32], ob[16];
	time_t now = (time_t)s->real;
	struct tm lt;

	localtime_r(&now, &lt);
	strftime(tm, sizeof(tm), "%Y-%m-%d %H:%M:%S", &lt);
	fmt_bytes(ob, sizeof(ob), (double)t->object_bytes, "", 1);
	snprintf(buf, len, "shmrpc-top %s  %s  channels: %zu  live: %zu  "
	    "stale: %zu  other: %zu  stale/orphan objects: %zu (%s)",
	    shmrpc_version(), tm, t->channels, t->live, t->stale, t->other,
	    t->objects, ob);
}

int fmt_obj_width(const struct top_snap *s)
{
	int w = 6;

	for (size_t i = 0; i < s->nobjs; i++) {
		int l = (int)strlen(s->objs[i].oi->name);
		if (l > w)
			w = l;
	}
	return w > 60 ? 60 : w;
}

void fmt_obj_header(char *buf, size_t len, int namew)
{
	snprintf(buf, len, "%-*s %-7s %7s %6s  %s", namew, "OBJECT",
	    "STATE", "SIZE", "AGE", "WHY");
}

void fmt_obj_row(char *buf, size_t len, const struct top_obj *o, int namew)
{
	const shmrpc_object_info *oi = o->oi;
	char sz[16], age[16];

	fmt_bytes(sz, sizeof(sz), (double)oi->size, "", 1);
	fmt_secs(age, sizeof(age), oi->age, "");
	snprintf(buf, len, "%-*s %-7s %7s %6s  %s", namew, oi->name,
	    top_state_word(oi->state), sz, age,
	    oi->reason != NULL ? oi->reason : "");
}

/* ---- text --------------------------------------------------------------- */

static int frame_text(FILE *f, const struct top_snap *s)
{
	char line[1024];
	int w = fmt_name_width(s);

	fmt_summary(line, sizeof(line), s);
	fprintf(f, "%s\n", line);
	fmt_header(line, sizeof(line), w);
	fprintf(f, "%s\n", line);
	for (size_t i = 0; i < s->nrows; i++) {
		fmt_row(line, sizeof(line), &s->rows[i], w, "-");
		fprintf(f, "%s\n", line);
	}
	fmt_totals(line, sizeof(line), s, w, "-");
	fprintf(f, "%s\n", line);
	if (s->nobjs > 0) {
		fprintf(f, "\nStale and orphan objects: %zu\n", s->nobjs);
		w = fmt_obj_width(s);
		fmt_obj_header(line, sizeof(line), w);
		fprintf(f, "%s\n", line);
		for (size_t i = 0; i < s->nobjs; i++) {
			fmt_obj_row(line, sizeof(line), &s->objs[i], w);
			fprintf(f, "%s\n", line);
		}
	}
	for (size_t i = 0; i < shmrpc_inspection_warning_count(s->insp); i++)
		fprintf(f, "warning: %s\n",
		    shmrpc_inspection_warning(s->insp, i));
	fprintf(f, "\n");
	return 0;
}

/* ---- json --------------------------------------------------------------- */

static json_t *num_or_null(int ok, double v)
{
	return ok ? json_real(v) : json_null();
}

static json_t *uint_json(uint64_t v)
{
	return json_integer((json_int_t)v);
}

static json_t *row_json(const struct top_row *r)
{
	const shmrpc_channel_info *ci = r->ci;
	const shmrpc_counters *c = &r->st.counters;
	json_t *o = json_object(), *lat;
	int st = r->has_stats;

	json_object_set_new(o, "name", json_string(ci->name));
	json_object_set_new(o, "transport",
	    json_string(ci->transport_name ? ci->transport_name : "?"));
	json_object_set_new(o, "state",
	    json_string(shmrpc_state_name(ci->state)));
	json_object_set_new(o, "reason", json_string(ci->reason ? ci->reason : ""));
	json_object_set_new(o, "owner_pid", json_integer(ci->owner_pid));
	json_object_set_new(o, "owner_command",
	    json_string(ci->owner_comm ? ci->owner_comm : ""));
	json_object_set_new(o, "user", json_string(r->user));
	json_object_set_new(o, "uid", json_integer(ci->owner_uid));
	json_object_set_new(o, "clients", json_integer(r->used));
	json_object_set_new(o, "slots", json_integer(r->slots));
	json_object_set_new(o, "calls", st ? uint_json(c->calls) : json_null());
	json_object_set_new(o, "errors", st ? uint_json(c->errors) : json_null());
	json_object_set_new(o, "timeouts",
	    st ? uint_json(c->timeouts) : json_null());
	json_object_set_new(o, "bytes_in",
	    st ? uint_json(c->bytes_in) : json_null());
	json_object_set_new(o, "bytes_out",
	    st ? uint_json(c->bytes_out) : json_null());
	json_object_set_new(o, "in_flight",
	    st ? uint_json(c->in_flight) : json_null());
	json_object_set_new(o, "calls_per_s", num_or_null(r->has_rate, r->calls_s));
	json_object_set_new(o, "bytes_in_per_s",
	    num_or_null(r->has_rate, r->in_s));
	json_object_set_new(o, "bytes_out_per_s",
	    num_or_null(r->has_rate, r->out_s));
	json_object_set_new(o, "p50_ns",
	    num_or_null(st && r->p50_ns >= 0, r->p50_ns));
	json_object_set_new(o, "p99_ns",
	    num_or_null(st && r->p99_ns >= 0, r->p99_ns));
	json_object_set_new(o, "idle_s", num_or_null(r->idle_s >= 0, r->idle_s));
	json_object_set_new(o, "memory", uint_json(r->mem));
	json_object_set_new(o, "age_s", json_real(ci->age));
	lat = json_array();
	if (st)
		for (int i = 0; i < SHMRPC_LATENCY_BUCKETS; i++)
			json_array_append_new(lat, uint_json(c->latency[i]));
	json_object_set_new(o, "latency_log2_ns", st ? lat : json_null());
	if (!st)
		json_decref(lat);
	return o;
}

static int frame_json(FILE *f, const struct top_snap *s)
{
	const struct top_totals *t = &s->tot;
	json_t *root = json_object(), *a = json_array(), *ob = json_array(),
	    *w = json_array(), *tj = json_object();
	char *text;
	int rc;

	json_object_set_new(root, "time", json_real(s->real));
	json_object_set_new(root, "interval_s",
	    num_or_null(s->interval > 0, s->interval));
	for (size_t i = 0; i < s->nrows; i++)
		json_array_append_new(a, row_json(&s->rows[i]));
	json_object_set_new(root, "channels", a);
	json_object_set_new(tj, "channels", json_integer((json_int_t)t->channels));
	json_object_set_new(tj, "live", json_integer((json_int_t)t->live));
	json_object_set_new(tj, "stale", json_integer((json_int_t)t->stale));
	json_object_set_new(tj, "calls", uint_json(t->calls));
	json_object_set_new(tj, "errors", uint_json(t->errors));
	json_object_set_new(tj, "timeouts", uint_json(t->timeouts));
	json_object_set_new(tj, "calls_per_s", num_or_null(t->has_rate, t->calls_s));
	json_object_set_new(tj, "bytes_in_per_s", num_or_null(t->has_rate, t->in_s));
	json_object_set_new(tj, "bytes_out_per_s",
	    num_or_null(t->has_rate, t->out_s));
	json_object_set_new(tj, "memory", uint_json(t->mem));
	json_object_set_new(tj, "stale_objects", json_integer((json_int_t)t->objects));
	json_object_set_new(tj, "stale_object_bytes", uint_json(t->object_bytes));
	json_object_set_new(root, "totals", tj);
	for (size_t i = 0; i < s->nobjs; i++) {
		const shmrpc_object_info *oi = s->objs[i].oi;
		json_t *o = json_object();

		json_object_set_new(o, "name", json_string(oi->name));
		json_object_set_new(o, "channel",
		    json_string(oi->channel ? oi->channel : ""));
		json_object_set_new(o, "state",
		    json_string(shmrpc_state_name(oi->state)));
		json_object_set_new(o, "reason",
		    json_string(oi->reason ? oi->reason : ""));
		json_object_set_new(o, "size", uint_json(oi->size));
		json_object_set_new(o, "age_s", json_real(oi->age));
		json_object_set_new(o, "uid", json_integer(oi->uid));
		json_array_append_new(ob, o);
	}
	json_object_set_new(root, "objects", ob);
	for (size_t i = 0; i < shmrpc_inspection_warning_count(s->insp); i++)
		json_array_append_new(w,
		    json_string(shmrpc_inspection_warning(s->insp, i)));
	json_object_set_new(root, "warnings", w);
	/* Into memory, then one write: json_dumpf() calls fwrite() once per
	 * token, which with 1,000 channels cost more than building the
	 * document. */
	text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (text == NULL)
		return -1;
	rc = fputs(text, f) < 0 || fputc('\n', f) == EOF ? -1 : 0;
	free(text);
	return rc;
}

/* ---- prometheus --------------------------------------------------------- */

/* A label value with \, " and newline escaped. */
static void prom_str(FILE *f, const char *s)
{
	/* Most values need no escape: one fputs, not a call per byte. */
	if (s != NULL && strpbrk(s, "\\\"\n") == NULL) {
		fputs(s, f);
		return;
	}
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void prom_head(FILE *f, const char *name, const char *type,
    const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void prom_label(FILE *f, const char *metric, const struct top_row *r)
{
	fprintf(f, "%s{channel=\"", metric);
	prom_str(f, r->ci->name);
	fputs("\"", f);
}

enum { P_CALLS, P_ERRORS, P_TIMEOUTS, P_IN, P_OUT, P_INFLIGHT };

static void prom_counter(FILE *f, const struct top_snap *s, const char *name,
    const char *type, const char *help, int which)
{
	prom_head(f, name, type, help);
	for (size_t i = 0; i < s->nrows; i++) {
		const struct top_row *r = &s->rows[i];
		const shmrpc_counters *c = &r->st.counters;
		uint64_t v;

		if (!r->has_stats)
			continue;
		switch (which) {
		case P_CALLS: v = c->calls; break;
		case P_ERRORS: v = c->errors; break;
		case P_TIMEOUTS: v = c->timeouts; break;
		case P_IN: v = c->bytes_in; break;
		case P_OUT: v = c->bytes_out; break;
		default: v = c->in_flight; break;
		}
		prom_label(f, name, r);
		fprintf(f, "} %llu\n", (unsigned long long)v);
	}
}

/* The le="..." label of latency bucket b (< SHMRPC_LATENCY_BUCKETS - 1):
 * its upper bound in seconds.  Formatted once, not once per channel per
 * bucket (32,000 conversions of a double with 1,000 channels). */
static const char *prom_le(int b)
{
	static char le[SHMRPC_LATENCY_BUCKETS][24];

	if (le[b][0] == '\0')
		snprintf(le[b], sizeof(le[b]), "%.9g",
		    (double)(UINT64_C(1) << (b + 1)) / 1e9);
	return le[b];
}

/* Objects in the stale section by state: their number, or bytes. */
static void prom_stale(FILE *f, const struct top_snap *s,
    const shmrpc_state *states, size_t nstates, int bytes)
{
	const char *name = bytes ? "shmrpc_stale_object_bytes" :
	    "shmrpc_stale_objects";

	prom_head(f, name, "gauge", bytes ?
	    "Bytes of objects of channels not live and of unregistered objects, by state." :
	    "Objects of channels not live and unregistered objects, by state.");
	for (size_t k = 0; k < nstates; k++) {
		uint64_t v = 0;

		for (size_t i = 0; i < s->nobjs; i++)
			if (s->objs[i].oi->state == states[k])
				v += bytes ? s->objs[i].oi->size : 1;
		fprintf(f, "%s{state=\"%s\"} %llu\n", name,
		    shmrpc_state_name(states[k]), (unsigned long long)v);
	}
}

static int frame_prometheus(FILE *f, const struct top_snap *s)
{
	static const shmrpc_state states[] = { SHMRPC_STATE_LIVE,
		SHMRPC_STATE_STALE, SHMRPC_STATE_ORPHAN, SHMRPC_STATE_INUSE,
		SHMRPC_STATE_RECENT, SHMRPC_STATE_UNKNOWN };

	prom_head(f, "shmrpc_channel_info", "gauge",
	    "Registered channel (always 1), with its transport, state and owner.");
	for (size_t i = 0; i < s->nrows; i++) {
		const struct top_row *r = &s->rows[i];

		prom_label(f, "shmrpc_channel_info", r);
		fputs(",transport=\"", f);
		prom_str(f, r->ci->transport_name);
		fprintf(f, "\",state=\"%s\",owner_pid=\"%d\",command=\"",
		    shmrpc_state_name(r->ci->state), (int)r->ci->owner_pid);
		prom_str(f, r->ci->owner_comm);
		fputs("\",user=\"", f);
		prom_str(f, r->user);
		fputs("\"} 1\n", f);
	}
	prom_head(f, "shmrpc_channel_up", "gauge",
	    "1 if the channel's owner is alive (state live), else 0.");
	for (size_t i = 0; i < s->nrows; i++) {
		prom_label(f, "shmrpc_channel_up", &s->rows[i]);
		fprintf(f, "} %d\n", s->rows[i].ci->state == SHMRPC_STATE_LIVE);
	}
	prom_head(f, "shmrpc_channel_clients", "gauge",
	    "Client slots in use.");
	for (size_t i = 0; i < s->nrows; i++) {
		prom_label(f, "shmrpc_channel_clients", &s->rows[i]);
		fprintf(f, "} %u\n", s->rows[i].used);
	}
	prom_head(f, "shmrpc_channel_slots", "gauge", "Client slots in all.");
	for (size_t i = 0; i < s->nrows; i++) {
		prom_label(f, "shmrpc_channel_slots", &s->rows[i]);
		fprintf(f, "} %u\n", s->rows[i].slots);
	}
	prom_head(f, "shmrpc_channel_memory_bytes", "gauge",
	    "Bytes of the channel's shared memory objects.");
	for (size_t i = 0; i < s->nrows; i++) {
		prom_label(f, "shmrpc_channel_memory_bytes", &s->rows[i]);
		fprintf(f, "} %llu\n", (unsigned long long)s->rows[i].mem);
	}
	prom_head(f, "shmrpc_channel_age_seconds", "gauge",
	    "Seconds since the channel was registered.");
	for (size_t i = 0; i < s->nrows; i++) {
		prom_label(f, "shmrpc_channel_age_seconds", &s->rows[i]);
		fprintf(f, "} %.3f\n", s->rows[i].ci->age);
	}
	prom_counter(f, s, "shmrpc_calls_total", "counter",
	    "Calls made on the channel (futex transport).", P_CALLS);
	prom_counter(f, s, "shmrpc_errors_total", "counter",
	    "Failed calls other than timeouts.", P_ERRORS);
	prom_counter(f, s, "shmrpc_timeouts_total", "counter",
	    "Calls that timed out.", P_TIMEOUTS);
	prom_counter(f, s, "shmrpc_request_bytes_total", "counter",
	    "Request bytes received by the server.", P_IN);
	prom_counter(f, s, "shmrpc_response_bytes_total", "counter",
	    "Response bytes sent by the server.", P_OUT);
	prom_counter(f, s, "shmrpc_calls_in_flight", "gauge",
	    "Calls in progress.", P_INFLIGHT);
	prom_head(f, "shmrpc_idle_seconds", "gauge",
	    "Seconds since the last call (futex transport).");
	for (size_t i = 0; i < s->nrows; i++) {
		const struct top_row *r = &s->rows[i];

		if (r->idle_s < 0)
			continue;
		prom_label(f, "shmrpc_idle_seconds", r);
		fprintf(f, "} %.3f\n", r->idle_s);
	}
	/* The library keeps a log2 histogram and no sum of durations: the
	 * buckets (le in seconds, cumulative) and the count, no _sum. */
	prom_head(f, "shmrpc_call_latency_seconds", "histogram",
	    "Round trips of finished calls as the clients measured them (log2 buckets).");
	for (size_t i = 0; i < s->nrows; i++) {
		const struct top_row *r = &s->rows[i];
		uint64_t acc = 0;

		if (!r->has_stats)
			continue;
		for (int b = 0; b < SHMRPC_LATENCY_BUCKETS; b++) {
			acc += r->st.counters.latency[b];
			prom_label(f, "shmrpc_call_latency_seconds_bucket", r);
			if (b == SHMRPC_LATENCY_BUCKETS - 1)
				fputs(",le=\"+Inf\"", f);
			else
				fprintf(f, ",le=\"%s\"", prom_le(b));
			fprintf(f, "} %llu\n", (unsigned long long)acc);
		}
		prom_label(f, "shmrpc_call_latency_seconds_count", r);
		fprintf(f, "} %llu\n", (unsigned long long)acc);
	}
	prom_head(f, "shmrpc_channels", "gauge", "Registered channels by state.");
	for (size_t k = 0; k < sizeof(states) / sizeof(states[0]); k++) {
		size_t n = 0;

		for (size_t i = 0; i < s->nrows; i++)
			n += s->rows[i].ci->state == states[k];
		fprintf(f, "shmrpc_channels{state=\"%s\"} %zu\n",
		    shmrpc_state_name(states[k]), n);
	}
	prom_stale(f, s, states, sizeof(states) / sizeof(states[0]), 0);
	prom_stale(f, s, states, sizeof(states) / sizeof(states[0]), 1);
	return 0;
}

int fmt_frame(FILE *f, const struct top_snap *s, enum top_format fmt)
{
	int rc;

	switch (fmt) {
	case FMT_JSON: rc = frame_json(f, s); break;
	case FMT_PROMETHEUS: rc = frame_prometheus(f, s); break;
	default: rc = frame_text(f, s); break;
	}
	if (fflush(f) != 0 || ferror(f))
		return -1;
	return rc;
}
