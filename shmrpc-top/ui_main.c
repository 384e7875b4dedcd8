/*
 * ui_main.c - the list of channels: which columns fit, the rows, the
 * stale section, and the mouse on them.
 *
 * Columns: NAME always shows, at the left.  When the others do not all fit
 * the width, the screen shows those of the highest priority (columns.c)
 * in the configured order; Right then scrolls through all of them in
 * order, a column at a time, and Left back to the first view.
 */
#include "ui_int.h"

#include <stdio.h>
#include <string.h>

#include "format.h"

/* Columns that fit in w cells starting at config index from (1 or more),
 * in order; how many were laid out into u->lay from x. */
static int fit_in_order(struct ui *u, int from, int x, int w, int namew)
{
	const struct top_colset *cs = &u->cfg.cols;
	int n = 0;

	for (int i = from; i < cs->n; i++) {
		int cw = top_column_width(cs->col[i], namew);

		if (x + cw > w)
			break;
		u->lay[u->nlay++] = (struct ui_slot){ cs->col[i], x, cw };
		x += cw + 1;
		n++;
	}
	return n;
}

/* The columns of the highest priority that fit, shown in order. */
static int fit_by_priority(struct ui *u, int x, int w, int namew)
{
	const struct top_colset *cs = &u->cfg.cols;
	int take[COL_COUNT] = { 0 }, left = w - x, n = 0;

	for (int p = 1; p <= COL_COUNT; p++)
		for (int i = 1; i < cs->n; i++) {
			int cw = top_column_width(cs->col[i], namew);

			if (top_columns[cs->col[i]].priority != p ||
			    cw > left)
				continue;
			take[i] = 1;
			left -= cw + 1;
		}
	for (int i = 1; i < cs->n; i++) {
		int cw = top_column_width(cs->col[i], namew);

		if (!take[i])
			continue;
		u->lay[u->nlay++] = (struct ui_slot){ cs->col[i], x, cw };
		x += cw + 1;
		n++;
	}
	return n;
}

/* Lay the columns out for this width into u->lay; u->hidden says how many
 * did not fit. */
static void layout(struct ui *u, int namew)
{
	int x = 2, w = COLS, shown, rest = u->cfg.cols.n - 1;

	u->nlay = 0;
	u->lay[u->nlay++] = (struct ui_slot){ COL_NAME, x, namew };
	x += namew + 1;
	/* hscroll k >= 1: from the k-th column after NAME on. */
	if (u->hscroll > rest)
		u->hscroll = rest;
	if (u->hscroll == 0)
		shown = fit_by_priority(u, x, w, namew);
	else
		shown = fit_in_order(u, u->hscroll, x, w, namew);
	/* hidden: what Right can still bring in. */
	u->hidden = u->hscroll == 0 ? rest - shown
				    : rest - (u->hscroll - 1) - shown;
	if (u->hidden < 0)
		u->hidden = 0;
}

/* NAME's width: what the names need, but never more than a third of a
 * narrow screen. */
static int name_width(struct ui *u)
{
	int w = top_name_width(u->snap), cap = COLS / 3;

	if (cap < 8)
		cap = 8;
	return w > cap ? cap : w;
}

static void draw_header(struct ui *u, int namew)
{
	char cell[TOP_VIS_MAX + 32];
	attr_t h = ui_header_attr(u);

	ui_put_line(u->header_y, h, "");
	for (int i = 0; i < u->nlay; i++) {
		const struct ui_slot *l = &u->lay[i];
		int sorted = l->col == u->cfg.sort;

		top_column_header(l->col, namew, cell, sizeof(cell));
		/* The sort column stands out, with its direction. */
		ui_put(u->header_y, l->x, sorted ? (u->color ?
		    COLOR_PAIR(PAIR_SORT) | A_BOLD : A_REVERSE | A_BOLD) : h,
		    cell);
		if (sorted && l->x > 0)
			ui_put(u->header_y, l->x - 1, h,
			    u->cfg.reverse ? "^" : "v");
	}
	if (u->hscroll > 0)
		ui_put(u->header_y, 0, h, "<");
	if (u->hidden > 0)
		ui_put(u->header_y, COLS - 1, h, ">");
}

