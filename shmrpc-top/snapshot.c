/*
 * snapshot.c - collect one frame of shmrpc-top: channels, their counters,
 * rates against the previous frame, and the stale/orphan objects.  Built
 * only on the library's public inspection and counters API.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "snapshot.h"

const char *const top_sort_names[SORT_COUNT] = {
	"name", "state", "pid", "calls/s", "bytes/s", "p99", "errors",
	"idle", "memory",
};

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
	default: return "UNKNOWN";
	}
}

double top_percentile(const uint64_t *lat, double q)
{
	uint64_t total = 0, acc = 0;

	for (int i = 0; i < SHMRPC_LATENCY_BUCKETS; i++)
		total += lat[i];
	if (total == 0)
		return -1;
	for (int i = 0; i < SHMRPC_LATENCY_BUCKETS; i++) {
		acc += lat[i];
		if ((double)acc >= q * (double)total)
			return (double)(UINT64_C(1) << (i + 1));
	}
	return (double)(UINT64_C(1) << SHMRPC_LATENCY_BUCKETS);
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
		snprintf(buf, len, "%s", pw->pw_name);
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

static int matches(const struct top_opts *o, const char *name,
    const char *comm)
{
	if (o->filter == NULL || o->filter[0] == '\0')
		return 1;
	return strstr(name, o->filter) != NULL ||
	    (comm != NULL && strstr(comm, o->filter) != NULL);
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

/* Rates and history of r from its row in the previous frame. */
static void derive(struct top_row *r, const struct top_row *p, double dt,
    double now_mono)
{
	const shmrpc_counters *c = &r->st.counters;

	memcpy(r->lat, c->latency, sizeof(r->lat));
	if (p != NULL) {
		r->tagged = p->tagged;
		memcpy(r->hist, p->hist, sizeof(r->hist));
		r->nhist = p->nhist;
	}
	if (r->has_stats && p != NULL && p->has_stats && dt > 0 &&
	    p->ci->owner_pid == r->ci->owner_pid &&
	    p->st.created_realtime_ns == r->st.created_realtime_ns &&
	    c->calls >= p->st.counters.calls &&
	    c->bytes_in >= p->st.counters.bytes_in &&
	    c->bytes_out >= p->st.counters.bytes_out) {
		const shmrpc_counters *pc = &p->st.counters;
		uint64_t d[SHMRPC_LATENCY_BUCKETS], n = 0;

		r->has_rate = 1;
		r->calls_s = (double)(c->calls - pc->calls) / dt;
		r->in_s = (double)(c->bytes_in - pc->bytes_in) / dt;
		r->out_s = (double)(c->bytes_out - pc->bytes_out) / dt;
		for (int i = 0; i < SHMRPC_LATENCY_BUCKETS; i++) {
			d[i] = c->latency[i] >= pc->latency[i] ?
			    c->latency[i] - pc->latency[i] : 0;
			n += d[i];
		}
		if (n > 0)
			memcpy(r->lat, d, sizeof(r->lat));
		if (r->nhist == TOP_HISTORY) {
			memmove(r->hist, r->hist + 1,
			    (TOP_HISTORY - 1) * sizeof(r->hist[0]));
			r->nhist--;
		}
		r->hist[r->nhist++] = r->calls_s;
	} else if (p != NULL && p->st.created_realtime_ns !=
	    r->st.created_realtime_ns) {
		r->nhist = 0; /* another incarnation of the channel */
	}
	r->p50_ns = top_percentile(r->lat, 0.50);
	r->p99_ns = top_percentile(r->lat, 0.99);
	r->idle_s = -1;
	if (r->has_stats) {
		if (c->last_activity_ns > 0)
			r->idle_s = now_mono - (double)c->last_activity_ns / 1e9;
		else
			r->idle_s = r->ci->age;
		if (r->idle_s < 0)
			r->idle_s = 0;
	}
}

