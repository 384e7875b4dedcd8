/*
 * posix.c - layer: transport.  The shm-rpc-bridge 0.2.2 wire format, byte
 * for byte.
 *
 * Channel NAME is six objects in /dev/shm: segments srb_NAME_req and
 * srb_NAME_resp of exactly buffer_size bytes, each holding
 * [u32 length, native order][payload], and four glibc named semaphores
 * sem.srb_NAME_{req,resp}_{empty,full} (initial 1, 0, 1, 0).  See shmrpc(7).
 * A C server adds a seventh of its own, shmrpc_posix_NAME, with its
 * per-method counters (posix_layout.h); clients never open it, and the seed
 * never sees it.
 *
 * We map the semaphore files ourselves instead of calling sem_open(): a
 * glibc named semaphore is a sem_t in a file, and going through shmobj
 * gives us O_NOFOLLOW, a regular-file check and atomic creation.  The
 * sem_t bytes are made by sem_init(pshared=1), which is what sem_open()
 * writes, so Python's posix_ipc sees ordinary named semaphores.
 *
 * The seed lets two clients of one channel take each other's responses.
 * Our clients hold an exclusive flock() on the request segment for a whole
 * call, so C clients never interleave; the seed does not know the lock and
 * works unchanged.  flock() dies with its process, so a killed client
 * never leaves the channel locked.
 *
 * A client killed between its two steps on a semaphore pair (it took
 * req_empty but never posted req_full, or took resp_full but never posted
 * resp_empty) would leave the pair at (0, 0) for good, and every later
 * call would time out.  A client that holds the request lock knows that
 * no other libshmrpc client is between those steps; if, while it waits,
 * the pair stays at (0, 0) for a grace period (the two steps of a live
 * peer are microseconds apart), it posts the semaphore the dead client
 * owed.  See wait_repairing() and shmrpc(7) for what this cannot tell.
 *
 * Liveness (os/ownerlock.h): a C server holds an OFD lock on byte 0 of
 * the request segment for its whole life, taken before the segment has
 * its name; C clients hold a shared one on byte 1 while attached.  Those
 * are fcntl locks, which flock() does not see, and the seed neither takes
 * nor minds them.  A Python server holds none: its channel is judged by
 * who maps it, as before.
 */
#define _GNU_SOURCE
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "os/ownerlock.h"
#include "os/procinfo.h"
#include "os/shmobj.h"
#include "transport/posix_layout.h"
#include "transport/transport.h"

enum { SEG_REQ, SEG_RESP, SEM_REQ_EMPTY, SEM_REQ_FULL, SEM_RESP_EMPTY,
	SEM_RESP_FULL, SEG_STATS, POSIX_NOBJ };

/* A server waiting for requests checks this often that its files still
 * have their names (see still_named()). */
#define POSIX_NAME_CHECK_NS (1000 * 1000000LL)

/* File names in /dev/shm: prefix + channel name + suffix. */
static const struct {
	const char *prefix;
	const char *suffix;
	unsigned initial; /* semaphores only */
} posix_objects[POSIX_NOBJ] = {
	[SEG_REQ] = { POSIX_REQ_PREFIX, POSIX_REQ_SUFFIX, 0 },
	[SEG_RESP] = { "srb_", "_resp", 0 },
	[SEM_REQ_EMPTY] = { "sem.srb_", "_req_empty", 1 },
	[SEM_REQ_FULL] = { "sem.srb_", "_req_full", 0 },
	[SEM_RESP_EMPTY] = { "sem.srb_", "_resp_empty", 1 },
	[SEM_RESP_FULL] = { "sem.srb_", "_resp_full", 0 },
	[SEG_STATS] = { POSIX_STATS_PREFIX, "", 0 },
};


struct posix_transport {
	shmrpc_transport base;
	struct shm_map obj[POSIX_NOBJ];
	char fname[POSIX_NOBJ][TRANSPORT_FNAME_MAX];
	bool created[POSIX_NOBJ]; /* server: which objects are ours */
	size_t buffer_size;
	bool locked;              /* client: holds the request-path flock */
	atomic_bool stopped;      /* server: wake() was called */
};

static inline sem_t *psem(struct posix_transport *p, int which)
{
	return (sem_t *)p->obj[which].addr;
}

