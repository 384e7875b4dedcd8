/*
 * ui.c - the interactive screen of shmrpc-top; the only file that includes
 * curses.  Draws snapshots (snapshot.c) with the cells of format.c.
 */
#define _XOPEN_SOURCE_EXTENDED 1
#include <err.h>
#include <langinfo.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "format.h"
#include "snapshot.h"
#include "ui.h"

#define MIN_COLS 60
#define MIN_LINES 12
#define KEY_ESC 27

enum view { VIEW_MAIN, VIEW_DETAIL, VIEW_HELP };
enum { PAIR_LIVE = 1, PAIR_STALE, PAIR_ORPHAN, PAIR_INUSE, PAIR_UNKNOWN,
	PAIR_HEADER, PAIR_KEY, PAIR_BAR };

struct ui {
	struct top_opts opts;
	char filter[128];
	struct top_snap *snap;
	double delay, next;
	long long iterations, frames;
	int color, utf8, paused, quit;
	enum view view, back;
	enum top_sort sort;
	int reverse;
	size_t sel, scroll;
	char selname[256];             /* the selected channel, by name */
	char msg[512];
	double msg_until;
};

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

static const double delays[] = { 0.2, 0.5, 1, 2, 3, 5, 10, 30, 60 };

/* ---- data ---------------------------------------------------------------- */

static void message(struct ui *u, const char *text)
{
	snprintf(u->msg, sizeof(u->msg), "%s", text);
	u->msg_until = top_now_mono() + 5;
}

static void refresh_data(struct ui *u)
{
	struct top_snap *s;
	int rc;

	rc = top_collect(&s, u->snap, &u->opts);
	if (rc < 0) {
		char m[128];
		snprintf(m, sizeof(m), "cannot inspect channels: %s",
		    shmrpc_strerror(rc));
		message(u, m);
	} else {
		top_snap_free(u->snap);
		u->snap = s;
		top_sort(s, u->sort, u->reverse);
	}
	u->frames++;
	u->next = top_now_mono() + u->delay;
	if (u->snap == NULL)
		return;
	if (u->view == VIEW_DETAIL ||
	    (u->view == VIEW_HELP && u->back == VIEW_DETAIL))
		top_fetch_mappers(u->snap, u->selname, &u->opts);
	/* Keep the selection on the same channel. */
	if (u->selname[0] != '\0') {
		for (size_t i = 0; i < u->snap->nrows; i++)
			if (strcmp(u->snap->rows[i].ci->name, u->selname) == 0) {
				u->sel = i;
				break;
			}
	}
	if (u->snap->nrows == 0)
		u->sel = 0;
	else if (u->sel >= u->snap->nrows)
		u->sel = u->snap->nrows - 1;
}

static struct top_row *selected(struct ui *u)
{
	if (u->snap == NULL || u->sel >= u->snap->nrows)
		return NULL;
	return &u->snap->rows[u->sel];
}

static void remember_sel(struct ui *u)
{
	struct top_row *r = selected(u);

	snprintf(u->selname, sizeof(u->selname), "%s", r ? r->ci->name : "");
}

/* ---- drawing helpers ---------------------------------------------------- */

static int state_pair(shmrpc_state st)
{
	switch (st) {
	case SHMRPC_STATE_LIVE: return PAIR_LIVE;
	case SHMRPC_STATE_STALE: return PAIR_STALE;
	case SHMRPC_STATE_ORPHAN: return PAIR_ORPHAN;
	case SHMRPC_STATE_INUSE: return PAIR_INUSE;
	default: return PAIR_UNKNOWN;
	}
}

static void put(int y, int x, attr_t attr, const char *s)
{
	if (y < 0 || y >= LINES || x >= COLS)
		return;
	attron(attr);
	mvaddnstr(y, x, s, COLS - x);
	attroff(attr);
}

/* A whole-width line: text padded with spaces, in attr. */
static void put_line(int y, attr_t attr, const char *s)
{
	attron(attr);
	mvhline(y, 0, ' ', COLS);
	mvaddnstr(y, 0, s, COLS);
	attroff(attr);
}

static void colour_state(int y, int x, shmrpc_state st, int color)
{
	if (color && x < COLS)
		mvchgat(y, x, 7, A_BOLD, (short)state_pair(st), NULL);
}

