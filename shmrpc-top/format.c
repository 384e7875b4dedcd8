/*
 * format.c - cells and the plain text batch output of shmrpc-top (like
 * top -b); json.c and prom.c write the other two formats.  Every string
 * that came from another process is made safe (tool_vis()) before it is
 * written here.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "format.h"
#include "tool.h"

void fmt_bytes(char *buf, size_t len, double v, const char *blank, int ok)
{
	static const char units[] = "BKMGTP";
	int u = 0;

	if (!ok || v < 0) {
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
	if (!ok || v < 0)
		snprintf(buf, len, "%s", blank);
	else if (v < 10 && v != floor(v))
		snprintf(buf, len, "%.1f", v);
	else if (v < 1e6)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.1fM", v / 1e6);
}

void fmt_count(char *buf, size_t len, double v, const char *blank, int ok)
{
	if (!ok || v < 0)
		snprintf(buf, len, "%s", blank);
	else if (v < 1e6)
		snprintf(buf, len, "%.0f", v);
	else if (v < 1e9)
		snprintf(buf, len, "%.1fM", v / 1e6);
	else
		snprintf(buf, len, "%.1fG", v / 1e9);
}

void fmt_ns(char *buf, size_t len, double ns, const char *blank)
{
	if (ns < 0 || isnan(ns))
		snprintf(buf, len, "%s", blank);
	else if (ns < 1e3)
		snprintf(buf, len, "%.0fns", ns);
	else if (ns < 1e6)
		snprintf(buf, len, ns < 1e4 ? "%.2fus" : ns < 1e5 ? "%.1fus"
		    : "%.0fus", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, len, ns < 1e7 ? "%.2fms" : ns < 1e8 ? "%.1fms"
		    : "%.0fms", ns / 1e6);
	else
		snprintf(buf, len, "%.2fs", ns / 1e9);
}

void fmt_secs(char *buf, size_t len, double s, const char *blank)
{
	if (s < 0 || isnan(s))
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

void fmt_total(enum top_col c, const struct top_snap *s, const char *blank,
    char *buf, size_t len)
{
	const struct top_totals *t = &s->tot;

	switch (c) {
	case COL_NAME: snprintf(buf, len, "TOTAL %zu", t->channels); break;
	case COL_CALLS_S: fmt_rate(buf, len, t->calls_s, blank, t->has_rate);
		break;
	case COL_IN_S: fmt_bytes(buf, len, t->in_s, blank, t->has_rate);
		break;
	case COL_OUT_S: fmt_bytes(buf, len, t->out_s, blank, t->has_rate);
		break;
	case COL_ERRORS: fmt_count(buf, len, (double)t->errors, blank, 1);
		break;
	case COL_TIMEOUTS: fmt_count(buf, len, (double)t->timeouts, blank, 1);
		break;
	case COL_CALLS: fmt_count(buf, len, (double)t->calls, blank, 1);
		break;
	case COL_MEM: fmt_bytes(buf, len, (double)t->mem, blank, 1); break;
	default: snprintf(buf, len, "%s", ""); break;
	}
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
	char safe[TOP_VIS_MAX];
	int w = 6;

	for (size_t i = 0; i < s->nobjs; i++) {
		int l = (int)strlen(tool_vis(s->objs[i].oi->name, safe,
		    sizeof(safe)));
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
	char sz[16], age[16], name[TOP_VIS_MAX], why[TOP_VIS_MAX];

	fmt_bytes(sz, sizeof(sz), (double)oi->size, "", 1);
	fmt_secs(age, sizeof(age), oi->age, "");
	snprintf(buf, len, "%-*s %-7s %7s %6s  %s", namew,
	    tool_vis(oi->name, name, sizeof(name)), top_state_word(oi->state),
	    sz, age, tool_vis(oi->reason != NULL ? oi->reason : "", why,
		sizeof(why)));
}

/* ---- text --------------------------------------------------------------- */

/* One line of the columns of cs: row r, or the header (r NULL, tot 0), or
 * the totals (tot 1). */
static void text_line(char *buf, size_t len, const struct top_snap *s,
    const struct top_colset *cs, const struct top_row *r, int tot, int namew)
{
	size_t at = 0;

	buf[0] = '\0';
	for (int i = 0; i < cs->n && at + 1 < len; i++) {
		enum top_col c = cs->col[i];
		char cell[TOP_VIS_MAX + 32], t[TOP_VIS_MAX];
		size_t n;

		if (r != NULL) {
			top_column_cell(c, r, namew, "-", cell, sizeof(cell));
		} else if (tot) {
			fmt_total(c, s, "-", t, sizeof(t));
			snprintf(cell, sizeof(cell), top_columns[c].left ||
			    c == COL_NAME ? "%-*s" : "%*s",
			    top_column_width(c, namew), t);
		} else {
			top_column_header(c, namew, cell, sizeof(cell));
		}
		n = strlen(cell);
		if (at + n + 2 > len)
			break;
		if (i > 0)
			buf[at++] = ' ';
		memcpy(buf + at, cell, n + 1);
		at += n;
	}
	/* No trailing blanks. */
	at = strlen(buf);
	while (at > 0 && buf[at - 1] == ' ')
		buf[--at] = '\0';
}

static void text_objects(FILE *f, const struct top_snap *s)
{
	char line[1024];
	int w = fmt_obj_width(s);

	fprintf(f, "\nStale and orphan objects: %zu\n", s->nobjs);
	fmt_obj_header(line, sizeof(line), w);
	fprintf(f, "%s\n", line);
	for (size_t i = 0; i < s->nobjs; i++) {
		fmt_obj_row(line, sizeof(line), &s->objs[i], w);
		fprintf(f, "%s\n", line);
	}
}

static int frame_text(FILE *f, const struct top_snap *s,
    const struct top_frame *fr, const size_t *view, size_t n)
{
	char line[4096], safe[1024];
	int w = top_name_width(s);

	fmt_summary(line, sizeof(line), s);
	fprintf(f, "%s  sort: %s%s\n", line, top_columns[fr->sort].key,
	    fr->reverse ? " (reversed)" : "");
	text_line(line, sizeof(line), s, fr->cols, NULL, 0, w);
	fprintf(f, "%s\n", line);
	for (size_t i = 0; i < n; i++) {
		text_line(line, sizeof(line), s, fr->cols, &s->rows[view[i]],
		    0, w);
		fprintf(f, "%s\n", line);
	}
	text_line(line, sizeof(line), s, fr->cols, NULL, 1, w);
	fprintf(f, "%s\n", line);
	if (s->nobjs > 0)
		text_objects(f, s);
	for (size_t i = 0; i < shmrpc_inspection_warning_count(s->insp); i++)
		fprintf(f, "warning: %s\n", tool_vis(
		    shmrpc_inspection_warning(s->insp, i), safe, sizeof(safe)));
	fprintf(f, "\n");
	return 0;
}

int fmt_frame(FILE *f, const struct top_snap *s, const struct top_frame *fr)
{
	size_t *view = calloc(s->nrows + 1, sizeof(*view)), n;
	int rc;

	if (view == NULL)
		return -1;
	n = top_view(s, NULL, fr->sort, fr->reverse, view);
	switch (fr->fmt) {
	case FMT_JSON: rc = fmt_json(f, s, view, n); break;
	case FMT_PROMETHEUS: rc = fmt_prometheus(f, s, view, n); break;
	default: rc = frame_text(f, s, fr, view, n); break;
	}
	free(view);
	if (fflush(f) != 0 || ferror(f))
		return -1;
	return rc;
}
