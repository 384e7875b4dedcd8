/*
 * ui.c - the interactive screen of shmrpc-top: the terminal, the loop,
 * and what each key does (the keys themselves are in keys.c).  Draws
 * snapshots (snapshot.c) with the cells of the column table.
 */
#include "ui_int.h"

#include <err.h>
#include <langinfo.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <term.h>
#include <unistd.h>
#include <wchar.h>

#include "tool.h"
#include "ui.h"

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

static const double delays[] = { 0.2, 0.5, 1, 2, 3, 5, 10, 30, 60 };

/* ---- helpers ------------------------------------------------------------ */

void ui_message(struct ui *u, const char *text)
{
	snprintf(u->msg, sizeof(u->msg), "%s", text);
	u->msg_until = top_now_mono() + 5;
}

/* s at (y, x), cut at the right edge.  Text is ASCII (untrusted text is
 * made safe first) but for our own bars and blocks, which are UTF-8: the
 * cut counts characters, not bytes. */
void ui_put(int y, int x, attr_t attr, const char *s)
{
	wchar_t w[1024];
	size_t n;

	if (y < 0 || y >= LINES || x >= COLS || x < 0)
		return;
	attron(attr);
	if (s[strspn(s, " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQ"
	    "RSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~")] == '\0' ||
	    (n = mbstowcs(w, s, sizeof(w) / sizeof(w[0]) - 1)) ==
	    (size_t)-1) {
		mvaddnstr(y, x, s, COLS - x);
	} else {
		w[n] = L'\0';
		mvaddnwstr(y, x, w, COLS - x);
	}
	attroff(attr);
}

void ui_put_line(int y, attr_t attr, const char *s)
{
	if (y < 0 || y >= LINES)
		return;
	attron(attr);
	mvhline(y, 0, ' ', COLS);
	mvaddnstr(y, 0, s, COLS);
	attroff(attr);
}

int ui_state_pair(shmrpc_state st)
{
	switch (st) {
	case SHMRPC_STATE_LIVE: return PAIR_LIVE;
	case SHMRPC_STATE_STALE: return PAIR_STALE;
	case SHMRPC_STATE_ORPHAN: return PAIR_ORPHAN;
	case SHMRPC_STATE_INUSE: return PAIR_INUSE;
	default: return PAIR_UNKNOWN;
	}
}

/* Without colours the header is bold and underlined, so that the selected
 * row, in reverse video, never looks like a second header. */
attr_t ui_header_attr(const struct ui *u)
{
	return u->color ? COLOR_PAIR(PAIR_HEADER) | A_BOLD
			: A_BOLD | A_UNDERLINE;
}

struct top_row *ui_selected(struct ui *u)
{
	if (u->snap == NULL || u->sel >= u->nview)
		return NULL;
	return &u->snap->rows[u->view[u->sel]];
}

void ui_remember_sel(struct ui *u)
{
	struct top_row *r = ui_selected(u);

	snprintf(u->selname, sizeof(u->selname), "%s", r ? r->ci->name : "");
}

/* ---- data --------------------------------------------------------------- */

/* The rows to show (filter, sort) and the selection kept on the same
 * channel. */
void ui_rebuild_view(struct ui *u)
{
	size_t *v;

	if (u->snap == NULL)
		return;
	v = realloc(u->view, (u->snap->nrows + 1) * sizeof(*v));
	if (v == NULL)
		return;
	u->view = v;
	u->nview = top_view(u->snap, u->filter, u->cfg.sort, u->cfg.reverse,
	    u->view);
	for (size_t i = 0; u->selname[0] != '\0' && i < u->nview; i++)
		if (strcmp(u->snap->rows[u->view[i]].ci->name,
			u->selname) == 0) {
			u->sel = i;
			break;
		}
	if (u->nview == 0)
		u->sel = 0;
	else if (u->sel >= u->nview)
		u->sel = u->nview - 1;
}

