/*
 * snapshot.h - what shmrpc-top shows, collected through the library's
 * inspection and statistics API (shmrpc_inspect(), shmrpc_stats_read()).
 * No curses here: the batch formats and the curses screen draw the same
 * snapshot.
 */
#ifndef TOP_SNAPSHOT_H
#define TOP_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <shmrpc.h>

#include "where.h"

/* Samples of calls/s kept per channel for the sparkline. */
#define TOP_HISTORY 60
/* Room for a name made safe for a terminal (tool_vis()). */
#define TOP_VIS_MAX 256

struct top_opts {
	int all_users;       /* every user's registries (root) */
	int has_uid;         /* only channels owned by uid */
	uid_t uid;
	/* Only channels whose name or command contains this (NULL: all);
	 * the others are not collected at all.  The screen filters as the
	 * user types instead (top_view()). */
	const char *filter;
	/* Only loose objects whose name contains this (NULL: all); the
	 * others are not looked at (no scan of /proc for their mappers).
	 * Batch: filter; the screen: the filter as typed, with
	 * top_recollect_loose() when it widens. */
	const char *object_filter;
};

/* Interval figures of a set of counters: the difference from the same
 * counters in the previous frame. */
struct top_rate {
	int ok;                        /* 0 on a first sight: blank rates */
	double calls_s, in_s, out_s;
	/* Latency of the last interval if it had finished calls, else
	 * since the start; percentiles < 0: none. */
	const uint64_t *lat;
	double p50_ns, p99_ns;
};

/* A method of a channel. */
struct top_method {
	const shmrpc_method_stats *ms; /* borrowed from the row's stats */
	char name_vis[TOP_VIS_MAX];    /* ms->name made safe */
	struct top_rate rate;
	uint64_t *delta;               /* interval histogram, or NULL */
};

struct top_row {
	const shmrpc_channel_info *ci; /* borrowed from the snapshot */
	shmrpc_stats *stats;           /* ours, or NULL */
	const shmrpc_counters *c;      /* the channel's counters, or NULL */
	char user[33];
	/* Untrusted text (from the registry, /proc) made safe for a
	 * terminal; the raw text stays in ci for JSON and Prometheus, whose
	 * encoders escape it. */
	char name_vis[TOP_VIS_MAX];
	char comm_vis[TOP_VIS_MAX];
	struct top_where where;        /* where its owner lives (where.h) */
	unsigned used, slots;          /* client slots in use / in all */
	struct top_rate rate;
	uint64_t *delta;               /* interval histogram, or NULL */
	double idle_s;                 /* < 0: unknown */
	double last_call_real;         /* Unix time of the last call, < 0 */
	uint64_t mem;                  /* bytes of its present objects */
	double hist[TOP_HISTORY];      /* calls/s, oldest first */
	unsigned nhist;
	int tagged;                    /* carried over from the last frame */
	struct top_method *methods;
	size_t nmethods;
};

/* An object in the "stale and orphan" section: a loose object, or an
 * object of a channel that is not live. */
struct top_obj {
	const shmrpc_object_info *oi;  /* borrowed from the snapshot */
};

struct top_totals {
	size_t channels, live, stale, other;
	size_t objects;                /* in the stale section */
	uint64_t object_bytes, mem;
	uint64_t calls, errors, timeouts;
	int has_rate;
	double calls_s, in_s, out_s;
};

struct top_snap {
	shmrpc_inspection *insp;
	shmrpc_inspection *detail;     /* top_fetch_mappers(), or NULL */
	shmrpc_inspection *loose;      /* top_recollect_loose(), or NULL */
	double mono;                   /* CLOCK_MONOTONIC, s */
	double real;                   /* CLOCK_REALTIME, s */
	double interval;               /* since the previous one; 0: first */
	struct top_row *rows;          /* in the registry's order */
	size_t nrows;
	size_t *byname;                /* row indexes in name order */
	struct top_obj *objs;
	size_t nobjs;
	struct top_totals tot;
};

/* Take a snapshot; prev (may be NULL) gives the rates and history.  New
 * snapshot in *out, free with top_snap_free().  0 or a negative error.
 * Live channels come without their mappers (finding them means reading
 * every process's maps and fds, most of a frame's cost): see
 * top_fetch_mappers(). */
int top_collect(struct top_snap **out, const struct top_snap *prev,
    const struct top_opts *opts);

/* Look again at live channel `name` of s, with the processes that map its
 * objects, and point its row at that look (kept until top_snap_free());
 * a channel that is not live has them already.  0, or a negative error
 * and the row keeps what it had. */
int top_fetch_mappers(struct top_snap *s, const char *name,
    const struct top_opts *opts);

/* Look again at the loose objects of s, those opts->object_filter lets
 * in now, and put them in its stale section in place of those it had
 * (the channels and their figures stay as they are): for a filter that
 * widened since s was collected.  0, or a negative error and s keeps
 * what it had. */
int top_recollect_loose(struct top_snap *s, const struct top_opts *opts);
void top_snap_free(struct top_snap *s);

/* Row of channel `name`, or NULL. */
struct top_row *top_find(const struct top_snap *s, const char *name);

/* Does the row match filter text f (a part of its name or command;
 * NULL or "" matches everything)? */
int top_row_matches(const struct top_row *r, const char *f);

/* Upper state word: LIVE, STALE, ORPHAN, IN-USE, RECENT, FOREIGN,
 * UNKNOWN. */
const char *top_state_word(shmrpc_state st);

/* A channel's state word: top_state_word(), or REFUSED for an entry the
 * trust rules refused (its state is UNKNOWN: nothing of it was looked
 * at). */
const char *top_channel_state_word(const shmrpc_channel_info *ci);

/* Compare two names the way people count: "ch2" before "ch10". */
int top_natcmp(const char *a, const char *b);

/* Command name of a live pid into buf ("" if unknown); raw, untrusted. */
void top_comm(pid_t pid, char *buf, size_t len);

/* Reap stale channel `name` through shmrpc_reap_channel(); words about
 * what happened in msg (at most TOP_MSG_MAX bytes are useful; the
 * channel name in it made safe).  Returns its result. */
#define TOP_MSG_MAX 512
int top_reap(const char *name, const struct top_opts *opts, char *msg,
    size_t len);

double top_now_mono(void);

#endif
