/*
 * config.h - shmrpc-top's settings and the file they are kept in,
 * $XDG_CONFIG_HOME/shmrpc/toprc (else ~/.config/shmrpc/toprc): the columns
 * and their order, the sort column and direction, the refresh interval.
 * The setup screen (F2) writes it; both modes read it.  No curses.
 */
#ifndef TOP_CONFIG_H
#define TOP_CONFIG_H

#include <stddef.h>

#include "columns.h"

struct top_config {
	struct top_colset cols;  /* NAME always first */
	enum top_col sort;
	int reverse;
	double delay;            /* seconds; 0: not set */
};

void top_config_default(struct top_config *c);

/* The settings file's path into buf: 0, or -1 when neither
 * XDG_CONFIG_HOME nor HOME is set (to an absolute path). */
int top_config_path(char *buf, size_t len);

/* Read the file at path into c (which holds the defaults): 0, also when
 * there is no file; -1 when it cannot be read, with why.  Lines it does
 * not know, and columns it does not know, are skipped. */
int top_config_load(struct top_config *c, const char *path, char *why,
    size_t len);

/* Write c to path atomically (a new file renamed over the old one),
 * making its directory: 0, or -1 with why. */
int top_config_save(const struct top_config *c, const char *path, char *why,
    size_t len);

/* Parse a list of column keys ("name,state,p99") into cs, NAME first even
 * when not named; 0, or -1 naming the first unknown key in why. */
int top_colset_parse(struct top_colset *cs, const char *list, char *why,
    size_t len);

#endif
