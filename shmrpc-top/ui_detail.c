/*
 * ui_detail.c - the detail view of one channel: its counters, a sparkline
 * of calls a second, its latency histogram, its methods, the clients in
 * its slots and its objects with the processes that map them.  Built as a
 * list of lines, which Up, Down, PgUp and PgDn scroll.
 */
#include "ui_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "tool.h"

struct dline {
	attr_t attr;
	short pair;            /* colour pair of a bar line, or 0 */
	char text[1024];
};

struct dbuf {
	struct dline *l;
	int n, cap;
};

static void add(struct dbuf *b, attr_t attr, short pair, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

static void add(struct dbuf *b, attr_t attr, short pair, const char *fmt, ...)
{
	va_list ap;

	if (b->n == b->cap) {
		int cap = b->cap ? b->cap * 2 : 64;
		struct dline *l = realloc(b->l, (size_t)cap * sizeof(*l));
		if (l == NULL)
			return;
		b->l = l;
		b->cap = cap;
	}
	b->l[b->n].attr = attr;
	b->l[b->n].pair = pair;
	va_start(ap, fmt);
	vsnprintf(b->l[b->n].text, sizeof(b->l[b->n].text), fmt, ap);
	va_end(ap);
	b->n++;
}

/* A bar of n cells: blocks, or '#' without UTF-8. */
static void bar(char *buf, size_t len, int n, int utf8)
{
	size_t at = 0;

	buf[0] = '\0';
	for (int i = 0; i < n && at + 4 < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%s",
		    utf8 ? "\u2588" : "#");
}

static void add_head(struct dbuf *b, struct ui *u, const struct top_row *r)
{
	const shmrpc_channel_info *ci = r->ci;
	char a[16], m[16], g[16], why[TOP_VIS_MAX];

	add(b, A_BOLD, 0, "Channel %s  %s  %s  owner pid %s (%s)  user %s%s",
	    r->name_vis, ci->transport_name != NULL ? ci->transport_name : "?",
	    top_channel_state_word(ci), r->where.pid, r->comm_vis,
	    r->user, u->paused ? "  [PAUSED]" : "");
	add(b, A_DIM, 0, "  %s", tool_vis(ci->reason != NULL ? ci->reason
	    : "", why, sizeof(why)));
	fmt_bytes(a, sizeof(a), (double)ci->buffer_size, "", 1);
	fmt_bytes(m, sizeof(m), (double)r->mem, "", 1);
	fmt_secs(g, sizeof(g), ci->age, "");
	add(b, A_NORMAL, 0, "buffer %s  clients %u/%u  memory %s  age %s", a,
	    r->used, r->slots, m, g);
}

/* Where the owner lives, who may open the channel, and what threatens
 * it (where.h). */
static void add_owner(struct dbuf *b, const struct top_row *r)
{
	const struct top_where *w = &r->where;
	const shmrpc_channel_info *ci = r->ci;

	add(b, A_NORMAL, 0, "owner in %s%s  liveness lock %s  cgroup %s",
	    w->place, ci->owner_pid_local == 0 ? ": its pid is not one of ours"
	    : "", w->lock, w->cgroup[0] != '\0' ? w->cgroup : "-");
	add(b, A_NORMAL, 0, "files mode %s  (user %s%s)", w->access, r->user,
	    ci->gid != (gid_t)-1 ? " and the group" : " only");
	if (ci->owner_removeipc > 0)
		add(b, A_BOLD, PAIR_STALE, "RemoveIPC=yes applies to user %s: "
		    "systemd-logind removes the channel's files at its last "
		    "logout (see DEPLOYMENT in shmrpc(7))", r->user);
	if (ci->refused)
		add(b, A_BOLD, PAIR_STALE, "refused: its registry entry breaks "
		    "the trust rules; nothing of it was looked at or will be "
		    "reaped");
}

static void add_counters(struct dbuf *b, const struct top_row *r)
{
	const shmrpc_counters *k = r->c;
	char cs[16], p[4][16], idle[16];
	static const double q[4] = { 0.5, 0.9, 0.99, 0.999 };

	add(b, A_NORMAL, 0, "calls %llu  errors %llu  timeouts %llu  in flight "
	    "%llu  request bytes %llu  response bytes %llu",
	    (unsigned long long)k->calls, (unsigned long long)k->errors,
	    (unsigned long long)k->timeouts, (unsigned long long)k->in_flight,
	    (unsigned long long)k->bytes_in, (unsigned long long)k->bytes_out);
	fmt_rate(cs, sizeof(cs), r->rate.calls_s, "-", r->rate.ok);
	for (int i = 0; i < 4; i++)
		fmt_ns(p[i], sizeof(p[i]), shmrpc_latency_percentile(
		    r->rate.lat, k->latency_buckets, q[i]), "-");
	fmt_secs(idle, sizeof(idle), r->idle_s, "-");
	add(b, A_NORMAL, 0, "calls/s %s  round trip p50 %s  p90 %s  p99 %s  "
	    "p99.9 %s  idle %s", cs, p[0], p[1], p[2], p[3], idle);
}

static void add_sparkline(struct dbuf *b, struct ui *u,
    const struct top_row *r)
{
	static const char *const blocks[] = { " ", "\u2581", "\u2582",
		"\u2583", "\u2584", "\u2585", "\u2586", "\u2587", "\u2588" };
	static const char ascii[] = " _.-=+*#@";
	char line[1024], m[32];
	size_t at;
	double max = 0;
	unsigned pad = TOP_HISTORY - r->nhist;

	for (unsigned i = 0; i < r->nhist; i++)
		if (r->hist[i] > max)
			max = r->hist[i];
	at = (size_t)snprintf(line, sizeof(line), "calls/s, last minute: [");
	for (unsigned i = 0; i < TOP_HISTORY && at + 8 < sizeof(line); i++) {
		unsigned k = 0;

		if (i >= pad && max > 0) {
			double v = r->hist[i - pad];
			k = (unsigned)(v / max * 8 + 0.5);
			if (v > 0 && k == 0)
				k = 1;
		}
		if (u->utf8)
			at += (size_t)snprintf(line + at, sizeof(line) - at,
			    "%s", blocks[k]);
		else
			line[at++] = ascii[k], line[at] = '\0';
	}
	fmt_rate(m, sizeof(m), max, "-", r->nhist > 0);
	add(b, A_NORMAL, 0, "%s] %s max, %u samples", line, m, r->nhist);
}

/* The latency histogram, one bar per power of two. */
static void add_histogram(struct dbuf *b, struct ui *u,
    const struct top_row *r)
{
	const uint64_t *lat = r->rate.lat;
	uint64_t oct[64] = { 0 }, max = 0, lo, hi;
	int first = -1, last = -1, w = COLS - 32;
	char l1[16], l2[16], bars[1024];

	for (size_t i = 0; i < r->c->latency_buckets; i++) {
		int e;
		if (lat[i] == 0)
			continue;
		shmrpc_latency_bucket_range(i, &lo, &hi);
		e = lo == 0 ? 0 : 63 - __builtin_clzll(lo);
		oct[e] += lat[i];
		first = first < 0 || e < first ? e : first;
		last = e > last ? e : last;
	}
	add(b, A_BOLD, 0, "Round trip latency (the last interval if it had "
	    "calls, else since the start):");
	if (first < 0) {
		add(b, A_DIM, 0, "  (no finished calls)");
		return;
	}
	for (int e = first; e <= last; e++)
		max = oct[e] > max ? oct[e] : max;
	for (int e = first; e <= last; e++) {
		int n = (int)((double)oct[e] / (double)max * (w < 10 ? 10 : w) +
		    0.5);
		fmt_ns(l1, sizeof(l1), (double)(UINT64_C(1) << e), "");
		fmt_ns(l2, sizeof(l2), (double)(UINT64_C(1) << (e + 1)), "");
		bar(bars, sizeof(bars), n == 0 && oct[e] > 0 ? 1 : n, u->utf8);
		add(b, A_NORMAL, PAIR_LIVE, "  %7s-%-7s %10llu %s", l1, l2,
		    (unsigned long long)oct[e], bars);
	}
}

static void add_methods(struct dbuf *b, struct ui *u, const struct top_row *r)
{
	(void)u;
	add(b, A_BOLD, 0, "Methods (their time in the server: decoding, the "
	    "handler, encoding):");
	if (r->nmethods == 0) {
		add(b, A_DIM, 0, "  (%s)", r->stats == NULL
		    ? "no statistics: not a C server of this version"
		    : "no method registered");
		return;
	}
	add(b, A_REVERSE, 0, "  %-24s %10s %8s %8s %8s %8s", "METHOD", "CALLS",
	    "CALLS/S", "ERRORS", "P50", "P99");
	for (size_t i = 0; i < r->nmethods; i++) {
		const struct top_method *m = &r->methods[i];
		const shmrpc_counters *c = m->ms->counters;
		char cs[16], p50[16], p99[16];

		fmt_rate(cs, sizeof(cs), m->rate.calls_s, "-", m->rate.ok);
		fmt_ns(p50, sizeof(p50), m->rate.p50_ns, "-");
		fmt_ns(p99, sizeof(p99), m->rate.p99_ns, "-");
		add(b, A_NORMAL, 0, "  %-24s %10llu %8s %8llu %8s %8s%s",
		    m->name_vis, (unsigned long long)c->calls, cs,
		    (unsigned long long)c->errors, p50, p99,
		    m->ms->truncated ? "  (name cut)" : "");
	}
}

static void add_slots(struct dbuf *b, const struct top_snap *s,
    const struct top_row *r)
{
	size_t n = shmrpc_stats_slot_count(r->stats);

	add(b, A_REVERSE, 0, "  %-5s %7s %-15s %10s %8s %8s %8s", "SLOT", "PID",
	    "COMMAND", "CALLS", "ERRORS", "TMOUTS", "IDLE");
	if (n == 0)
		add(b, A_DIM, 0, "  (no client attached)");
	for (size_t i = 0; i < n; i++) {
		const shmrpc_slot_stats *sl = shmrpc_stats_slot(r->stats, i);
		char comm[64], safe[TOP_VIS_MAX], idle[16];
		double t = -1;

		top_comm(sl->pid, comm, sizeof(comm));
		if (sl->counters->last_activity_ns > 0)
			t = s->mono - (double)sl->counters->last_activity_ns
			    / 1e9;
		fmt_secs(idle, sizeof(idle), t, "-");
		add(b, A_NORMAL, 0, "  %-5u %7d %-15.15s %10llu %8llu %8llu %8s",
		    sl->index, (int)sl->pid, tool_vis(comm, safe, sizeof(safe)),
		    (unsigned long long)sl->counters->calls,
		    (unsigned long long)sl->counters->errors,
		    (unsigned long long)sl->counters->timeouts, idle);
	}
}

static void add_objects(struct dbuf *b, const struct top_row *r)
{
	const shmrpc_channel_info *ci = r->ci;

	add(b, A_REVERSE, 0, "  %-40s %8s %-7s %s", "OBJECT", "SIZE",
	    "PRESENT", "MAPPED BY");
	for (size_t i = 0; i < ci->nobjects; i++) {
		const shmrpc_object_info *oi = &ci->objects[i];
		char pids[128] = "", sz[16], name[TOP_VIS_MAX];

		for (size_t k = 0; k < oi->nmappers && k < 8; k++)
			snprintf(pids + strlen(pids), sizeof(pids) -
			    strlen(pids), "%s%d", k ? " " : "",
			    (int)oi->mappers[k]);
		fmt_bytes(sz, sizeof(sz), (double)oi->size, "", 1);
		add(b, A_NORMAL, 0, "  %-40s %8s %-7s %s",
		    tool_vis(oi->name, name, sizeof(name)), sz,
		    oi->present ? "yes" : "no", pids);
	}
}

static void build(struct dbuf *b, struct ui *u, const struct top_row *r)
{
	add_head(b, u, r);
	add_owner(b, r);
	if (r->c != NULL) {
		add_counters(b, r);
		add(b, A_NORMAL, 0, "%s", "");
		add_sparkline(b, u, r);
		add(b, A_NORMAL, 0, "%s", "");
		add_histogram(b, u, r);
	} else {
		add(b, A_DIM, 0, "(no channel counters: only futex channels "
		    "keep them)");
	}
	add(b, A_NORMAL, 0, "%s", "");
	add_methods(b, u, r);
	add(b, A_NORMAL, 0, "%s", "");
	if (r->ci->transport == SHMRPC_TRANSPORT_FUTEX) {
		add_slots(b, u->snap, r);
		add(b, A_NORMAL, 0, "%s", "");
	}
	add_objects(b, r);
}

void ui_draw_detail(struct ui *u)
{
	struct top_row *r = top_find(u->snap, u->selname);
	struct dbuf b = { NULL, 0, 0 };
	int room = LINES - 1;
	char line[512], safe[TOP_VIS_MAX];

	erase();
	if (r == NULL) {
		snprintf(line, sizeof(line), "Channel %s is gone.  Esc goes "
		    "back.", tool_vis(u->selname, safe, sizeof(safe)));
		ui_put_line(0, A_BOLD, line);
		ui_footer(u, VIEW_BIT_DETAIL);
		return;
	}
	build(&b, u, r);
	if (u->detail_top > b.n - room)
		u->detail_top = b.n - room > 0 ? b.n - room : 0;
	for (int i = 0; i < room && u->detail_top + i < b.n; i++) {
		const struct dline *l = &b.l[u->detail_top + i];

		if (l->attr == A_REVERSE)
			ui_put_line(i, ui_header_attr(u), l->text);
		else
			ui_put(i, 0, l->attr | (l->pair && u->color ?
			    COLOR_PAIR(l->pair) : 0), l->text);
	}
	free(b.l);
	ui_footer(u, VIEW_BIT_DETAIL);
}
