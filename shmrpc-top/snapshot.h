/*
 * snapshot.h - what shmrpc-top shows, collected through the library's
 * inspection API (shmrpc_inspect(), shmrpc_stats_channel()).  No curses
 * here: the batch formats and the curses screen draw the same snapshot.
 */
#ifndef TOP_SNAPSHOT_H
#define TOP_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <shmrpc.h>

/* Samples of calls/s kept per channel for the sparkline. */
#define TOP_HISTORY 60

struct top_opts {
	int all_users;       /* every user's registries (root) */
	int has_uid;         /* only channels owned by uid */
	uid_t uid;
	const char *filter;  /* substring of the name or command, or NULL */
};

struct top_row {
	const shmrpc_channel_info *ci; /* borrowed from the snapshot */
	char user[33];
	unsigned used, slots;          /* client slots in use / in all */
	int has_stats;                 /* futex counters read */
	shmrpc_channel_stats st;
	int has_rate;                  /* 0 on a first sight: blank rates */
	double calls_s, in_s, out_s;
	/* Latency histogram of the last interval when it had finished
	 * calls, else since the channel started. */
	uint64_t lat[SHMRPC_LATENCY_BUCKETS];
	double p50_ns, p99_ns;         /* < 0: none */
	double idle_s;                 /* < 0: unknown */
	uint64_t mem;                  /* bytes of its present objects */
	double hist[TOP_HISTORY];      /* calls/s, oldest first */
	unsigned nhist;
	int tagged;                    /* carried over from the last frame */
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
	double mono;                   /* CLOCK_MONOTONIC, s */
	double real;                   /* CLOCK_REALTIME, s */
	double interval;               /* since the previous one; 0: first */
	struct top_row *rows;
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
void top_snap_free(struct top_snap *s);

/* Row of channel `name`, or NULL. */
struct top_row *top_find(const struct top_snap *s, const char *name);

enum top_sort {
	SORT_NAME, SORT_STATE, SORT_PID, SORT_CALLS, SORT_BYTES, SORT_P99,
	SORT_ERRORS, SORT_IDLE, SORT_MEM, SORT_COUNT
};
extern const char *const top_sort_names[SORT_COUNT];
void top_sort(struct top_snap *s, enum top_sort key, int reverse);

/* Upper state word: LIVE, STALE, ORPHAN, IN-USE, RECENT, UNKNOWN. */
const char *top_state_word(shmrpc_state st);

/* Percentile q (0..1) of a log2 histogram: the upper bound of the
 * bucket holding it, in ns; < 0 if empty. */
double top_percentile(const uint64_t *lat, double q);

/* The client slots of futex channel `name`: a new array in *out (free
 * it), its length in *n.  0 or an error. */
int top_slots(const char *name, shmrpc_slot_stats **out, unsigned *n);

/* Command name of a live pid into buf ("" if unknown). */
void top_comm(pid_t pid, char *buf, size_t len);

/* Reap stale channel `name` through shmrpc_reap_channel(); words about
 * what happened in msg (at most TOP_MSG_MAX bytes are useful).  Returns
 * its result. */
#define TOP_MSG_MAX 512
int top_reap(const char *name, const struct top_opts *opts, char *msg,
    size_t len);

double top_now_mono(void);

#endif
