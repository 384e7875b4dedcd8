/*
 * columns.h - the one table of shmrpc-top's columns, as htop keeps its
 * fields: for each, the header and cell on the screen and in -b text, how
 * it sorts, its member of the -o json output and its part of the
 * Prometheus output.  Adding a column is adding a line to the table in
 * columns.c; the setup screen (F2), the sort list (F6), -s, toprc and the
 * three output formats follow.  No curses here.
 */
#ifndef TOP_COLUMNS_H
#define TOP_COLUMNS_H

#include <stddef.h>

#include <jansson.h>

#include "snapshot.h"

enum top_col {
	COL_NAME, COL_TRANSPORT, COL_PID, COL_COMMAND, COL_USER, COL_CLIENTS,
	COL_STATE, COL_CALLS_S, COL_IN_S, COL_OUT_S, COL_P50, COL_P99,
	COL_ERRORS, COL_TIMEOUTS, COL_IDLE, COL_MEM, COL_CALLS,
	COL_REQ_BYTES, COL_RESP_BYTES, COL_INFLIGHT, COL_SLOTS, COL_UID,
	COL_AGE, COL_BUFFER, COL_METHODS, COL_PIDNS, COL_CGROUP, COL_LOCK,
	COL_ACCESS, COL_COUNT
};

/* Where a column goes in the Prometheus output. */
enum top_prom {
	PROM_NONE,      /* nowhere (a rate: Prometheus computes those) */
	PROM_IDENTITY,  /* the channel="..." label of every sample */
	PROM_LABEL,     /* a label of shmrpc_channel_info */
	PROM_GAUGE,     /* a family of its own */
	PROM_COUNTER,
};

struct top_column {
	const char *key;       /* its name in toprc, -s, F2 and F6 */
	const char *header;    /* column header on screen and in -b text */
	const char *title;     /* what it shows, in words */
	int width;             /* cell width (NAME: fitted to the names) */
	int priority;          /* 1 first: which fit when not all do */
	int left;              /* left-aligned */
	int shown;             /* in the default set */
	int ascending;         /* sorts smallest first (text, pids) */
	/* The cell; blank where the value is not known. */
	void (*cell)(const struct top_row *r, char *buf, size_t len,
	    const char *blank);
	/* Sort key: a number (NAN: not known, sorts last) or, when NULL,
	 * the text of text(). */
	double (*num)(const struct top_row *r);
	const char *(*text)(const struct top_row *r);
	/* -o json: member json_key of each channel, value json() (null
	 * where not known).  Keys and units follow shmrpc-registry(5),
	 * JSON OUTPUT. */
	const char *json_key;
	json_t *(*json)(const struct top_row *r);
	/* Prometheus: where it goes; a label's name or a family's metric
	 * name, its help, and its value (0: no sample for this row). */
	enum top_prom prom;
	const char *prom_name;
	const char *prom_help;
	int (*prom_value)(const struct top_row *r, double *v);
};

extern const struct top_column top_columns[COL_COUNT];

/* The column of key (exact), or -1. */
int top_column_find(const char *key);

/* A set of columns to show, in order. */
struct top_colset {
	int n;
	enum top_col col[COL_COUNT];
};

/* The default columns. */
void top_colset_default(struct top_colset *cs);

/* Width of the NAME column that fits every row's name (min 4, max 40). */
int top_name_width(const struct top_snap *s);

/* Width of column c, with the NAME width namew. */
int top_column_width(enum top_col c, int namew);

/* Cell of column c for row r, padded or cut to its width. */
void top_column_cell(enum top_col c, const struct top_row *r, int namew,
    const char *blank, char *buf, size_t len);

/* Header of column c, aligned and padded to its width. */
void top_column_header(enum top_col c, int namew, char *buf, size_t len);

/* Order the rows of s matching filter f (NULL: all) by column key
 * (numbers: biggest first, unless the column sorts ascending; names
 * naturally, ch2 before ch10), reversed if reverse; ties by name.  Their
 * indexes in out[] (room for s->nrows); how many. */
size_t top_view(const struct top_snap *s, const char *f, enum top_col key,
    int reverse, size_t *out);

#endif
