/*
 * sys_uds.c - peer-bench: a Unix domain socket, the way one is commonly
 * written for RPC (layer: bench).
 *
 * SOCK_STREAM; a message is [u32 length, native order][payload].  The
 * server is one thread with epoll (level-triggered, non-blocking
 * connections, a read buffer and a pending write per connection); a
 * client is a blocking socket: writev() of length and payload, read()s
 * until the whole reply is in.  Socket buffers at the kernel's defaults.
 */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "system.h"

#define HDR     4
#define MAX_MSG (64u << 20)

static int make_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path)) {
		warnx("uds: path too long: %s", path);
		return -1;
	}
	strcpy(sa->sun_path, path);
	return 0;
}

/* Make room for want bytes in *buf (capacity *cap). */
static int reserve(char **buf, size_t *cap, size_t want)
{
	size_t n = *cap ? *cap : 4096;
	char *p;

	if (want <= *cap)
		return 0;
	while (n < want)
		n *= 2;
	p = realloc(*buf, n);
	if (p == NULL) {
		warnx("uds: out of memory");
		return -1;
	}
	*buf = p;
	*cap = n;
	return 0;
}

/* ---- server ----------------------------------------------------------- */

struct conn {
	int fd;
	char *in;           /* bytes read, from the start of a message */
	size_t in_len, in_cap;
	uint32_t out_hdr;   /* the reply being written */
	struct peer_reply reply;
	size_t out_done;    /* bytes of header + reply written */
	int writing;
};

struct uds_srv {
	enum bench_case kase;
	int lfd, efd, stopfd;
	char path[108];
};

static int srv_open(void **out, const char *addr, const struct bench_params *p)
{
	struct uds_srv *s = calloc(1, sizeof(*s));
	struct sockaddr_un sa;
	struct epoll_event ev;

	if (s == NULL || make_addr(&sa, addr) < 0) {
		free(s);
		return -1;
	}
	s->kase = p->kase;
	strcpy(s->path, addr);
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	s->efd = epoll_create1(EPOLL_CLOEXEC);
	s->stopfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->lfd < 0 || s->efd < 0 || s->stopfd < 0 ||
	    bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(s->lfd, 128) < 0) {
		warn("uds server %s", addr);
		return -1;
	}
	ev.events = EPOLLIN;
	ev.data.ptr = NULL; /* the listener */
	if (epoll_ctl(s->efd, EPOLL_CTL_ADD, s->lfd, &ev) < 0)
		return -1;
	ev.data.ptr = s; /* the stop event */
	if (epoll_ctl(s->efd, EPOLL_CTL_ADD, s->stopfd, &ev) < 0)
		return -1;
	*out = s;
	return 0;
}

