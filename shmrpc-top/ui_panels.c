/*
 * ui_panels.c - the screens over the list: help (F1, from the key and
 * column tables), setup (F2: which columns, in which order), the sort
 * list (F6), the incremental filter and the y/n question.
 */
#include "ui_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- help ---------------------------------------------------------------- */

static const char *const help_tail[] = {
	"",
	"Setup (F2): Up, Down choose a column; Space shows or hides it; [ and ]",
	"  (or F7, F8) move it left or right; Enter, Esc or F2 saves and leaves.",
	"Sort list (F6): Up, Down choose; Enter sorts by it; Esc leaves.",
	"Filter (F4, /): type to narrow the list; Backspace, ^U edit; Enter",
	"  keeps the filter, Esc drops it.",
	"",
	"States: LIVE    the owner process is alive",
	"        STALE   owner dead, nobody maps its objects: safe to reap (x)",
	"        ORPHAN  an object no registry names and nobody maps",
	"        IN-USE  mapped by a live process that is not its owner",
	"        RECENT  like ORPHAN but younger than the grace period",
	"        UNKNOWN cannot tell (permissions, odd file): never reaped",
	"",
	"Columns (F2 chooses them; toprc keeps the choice):",
	NULL,
};

/* Every line of the help, into lines[] (room for max); how many. */
static int help_lines(char (*lines)[160], int max)
{
	int n = 0;
	char names[64];

	snprintf(lines[n++], 160, "shmrpc-top: libshmrpc channels, their "
	    "traffic, and what is left behind.  Keys:");
	for (size_t i = 0; i < top_nkeys && n < max; i++) {
		top_key_names(&top_keys[i], names, sizeof(names));
		snprintf(lines[n++], 160, "  %-16s %s", names,
		    top_keys[i].help);
	}
	for (int i = 0; help_tail[i] != NULL && n < max; i++)
		snprintf(lines[n++], 160, "%s", help_tail[i]);
	for (int c = 0; c < COL_COUNT && n < max; c++)
		snprintf(lines[n++], 160, "  %-8s %-15s %s",
		    top_columns[c].header, top_columns[c].key,
		    top_columns[c].title);
	return n;
}

void ui_draw_help(struct ui *u)
{
	static char lines[128][160];
	int n = help_lines(lines, 128), room = LINES - 1;

	erase();
	if (u->help_top > n - room)
		u->help_top = n - room > 0 ? n - room : 0;
	for (int i = 0; i < room && u->help_top + i < n; i++)
		ui_put(i, 0, u->help_top + i == 0 ? A_BOLD : A_NORMAL,
		    lines[u->help_top + i]);
	ui_put_line(LINES - 1, A_REVERSE, n > room ? "Up, Down, PgUp, PgDn "
	    "scroll; any other key goes back." : "Any key goes back.");
}

/* ---- setup --------------------------------------------------------------- */

struct setup {
	enum top_col col[COL_COUNT];   /* shown ones first, in order */
	int on[COL_COUNT];
	int cur;
};

static void setup_init(struct setup *st, const struct top_colset *cs)
{
	int n = 0, seen[COL_COUNT] = { 0 };

	for (int i = 0; i < cs->n; i++) {
		st->col[n] = cs->col[i];
		st->on[n++] = 1;
		seen[cs->col[i]] = 1;
	}
	for (int c = 0; c < COL_COUNT; c++)
		if (!seen[c]) {
			st->col[n] = (enum top_col)c;
			st->on[n++] = 0;
		}
	st->cur = 1;
}

static void setup_draw(const struct setup *st)
{
	char line[256];
	int top = st->cur - (LINES - 4) + 1;

	erase();
	ui_put_line(0, A_BOLD, "Setup: the columns of the list, left to "
	    "right.  Space shows or hides, [ ] move, Enter saves.");
	if (top < 0)
		top = 0;
	for (int i = top, y = 2; i < COL_COUNT && y < LINES - 1; i++, y++) {
		snprintf(line, sizeof(line), " [%c] %-8s %-15s %s",
		    st->on[i] ? 'x' : ' ', top_columns[st->col[i]].header,
		    top_columns[st->col[i]].key, top_columns[st->col[i]].title);
		ui_put_line(y, i == st->cur ? A_REVERSE : A_NORMAL, line);
	}
	ui_put_line(LINES - 1, A_REVERSE, "Up/Down choose  Space show/hide  "
	    "[ ] or F7 F8 move  Enter/Esc/F2 save and leave");
	refresh();
}

/* Move the chosen column by d (NAME stays first). */
static void setup_move(struct setup *st, int d)
{
	int to = st->cur + d;
	enum top_col c;
	int on;

	if (st->cur == 0 || to < 1 || to >= COL_COUNT)
		return;
	c = st->col[to], on = st->on[to];
	st->col[to] = st->col[st->cur];
	st->on[to] = st->on[st->cur];
	st->col[st->cur] = c;
	st->on[st->cur] = on;
	st->cur = to;
}