void ui_refresh_data(struct ui *u)
{
	struct top_snap *s;
	int rc;

	rc = top_collect(&s, u->snap, &u->opts);
	if (rc < 0) {
		char m[128];
		snprintf(m, sizeof(m), "cannot inspect channels: %s",
		    shmrpc_strerror(rc));
		ui_message(u, m);
	} else {
		top_snap_free(u->snap);
		u->snap = s;
		snprintf(u->collected, sizeof(u->collected), "%s", u->filter);
	}
	u->frames++;
	u->next = top_now_mono() + u->cfg.delay;
	if (u->snap == NULL)
		return;
	if (u->view_mode == VIEW_DETAIL ||
	    (u->view_mode == VIEW_HELP && u->back == VIEW_DETAIL))
		top_fetch_mappers(u->snap, u->selname, &u->opts);
	ui_rebuild_view(u);
}

/* The snapshot has the loose objects its filter let in (the others were
 * not looked at: see top_opts.object_filter).  A filter that contains
 * that one shows a part of them; any other needs a new look at them. */
void ui_filter_widened(struct ui *u)
{
	char m[128];
	int rc;

	if (u->snap == NULL || strstr(u->filter, u->collected) != NULL)
		return;
	rc = top_recollect_loose(u->snap, &u->opts);
	if (rc < 0) {
		snprintf(m, sizeof(m), "cannot inspect objects: %s",
		    shmrpc_strerror(rc));
		ui_message(u, m);
		return;
	}
	snprintf(u->collected, sizeof(u->collected), "%s", u->filter);
}

void ui_sort_by(struct ui *u, enum top_col c, int toggle)
{
	char m[128];

	if (toggle && u->cfg.sort == c)
		u->cfg.reverse = !u->cfg.reverse;
	else
		u->cfg.sort = c;
	ui_rebuild_view(u);
	snprintf(m, sizeof(m), "Sorted by %s%s.", top_columns[c].key,
	    u->cfg.reverse ? ", reversed" : "");
	ui_message(u, m);
}

void ui_save_config(struct ui *u)
{
	char why[512];

	if (u->cfg_path == NULL) {
		ui_message(u, "Settings not saved: neither XDG_CONFIG_HOME nor "
		    "HOME is set.");
		return;
	}
	if (top_config_save(&u->cfg, u->cfg_path, why, sizeof(why)) < 0)
		ui_message(u, why);
}

/* ---- the function bar and the status line -------------------------------- */

/* A status message wider than the screen is wrapped over as many lines
 * as it takes (up to a third of the screen), above where the function bar
 * was: it can always be read whole.  Returns the first line it took. */
static int status_lines(struct ui *u)
{
	int len = (int)strlen(u->msg), n = (len + COLS - 1) / COLS;

	if (n > LINES / 3)
		n = LINES / 3 > 0 ? LINES / 3 : 1;
	for (int i = 0; i < n; i++)
		ui_put_line(LINES - n + i, A_BOLD, u->msg + i * COLS);
	return LINES - n;
}

void ui_footer(struct ui *u, unsigned view_bit)
{
	int x = 0, y = LINES - 1;

	move(y, 0);
	clrtoeol();
	if (u->msg[0] != '\0' && top_now_mono() < u->msg_until) {
		status_lines(u);
		return;
	}
	for (size_t i = 0; i < top_nkeys && x < COLS; i++) {
		const struct top_key *k = &top_keys[i];

		if (k->bar_key == NULL || (k->views & view_bit) == 0)
			continue;
		ui_put(y, x, u->color ? COLOR_PAIR(PAIR_KEY) : A_NORMAL,
		    k->bar_key);
		x += (int)strlen(k->bar_key);
		ui_put(y, x, u->color ? COLOR_PAIR(PAIR_BAR) : A_REVERSE,
		    k->bar_word);
		x += (int)strlen(k->bar_word) + 1;
	}
}