static void conn_free(struct uds_srv *s, struct conn *c)
{
	epoll_ctl(s->efd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	peer_reply_done(&c->reply);
	free(c->in);
	free(c);
}

/* Write what is left of the reply; 1: all written, 0: would block, -1. */
static int conn_write(struct conn *c)
{
	size_t total = HDR + c->reply.len;

	while (c->out_done < total) {
		struct iovec iov[2];
		int n = 0;
		ssize_t w;

		if (c->out_done < HDR) {
			iov[n].iov_base = (char *)&c->out_hdr + c->out_done;
			iov[n++].iov_len = HDR - c->out_done;
			iov[n].iov_base = (void *)c->reply.data;
			iov[n++].iov_len = c->reply.len;
		} else {
			iov[n].iov_base = (char *)c->reply.data +
			    (c->out_done - HDR);
			iov[n++].iov_len = total - c->out_done;
		}
		w = writev(c->fd, iov, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (w < 0)
			return -1;
		c->out_done += (size_t)w;
	}
	return 1;
}

/* Reply done: drop the request from the read buffer, back to reading. */
static int conn_finish(struct uds_srv *s, struct conn *c, size_t msg_len)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };

	peer_reply_done(&c->reply);
	memmove(c->in, c->in + msg_len, c->in_len - msg_len);
	c->in_len -= msg_len;
	if (c->writing) {
		c->writing = 0;
		if (epoll_ctl(s->efd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
			return -1;
	}
	return 0;
}

/* Serve every whole message in the read buffer.  -1: drop the conn. */
static int conn_process(struct uds_srv *s, struct conn *c)
{
	while (!c->writing && c->in_len >= HDR) {
		uint32_t len;
		int w;

		memcpy(&len, c->in, HDR);
		if (len > MAX_MSG)
			return -1;
		if (c->in_len < HDR + (size_t)len)
			return reserve(&c->in, &c->in_cap, HDR + (size_t)len);
		if (peer_handle(s->kase, c->in + HDR, len, &c->reply) < 0)
			return -1;
		c->out_hdr = (uint32_t)c->reply.len;
		c->out_done = 0;
		w = conn_write(c);
		if (w < 0)
			return -1;
		if (w == 0) {
			/* The rest when the socket can take it; the request
			 * stays in the buffer until then (the reply may point
			 * into it). */
			struct epoll_event ev = { .events = EPOLLOUT,
				.data.ptr = c };
			c->writing = 1;
			return epoll_ctl(s->efd, EPOLL_CTL_MOD, c->fd, &ev);
		}
		if (conn_finish(s, c, HDR + (size_t)len) < 0)
			return -1;
	}
	return 0;
}

static int conn_read(struct uds_srv *s, struct conn *c)
{
	for (;;) {
		ssize_t r;

		if (c->in_len == c->in_cap &&
		    reserve(&c->in, &c->in_cap, c->in_cap + 1) < 0)
			return -1;
		r = read(c->fd, c->in + c->in_len, c->in_cap - c->in_len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (r <= 0)
			return -1; /* closed, or an error */
		c->in_len += (size_t)r;
		if (conn_process(s, c) < 0)
			return -1;
		if (c->writing || c->in_len < c->in_cap)
			return 0; /* no more to read now, most likely */
	}
}

static int accept_all(struct uds_srv *s)
{
	for (;;) {
		int fd = accept4(s->lfd, NULL, NULL,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct epoll_event ev;
		struct conn *c;

		if (fd < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR ? 0 : -1;
		c = calloc(1, sizeof(*c));
		if (c == NULL || reserve(&c->in, &c->in_cap, 65536) < 0) {
			close(fd);
			free(c);
			return -1;
		}
		c->fd = fd;
		ev.events = EPOLLIN;
		ev.data.ptr = c;
		if (epoll_ctl(s->efd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			conn_free(s, c);
			return -1;
		}
	}
}

static int srv_serve(void *srv)
{
	struct uds_srv *s = srv;
	struct epoll_event evs[64];

	for (;;) {
		int n = epoll_wait(s->efd, evs, 64, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			warn("uds: epoll_wait");
			return -1;
		}
		for (int i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;
			struct conn *c = p;
			int rc;

			if (p == s)
				return 0; /* stopped */
			if (p == NULL) {
				if (accept_all(s) < 0)
					warn("uds: accept");
				continue;
			}
			if (c->writing) {
				rc = conn_write(c);
				if (rc == 1) {
					uint32_t len;

					memcpy(&len, c->in, HDR);
					rc = conn_finish(s, c, HDR + (size_t)len);
					if (rc == 0)
						rc = conn_process(s, c);
				}
			} else
				rc = conn_read(s, c);
			if (rc < 0)
				conn_free(s, c); /* a client went away */
		}
	}
}

static void srv_stop(void *srv)
{
	struct uds_srv *s = srv;
	uint64_t one = 1;

	if (write(s->stopfd, &one, sizeof(one)) < 0)
		warn("uds: stop");
}

static void srv_close(void *srv)
{
	struct uds_srv *s = srv;

	/* Connections still open are closed by _exit() with the process. */
	close(s->lfd);
	close(s->efd);
	close(s->stopfd);
	unlink(s->path);
	free(s);
}

/* ---- client ------------------------------------------------------------ */

struct uds_cli {
	int fd;
	char *in;
	size_t in_cap;
};

static int cli_open(void **out, const char *addr, const struct bench_params *p)
{
	struct uds_cli *c = calloc(1, sizeof(*c));
	struct sockaddr_un sa;
	struct timeval tv = { 30, 0 };

	(void)p;
	if (c == NULL || make_addr(&sa, addr) < 0) {
		free(c);
		return -1;
	}
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa,
	    sizeof(sa)) < 0) {
		warn("uds client %s", addr);
		if (c->fd >= 0)
			close(c->fd);
		free(c);
		return -1;
	}
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	*out = c;
	return 0;
}

static int write_all(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t w = writev(fd, iov, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

static int cli_roundtrip(void *cli, const void *req, size_t len,
    const void **reply, size_t *reply_len)
{
	struct uds_cli *c = cli;
	uint32_t hdr = (uint32_t)len, rlen;
	struct iovec iov[2] = { { &hdr, HDR }, { (void *)req, len } };
	size_t got = 0, want = HDR;

	if (write_all(c->fd, iov, 2) < 0) {
		warn("uds: write");
		return -1;
	}
	if (reserve(&c->in, &c->in_cap, 65536) < 0)
		return -1;
	while (got < want) {
		ssize_t r = read(c->fd, c->in + got, c->in_cap - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				warnx("uds: server closed the connection");
			else
				warn("uds: read");
			return -1;
		}
		got += (size_t)r;
		if (want == HDR && got >= HDR) {
			memcpy(&rlen, c->in, HDR);
			if (rlen > MAX_MSG) {
				warnx("uds: reply too long");
				return -1;
			}
			want = HDR + (size_t)rlen;
			if (reserve(&c->in, &c->in_cap, want) < 0)
				return -1;
		}
	}
	*reply = c->in + HDR;
	*reply_len = want - HDR;
	return 0;
}

static void cli_close(void *cli)
{
	struct uds_cli *c = cli;

	close(c->fd);
	free(c->in);
	free(c);
}

const struct bench_system uds_system = {
	.name = "uds",
	.transport = "unix",
	.label = "Unix socket",
	.cases = CASES_JSON | CASE_BIT(CASE_RAW),
	.server_open = srv_open,
	.server_serve = srv_serve,
	.server_stop = srv_stop,
	.server_close = srv_close,
	.client_open = cli_open,
	.roundtrip = cli_roundtrip,
	.client_close = cli_close,
};
