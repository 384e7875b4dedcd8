/*
 * test_top - shmrpc-top's pieces without a terminal: the log-linear
 * histograms and their percentiles, cells, natural sort, the column and
 * key tables (against the man page), toprc, escaping of hostile names in
 * the text and Prometheus output, and two snapshots of a real channel.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/histogram.h"
#include "os/procscan.h"
#include "os/shmobj.h"
#include "transport/futex_layout.h"
#include "transport/transport.h"
#include "../../shmrpc-top/columns.h"
#include "../../shmrpc-top/config.h"
#include "../../shmrpc-top/format.h"
#include "../../shmrpc-top/keys.h"
#include "../../shmrpc-top/snapshot.h"
#include "testlib.h"

/* ---- histograms ---------------------------------------------------------- */

/* Buckets follow one another without a gap, and none is wider than 1/8 of
 * its lower bound: the 12.5 % the percentiles promise. */
static void test_buckets(void **state)
{
	uint64_t lo, hi, prev_hi = 0;

	(void)state;
	assert_int_equal(shmrpc_latency_buckets(), HIST_BUCKETS);
	for (size_t i = 0; i < shmrpc_latency_buckets(); i++) {
		assert_int_equal(shmrpc_latency_bucket_range(i, &lo, &hi), 0);
		assert_int_equal(lo, prev_hi);
		assert_true(hi > lo);
		if (lo >= 8 && hi != UINT64_MAX)
			assert_true((double)(hi - lo) <= (double)lo / 8);
		assert_int_equal(hist_index((int64_t)lo), i);
		if (hi != UINT64_MAX)
			assert_int_equal(hist_index((int64_t)hi - 1), i);
		prev_hi = hi;
	}
	assert_int_equal(hi, UINT64_MAX);
	assert_int_equal(hist_index(-5), 0);
	assert_int_equal(hist_index(INT64_MAX), HIST_BUCKETS - 1);
	assert_int_equal(shmrpc_latency_bucket_range(HIST_BUCKETS, &lo, &hi),
	    -EINVAL);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* The percentiles of 100,000 durations spread over six decades, from the
 * histogram, against the exact ones from the sorted values. */
static void test_percentile_error(void **state)
{
	enum { N = 100000 };
	static uint64_t v[N], counts[HIST_BUCKETS];
	static const double qs[] = { 0.01, 0.25, 0.5, 0.9, 0.99, 0.999 };

	(void)state;
	srandom(42);
	for (int i = 0; i < N; i++) {
		/* log-uniform from 100 ns to 100 ms */
		double e = 2 + 6 * (double)random() / RAND_MAX;
		v[i] = (uint64_t)pow(10, e);
		counts[hist_index((int64_t)v[i])]++;
	}
	qsort(v, N, sizeof(v[0]), cmp_u64);
	for (size_t k = 0; k < sizeof(qs) / sizeof(qs[0]); k++) {
		double exact = (double)v[(size_t)(qs[k] * N) - 1];
		double got = shmrpc_latency_percentile(counts, HIST_BUCKETS,
		    qs[k]);

		assert_true(fabs(got - exact) / exact <= 0.125);
	}
	memset(counts, 0, sizeof(counts));
	assert_true(shmrpc_latency_percentile(counts, HIST_BUCKETS, 0.5) < 0);
	assert_true(shmrpc_latency_percentile(NULL, 0, 0.5) < 0);
	assert_true(shmrpc_latency_percentile(counts, HIST_BUCKETS, 1.5) < 0);
}

/* ---- cells, sort --------------------------------------------------------- */

static void test_cells(void **state)
{
	char b[32];

	(void)state;
	fmt_rate(b, sizeof(b), 0, "-", 0);
	assert_string_equal(b, "-");
	fmt_rate(b, sizeof(b), 0, "-", 1);
	assert_string_equal(b, "0");
	fmt_rate(b, sizeof(b), 2.5, "", 1);
	assert_string_equal(b, "2.5");
	fmt_bytes(b, sizeof(b), 512, "", 1);
	assert_string_equal(b, "512B");
	fmt_bytes(b, sizeof(b), 1536, "", 1);
	assert_string_equal(b, "1.5K");
	fmt_bytes(b, sizeof(b), 3.0 * 1024 * 1024 * 1024, "", 1);
	assert_string_equal(b, "3.0G");
	fmt_ns(b, sizeof(b), -1, "");
	assert_string_equal(b, "");
	fmt_ns(b, sizeof(b), NAN, "-");
	assert_string_equal(b, "-");
	fmt_ns(b, sizeof(b), 512, "");
	assert_string_equal(b, "512ns");
	fmt_ns(b, sizeof(b), 2810, "");
	assert_string_equal(b, "2.81us");
	fmt_ns(b, sizeof(b), 2.5e6, "");
	assert_string_equal(b, "2.50ms");
	fmt_secs(b, sizeof(b), 90, "");
	assert_string_equal(b, "90s");
	fmt_secs(b, sizeof(b), 3 * 3600, "");
	assert_string_equal(b, "3h");
	fmt_count(b, sizeof(b), 2500000, "", 1);
	assert_string_equal(b, "2.5M");
	assert_string_equal(top_state_word(SHMRPC_STATE_INUSE), "IN-USE");
	assert_string_equal(top_state_word(SHMRPC_STATE_STALE), "STALE");
}

/* Where an owner lives, in the words top shows: a pid of another PID
 * namespace never looks like one of ours; the cgroup is made safe. */
static void test_where(void **state)
{
	shmrpc_channel_info ci;
	struct top_where w;

	(void)state;
	memset(&ci, 0, sizeof(ci));
	ci.owner_pid = 2;
	ci.owner_pid_ns = 4026532999u;
	ci.owner_pid_local = 0;
	ci.owner_lock = 1;
	ci.owner_removeipc = -1;
	ci.owner_cgroup = "/docker/\x1b[2J\n";
	ci.mode = 0660;
	ci.gid = 4242424;
	top_where_of(&ci, &w);
	assert_string_equal(w.pid, "ns:2");
	assert_string_equal(w.pidns, "4026532999");
	assert_string_equal(w.place, "another PID namespace (4026532999)");
	assert_string_equal(w.cgroup, "/docker/\\033[2J\\n");
	assert_string_equal(w.lock, "held");
	assert_string_equal(w.removeipc, "?");
	assert_string_equal(w.access, "0660:4242424");

	ci.owner_pid_local = 1;
	ci.owner_pid_ns = 0;
	ci.owner_lock = 0;
	ci.owner_removeipc = 1;
	ci.owner_cgroup = "";
	ci.mode = 0600;
	ci.gid = (gid_t)-1;
	top_where_of(&ci, &w);
	assert_string_equal(w.pid, "2");
	assert_string_equal(w.pidns, "");
	assert_string_equal(w.place, "this PID namespace");
	assert_string_equal(w.cgroup, "");
	assert_string_equal(w.lock, "free");
	assert_string_equal(w.removeipc, "yes");
	assert_string_equal(w.access, "0600");

	ci.owner_pid_local = -1;
	ci.owner_lock = -1;
	top_where_of(&ci, &w);
	assert_string_equal(w.pid, "2");
	assert_string_equal(w.lock, "-");
	ci.refused = 1;
	ci.state = SHMRPC_STATE_UNKNOWN;
	assert_string_equal(top_channel_state_word(&ci), "REFUSED");
	ci.refused = 0;
	ci.state = SHMRPC_STATE_FOREIGN;
	assert_string_equal(top_channel_state_word(&ci), "FOREIGN");
}

static void test_natcmp(void **state)
{
	(void)state;
	assert_true(top_natcmp("ch2", "ch10") < 0);
	assert_true(top_natcmp("ch10", "ch2") > 0);
	assert_true(top_natcmp("ch10", "ch10") == 0);
	assert_true(top_natcmp("ch010", "ch9") > 0);
	assert_true(top_natcmp("a", "b") < 0);
	assert_true(top_natcmp("a", "a1") < 0);
	assert_true(top_natcmp("x_9_b", "x_9_a") > 0);
	assert_true(top_natcmp("99999999999999999999999", "1") > 0);
}

/* ---- the tables ---------------------------------------------------------- */

/* Every column can be drawn, sorted, and written as JSON; Prometheus
 * families have a name, a help and a value, counters end in _total; keys
 * are unique. */
static void test_column_table(void **state)
{
	(void)state;
	for (int i = 0; i < COL_COUNT; i++) {
		const struct top_column *c = &top_columns[i];

		assert_non_null(c->key);
		assert_non_null(c->header);
		assert_non_null(c->title);
		assert_non_null(c->cell);
		assert_true(c->num != NULL || c->text != NULL);
		assert_non_null(c->json_key);
		assert_non_null(c->json);
		assert_true(c->priority >= 1 && c->priority <= COL_COUNT);
		assert_int_equal(top_column_find(c->key), i);
		if (c->prom == PROM_LABEL)
			assert_non_null(c->text);
		if (c->prom == PROM_GAUGE || c->prom == PROM_COUNTER) {
			assert_non_null(c->prom_name);
			assert_non_null(c->prom_help);
			assert_non_null(c->prom_value);
			assert_true(strncmp(c->prom_name, "shmrpc_", 7) == 0);
			size_t l = strlen(c->prom_name);
			assert_int_equal(c->prom == PROM_COUNTER,
			    l > 6 && strcmp(c->prom_name + l - 6, "_total") == 0);
		}
		for (int j = 0; j < i; j++) {
			assert_string_not_equal(c->key, top_columns[j].key);
			assert_string_not_equal(c->json_key,
			    top_columns[j].json_key);
		}
	}
	assert_int_equal(top_column_find("nope"), -1);
}

/* The key names of the table, and the entries of the KEYS section of
 * shmrpc-top(1) (".It F1 , h , ?" lines), are the same set. */
static int man_keys(char (*out)[16], int max)
{
	const char *path = getenv("TOP_MAN_PAGE");
	char line[512];
	int n = 0, in = 0;
	FILE *f = fopen(path != NULL ? path : "man/shmrpc-top.1", "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, ".Sh ", 4) == 0)
			in = strcmp(line, ".Sh KEYS\n") == 0;
		if (!in || strncmp(line, ".It ", 4) != 0)
			continue;
		for (char *save = NULL, *t = strtok_r(line + 4, " \n", &save);
		    t != NULL; t = strtok_r(NULL, " \n", &save)) {
			if (strcmp(t, ",") == 0)
				continue;
			if (strncmp(t, "\\&", 2) == 0)
				t += 2;
			if (strcmp(t, "\\e") == 0)
				t = "\\";
			assert_true(n < max);
			snprintf(out[n++], 16, "%s", t);
		}
	}
	fclose(f);
	return n;
}

static void test_keys_match_man_page(void **state)
{
	char man[128][16];
	int nman = man_keys(man, 128), ntab = 0;

	(void)state;
	for (size_t i = 0; i < top_nkeys; i++) {
		assert_non_null(top_keys[i].help);
		for (int j = 0; j < TOP_KEY_NAMES && top_keys[i].names[j];
		    j++) {
			int found = 0;
			for (int k = 0; k < nman; k++)
				found |= strcmp(man[k],
				    top_keys[i].names[j]) == 0;
			if (!found)
				fail_msg("key %s is not in shmrpc-top(1)",
				    top_keys[i].names[j]);
			ntab++;
		}
	}
	/* ... and the man page lists no key the table does not have. */
	assert_int_equal(nman, ntab);
}

/* toprc: what is saved is read back; unknown lines and columns are
 * skipped; NAME stays first. */
static void test_config(void **state)
{
	struct top_config c, d;
	char dir[] = "/tmp/test_top_cfgXXXXXX", path[256], why[256];
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a/b/toprc", dir);
	top_config_default(&c);
	assert_int_equal(top_colset_parse(&c.cols, "p99,state,bogus,p99", why,
			     sizeof(why)), -1);
	assert_non_null(strstr(why, "bogus"));
	assert_int_equal(c.cols.n, 3);
	assert_int_equal(c.cols.col[0], COL_NAME);
	assert_int_equal(c.cols.col[1], COL_P99);
	c.sort = COL_CALLS_S;
	c.reverse = 1;
	c.delay = 0.5;
	assert_int_equal(top_config_save(&c, path, why, sizeof(why)), 0);
	top_config_default(&d);
	assert_int_equal(top_config_load(&d, path, why, sizeof(why)), 0);
	assert_int_equal(d.cols.n, 3);
	assert_int_equal(d.cols.col[2], COL_STATE);
	assert_int_equal(d.sort, COL_CALLS_S);
	assert_int_equal(d.reverse, 1);
	assert_true(d.delay == 0.5);
	f = fopen(path, "w");
	fputs("junk\nsort=nope\ncolumns=state\ndelay=-3\n", f);
	fclose(f);
	top_config_default(&d);
	assert_int_equal(top_config_load(&d, path, why, sizeof(why)), 0);
	assert_int_equal(d.cols.n, 2);
	assert_int_equal(d.sort, COL_NAME);
	assert_true(d.delay == 0);
	top_config_default(&d);
	snprintf(path, sizeof(path), "%s/none", dir);
	assert_int_equal(top_config_load(&d, path, why, sizeof(why)), 0);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	assert_int_equal(system(path), 0);
}

/* ---- real channels ------------------------------------------------------- */


static int echo(shmrpc_req *req, const json_t *params, json_t **result,
    void *arg)
{
	(void)req;
	(void)arg;
	*result = json_deep_copy(params);
	return 0;
}

static void test_two_snapshots(void **state)
{
	char name[96];
	shmrpc_server *srv;
	shmrpc_client *cli;
	struct top_snap *s1, *s2;
	struct top_opts o = { 0 };
	struct top_row *r;

	(void)state;
	ut_name(name, sizeof(name), "two");
	o.filter = name;
	assert_int_equal(shmrpc_server_open(&srv, name, NULL, NULL), 0);
	assert_int_equal(top_collect(&s1, NULL, &o), 0);
	assert_int_equal(s1->nrows, 1);
	r = top_find(s1, name);
	assert_non_null(r);
	assert_int_equal(r->ci->state, SHMRPC_STATE_LIVE);
	assert_non_null(r->c);
	assert_int_equal(r->rate.ok, 0); /* first frame: blank */
	assert_int_equal(s1->tot.has_rate, 0);
	/* A client that claims a slot and leaves: counted as it left. */
	assert_int_equal(shmrpc_client_open(&cli, name, NULL, NULL), 0);
	shmrpc_client_close(cli);
	usleep(10000);
	assert_int_equal(top_collect(&s2, s1, &o), 0);
	r = top_find(s2, name);
	assert_non_null(r);
	assert_int_equal(r->rate.ok, 1);
	assert_true(r->rate.calls_s >= 0);
	assert_true(s2->interval > 0);
	assert_int_equal(r->nhist, 1);
	top_snap_free(s1);
	top_snap_free(s2);
	shmrpc_server_close(srv);
}

/* A frame does not look for a live channel's mappers; the detail view
 * asks for them with top_fetch_mappers(). */
static void test_mappers_on_demand(void **state)
{
	char name[96];
	shmrpc_server *srv;
	struct top_snap *s;
	struct top_opts o = { 0 };
	struct top_row *r;

	(void)state;
	ut_name(name, sizeof(name), "m");
	o.filter = name;
	assert_int_equal(shmrpc_server_open(&srv, name, NULL, NULL), 0);
	assert_int_equal(top_collect(&s, NULL, &o), 0);
	r = top_find(s, name);
	assert_non_null(r);
	assert_int_equal(r->ci->state, SHMRPC_STATE_LIVE);
	assert_non_null(r->c);
	assert_null(r->ci->stats); /* read by top itself, not twice */
	assert_int_equal(r->ci->nmappers, 0);
	assert_int_equal(r->ci->objects[0].nmappers, 0);

	assert_int_equal(top_fetch_mappers(s, name, &o), 0);
	r = top_find(s, name);
	assert_non_null(r);
	assert_int_equal(r->ci->state, SHMRPC_STATE_LIVE);
	assert_int_equal(r->ci->nmappers, 1);
	assert_int_equal(r->ci->mappers[0], getpid());
	assert_int_equal(r->ci->objects[0].nmappers, 1);
	assert_int_equal(top_fetch_mappers(s, name, &o), 0);
	assert_int_equal(top_find(s, name)->ci->nmappers, 1);
	assert_int_equal(top_fetch_mappers(s, "no-such-channel", &o),
	    SHMRPC_ENOCHANNEL);
	top_snap_free(s);
	shmrpc_server_close(srv);
}

/* The inodes looked for in /proc since the last reset: linked with ld
 * --wrap=shmrpc__procscan_run (see the Makefile), every scan the
 * library makes passes through here first. */
int __real_shmrpc__procscan_run(const ino_t *inos, size_t n, dev_t dev,
    const struct procscan_hooks *hooks);
int __wrap_shmrpc__procscan_run(const ino_t *inos, size_t n, dev_t dev,
    const struct procscan_hooks *hooks);

static ino_t scanned[256];
static size_t nscanned;

int __wrap_shmrpc__procscan_run(const ino_t *inos, size_t n, dev_t dev,
    const struct procscan_hooks *hooks)
{
	for (size_t i = 0; i < n && nscanned < 256; i++)
		scanned[nscanned++] = inos[i];
	return __real_shmrpc__procscan_run(inos, n, dev, hooks);
}

static int was_scanned(const char *fname)
{
	char path[400];
	struct stat st;

	snprintf(path, sizeof(path), "/dev/shm/%s", fname);
	assert_int_equal(stat(path, &st), 0);
	for (size_t i = 0; i < nscanned; i++)
		if (scanned[i] == st.st_ino)
			return 1;
	return 0;
}

static void touch_shm(const char *fname)
{
	char path[400];
	FILE *f;

	snprintf(path, sizeof(path), "/dev/shm/%s", fname);
	assert_non_null(f = fopen(path, "w"));
	fclose(f);
}

/* Loose objects the filter hides are not looked at (each would cost a
 * scan of every process for its mappers); on the screen, whose filter
 * starts as the channels' and can widen as the user types, a widened
 * filter brings them in without a new frame: the rows stay as they
 * were. */
static void test_hidden_loose_objects(void **state)
{
	char name[96], shown[160], hidden[160], path[400];
	shmrpc_server *srv;
	struct top_snap *s;
	struct top_opts o = { 0 };
	const struct top_row *r;

	(void)state;
	ut_name(name, sizeof(name), "seen");
	snprintf(shown, sizeof(shown), "srb_%s_x_resp", name);
	snprintf(hidden, sizeof(hidden), "srb_%s_other_resp", ut_tag);
	touch_shm(shown);
	touch_shm(hidden);
	assert_int_equal(shmrpc_server_open(&srv, name, NULL, NULL), 0);

	/* Batch: -f name. */
	o.filter = o.object_filter = name;
	nscanned = 0;
	assert_int_equal(top_collect(&s, NULL, &o), 0);
	assert_int_equal(s->nrows, 1);
	assert_int_equal(s->nobjs, 1);
	assert_string_equal(s->objs[0].oi->name, shown);
	assert_int_equal(s->tot.objects, 1);
	assert_true(was_scanned(shown));
	assert_false(was_scanned(hidden));
	top_snap_free(s);

	/* The screen: every channel, loose objects as the filter says. */
	o.filter = NULL;
	o.object_filter = name;
	assert_int_equal(top_collect(&s, NULL, &o), 0);
	r = top_find(s, name);
	assert_non_null(r);
	assert_int_equal(s->nobjs, 1);
	o.object_filter = ut_tag; /* widened */
	nscanned = 0;
	assert_int_equal(top_recollect_loose(s, &o), 0);
	assert_ptr_equal(top_find(s, name), r);
	assert_non_null(r->c);
	assert_int_equal(s->nobjs, 2);
	assert_int_equal(s->tot.objects, 2);
	assert_true(was_scanned(hidden));
	top_snap_free(s);

	shmrpc_server_close(srv);
	snprintf(path, sizeof(path), "/dev/shm/%s", shown);
	unlink(path);
	snprintf(path, sizeof(path), "/dev/shm/%s", hidden);
	unlink(path);
}

/* Runs the server of a channel in a thread. */
static void *serve(void *p)
{
	shmrpc_server_serve(p);
	return NULL;
}

/* A frame of output format fmt of s into a new string. */
static char *frame_of(const struct top_snap *s, enum top_format fmt)
{
	struct top_colset cs;
	struct top_frame fr = { .fmt = fmt, .cols = &cs, .sort = COL_NAME };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	top_colset_default(&cs);
	cs.col[cs.n++] = COL_METHODS;
	assert_non_null(f);
	assert_int_equal(fmt_frame(f, s, &fr), 0);
	fclose(f);
	return buf;
}

/* Overwrite the name of the first method of futex channel ch in its
 * segment. */
static void poke_method_name(const char *ch, const char *text)
{
	char fname[TRANSPORT_FNAME_MAX];
	struct shm_map m;
	const struct futex_header *h;
	struct method_entry *e;

	snprintf(fname, sizeof(fname), "%s%s", FUTEX_SEG_PREFIX, ch);
	assert_int_equal(shmrpc__shmobj_open(fname, FUTEX_HEADER_SIZE, 0, &m),
	    0);
	h = m.addr;
	e = methods_entry((struct method_table *)((char *)m.addr +
	    h->methods_offset), 0);
	snprintf(e->name, sizeof(e->name), "%s", text);
	shmrpc__shmobj_close(&m);
}

/* No byte below 0x20 but the newlines that end lines, and no DEL. */
static void assert_no_controls(const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		if ((*p < 0x20 && *p != '\n') || *p == 0x7f)
			fail_msg("control byte %#x at offset %td", *p,
			    (const char *)p - text);
}

/* A server whose process name carries an escape sequence, a newline,
 * quotes and a byte that is not UTF-8, and a method named likewise: none
 * of it reaches the text output raw; Prometheus escapes it as the format
 * says; JSON parses. */
static void test_hostile_names(void **state)
{
	static const char evil[] = "\x1b[31m\"a\\\nb\xff";
	char name[96], method[64];
	shmrpc_server *srv;
	shmrpc_client *cli;
	struct top_snap *s;
	struct top_opts o = { 0 };
	pthread_t th;
	json_t *res, *doc;
	char *text;

	(void)state;
	ut_name(name, sizeof(name), "h");
	o.filter = name;
	/* Not the \xff: the registry (JSON) cannot hold a name that is not
	 * UTF-8, so such a server is not registered at all today. */
	prctl(PR_SET_NAME, "\x1b[31m\"a\\\nb");
	assert_int_equal(shmrpc_server_open(&srv, name, NULL, NULL), 0);
	prctl(PR_SET_NAME, "test_top");
	assert_int_equal(shmrpc_server_register(srv, "m", echo, NULL), 0);
	assert_int_equal(pthread_create(&th, NULL, serve, srv), 0);
	assert_int_equal(shmrpc_client_open(&cli, name, NULL, NULL), 0);
	assert_int_equal(shmrpc_call(cli, "m", NULL, &res, NULL), 0);
	json_decref(res);
	shmrpc_client_close(cli);
	/* The server process writes the method names: a hostile one can
	 * write anything there. */
	snprintf(method, sizeof(method), "m%s", evil);
	poke_method_name(name, method);
	assert_int_equal(top_collect(&s, NULL, &o), 0);
	assert_int_equal(s->nrows, 1);
	assert_int_equal(s->rows[0].nmethods, 1);

	text = frame_of(s, FMT_TEXT);
	assert_no_controls(text);
	assert_non_null(strstr(text, "\\033[31m"));
	free(text);
	text = frame_of(s, FMT_PROMETHEUS);
	assert_no_controls(text);
	assert_non_null(strstr(text, "command=\"\xef\xbf\xbd[31m\\\"a\\\\\\nb\""));
	assert_non_null(strstr(text, "method=\"m\xef\xbf\xbd[31m\\\"a\\\\\\nb"
	    "\xef\xbf\xbd\"} 1\n"));
	free(text);
	text = frame_of(s, FMT_JSON);
	assert_no_controls(text);
	doc = json_loads(text, 0, NULL);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(doc, "channels"), 0), "owner_command")),
	    "\x1b[31m\"a\\\nb");
	json_decref(doc);
	free(text);
	top_snap_free(s);
	shmrpc_server_stop(srv);
	pthread_join(th, NULL);
	shmrpc_server_close(srv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buckets),
		cmocka_unit_test(test_percentile_error),
		cmocka_unit_test(test_cells),
		cmocka_unit_test(test_natcmp),
		cmocka_unit_test(test_where),
		cmocka_unit_test(test_column_table),
		cmocka_unit_test(test_keys_match_man_page),
		cmocka_unit_test(test_config),
		cmocka_unit_test_setup_teardown(test_two_snapshots, ut_setup,
		    ut_teardown),
		cmocka_unit_test_setup_teardown(test_mappers_on_demand,
		    ut_setup, ut_teardown),
		cmocka_unit_test_setup_teardown(test_hostile_names, ut_setup,
		    ut_teardown),
		cmocka_unit_test_setup_teardown(test_hidden_loose_objects,
		    ut_setup, ut_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
