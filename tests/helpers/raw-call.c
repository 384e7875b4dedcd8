/*
 * raw-call - send stdin as one raw request message and print the raw
 * response, through the public byte-level transport API.  With -L it plays
 * a hostile seed-protocol client instead: it forges the length header of
 * the request to N (with glibc sem_open(), as shm-rpc-bridge does).
 *
 * usage: raw-call [-t posix|futex] [-T timeout] channel
 *        raw-call -L length [-T timeout] channel     (posix only)
 * Exit: 0 a response came (printed on stdout), 3 otherwise.
 */
#include <err.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <shmrpc.h>

static size_t read_stdin(char *buf, size_t cap)
{
	size_t n = 0, r;

	while (n < cap && (r = fread(buf + n, 1, cap - n, stdin)) > 0)
		n += r;
	return n;
}

static sem_t *open_sem(const char *ch, const char *suffix)
{
	char name[512];
	sem_t *s;

	snprintf(name, sizeof(name), "/srb_%s_%s", ch, suffix);
	s = sem_open(name, 0);
	if (s == SEM_FAILED)
		err(3, "sem_open %s", name);
	return s;
}

static void *map_seg(const char *ch, const char *suffix, size_t *size)
{
	char name[512];
	void *p;
	int fd;

	snprintf(name, sizeof(name), "/srb_%s_%s", ch, suffix);
	fd = shm_open(name, O_RDWR, 0);
	if (fd < 0)
		err(3, "shm_open %s", name);
	*size = (size_t)lseek(fd, 0, SEEK_END);
	p = mmap(NULL, *size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		err(3, "mmap %s", name);
	close(fd);
	return p;
}

static int timed_wait(sem_t *s, double timeout)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)timeout;
	ts.tv_nsec += (long)((timeout - (double)(time_t)timeout) * 1e9);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return sem_timedwait(s, &ts);
}

/* The seed client's steps, with a forged length header. */
static int forged_call(const char *ch, uint32_t forged, double timeout)
{
	size_t req_size, resp_size;
	unsigned char *req = map_seg(ch, "req", &req_size);
	unsigned char *resp = map_seg(ch, "resp", &resp_size);
	sem_t *req_empty = open_sem(ch, "req_empty");
	sem_t *req_full = open_sem(ch, "req_full");
	sem_t *resp_empty = open_sem(ch, "resp_empty");
	sem_t *resp_full = open_sem(ch, "resp_full");
	uint32_t n;

	if (timed_wait(req_empty, timeout) < 0)
		errx(3, "timeout on req_empty");
	memcpy(req, &forged, sizeof(forged));
	sem_post(req_full);
	if (timed_wait(resp_full, timeout) < 0)
		errx(3, "timeout on resp_full");
	memcpy(&n, resp, sizeof(n));
	if (n > resp_size - 4)
		errx(3, "bad response length %u", n);
	fwrite(resp + 4, 1, n, stdout);
	putchar('\n');
	sem_post(resp_empty);
	return 0;
}

int main(int argc, char **argv)
{
	shmrpc_options opts;
	shmrpc_transport *t;
	long forged = -1;
	size_t len, cap;
	char *buf;
	int ch, rc;

	shmrpc_options_init(&opts);
	opts.wait_for_server = 5;
	while ((ch = getopt(argc, argv, "t:T:L:")) != -1) {
		switch (ch) {
		case 't':
			if (shmrpc_transport_parse(optarg, &opts.transport) < 0)
				errx(2, "bad transport %s", optarg);
			break;
		case 'T':
			opts.timeout = atof(optarg);
			break;
		case 'L':
			forged = atol(optarg);
			break;
		default:
			errx(2, "usage: raw-call [-t transport] [-T timeout] "
			    "[-L length] channel");
		}
	}
	if (optind != argc - 1)
		errx(2, "usage: raw-call [options] channel");
	if (forged >= 0)
		return forged_call(argv[optind], (uint32_t)forged,
		    opts.timeout);

	rc = shmrpc_transport_open(&t, argv[optind], &opts, NULL);
	if (rc < 0)
		errx(3, "open: %s", shmrpc_strerror(rc));
	cap = shmrpc_transport_max_message(t);
	buf = malloc(cap + 1);
	len = read_stdin(buf, cap + 1);
	rc = shmrpc_transport_send_request(t, buf, len);
	if (rc == 0)
		rc = shmrpc_transport_recv_response(t, buf, cap, &len);
	if (rc < 0)
		errx(3, "call: %s", shmrpc_strerror(rc));
	fwrite(buf, 1, len, stdout);
	putchar('\n');
	free(buf);
	shmrpc_transport_close(t);
	return 0;
}
