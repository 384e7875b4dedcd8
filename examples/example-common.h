/*
 * example-common.h - option parsing and signal handling shared by the
 * examples, so that each example file shows only the RPC part.
 *
 * Usage of every example: NAME [-t posix|futex] [-b BUFSIZE] [-w WAIT_S]
 * CHANNEL (-w: clients only, seconds to wait for the server; default 2).
 */
#ifndef EXAMPLE_COMMON_H
#define EXAMPLE_COMMON_H

#include <err.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <shmrpc.h>

static inline void example_usage(const char *argv0)
{
	fprintf(stderr, "usage: %s [-t posix|futex] [-b BUFSIZE] [-w WAIT_S] "
	    "CHANNEL\n", argv0);
	exit(2);
}

static inline const char *example_parse(int argc, char **argv,
    shmrpc_options *opts)
{
	int ch;

	shmrpc_options_init(opts);
	while ((ch = getopt(argc, argv, "t:b:w:h")) != -1) {
		switch (ch) {
		case 't':
			if (shmrpc_transport_parse(optarg, &opts->transport) < 0)
				errx(2, "unknown transport: %s", optarg);
			break;
		case 'b': {
			char *end;
			unsigned long n = strtoul(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || n < 5)
				errx(2, "bad buffer size: %s", optarg);
			opts->buffer_size = n;
			break;
		}
		case 'w':
			opts->wait_for_server = atof(optarg);
			break;
		default:
			example_usage(argv[0]);
		}
	}
	if (optind != argc - 1) {
		example_usage(argv[0]);
	}
	return argv[optind];
}

/* Servers stop cleanly on SIGINT and SIGTERM: the library's opt-in
 * handler stops the server, shmrpc_server_serve() returns 0, and main()
 * closes the channel, leaving nothing in /dev/shm. */
static inline void example_handle_signals(shmrpc_server *srv)
{
	shmrpc_error err;

	if (shmrpc_server_stop_on_signals(srv, SHMRPC_STOP_ON_SIGTERM |
	    SHMRPC_STOP_ON_SIGINT, &err) < 0)
		warnx("no clean stop on signals: %s", err.text);
}

#endif