int top_collect(struct top_snap **out, const struct top_snap *prev,
    const struct top_opts *o)
{
	shmrpc_inspect_options io;
	struct top_snap *s;
	size_t nch, nlo, n = 0;
	int rc;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -ENOMEM;
	shmrpc_inspect_options_init(&io);
	io.all_users = o->all_users;
	/* A live channel's state does not depend on who maps it, and its
	 * counters are read below: the library need do neither. */
	io.skip_live_mappers = 1;
	io.skip_counters = 1;
	rc = shmrpc_inspect(&s->insp, &io, NULL);
	if (rc < 0) {
		free(s);
		return rc;
	}
	s->mono = top_now_mono();
	s->real = clock_s(CLOCK_REALTIME);
	s->interval = prev != NULL ? s->mono - prev->mono : 0;
	nch = shmrpc_inspection_channel_count(s->insp);
	nlo = shmrpc_inspection_object_count(s->insp);
	s->rows = calloc(nch + 1, sizeof(*s->rows));
	s->byname = calloc(nch + 1, sizeof(*s->byname));
	if (s->rows == NULL || s->byname == NULL) {
		top_snap_free(s);
		return -ENOMEM;
	}
	for (size_t i = 0; i < nch; i++) {
		const shmrpc_channel_info *ci =
		    shmrpc_inspection_channel(s->insp, i);
		struct top_row *r = &s->rows[n];

		if (o->has_uid && ci->owner_uid != o->uid)
			continue;
		if (!matches(o, ci->name, ci->owner_comm))
			continue;
		r->ci = ci;
		r->slots = ci->slots;
		r->used = (unsigned)ci->nclients;
		if (ci->transport == SHMRPC_TRANSPORT_FUTEX &&
		    shmrpc_stats_channel(ci->name, &r->st) == 0) {
			r->has_stats = 1;
			r->slots = r->st.slots;
			r->used = r->st.slots_in_use;
		}
		user_name(ci->owner_uid, r->user, sizeof(r->user));
		for (size_t j = 0; j < ci->nobjects; j++) {
			const shmrpc_object_info *oi = &ci->objects[j];

			if (oi->present)
				r->mem += oi->size;
			if (oi->present && ci->state != SHMRPC_STATE_LIVE)
				s->tot.objects++;
		}
		s->byname[n] = n;
		n++;
	}
	s->nrows = n;
	sort_snap = s;
	qsort(s->byname, n, sizeof(*s->byname), cmp_byname);
	for (size_t i = 0; i < n; i++) {
		struct top_row *r = &s->rows[i];
		const struct top_row *p =
		    prev != NULL ? top_find(prev, r->ci->name) : NULL;

		derive(r, p, s->interval, s->mono);
	}

	/* The stale section: objects of channels not live, loose objects. */
	s->objs = calloc(s->tot.objects + nlo + 1, sizeof(*s->objs));
	if (s->objs == NULL) {
		top_snap_free(s);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		const shmrpc_channel_info *ci = s->rows[i].ci;

		if (ci->state == SHMRPC_STATE_LIVE)
			continue;
		for (size_t j = 0; j < ci->nobjects; j++)
			if (ci->objects[j].present)
				s->objs[s->nobjs++].oi = &ci->objects[j];
	}
	for (size_t i = 0; i < nlo; i++) {
		const shmrpc_object_info *oi =
		    shmrpc_inspection_object(s->insp, i);

		if (o->has_uid && oi->uid != o->uid)
			continue;
		if (!matches(o, oi->name, NULL))
			continue;
		s->objs[s->nobjs++].oi = oi;
	}

	/* Totals. */
	struct top_totals *t = &s->tot;
	t->channels = n;
	t->objects = s->nobjs;
	t->has_rate = prev != NULL;
	for (size_t i = 0; i < s->nobjs; i++)
		t->object_bytes += s->objs[i].oi->size;
	for (size_t i = 0; i < n; i++) {
		const struct top_row *r = &s->rows[i];

		if (r->ci->state == SHMRPC_STATE_LIVE)
			t->live++;
		else if (r->ci->state == SHMRPC_STATE_STALE)
			t->stale++;
		else
			t->other++;
		t->mem += r->mem;
		t->calls += r->st.counters.calls;
		t->errors += r->st.counters.errors;
		t->timeouts += r->st.counters.timeouts;
		if (r->has_rate) {
			t->calls_s += r->calls_s;
			t->in_s += r->in_s;
			t->out_s += r->out_s;
		}
	}
	*out = s;
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

void top_snap_free(struct top_snap *s)
{
	if (s == NULL)
		return;
	shmrpc_inspection_free(s->insp);
	shmrpc_inspection_free(s->detail);
	free(s->rows);
	free(s->byname);
	free(s->objs);
	free(s);
}

static enum top_sort sort_key;
static int sort_rev;

static double key_num(const struct top_row *r)
{
	switch (sort_key) {
	case SORT_STATE: return (double)r->ci->state;
	case SORT_PID: return (double)r->ci->owner_pid;
	case SORT_CALLS: return r->has_rate ? r->calls_s : -1;
	case SORT_BYTES: return r->has_rate ? r->in_s + r->out_s : -1;
	case SORT_P99: return r->p99_ns;
	case SORT_ERRORS:
		return (double)(r->st.counters.errors + r->st.counters.timeouts);
	case SORT_IDLE: return r->idle_s;
	case SORT_MEM: return (double)r->mem;
	default: return 0;
	}
}

static int cmp_rows(const void *a, const void *b)
{
	const struct top_row *ra = a, *rb = b;
	int c = 0;

	if (sort_key != SORT_NAME) {
		double x = key_num(ra), y = key_num(rb);
		/* Numbers: biggest first, as in top. */
		c = (x < y) - (x > y);
		if (sort_key == SORT_STATE || sort_key == SORT_PID)
			c = -c;
	}
	if (c == 0)
		c = strcmp(ra->ci->name, rb->ci->name);
	return sort_rev ? -c : c;
}

void top_sort(struct top_snap *s, enum top_sort key, int reverse)
{
	sort_key = key;
	sort_rev = reverse;
	qsort(s->rows, s->nrows, sizeof(*s->rows), cmp_rows);
	sort_snap = s;
	for (size_t i = 0; i < s->nrows; i++)
		s->byname[i] = i;
	qsort(s->byname, s->nrows, sizeof(*s->byname), cmp_byname);
}

int top_slots(const char *name, shmrpc_slot_stats **out, unsigned *n)
{
	shmrpc_channel_stats st;
	shmrpc_slot_stats *v;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = shmrpc_stats_channel(name, &st)) < 0)
		return rc;
	if ((v = calloc(st.slots + 1, sizeof(*v))) == NULL)
		return -ENOMEM;
	if ((rc = shmrpc_stats_slots(name, v, st.slots, n)) < 0) {
		free(v);
		return rc;
	}
	*out = v;
	return 0;
}

/* The decision about the channel itself, for the status line. */
static void note_reap(const shmrpc_reap_event *ev, void *arg)
{
	char *msg = arg;

	if (ev->action == SHMRPC_REAP_REMOVED && ev->channel != NULL)
		snprintf(msg, TOP_MSG_MAX, "%s: removed %u object%s (%s)",
		    ev->channel->name, ev->removed, ev->removed == 1 ? "" : "s",
		    ev->reason);
}

int top_reap(const char *name, const struct top_opts *o, char *msg,
    size_t len)
{
	shmrpc_reap_options ro;
	shmrpc_error err;
	char done[TOP_MSG_MAX] = "";
	int rc;

	shmrpc_reap_options_init(&ro);
	ro.all_users = o->all_users && geteuid() == 0;
	rc = shmrpc_reap_channel(name, &ro, note_reap, done, &err);
	if (rc < 0)
		snprintf(msg, len, "%s", err.text);
	else
		snprintf(msg, len, "%s", done[0] != '\0' ? done : name);
	return rc;
}
