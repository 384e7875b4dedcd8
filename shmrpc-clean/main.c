/*
 * shmrpc-clean - reap what crashed libshmrpc (and shm-rpc-bridge)
 * programs left in /dev/shm, and nothing that is alive or not ours.  See
 * shmrpc-clean(1).  Options and decisions here; every state and every
 * check comes from the library (shmrpc_inspect(), shmrpc_reap_all(),
 * shmrpc_reap_channel()); the output is report.c's.
 */
#include <err.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <shmrpc.h>

#include "report.h"
#include "tool.h"

/* Exit status, as documented in shmrpc-clean(1). */
enum { EXIT_OK = 0, EXIT_LEFT = 1, EXIT_USAGE = TOOL_EXIT_USAGE };

#define GRACE_MAX (365LL * 86400)

static void usage(FILE *to, int status)
{
	fprintf(to,
	    "usage: shmrpc-clean [-ajnqv] [-c channel] [-g seconds] "
	    "[-p prefix]\n"
	    "       shmrpc-clean -l [-ajv] [-c channel] [-g seconds] "
	    "[-p prefix]\n"
	    "       shmrpc-clean -h | -V\n");
	exit(status);
}

/* The snapshot taken before reaping, indexed by name, to say what each
 * reaped item was (size, channel, reason) and what was left alone. */
struct seen {
	const shmrpc_inspection *s;
	const shmrpc_object_info **loose; /* sorted by name */
	size_t nloose;
	char *done_loose;                 /* reaped, by index in loose */
	char *done_ch;                    /* reaped, by channel index */
	char registry[PATH_MAX];          /* ours */
	unsigned long failed;
};

static int cmp_obj(const void *a, const void *b)
{
	const shmrpc_object_info *x = *(const shmrpc_object_info *const *)a;
	const shmrpc_object_info *y = *(const shmrpc_object_info *const *)b;

	return strcmp(x->name, y->name);
}

static ssize_t find_loose(const struct seen *sn, const char *name)
{
	shmrpc_object_info key = { .name = name };
	const shmrpc_object_info *kp = &key, **hit;

	hit = bsearch(&kp, sn->loose, sn->nloose, sizeof(*sn->loose), cmp_obj);
	return hit != NULL ? hit - sn->loose : -1;
}

static ssize_t find_channel(const struct seen *sn, const char *name,
    const char *registry)
{
	for (size_t i = 0; i < shmrpc_inspection_channel_count(sn->s); i++) {
		const shmrpc_channel_info *c =
		    shmrpc_inspection_channel(sn->s, i);
		if (strcmp(c->name, name) == 0 &&
		    (registry == NULL || strcmp(c->registry, registry) == 0))
			return (ssize_t)i;
	}
	return -1;
}

static void seen_init(struct seen *sn, const shmrpc_inspection *s)
{
	size_t nc = shmrpc_inspection_channel_count(s);

	memset(sn, 0, sizeof(*sn));
	sn->s = s;
	sn->nloose = shmrpc_inspection_object_count(s);
	sn->loose = calloc(sn->nloose + 1, sizeof(*sn->loose));
	sn->done_loose = calloc(sn->nloose + 1, 1);
	sn->done_ch = calloc(nc + 1, 1);
	if (sn->loose == NULL || sn->done_loose == NULL || sn->done_ch == NULL)
		err(EXIT_LEFT, "calloc");
	for (size_t i = 0; i < sn->nloose; i++)
		sn->loose[i] = shmrpc_inspection_object(s, i);
	qsort(sn->loose, sn->nloose, sizeof(*sn->loose), cmp_obj);
	if (shmrpc_registry_path(sn->registry, sizeof(sn->registry)) == NULL)
		errx(EXIT_LEFT, "registry path too long");
}

static void seen_free(struct seen *sn)
{
	free(sn->loose);
	free(sn->done_loose);
	free(sn->done_ch);
}

/* A channel went: one line per object it had. */
static void reaped_channel(struct seen *sn, ssize_t at, const char *what,
    const shmrpc_reap_result *res)
{
	const shmrpc_channel_info *c;

	if (at < 0) {
		report_reaped(what, what, 0, res->state, res->text);
		return;
	}
	sn->done_ch[at] = 1;
	c = shmrpc_inspection_channel(sn->s, (size_t)at);
	for (size_t k = 0; k < c->nobjects; k++)
		if (c->objects[k].present)
			report_reaped(c->objects[k].name, c->name,
			    c->objects[k].size, SHMRPC_STATE_STALE, c->reason);
}

/* shmrpc_reap_all()'s callback. */
static void on_reap(const char *what, const shmrpc_reap_result *res,
    void *arg)
{
	struct seen *sn = arg;
	ssize_t at;

	if (res->code < 0) {
		sn->failed++;
		report_error(what, res->text);
		return;
	}
	if (!res->entry_removed) {
		at = find_loose(sn, what);
		if (at < 0) {
			report_reaped(what, "", 0, res->state, res->text);
			return;
		}
		sn->done_loose[at] = 1;
		report_reaped(what, sn->loose[at]->channel,
		    sn->loose[at]->size, res->state, sn->loose[at]->reason);
		return;
	}
	reaped_channel(sn, find_channel(sn, what, sn->registry), what, res);
}

static int reapable(shmrpc_state st)
{
	return st == SHMRPC_STATE_STALE || st == SHMRPC_STATE_ORPHAN;
}

/* Channels of other users' registries (root with -a): one by one, each
 * under its own registry's lock. */