/* Key bar at the bottom, htop-like: key in one colour, word in another. */
static void footer(struct ui *u, const char *const *items)
{
	int x = 0, y = LINES - 1;

	move(y, 0);
	clrtoeol();
	if (u->msg[0] != '\0' && top_now_mono() < u->msg_until) {
		put_line(y, A_BOLD, u->msg);
		return;
	}
	for (; *items != NULL && x < COLS; items += 2) {
		put(y, x, u->color ? COLOR_PAIR(PAIR_KEY) : A_NORMAL, items[0]);
		x += (int)strlen(items[0]);
		put(y, x, u->color ? COLOR_PAIR(PAIR_BAR) : A_REVERSE, items[1]);
		x += (int)strlen(items[1]) + 1;
	}
}

static void too_small(void)
{
	char m[128];
	int len, y;

	erase();
	snprintf(m, sizeof(m), "Terminal too small (%dx%d): shmrpc-top needs "
	    "%dx%d.  q quits.", COLS, LINES, MIN_COLS, MIN_LINES);
	len = (int)strlen(m);
	/* Wrapped over as many lines as it takes. */
	for (y = 0; y * COLS < len && y < LINES; y++)
		mvaddnstr(y, 0, m + y * COLS, COLS);
}

/* ---- main view ---------------------------------------------------------- */

static const char *const main_keys[] = {
	"F1", "Help", "F4", "Filter", "F6", "Sort", "F9", "Reap", "F10", "Quit",
	"Enter", "Detail", "Space", "Tag", "p", "Pause", "+-", "Delay", NULL,
};

static void draw_main(struct ui *u)
{
	struct top_snap *s = u->snap;
	char line[1024], a[16], b[16], c[16];
	int namew = fmt_name_width(s), y, rows_y, rows_h, obj_h = 0;
	size_t ntag = 0;

	erase();
	fmt_summary(line, sizeof(line), s);
	put_line(0, A_BOLD, line);
	for (size_t i = 0; i < s->nrows; i++)
		ntag += s->rows[i].tagged != 0;
	fmt_rate(a, sizeof(a), s->tot.calls_s, "-", s->tot.has_rate);
	fmt_bytes(b, sizeof(b), s->tot.in_s, "-", s->tot.has_rate);
	fmt_bytes(c, sizeof(c), s->tot.out_s, "-", s->tot.has_rate);
	char filt[160];
	if (u->filter[0])
		snprintf(filt, sizeof(filt), "\"%s\"", u->filter);
	else
		snprintf(filt, sizeof(filt), "none (/ to set)");
	snprintf(line, sizeof(line), "calls/s: %s  in: %s/s  out: %s/s  "
	    "refresh: %gs%s  sort: %s%s  filter: %s  tagged: %zu", a, b, c,
	    u->delay, u->paused ? " [PAUSED]" : "", top_sort_names[u->sort],
	    u->reverse ? " (reversed)" : "", filt, ntag);
	put_line(1, A_NORMAL, line);

	fmt_header(line + 2, sizeof(line) - 2, namew);
	line[0] = line[1] = ' ';
	put_line(2, u->color ? COLOR_PAIR(PAIR_HEADER) | A_BOLD : A_REVERSE,
	    line);

	/* Space: header 3 lines, totals 1, footer 1, the stale section. */
	rows_y = 3;
	rows_h = LINES - rows_y - 2;
	if (s->nobjs > 0) {
		obj_h = (int)s->nobjs + 2;
		if (obj_h > rows_h / 2)
			obj_h = rows_h / 2;
		rows_h -= obj_h + 1;
	}
	if (rows_h < 1)
		rows_h = 1;
	if (u->sel < u->scroll)
		u->scroll = u->sel;
	if (u->sel >= u->scroll + (size_t)rows_h)
		u->scroll = u->sel - (size_t)rows_h + 1;
	y = rows_y;
	if (s->nrows == 0)
		put(y, 2, A_DIM, u->filter[0] ? "(no channel matches the filter)"
		    : "(no channels registered: start a libshmrpc server)");
	for (size_t i = u->scroll; i < s->nrows && y < rows_y + rows_h;
	    i++, y++) {
		const struct top_row *r = &s->rows[i];
		attr_t at = i == u->sel ? A_REVERSE : A_NORMAL;

		fmt_row(line + 2, sizeof(line) - 2, r, namew, "");
		line[0] = r->tagged ? '*' : ' ';
		line[1] = ' ';
		put_line(y, at | (r->tagged ? A_BOLD : 0), line);
		/* STATE: after name, transport, pid, command, user, clients. */
		colour_state(y, 2 + namew + 1 + 6 + 8 + 13 + 9 + 8, r->ci->state,
		    u->color);
	}
	y = rows_y + rows_h;
	fmt_totals(line + 2, sizeof(line) - 2, s, namew, "");
	line[0] = line[1] = ' ';
	put_line(y++, A_BOLD | A_UNDERLINE, line);
	if (obj_h > 0) {
		char sz[16];

		fmt_bytes(sz, sizeof(sz), (double)s->tot.object_bytes, "", 1);
		snprintf(line, sizeof(line), "Stale and orphan objects: %zu "
		    "(%s) - x reaps the selected stale channel", s->nobjs, sz);
		put_line(++y, A_BOLD, line);
		y++;
		namew = fmt_obj_width(s);
		fmt_obj_header(line + 2, sizeof(line) - 2, namew);
		line[0] = line[1] = ' ';
		put_line(y++, u->color ? COLOR_PAIR(PAIR_HEADER) : A_REVERSE,
		    line);
		for (size_t i = 0; i < s->nobjs && y < LINES - 1; i++, y++) {
			fmt_obj_row(line + 2, sizeof(line) - 2, &s->objs[i],
			    namew);
			line[0] = line[1] = ' ';
			put_line(y, A_NORMAL, line);
			colour_state(y, 2 + namew + 1, s->objs[i].oi->state,
			    u->color);
		}
	}
	footer(u, main_keys);
}

