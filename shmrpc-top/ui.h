/*
 * ui.h - the interactive curses screen of shmrpc-top.
 */
#ifndef TOP_UI_H
#define TOP_UI_H

#include "snapshot.h"

struct ui_config {
	struct top_opts opts;
	double delay;          /* seconds between frames */
	long long iterations;  /* frames before quitting; 0: no limit */
	int color;             /* use colours */
};

/* Run until the user quits; returns the exit status. */
int ui_run(const struct ui_config *cfg);

#endif