static void reap_others(struct seen *sn, const shmrpc_inspect_options *o)
{
	for (size_t i = 0; i < shmrpc_inspection_channel_count(sn->s); i++) {
		const shmrpc_channel_info *c =
		    shmrpc_inspection_channel(sn->s, i);
		shmrpc_reap_result res;

		if (strcmp(c->registry, sn->registry) == 0 ||
		    c->state != SHMRPC_STATE_STALE)
			continue;
		if (shmrpc_reap_channel(c->name, o, &res) < 0) {
			sn->failed++;
			report_error(c->name, res.text);
		} else {
			reaped_channel(sn, (ssize_t)i, c->name, &res);
		}
	}
}

/* What the run did not take, and why: left alone on purpose, or an error
 * when it looked reapable but is another user's. */
static void report_rest(struct seen *sn, int all_users)
{
	uid_t me = geteuid();
	char text[512];

	for (size_t i = 0; i < shmrpc_inspection_channel_count(sn->s); i++) {
		const shmrpc_channel_info *c =
		    shmrpc_inspection_channel(sn->s, i);
		int ours = strcmp(c->registry, sn->registry) == 0;
		if (sn->done_ch[i])
			continue;
		if (!ours && !all_users && reapable(c->state)) {
			snprintf(text, sizeof(text), "channel %s: listed in "
			    "registry %s of uid %lu: run as that user or root "
			    "with -a", c->name, c->registry,
			    (unsigned long)c->owner_uid);
			sn->failed++;
			report_error(c->name, text);
			continue;
		}
		for (size_t k = 0; k < c->nobjects; k++)
			if (c->objects[k].present)
				report_left(c->objects[k].name, c->name,
				    c->state, c->reason);
	}
	for (size_t i = 0; i < sn->nloose; i++) {
		const shmrpc_object_info *o = sn->loose[i];
		if (sn->done_loose[i])
			continue;
		if (o->uid != me && !all_users && reapable(o->state)) {
			snprintf(text, sizeof(text), "%s: owned by uid %lu: "
			    "run as that user or root", o->name,
			    (unsigned long)o->uid);
			sn->failed++;
			report_error(o->name, text);
			continue;
		}
		report_left(o->name, o->channel, o->state, o->reason);
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all-users", no_argument, NULL, 'a' },
		{ "channel", required_argument, NULL, 'c' },
		{ "grace", required_argument, NULL, 'g' },
		{ "json", no_argument, NULL, 'j' },
		{ "list", no_argument, NULL, 'l' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "prefix", required_argument, NULL, 'p' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct report_opts ro = { 0 };
	shmrpc_inspect_options o;
	shmrpc_inspection *s;
	struct seen sn;
	int ch, list = 0, rc;

	shmrpc_inspect_options_init(&o);
	while ((ch = getopt_long(argc, argv, "ac:g:jlnp:qvhV", longopts,
		    NULL)) != -1) {
		switch (ch) {
		case 'a':
			o.all_users = 1;
			break;
		case 'c':
			o.channel = tool_parse_channel(optarg);
			break;
		case 'g':
			o.grace = (double)tool_parse_count(optarg, 0, GRACE_MAX,
			    "grace");
			break;
		case 'j':
			ro.json = 1;
			break;
		case 'l':
			list = 1;
			break;
		case 'n':
			o.dry_run = ro.dry_run = 1;
			break;
		case 'p':
			if (optarg[0] == '\0' || strchr(optarg, '/') != NULL ||
			    strlen(optarg) > SHMRPC_NAME_MAX)
				errx(EXIT_USAGE, "invalid prefix: '%s'",
				    optarg);
			o.prefix = optarg;
			break;
		case 'q':
			ro.quiet = 1;
			ro.verbose = 0;
			break;
		case 'v':
			ro.verbose = 1;
			ro.quiet = 0;
			break;
		case 'V':
			tool_print_version("shmrpc-clean");
			return EXIT_OK;
		case 'h':
			usage(stdout, EXIT_OK);
			break;
		default:
			usage(stderr, EXIT_USAGE);
		}
	}
	if (optind != argc)
		usage(stderr, EXIT_USAGE);
	if (o.all_users && geteuid() != 0)
		errx(EXIT_USAGE, "-a (all users) needs root");

	/* Root sees every user's objects, so that the ones it must not
	 * touch without -a can be named; others see their own. */
	{
		shmrpc_inspect_options so = o;
		so.all_users = geteuid() == 0;
		rc = shmrpc_inspect(&s, &so);
	}
	if (rc < 0)
		errx(EXIT_LEFT, "cannot inspect /dev/shm: %s",
		    shmrpc_strerror(rc));
	if (list) {
		report_list(s, &ro);
		shmrpc_inspection_free(s);
		return EXIT_OK;
	}

	seen_init(&sn, s);
	report_begin(&ro);
	for (size_t i = 0; i < shmrpc_inspection_warning_count(s); i++)
		report_warning(shmrpc_inspection_warning(s, i));
	rc = shmrpc_reap_all(&o, on_reap, &sn);
	if (rc < 0 && sn.failed == 0) {
		sn.failed++;
		report_error("", shmrpc_strerror(rc));
	}
	if (o.all_users)
		reap_others(&sn, &o);
	report_rest(&sn, o.all_users);
	report_end();
	rc = sn.failed ? EXIT_LEFT : EXIT_OK;
	seen_free(&sn);
	shmrpc_inspection_free(s);
	return rc;
}