/* ---- detail view -------------------------------------------------------- */

static const char *const detail_keys[] = {
	"Esc", "Back", "F9", "Reap", "p", "Pause", "F1", "Help", "F10", "Quit",
	NULL,
};

static void sparkline(struct ui *u, int y, const struct top_row *r)
{
	static const char *const blocks[] = { " ", "\u2581", "\u2582",
		"\u2583", "\u2584", "\u2585", "\u2586", "\u2587", "\u2588" };
	static const char ascii[] = " _.-=+*#@";
	double max = 0;
	int x;
	char m[64];

	for (unsigned i = 0; i < r->nhist; i++)
		if (r->hist[i] > max)
			max = r->hist[i];
	fmt_rate(m, sizeof(m), max, "-", r->nhist > 0);
	put(y, 0, A_BOLD, "calls/s, last minute: ");
	x = 23;
	put(y, x, A_NORMAL, "[");
	x++;
	for (unsigned i = 0; i < TOP_HISTORY && x < COLS; i++, x++) {
		unsigned k = 0;
		unsigned pad = TOP_HISTORY - r->nhist;

		if (i >= pad && max > 0) {
			double v = r->hist[i - pad];
			k = (unsigned)(v / max * 8 + 0.5);
			if (v > 0 && k == 0)
				k = 1;
		}
		if (u->utf8)
			mvaddstr(y, x, blocks[k]);
		else
			mvaddch(y, x, (chtype)ascii[k]);
	}
	put(y, x, A_NORMAL, "]");
	snprintf(m + strlen(m), sizeof(m) - strlen(m), " max, %u samples",
	    r->nhist);
	put(y, x + 2, A_NORMAL, m);
}

static int histogram(struct ui *u, int y, int maxy, const struct top_row *r)
{
	int lo = -1, hi = -1, w;
	uint64_t max = 0;
	char lab[32], line[64];

	for (int i = 0; i < SHMRPC_LATENCY_BUCKETS; i++)
		if (r->lat[i] > 0) {
			if (lo < 0)
				lo = i;
			hi = i;
			if (r->lat[i] > max)
				max = r->lat[i];
		}
	put(y++, 0, A_BOLD, "Latency (log2 buckets; the last interval if "
	    "it had calls, else since start):");
	if (lo < 0) {
		put(y++, 2, A_DIM, "(no finished calls)");
		return y;
	}
	w = COLS - 33;
	if (w < 10)
		w = 10;
	for (int i = lo; i <= hi && y < maxy; i++, y++) {
		int n = (int)((double)r->lat[i] / (double)max * w + 0.5);

		fmt_ns(lab, sizeof(lab), (double)(UINT64_C(1) << (i + 1)), "");
		snprintf(line, sizeof(line), "  <%7s %10llu ", lab,
		    (unsigned long long)r->lat[i]);
		put(y, 0, A_NORMAL, line);
		if (n == 0 && r->lat[i] > 0)
			n = 1;
		attron(u->color ? COLOR_PAIR(PAIR_LIVE) : A_NORMAL);
		for (int k = 0; k < n && 22 + k < COLS; k++) {
			if (u->utf8)
				mvaddstr(y, 22 + k, "\u2588");
			else
				mvaddch(y, 22 + k, '#');
		}
		attroff(u->color ? COLOR_PAIR(PAIR_LIVE) : A_NORMAL);
	}
	return y;
}

