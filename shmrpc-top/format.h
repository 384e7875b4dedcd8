/*
 * format.h - words and numbers of shmrpc-top, and its batch output: plain
 * text (like top -b) here, JSON in json.c, Prometheus in prom.c.  No
 * curses.
 */
#ifndef TOP_FORMAT_H
#define TOP_FORMAT_H

#include <stdio.h>

#include "columns.h"
#include "snapshot.h"

enum top_format { FMT_TEXT, FMT_JSON, FMT_PROMETHEUS };

/* How a frame is written: which columns, which order. */
struct top_frame {
	enum top_format fmt;
	const struct top_colset *cols;  /* text: the columns shown */
	enum top_col sort;
	int reverse;
};

/* Cells.  blank is written where a value is not known (!ok, or < 0). */
void fmt_bytes(char *buf, size_t len, double v, const char *blank, int ok);
void fmt_rate(char *buf, size_t len, double v, const char *blank, int ok);
void fmt_count(char *buf, size_t len, double v, const char *blank, int ok);
void fmt_ns(char *buf, size_t len, double ns, const char *blank);
void fmt_secs(char *buf, size_t len, double s, const char *blank);

/* Width of the OBJECT column of the stale section (min 6, max 60). */
int fmt_obj_width(const struct top_snap *s);

/* The summary line, a stale-section header and row, each one line without
 * a newline, untrusted text made safe. */
void fmt_summary(char *buf, size_t len, const struct top_snap *s);
void fmt_obj_header(char *buf, size_t len, int namew);
void fmt_obj_row(char *buf, size_t len, const struct top_obj *o, int namew);

/* The totals cell of column c ("" where it has none). */
void fmt_total(enum top_col c, const struct top_snap *s, const char *blank,
    char *buf, size_t len);

/* One frame of batch output to f.  0, or -1 on a write error. */
int fmt_frame(FILE *f, const struct top_snap *s, const struct top_frame *fr);

/* json.c and prom.c: a frame in those formats (rows in view order). */
int fmt_json(FILE *f, const struct top_snap *s, const size_t *view,
    size_t n);
int fmt_prometheus(FILE *f, const struct top_snap *s, const size_t *view,
    size_t n);

#endif