static void too_small(void)
{
	char m[160];
	int len, y;

	erase();
	snprintf(m, sizeof(m), "Terminal too small (%dx%d): shmrpc-top needs "
	    "%dx%d.  q quits.", COLS, LINES, MIN_COLS, MIN_LINES);
	len = (int)strlen(m);
	for (y = 0; y * COLS < len && y < LINES; y++)
		mvaddnstr(y, 0, m + y * COLS, COLS);
}

void ui_draw(struct ui *u)
{
	if (COLS < MIN_COLS || LINES < MIN_LINES)
		too_small();
	else if (u->view_mode == VIEW_HELP)
		ui_draw_help(u);
	else if (u->view_mode == VIEW_DETAIL)
		ui_draw_detail(u);
	else
		ui_draw_main(u);
	refresh();
}

/* ---- reaping ------------------------------------------------------------ */

/* The STALE channels to reap: the tagged ones, else the selected one.
 * Their names into names[] (at most max); how many; *skipped: tagged
 * channels that are not STALE.  0 and a message when there are none. */
static size_t reap_targets(struct ui *u, const char **names, size_t max,
    size_t *skipped)
{
	struct top_row *r;
	char m[512];
	size_t n = 0;

	*skipped = 0;
	for (size_t i = 0; i < u->snap->nrows && n < max; i++) {
		r = &u->snap->rows[i];
		if (r->tagged && r->ci->state == SHMRPC_STATE_STALE)
			names[n++] = r->ci->name;
		else if (r->tagged)
			(*skipped)++;
	}
	if (n > 0 || *skipped > 0) {
		if (n == 0)
			ui_message(u, "None of the tagged channels is STALE: "
			    "nothing to reap.");
		return n;
	}
	r = u->view_mode == VIEW_DETAIL ? top_find(u->snap, u->selname)
					 : ui_selected(u);
	if (r == NULL) {
		ui_message(u, "No channel selected.");
		return 0;
	}
	if (r->ci->state != SHMRPC_STATE_STALE) {
		snprintf(m, sizeof(m), "%s is %s: only STALE channels can be "
		    "reaped.", r->name_vis, top_channel_state_word(r->ci));
		ui_message(u, m);
		return 0;
	}
	names[0] = r->ci->name;
	return 1;
}

