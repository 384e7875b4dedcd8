/*
 * ui.h - the interactive curses screen of shmrpc-top.
 */
#ifndef TOP_UI_H
#define TOP_UI_H

#include "config.h"
#include "snapshot.h"

struct ui_config {
	struct top_opts opts;   /* opts.filter: the filter to start with */
	struct top_config top;  /* columns, sort, delay (toprc, options) */
	const char *cfg_path;   /* where F2 saves them, or NULL */
	long long iterations;   /* frames before quitting; 0: no limit */
	int color;              /* use colours */
};

/* Refuse a terminal that cannot address the cursor (TERM=dumb): exits
 * with a message that says to use -b.  Call before ui_run(). */
void ui_check_terminal(void);

/* Run until the user quits; returns the exit status. */
int ui_run(const struct ui_config *cfg);

#endif
