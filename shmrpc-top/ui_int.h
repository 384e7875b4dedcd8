/*
 * ui_int.h - what the parts of the curses screen share (ui.c: the loop
 * and the keys; ui_main.c: the list; ui_detail.c: one channel;
 * ui_panels.c: help, setup, sort list, prompts).  Only these files
 * include curses.
 */
#ifndef TOP_UI_INT_H
#define TOP_UI_INT_H

#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>

#include "columns.h"
#include "config.h"
#include "keys.h"
#include "snapshot.h"

#define MIN_COLS 40
#define MIN_LINES 10
#define KEY_ESC 27

enum view { VIEW_MAIN, VIEW_DETAIL, VIEW_HELP };
enum { PAIR_LIVE = 1, PAIR_STALE, PAIR_ORPHAN, PAIR_INUSE, PAIR_UNKNOWN,
	PAIR_HEADER, PAIR_SORT, PAIR_KEY, PAIR_BAR, PAIR_SELECT };

/* Where a column of the list is on screen, for the mouse. */
struct ui_slot {
	enum top_col col;
	int x, w;
};

struct ui {
	struct top_opts opts;
	struct top_config cfg;
	const char *cfg_path;
	char filter[128];             /* the incremental filter */
	char collected[128];          /* the filter snap's loose objects
	                                 were collected with */
	struct top_snap *snap;
	size_t *view;                 /* rows shown, in order */
	size_t nview;
	double next;
	long long iterations, frames;
	int color, utf8, paused, quit;
	enum view view_mode, back;
	size_t sel, scroll;           /* selection, first row shown */
	int hscroll;                  /* 0: by priority; k: skip k columns */
	int hidden;                   /* columns that did not fit */
	char selname[256];            /* the selected channel, by name */
	char msg[1024];
	double msg_until;
	int help_top, detail_top;     /* scroll of help and detail */
	struct ui_slot lay[COL_COUNT]; /* the list's columns on screen */
	int nlay;
	int header_y, rows_y, rows_h;
};

/* ui.c */
void ui_message(struct ui *u, const char *text);
void ui_refresh_data(struct ui *u);
void ui_filter_widened(struct ui *u);
void ui_rebuild_view(struct ui *u);
void ui_draw(struct ui *u);
struct top_row *ui_selected(struct ui *u);
void ui_remember_sel(struct ui *u);
void ui_footer(struct ui *u, unsigned view_bit);
void ui_put(int y, int x, attr_t attr, const char *s);
void ui_put_line(int y, attr_t attr, const char *s);
int ui_state_pair(shmrpc_state st);
attr_t ui_header_attr(const struct ui *u);
void ui_sort_by(struct ui *u, enum top_col c, int toggle);
void ui_save_config(struct ui *u);

/* ui_main.c */
void ui_draw_main(struct ui *u);
void ui_mouse(struct ui *u);

/* ui_detail.c */
void ui_draw_detail(struct ui *u);

/* ui_panels.c */
void ui_draw_help(struct ui *u);
void ui_setup(struct ui *u);
void ui_sort_menu(struct ui *u);
void ui_filter(struct ui *u);
int ui_confirm(struct ui *u, const char *question);

#endif