static void reap(struct ui *u)
{
	const char *names[64];
	char q[512], m[1024], last[TOP_MSG_MAX] = "", first[TOP_VIS_MAX];
	size_t n, skipped, ok = 0;

	if (u->snap == NULL || (n = reap_targets(u, names, 64, &skipped)) == 0)
		return;
	snprintf(q, sizeof(q), "Reap %zu stale channel%s (%s%s)%s? [y/N] ", n,
	    n == 1 ? "" : "s", tool_vis(names[0], first, sizeof(first)),
	    n > 1 ? ", ..." : "", skipped ? ", skipping tagged channels that "
	    "are not STALE" : "");
	if (!ui_confirm(u, q)) {
		ui_message(u, "Reap cancelled.");
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (top_reap(names[i], &u->opts, last, sizeof(last)) == 0)
			ok++;
	snprintf(m, sizeof(m), "Reaped %zu of %zu: %s", ok, n, last);
	for (size_t i = 0; i < u->snap->nrows; i++)
		u->snap->rows[i].tagged = 0;
	ui_refresh_data(u);
	ui_message(u, m);
}

/* ---- actions ------------------------------------------------------------- */

/* Rows a page moves. */
static long page(const struct ui *u)
{
	return u->rows_h > 1 ? u->rows_h - 1 : 1;
}

static void move_sel(struct ui *u, long d)
{
	long n = (long)u->nview, s = (long)u->sel + d;

	if (u->view_mode == VIEW_DETAIL) {
		long t = u->detail_top + d;
		u->detail_top = t < 0 ? 0 : (int)(t > 100000 ? 100000 : t);
		return;
	}
	if (n == 0)
		return;
	u->sel = (size_t)(s < 0 ? 0 : s >= n ? n - 1 : s);
	ui_remember_sel(u);
}

static void act_up(struct ui *u) { move_sel(u, -1); }
static void act_down(struct ui *u) { move_sel(u, 1); }
static void act_pgup(struct ui *u) { move_sel(u, -page(u)); }
static void act_pgdn(struct ui *u) { move_sel(u, page(u)); }
static void act_home(struct ui *u) { move_sel(u, -(1L << 30)); }
static void act_end(struct ui *u) { move_sel(u, 1L << 30); }
static void act_quit(struct ui *u) { u->quit = 1; }
static void act_redraw(struct ui *u) { (void)u; clearok(curscr, TRUE); }
static void act_reap(struct ui *u) { reap(u); }
static void act_setup(struct ui *u) { ui_setup(u); }
static void act_sort_menu(struct ui *u) { ui_sort_menu(u); }
static void act_filter(struct ui *u) { ui_filter(u); }
static void act_mouse(struct ui *u) { ui_mouse(u); }

static void act_back(struct ui *u)
{
	u->view_mode = VIEW_MAIN;
}

static void act_left(struct ui *u)
{
	if (u->view_mode == VIEW_DETAIL)
		act_back(u);
	else if (u->hscroll > 0)
		u->hscroll--;
}

static void act_right(struct ui *u)
{
	/* Scrolled until the last column shows: no further. */
	if (u->hidden > 0)
		u->hscroll++;
}

static void act_detail(struct ui *u)
{
	if (ui_selected(u) == NULL)
		return;
	ui_remember_sel(u);
	u->view_mode = VIEW_DETAIL;
	u->detail_top = 0;
	/* The frame's snapshot has no mappers of live channels; the detail
	 * view lists them. */
	top_fetch_mappers(u->snap, u->selname, &u->opts);
}

static void act_tag(struct ui *u)
{
	struct top_row *r = ui_selected(u);

	if (r != NULL) {
		r->tagged = !r->tagged;
		move_sel(u, 1);
	}
}

static void act_untag_all(struct ui *u)
{
	for (size_t i = 0; u->snap != NULL && i < u->snap->nrows; i++)
		u->snap->rows[i].tagged = 0;
	ui_message(u, "Untagged every channel.");
}

/* The shown column next to the sort column (d -1: left, 1: right). */
static void sort_step(struct ui *u, int d)
{
	int at = 0, n = u->cfg.cols.n;

	for (int i = 0; i < n; i++)
		if (u->cfg.cols.col[i] == u->cfg.sort)
			at = i;
	at = (at + d + n) % n;
	ui_sort_by(u, u->cfg.cols.col[at], 0);
	ui_save_config(u);
}

static void act_sort_prev(struct ui *u) { sort_step(u, -1); }
static void act_sort_next(struct ui *u) { sort_step(u, 1); }

static void act_reverse(struct ui *u)
{
	ui_sort_by(u, u->cfg.sort, 1);
	ui_save_config(u);
}

static void act_pause(struct ui *u)
{
	u->paused = !u->paused;
	if (!u->paused)
		ui_refresh_data(u);
}

static void step_delay(struct ui *u, int d)
{
	size_t i = 0, n = sizeof(delays) / sizeof(delays[0]);

	while (i < n - 1 && delays[i] < u->cfg.delay)
		i++;
	if (d > 0)
		i = i + 1 < n ? i + 1 : i;
	else
		i = i > 0 ? i - 1 : 0;
	u->cfg.delay = delays[i];
	u->next = top_now_mono() + u->cfg.delay;
	ui_save_config(u);
}

static void act_slower(struct ui *u) { step_delay(u, 1); }
static void act_faster(struct ui *u) { step_delay(u, -1); }

static void act_help(struct ui *u)
{
	u->back = u->view_mode;
	u->view_mode = VIEW_HELP;
	u->help_top = 0;
}

static void (*const actions[])(struct ui *) = {
	[ACT_UP] = act_up, [ACT_DOWN] = act_down, [ACT_PGUP] = act_pgup,
	[ACT_PGDN] = act_pgdn, [ACT_HOME] = act_home, [ACT_END] = act_end,
	[ACT_LEFT] = act_left, [ACT_RIGHT] = act_right,
	[ACT_DETAIL] = act_detail, [ACT_BACK] = act_back, [ACT_TAG] = act_tag,
	[ACT_UNTAG_ALL] = act_untag_all, [ACT_SORT_MENU] = act_sort_menu,
	[ACT_SORT_PREV] = act_sort_prev, [ACT_SORT_NEXT] = act_sort_next,
	[ACT_REVERSE] = act_reverse, [ACT_FILTER] = act_filter,
	[ACT_SETUP] = act_setup, [ACT_REAP] = act_reap,
	[ACT_PAUSE] = act_pause, [ACT_SLOWER] = act_slower,
	[ACT_FASTER] = act_faster, [ACT_HELP] = act_help,
	[ACT_REDRAW] = act_redraw, [ACT_MOUSE] = act_mouse,
	[ACT_QUIT] = act_quit,
};

/* ---- keys --------------------------------------------------------------- */

/* The curses codes of key name (as keys.c and the man page write it). */
static int key_codes(const char *name, int *codes)
{
	static const struct { const char *name; int code; } named[] = {
		{ "Up", KEY_UP }, { "Down", KEY_DOWN }, { "Left", KEY_LEFT },
		{ "Right", KEY_RIGHT }, { "PgUp", KEY_PPAGE },
		{ "PgDn", KEY_NPAGE }, { "Home", KEY_HOME }, { "End", KEY_END },
		{ "Esc", KEY_ESC }, { "Space", ' ' }, { "^L", 12 },
		{ "Mouse", KEY_MOUSE },
	};

	if (strcmp(name, "Enter") == 0) {
		codes[0] = '\n';
		codes[1] = '\r';
		codes[2] = KEY_ENTER;
		return 3;
	}
	if (name[0] == 'F' && name[1] >= '1' && name[1] <= '9') {
		codes[0] = KEY_F(atoi(name + 1));
		return 1;
	}
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (strcmp(name, named[i].name) == 0) {
			codes[0] = named[i].code;
			return 1;
		}
	codes[0] = (unsigned char)name[0];
	return name[1] == '\0';
}

static const struct top_key *key_for(int ch, unsigned view_bit)
{
	for (size_t i = 0; i < top_nkeys; i++) {
		const struct top_key *k = &top_keys[i];

		if ((k->views & view_bit) == 0)
			continue;
		for (int j = 0; j < TOP_KEY_NAMES && k->names[j] != NULL;
		    j++) {
			int codes[3], n = key_codes(k->names[j], codes);

			for (int c = 0; c < n; c++)
				if (codes[c] == ch)
					return k;
		}
	}
	return NULL;
}

/* The help screen scrolls with the keys that move; any other key leaves
 * it. */
static void help_key(struct ui *u, int ch)
{
	switch (ch) {
	case KEY_UP: case 'k': u->help_top--; break;
	case KEY_DOWN: case 'j': u->help_top++; break;
	case KEY_PPAGE: u->help_top -= LINES - 2; break;
	case KEY_NPAGE: case ' ': u->help_top += LINES - 2; break;
	case KEY_HOME: u->help_top = 0; break;
	case KEY_RESIZE: case ERR: break;
	default: u->view_mode = u->back; break;
	}
	if (u->help_top < 0)
		u->help_top = 0;
}

static void key(struct ui *u, int ch)
{
	const struct top_key *k;

	if (u->view_mode == VIEW_HELP) {
		help_key(u, ch);
		return;
	}
	k = key_for(ch, u->view_mode == VIEW_DETAIL ? VIEW_BIT_DETAIL
						    : VIEW_BIT_MAIN);
	if (k != NULL)
		actions[k->action](u);
}

/* ---- the terminal and the loop ------------------------------------------- */

void ui_check_terminal(void)
{
	const char *term = getenv("TERM");
	char *cup;
	int erret = 0;

	if (setupterm(NULL, STDOUT_FILENO, &erret) != OK)
		errx(2, "cannot use the terminal (TERM=%s): unknown to "
		    "terminfo; use -b for batch output", term ? term : "");
	cup = tigetstr("cup");
	if (cup == NULL || cup == (char *)-1) {
		del_curterm(cur_term);
		errx(2, "this terminal (TERM=%s) cannot move the cursor, "
		    "which the screen needs; use -b for batch output",
		    term ? term : "");
	}
	del_curterm(cur_term);
}

static void init_colors(struct ui *u)
{
	if (!u->color)
		return;
	start_color();
	use_default_colors();
	init_pair(PAIR_LIVE, COLOR_GREEN, -1);
	init_pair(PAIR_STALE, COLOR_RED, -1);
	init_pair(PAIR_ORPHAN, COLOR_MAGENTA, -1);
	init_pair(PAIR_INUSE, COLOR_YELLOW, -1);
	init_pair(PAIR_UNKNOWN, COLOR_CYAN, -1);
	init_pair(PAIR_HEADER, COLOR_BLACK, COLOR_GREEN);
	init_pair(PAIR_SORT, COLOR_BLACK, COLOR_CYAN);
	init_pair(PAIR_KEY, COLOR_WHITE, COLOR_BLACK);
	init_pair(PAIR_BAR, COLOR_BLACK, COLOR_CYAN);
	init_pair(PAIR_SELECT, COLOR_BLACK, COLOR_CYAN);
}

static SCREEN *start_screen(struct ui *u, int want_color)
{
	SCREEN *scr = newterm(NULL, stdout, stdin);

	if (scr == NULL)
		errx(2, "cannot use the terminal (TERM=%s); use -b for batch "
		    "output", getenv("TERM") ? getenv("TERM") : "");
	set_term(scr);
	u->color = want_color && has_colors();
	init_colors(u);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_DOUBLE_CLICKED,
	    NULL);
	mouseinterval(0);
	return scr;
}

