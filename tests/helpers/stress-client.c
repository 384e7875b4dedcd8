/*
 * stress-client - makes N echo calls, each with a payload unique to this
 * process and call, and checks every reply is its own.
 *
 * usage: stress-client [-t posix|futex] [-T timeout] [-p bytes] channel n
 * Prints "ok=N crossed=N errors=N"; exit 0 only if crossed and errors are 0.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <shmrpc.h>

int main(int argc, char **argv)
{
	shmrpc_options opts;
	shmrpc_client *cli;
	long ok = 0, crossed = 0, errors = 0, n, pad = 0;
	char *padding;
	int ch, rc;

	shmrpc_options_init(&opts);
	opts.wait_for_server = 5;
	while ((ch = getopt(argc, argv, "t:T:p:")) != -1) {
		switch (ch) {
		case 't':
			if (shmrpc_transport_parse(optarg, &opts.transport) < 0)
				errx(2, "bad transport %s", optarg);
			break;
		case 'T':
			opts.timeout = atof(optarg);
			break;
		case 'p':
			pad = atol(optarg);
			break;
		default:
			errx(2, "usage: stress-client [-t transport] [-T timeout] "
			    "[-p bytes] channel n");
		}
	}
	if (optind != argc - 2 || pad < 0)
		errx(2, "usage: stress-client [options] channel n");
	n = atol(argv[optind + 1]);
	padding = calloc(1, (size_t)pad + 1);
	memset(padding, 'p', (size_t)pad);
	rc = shmrpc_client_open(&cli, argv[optind], &opts, NULL);
	if (rc < 0)
		errx(3, "open %s: %s", argv[optind], shmrpc_strerror(rc));
	for (long i = 0; i < n; i++) {
		json_t *params = json_pack("{s:i, s:I, s:s}", "pid",
		    (int)getpid(), "seq", (json_int_t)i, "pad", padding);
		json_t *result;
		shmrpc_error e;

		rc = shmrpc_call(cli, "echo", params, &result, &e);
		if (rc < 0) {
			errors++;
			if (errors < 5)
				warnx("call %ld: %s", i, e.text);
		} else if (json_equal(result, params)) {
			ok++;
		} else {
			crossed++;
		}
		json_decref(params);
		json_decref(result);
	}
	shmrpc_client_close(cli);
	free(padding);
	printf("ok=%ld crossed=%ld errors=%ld\n", ok, crossed, errors);
	return crossed == 0 && errors == 0 ? 0 : 1;
}
