/*
 * columns.c - the table of shmrpc-top's columns (columns.h) and what it
 * takes to read it: cells, sort keys, JSON members, Prometheus samples.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "columns.h"
#include "format.h"
#include "tool_json.h"

/* ---- values -------------------------------------------------------------- */

/* A counter of the channel's, or NAN when it keeps none. */
#define CTR(r, field) ((r)->c != NULL ? (double)(r)->c->field : NAN)

static double v_pid(const struct top_row *r) { return r->ci->owner_pid; }
static double v_uid(const struct top_row *r) { return r->ci->owner_uid; }
static double v_clients(const struct top_row *r) { return r->used; }
static double v_slots(const struct top_row *r) { return r->slots; }
static double v_state(const struct top_row *r) { return r->ci->state; }
static double v_mem(const struct top_row *r) { return (double)r->mem; }
static double v_age(const struct top_row *r) { return r->ci->age; }
static double v_errors(const struct top_row *r) { return CTR(r, errors); }
static double v_timeouts(const struct top_row *r)
{
	return CTR(r, timeouts);
}
static double v_calls(const struct top_row *r) { return CTR(r, calls); }
static double v_req(const struct top_row *r) { return CTR(r, bytes_in); }
static double v_resp(const struct top_row *r) { return CTR(r, bytes_out); }
static double v_inflight(const struct top_row *r)
{
	return CTR(r, in_flight);
}
static double v_buffer(const struct top_row *r)
{
	return (double)r->ci->buffer_size;
}
static double v_methods(const struct top_row *r)
{
	return r->stats != NULL ? (double)r->nmethods : NAN;
}
static double v_calls_s(const struct top_row *r)
{
	return r->rate.ok ? r->rate.calls_s : NAN;
}
static double v_in_s(const struct top_row *r)
{
	return r->rate.ok ? r->rate.in_s : NAN;
}
static double v_out_s(const struct top_row *r)
{
	return r->rate.ok ? r->rate.out_s : NAN;
}
static double v_p50(const struct top_row *r)
{
	return r->c != NULL && r->rate.p50_ns >= 0 ? r->rate.p50_ns : NAN;
}
static double v_p99(const struct top_row *r)
{
	return r->c != NULL && r->rate.p99_ns >= 0 ? r->rate.p99_ns : NAN;
}
static double v_idle(const struct top_row *r)
{
	return r->idle_s >= 0 ? r->idle_s : NAN;
}

static const char *t_name(const struct top_row *r) { return r->ci->name; }
static const char *t_transport(const struct top_row *r)
{
	return r->ci->transport_name != NULL ? r->ci->transport_name : "?";
}
static const char *t_command(const struct top_row *r)
{
	return r->ci->owner_comm != NULL ? r->ci->owner_comm : "";
}
static const char *t_user(const struct top_row *r) { return r->user; }
static const char *t_state(const struct top_row *r)
{
	return top_channel_state_word(r->ci);
}
static const char *t_pidns(const struct top_row *r)
{
	return r->where.pidns;
}
static const char *t_cgroup(const struct top_row *r)
{
	return r->where.cgroup;
}
static const char *t_lock(const struct top_row *r) { return r->where.lock; }
static const char *t_access(const struct top_row *r)
{
	return r->where.access;
}

/* ---- cells --------------------------------------------------------------- */

static void c_name(const struct top_row *r, char *b, size_t n, const char *k)
{
	(void)k;
	snprintf(b, n, "%s", r->name_vis);
}
static void c_transport(const struct top_row *r, char *b, size_t n,
    const char *k)
{
	(void)k;
	snprintf(b, n, "%s", t_transport(r));
}
static void c_command(const struct top_row *r, char *b, size_t n,
    const char *k)
{
	(void)k;
	snprintf(b, n, "%s", r->comm_vis);
}
static void c_user(const struct top_row *r, char *b, size_t n, const char *k)
{
	(void)k;
	snprintf(b, n, "%s", r->user);
}
static void c_state(const struct top_row *r, char *b, size_t n, const char *k)
{
	(void)k;
	snprintf(b, n, "%s", t_state(r));
}
/* The owner's pid, marked when it is a pid of another PID namespace. */
static void c_pid(const struct top_row *r, char *b, size_t n, const char *k)
{
	(void)k;
	snprintf(b, n, "%s", r->where.pid);
}
/* Text cells of where.h, blank where not known. */
#define TEXT_CELL(fn, text)                                                  \
	static void fn(const struct top_row *r, char *b, size_t n,           \
	    const char *k)                                                   \
	{                                                                    \
		const char *t = text(r);                                     \
		snprintf(b, n, "%s", t[0] != '\0' ? t : k);                  \
	}