static void ui_init(struct ui *u, const struct ui_config *cfg)
{
	struct sigaction sa;
	const char *cs;

	memset(u, 0, sizeof(*u));
	u->opts = cfg->opts;
	if (cfg->opts.filter != NULL)
		snprintf(u->filter, sizeof(u->filter), "%s", cfg->opts.filter);
	/* Every channel is collected, the screen filters them as the user
	 * types; loose objects only as the filter lets them show (each one
	 * shown costs a scan of every process for its mappers). */
	u->opts.filter = NULL;
	u->opts.object_filter = u->filter;
	u->cfg = cfg->top;
	if (u->cfg.delay <= 0)
		u->cfg.delay = 1;
	u->cfg_path = cfg->cfg_path;
	u->iterations = cfg->iterations;
	cs = nl_langinfo(CODESET);
	u->utf8 = cs != NULL && strcmp(cs, "UTF-8") == 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static void loop(struct ui *u)
{
	while (!u->quit && !got_signal) {
		double now, wait;
		int ch;

		ui_draw(u);
		if (u->iterations > 0 && u->frames >= u->iterations)
			break;
		now = top_now_mono();
		wait = u->paused ? 1.0 : u->next - now;
		if (u->msg_until > now && u->msg_until - now < wait)
			wait = u->msg_until - now;
		timeout(wait <= 0 ? 0 : (int)(wait * 1000) + 1);
		ch = getch();
		if (ch != ERR)
			key(u, ch);
		if (!u->paused && top_now_mono() >= u->next)
			ui_refresh_data(u);
	}
}

int ui_run(const struct ui_config *cfg)
{
	struct ui u;
	SCREEN *scr;

	ui_init(&u, cfg);
	ui_refresh_data(&u);
	if (u.snap == NULL)
		errx(1, "%s", u.msg);
	scr = start_screen(&u, cfg->color);
	ui_remember_sel(&u);
	loop(&u);
	endwin();
	delscreen(scr);
	top_snap_free(u.snap);
	free(u.view);
	return 0;
}