static int posix_object_names(const char *name,
    char (*out)[TRANSPORT_FNAME_MAX], int max)
{
	int n = 0;

	for (int i = 0; i < POSIX_NOBJ && n < max; i++, n++)
		snprintf(out[i], TRANSPORT_FNAME_MAX, "%s%s%s",
		    posix_objects[i].prefix, name, posix_objects[i].suffix);
	return n;
}

static void name_objects(struct posix_transport *p, const char *name)
{
	posix_object_names(name, p->fname, POSIX_NOBJ);
	for (int i = 0; i < POSIX_NOBJ; i++)
		p->obj[i] = (struct shm_map)SHM_MAP_INIT;
}

static bool is_semaphore(int which)
{
	return which >= SEM_REQ_EMPTY && which <= SEM_RESP_FULL;
}

/* Wait on a semaphore until the deadline.  0, SHMRPC_ETIMEOUT or -errno. */
static int sem_wait_until(sem_t *s, int64_t deadline)
{
	for (;;) {
		int rc;
		if (deadline == DEADLINE_NEVER) {
			rc = sem_wait(s);
		} else {
			struct timespec abs = ns_to_timespec(deadline);
			rc = sem_clockwait(s, CLOCK_MONOTONIC, &abs);
		}
		if (rc == 0)
			return 0;
		if (errno == EINTR)
			continue;
		return errno == ETIMEDOUT ? SHMRPC_ETIMEOUT : -errno;
	}
}

/*
 * The grace period of a repair: a quarter of the call's timeout, between
 * 20 ms and 500 ms.  Long enough that a live peer, descheduled in the
 * microseconds between its two steps, is not mistaken for a dead one on
 * a loaded host; short enough that a call with the default timeout (5 s)
 * gets through.  Waits look at the pair every POSIX_REPAIR_POLL_NS.
 */
#define POSIX_REPAIR_MIN_NS (20 * 1000000LL)
#define POSIX_REPAIR_MAX_NS (500 * 1000000LL)
#define POSIX_REPAIR_POLL_NS (25 * 1000000LL)

static int64_t repair_grace(double timeout)
{
	int64_t g = timeout < 0 ? POSIX_REPAIR_MAX_NS
				: (int64_t)(timeout * (double)NS_PER_SEC / 4);

	return g < POSIX_REPAIR_MIN_NS ? POSIX_REPAIR_MIN_NS
	    : g > POSIX_REPAIR_MAX_NS ? POSIX_REPAIR_MAX_NS : g;
}

static bool pair_at_zero(struct posix_transport *p, int a, int b)
{
	int va = 1, vb = 1;

	sem_getvalue(psem(p, a), &va);
	sem_getvalue(psem(p, b), &vb);
	return va == 0 && vb == 0;
}

/*
 * Client, holding the request lock: wait on semaphore `which` until the
 * deadline, as sem_wait_until(); if it and its partner `other` stay at 0
 * for the whole grace period, a client died between its two steps, and
 * we post the pair's "empty" semaphore for it: req_empty (its request was
 * never posted: the slot is given back, and its half-written bytes are
 * never read) or resp_empty (it read its answer but did not free the
 * buffer).  The first try costs one atomic: only a wait that blocks looks
 * at the clock and the pair.
 */
static int wait_repairing(struct posix_transport *p, int which, int other,
    int64_t deadline)
{
	int empty = which == SEM_REQ_EMPTY ? SEM_REQ_EMPTY : SEM_RESP_EMPTY;
	int64_t grace = repair_grace(p->base.timeout), stuck_since = 0;

	if (sem_trywait(psem(p, which)) == 0)
		return 0;
	for (;;) {
		int64_t now = clock_now_ns(), until = now + POSIX_REPAIR_POLL_NS;
		int rc = sem_wait_until(psem(p, which),
		    until < deadline ? until : deadline);

		if (rc != SHMRPC_ETIMEOUT || until >= deadline)
			return rc;
		if (!pair_at_zero(p, which, other)) {
			stuck_since = 0;
		} else if (stuck_since == 0) {
			stuck_since = now;
		} else if (clock_now_ns() - stuck_since >= grace) {
			log_warn("channel %s: %s and %s stayed at 0 for "
			    "%lld ms: a client died between its two steps; "
			    "posting %s", p->base.name, p->fname[which],
			    p->fname[other], (long long)(grace / 1000000),
			    p->fname[empty]);
			sem_post(psem(p, empty));
			stuck_since = 0;
		}
	}
}

