/*
 * report.h - peer-bench: the table, results.json rows, plot data and the
 * target ratios (layer: bench).
 */
#ifndef PEER_BENCH_REPORT_H
#define PEER_BENCH_REPORT_H

#include <stdio.h>

#include <jansson.h>

#include "harness.h"

void report_header(FILE *f);
void report_row(FILE *f, const struct row_result *r);

/* The row as results.json has it (a new reference). */
json_t *report_row_json(const struct row_result *r);

/* Write the data files of the two plots into dir; their keys (file names
 * lat-KEY.dat, tput-KEY.dat) go, space-separated, to lat_keys and
 * tput_keys.  0 or -1 (warned). */
int report_plot_data(const char *dir, const struct row_result *rs, size_t n,
    char *lat_keys, size_t lat_len, char *tput_keys, size_t tput_len);

/* Print the ratios issue 11 asks for, each with pass / MISS / skipped.
 * Returns the number missed. */
int report_targets(FILE *f, const struct row_result *rs, size_t n);

#endif
