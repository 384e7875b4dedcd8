/*
 * report.h - what shmrpc-clean prints: the --list table, one line per
 * reaped object, errors and the summary, as text or as JSON.  No
 * decisions here: the library decides (shmrpc_reap_all()), this file only
 * says what it was told.
 */
#ifndef SHMRPC_CLEAN_REPORT_H
#define SHMRPC_CLEAN_REPORT_H

#include <shmrpc.h>

struct report_opts {
	int json;     /* -j */
	int verbose;  /* -v: also what was left alone, and why */
	int quiet;    /* -q: errors only */
	int dry_run;  /* -n: "would reap" */
};

/* --list: every channel and loose object of the snapshot. */
void report_list(const shmrpc_inspection *s, const struct report_opts *ro);

/* Start a reaping run's report; nothing is printed until report_end()
 * in JSON mode, lines are printed as they come in text mode. */
void report_begin(const struct report_opts *ro);

/* One object reaped (or, dry run, that would be): its name, channel,
 * size and the state and reason that made it reapable. */
void report_reaped(const char *name, const char *channel, uint64_t size,
    shmrpc_state state, const char *reason);

/* Something that should have gone but could not: text names the object
 * and the reason. */
void report_error(const char *name, const char *text);

/* Something left alone on purpose (live, in use, recent, unknown). */
void report_left(const char *name, const char *channel, shmrpc_state state,
    const char *reason);

/* One decision of a reap (shmrpc_reap_all()'s callback): a line per
 * object removed or left (left: with -v), an error for a failure. */
void report_event(const shmrpc_reap_event *ev);

/* Errors reported so far. */
unsigned long report_errors(void);

/* A warning from the snapshot (e.g. a damaged registry set aside). */
void report_warning(const char *text);

/* Summary (text) or the whole document (JSON). */
void report_end(void);

#endif
