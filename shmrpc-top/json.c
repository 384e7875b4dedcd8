/*
 * json.c - shmrpc-top -o json: one JSON object per frame, on one line.
 * The members of each channel come from the column table (columns.c) and
 * the schema shmrpc-clean shares (tool_json.h); shmrpc-registry(5), JSON
 * OUTPUT, documents them.  jansson escapes what came from other
 * processes.
 */
#include <stdlib.h>

#include "format.h"
#include "tool_json.h"

static json_t *num_or_null(int ok, double v)
{
	return ok ? json_real(v) : json_null();
}

static json_t *new_object(void)
{
	json_t *o = json_object();

	if (o == NULL)
		exit(1);
	return o;
}

static json_t *new_array(void)
{
	json_t *a = json_array();

	if (a == NULL)
		exit(1);
	return a;
}

static void push(json_t *a, json_t *v)
{
	if (v == NULL || json_array_append_new(a, v) < 0)
		exit(1);
}

/* A latency histogram: its count and sum, and its non-empty buckets as
 * [lower, upper, count], bounds in seconds (upper null: open-ended). */
static json_t *top_json_latency(const shmrpc_counters *c)
{
	json_t *o = new_object(), *b = new_array();

	tool_json_set(o, "count", json_integer((json_int_t)c->latency_count));
	tool_json_set(o, "sum_seconds",
	    json_real((double)c->latency_sum_ns / 1e9));
	for (size_t i = 0; i < c->latency_buckets; i++) {
		uint64_t lo, hi;
		json_t *e;

		if (c->latency[i] == 0)
			continue;
		shmrpc_latency_bucket_range(i, &lo, &hi);
		e = new_array();
		push(e, json_real((double)lo / 1e9));
		push(e, hi == UINT64_MAX ? json_null()
		    : json_real((double)hi / 1e9));
		push(e, json_integer((json_int_t)c->latency[i]));
		push(b, e);
	}
	tool_json_set(o, "buckets", b);
	return o;
}

static json_t *method_json(const struct top_method *m)
{
	const shmrpc_counters *c = m->ms->counters;
	json_t *o = new_object();

	tool_json_set(o, "name", tool_json_string(m->ms->name));
	tool_json_set(o, "truncated", json_boolean(m->ms->truncated));
	tool_json_set(o, "calls", json_integer((json_int_t)c->calls));
	tool_json_set(o, "errors", json_integer((json_int_t)c->errors));
	tool_json_set(o, "calls_per_second",
	    num_or_null(m->rate.ok, m->rate.calls_s));
	tool_json_set(o, "p50_seconds", num_or_null(m->rate.p50_ns >= 0,
	    m->rate.p50_ns / 1e9));
	tool_json_set(o, "p99_seconds", num_or_null(m->rate.p99_ns >= 0,
	    m->rate.p99_ns / 1e9));
	tool_json_set(o, "latency", top_json_latency(c));
	return o;
}

static json_t *row_json(const struct top_row *r)
{
	json_t *o = new_object(), *ms = new_array();

	tool_json_channel(o, r->ci, 0);
	for (int c = 0; c < COL_COUNT; c++)
		if (top_columns[c].json_key != NULL)
			tool_json_set(o, top_columns[c].json_key,
			    top_columns[c].json(r));
	tool_json_set(o, "latency", r->c != NULL ? top_json_latency(r->c)
	    : json_null());
	for (size_t i = 0; i < r->nmethods; i++)
		push(ms, method_json(&r->methods[i]));
	tool_json_set(o, "methods", ms);
	return o;
}

static json_t *totals_json(const struct top_snap *s)
{
	const struct top_totals *t = &s->tot;
	json_t *o = new_object();

	tool_json_set(o, "channels", json_integer((json_int_t)t->channels));
	tool_json_set(o, "live", json_integer((json_int_t)t->live));
	tool_json_set(o, "stale", json_integer((json_int_t)t->stale));
	tool_json_set(o, "other", json_integer((json_int_t)t->other));
	tool_json_set(o, "calls", json_integer((json_int_t)t->calls));
	tool_json_set(o, "errors", json_integer((json_int_t)t->errors));
	tool_json_set(o, "timeouts", json_integer((json_int_t)t->timeouts));
	tool_json_set(o, "calls_per_second",
	    num_or_null(t->has_rate, t->calls_s));
	tool_json_set(o, "request_bytes_per_second",
	    num_or_null(t->has_rate, t->in_s));
	tool_json_set(o, "response_bytes_per_second",
	    num_or_null(t->has_rate, t->out_s));
	tool_json_set(o, "memory_bytes", json_integer((json_int_t)t->mem));
	tool_json_set(o, "stale_objects", json_integer((json_int_t)
	    t->objects));
	tool_json_set(o, "stale_object_bytes", json_integer((json_int_t)
	    t->object_bytes));
	return o;
}

int fmt_json(FILE *f, const struct top_snap *s, const size_t *view,
    size_t n)
{
	json_t *root = new_object(), *a = new_array(), *ob = new_array(),
	    *w = new_array();
	char *text;
	int rc;

	tool_json_set(root, "time", json_real(s->real));
	tool_json_set(root, "interval_seconds",
	    num_or_null(s->interval > 0, s->interval));
	for (size_t i = 0; i < n; i++)
		push(a, row_json(&s->rows[view[i]]));
	tool_json_set(root, "channels", a);
	tool_json_set(root, "totals", totals_json(s));
	for (size_t i = 0; i < s->nobjs; i++)
		push(ob, tool_json_object(s->objs[i].oi));
	tool_json_set(root, "objects", ob);
	for (size_t i = 0; i < shmrpc_inspection_warning_count(s->insp); i++)
		push(w, tool_json_string(shmrpc_inspection_warning(s->insp, i)));
	tool_json_set(root, "warnings", w);
	/* Into memory, then one write: json_dumpf() calls fwrite() once per
	 * token, which with 1,000 channels cost more than building the
	 * document. */
	text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (text == NULL)
		return -1;
	rc = fputs(text, f) < 0 || fputc('\n', f) == EOF ? -1 : 0;
	free(text);
	return rc;
}