TEXT_CELL(c_pidns, t_pidns)
TEXT_CELL(c_cgroup, t_cgroup)
TEXT_CELL(c_lock, t_lock)
TEXT_CELL(c_access, t_access)

static void c_clients(const struct top_row *r, char *b, size_t n,
    const char *k)
{
	(void)k;
	snprintf(b, n, "%u/%u", r->used, r->slots);
}

/* Cells of a number of one kind, blank when NAN. */
#define NUM_CELL(fn, val, fmt)                                               \
	static void fn(const struct top_row *r, char *b, size_t n,           \
	    const char *k)                                                   \
	{                                                                    \
		double v = val(r);                                           \
		fmt(b, n, v, k, !isnan(v));                                  \
	}

static void fmt_int(char *b, size_t n, double v, const char *k, int ok)
{
	if (!ok)
		snprintf(b, n, "%s", k);
	else
		snprintf(b, n, "%.0f", v);
}
static void fmt_ns_ok(char *b, size_t n, double v, const char *k, int ok)
{
	fmt_ns(b, n, ok ? v : -1, k);
}
static void fmt_secs_ok(char *b, size_t n, double v, const char *k, int ok)
{
	fmt_secs(b, n, ok ? v : -1, k);
}

NUM_CELL(c_uid, v_uid, fmt_int)
NUM_CELL(c_slots, v_slots, fmt_int)
NUM_CELL(c_methods, v_methods, fmt_int)
NUM_CELL(c_inflight, v_inflight, fmt_int)
NUM_CELL(c_calls_s, v_calls_s, fmt_rate)
NUM_CELL(c_in_s, v_in_s, fmt_bytes)
NUM_CELL(c_out_s, v_out_s, fmt_bytes)
NUM_CELL(c_p50, v_p50, fmt_ns_ok)
NUM_CELL(c_p99, v_p99, fmt_ns_ok)
NUM_CELL(c_errors, v_errors, fmt_count)
NUM_CELL(c_timeouts, v_timeouts, fmt_count)
NUM_CELL(c_calls, v_calls, fmt_count)
NUM_CELL(c_req, v_req, fmt_bytes)
NUM_CELL(c_resp, v_resp, fmt_bytes)
NUM_CELL(c_idle, v_idle, fmt_secs_ok)
NUM_CELL(c_age, v_age, fmt_secs_ok)
NUM_CELL(c_mem, v_mem, fmt_bytes)
NUM_CELL(c_buffer, v_buffer, fmt_bytes)

/* ---- JSON ---------------------------------------------------------------- */

static json_t *j_num(double v)
{
	return isnan(v) ? json_null() : json_real(v);
}
static json_t *j_int(double v)
{
	return isnan(v) ? json_null() : json_integer((json_int_t)v);
}
static json_t *j_name(const struct top_row *r)
{
	return tool_json_string(r->ci->name);
}
static json_t *j_transport(const struct top_row *r)
{
	return tool_json_string(t_transport(r));
}
static json_t *j_command(const struct top_row *r)
{
	return tool_json_string(r->ci->owner_comm);
}
static json_t *j_user(const struct top_row *r)
{
	return tool_json_string(r->user);
}
static json_t *j_state(const struct top_row *r)
{
	return json_string(shmrpc_state_name(r->ci->state));
}
static json_t *j_pidns(const struct top_row *r)
{
	return tool_json_owner_pid_ns(r->ci);
}
static json_t *j_cgroup(const struct top_row *r)
{
	return tool_json_owner_cgroup(r->ci);
}
static json_t *j_lock(const struct top_row *r)
{
	return tool_json_owner_lock(r->ci);
}
static json_t *j_access(const struct top_row *r)
{
	return tool_json_mode(r->ci->mode);
}
/* Nanoseconds to seconds: every duration in the JSON is in seconds. */
static json_t *j_p50(const struct top_row *r) { return j_num(v_p50(r) / 1e9); }
static json_t *j_p99(const struct top_row *r) { return j_num(v_p99(r) / 1e9); }

#define JSON_OF(fn, val, kind) \
	static json_t *fn(const struct top_row *r) { return kind(val(r)); }