/* One key; 0 when the screen is left. */
static int setup_key(struct setup *st, int ch)
{
	switch (ch) {
	case KEY_UP: case 'k': st->cur -= st->cur > 0; break;
	case KEY_DOWN: case 'j': st->cur += st->cur < COL_COUNT - 1; break;
	case KEY_HOME: case 'g': st->cur = 1; break;
	case KEY_END: case 'G': st->cur = COL_COUNT - 1; break;
	case ' ': if (st->cur > 0) st->on[st->cur] = !st->on[st->cur]; break;
	case '[': case KEY_F(7): setup_move(st, -1); break;
	case ']': case KEY_F(8): setup_move(st, 1); break;
	case '\n': case '\r': case KEY_ENTER: case KEY_ESC: case KEY_F(2):
	case KEY_F(10): case 'q':
		return 0;
	default: break;
	}
	return 1;
}

void ui_setup(struct ui *u)
{
	struct setup st;
	int ch;

	setup_init(&st, &u->cfg.cols);
	timeout(-1);
	do {
		setup_draw(&st);
		ch = getch();
	} while (setup_key(&st, ch));
	u->cfg.cols.n = 0;
	for (int i = 0; i < COL_COUNT; i++)
		if (st.on[i])
			u->cfg.cols.col[u->cfg.cols.n++] = st.col[i];
	u->hscroll = 0;
	ui_save_config(u);
	if (u->msg_until < top_now_mono())
		ui_message(u, "Columns saved.");
}

/* ---- sort list ----------------------------------------------------------- */

void ui_sort_menu(struct ui *u)
{
	int cur = (int)u->cfg.sort, ch, w = 34, top, room;
	char line[64];

	timeout(-1);
	for (;;) {
		ui_draw_main(u);
		ui_put(u->header_y, 0, A_BOLD | A_REVERSE,
		    " Sort by (Enter picks, Esc leaves) ");
		/* As many as fit below the header, scrolled to the choice. */
		room = LINES - 1 - (u->header_y + 1);
		top = cur >= room ? cur - room + 1 : 0;
		for (int i = top; i < COL_COUNT && i - top < room; i++) {
			snprintf(line, sizeof(line), " %-*.*s", w - 1, w - 1,
			    top_columns[i].title);
			ui_put(u->header_y + 1 + i - top, 0, i == cur ?
			    A_REVERSE : A_NORMAL, line);
		}
		refresh();
		ch = getch();
		if (ch == KEY_UP || ch == 'k')
			cur -= cur > 0;
		else if (ch == KEY_DOWN || ch == 'j')
			cur += cur < COL_COUNT - 1;
		else if (ch == KEY_HOME || ch == 'g')
			cur = 0;
		else if (ch == KEY_END || ch == 'G')
			cur = COL_COUNT - 1;
		else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER)
			break;
		else if (ch == KEY_ESC || ch == KEY_F(6) || ch == 'q')
			return;
	}
	ui_sort_by(u, (enum top_col)cur, 0);
	ui_save_config(u);
}

/* ---- filter -------------------------------------------------------------- */

/* Edit u->filter at the bottom line, the list following every key:
 * Enter keeps it, Esc puts the old one back. */
void ui_filter(struct ui *u)
{
	char old[sizeof(u->filter)];
	size_t n;
	int ch;

	snprintf(old, sizeof(old), "%s", u->filter);
	curs_set(1);
	for (;;) {
		ui_filter_widened(u);
		ui_rebuild_view(u);
		ui_draw_main(u);
		ui_put_line(LINES - 1, A_NORMAL, "");
		ui_put(LINES - 1, 0, A_BOLD, "Filter: ");
		ui_put(LINES - 1, 8, A_NORMAL, u->filter);
		refresh();
		timeout((int)(u->cfg.delay * 1000));
		ch = getch();
		n = strlen(u->filter);
		if (ch == ERR) {
			if (!u->paused)
				ui_refresh_data(u);
		} else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
			break;
		} else if (ch == KEY_ESC) {
			snprintf(u->filter, sizeof(u->filter), "%s", old);
			break;
		} else if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) &&
		    n > 0) {
			u->filter[n - 1] = '\0';
		} else if (ch == 21) { /* ^U */
			u->filter[0] = '\0';
		} else if (ch >= 32 && ch < 127 && n + 1 < sizeof(u->filter)) {
			u->filter[n] = (char)ch;
			u->filter[n + 1] = '\0';
		}
	}
	curs_set(0);
	u->scroll = 0;
	ui_filter_widened(u); /* Esc may have put a wider one back */
	ui_rebuild_view(u);
	ui_remember_sel(u);
}

int ui_confirm(struct ui *u, const char *question)
{
	int ch;

	(void)u;
	timeout(-1);
	ui_put_line(LINES - 1, A_BOLD | A_REVERSE, question);
	refresh();
	do
		ch = getch();
	while (ch == KEY_RESIZE);
	return ch == 'y' || ch == 'Y';
}