/* A server's wait for a request (see struct recv_wait): as
 * sem_wait_until(), but a signal handler that interrupts it may end it
 * with -EINTR. */
static int sem_wait_request(sem_t *s, const struct recv_wait *w,
    int64_t deadline)
{
	struct timespec abs;
	int rc;

	if (w == NULL || !w->eintr)
		return sem_wait_until(s, deadline);
	if (deadline == DEADLINE_NEVER) {
		rc = sem_wait(s);
	} else {
		abs = ns_to_timespec(deadline);
		rc = sem_clockwait(s, CLOCK_MONOTONIC, &abs);
	}
	if (rc == 0)
		return 0;
	if (errno == EINTR)
		return -EINTR;
	return errno == ETIMEDOUT ? SHMRPC_ETIMEOUT : -errno;
}

/* Copy the message in segment seg into buf.  The header is read once:
 * the peer could change it under us.  0, SHMRPC_ETRANSPORT (length out of
 * range, kept in t->bad_length: no over-read) or SHMRPC_ETOOBIG (longer
 * than cap). */
static int read_message(shmrpc_transport *t, const unsigned char *seg,
    void *buf, size_t cap, size_t *len)
{
	uint32_t n;

	memcpy(&n, seg, sizeof(n));
	if (n > t->max_message) {
		t->bad_length = n;
		return SHMRPC_ETRANSPORT;
	}
	if (n > cap)
		return SHMRPC_ETOOBIG;
	memcpy(buf, seg + MSG_HEADER_SIZE, n);
	*len = n;
	return 0;
}

/* Write [u32 length, native order][payload]; len was checked by the
 * caller against the buffer. */
static void write_message(unsigned char *seg, const void *buf, size_t len)
{
	uint32_t n = (uint32_t)len;

	memcpy(seg, &n, sizeof(n));
	memcpy(seg + MSG_HEADER_SIZE, buf, len);
}

/* ---- teardown ---------------------------------------------------------- */

static void posix_close(shmrpc_transport *t)
{
	struct posix_transport *p = (struct posix_transport *)t;

	/* Segments first: a client that looks now finds no channel rather
	 * than a channel without semaphores. */
	for (int i = 0; i < POSIX_NOBJ; i++) {
		if (p->created[i]) {
			int rc = shmrpc__shmobj_unlink(p->fname[i]);
			if (rc < 0)
				log_warn("cannot remove /dev/shm/%s: %s",
				    p->fname[i], shmrpc_strerror(rc));
		}
	}
	/* Our liveness lock goes now, explicitly: a child forked without exec
	 * would otherwise keep it through the descriptor it shares. */
	if (p->obj[SEG_REQ].fd >= 0)
		shmrpc__lock_drop(p->obj[SEG_REQ].fd, 0, 0);
	for (int i = 0; i < POSIX_NOBJ; i++)
		shmrpc__shmobj_close(&p->obj[i]);
	free(p);
}

/* ---- server side ------------------------------------------------------- */

/* Our own segment (posix_layout.h): its header, then an empty method
 * table. */
static int create_stats(struct posix_transport *p, const char *name,
    unsigned methods, const struct shm_how *how)
{
	struct posix_stats_header h;
	struct timespec rt;

	if (methods == 0 || methods > SHMRPC_MAX_METHODS)
		return -EINVAL;
	memset(&h, 0, sizeof(h));
	clock_gettime(CLOCK_REALTIME, &rt);
	h.magic = POSIX_STATS_MAGIC;
	h.version = POSIX_STATS_VERSION;
	h.header_size = POSIX_STATS_HEADER_SIZE;
	h.methods_capacity = methods;
	h.methods_offset = POSIX_STATS_HEADER_SIZE;
	h.total_size = posix_stats_size(methods);
	h.server_pid = (int32_t)getpid();
	h.server_start = shmrpc__proc_self_start_time();
	h.created_ns = (int64_t)rt.tv_sec * NS_PER_SEC + rt.tv_nsec;
	h.buffer_size = p->buffer_size;
	snprintf(h.name, sizeof(h.name), "%s", name);
	return shmrpc__shmobj_create_as(p->fname[SEG_STATS], h.total_size, &h,
	    sizeof(h), how, &p->obj[SEG_STATS]);
}

