/*
 * snapshot.c - collect one frame of shmrpc-top: channels, their
 * statistics, rates against the previous frame, and the stale/orphan
 * objects.  Built only on the library's public inspection and statistics
 * API.
 */
#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "snapshot.h"
#include "tool.h"

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double top_now_mono(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

const char *top_state_word(shmrpc_state st)
{
	switch (st) {
	case SHMRPC_STATE_LIVE: return "LIVE";
	case SHMRPC_STATE_STALE: return "STALE";
	case SHMRPC_STATE_ORPHAN: return "ORPHAN";
	case SHMRPC_STATE_INUSE: return "IN-USE";
	case SHMRPC_STATE_RECENT: return "RECENT";
	case SHMRPC_STATE_FOREIGN: return "FOREIGN";
	default: return "UNKNOWN";
	}
}

const char *top_channel_state_word(const shmrpc_channel_info *ci)
{
	return ci->refused ? "REFUSED" : top_state_word(ci->state);
}

int top_natcmp(const char *a, const char *b)
{
	while (*a != '\0' && *b != '\0') {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			const char *ea = a, *eb = b;
			size_t la, lb;
			int c;

			/* Compare the numbers by value: skip leading zeros,
			 * then the longer one is bigger, else digit by
			 * digit. */
			while (*a == '0')
				a++;
			while (*b == '0')
				b++;
			for (ea = a; isdigit((unsigned char)*ea); ea++)
				;
			for (eb = b; isdigit((unsigned char)*eb); eb++)
				;
			la = (size_t)(ea - a);
			lb = (size_t)(eb - b);
			if (la != lb)
				return la < lb ? -1 : 1;
			if ((c = strncmp(a, b, la)) != 0)
				return c;
			a = ea;
			b = eb;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	return (*a != '\0') - (*b != '\0');
}

/* A small cache of uid -> user name: getpwuid() per row per frame would
 * read /etc/passwd a thousand times. */
static struct { uid_t uid; char name[33]; } ucache[16];
static unsigned nucache;

static void user_name(uid_t uid, char *buf, size_t len)
{
	struct passwd *pw;

	for (unsigned i = 0; i < nucache; i++)
		if (ucache[i].uid == uid) {
			snprintf(buf, len, "%s", ucache[i].name);
			return;
		}
	pw = getpwuid(uid);
	if (pw != NULL)
		tool_vis(pw->pw_name, buf, len);
	else
		snprintf(buf, len, "%u", (unsigned)uid);
	if (nucache < sizeof(ucache) / sizeof(ucache[0])) {
		ucache[nucache].uid = uid;
		snprintf(ucache[nucache].name, sizeof(ucache[0].name), "%s",
		    buf);
		nucache++;
	}
}

void top_comm(pid_t pid, char *buf, size_t len)
{
	char path[64];
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return;
	if (fgets(buf, (int)len, f) != NULL)
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

static int text_matches(const char *f, const char *name, const char *comm)
{
	if (f == NULL || f[0] == '\0')
		return 1;
	return strstr(name, f) != NULL ||
	    (comm != NULL && strstr(comm, f) != NULL);
}

int top_row_matches(const struct top_row *r, const char *f)
{
	return text_matches(f, r->ci->name, r->ci->owner_comm);
}

static const struct top_snap *sort_snap;

static int cmp_byname(const void *a, const void *b)
{
	const struct top_row *ra = &sort_snap->rows[*(const size_t *)a];
	const struct top_row *rb = &sort_snap->rows[*(const size_t *)b];

	return strcmp(ra->ci->name, rb->ci->name);
}

struct top_row *top_find(const struct top_snap *s, const char *name)
{
	size_t lo = 0, hi = s->nrows;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		struct top_row *r = &s->rows[s->byname[mid]];
		int c = strcmp(name, r->ci->name);

		if (c == 0)
			return r;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* ---- rates --------------------------------------------------------------- */

/* Where rank falls in bucket i of lat (acc calls below it), interpolated
 * as shmrpc_latency_percentile() does. */
static double place(const uint64_t *lat, size_t i, uint64_t acc, double rank)
{
	uint64_t lo, hi;

	shmrpc_latency_bucket_range(i, &lo, &hi);
	if (hi == UINT64_MAX)
		return (double)lo;
	return (double)lo + (double)(hi - lo) * ((rank - (double)acc) /
	    (double)lat[i]);
}

/* The median and 99th percentile of lat (nb buckets, total calls) in one
 * pass; -1 when empty. */
static void quantiles(const uint64_t *lat, size_t nb, uint64_t total,
    double *p50, double *p99)
{
	double r50 = 0.5 * (double)total, r99 = 0.99 * (double)total;
	uint64_t acc = 0;

	*p50 = *p99 = -1;
	if (total == 0)
		return;
	for (size_t i = 0; i < nb && *p99 < 0; i++) {
		if (lat[i] == 0)
			continue;
		if (*p50 < 0 && (double)(acc + lat[i]) >= r50)
			*p50 = place(lat, i, acc, r50);
		if ((double)(acc + lat[i]) >= r99)
			*p99 = place(lat, i, acc, r99);
		acc += lat[i];
	}
}

/* The interval figures of counters c against the same counters p of the
 * previous frame (NULL: none), dt seconds ago.  An interval histogram is
 * allocated into *delta when the interval had finished calls. */
static void rate_of(struct top_rate *t, const shmrpc_counters *c,
    const shmrpc_counters *p, double dt, uint64_t **delta)
{
	size_t nb = c->latency_buckets;
	uint64_t n = c->latency_count;

	memset(t, 0, sizeof(*t));
	t->lat = c->latency;
	if (p != NULL && dt > 0 && c->calls >= p->calls &&
	    c->bytes_in >= p->bytes_in && c->bytes_out >= p->bytes_out &&
	    c->latency_count >= p->latency_count &&
	    p->latency_buckets == nb) {
		t->ok = 1;
		t->calls_s = (double)(c->calls - p->calls) / dt;
		t->in_s = (double)(c->bytes_in - p->bytes_in) / dt;
		t->out_s = (double)(c->bytes_out - p->bytes_out) / dt;
		if (c->latency_count > p->latency_count &&
		    (*delta = malloc(nb * sizeof(**delta))) != NULL) {
			n = 0;
			for (size_t i = 0; i < nb; i++) {
				(*delta)[i] = c->latency[i] >= p->latency[i]
				    ? c->latency[i] - p->latency[i] : 0;
				n += (*delta)[i];
			}
			t->lat = *delta;
		}
	}
	quantiles(t->lat, nb, n, &t->p50_ns, &t->p99_ns);
}

/* The same channel in both frames: same owner, same incarnation. */
static int same_channel(const struct top_row *r, const struct top_row *p)
{
	const shmrpc_channel_stats *a = shmrpc_stats_channel(r->stats);
	const shmrpc_channel_stats *b = shmrpc_stats_channel(p->stats);

	return p->ci->owner_pid == r->ci->owner_pid && a != NULL &&
	    b != NULL && a->created_realtime_ns == b->created_realtime_ns;
}

static const struct top_method *find_method(const struct top_row *p,
    const shmrpc_method_stats *ms)
{
	for (size_t i = 0; p != NULL && i < p->nmethods; i++)
		if (strcmp(p->methods[i].ms->name, ms->name) == 0)
			return &p->methods[i];
	return NULL;
}

/* The methods of r, with their rates against p (same channel, or NULL). */
static int derive_methods(struct top_row *r, const struct top_row *p,
    double dt)
{
	size_t n = shmrpc_stats_method_count(r->stats);

	if (n == 0)
		return 0;
	if ((r->methods = calloc(n, sizeof(*r->methods))) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct top_method *m = &r->methods[i];
		const struct top_method *pm;

		m->ms = shmrpc_stats_method(r->stats, i);
		tool_vis(m->ms->name, m->name_vis, sizeof(m->name_vis));
		pm = find_method(p, m->ms);
		rate_of(&m->rate, m->ms->counters,
		    pm != NULL ? pm->ms->counters : NULL, dt, &m->delta);
	}
	r->nmethods = n;
	return 0;
}

/* Push calls/s onto the row's sparkline history. */
static void push_history(struct top_row *r, double v)
{
	if (r->nhist == TOP_HISTORY) {
		memmove(r->hist, r->hist + 1,
		    (TOP_HISTORY - 1) * sizeof(r->hist[0]));
		r->nhist--;
	}
	r->hist[r->nhist++] = v;
}

/* The row's names made safe for a terminal; the previous frame's when
 * they did not change (most frames: stravis() allocates). */
static void vis_names(struct top_row *r, const struct top_row *p)
{
	const char *comm = r->ci->owner_comm != NULL &&
	    r->ci->owner_comm[0] != '\0' ? r->ci->owner_comm : "?";

	if (p != NULL) {
		const char *pcomm = p->ci->owner_comm != NULL &&
		    p->ci->owner_comm[0] != '\0' ? p->ci->owner_comm : "?";

		memcpy(r->name_vis, p->name_vis, sizeof(r->name_vis));
		if (strcmp(comm, pcomm) == 0) {
			memcpy(r->comm_vis, p->comm_vis, sizeof(r->comm_vis));
			return;
		}
	} else {
		tool_vis(r->ci->name, r->name_vis, sizeof(r->name_vis));
	}
	tool_vis(comm, r->comm_vis, sizeof(r->comm_vis));
}

/* Rates, history and idle time of r from its row p in the previous frame
 * (NULL on a first sight). */
static int derive(struct top_row *r, const struct top_row *p,
    const struct top_snap *s)
{
	int same = p != NULL && same_channel(r, p);

	vis_names(r, p);

	if (p != NULL) {
		r->tagged = p->tagged;
		if (same) {
			memcpy(r->hist, p->hist, sizeof(r->hist));
			r->nhist = p->nhist;
		}
	}
	if (r->c != NULL) {
		rate_of(&r->rate, r->c, same ? p->c : NULL, s->interval,
		    &r->delta);
		if (r->rate.ok)
			push_history(r, r->rate.calls_s);
	}
	r->idle_s = r->last_call_real = -1;
	if (r->c != NULL) {
		double last = r->c->last_activity_ns > 0
		    ? (double)r->c->last_activity_ns / 1e9 : -1;
		r->idle_s = last >= 0 ? s->mono - last : r->ci->age;
		if (r->idle_s < 0)
			r->idle_s = 0;
		if (last >= 0)
			r->last_call_real = s->real - r->idle_s;
	}
	return derive_methods(r, same ? p : NULL, s->interval);
}

/* ---- collecting ---------------------------------------------------------- */

/* Row r for channel ci: its statistics, user, names made safe, memory. */
static void fill_row(struct top_row *r, const shmrpc_channel_info *ci)
{
	const shmrpc_channel_stats *cs;

	r->ci = ci;
	r->slots = ci->slots;
	r->used = (unsigned)ci->nclients;
	top_where_of(ci, &r->where);
	/* A refused entry is not believed: its name may be another
	 * channel's, whose figures it must not show as its own. */
	if (ci->transport != SHMRPC_TRANSPORT_DEFAULT && !ci->refused &&
	    shmrpc_stats_read(&r->stats, ci->name, ci->transport, NULL) == 0) {
		cs = shmrpc_stats_channel(r->stats);
		r->c = cs->counters;
		if (ci->transport == SHMRPC_TRANSPORT_FUTEX) {
			r->slots = cs->slots;
			r->used = cs->slots_in_use;
		}
	}
	user_name(ci->owner_uid, r->user, sizeof(r->user));
	for (size_t j = 0; j < ci->nobjects; j++)
		if (ci->objects[j].present)
			r->mem += ci->objects[j].size;
}

/* What the snapshot holds, the one place the options select channels and
 * loose objects: the inspection looks at nothing else (a hidden loose
 * object would cost a scan of every process for its mappers). */
static int shown(const shmrpc_inspect_candidate *c, void *arg)
{
	const struct top_opts *o = arg;

	if (o->has_uid && c->uid != o->uid)
		return 0;
	if (c->loose)
		return text_matches(o->object_filter, c->name, NULL);
	return text_matches(o->filter, c->name, c->owner_comm);
}

/* The same, loose objects only. */
static int shown_loose(const shmrpc_inspect_candidate *c, void *arg)
{
	return c->loose && shown(c, arg);
}

/* An inspection of what o shows (filter: shown or shown_loose), live
 * channels without mappers and without statistics (we read those
 * ourselves). */
static int inspect_shown(shmrpc_inspection **out, const struct top_opts *o,
    shmrpc_inspect_filter_cb filter)
{
	shmrpc_inspect_options io;

	shmrpc_inspect_options_init(&io);
	io.all_users = o->all_users;
	io.skip_live_mappers = 1;
	io.skip_counters = 1;
	io.filter = filter;
	io.filter_arg = (void *)o;
	return shmrpc_inspect(out, &io, NULL);
}

/* A new snapshot with its inspection. */
static int new_snap(struct top_snap **out, const struct top_snap *prev,
    const struct top_opts *o)
{
	struct top_snap *s;
	int rc;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -ENOMEM;
	if ((rc = inspect_shown(&s->insp, o, shown)) < 0) {
		free(s);
		return rc;
	}
	s->mono = top_now_mono();
	s->real = clock_s(CLOCK_REALTIME);
	s->interval = prev != NULL ? s->mono - prev->mono : 0;
	*out = s;
	return 0;
}

/* The rows of the channels in s->insp (those shown() let in), and their
 * name index. */
static int add_rows(struct top_snap *s)
{
	size_t nch = shmrpc_inspection_channel_count(s->insp), n = 0;

	s->rows = calloc(nch + 1, sizeof(*s->rows));
	s->byname = calloc(nch + 1, sizeof(*s->byname));
	if (s->rows == NULL || s->byname == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < nch; i++) {
		const shmrpc_channel_info *ci =
		    shmrpc_inspection_channel(s->insp, i);

		fill_row(&s->rows[n], ci);
		s->byname[n] = n;
		n++;
	}
	s->nrows = n;
	sort_snap = s;
	qsort(s->byname, n, sizeof(*s->byname), cmp_byname);
	return 0;
}

/* The stale section, into s (which has none yet): objects of channels
 * not live, loose objects (of loose, s->insp or top_recollect_loose()'s,
 * which shown() or shown_loose() filtered). */
static int add_objects(struct top_snap *s, const shmrpc_inspection *loose)
{
	size_t nlo = shmrpc_inspection_object_count(loose), n = nlo;

	for (size_t i = 0; i < s->nrows; i++)
		if (s->rows[i].ci->state != SHMRPC_STATE_LIVE)
			n += s->rows[i].ci->nobjects;
	if ((s->objs = calloc(n + 1, sizeof(*s->objs))) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < s->nrows; i++) {
		const shmrpc_channel_info *ci = s->rows[i].ci;

		if (ci->state == SHMRPC_STATE_LIVE)
			continue;
		for (size_t j = 0; j < ci->nobjects; j++)
			if (ci->objects[j].present)
				s->objs[s->nobjs++].oi = &ci->objects[j];
	}
	for (size_t i = 0; i < nlo; i++) {
		s->objs[s->nobjs++].oi = shmrpc_inspection_object(loose, i);
	}
	return 0;
}

static void object_totals(struct top_snap *s)
{
	struct top_totals *t = &s->tot;

	t->objects = s->nobjs;
	t->object_bytes = 0;
	for (size_t i = 0; i < s->nobjs; i++)
		t->object_bytes += s->objs[i].oi->size;
}

static void add_totals(struct top_snap *s, int has_prev)
{
	struct top_totals *t = &s->tot;

	t->channels = s->nrows;
	t->has_rate = has_prev;
	object_totals(s);
	for (size_t i = 0; i < s->nrows; i++) {
		const struct top_row *r = &s->rows[i];

		if (r->ci->state == SHMRPC_STATE_LIVE)
			t->live++;
		else if (r->ci->state == SHMRPC_STATE_STALE)
			t->stale++;
		else
			t->other++;
		t->mem += r->mem;
		if (r->c != NULL) {
			t->calls += r->c->calls;
			t->errors += r->c->errors;
			t->timeouts += r->c->timeouts;
		}
		if (r->rate.ok) {
			t->calls_s += r->rate.calls_s;
			t->in_s += r->rate.in_s;
			t->out_s += r->rate.out_s;
		}
	}
}

int top_collect(struct top_snap **out, const struct top_snap *prev,
    const struct top_opts *o)
{
	struct top_snap *s;
	int rc;

	*out = NULL;
	if ((rc = new_snap(&s, prev, o)) < 0)
		return rc;
	rc = add_rows(s);
	for (size_t i = 0; i < s->nrows && rc == 0; i++) {
		struct top_row *r = &s->rows[i];

		rc = derive(r, prev != NULL ? top_find(prev, r->ci->name)
					    : NULL, s);
	}
	if (rc == 0)
		rc = add_objects(s, s->insp);
	if (rc < 0) {
		top_snap_free(s);
		return rc;
	}
	add_totals(s, prev != NULL);
	*out = s;
	return 0;
}

int top_recollect_loose(struct top_snap *s, const struct top_opts *o)
{
	shmrpc_inspection *loose;
	struct top_obj *objs = s->objs;
	size_t nobjs = s->nobjs;
	int rc;

	if ((rc = inspect_shown(&loose, o, shown_loose)) < 0)
		return rc;
	s->objs = NULL;
	s->nobjs = 0;
	if ((rc = add_objects(s, loose)) < 0) {
		free(s->objs);
		s->objs = objs;
		s->nobjs = nobjs;
		shmrpc_inspection_free(loose);
		return rc;
	}
	free(objs);
	shmrpc_inspection_free(s->loose);
	s->loose = loose;
	object_totals(s);
	return 0;
}

int top_fetch_mappers(struct top_snap *s, const char *name,
    const struct top_opts *o)
{
	struct top_row *r = top_find(s, name);
	shmrpc_inspect_options io;
	shmrpc_inspection *insp;
	int rc;

	if (r == NULL)
		return SHMRPC_ENOCHANNEL;
	if (r->ci->state != SHMRPC_STATE_LIVE)
		return 0; /* the frame looked for them: only live ones skip */
	shmrpc_inspect_options_init(&io);
	io.all_users = o->all_users;
	io.channel = name;
	io.skip_counters = 1;
	if ((rc = shmrpc_inspect(&insp, &io, NULL)) < 0)
		return rc;
	/* With all users, each registry may have a channel of that name:
	 * the row's is the one in the same registry. */
	for (size_t i = 0; i < shmrpc_inspection_channel_count(insp); i++) {
		const shmrpc_channel_info *ci =
		    shmrpc_inspection_channel(insp, i);

		if (strcmp(ci->registry, r->ci->registry) != 0)
			continue;
		shmrpc_inspection_free(s->detail);
		s->detail = insp;
		r->ci = ci;
		return 0;
	}
	shmrpc_inspection_free(insp);
	return SHMRPC_ENOCHANNEL;
}

static void row_free(struct top_row *r)
{
	for (size_t i = 0; i < r->nmethods; i++)
		free(r->methods[i].delta);
	free(r->methods);
	free(r->delta);
	shmrpc_stats_free(r->stats);
}

void top_snap_free(struct top_snap *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; s->rows != NULL && i < s->nrows; i++)
		row_free(&s->rows[i]);
	shmrpc_inspection_free(s->insp);
	shmrpc_inspection_free(s->detail);
	shmrpc_inspection_free(s->loose);
	free(s->rows);
	free(s->byname);
	free(s->objs);
	free(s);
}

/* The decision about the channel itself, for the status line. */
static void note_reap(const shmrpc_reap_event *ev, void *arg)
{
	char *msg = arg, name[TOP_VIS_MAX];

	if (ev->action == SHMRPC_REAP_REMOVED && ev->channel != NULL)
		snprintf(msg, TOP_MSG_MAX, "%s: removed %u object%s (%s)",
		    tool_vis(ev->channel->name, name, sizeof(name)),
		    ev->removed, ev->removed == 1 ? "" : "s", ev->reason);
}

int top_reap(const char *name, const struct top_opts *o, char *msg,
    size_t len)
{
	shmrpc_reap_options ro;
	shmrpc_error err;
	char done[TOP_MSG_MAX] = "", safe[TOP_MSG_MAX];
	int rc;

	shmrpc_reap_options_init(&ro);
	ro.all_users = o->all_users && geteuid() == 0;
	rc = shmrpc_reap_channel(name, &ro, note_reap, done, &err);
	if (rc < 0)
		snprintf(msg, len, "%s", tool_vis(err.text, safe, sizeof(safe)));
	else
		snprintf(msg, len, "%s", done[0] != '\0' ? done
		    : tool_vis(name, safe, sizeof(safe)));
	return rc;
}
