/*
 * shmrpc-call - call a method on a libshmrpc (or shm-rpc-bridge) channel
 * from the command line and print the result as JSON; repeat the call for
 * latency figures; list a server's methods.  See shmrpc-call(1).  Options
 * here; params.c builds the params, load.c makes the calls, methods.c
 * lists, output.c prints what the server sent.
 */
#include <err.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <shmrpc.h>

#include "load.h"
#include "methods.h"
#include "params.h"
#include "tool.h"

/* Exit status, as documented in shmrpc-call(1). */
enum { EXIT_OK = 0, EXIT_USAGE = TOOL_EXIT_USAGE, EXIT_CHANNEL = 3 };

#define COUNT_MAX 100000000LL
#define CLIENTS_MAX 1024
#define OPT_RAW 256
#define OPT_COMPLETE_CHANNELS 257

static const char synopsis[] =
    "usage: shmrpc-call [-j] [-t posix|futex] [-w wait] [-T timeout] "
    "[-b bufsize]\n"
    "                   [-c count] [-d seconds] [-P clients] channel "
    "method [params ...]\n"
    "       shmrpc-call --raw [-j] [-t futex] [-w wait] [-T timeout] "
    "[-b bufsize]\n"
    "                   [-c count] [-d seconds] [-P clients] channel "
    "method < request > reply\n"
    "       shmrpc-call -l [-j] [-t posix|futex] [-w wait] [-T timeout] "
    "channel\n"
    "       shmrpc-call -h | -V\n";

/* One line per option, in the order of shmrpc-call(1). */
static const char options_help[] =
    "  params: '{...}' (a JSON object), - (one on standard input),\n"
    "          name=text (a string) or name:=json (any JSON value)\n"
    "  -t, --transport=posix|futex  the server's transport\n"
    "  -w, --wait=seconds      wait for the channel (and a free slot)\n"
    "  -T, --timeout=seconds   time each wait of a call may take "
    "(default 5)\n"
    "  -b, --buffer-size=bytes the buffer size to expect of the channel\n"
    "  -c, --count=count       make count calls, then print latency "
    "figures\n"
    "  -d, --duration=seconds  make calls for that long, then print "
    "figures\n"
    "  -P, --clients=clients   that many clients calling at once\n"
    "  -j, --json              the figures (or -l's list) as JSON\n"
    "  -l, --list              list the methods of the channel's server\n"
    "      --raw               a bytes call: stdin to the method, reply to "
    "stdout\n"
    "  -h, --help              this text\n"
    "  -V, --version           the version\n";

/* -h: the synopsis and the options on stdout, status 0.  A mistake: the
 * synopsis on stderr, status 2. */
static void usage(int help)
{
	if (help) {
		fputs(synopsis, stdout);
		fputs(options_help, stdout);
		exit(EXIT_OK);
	}
	fputs(synopsis, stderr);
	exit(EXIT_USAGE);
}

struct args {
	shmrpc_options copts;
	struct load_opts load;
	int list;
	int count_given;
};

static void parse_option(int ch, struct args *a)
{
	switch (ch) {
	case 't':
		if (shmrpc_transport_parse(optarg, &a->copts.transport) < 0)
			errx(EXIT_USAGE, "unknown transport: %s (posix or "
			    "futex)", optarg);
		break;
	case 'w':
		a->copts.wait_for_server = tool_parse_seconds(optarg, 0, 1e6,
		    "wait");
		break;
	case 'T':
		a->copts.timeout = tool_parse_seconds(optarg, 0, 1e6,
		    "timeout");
		break;
	case 'b':
		a->copts.buffer_size = (size_t)tool_parse_count(optarg, 5,
		    UINT32_MAX, "buffer size");
		break;
	case 'c':
		a->load.count = tool_parse_count(optarg, 1, COUNT_MAX, "count");
		a->count_given = a->load.stats = 1;
		break;
	case 'd':
		a->load.duration = tool_parse_seconds(optarg, 0.001, 1e6,
		    "duration");
		a->load.stats = 1;
		break;
	case 'P':
		a->load.clients = (unsigned)tool_parse_count(optarg, 1,
		    CLIENTS_MAX, "clients");
		a->load.stats = 1;
		break;
	case 'j':
		a->load.json = 1;
		break;
	case 'l':
		a->list = 1;
		break;
	case OPT_RAW:
		a->load.raw = 1;
		break;
	case 'V':
		tool_print_version("shmrpc-call");
		exit(EXIT_OK);
	case 'h':
		usage(1);
		break;
	case OPT_COMPLETE_CHANNELS:
		exit(methods_complete_channels());
	default:
		usage(0);
	}
}

static void parse_args(int argc, char **argv, struct args *a)
{
	static const struct option longopts[] = {
		{ "transport", required_argument, NULL, 't' },
		{ "wait", required_argument, NULL, 'w' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "buffer-size", required_argument, NULL, 'b' },
		{ "count", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, 'd' },
		{ "clients", required_argument, NULL, 'P' },
		{ "json", no_argument, NULL, 'j' },
		{ "list", no_argument, NULL, 'l' },
		{ "raw", no_argument, NULL, OPT_RAW },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		/* For the shell completions; not documented. */
		{ "complete-channels", no_argument, NULL,
		    OPT_COMPLETE_CHANNELS },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	shmrpc_options_init(&a->copts);
	a->load.copts = &a->copts;
	a->load.count = 1;
	a->load.clients = 1;
	while ((ch = getopt_long(argc, argv, "t:w:T:b:c:d:P:jlhV", longopts,
		    NULL)) != -1)
		parse_option(ch, a);
	/* -d alone: no count; -P alone: one call per client. */
	if (!a->count_given)
		a->load.count = a->load.duration > 0 ? 0 :
		    (long long)a->load.clients;
	if (a->list && (a->load.stats || a->load.raw))
		errx(EXIT_USAGE, "-l lists methods: it takes none of -c, -d, "
		    "-P and --raw");
}

int main(int argc, char **argv)
{
	struct args a = { .list = 0 };
	char why[512];
	json_t *params = NULL;
	int status;

	parse_args(argc, argv, &a);
	argc -= optind;
	argv += optind;
	if (a.list) {
		if (argc != 1)
			usage(0);
		return methods_list(tool_parse_channel(argv[0]), &a.copts,
		    a.load.json);
	}
	if (argc < 2)
		usage(0);
	a.load.channel = tool_parse_channel(argv[0]);
	a.load.method = argv[1];
	if (a.load.raw && argc != 2)
		errx(EXIT_USAGE, "--raw takes the request bytes from standard "
		    "input, not an argument");
	if (a.load.raw && (a.load.raw_in = read_all(stdin,
		&a.load.raw_len)) == NULL)
		err(EXIT_USAGE, "reading standard input");
	if (!a.load.raw) {
		params = params_from_args(argc - 2, argv + 2, why, sizeof(why));
		if (params == NULL)
			errx(EXIT_USAGE, "%s", why);
	}
	a.load.params = params;
	status = load_run(&a.load);
	json_decref(params);
	free((char *)a.load.raw_in);
	return status;
}