static void draw_detail(struct ui *u)
{
	struct top_row *r = top_find(u->snap, u->selname);
	const shmrpc_channel_info *ci;
	shmrpc_slot_stats *sl = NULL;
	unsigned nsl = 0;
	char line[1024], a[16], b[16], c[16], d[16];
	int y = 0, maxy = LINES - 1;

	erase();
	if (r == NULL) {
		snprintf(line, sizeof(line), "Channel %s is gone.  Esc goes "
		    "back.", u->selname);
		put_line(0, A_BOLD, line);
		footer(u, detail_keys);
		return;
	}
	ci = r->ci;
	snprintf(line, sizeof(line), "Channel %s  %s  %s  owner pid %d (%s)  "
	    "user %s%s", ci->name, ci->transport_name,
	    top_state_word(ci->state), (int)ci->owner_pid,
	    ci->owner_comm ? ci->owner_comm : "?", r->user,
	    u->paused ? "  [PAUSED]" : "");
	put_line(y, A_BOLD, line);
	if (u->color)
		mvchgat(y, 8 + (int)strlen(ci->name) + 2 +
		    (int)strlen(ci->transport_name) + 2,
		    (int)strlen(top_state_word(ci->state)), A_BOLD,
		    (short)state_pair(ci->state), NULL);
	y++;
	snprintf(line, sizeof(line), "  %s", ci->reason ? ci->reason : "");
	put(y++, 0, A_DIM, line);
	fmt_bytes(a, sizeof(a), (double)ci->buffer_size, "", 1);
	fmt_bytes(b, sizeof(b), (double)r->mem, "", 1);
	fmt_secs(c, sizeof(c), ci->age, "");
	snprintf(line, sizeof(line), "buffer %s  clients %u/%u  memory %s  "
	    "age %s", a, r->used, r->slots, b, c);
	put(y++, 0, A_NORMAL, line);
	if (r->has_stats) {
		const shmrpc_counters *k = &r->st.counters;

		fmt_rate(a, sizeof(a), r->calls_s, "-", r->has_rate);
		fmt_ns(b, sizeof(b), r->p50_ns, "-");
		fmt_ns(c, sizeof(c), r->p99_ns, "-");
		fmt_secs(d, sizeof(d), r->idle_s, "-");
		snprintf(line, sizeof(line), "calls %llu  errors %llu  "
		    "timeouts %llu  in flight %llu  bytes in %llu out %llu  "
		    "calls/s %s  p50 %s  p99 %s  idle %s",
		    (unsigned long long)k->calls, (unsigned long long)k->errors,
		    (unsigned long long)k->timeouts,
		    (unsigned long long)k->in_flight,
		    (unsigned long long)k->bytes_in,
		    (unsigned long long)k->bytes_out, a, b, c, d);
		put(y++, 0, A_NORMAL, line);
		y++;
		sparkline(u, y++, r);
		y++;
		y = histogram(u, y, maxy - 6, r);
	} else {
		put(y++, 0, A_DIM, "(no live counters: only futex channels "
		    "keep them)");
	}
	y++;
	if (ci->transport == SHMRPC_TRANSPORT_FUTEX &&
	    ci->state == SHMRPC_STATE_LIVE)
		top_slots(ci->name, &sl, &nsl);
	snprintf(line, sizeof(line), "  %-5s %7s %-15s %10s %8s %8s %8s",
	    "SLOT", "PID", "COMMAND", "CALLS", "ERRORS", "TMOUTS", "IDLE");
	if (y < maxy)
		put_line(y++, u->color ? COLOR_PAIR(PAIR_HEADER) : A_REVERSE,
		    line);
	if (nsl == 0 && y < maxy)
		put(y++, 2, A_DIM, "(no client attached)");
	for (unsigned i = 0; i < nsl && y < maxy - 3; i++, y++) {
		char comm[32];
		double idle = -1;

		top_comm(sl[i].pid, comm, sizeof(comm));
		if (sl[i].counters.last_activity_ns > 0)
			idle = top_now_mono() -
			    (double)sl[i].counters.last_activity_ns / 1e9;
		fmt_secs(d, sizeof(d), idle, "-");
		snprintf(line, sizeof(line), "  %-5u %7d %-15s %10llu %8llu "
		    "%8llu %8s", sl[i].index, (int)sl[i].pid, comm,
		    (unsigned long long)sl[i].counters.calls,
		    (unsigned long long)sl[i].counters.errors,
		    (unsigned long long)sl[i].counters.timeouts, d);
		put(y, 0, A_NORMAL, line);
	}
	free(sl);
	y++;
	snprintf(line, sizeof(line), "  %-40s %8s %-7s %s", "OBJECT", "SIZE",
	    "PRESENT", "MAPPED BY");
	if (y < maxy)
		put_line(y++, u->color ? COLOR_PAIR(PAIR_HEADER) : A_REVERSE,
		    line);
	for (size_t i = 0; i < ci->nobjects && y < maxy; i++, y++) {
		const shmrpc_object_info *oi = &ci->objects[i];
		char pids[128] = "";

		for (size_t k = 0; k < oi->nmappers && k < 8; k++)
			snprintf(pids + strlen(pids), sizeof(pids) - strlen(pids),
			    "%s%d", k ? " " : "", (int)oi->mappers[k]);
		fmt_bytes(a, sizeof(a), (double)oi->size, "", 1);
		snprintf(line, sizeof(line), "  %-40s %8s %-7s %s", oi->name, a,
		    oi->present ? "yes" : "no", pids);
		put(y, 0, A_NORMAL, line);
	}
	footer(u, detail_keys);
}

