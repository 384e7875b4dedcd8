/*
 * test-server - a server for the test suites, with methods that exercise
 * the library: echo, sleep, fail, big, pid.
 *
 * usage: test-server [-t posix|futex] [-b bufsize] [-T timeout]
 *                    [-n threads] [-s slots] [-m mode] [-g gid] channel
 * Prints "ready" once serving; SIGTERM/SIGINT stop it cleanly (exit 0).
 */
#include <err.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <shmrpc.h>

#include "registry/registry.h" /* shmrpc__registry_test_midwrite_hook() */

/* SHMRPC_TEST_REGISTRY_STALL=N: sleep N seconds half way through writing
 * the registry, holding its lock (070-registry kills us there).  The hook
 * exists only in test programs. */
void shmrpc__registry_test_midwrite_hook(void)
{
	const char *s = getenv("SHMRPC_TEST_REGISTRY_STALL");

	if (s != NULL)
		sleep((unsigned)atoi(s));
}

static shmrpc_server *server;
static shmrpc_error open_err;

/* echo: the params object back. */
static int echo(shmrpc_req *req, const json_t *params, json_t **result,
    void *arg)
{
	(void)req;
	(void)arg;
	*result = json_deep_copy(params);
	return 0;
}

/* sleep {"ms": N}: sleep N milliseconds, answer true. */
static int sleep_ms(shmrpc_req *req, const json_t *params, json_t **result,
    void *arg)
{
	json_int_t ms = json_integer_value(json_object_get(params, "ms"));
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	(void)req;
	(void)arg;
	nanosleep(&ts, NULL);
	*result = json_true();
	return 0;
}

/* fail {"message": S}: a method error "ValueError: S". */
static int fail(shmrpc_req *req, const json_t *params, json_t **result,
    void *arg)
{
	const char *msg = json_string_value(json_object_get(params, "message"));

	(void)result;
	(void)arg;
	return shmrpc_req_error(req, "ValueError", "%s", msg ? msg : "failed");
}

/* big {"bytes": N}: a string of N 'x'. */
static int big(shmrpc_req *req, const json_t *params, json_t **result,
    void *arg)
{
	json_int_t n = json_integer_value(json_object_get(params, "bytes"));
	char *s;

	(void)arg;
	if (n < 0 || n > (1 << 28))
		return shmrpc_req_error(req, "ValueError", "bad size");
	s = malloc((size_t)n);
	if (s == NULL)
		return shmrpc_req_error(req, "MemoryError", "no memory");
	memset(s, 'x', (size_t)n);
	*result = json_stringn(s, (size_t)n);
	free(s);
	return 0;
}

/* pid: the server's pid, and the peer id of the caller. */
static int pid(shmrpc_req *req, const json_t *params, json_t **result,
    void *arg)
{
	(void)params;
	(void)arg;
	*result = json_pack("{s:i, s:i}", "pid", (int)getpid(), "peer",
	    (int)shmrpc_req_peer(req));
	return 0;
}

static void on_signal(int sig)
{
	(void)sig;
	shmrpc_server_stop(server);
}

static void *serve_thread(void *arg)
{
	(void)arg;
	return (void *)(intptr_t)shmrpc_server_serve(server);
}

/* Bytes method: the request bytes back, copied in place from the request
 * buffer to the reply buffer (futex only). */
static int echo_bytes(shmrpc_req *req, const void *in, size_t in_len,
    void *out, size_t out_cap, size_t *out_len, void *arg)
{
	(void)arg;
	if (in_len > out_cap)
		return shmrpc_req_error(req, "ValueError",
		    "%zu bytes do not fit in a reply of %zu", in_len, out_cap);
	memcpy(out, in, in_len);
	*out_len = in_len;
	return 0;
}

int main(int argc, char **argv)
{
	shmrpc_options opts;
	struct sigaction sa;
	int ch, rc, threads = 1;

	shmrpc_options_init(&opts);
	while ((ch = getopt(argc, argv, "t:b:T:n:s:m:g:")) != -1) {
		switch (ch) {
		case 't':
			if (shmrpc_transport_parse(optarg, &opts.transport) < 0)
				errx(2, "bad transport %s", optarg);
			break;
		case 'b':
			opts.buffer_size = strtoul(optarg, NULL, 10);
			break;
		case 'T':
			opts.timeout = atof(optarg);
			break;
		case 'n':
			threads = atoi(optarg);
			break;
		case 's':
			opts.slots = (unsigned)atoi(optarg);
			break;
		case 'm':
			opts.mode = (unsigned)strtoul(optarg, NULL, 8);
			break;
		case 'g':
			opts.gid = (gid_t)strtoul(optarg, NULL, 10);
			break;
		default:
			errx(2, "usage: test-server [-t transport] [-b bufsize] "
			    "[-T timeout] [-n threads] [-s slots] [-m mode] "
			    "[-g gid] channel");
		}
	}
	if (optind != argc - 1 || threads < 1 || threads > 64)
		errx(2, "usage: test-server [options] channel");
	rc = shmrpc_server_open(&server, argv[optind], &opts, &open_err);
	if (rc < 0)
		errx(1, "open %s: %s: %s", argv[optind], shmrpc_strerror(rc),
		    open_err.text);
	shmrpc_server_register(server, "echo", echo, NULL);
	shmrpc_server_register(server, "sleep", sleep_ms, NULL);
	shmrpc_server_register(server, "fail", fail, NULL);
	shmrpc_server_register(server, "big", big, NULL);
	shmrpc_server_register(server, "pid", pid, NULL);
	/* -EPROTONOSUPPORT on posix: bytes calls are futex only. */
	(void)shmrpc_server_register_bytes(server, "echo_bytes", echo_bytes,
	    NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	printf("ready\n");
	fflush(stdout);

	pthread_t tid[64];
	for (int i = 1; i < threads; i++)
		pthread_create(&tid[i], NULL, serve_thread, NULL);
	rc = shmrpc_server_serve(server);
	for (int i = 1; i < threads; i++) {
		void *r;
		pthread_join(tid[i], &r);
		if ((intptr_t)r < 0 && rc == 0)
			rc = (int)(intptr_t)r;
	}
	shmrpc_server_close(server);
	if (rc < 0)
		errx(1, "serve: %s", shmrpc_strerror(rc));
	return 0;
}