/* Server: the method table in our own segment. */
static struct method_table *posix_method_table(shmrpc_transport *t,
    uint32_t *capacity)
{
	struct posix_transport *p = (struct posix_transport *)t;

	if (!t->is_server || p->obj[SEG_STATS].addr == NULL)
		return NULL;
	*capacity = ((const struct posix_stats_header *)
	    p->obj[SEG_STATS].addr)->methods_capacity;
	return (struct method_table *)((char *)p->obj[SEG_STATS].addr +
	    POSIX_STATS_HEADER_SIZE);
}

static int posix_create(shmrpc_transport **out, const char *name,
    const shmrpc_options *opts)
{
	struct posix_transport *p = calloc(1, sizeof(*p));
	/* Our own segment and the semaphores first, the request segment
	 * last: clients look for the segments, so the channel appears only
	 * once it is whole. */
	static const int order[POSIX_NOBJ] = { SEG_STATS, SEM_REQ_EMPTY,
		SEM_REQ_FULL, SEM_RESP_EMPTY, SEM_RESP_FULL, SEG_RESP,
		SEG_REQ };
	int rc = 0;

	if (p == NULL)
		return -ENOMEM;
	name_objects(p, name);
	p->buffer_size = opts->buffer_size;
	atomic_init(&p->stopped, false);
	shmrpc__transport_base_init(&p->base, &shmrpc__transport_posix_ops,
	    SHMRPC_TRANSPORT_POSIX, true, name, opts,
	    opts->buffer_size - MSG_HEADER_SIZE);

	for (int k = 0; k < POSIX_NOBJ && rc == 0; k++) {
		int i = order[k];
		/* The request segment, made last, carries the owner lock
		 * from before it has its name. */
		struct shm_how how = { .mode = (mode_t)opts->mode,
			.gid = opts->gid, .owner_lock = i == SEG_REQ };
		if (i == SEG_STATS) {
			rc = create_stats(p, name, opts->methods, &how);
		} else if (is_semaphore(i)) {
			sem_t init;
			/* sem_init() leaves padding unset: never copy stack
			 * garbage into a shared file. */
			memset(&init, 0, sizeof(init));
			sem_init(&init, 1, posix_objects[i].initial);
			rc = shmrpc__shmobj_create_as(p->fname[i],
			    sizeof(sem_t), &init, sizeof(init), &how,
			    &p->obj[i]);
		} else {
			rc = shmrpc__shmobj_create_as(p->fname[i],
			    p->buffer_size, NULL, 0, &how, &p->obj[i]);
		}
		if (rc == 0)
			p->created[i] = true;
		else if (rc == SHMRPC_EINUSE)
			log_info("channel %s: /dev/shm/%s already exists",
			    name, p->fname[i]);
	}
	if (rc < 0) {
		posix_close(&p->base);
		return rc;
	}
	*out = &p->base;
	return 0;
}

/*
 * Do our seven files (the seed's six and our own) still have their names?
 * When they vanished (systemd-logind's RemoveIPC=yes at the user's logout,
 * or a careless rm),
 * no new client can open the channel: SHMRPC_EREMOVED, which ends the
 * serve loop, rather than serve a channel that nobody can find.  Another
 * file under one of our names counts as vanished too.
 */
static int still_named(const struct posix_transport *p)
{
	int dir = shmrpc__shm_dirfd();

	for (int i = 0; i < POSIX_NOBJ && dir >= 0; i++) {
		struct stat st;
		int rc = shmrpc__shmfile_stat_at(dir, p->fname[i], &st);
		if (rc == -ENOENT || (rc == 0 && (st.st_dev != p->obj[i].dev ||
						   st.st_ino != p->obj[i].ino)))
			return SHMRPC_EREMOVED;
	}
	return 0;
}

/* Wait for a request until the deadline (as sem_wait_request(), w may
 * be NULL), looking at our files' names every POSIX_NAME_CHECK_NS. */
