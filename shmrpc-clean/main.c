/*
 * shmrpc-clean - reap what crashed libshmrpc (and shm-rpc-bridge)
 * programs left in /dev/shm, and nothing that is alive or not ours.  See
 * shmrpc-clean(1).  Options here; every state, check and decision comes
 * from the library (shmrpc_inspect(), shmrpc_reap_all()), which reports
 * each decision with its reason; the output is report.c's.
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

static const char synopsis[] =
    "usage: shmrpc-clean [-ajnqv] [-c channel] [-g seconds] [-p prefix]\n"
    "       shmrpc-clean -l [-ajqv] [-c channel] [-g seconds] [-p prefix]\n"
    "       shmrpc-clean -h | -V\n";

/* One line per option, in the order of shmrpc-clean(1). */
static const char options_help[] =
    "  -a, --all-users         every user's objects (root only)\n"
    "  -c, --channel=channel   only this channel\n"
    "  -g, --grace=seconds     an orphan's least age (default 5)\n"
    "  -h, --help              this text\n"
    "  -j, --json              JSON instead of text\n"
    "  -l, --list              list every object with its state; reap "
    "nothing\n"
    "  -n, --dry-run           change nothing; say what would be reaped\n"
    "  -p, --prefix=prefix     only channels whose names begin so\n"
    "  -q, --quiet             errors only (-l: no heading)\n"
    "  -v, --verbose           also what was left alone, and why\n"
    "  -V, --version           the version\n";

/* -h: the synopsis and the options on stdout, status 0.  A mistake: the
 * synopsis on stderr, status 2. */
static void usage(FILE *to, int status)
{
	fputs(synopsis, to);
	if (status == EXIT_OK)
		fputs(options_help, to);
	exit(status);
}

/* Owners of live channels whose files systemd-logind removes at logout
 * (RemoveIPC=yes), each said once at the end. */
struct removeipc_seen {
	uid_t uid[64];
	size_t n;
};

/* Every decision of the library, as it made it: this tool only says. */
static void on_reap(const shmrpc_reap_event *ev, void *arg)
{
	struct removeipc_seen *seen = arg;
	const shmrpc_channel_info *c = ev->channel;
	size_t i;

	report_event(ev);
	if (c == NULL || c->state != SHMRPC_STATE_LIVE ||
	    c->owner_removeipc != 1)
		return;
	for (i = 0; i < seen->n && seen->uid[i] != c->owner_uid; i++)
		;
	if (i == seen->n && seen->n < sizeof(seen->uid) / sizeof(uid_t))
		seen->uid[seen->n++] = c->owner_uid;
}

static void warn_removeipc(const struct removeipc_seen *seen)
{
	for (size_t i = 0; i < seen->n; i++)
		warnx("uid %lu has live channels, and systemd-logind removes "
		    "its files from /dev/shm when its last session ends "
		    "(RemoveIPC=yes); see DEPLOYMENT in shmrpc(7)",
		    (unsigned long)seen->uid[i]);
}

/* What the command line asked for. */
struct clean_args {
	struct report_opts ro;
	shmrpc_inspect_options o;
	shmrpc_reap_options rop;
	int list;
};

static void parse_prefix(struct clean_args *a, const char *arg)
{
	if (arg[0] == '\0' || strchr(arg, '/') != NULL ||
	    strlen(arg) > SHMRPC_NAME_MAX) {
		char safe[4 * SHMRPC_NAME_MAX + 8];
		errx(EXIT_USAGE, "invalid prefix: '%s'",
		    tool_vis(arg, safe, sizeof(safe)));
	}
	a->o.prefix = arg;
}

static void parse_args(int argc, char **argv, struct clean_args *a)
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
	int ch;

	while ((ch = getopt_long(argc, argv, "ac:g:jlnp:qvhV", longopts,
		    NULL)) != -1) {
		switch (ch) {
		case 'a':
			a->o.all_users = 1;
			break;
		case 'c':
			a->o.channel = tool_parse_channel(optarg);
			break;
		case 'g':
			a->o.grace = (double)tool_parse_count(optarg, 0,
			    GRACE_MAX, "grace");
			break;
		case 'j':
			a->ro.json = 1;
			break;
		case 'l':
			a->list = 1;
			break;
		case 'n':
			a->rop.dry_run = a->ro.dry_run = 1;
			break;
		case 'p':
			parse_prefix(a, optarg);
			break;
		case 'q':
			a->ro.quiet = 1;
			a->ro.verbose = 0;
			break;
		case 'v':
			a->ro.verbose = 1;
			a->ro.quiet = 0;
			break;
		case 'V':
			tool_print_version("shmrpc-clean");
			exit(EXIT_OK);
		case 'h':
			usage(stdout, EXIT_OK);
			break;
		default:
			usage(stderr, EXIT_USAGE);
		}
	}
	if (optind != argc)
		usage(stderr, EXIT_USAGE);
	if (a->o.all_users && geteuid() != 0)
		errx(EXIT_USAGE, "-a (all users) needs root");
}

static int list_objects(struct clean_args *a)
{
	shmrpc_inspection *s;
	shmrpc_error e;

	/* Root sees every user's objects; others see their own. */
	a->o.all_users = geteuid() == 0;
	if (shmrpc_inspect(&s, &a->o, &e) < 0) {
		char safe[4 * SHMRPC_ERROR_TEXT_LENGTH];
		/* It may name another user's file. */
		errx(EXIT_LEFT, "%s", tool_vis(e.text, safe, sizeof(safe)));
	}
	report_list(s, &a->ro);
	shmrpc_inspection_free(s);
	return EXIT_OK;
}

static int reap(struct clean_args *a)
{
	struct removeipc_seen seen = { .n = 0 };
	shmrpc_error e;
	int rc;

	a->rop.grace = a->o.grace;
	a->rop.channel = a->o.channel;
	a->rop.prefix = a->o.prefix;
	a->rop.all_users = a->o.all_users;
	report_begin(&a->ro);
	rc = shmrpc_reap_all(&a->rop, on_reap, &seen, &e);
	/* A failed item was reported with its reason already. */
	if (rc < 0 && report_errors() == 0)
		report_error("", e.text);
	report_end();
	if (!a->ro.quiet && !a->ro.json)
		warn_removeipc(&seen);
	return report_errors() > 0 ? EXIT_LEFT : EXIT_OK;
}

int main(int argc, char **argv)
{
	struct clean_args a = { .list = 0 };

	shmrpc_inspect_options_init(&a.o);
	shmrpc_reap_options_init(&a.rop);
	parse_args(argc, argv, &a);
	return a.list ? list_objects(&a) : reap(&a);
}