JSON_OF(j_pid, v_pid, j_int)
JSON_OF(j_uid, v_uid, j_int)
JSON_OF(j_clients, v_clients, j_int)
JSON_OF(j_slots, v_slots, j_int)
JSON_OF(j_methods, v_methods, j_int)
JSON_OF(j_inflight, v_inflight, j_int)
JSON_OF(j_calls_s, v_calls_s, j_num)
JSON_OF(j_in_s, v_in_s, j_num)
JSON_OF(j_out_s, v_out_s, j_num)
JSON_OF(j_errors, v_errors, j_int)
JSON_OF(j_timeouts, v_timeouts, j_int)
JSON_OF(j_calls, v_calls, j_int)
JSON_OF(j_req, v_req, j_int)
JSON_OF(j_resp, v_resp, j_int)
JSON_OF(j_idle, v_idle, j_num)
JSON_OF(j_age, v_age, j_num)
JSON_OF(j_mem, v_mem, j_int)
JSON_OF(j_buffer, v_buffer, j_int)

/* ---- Prometheus samples -------------------------------------------------- */

/* A sample of value val(r) where it is known. */
#define PROM_OF(fn, val) \
	static int fn(const struct top_row *r, double *v) \
	{ *v = val(r); return !isnan(*v); }
PROM_OF(p_pid, v_pid)
PROM_OF(p_clients, v_clients)
PROM_OF(p_slots, v_slots)
PROM_OF(p_state, v_state)
PROM_OF(p_mem, v_mem)
PROM_OF(p_calls, v_calls)
PROM_OF(p_req, v_req)
PROM_OF(p_resp, v_resp)

/* Counters that are 0 (and gauges that are 0) are left out until they are
 * not, as client libraries leave a labelled series out until it is first
 * used: most channels never fail, and the output stays small. */
#define PROM_NONZERO(fn, val) \
	static int fn(const struct top_row *r, double *v) \
	{ *v = val(r); return !isnan(*v) && *v != 0; }
PROM_NONZERO(p_errors, v_errors)
PROM_NONZERO(p_timeouts, v_timeouts)
PROM_NONZERO(p_inflight, v_inflight)

/* ---- the table ----------------------------------------------------------- */

#define NUMERIC(fn) fn, NULL
#define TEXT(fn) NULL, fn