static int wait_request(struct posix_transport *p, const struct recv_wait *w,
    int64_t deadline)
{
	for (;;) {
		int64_t slice = deadline_after(
		    (double)POSIX_NAME_CHECK_NS / NS_PER_SEC);
		int rc;

		if (deadline != DEADLINE_NEVER && deadline < slice)
			slice = deadline;
		rc = sem_wait_request(psem(p, SEM_REQ_FULL), w, slice);
		if (rc != SHMRPC_ETIMEOUT || slice == deadline)
			return rc;
		if ((rc = still_named(p)) < 0)
			return rc;
	}
}

static int posix_recv_request(shmrpc_transport *t, void *buf, size_t cap,
    size_t *len, uint32_t *peer, const struct recv_wait *w)
{
	struct posix_transport *p = (struct posix_transport *)t;
	const unsigned char *seg = p->obj[SEG_REQ].addr;
	int rc;

	*peer = 0;
	*len = 0;
	if (atomic_load(&p->stopped))
		return SHMRPC_ESTOPPED;
	rc = wait_request(p, w,
	    w != NULL ? w->deadline : deadline_after(t->timeout));
	if (rc < 0)
		return rc;
	if (atomic_load(&p->stopped)) {
		/* Pass the wake-up on to the next serving thread. */
		sem_post(psem(p, SEM_REQ_FULL));
		return SHMRPC_ESTOPPED;
	}
	rc = read_message(t, seg, buf, cap, len);
	sem_post(psem(p, SEM_REQ_EMPTY));
	return rc;
}

static int posix_send_response(shmrpc_transport *t, uint32_t peer,
    const void *buf, size_t len)
{
	struct posix_transport *p = (struct posix_transport *)t;
	unsigned char *seg = p->obj[SEG_RESP].addr;
	int rc;

	(void)peer;
	rc = sem_wait_until(psem(p, SEM_RESP_EMPTY),
	    deadline_after(t->timeout));
	if (rc < 0)
		return rc;
	write_message(seg, buf, len);
	sem_post(psem(p, SEM_RESP_FULL));
	return 0;
}

static void posix_wake(shmrpc_transport *t)
{
	struct posix_transport *p = (struct posix_transport *)t;

	/* Only async-signal-safe calls here: an atomic store, sem_post(). */
	atomic_store(&p->stopped, true);
	sem_post(psem(p, SEM_REQ_FULL));
}

/* ---- client side ------------------------------------------------------- */

/*
 * The seed makes a segment with shm_open() and gives it its size with
 * ftruncate() next: in between it has 0 bytes.  A segment of 0 bytes is
 * a channel being created, not one of another layout: SHMRPC_ENOCHANNEL,
 * which a client waiting for its server waits out.
 */
static int open_segment(struct posix_transport *p, int which, size_t min,
    size_t map)
{
	int rc = shmrpc__shmobj_open(p->fname[which], min, map, &p->obj[which]);
	int dir = shmrpc__shm_dirfd();
	struct stat st;

	if (rc == SHMRPC_EVERSION && dir >= 0 &&
	    shmrpc__shmfile_stat_at(dir, p->fname[which], &st) == 0 &&
	    S_ISREG(st.st_mode) && st.st_size == 0)
		return SHMRPC_ENOCHANNEL;
	return rc;
}

static int open_objects(struct posix_transport *p, size_t want_size)
{
	int rc;

	rc = open_segment(p, SEG_REQ, want_size, 0);
	if (rc < 0)
		return rc;
	if (want_size == 0)
		want_size = p->obj[SEG_REQ].size;
	if (want_size <= MSG_HEADER_SIZE || want_size > UINT32_MAX)
		return SHMRPC_EVERSION;
	p->buffer_size = want_size;
	rc = open_segment(p, SEG_RESP, want_size, want_size);
	/* Not our own segment: a seed server has none. */
	for (int i = SEM_REQ_EMPTY; i <= SEM_RESP_FULL && rc == 0; i++)
		rc = shmrpc__shmobj_open(p->fname[i], sizeof(sem_t),
		    sizeof(sem_t), &p->obj[i]);
	return rc;
}