/* ---- help --------------------------------------------------------------- */

static void draw_help(struct ui *u)
{
	static const char *const text[] = {
		"shmrpc-top: libshmrpc channels, their traffic, and what is left behind",
		"",
		"Keys:  Up/Down PgUp/PgDn Home/End  move      Enter  detail of the channel",
		"       Esc  back                              Space  tag/untag a channel",
		"       s F6 sort by the next column           r      reverse the order",
		"       / F4 filter (name or command)          x F9   reap selected/tagged STALE channels",
		"       p    pause/resume                      + -    slower/faster refresh",
		"       h ? F1  this help                      q F10  quit",
		"",
		"States: LIVE    the owner process is alive",
		"        STALE   owner dead, nobody maps its objects: safe to reap (x)",
		"        ORPHAN  an object no registry names and nobody maps: shmrpc-clean removes it",
		"        IN-USE  mapped by a live process that is not its registered owner: never reaped",
		"        RECENT  like ORPHAN but younger than the grace period",
		"        UNKNOWN cannot tell (permissions, odd file): never reaped",
		"",
		"Columns: CLIENTS slots in use/slots   CALLS/S IN/S OUT/S rates since the last frame",
		"         (blank on the first frame)   P50 P99 latency (upper bound of a log2 bucket)",
		"         ERRORS TMOUTS since start    IDLE since the last call   MEM shared memory",
		"         posix channels keep no counters: their traffic columns stay blank",
		"",
		"Press any key to go back.",
		NULL,
	};
	erase();
	for (int i = 0; text[i] != NULL && i < LINES; i++)
		put(i, 0, i == 0 ? A_BOLD : A_NORMAL, text[i]);
	(void)u;
}

static void draw(struct ui *u)
{
	if (COLS < MIN_COLS || LINES < MIN_LINES)
		too_small();
	else if (u->view == VIEW_HELP)
		draw_help(u);
	else if (u->view == VIEW_DETAIL)
		draw_detail(u);
	else
		draw_main(u);
	refresh();
}

/* ---- prompts ------------------------------------------------------------ */

/* Edit a line at the bottom; 1 on Enter, 0 on Esc. */
static int prompt(struct ui *u, const char *label, char *buf, size_t len)
{
	char tmp[256];
	size_t n;
	int ch;

	snprintf(tmp, sizeof(tmp), "%s", buf);
	n = strlen(tmp);
	timeout(-1);
	curs_set(1);
	for (;;) {
		move(LINES - 1, 0);
		clrtoeol();
		put(LINES - 1, 0, A_BOLD, label);
		put(LINES - 1, (int)strlen(label), A_NORMAL, tmp);
		refresh();
		ch = getch();
		if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
			snprintf(buf, len, "%s", tmp);
			break;
		}
		if (ch == KEY_ESC || got_signal) {
			curs_set(0);
			return 0;
		}
		if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && n > 0)
			tmp[--n] = '\0';
		else if (ch == 21) /* ^U */
			tmp[n = 0] = '\0';
		else if (ch >= 32 && ch < 127 && n + 1 < sizeof(tmp) &&
		    n + 1 < len)
			tmp[n++] = (char)ch, tmp[n] = '\0';
		else if (ch == KEY_RESIZE)
			draw(u);
	}
	curs_set(0);
	return 1;
}

