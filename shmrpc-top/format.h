/*
 * format.h - words and numbers of shmrpc-top, and the batch output formats
 * (text, json, prometheus).  No curses.
 */
#ifndef TOP_FORMAT_H
#define TOP_FORMAT_H

#include <stdio.h>

#include "snapshot.h"

enum top_format { FMT_TEXT, FMT_JSON, FMT_PROMETHEUS };

/* Cells.  blank is written where a value is not known (yet). */
void fmt_bytes(char *buf, size_t len, double v, const char *blank, int ok);
void fmt_rate(char *buf, size_t len, double v, const char *blank, int ok);
void fmt_ns(char *buf, size_t len, double ns, const char *blank);
void fmt_secs(char *buf, size_t len, double s, const char *blank);

/* Width of the NAME column that fits every row (min 4, max 40), and of
 * the OBJECT column of the stale section (min 6, max 60). */
int fmt_name_width(const struct top_snap *s);
int fmt_obj_width(const struct top_snap *s);

/* The column header, a channel's row, the totals line, a stale-section
 * header and row, each one line without a newline. */
void fmt_header(char *buf, size_t len, int namew);
void fmt_row(char *buf, size_t len, const struct top_row *r, int namew,
    const char *blank);
void fmt_totals(char *buf, size_t len, const struct top_snap *s, int namew,
    const char *blank);
void fmt_summary(char *buf, size_t len, const struct top_snap *s);
void fmt_obj_header(char *buf, size_t len, int namew);
void fmt_obj_row(char *buf, size_t len, const struct top_obj *o, int namew);

/* One frame of batch output to f.  0, or -1 on a write error. */
int fmt_frame(FILE *f, const struct top_snap *s, enum top_format fmt);

#endif