static void draw_row(struct ui *u, int y, const struct top_row *r, int sel,
    int namew)
{
	char cell[TOP_VIS_MAX + 32];
	attr_t a = sel ? (u->color ? COLOR_PAIR(PAIR_SELECT) : A_REVERSE)
		       : A_NORMAL;

	if (r->tagged)
		a |= A_BOLD;
	ui_put_line(y, a, "");
	ui_put(y, 0, a, sel ? (r->tagged ? ">*" : "> ") : r->tagged ? " *"
							 : "  ");
	for (int i = 0; i < u->nlay; i++) {
		const struct ui_slot *l = &u->lay[i];

		top_column_cell(l->col, r, namew, "", cell, sizeof(cell));
		ui_put(y, l->x, a, cell);
		if (l->col == COL_STATE && u->color && !sel)
			mvchgat(y, l->x, l->w, A_BOLD,
			    (short)ui_state_pair(r->ci->state), NULL);
	}
}

/* Lines 0 and 1: the summary, then rates, refresh, sort, filter, tags and
 * where the columns are scrolled. */
static void draw_top(struct ui *u)
{
	const struct top_snap *s = u->snap;
	char line[1024], a[16], b[16], c[16], filt[160], cols[48] = "";
	size_t ntag = 0;

	fmt_summary(line, sizeof(line), s);
	ui_put_line(0, A_BOLD, line);
	for (size_t i = 0; i < s->nrows; i++)
		ntag += s->rows[i].tagged != 0;
	fmt_rate(a, sizeof(a), s->tot.calls_s, "-", s->tot.has_rate);
	fmt_bytes(b, sizeof(b), s->tot.in_s, "-", s->tot.has_rate);
	fmt_bytes(c, sizeof(c), s->tot.out_s, "-", s->tot.has_rate);
	if (u->filter[0] != '\0')
		snprintf(filt, sizeof(filt), "\"%s\"", u->filter);
	else
		snprintf(filt, sizeof(filt), "none");
	if (u->hscroll > 0 || u->hidden > 0)
		snprintf(cols, sizeof(cols), "  columns: +%d (Left/Right)",
		    u->hidden + u->hscroll);
	snprintf(line, sizeof(line), "sort: %s%s  filter: %s  tagged: %zu  "
	    "refresh: %gs%s%s  calls/s: %s  in: %s/s  out: %s/s",
	    top_columns[u->cfg.sort].key, u->cfg.reverse ? " (reversed)" : "",
	    filt, ntag, u->cfg.delay, u->paused ? " [PAUSED]" : "", cols, a,
	    b, c);
	ui_put_line(1, A_NORMAL, line);
}

/* The totals line under the rows. */
static void draw_totals(struct ui *u, int y)
{
	char cell[64], t[64];

	ui_put_line(y, A_BOLD | A_UNDERLINE, "");
	for (int i = 0; i < u->nlay; i++) {
		const struct ui_slot *l = &u->lay[i];

		fmt_total(l->col, u->snap, "", t, sizeof(t));
		snprintf(cell, sizeof(cell), top_columns[l->col].left ||
		    l->col == COL_NAME ? "%-*.*s" : "%*.*s", l->w, l->w, t);
		ui_put(y, l->x, A_BOLD | A_UNDERLINE, cell);
	}
}

/* Whether the filter lets object o show (its name contains it). */
static int obj_shown(const struct ui *u, const struct top_obj *o)
{
	return u->filter[0] == '\0' || strstr(o->oi->name, u->filter) != NULL;
}

static size_t objs_shown(const struct ui *u, uint64_t *bytes)
{
	size_t n = 0;

	*bytes = 0;
	for (size_t i = 0; i < u->snap->nobjs; i++)
		if (obj_shown(u, &u->snap->objs[i])) {
			n++;
			*bytes += u->snap->objs[i].oi->size;
		}
	return n;
}