static int confirm(struct ui *u, const char *question)
{
	int ch;

	(void)u;
	timeout(-1);
	move(LINES - 1, 0);
	clrtoeol();
	put_line(LINES - 1, A_BOLD | A_REVERSE, question);
	refresh();
	do
		ch = getch();
	while (ch == KEY_RESIZE);
	return ch == 'y' || ch == 'Y';
}

static void reap(struct ui *u)
{
	const char *names[64];
	char q[512], m[512], last[512] = "";
	size_t n = 0, notstale = 0, ok = 0;

	if (u->snap == NULL)
		return;
	for (size_t i = 0; i < u->snap->nrows && n < 64; i++) {
		const struct top_row *r = &u->snap->rows[i];
		if (!r->tagged)
			continue;
		if (r->ci->state == SHMRPC_STATE_STALE)
			names[n++] = r->ci->name;
		else
			notstale++;
	}
	if (n == 0 && notstale == 0) {
		struct top_row *r = u->view == VIEW_DETAIL ?
		    top_find(u->snap, u->selname) : selected(u);
		if (r == NULL) {
			message(u, "No channel selected.");
			return;
		}
		if (r->ci->state != SHMRPC_STATE_STALE) {
			snprintf(m, sizeof(m), "%s is %s: only STALE channels "
			    "can be reaped.", r->ci->name,
			    top_state_word(r->ci->state));
			message(u, m);
			return;
		}
		names[n++] = r->ci->name;
	}
	if (n == 0) {
		message(u, "None of the tagged channels is STALE: nothing to "
		    "reap.");
		return;
	}
	snprintf(q, sizeof(q), "Reap %zu stale channel%s (%s%s)%s? [y/N] ", n,
	    n == 1 ? "" : "s", names[0], n > 1 ? ", ..." : "",
	    notstale ? ", skipping tagged channels that are not STALE" : "");
	if (!confirm(u, q)) {
		message(u, "Reap cancelled.");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (top_reap(names[i], &u->opts, last, sizeof(last)) == 0)
			ok++;
	}
	snprintf(m, sizeof(m), "Reaped %zu of %zu: %s", ok, n, last);
	for (size_t i = 0; i < u->snap->nrows; i++)
		u->snap->rows[i].tagged = 0;
	refresh_data(u);
	message(u, m);
}

/* ---- keys --------------------------------------------------------------- */

static void move_sel(struct ui *u, long d)
{
	long n = u->snap ? (long)u->snap->nrows : 0, s = (long)u->sel + d;

	if (n == 0)
		return;
	if (s < 0)
		s = 0;
	if (s >= n)
		s = n - 1;
	u->sel = (size_t)s;
	remember_sel(u);
}