static int posix_open(shmrpc_transport **out, const char *name,
    const shmrpc_options *opts)
{
	struct posix_transport *p = calloc(1, sizeof(*p));
	int64_t deadline = deadline_after(opts->wait_for_server);
	int rc;

	if (p == NULL)
		return -ENOMEM;
	name_objects(p, name);
	for (;;) {
		rc = open_objects(p, opts->buffer_size);
		if (rc != SHMRPC_ENOCHANNEL || opts->wait_for_server <= 0 ||
		    clock_now_ns() >= deadline)
			break;
		for (int i = 0; i < POSIX_NOBJ; i++)
			shmrpc__shmobj_close(&p->obj[i]);
		usleep(10000);
	}
	if (rc < 0) {
		posix_close(&p->base);
		return rc;
	}
	shmrpc__transport_base_init(&p->base, &shmrpc__transport_posix_ops,
	    SHMRPC_TRANSPORT_POSIX, false, name, opts,
	    p->buffer_size - MSG_HEADER_SIZE);
	/* Attached, for anyone who looks (a reaper in another PID namespace
	 * cannot see that we map the channel).  Shared with other clients;
	 * only informative, so a failure is no reason to refuse. */
	rc = shmrpc__lock_hold(p->obj[SEG_REQ].fd, OWNERLOCK_CLIENT_BYTE, 1,
	    true);
	if (rc < 0)
		log_debug("channel %s: no client lock: %s", name,
		    shmrpc_strerror(rc));
	*out = &p->base;
	return 0;
}

/* Take the request path: an exclusive flock on the request segment.  flock
 * has no timed wait, so poll with a growing sleep until the deadline. */
static int lock_request_path(struct posix_transport *p, int64_t deadline)
{
	long sleep_ns = 20000;

	for (;;) {
		if (flock(p->obj[SEG_REQ].fd, LOCK_EX | LOCK_NB) == 0) {
			p->locked = true;
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return -errno;
		if (clock_now_ns() >= deadline) {
			log_debug("channel %s: another client held the request "
			    "lock until the timeout", p->base.name);
			return SHMRPC_ETIMEOUT;
		}
		struct timespec ts = { 0, sleep_ns };
		nanosleep(&ts, NULL);
		if (sleep_ns < 1000000)
			sleep_ns *= 2;
	}
}

static void posix_end_call(shmrpc_transport *t)
{
	struct posix_transport *p = (struct posix_transport *)t;

	if (p->locked) {
		flock(p->obj[SEG_REQ].fd, LOCK_UN);
		p->locked = false;
	}
}

static int posix_send_request(shmrpc_transport *t, const void *buf,
    size_t len)
{
	struct posix_transport *p = (struct posix_transport *)t;
	unsigned char *seg = p->obj[SEG_REQ].addr;
	int rc;

	rc = lock_request_path(p, deadline_after(t->timeout));
	if (rc < 0)
		return rc;
	rc = wait_repairing(p, SEM_REQ_EMPTY, SEM_REQ_FULL,
	    deadline_after(t->timeout));
	if (rc < 0) {
		log_debug("channel %s: request buffer not free within %g s: %s",
		    t->name, t->timeout, shmrpc_strerror(rc));
		posix_end_call(t);
		return rc;
	}
	write_message(seg, buf, len);
	sem_post(psem(p, SEM_REQ_FULL));
	return 0;
}

static int posix_recv_response(shmrpc_transport *t, void *buf, size_t cap,
    size_t *len)
{
	struct posix_transport *p = (struct posix_transport *)t;
	const unsigned char *seg = p->obj[SEG_RESP].addr;
	int rc;

	*len = 0;
	rc = wait_repairing(p, SEM_RESP_FULL, SEM_RESP_EMPTY,
	    deadline_after(t->timeout));
	if (rc < 0) {
		log_debug("channel %s: no response within %g s: %s", t->name,
		    t->timeout, shmrpc_strerror(rc));
		return rc;
	}
	rc = read_message(t, seg, buf, cap, len);
	sem_post(psem(p, SEM_RESP_EMPTY));
	return rc;
}

const struct transport_ops shmrpc__transport_posix_ops = {
    .object_names = posix_object_names,
    .lock_object = SEG_REQ,
    .create = posix_create,
    .open = posix_open,
    .close = posix_close,
    .send_request = posix_send_request,
    .recv_response = posix_recv_response,
    .end_call = posix_end_call,
    .recv_request = posix_recv_request,
    .send_response = posix_send_response,
    .wake = posix_wake,
    .read_stats = shmrpc__posix_read_stats,
    .method_table = posix_method_table,
};