const struct top_column top_columns[COL_COUNT] = {
	[COL_NAME] = { "name", "NAME", "channel name", 0, 1, 1, 1, 1,
	    c_name, TEXT(t_name), "name", j_name,
	    PROM_IDENTITY, "channel", NULL, NULL },
	[COL_TRANSPORT] = { "transport", "TRANS", "transport: futex or posix",
	    5, 15, 1, 1, 1, c_transport, TEXT(t_transport),
	    "transport", j_transport, PROM_LABEL, "transport", NULL, NULL },
	[COL_PID] = { "pid", "PID",
	    "owner (server) process id; ns:PID in another PID namespace", 10,
	    8, 0, 1,
	    1, c_pid, NUMERIC(v_pid), "owner_pid", j_pid,
	    PROM_GAUGE, "shmrpc_channel_owner_pid",
	    "Process id of the channel's owner (server), as registered.",
	    p_pid },
	[COL_COMMAND] = { "command", "COMMAND", "owner command name", 12, 11,
	    1, 1, 1, c_command, TEXT(t_command), "owner_command", j_command,
	    PROM_LABEL, "command", NULL, NULL },
	[COL_USER] = { "user", "USER", "owner user", 8, 14, 1, 1, 1, c_user,
	    TEXT(t_user), "user", j_user, PROM_LABEL, "user", NULL, NULL },
	[COL_CLIENTS] = { "clients", "CLIENTS",
	    "client slots in use / client slots", 7, 10, 0, 1, 0, c_clients,
	    NUMERIC(v_clients), "clients", j_clients,
	    PROM_GAUGE, "shmrpc_channel_clients", "Client slots in use.",
	    p_clients },
	[COL_STATE] = { "state", "STATE",
	    "live, stale, orphan, in-use, recent, foreign, unknown or "
	    "refused", 7, 2, 1, 1, 1,
	    c_state, NUMERIC(v_state), "state", j_state,
	    PROM_GAUGE, "shmrpc_channel_state",
	    "State of the channel: 1 live, 2 stale, 3 orphan, 4 in use, "
	    "5 recent, 0 unknown (shmrpc-registry(5)).", p_state },
	[COL_CALLS_S] = { "calls_s", "CALLS/S", "calls a second", 8, 3, 0, 1,
	    0, c_calls_s, NUMERIC(v_calls_s), "calls_per_second", j_calls_s,
	    PROM_NONE, NULL, NULL, NULL },
	[COL_IN_S] = { "in_s", "IN/S", "request bytes a second", 7, 12, 0, 1,
	    0, c_in_s, NUMERIC(v_in_s), "request_bytes_per_second", j_in_s,
	    PROM_NONE, NULL, NULL, NULL },
	[COL_OUT_S] = { "out_s", "OUT/S", "response bytes a second", 7, 13,
	    0, 1, 0, c_out_s, NUMERIC(v_out_s), "response_bytes_per_second",
	    j_out_s, PROM_NONE, NULL, NULL, NULL },
	[COL_P50] = { "p50", "P50", "median round trip", 7, 5, 0, 1, 0, c_p50,
	    NUMERIC(v_p50), "p50_seconds", j_p50, PROM_NONE, NULL, NULL,
	    NULL },
	[COL_P99] = { "p99", "P99", "99th percentile round trip", 7, 4, 0, 1,
	    0, c_p99, NUMERIC(v_p99), "p99_seconds", j_p99, PROM_NONE, NULL,
	    NULL, NULL },
	[COL_ERRORS] = { "errors", "ERRORS", "failed calls since the start",
	    6, 6, 0, 1, 0, c_errors, NUMERIC(v_errors), "errors", j_errors,
	    PROM_COUNTER, "shmrpc_call_errors_total",
	    "Failed calls other than timeouts (futex transport).",
	    p_errors },
	[COL_TIMEOUTS] = { "timeouts", "TMOUTS",
	    "timed out calls since the start", 6, 7, 0, 1, 0, c_timeouts,
	    NUMERIC(v_timeouts), "timeouts", j_timeouts,
	    PROM_COUNTER, "shmrpc_call_timeouts_total",
	    "Calls that timed out (futex transport).", p_timeouts },
	[COL_IDLE] = { "idle", "IDLE", "time since the last call", 6, 9, 0,
	    1, 1, c_idle, NUMERIC(v_idle), "idle_seconds", j_idle,
	    PROM_NONE, NULL, NULL, NULL },
	[COL_MEM] = { "memory", "MEM", "bytes of its objects in /dev/shm", 6,
	    16, 0, 1, 0, c_mem, NUMERIC(v_mem), "memory_bytes", j_mem,
	    PROM_GAUGE, "shmrpc_channel_memory_bytes",
	    "Bytes of the channel's shared memory objects.", p_mem },
	[COL_CALLS] = { "calls", "CALLS", "calls since the start", 7, 17, 0,
	    0, 0, c_calls, NUMERIC(v_calls), "calls", j_calls,
	    PROM_COUNTER, "shmrpc_calls_total",
	    "Calls made on the channel (futex transport).", p_calls },
	[COL_REQ_BYTES] = { "request_bytes", "REQ",
	    "request bytes since the start", 6, 18, 0, 0, 0, c_req,
	    NUMERIC(v_req), "request_bytes", j_req,
	    PROM_COUNTER, "shmrpc_request_bytes_total",
	    "Request bytes received by the server (futex transport).",
	    p_req },
	[COL_RESP_BYTES] = { "response_bytes", "RESP",
	    "response bytes since the start", 6, 19, 0, 0, 0, c_resp,
	    NUMERIC(v_resp), "response_bytes", j_resp,
	    PROM_COUNTER, "shmrpc_response_bytes_total",
	    "Response bytes sent by the server (futex transport).", p_resp },
	[COL_INFLIGHT] = { "in_flight", "INFL", "calls in progress", 4, 20,
	    0, 0, 0, c_inflight, NUMERIC(v_inflight), "in_flight", j_inflight,
	    PROM_GAUGE, "shmrpc_calls_in_flight",
	    "Calls in progress (futex transport).", p_inflight },
	[COL_SLOTS] = { "slots", "SLOTS", "client slots in all", 5, 21, 0, 0,
	    0, c_slots, NUMERIC(v_slots), "slots", j_slots,
	    PROM_GAUGE, "shmrpc_channel_slots", "Client slots in all.",
	    p_slots },
	[COL_UID] = { "uid", "UID", "owner uid", 6, 22, 0, 0, 1, c_uid,
	    NUMERIC(v_uid), "uid", j_uid, PROM_NONE, NULL, NULL, NULL },
	[COL_AGE] = { "age", "AGE", "time since it was registered", 6, 23, 0,
	    0, 0, c_age, NUMERIC(v_age), "age_seconds", j_age,
	    PROM_NONE, NULL, NULL, NULL },
	[COL_BUFFER] = { "buffer", "BUFFER", "bytes of each message buffer",
	    6, 24, 0, 0, 0, c_buffer, NUMERIC(v_buffer), "buffer_bytes",
	    j_buffer, PROM_NONE, NULL, NULL, NULL },
	[COL_METHODS] = { "methods", "METHODS",
	    "methods the server counts calls of", 7, 25, 0, 0, 0, c_methods,
	    NUMERIC(v_methods), "method_count", j_methods,
	    PROM_NONE, NULL, NULL, NULL },
	[COL_PIDNS] = { "pid_ns", "PIDNS",
	    "inode of the owner's PID namespace", 10, 26, 0, 0, 1, c_pidns,
	    TEXT(t_pidns), "owner_pid_ns", j_pidns,
	    PROM_NONE, NULL, NULL, NULL },
	[COL_CGROUP] = { "cgroup", "CGROUP",
	    "owner's cgroup: its container or service", 24, 27, 1, 0, 1,
	    c_cgroup, TEXT(t_cgroup), "owner_cgroup", j_cgroup,
	    PROM_NONE, NULL, NULL, NULL },
	[COL_LOCK] = { "lock", "LOCK",
	    "owner's liveness lock: held or free", 4, 28, 1, 0, 1, c_lock,
	    TEXT(t_lock), "owner_lock", j_lock, PROM_NONE, NULL, NULL, NULL },
	[COL_ACCESS] = { "access", "ACCESS",
	    "mode of its files, and their group if not the owner's", 12, 29,
	    1, 0, 1, c_access, TEXT(t_access), "mode", j_access,
	    PROM_NONE, NULL, NULL, NULL },
};