static void key(struct ui *u, int ch)
{
	long page = LINES > 8 ? LINES - 8 : 1;

	if (u->view == VIEW_HELP) {
		if (ch != KEY_RESIZE && ch != ERR)
			u->view = u->back;
		return;
	}
	switch (ch) {
	case 'q': case 'Q': case KEY_F(10):
		u->quit = 1;
		break;
	case KEY_UP: case 'k': move_sel(u, -1); break;
	case KEY_DOWN: case 'j': move_sel(u, 1); break;
	case KEY_PPAGE: move_sel(u, -page); break;
	case KEY_NPAGE: move_sel(u, page); break;
	case KEY_HOME: case 'g': move_sel(u, -(1L << 30)); break;
	case KEY_END: case 'G': move_sel(u, 1L << 30); break;
	case '\n': case '\r': case KEY_ENTER:
		if (selected(u) != NULL) {
			remember_sel(u);
			u->view = VIEW_DETAIL;
			/* The frame's snapshot has no mappers of live
			 * channels; the detail view lists them. */
			top_fetch_mappers(u->snap, u->selname, &u->opts);
		}
		break;
	case KEY_ESC: case KEY_LEFT:
		u->view = VIEW_MAIN;
		break;
	case 's': case KEY_F(6):
		u->sort = (enum top_sort)((u->sort + 1) % SORT_COUNT);
		top_sort(u->snap, u->sort, u->reverse);
		snprintf(u->msg, sizeof(u->msg), "Sorted by %s (r reverses).",
		    top_sort_names[u->sort]);
		u->msg_until = top_now_mono() + 3;
		break;
	case 'r':
		u->reverse = !u->reverse;
		top_sort(u->snap, u->sort, u->reverse);
		break;
	case '/': case KEY_F(4):
		if (prompt(u, "Filter (name or command, empty: all): ",
		    u->filter, sizeof(u->filter))) {
			u->opts.filter = u->filter;
			u->sel = 0;
			u->scroll = 0;
			u->selname[0] = '\0';
			refresh_data(u);
			remember_sel(u);
		}
		break;
	case ' ': {
		struct top_row *r = selected(u);
		if (r != NULL && u->view == VIEW_MAIN) {
			r->tagged = !r->tagged;
			move_sel(u, 1);
		}
		break;
	}
	case 'x': case KEY_F(9):
		reap(u);
		break;
	case 'p':
		u->paused = !u->paused;
		if (!u->paused)
			refresh_data(u);
		break;
	case '+': case '=': case '-': case '_': {
		size_t i = 0, n = sizeof(delays) / sizeof(delays[0]);
		while (i < n - 1 && delays[i] < u->delay)
			i++;
		if (ch == '+' || ch == '=')
			i = i + 1 < n ? i + 1 : i;
		else
			i = i > 0 ? i - 1 : 0;
		u->delay = delays[i];
		u->next = top_now_mono() + u->delay;
		break;
	}
	case 'h': case '?': case KEY_F(1):
		u->back = u->view;
		u->view = VIEW_HELP;
		break;
	default:
		break;
	}
}

int ui_run(const struct ui_config *cfg)
{
	struct ui u;
	struct sigaction sa;
	SCREEN *scr;
	const char *cs;

	memset(&u, 0, sizeof(u));
	u.opts = cfg->opts;
	if (cfg->opts.filter != NULL)
		snprintf(u.filter, sizeof(u.filter), "%s", cfg->opts.filter);
	u.opts.filter = u.filter;
	u.delay = cfg->delay;
	u.iterations = cfg->iterations;
	u.sort = SORT_NAME;
	cs = nl_langinfo(CODESET);
	u.utf8 = cs != NULL && strcmp(cs, "UTF-8") == 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	refresh_data(&u);
	if (u.snap == NULL)
		errx(1, "%s", u.msg);
	if ((scr = newterm(NULL, stdout, stdin)) == NULL)
		errx(1, "cannot use the terminal (TERM=%s)",
		    getenv("TERM") ? getenv("TERM") : "");
	set_term(scr);
	u.color = cfg->color && has_colors();
	if (u.color) {
		start_color();
		use_default_colors();
		init_pair(PAIR_LIVE, COLOR_GREEN, -1);
		init_pair(PAIR_STALE, COLOR_RED, -1);
		init_pair(PAIR_ORPHAN, COLOR_MAGENTA, -1);
		init_pair(PAIR_INUSE, COLOR_YELLOW, -1);
		init_pair(PAIR_UNKNOWN, COLOR_CYAN, -1);
		init_pair(PAIR_HEADER, COLOR_BLACK, COLOR_GREEN);
		init_pair(PAIR_KEY, COLOR_WHITE, COLOR_BLACK);
		init_pair(PAIR_BAR, COLOR_BLACK, COLOR_CYAN);
	}
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	remember_sel(&u);

	while (!u.quit && !got_signal) {
		double now, wait;
		int ch;

		draw(&u);
		if (u.iterations > 0 && u.frames >= u.iterations)
			break;
		now = top_now_mono();
		wait = u.paused ? 1.0 : u.next - now;
		if (u.msg_until > now && u.msg_until - now < wait)
			wait = u.msg_until - now;
		timeout(wait <= 0 ? 0 : (int)(wait * 1000) + 1);
		ch = getch();
		if (ch != ERR)
			key(&u, ch);
		if (!u.paused && top_now_mono() >= u.next)
			refresh_data(&u);
	}
	endwin();
	delscreen(scr);
	top_snap_free(u.snap);
	return 0;
}