/* The stale section from line y, h lines: the objects the filter lets
 * show. */
static void draw_stale(struct ui *u, int y, int h)
{
	const struct top_snap *s = u->snap;
	char line[1024], sz[16];
	int w = fmt_obj_width(s), end = y + h;
	uint64_t bytes;
	size_t n = objs_shown(u, &bytes);

	fmt_bytes(sz, sizeof(sz), (double)bytes, "", 1);
	snprintf(line, sizeof(line), "Stale and orphan objects: %zu (%s) - "
	    "x reaps the selected stale channel", n, sz);
	ui_put_line(y++, A_BOLD, line);
	fmt_obj_header(line + 2, sizeof(line) - 2, w);
	line[0] = line[1] = ' ';
	ui_put_line(y++, ui_header_attr(u), line);
	for (size_t i = 0; i < s->nobjs && y < end; i++) {
		if (!obj_shown(u, &s->objs[i]))
			continue;
		fmt_obj_row(line + 2, sizeof(line) - 2, &s->objs[i], w);
		line[0] = line[1] = ' ';
		ui_put_line(y, A_NORMAL, line);
		if (u->color)
			mvchgat(y, 2 + w + 1, 7, A_BOLD,
			    (short)ui_state_pair(s->objs[i].oi->state), NULL);
		y++;
	}
}

/* Rows, totals and the stale section share the lines between the header
 * and the function bar. */
static int stale_height(const struct ui *u, int room)
{
	uint64_t bytes;
	size_t n = objs_shown(u, &bytes);
	int h;

	if (n == 0)
		return 0;
	h = (int)n + 2;
	return h > room / 2 ? room / 2 : h;
}

void ui_draw_main(struct ui *u)
{
	int namew = name_width(u), room, obj_h, y;

	erase();
	layout(u, namew);
	draw_top(u);
	u->header_y = 2;
	draw_header(u, namew);
	u->rows_y = 3;
	room = LINES - u->rows_y - 2; /* the totals and the function bar */
	obj_h = stale_height(u, room);
	u->rows_h = room - (obj_h > 0 ? obj_h + 1 : 0);
	if (u->rows_h < 1)
		u->rows_h = 1;
	if (u->sel < u->scroll)
		u->scroll = u->sel;
	if (u->sel >= u->scroll + (size_t)u->rows_h)
		u->scroll = u->sel - (size_t)u->rows_h + 1;
	if (u->nview == 0)
		ui_put(u->rows_y, 2, A_DIM, u->snap->nrows > 0
		    ? "(no channel matches the filter)"
		    : "(no channels registered: start a libshmrpc server)");
	y = u->rows_y;
	for (size_t i = u->scroll; i < u->nview && y < u->rows_y + u->rows_h;
	    i++, y++)
		draw_row(u, y, &u->snap->rows[u->view[i]], i == u->sel, namew);
	draw_totals(u, u->rows_y + u->rows_h);
	if (obj_h > 0)
		draw_stale(u, u->rows_y + u->rows_h + 2, obj_h);
	ui_footer(u, VIEW_BIT_MAIN);
}

/* A click: on a header cell, sort by that column (again: reverse); on a
 * row, select it; a double click opens its detail. */
void ui_mouse(struct ui *u)
{
	MEVENT ev;

	if (getmouse(&ev) != OK || u->view_mode != VIEW_MAIN)
		return;
	if (ev.y == u->header_y) {
		for (int i = 0; i < u->nlay; i++)
			if (ev.x >= u->lay[i].x &&
			    ev.x < u->lay[i].x + u->lay[i].w + 1) {
				ui_sort_by(u, u->lay[i].col, 1);
				ui_save_config(u);
			}
		return;
	}
	if (ev.y >= u->rows_y && ev.y < u->rows_y + u->rows_h &&
	    u->scroll + (size_t)(ev.y - u->rows_y) < u->nview) {
		u->sel = u->scroll + (size_t)(ev.y - u->rows_y);
		ui_remember_sel(u);
	}
}