int top_column_find(const char *key)
{
	for (int i = 0; i < COL_COUNT; i++)
		if (strcmp(top_columns[i].key, key) == 0)
			return i;
	return -1;
}

void top_colset_default(struct top_colset *cs)
{
	cs->n = 0;
	for (int i = 0; i < COL_COUNT; i++)
		if (top_columns[i].shown)
			cs->col[cs->n++] = (enum top_col)i;
}

int top_name_width(const struct top_snap *s)
{
	int w = 4;

	for (size_t i = 0; i < s->nrows; i++) {
		int l = (int)strlen(s->rows[i].name_vis);
		if (l > w)
			w = l;
	}
	return w > 40 ? 40 : w;
}

int top_column_width(enum top_col c, int namew)
{
	int w = c == COL_NAME ? namew : top_columns[c].width;
	int h = (int)strlen(top_columns[c].header);

	return w > h ? w : h;
}

/* text in w cells, cut or padded with blanks (on the left when right-
 * aligned), into buf.  By hand: a frame pads thousands of cells. */
static void pad(char *buf, size_t len, const char *text, int w, int left)
{
	size_t n = strlen(text), cells = (size_t)(w > 0 ? w : 0), lead;

	if (cells + 1 > len)
		cells = len > 0 ? len - 1 : 0;
	if (n > cells)
		n = cells;
	lead = left ? 0 : cells - n;
	memset(buf, ' ', cells);
	memcpy(buf + lead, text, n);
	if (len > 0)
		buf[cells] = '\0';
}

void top_column_cell(enum top_col c, const struct top_row *r, int namew,
    const char *blank, char *buf, size_t len)
{
	char cell[TOP_VIS_MAX + 32];

	top_columns[c].cell(r, cell, sizeof(cell), blank);
	pad(buf, len, cell, top_column_width(c, namew), top_columns[c].left);
}

void top_column_header(enum top_col c, int namew, char *buf, size_t len)
{
	pad(buf, len, top_columns[c].header, top_column_width(c, namew),
	    top_columns[c].left);
}

/* ---- sorting ------------------------------------------------------------- */

static const struct top_snap *vs;
static enum top_col vkey;
static int vrev;

static int cmp_view(const void *a, const void *b)
{
	const struct top_row *ra = &vs->rows[*(const size_t *)a];
	const struct top_row *rb = &vs->rows[*(const size_t *)b];
	const struct top_column *k = &top_columns[vkey];
	int c = 0;

	if (k->num != NULL) {
		double x = k->num(ra), y = k->num(rb);

		/* Not known: last, whichever the order. */
		if (isnan(x) || isnan(y))
			return isnan(x) - isnan(y);
		c = (x > y) - (x < y);
		if (!k->ascending)
			c = -c;
	} else {
		c = top_natcmp(k->text(ra), k->text(rb));
	}
	if (c == 0)
		c = top_natcmp(ra->ci->name, rb->ci->name);
	if (c == 0)
		c = strcmp(ra->ci->registry, rb->ci->registry);
	return vrev ? -c : c;
}

size_t top_view(const struct top_snap *s, const char *f, enum top_col key,
    int reverse, size_t *out)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nrows; i++)
		if (top_row_matches(&s->rows[i], f))
			out[n++] = i;
	vs = s;
	vkey = key;
	vrev = reverse;
	qsort(out, n, sizeof(*out), cmp_view);
	return n;
}
