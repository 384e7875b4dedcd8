/*
 * futex.c - layer: transport.  The Linux transport: one shared segment per
 * channel, many client slots, spin-then-sleep waits on futexes, peer-death
 * detection, live counters.  The segment layout is in futex_layout.h.
 *
 * A call, when both sides are awake, makes no system call:
 *
 *   client                                 server thread
 *   copy request into its slot's buffer
 *   state = REQ|g+1 (release)
 *   set the slot's bit in ready[]  ---->   sees the bit (spinning on ready[])
 *   (ring the bell only if a server        clears it (atomic AND; the call
 *    thread sleeps and none spins)          is ours if it was set), copies
 *   spins on state                          the request out, runs it,
 *                                           copies the response in
 *                                  <----   CAS state REQ|g -> RESP|g
 *   sees RESP, copies the response         (FUTEX_WAKE only if the client
 *                                           said it sleeps: slot.waiting)
 *
 * A small call's round trip is mostly cache lines crossing between the
 * two CPUs (~50-100 ns each on the 2-CPU VM), so each side touches the
 * other's lines as little as it can: a call moves the handshake line
 * (slot line 0) and the ready word once each way, plus the message
 * buffers; taking a request writes nothing in the line the client spins
 * on, a line that one side writes at every call is not read by the other
 * during the call, and no counter is shared between the two sides (see
 * futex_layout.h).  Where a side needs several of the other's lines at
 * once (the server taking a request: its state, its bytes and the ready
 * word; the client seeing its answer: the answer's bytes) it asks for
 * them together with prefetch hints, so that they cross in one transfer
 * time, not one after another.  The lines a side will write next (the
 * server its answer, the client its next request) are the ones the other
 * side last read: each side asks for them exclusive as soon as the other
 * is done with them (prefetch_msg_excl()), so that a long message's
 * stores do not each wait for a line to come back.
 *
 * Either side spins for at most its spin budget (spin_policy.h: spin_ns,
 * or for large messages up to 2 ms), then sleeps in FUTEX_WAIT.  The
 * sleeper announces itself first (slot.waiting, header.sleepers) and then
 * re-checks; the waker publishes first and then looks for sleepers.  Both
 * use sequentially consistent atomics, so one of the two always sees the
 * other and no wake-up is lost.  A client whose server thread runs on its
 * own CPU also sleeps through a call now and then, so that the scheduler
 * can move it to an idle CPU (FUTEX_SHARED_CPU_NS).
 *
 * A client sleeps in slices of FUTEX_CHECK_NS and, after each slice,
 * checks that the server still lives: a dead server is reported as
 * SHMRPC_ESERVERDEAD within one slice.  A server looks at idle clients
 * every FUTEX_SWEEP_NS and reclaims the slots of dead ones, discarding
 * their calls; see slot_settle() for how a slot changes hands without
 * racing the server.  Who lives is told by liveness locks on the segment
 * (futex_layout.h, os/ownerlock.h), which hold across PID namespaces; the
 * pids and start times in the header and the owner words are a second
 * opinion where they are ours to read, and all there is for peers of
 * older versions.  Every 200 ms an idle server also checks that its
 * segment still has its name (systemd-logind's RemoveIPC=yes removes a
 * user's files at logout): a channel nobody can open is not served.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <sched.h>
#include <sys/stat.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "os/futex.h"
#include "transport/futex_layout.h"
#include "os/ownerlock.h"
#include "os/procinfo.h"
#include "os/shmobj.h"
#include "transport/spin_policy.h"
#include "transport/transport.h"

/*
 * Default spin budget, ns, for either side before it sleeps (option
 * spin_ns, env SHMRPC_SPIN_NS); the default adapts for large messages, up
 * to 2 ms (spin_policy.h).  Chosen by measurement, shmrpc-bench
 * --spin-sweep (bench/README.md): below ~20 us a small JSON call sleeps
 * and costs 2-3x more; up to ~200 us, calls whose handler takes 100-200 us
 * (10 KiB JSON) stop paying a wake-up, and 8 clients on 2 CPUs get their
 * lowest p99; beyond, nothing improves while a waiter burns more CPU
 * when the other side is slow.  The cost of the budget is bounded: after
 * it a waiter sleeps, so a call that takes 100 ms costs 0.2% of a CPU.
 */
#define FUTEX_DEFAULT_SPIN_NS 200000
/*
 * Of the spin budget, at most this much is pure spinning (pause, load).
 * After it a waiter calls sched_yield() between looks: if the peer is
 * runnable on our CPU it gets the CPU, otherwise the call returns at
 * once.  When the peer last ran on our CPU, the waiter yields at once and
 * looks once per yield: on one CPU (measured, client and server pinned to
 * it) every pause before the first yield only delays the peer, and the
 * round trip comes to within ~1.2x of a sched_yield ping-pong
 * (bench/README.md).  A yield does not move either task to another CPU;
 * see FUTEX_SHARED_CPU_NS for that.
 */
#define FUTEX_PURE_SPIN_NS 5000
/*
 * The pure-spin window of a client when there are more clients than CPUs
 * besides the server's (header.clients): the other clients need our CPU to
 * read their answers and post their next calls, which overlaps their work
 * with the server's.  Clients that hold a slot but make no calls count
 * too; they only make the others yield a little earlier.
 *
 * Not while our calls are short, though: a client whose last call was
 * answered within its pure-spin window keeps the full window.  Calls that
 * take less than a context switch (~1 us here) are cheaper to spin
 * through, one client after another each using the CPU for a stretch,
 * than to take turns at every call; and clients that yield while others
 * keep spinning wait for those others' whole scheduler slices, so the
 * clients should all do the one or all do the other.  A call answered
 * within the window keeps a client spinning, a call it had to yield or
 * sleep for makes it yield early: small calls settle on spinning, calls
 * longer than the window (10 KiB and up here) on taking turns.
 */
#define FUTEX_CROWDED_SPIN_NS 1000
/*
 * A client whose calls have been served by a server thread on its own CPU
 * for this long sleeps through its next call instead of yielding, and
 * again after as long, for as long as that lasts.  A yield never moves a
 * task to another CPU, and the load balancer leaves tasks that keep
 * running (cache-hot) where they are, so a client and the server could
 * stay on one CPU taking turns (~2-3 us a call) while another CPU idles:
 * measured, 8 clients on 2 CPUs, the clients that started on the
 * server's CPU stayed there the whole run and finished long after the
 * others, whose CPU sat idle meanwhile.  The wake-up of a sleeper (the
 * server sees `waiting` and wakes it) puts it on an idle CPU when the
 * scheduler finds one.  Sleeping at every such call is worse: when no CPU
 * is idle, every wake-up preempts the server.  A client whose affinity is
 * one CPU does not sleep for this: nothing can move it.  Measurements in
 * bench/README.md.
 */
#define FUTEX_SHARED_CPU_NS (50 * 1000LL)
/* At most this much of a buffer is fetched exclusive ahead of a write
 * (prefetch_msg_excl()).  Measured, client and server on CPUs 1 and 0,
 * json_echo 10 KiB / 100 KiB: 4 KiB 5.20 / 25.95 us, 8 KiB 5.07 / 26.24,
 * 16 KiB 5.01 / 26.43, 32 KiB 5.04 / 26.96, 64 KiB 5.09 / 28.88 (before:
 * two lines, 5.45 / 26.07): more in flight at once starves the reads of
 * the decode that runs meanwhile. */
#ifndef FUTEX_PREFETCH_EXCL_MAX
#define FUTEX_PREFETCH_EXCL_MAX ((size_t)16384)
#endif
/* Longest spin accepted from options or the environment: 1 s. */
#define FUTEX_MAX_SPIN_NS 1000000000LL
/* A sleeping client checks the server process this often. */
#define FUTEX_CHECK_NS (10 * 1000000LL)
/* The server looks for dead clients this often... */
#define FUTEX_SWEEP_NS (200 * 1000000LL)
/* ...among slots idle for at least this long. */
#define FUTEX_IDLE_NS (100 * 1000000LL)
/* Open: retry interval while waiting for the server or a free slot. */
#define FUTEX_RETRY_NS (10 * 1000000LL)

#define RLX memory_order_relaxed
#define ACQ memory_order_acquire
#define REL memory_order_release
#define SEQ memory_order_seq_cst

struct futex_transport {
	shmrpc_transport base;
	struct shm_map map;
	struct futex_header *hdr;
	struct futex_slot *slots;
	unsigned char *buffers;
	uint32_t nslots;
	uint64_t stride;
	struct spin_policy spin;   /* the spin budget (base 0: never spin) */
	bool prefetchw;            /* the CPU has PREFETCHW (futex.h) */
	char fname[TRANSPORT_FNAME_MAX];

	/* Server side. */
	bool created;              /* the file is ours to remove */
	atomic_bool stopped;       /* wake() was called */
	_Atomic uint32_t cursor;   /* where the next scan of ready[] starts */
	_Atomic int64_t next_sweep;
	_Atomic int64_t next_name_check; /* see segment_still_named() */
	_Atomic int32_t last_client_cpu; /* CPU of the last client served */
	/* The longer of the last answer and its request: the size of what
	 * the client works on before its next call (spin budget). */
	_Atomic uint32_t last_bytes;
	/* Per slot, owned by the thread serving that slot's call. */
	uint32_t *taken_gen;
	_Atomic uint32_t takes;    /* requests taken, roughly (sweep clock) */

	/* Client side (one call at a time: the caller serialises). */
	uint64_t me;               /* our owner word */
	uint32_t slot;
	bool has_slot;
	bool call_open;            /* posted, answer not yet consumed */
	uint32_t max_spinners;     /* clients that may spin without crowding */
	bool short_calls;          /* last answer came while we spun purely */
	uint32_t call_gen;
	int64_t call_t0;
	size_t call_bytes;         /* request, or last answer if longer */
	size_t call_req_bytes;     /* the request of the call */
	size_t last_resp_bytes;
	int64_t shared_since;      /* start of a run of calls whose server
				    * thread ran on our CPU; 0: none */
	bool pending;              /* a timed-out call the server still has */
	uint32_t pending_gen;
	int server_gone;           /* sticky ESERVERDEAD / ESTOPPED */
};

/* ---- small helpers ------------------------------------------------------ */

static inline struct futex_slot *slot_at(struct futex_transport *f,
    uint32_t i)
{
	return &f->slots[i];
}

static inline unsigned char *req_buf(struct futex_transport *f, uint32_t i)
{
	return f->buffers + 2 * (uint64_t)i * f->stride;
}

static inline unsigned char *resp_buf(struct futex_transport *f, uint32_t i)
{
	return req_buf(f, i) + f->stride;
}

/* Start fetching the first two lines of a buffer (a small message; the
 * CPU's own prefetcher follows a longer copy), to read or to write. */
static inline void prefetch_msg(const unsigned char *buf)
{
	prefetch_read(buf);
	prefetch_read(buf + FUTEX_CACHELINE);
}

/*
 * Start taking the lines of a buffer exclusive, to be written: the first
 * len bytes (at least two lines, at most FUTEX_PREFETCH_EXCL_MAX).  len is
 * the size of the message the other side last read from it, whose lines
 * sit in its cache, and the next message will likely be as long: asking
 * for them now lets the transfers overlap the work before the write
 * (decoding the request, the answer) instead of stalling the stores.
 */
static inline void prefetch_msg_excl(const struct futex_transport *f,
    unsigned char *buf, size_t len)
{
	if (!f->prefetchw)
		return;
	if (len > FUTEX_PREFETCH_EXCL_MAX)
		len = FUTEX_PREFETCH_EXCL_MAX;
	if (len > f->base.max_message)
		len = f->base.max_message;
	if (len < 2 * FUTEX_CACHELINE)
		len = 2 * FUTEX_CACHELINE;
	for (size_t o = 0; o < len; o += FUTEX_CACHELINE)
		prefetch_write(buf + o);
}

/* The slot's call is over (or its client gone): clear its in-flight mark.
 * Only the slot's holder calls this (its client, or whoever took the slot
 * over from a dead one), so a plain store does. */
static void clear_in_flight(struct futex_slot *sl)
{
	atomic_store_explicit(&sl->stats.in_flight, 0, RLX);
}

/* Counter with one writer: no locked instruction. */
static inline void ctr_bump(_Atomic uint64_t *c, uint64_t v)
{
	atomic_store_explicit(c, atomic_load_explicit(c, RLX) + v, RLX);
}

/* Counter with several writers. */
static inline void ctr_add(_Atomic uint64_t *c, uint64_t v)
{
	atomic_fetch_add_explicit(c, v, RLX);
}

static uint64_t self_owner_id(void)
{
	uint64_t start = shmrpc__proc_self_start_time();

	return (uint64_t)(uint32_t)getpid() << 32 | (uint32_t)start;
}

/* What the pid and start time of the client behind owner word o say,
 * read in our /proc (the owner word does not say the client's PID
 * namespace: a pid from another one is most likely gone or another
 * process here, which only the lock can overrule). */
static enum shmrpc__proc_liveness owner_word_liveness(uint64_t o)
{
	uint64_t now;
	uint32_t start32 = FUTEX_OWNER_START32(o);
	int rc;

	rc = shmrpc__proc_start_time(FUTEX_OWNER_PID(o), &now);
	if (rc == -ESRCH)
		return PROC_DEAD;
	if (rc < 0)
		return PROC_UNKNOWN;
	/* start32 0: the owner could not read its own start time; the pid
	 * is all we have. */
	if (start32 != 0 && (uint32_t)now != start32)
		return PROC_DEAD;
	return PROC_ALIVE;
}

/*
 * Is the client behind owner word o of slot i still there?  Special owners
 * are always "alive".  A held slot lock says alive, whatever namespace the
 * client is in; a free one is not proof (clients of older versions hold
 * none), so then the pid decides, and a pid we cannot read keeps the slot.
 */
static enum shmrpc__proc_liveness slot_owner_liveness(
    const struct futex_transport *f, uint32_t i, uint64_t o)
{
	int lock;

	if (o == FUTEX_OWNER_FREE || o == FUTEX_OWNER_SERVER)
		return PROC_ALIVE;
	lock = shmrpc__lock_test(f->map.fd, FUTEX_LOCK_SLOT(i), 1);
	if (lock > 0)
		return PROC_ALIVE;
	return shmrpc__liveness_decide(lock, false, owner_word_liveness(o));
}

/*
 * Is the server of the mapped segment h (our descriptor fd) alive?  A
 * server that says it holds the owner lock is alive exactly while it
 * does; its pid is read only where it is ours to read.  A server of an
 * older version holds none: its pid and start time decide, as they did.
 */
static enum shmrpc__proc_liveness server_liveness(const struct futex_header *h,
    int fd)
{
	bool proof = (h->flags & FUTEX_FLAG_OWNER_LOCK) != 0;
	int lock = proof ? shmrpc__lock_test(fd, FUTEX_LOCK_SERVER, 1) : -1;

	if (lock > 0)
		return PROC_ALIVE;
	return shmrpc__liveness_decide(lock, proof, shmrpc__proc_liveness_in(
	    h->server_pid, h->server_start, h->server_pid_ns));
}

/* The spin budget: as set (option spin_ns, else env SHMRPC_SPIN_NS), a
 * fixed budget; else the default, which adapts (spin_policy.h). */
static int64_t resolve_spin(const shmrpc_options *opts, bool *adapt)
{
	const char *env;

	*adapt = false;
	if (opts->spin_ns < 0)
		return 0;
	if (opts->spin_ns > 0)
		return opts->spin_ns > FUTEX_MAX_SPIN_NS ? FUTEX_MAX_SPIN_NS
							 : opts->spin_ns;
	env = getenv("SHMRPC_SPIN_NS");
	if (env != NULL && *env != '\0') {
		char *end;
		long long v;

		errno = 0;
		v = strtoll(env, &end, 10);
		if (errno == 0 && *end == '\0')
			return v <= 0 ? 0
				      : (v > FUTEX_MAX_SPIN_NS ? FUTEX_MAX_SPIN_NS
							       : v);
		log_warn("SHMRPC_SPIN_NS=%s is not a number of nanoseconds; "
			 "using the default", env);
	}
	*adapt = true;
	return FUTEX_DEFAULT_SPIN_NS;
}

static void spin_init(struct futex_transport *f, const shmrpc_options *opts)
{
	bool adapt;
	int64_t base = resolve_spin(opts, &adapt);

	shmrpc__spin_policy_init(&f->spin, base, adapt);
}

static int futex_object_names(const char *name,
    char (*out)[TRANSPORT_FNAME_MAX], int max)
{
	if (max < 1)
		return 0;
	snprintf(out[0], TRANSPORT_FNAME_MAX, "%s%s", FUTEX_SEG_PREFIX, name);
	return 1;
}

static void reset_counters(struct futex_counters *c)
{
	atomic_store_explicit(&c->calls, 0, RLX);
	atomic_store_explicit(&c->errors, 0, RLX);
	atomic_store_explicit(&c->timeouts, 0, RLX);
	atomic_store_explicit(&c->bytes_in, 0, RLX);
	atomic_store_explicit(&c->bytes_out, 0, RLX);
	atomic_store_explicit(&c->in_flight, 0, RLX);
	atomic_store_explicit(&c->last_ns, 0, RLX);
	atomic_store_explicit(&c->sum_ns, 0, RLX);
	for (unsigned b = 0; b < HIST_BUCKETS; b++)
		atomic_store_explicit(&c->latency[b], 0, RLX);
}

/* A client leaves its slot: add its counters to the channel's retired
 * ones and zero them.  Only the slot's holder calls this. */
static void retire_counters(struct futex_header *h, struct futex_slot *sl)
{
	struct futex_counters *c = &sl->stats, *r = &h->retired;
	int64_t last = atomic_load_explicit(&c->last_ns, RLX);
	int64_t rlast = atomic_load_explicit(&r->last_ns, RLX);

	ctr_add(&r->calls, atomic_load_explicit(&c->calls, RLX));
	ctr_add(&r->errors, atomic_load_explicit(&c->errors, RLX));
	ctr_add(&r->timeouts, atomic_load_explicit(&c->timeouts, RLX));
	ctr_add(&r->bytes_in, atomic_load_explicit(&c->bytes_in, RLX));
	ctr_add(&r->bytes_out, atomic_load_explicit(&c->bytes_out, RLX));
	ctr_add(&r->sum_ns, atomic_load_explicit(&c->sum_ns, RLX));
	for (unsigned b = 0; b < HIST_BUCKETS; b++) {
		uint64_t v = atomic_load_explicit(&c->latency[b], RLX);
		if (v != 0)
			ctr_add(&r->latency[b], v);
	}
	while (last > rlast && !atomic_compare_exchange_weak_explicit(
	    &r->last_ns, &rlast, last, RLX, RLX))
		;
	reset_counters(c);
}

/* ---- slots changing hands --------------------------------------------- */

/* Clear slot i's ready bit; true if it was set, i.e. if we, not another
 * party, now have the request it stood for. */
static bool win_ready_bit(struct futex_header *h, uint32_t i)
{
	uint64_t bit = 1ull << (i % 64);

	return (atomic_fetch_and_explicit(&h->ready[i / 64], ~bit, SEQ) &
	    bit) != 0;
}

/*
 * The caller holds slot i: its owner word is `holder` (its own id, after
 * claiming it or taking it over from a dead client).  End whatever call
 * the slot is in.  If keep, the slot stays the holder's, idle, and true is
 * returned.  Otherwise it is freed (owner 0), or, when the server is in
 * the middle of the call, handed to the server, which frees it once the
 * call is done (ABANDONED): false is returned in both cases.
 *
 * Only the holder writes the owner word, and the state word changes only
 * by compare-and-swap, so this cannot race the server: whoever's CAS wins
 * decides, and the other side sees the outcome.
 */
static bool slot_settle(struct futex_transport *f, uint32_t i,
    uint64_t holder, bool keep)
{
	struct futex_slot *sl = slot_at(f, i);

	clear_in_flight(sl);
	retire_counters(f->hdr, sl);
	for (;;) {
		uint32_t s = atomic_load_explicit(&sl->state, ACQ);
		uint32_t gen = FUTEX_GEN_OF(s);

		switch (FUTEX_PHASE_OF(s)) {
		case FUTEX_REQ:
			if (win_ready_bit(f->hdr, i)) {
				/* Withdrawn: no server thread has it, and
				 * none can now.  The slot is ours. */
				atomic_store_explicit(&sl->state,
				    FUTEX_STATE(gen + 1, FUTEX_IDLE), REL);
				break;
			}
			/* A server thread has the call (or the client died
			 * before setting its bit: the sweep sees to that).
			 * Hand the slot over first: once ABANDONED, the
			 * server may free it at any moment. */
			atomic_store_explicit(&sl->owner, FUTEX_OWNER_SERVER,
			    SEQ);
			if (atomic_compare_exchange_strong(&sl->state, &s,
				FUTEX_STATE(gen, FUTEX_ABANDONED)))
				return false;
			/* Answered meanwhile (RESP): drop it below. */
			atomic_store_explicit(&sl->owner, holder, SEQ);
			continue;
		case FUTEX_ABANDONED:
			/* Already the server's. */
			return false;
		default:
			/* IDLE, or RESP: an answer nobody will read.  Only
			 * the holder changes these; the CAS is cheap
			 * insurance. */
			if (!atomic_compare_exchange_strong(&sl->state, &s,
				FUTEX_STATE(gen + 1, FUTEX_IDLE)))
				continue;
			break;
		}
		if (keep)
			return true;
		atomic_store_explicit(&sl->owner, FUTEX_OWNER_FREE, REL);
		return false;
	}
}

/* Take over slot i from the dead owner o, as holder.  True if we hold it
 * now (the caller then calls slot_settle()). */
static bool slot_take_over(struct futex_transport *f, uint32_t i, uint64_t o,
    uint64_t holder)
{
	struct futex_slot *sl = slot_at(f, i);

	if (!atomic_compare_exchange_strong(&sl->owner, &o, holder))
		return false;
	/* The dead client no longer holds a slot (a client taking it over
	 * counts itself again in slot_claimed()). */
	atomic_fetch_sub_explicit(&f->hdr->clients, 1, RLX);
	log_info("channel %s: reclaiming slot %u of dead client pid %d",
	    f->base.name, i, (int)FUTEX_OWNER_PID(o));
	return true;
}

/* ---- server side ------------------------------------------------------ */

static void futex_close(shmrpc_transport *t);

static int futex_create(shmrpc_transport **out, const char *name,
    const shmrpc_options *opts)
{
	struct futex_transport *f;
	struct futex_header *init;
	struct futex_geometry g;
	struct timespec rt;
	int rc;

	rc = futex_geometry(opts->buffer_size, opts->slots, opts->methods, &g);
	if (rc < 0)
		return -EINVAL;
	f = calloc(1, sizeof(*f));
	init = calloc(1, FUTEX_HEADER_SIZE);
	if (f != NULL) {
		f->taken_gen = calloc(g.nslots, sizeof(*f->taken_gen));
	}
	if (f == NULL || init == NULL || f->taken_gen == NULL) {
		if (f != NULL)
			free(f->taken_gen);
		free(f);
		free(init);
		return -ENOMEM;
	}
	f->map = (struct shm_map)SHM_MAP_INIT;
	futex_object_names(name, &f->fname, 1);
	atomic_init(&f->stopped, false);
	atomic_init(&f->cursor, 0);
	atomic_init(&f->next_sweep, 0);
	atomic_init(&f->next_name_check, 0);
	atomic_init(&f->last_client_cpu, -1);
	spin_init(f, opts);
	f->prefetchw = cpu_has_prefetchw();
	shmrpc__transport_base_init(&f->base, &shmrpc__transport_futex_ops,
	    SHMRPC_TRANSPORT_FUTEX, true, name, opts,
	    g.buffer_size - MSG_HEADER_SIZE);

	clock_gettime(CLOCK_REALTIME, &rt);
	init->magic = FUTEX_MAGIC;
	init->version = FUTEX_LAYOUT_VERSION;
	init->header_size = FUTEX_HEADER_SIZE;
	init->slot_size = sizeof(struct futex_slot);
	init->nslots = g.nslots;
	init->buffer_size = g.buffer_size;
	init->buffer_stride = g.stride;
	init->slots_offset = g.slots_offset;
	init->buffers_offset = g.buffers_offset;
	init->total_size = g.total_size;
	init->methods_offset = g.methods_offset;
	init->methods_capacity = g.methods_capacity;
	init->server_pid = (int32_t)getpid();
	/* Inodes of PID namespaces fit in 32 bits (proc_alloc_inum()). */
	init->server_pid_ns = (uint32_t)shmrpc__proc_self_pidns();
	init->flags = FUTEX_FLAG_OWNER_LOCK;
	init->server_start = shmrpc__proc_self_start_time();
	init->created_ns = (int64_t)rt.tv_sec * NS_PER_SEC + rt.tv_nsec;
	atomic_init(&init->server_state, FUTEX_SERVER_RUNNING);
	snprintf(init->name, sizeof(init->name), "%s", name);

	/* Everything after the header starts zeroed: slots free and IDLE.
	 * The owner lock is held before the file has its name, so nobody
	 * ever sees the segment without it. */
	struct shm_how how = { .mode = (mode_t)opts->mode, .gid = opts->gid,
		.owner_lock = true };
	rc = shmrpc__shmobj_create_as(f->fname, g.total_size, init,
	    FUTEX_HEADER_SIZE, &how, &f->map);
	free(init);
	if (rc < 0) {
		if (rc == SHMRPC_EINUSE)
			log_info("channel %s: /dev/shm/%s already exists",
			    name, f->fname);
		futex_close(&f->base);
		return rc;
	}
	f->created = true;
	f->hdr = f->map.addr;
	f->slots = (struct futex_slot *)((char *)f->map.addr + g.slots_offset);
	f->buffers = (unsigned char *)f->map.addr + g.buffers_offset;
	f->nslots = g.nslots;
	f->stride = g.stride;
	*out = &f->base;
	return 0;
}

static bool any_ready(struct futex_transport *f)
{
	uint32_t words = (f->nslots + 63) / 64;

	for (uint32_t w = 0; w < words; w++)
		if (atomic_load_explicit(&f->hdr->ready[w], SEQ) != 0)
			return true;
	return false;
}

/* Ring the bell: wake one sleeping server thread, if no thread spins.
 * sleepers first: with a busy single-threaded server it is 0 and its
 * cache line stays shared, while `spinning` changes on every request. */
static void ring_server(struct futex_header *h)
{
	if (atomic_load_explicit(&h->sleepers, SEQ) > 0 &&
	    atomic_load_explicit(&h->spinning, SEQ) == 0) {
		atomic_fetch_add_explicit(&h->bell, 1, SEQ);
		futex_wake(&h->bell, 1);
	}
}

/*
 * Note in slot.taken that a server thread goes for call s (a REQ state),
 * unless a later call is noted already: a thread that stalled between
 * looking at the state and writing the note must not overwrite the note
 * of a call another thread has taken since.  Generations are compared
 * modulo 2^28; "later" means less than half the range ahead.
 */
static void note_taken(struct futex_slot *sl, uint32_t s)
{
	uint32_t old = atomic_load_explicit(&sl->taken, RLX);

	for (;;) {
		uint32_t ahead = (FUTEX_GEN_OF(s) - FUTEX_GEN_OF(old)) &
		    FUTEX_GEN_MASK;
		if (old != 0 && (ahead == 0 || ahead >= FUTEX_GEN_MASK / 2))
			return;
		if (atomic_compare_exchange_weak_explicit(&sl->taken, &old, s,
			RLX, RLX))
			return;
	}
}

/* The answer to slot i's call goes to its response buffer, and the client
 * read the last answer from there: fetch those lines (as many as the last
 * answer had) for writing while the call runs, not when the answer is
 * copied in.  A client that posted from our CPU has them where we are:
 * two lines then, as for every call before the lines were counted (on
 * one CPU the rest measured 4 % slower, json_echo 10 KiB). */
static void prefetch_answer(struct futex_transport *f, uint32_t i, int cpu)
{
	struct futex_slot *sl = slot_at(f, i);
	size_t len = atomic_load_explicit(&sl->client_cpu, RLX) != cpu
	    ? atomic_load_explicit(&sl->resp_len, RLX) : 0;

	prefetch_msg_excl(f, resp_buf(f, i), len);
}

/* Find a posted request and take it (win its ready bit).  Its slot (and in
 * *gen the call's generation), or -1. */
static int take_request(struct futex_transport *f, uint32_t *gen)
{
	struct futex_header *h = f->hdr;
	uint32_t words = (f->nslots + 63) / 64;
	uint32_t start = atomic_load_explicit(&f->cursor, RLX) % f->nslots;

	for (uint32_t k = 0; k <= words; k++) {
		uint32_t w = (start / 64 + k) % words;
		uint64_t bits = atomic_load_explicit(&h->ready[w], SEQ);

		/* First word of the scan: begin at the cursor's bit, so
		 * that busy low slots cannot starve high ones. */
		if (k == 0 && (start % 64) != 0) {
			uint64_t high = bits & (~0ull << (start % 64));
			if (high != 0)
				bits = high;
		}
		while (bits != 0) {
			unsigned b = (unsigned)__builtin_ctzll(bits);
			uint32_t i = w * 64 + b;
			struct futex_slot *sl;
			uint32_t s;

			bits &= bits - 1;
			if (i >= f->nslots)
				continue;
			sl = slot_at(f, i);
			/* The slot's state line and the request are in the
			 * client's cache, and the ready word is only shared
			 * with it (we have just read it; clearing our bit
			 * needs it exclusive).  Ask for all of them now: the
			 * load of the state and the atomic on the ready word
			 * below would otherwise each wait for a transfer of
			 * their own, and the copy of the request for a
			 * third. */
			if (f->prefetchw)
				prefetch_write(&h->ready[w]);
			prefetch_msg(req_buf(f, i));
			/* Note what we go for before we go for it (see
			 * futex_layout.h); a set bit means REQ. */
			s = atomic_load_explicit(&sl->state, ACQ);
			if (FUTEX_PHASE_OF(s) != FUTEX_REQ)
				continue; /* taken or withdrawn meanwhile */
			note_taken(sl, s);
			if (!win_ready_bit(h, i))
				continue;
			/* Ours.  The client may have withdrawn and posted
			 * again since we looked: look again. */
			uint32_t s2 = atomic_load_explicit(&sl->state, ACQ);
			if (s2 != s)
				note_taken(sl, s2);
			if (FUTEX_PHASE_OF(s2) != FUTEX_REQ) {
				log_error("channel %s: slot %u has its ready "
				    "bit but state %#x", f->base.name, i, s2);
				continue;
			}
			*gen = FUTEX_GEN_OF(s2);
			int cpu = sched_getcpu();
			prefetch_answer(f, i, cpu);
			atomic_store_explicit(&f->cursor, i + 1, RLX);
			/* Only when it changed: the client spins on this
			 * line (see futex_layout.h). */
			if (atomic_load_explicit(&sl->server_cpu, RLX) != cpu)
				atomic_store_explicit(&sl->server_cpu, cpu, RLX);
			atomic_store_explicit(&f->last_client_cpu,
			    atomic_load_explicit(&sl->client_cpu, RLX), RLX);
			/* More work waiting and nobody looking: pass it
			 * on to another thread. */
			if (atomic_load_explicit(&h->sleepers, SEQ) > 0 &&
			    any_ready(f))
				ring_server(h);
			return (int)i;
		}
	}
	return -1;
}

/*
 * Slot i was handed to the server (ABANDONED) with a call no server
 * thread ever took: its client died between posting and setting its
 * ready bit.  Nobody else will free it; do it.  A thread that took the
 * call noted it in `taken` before winning the bit, and that note is
 * visible here (the bit's release chain runs through the CAS that made
 * the slot ABANDONED, which we read with acquire).
 */
static void release_orphan(struct futex_transport *f, uint32_t i)
{
	struct futex_slot *sl = slot_at(f, i);
	uint32_t s = atomic_load_explicit(&sl->state, ACQ);
	uint32_t gen = FUTEX_GEN_OF(s);

	if (FUTEX_PHASE_OF(s) != FUTEX_ABANDONED ||
	    atomic_load_explicit(&sl->taken, RLX) ==
		FUTEX_STATE(gen, FUTEX_REQ))
		return;
	if (atomic_compare_exchange_strong(&sl->state, &s,
		FUTEX_STATE(gen + 1, FUTEX_IDLE))) {
		atomic_store_explicit(&sl->owner, FUTEX_OWNER_FREE, REL);
		log_info("channel %s: freed slot %u (its client died while "
			 "posting)", f->base.name, i);
	}
}

/* Reclaim the slots of dead clients that have been quiet a while. */
static void sweep_dead_clients(struct futex_transport *f, int64_t now)
{
	int64_t next = atomic_load_explicit(&f->next_sweep, RLX);

	if (now < next || !atomic_compare_exchange_strong(&f->next_sweep,
			      &next, now + FUTEX_SWEEP_NS))
		return;
	for (uint32_t i = 0; i < f->nslots; i++) {
		struct futex_slot *sl = slot_at(f, i);
		uint64_t o = atomic_load_explicit(&sl->owner, ACQ);
		int64_t last = atomic_load_explicit(&sl->stats.last_ns, RLX);

		if (o == FUTEX_OWNER_SERVER) {
			release_orphan(f, i);
			continue;
		}
		if (o == FUTEX_OWNER_FREE || now - last < FUTEX_IDLE_NS)
			continue;
		if (slot_owner_liveness(f, i, o) != PROC_DEAD)
			continue;
		if (slot_take_over(f, i, o, FUTEX_OWNER_SERVER))
			slot_settle(f, i, FUTEX_OWNER_SERVER, false);
	}
}

/*
 * Spin for work (the caller is the one spinning thread) for budget ns from
 * t0; true if a request may be ready or we were stopped, false when the
 * budget is spent.
 */
static bool spin_for_work(struct futex_transport *f, int64_t t0,
    int64_t budget)
{
	int me = sched_getcpu();
	/* The client we served last will likely post next; if it ran here,
	 * spinning would only keep it off the CPU: yield.  With that client
	 * alone, at once, one look per yield (the hand-off of one CPU);
	 * with others, whose requests may come from other CPUs, after 16
	 * looks as before (8 clients on 2 CPUs measured alike either way,
	 * bench/README.md). */
	bool yield = me == atomic_load_explicit(&f->last_client_cpu, RLX);
	int looks = yield && atomic_load_explicit(&f->hdr->clients, RLX) <= 1
	    ? 1 : 16;
	int64_t spun = 0;

	for (unsigned round = 0;; round++) {
		bool found = false;
		for (int k = 0; k < looks && !found; k++) {
			if (looks > 1)
				cpu_relax();
			found = any_ready(f);
		}
		if (found || atomic_load_explicit(&f->stopped, RLX))
			return true;
		/* A yield to a client on our CPU takes longer than a clock
		 * read: look at the clock after every eighth. */
		if (looks > 1 || (round & 7) == 7) {
			spun = clock_now_ns() - t0;
			if (spun >= budget)
				return false;
		}
		if (yield || spun >= FUTEX_PURE_SPIN_NS)
			sched_yield();
	}
}

/*
 * Wait from t0 (now, CLOCK_MONOTONIC ns) until a request may be ready:
 * spin (one thread at a time) for the spin budget, then sleep on the bell.  0 to look again, SHMRPC_ETIMEOUT,
 * SHMRPC_ESTOPPED.  Waits after large answers are timed for the spin
 * budget (spin_policy.h), a sleep that found nothing too: it says the
 * client is slower than that.
 */
static int wait_for_work(struct futex_transport *f, int64_t t0,
    int64_t deadline, bool eintr)
{
	struct futex_header *h = f->hdr;
	uint32_t zero = 0, bell;
	size_t bytes = atomic_load_explicit(&f->last_bytes, RLX);
	int64_t budget = shmrpc__spin_budget(&f->spin, bytes), now;
	bool timed = shmrpc__spin_adapts(&f->spin, bytes);

	if (budget > 0 &&
	    atomic_compare_exchange_strong(&h->spinning, &zero, 1)) {
		if (spin_for_work(f, t0, budget)) {
			atomic_fetch_sub_explicit(&h->spinning, 1, SEQ);
			if (timed)
				shmrpc__spin_note(&f->spin, bytes,
				    clock_now_ns() - t0);
			return 0;
		}
		/* Announce the sleep before we stop spinning (see
		 * ring_server()). */
		atomic_fetch_add_explicit(&h->sleepers, 1, SEQ);
		atomic_fetch_sub_explicit(&h->spinning, 1, SEQ);
	} else {
		atomic_fetch_add_explicit(&h->sleepers, 1, SEQ);
	}
	bell = atomic_load_explicit(&h->bell, SEQ);
	if (atomic_load_explicit(&f->stopped, SEQ)) {
		atomic_fetch_sub_explicit(&h->sleepers, 1, SEQ);
		return SHMRPC_ESTOPPED;
	}
	if (any_ready(f)) {
		atomic_fetch_sub_explicit(&h->sleepers, 1, SEQ);
		return 0;
	}
	now = clock_now_ns();
	if (now >= deadline) {
		atomic_fetch_sub_explicit(&h->sleepers, 1, SEQ);
		return SHMRPC_ETIMEOUT;
	}
	/* Wake up at least once per sweep interval to look for dead
	 * clients. */
	int64_t slice = deadline - now;
	if (slice > FUTEX_SWEEP_NS)
		slice = FUTEX_SWEEP_NS;
	int rc = futex_wait(&h->bell, bell, slice);
	atomic_fetch_sub_explicit(&h->sleepers, 1, SEQ);
	if (timed)
		shmrpc__spin_note(&f->spin, bytes, clock_now_ns() - t0);
	return rc == -EINTR && eintr ? -EINTR : 0;
}

/*
 * Does our segment still have its name, every FUTEX_SWEEP_NS?  When it
 * vanished (systemd-logind's RemoveIPC=yes at the user's logout, or a
 * careless rm), clients already attached could go on, but no new one can
 * open the channel: say so loudly (SHMRPC_EREMOVED ends the serve loop)
 * rather than serve a channel that nobody can find.  Another file under
 * our name (a new inode) counts as vanished too: it is not ours.
 */
static int segment_still_named(struct futex_transport *f, int64_t now)
{
	int64_t next = atomic_load_explicit(&f->next_name_check, RLX);
	struct stat st;
	int dir, rc;

	if (now < next || !atomic_compare_exchange_strong(
			      &f->next_name_check, &next, now + FUTEX_SWEEP_NS))
		return 0;
	/* Only now: it takes a lock and makes a system call (fstat), which
	 * the server would otherwise pay every time it waits for work. */
	dir = shmrpc__shm_dirfd();
	if (dir < 0)
		return 0; /* cannot look: no guess */
	rc = shmrpc__shmfile_stat_at(dir, f->fname, &st);
	if (rc == 0 && st.st_dev == f->map.dev && st.st_ino == f->map.ino)
		return 0;
	return rc == 0 || rc == -ENOENT ? SHMRPC_EREMOVED : 0;
}

static int futex_recv_request_ref(shmrpc_transport *t, const void **buf,
    size_t *len, uint32_t *peer, const struct recv_wait *w)
{
	struct futex_transport *f = (struct futex_transport *)t;
	struct futex_header *h = f->hdr;
	int64_t deadline = w != NULL ? w->deadline : deadline_after(t->timeout);
	struct futex_slot *sl;
	uint32_t n, i, gen = 0;
	int rc;

	*len = 0;
	*peer = 0;
	for (;;) {
		if (atomic_load_explicit(&f->stopped, ACQ))
			return SHMRPC_ESTOPPED;
		rc = take_request(f, &gen);
		if (rc >= 0)
			break;
		int64_t now = clock_now_ns();
		sweep_dead_clients(f, now);
		rc = segment_still_named(f, now);
		if (rc == 0)
			rc = wait_for_work(f, now, deadline,
			    w != NULL && w->eintr);
		if (rc < 0)
			return rc;
	}
	/* A server never idle still looks for dead clients now and then;
	 * the clock is read once per 1024 requests, not per request. */
	uint32_t takes = atomic_load_explicit(&f->takes, RLX) + 1;
	atomic_store_explicit(&f->takes, takes, RLX);
	if ((takes & 1023) == 0)
		sweep_dead_clients(f, clock_now_ns());
	i = (uint32_t)rc;
	sl = slot_at(f, i);
	f->taken_gen[i] = gen;
	n = atomic_load_explicit(&sl->req_len, RLX);
	*peer = i;
	if (n > t->max_message) {
		atomic_fetch_add_explicit(&h->server_errors, 1, RLX);
		return SHMRPC_ETRANSPORT;
	}
	/* The buffer stays put until we answer: the client waits, and if it
	 * leaves, the slot is ABANDONED and only our answer frees it. */
	*buf = req_buf(f, i);
	*len = n;
	return 0;
}

static int futex_recv_request(shmrpc_transport *t, void *buf, size_t cap,
    size_t *len, uint32_t *peer, const struct recv_wait *w)
{
	const void *in;
	int rc = futex_recv_request_ref(t, &in, len, peer, w);

	if (rc < 0)
		return rc;
	if (*len > cap) {
		*len = 0;
		return SHMRPC_ETOOBIG;
	}
	memcpy(buf, in, *len);
	return 0;
}

static int futex_response_area(shmrpc_transport *t, uint32_t peer,
    void **area, size_t *cap)
{
	struct futex_transport *f = (struct futex_transport *)t;

	if (peer >= f->nslots)
		return -EINVAL;
	*area = resp_buf(f, peer);
	*cap = t->max_message;
	return 0;
}

/* The sizes of the call just answered, for the next wait's spin budget;
 * stored only when it changes (server threads share the line). */
static void note_last_bytes(struct futex_transport *f, uint32_t resp_len,
    uint32_t req_len)
{
	uint32_t n = resp_len > req_len ? resp_len : req_len;

	if (atomic_load_explicit(&f->last_bytes, RLX) != n)
		atomic_store_explicit(&f->last_bytes, n, RLX);
}

/* The client of slot i left during the call the server held (ABANDONED,
 * generation gen): drop the answer and free the slot. */
static void release_abandoned(struct futex_transport *f, uint32_t i,
    uint32_t gen)
{
	struct futex_slot *sl = slot_at(f, i);
	uint32_t s = FUTEX_STATE(gen, FUTEX_ABANDONED);

	if (atomic_compare_exchange_strong(&sl->state, &s,
		FUTEX_STATE(gen + 1, FUTEX_IDLE)))
		atomic_store_explicit(&sl->owner, FUTEX_OWNER_FREE, REL);
	atomic_fetch_add_explicit(&f->hdr->server_errors, 1, RLX);
	log_info("channel %s: client of slot %u left; answer discarded",
	    f->base.name, i);
}

static int futex_send_response(shmrpc_transport *t, uint32_t peer,
    const void *buf, size_t len)
{
	struct futex_transport *f = (struct futex_transport *)t;
	struct futex_slot *sl;
	uint32_t gen, s;

	if (peer >= f->nslots)
		return -EINVAL;
	sl = slot_at(f, peer);
	/* Read our note on the call now: once the answer is out, the
	 * client may post again and another thread take the slot. */
	gen = f->taken_gen[peer];
	s = atomic_load_explicit(&sl->state, ACQ);
	if (s == FUTEX_STATE(gen, FUTEX_ABANDONED)) {
		release_abandoned(f, peer, gen);
		return 0;
	}
	if (s != FUTEX_STATE(gen, FUTEX_REQ))
		return SHMRPC_ESTATE;
	if (buf != resp_buf(f, peer)) /* else written in place */
		memcpy(resp_buf(f, peer), buf, len);
	atomic_store_explicit(&sl->resp_len, (uint32_t)len, RLX);
	note_last_bytes(f, (uint32_t)len,
	    atomic_load_explicit(&sl->req_len, RLX));
	if (!atomic_compare_exchange_strong(&sl->state, &s,
		FUTEX_STATE(gen, FUTEX_RESP))) {
		/* Only the client leaving can change a call we have. */
		release_abandoned(f, peer, gen);
		return 0;
	}
	if (atomic_load_explicit(&sl->waiting, SEQ))
		futex_wake(&sl->state, 1);
	return 0;
}

static void futex_wake_op(shmrpc_transport *t)
{
	struct futex_transport *f = (struct futex_transport *)t;

	/* Async-signal-safe: atomics and one system call. */
	atomic_store_explicit(&f->stopped, true, SEQ);
	atomic_fetch_add_explicit(&f->hdr->bell, 1, SEQ);
	futex_wake(&f->hdr->bell, INT_MAX);
}

/* ---- client side ------------------------------------------------------- */

/* Map and check the segment.  0, SHMRPC_ENOCHANNEL, SHMRPC_EVERSION,
 * SHMRPC_ENOTOURS, SHMRPC_ESERVERDEAD, -errno. */
static int open_segment(struct futex_transport *f, size_t want_buffer)
{
	struct futex_header *h, snap;
	int rc;

	rc = shmrpc__shmobj_open(f->fname, FUTEX_HEADER_SIZE, 0, &f->map);
	if (rc < 0)
		return rc;
	h = f->map.addr;
	/* The server could rewrite its header at any time: check a private
	 * copy, and take the layout from that copy alone. */
	memcpy(&snap, h, sizeof(snap));
	rc = shmrpc__futex_header_check(&snap, f->map.size, f->fname);
	if (rc < 0)
		return rc;
	if (want_buffer > snap.buffer_size) {
		log_info("channel %s: buffers are %llu bytes, %zu wanted",
		    f->base.name, (unsigned long long)snap.buffer_size,
		    want_buffer);
		return SHMRPC_EVERSION;
	}
	if (atomic_load(&h->server_state) != FUTEX_SERVER_RUNNING)
		return SHMRPC_ENOCHANNEL;
	/* Who is alive is read from the snapshot too. */
	if (server_liveness(&snap, f->map.fd) == PROC_DEAD)
		return SHMRPC_ESERVERDEAD;
	f->hdr = h;
	f->slots = (struct futex_slot *)((char *)f->map.addr +
	    snap.slots_offset);
	f->buffers = (unsigned char *)f->map.addr + snap.buffers_offset;
	f->nslots = snap.nslots;
	f->stride = snap.buffer_stride;
	f->base.max_message = snap.buffer_size - MSG_HEADER_SIZE;
	return 0;
}


static void slot_claimed(struct futex_transport *f, uint32_t i)
{
	struct futex_slot *sl = slot_at(f, i);
	int64_t now = clock_now_ns();

	reset_counters(&sl->stats);
	/* Counts as activity, so the server does not check on us at
	 * once. */
	atomic_store_explicit(&sl->stats.last_ns, now, RLX);
	atomic_store_explicit(&sl->owner_start, shmrpc__proc_self_start_time(),
	    RLX);
	atomic_store_explicit(&sl->claimed_ns, now, RLX);
	atomic_store_explicit(&sl->waiting, 0, RLX);
	atomic_fetch_add_explicit(&f->hdr->clients, 1, RLX);
	f->slot = i;
	f->has_slot = true;
	log_debug("channel %s: took client slot %u of %u", f->base.name, i,
	    f->nslots);
}

/* Try for free slot i: its lock first (so that a server never sees our
 * owner word without our lock), then its owner word.  True if ours. */
static bool claim_free_slot(struct futex_transport *f, uint32_t i)
{
	struct futex_slot *sl = slot_at(f, i);
	uint64_t o = FUTEX_OWNER_FREE;

	if (atomic_load_explicit(&sl->owner, RLX) != FUTEX_OWNER_FREE ||
	    shmrpc__lock_hold(f->map.fd, FUTEX_LOCK_SLOT(i), 1, false) < 0)
		return false;
	if (atomic_compare_exchange_strong(&sl->owner, &o, f->me))
		return true;
	shmrpc__lock_drop(f->map.fd, FUTEX_LOCK_SLOT(i), 1);
	return false;
}

/* Try to take slot i over from a dead client.  Its lock being ours to
 * take shows that no client of this version holds it; its pid must then
 * say dead too (a client of an older version holds no lock).  True if
 * ours (settled, kept). */
static bool claim_dead_slot(struct futex_transport *f, uint32_t i)
{
	uint64_t o = atomic_load(&slot_at(f, i)->owner);

	if (o == FUTEX_OWNER_FREE || o == FUTEX_OWNER_SERVER ||
	    shmrpc__lock_hold(f->map.fd, FUTEX_LOCK_SLOT(i), 1, false) < 0)
		return false;
	if (shmrpc__liveness_decide(0, false, owner_word_liveness(o)) ==
		PROC_DEAD &&
	    slot_take_over(f, i, o, f->me) && slot_settle(f, i, f->me, true))
		return true;
	shmrpc__lock_drop(f->map.fd, FUTEX_LOCK_SLOT(i), 1);
	return false;
}

/* Claim a free slot, or take over one whose client died.  0 or
 * SHMRPC_EFULL. */
static int claim_slot(struct futex_transport *f)
{
	for (uint32_t i = 0; i < f->nslots; i++) {
		if (claim_free_slot(f, i)) {
			slot_claimed(f, i);
			return 0;
		}
	}
	for (uint32_t i = 0; i < f->nslots; i++) {
		if (claim_dead_slot(f, i)) {
			slot_claimed(f, i);
			return 0;
		}
	}
	log_debug("channel %s: all %u client slots are taken", f->base.name,
	    f->nslots);
	return SHMRPC_EFULL;
}

static int futex_open(shmrpc_transport **out, const char *name,
    const shmrpc_options *opts)
{
	struct futex_transport *f = calloc(1, sizeof(*f));
	int64_t deadline = deadline_after(opts->wait_for_server);
	int rc;

	if (f == NULL)
		return -ENOMEM;
	f->map = (struct shm_map)SHM_MAP_INIT;
	futex_object_names(name, &f->fname, 1);
	atomic_init(&f->stopped, false);
	f->me = self_owner_id();
	spin_init(f, opts);
	f->prefetchw = cpu_has_prefetchw();
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	f->max_spinners = ncpu > 2 ? (uint32_t)(ncpu - 1) : 1;
	shmrpc__transport_base_init(&f->base, &shmrpc__transport_futex_ops,
	    SHMRPC_TRANSPORT_FUTEX, false, name, opts, 0);
	for (;;) {
		rc = open_segment(f, opts->buffer_size);
		if (rc == 0)
			rc = claim_slot(f);
		if (rc == 0)
			break;
		f->hdr = NULL;
		shmrpc__shmobj_close(&f->map);
		/* A dead server's segment may be replaced by a restarted
		 * server: keep waiting for that too. */
		if ((rc != SHMRPC_ENOCHANNEL && rc != SHMRPC_EFULL &&
			rc != SHMRPC_ESERVERDEAD) ||
		    opts->wait_for_server <= 0 || clock_now_ns() >= deadline)
			break;
		struct timespec ts = ns_to_timespec(FUTEX_RETRY_NS);
		nanosleep(&ts, NULL);
	}
	if (rc < 0) {
		futex_close(&f->base);
		return rc;
	}
	*out = &f->base;
	return 0;
}

/* Is the server gone?  0, SHMRPC_ESTOPPED (it closed the channel) or
 * SHMRPC_ESERVERDEAD.  Reads /proc only when check_process. */
static int server_gone(struct futex_transport *f, bool check_process)
{
	struct futex_header *h = f->hdr;

	if (f->server_gone != 0)
		return f->server_gone;
	if (atomic_load_explicit(&h->server_state, SEQ) != FUTEX_SERVER_RUNNING)
		f->server_gone = SHMRPC_ESTOPPED;
	else if (check_process && server_liveness(h, f->map.fd) == PROC_DEAD)
		f->server_gone = SHMRPC_ESERVERDEAD;
	return f->server_gone;
}

/* Is our affinity one CPU (so that no wake-up can move us)? */
static bool pinned_to_one_cpu(void)
{
	cpu_set_t set;

	return sched_getaffinity(0, sizeof(set), &set) == 0 &&
	    CPU_COUNT(&set) == 1;
}

/* Sleep through this call, so that the scheduler may move us off the CPU
 * of the server thread (FUTEX_SHARED_CPU_NS)?  shared: it took our last
 * call on our CPU; t0: this call's start. */
static bool sleep_to_move(struct futex_transport *f, bool shared, int64_t t0)
{
	if (!shared) {
		f->shared_since = 0;
		return false;
	}
	if (f->shared_since == 0) {
		f->shared_since = t0;
		return false;
	}
	if (t0 - f->shared_since < FUTEX_SHARED_CPU_NS)
		return false;
	f->shared_since = 0;
	/* Pinned (taskset, cgroups), the sleep would only cost us the
	 * wake-up: nothing moves. */
	return !pinned_to_one_cpu();
}

/*
 * Spin until our slot holds `want` (true) or the clock reaches `until`
 * (false).  While the server thread last ran on our CPU (peer == me) it
 * needs this CPU to answer: yield to it at once, one look per yield.
 * Otherwise spin purely, then yield between looks after the pure-spin
 * window, which is short when there are more clients than CPUs for them
 * (they need the CPU to read their answers and post their next calls).
 */
static bool spin_for_answer(struct futex_transport *f, uint32_t want,
    int64_t t0, int64_t until, int me, int peer)
{
	struct futex_slot *sl = slot_at(f, f->slot);
	int64_t now, pure = !f->short_calls &&
	    atomic_load_explicit(&f->hdr->clients, RLX) > f->max_spinners
	    ? FUTEX_CROWDED_SPIN_NS : FUTEX_PURE_SPIN_NS;
	bool yielded = false;

	for (;;) {
		if (peer == me) {
			sched_yield();
			yielded = true;
			if (atomic_load_explicit(&sl->state, ACQ) == want)
				break;
		} else {
			bool got = false;
			for (int k = 0; k < 16 && !got; k++) {
				cpu_relax();
				got = atomic_load_explicit(&sl->state, ACQ) ==
				    want;
			}
			if (got)
				break;
		}
		now = clock_now_ns();
		if (now >= until)
			return false;
		peer = atomic_load_explicit(&sl->server_cpu, RLX);
		if (peer != me && now - t0 >= pure) {
			sched_yield();
			yielded = true;
		}
	}
	f->short_calls = !yielded;
	return true;
}

/*
 * Wait until our slot holds the answer of generation gen: spin until the
 * budget counted from t0 (CLOCK_MONOTONIC ns) is spent, then sleep in
 * slices, checking the server between them.  Now and then, while the
 * server thread runs on our CPU, sleep at once (FUTEX_SHARED_CPU_NS).
 * 0, SHMRPC_ETIMEOUT, SHMRPC_ESERVERDEAD, SHMRPC_ESTOPPED,
 * SHMRPC_ETRANSPORT (the slot was changed under us).
 */
static int wait_response(struct futex_transport *f, uint32_t gen,
    int64_t t0, int64_t deadline)
{
	struct futex_slot *sl = slot_at(f, f->slot);
	const uint32_t want = FUTEX_STATE(gen, FUTEX_RESP);
	int64_t now, last_check;
	uint32_t s;
	int rc = 0;

	if (atomic_load_explicit(&sl->state, ACQ) == want)
		return 0;
	int64_t budget = shmrpc__spin_budget(&f->spin, f->call_bytes);
	if (budget > 0) {
		int me = sched_getcpu();
		/* Where the server thread that takes our calls ran when it
		 * took the last one. */
		int peer = atomic_load_explicit(&sl->server_cpu, RLX);

		if (!sleep_to_move(f, peer == me, t0) &&
		    spin_for_answer(f, want, t0, budget > deadline - t0
			? deadline : t0 + budget, me, peer))
			return 0;
	}
	f->short_calls = false;
	last_check = clock_now_ns();
	for (;;) {
		atomic_store_explicit(&sl->waiting, 1, SEQ);
		s = atomic_load_explicit(&sl->state, SEQ);
		if (s == want)
			break;
		if (s != FUTEX_STATE(gen, FUTEX_REQ)) {
			log_error("channel %s: slot %u changed under a call "
			    "(state %#x)", f->base.name, f->slot, s);
			rc = SHMRPC_ETRANSPORT;
			break;
		}
		now = clock_now_ns();
		rc = server_gone(f, now - last_check >= FUTEX_CHECK_NS);
		if (rc < 0)
			break;
		if (now - last_check >= FUTEX_CHECK_NS)
			last_check = now;
		if (now >= deadline) {
			log_debug("channel %s: slot %u: no answer before the "
			    "timeout", f->base.name, f->slot);
			rc = SHMRPC_ETIMEOUT;
			break;
		}
		int64_t slice = FUTEX_CHECK_NS - (now - last_check);
		if (slice > deadline - now)
			slice = deadline - now;
		futex_wait(&sl->state, s, slice);
	}
	atomic_store_explicit(&sl->waiting, 0, RLX);
	return rc;
}

/* The answer of a call that timed out arrived: drop it. */
static int finish_pending(struct futex_transport *f, int64_t deadline)
{
	int rc = wait_response(f, f->pending_gen, clock_now_ns(), deadline);

	if (rc < 0)
		return rc;
	atomic_store_explicit(&slot_at(f, f->slot)->state,
	    FUTEX_STATE(f->pending_gen, FUTEX_IDLE), REL);
	f->pending = false;
	log_info("channel %s: dropped the late answer of a call that timed "
		 "out", f->base.name);
	return 0;
}

static int futex_send_request(shmrpc_transport *t, const void *buf,
    size_t len)
{
	struct futex_transport *f = (struct futex_transport *)t;
	struct futex_header *h = f->hdr;
	struct futex_slot *sl = slot_at(f, f->slot);
	uint32_t s, i = f->slot;
	int64_t now;
	int rc;

	rc = server_gone(f, false);
	if (rc < 0)
		return rc;
	if (f->pending) {
		rc = finish_pending(f, deadline_after(t->timeout));
		if (rc < 0)
			return rc;
	}
	/* IDLE, or RESP of the last call, whose answer we have read. */
	s = atomic_load_explicit(&sl->state, RLX);
	if (FUTEX_PHASE_OF(s) != FUTEX_IDLE && FUTEX_PHASE_OF(s) != FUTEX_RESP)
		return SHMRPC_ESTATE;
	if (buf != req_buf(f, i)) /* else written in place */
		memcpy(req_buf(f, i), buf, len);
	atomic_store_explicit(&sl->req_len, (uint32_t)len, RLX);
	ctr_bump(&sl->stats.calls, 1);
	ctr_bump(&sl->stats.bytes_out, len);
	atomic_store_explicit(&sl->stats.in_flight, 1, RLX);
	f->call_gen = (FUTEX_GEN_OF(s) + 1) & FUTEX_GEN_MASK;
	f->call_open = true;
	f->call_bytes = len > f->last_resp_bytes ? len : f->last_resp_bytes;
	f->call_req_bytes = len;
	atomic_store_explicit(&sl->client_cpu, sched_getcpu(), RLX);
	atomic_store_explicit(&sl->state, FUTEX_STATE(f->call_gen, FUTEX_REQ),
	    REL);
	atomic_fetch_or_explicit(&h->ready[i / 64], 1ull << (i % 64), SEQ);
	ring_server(h);
	/* Read the clock once the request is out, not before: the server
	 * works on the call meanwhile, so the read (~40 ns on a VM) is not
	 * part of the round trip.  It serves as the call's start (latency,
	 * activity) and as the start of the spin budget. */
	now = clock_now_ns();
	f->call_t0 = now;
	atomic_store_explicit(&sl->stats.last_ns, now, RLX);
	return 0;
}

/* The call ended without its answer (timeout, error): withdraw the
 * request if the server has not taken it, else remember to drop its
 * answer before the next call. */
static void abandon_call(struct futex_transport *f)
{
	struct futex_slot *sl = slot_at(f, f->slot);
	uint32_t gen = f->call_gen;

	f->call_open = false;
	clear_in_flight(sl);
	for (;;) {
		uint32_t s = atomic_load_explicit(&sl->state, ACQ);

		if (FUTEX_GEN_OF(s) != gen)
			return;
		switch (FUTEX_PHASE_OF(s)) {
		case FUTEX_REQ:
			if (win_ready_bit(f->hdr, f->slot)) {
				/* Withdrawn before any server thread saw
				 * it. */
				atomic_store_explicit(&sl->state,
				    FUTEX_STATE(gen + 1, FUTEX_IDLE), REL);
				return;
			}
			/* A server thread has it: drop its answer before
			 * the next call. */
			f->pending = true;
			f->pending_gen = gen;
			return;
		case FUTEX_RESP:
			atomic_store_explicit(&sl->state,
			    FUTEX_STATE(gen, FUTEX_IDLE), REL);
			return;
		default:
			return;
		}
	}
}

/* A finished call's round trip, into the slot's histogram and sum.  Only
 * the slot's client writes them. */
static inline void count_round_trip(struct futex_counters *c, int64_t ns)
{
	ctr_bump(&c->latency[hist_index(ns)], 1);
	ctr_bump(&c->sum_ns, ns > 0 ? (uint64_t)ns : 0);
}

static void count_client_error(struct futex_transport *f, int rc)
{
	struct futex_slot *sl = slot_at(f, f->slot);

	if (rc == SHMRPC_ETIMEOUT)
		ctr_bump(&sl->stats.timeouts, 1);
	else
		ctr_bump(&sl->stats.errors, 1);
}

/* Client: the request buffer of our slot, free once any late answer of a
 * timed-out call is in (the server may still read the old request until
 * then). */
static int futex_request_area(shmrpc_transport *t, void **area, size_t *cap)
{
	struct futex_transport *f = (struct futex_transport *)t;
	int rc;

	rc = server_gone(f, false);
	if (rc < 0)
		return rc;
	if (f->pending) {
		rc = finish_pending(f, deadline_after(t->timeout));
		if (rc < 0)
			return rc;
	}
	*area = req_buf(f, f->slot);
	*cap = t->max_message;
	return 0;
}

static int futex_recv_response_ref(shmrpc_transport *t, const void **buf,
    size_t *len)
{
	struct futex_transport *f = (struct futex_transport *)t;
	struct futex_slot *sl = slot_at(f, f->slot);
	uint32_t n;
	int64_t now = 0;
	size_t bytes;
	int rc;

	*len = 0;
	if (!f->call_open)
		return SHMRPC_ESTATE;
	/* The deadline reads the clock again, but while the server works:
	 * the read is not part of the round trip. */
	rc = wait_response(f, f->call_gen, f->call_t0,
	    deadline_after(t->timeout));
	if (rc < 0) {
		count_client_error(f, rc);
		abandon_call(f);
		return rc;
	}
	/* The answer is in the server's cache: start fetching it now, so
	 * that the transfer overlaps the bookkeeping below (a clock read,
	 * the counters) instead of starting when our caller reads it. */
	prefetch_msg(resp_buf(f, f->slot));
	/* The server has read our request: take its lines back for the next
	 * one while our caller decodes this answer.  Not for a small one,
	 * where it measured no gain (bench/README.md), nor when the server
	 * thread ran on our CPU (prefetch_answer()). */
	if (f->call_req_bytes > 2 * FUTEX_CACHELINE &&
	    atomic_load_explicit(&sl->server_cpu, RLX) !=
		atomic_load_explicit(&sl->client_cpu, RLX))
		prefetch_msg_excl(f, req_buf(f, f->slot), f->call_req_bytes);
	n = atomic_load_explicit(&sl->resp_len, RLX);
	if (n > t->max_message) {
		t->bad_length = n;
		rc = SHMRPC_ETRANSPORT;
	} else {
		/* Ours until our next post: the server writes this buffer
		 * only for a call we posted. */
		*buf = resp_buf(f, f->slot);
		*len = n;
	}
	/* The state stays RESP: the next post overwrites it, and writing
	 * IDLE now would pull the line back from the server for nothing. */
	f->call_open = false;
	ctr_bump(&sl->stats.bytes_in, n);
	clear_in_flight(sl);
	/* Timed here unless the RPC layer says when the answer is decoded
	 * (note_call): then the clock is read then, not now. */
	if (!t->timed_above) {
		now = clock_now_ns();
		atomic_store_explicit(&sl->stats.last_ns, now, RLX);
		count_round_trip(&sl->stats, now - f->call_t0);
	}
	if (rc < 0) {
		count_client_error(f, rc);
		return rc;
	}
	/* The wait, for the spin budget of the next calls of this size; a
	 * large call's only (spin_policy.h), so a clock read of its own only
	 * for those when the RPC layer times the call. */
	bytes = n > f->call_bytes ? n : f->call_bytes;
	if (shmrpc__spin_adapts(&f->spin, bytes)) {
		if (t->timed_above)
			now = clock_now_ns();
		shmrpc__spin_note(&f->spin, bytes, now - f->call_t0);
	}
	f->last_resp_bytes = n;
	return 0;
}

static int futex_recv_response(shmrpc_transport *t, void *buf, size_t cap,
    size_t *len)
{
	const void *in;
	int rc = futex_recv_response_ref(t, &in, len);

	if (rc < 0)
		return rc;
	if (*len > cap) {
		*len = 0;
		count_client_error((struct futex_transport *)t, SHMRPC_ETOOBIG);
		return SHMRPC_ETOOBIG;
	}
	memcpy(buf, in, *len);
	return 0;
}

static void futex_end_call(shmrpc_transport *t)
{
	struct futex_transport *f = (struct futex_transport *)t;

	if (f->call_open)
		abandon_call(f);
}

/* The RPC layer has decoded the answer of the call posted at call_t0:
 * its round trip as the application waits for it (the encoding before the
 * post left out, so that no clock read is added to the call). */
static void futex_note_call(shmrpc_transport *t)
{
	struct futex_transport *f = (struct futex_transport *)t;
	struct futex_slot *sl;
	int64_t now;

	if (t->is_server || !f->has_slot)
		return;
	sl = slot_at(f, f->slot);
	now = clock_now_ns();
	atomic_store_explicit(&sl->stats.last_ns, now, RLX);
	count_round_trip(&sl->stats, now - f->call_t0);
}

static void futex_note_error(shmrpc_transport *t, int err)
{
	struct futex_transport *f = (struct futex_transport *)t;

	if (!t->is_server && f->has_slot)
		count_client_error(f, err);
}

/* ---- both -------------------------------------------------------------- */

/* Server: the method table in the segment (its capacity in *capacity). */
static struct method_table *futex_method_table(shmrpc_transport *t,
    uint32_t *capacity)
{
	struct futex_transport *f = (struct futex_transport *)t;

	if (!t->is_server || f->hdr == NULL)
		return NULL;
	*capacity = f->hdr->methods_capacity;
	return (struct method_table *)((char *)f->map.addr +
	    f->hdr->methods_offset);
}

/*
 * We are done with the channel: let go of our liveness lock (the server's
 * owner byte, or our slot's) now, explicitly.  Closing the descriptor
 * alone would not do if a child forked without exec shares it: an OFD
 * lock lives as long as any descriptor of its open file description, and
 * an unlock through any of them ends it.
 */
static void drop_liveness_locks(struct futex_transport *f)
{
	if (f->map.fd < 0)
		return;
	if (f->base.is_server && f->created)
		shmrpc__lock_drop(f->map.fd, FUTEX_LOCK_SERVER, 1);
	else if (f->has_slot)
		shmrpc__lock_drop(f->map.fd, FUTEX_LOCK_SLOT(f->slot), 1);
}

static void futex_close(shmrpc_transport *t)
{
	struct futex_transport *f = (struct futex_transport *)t;

	if (f->hdr != NULL && t->is_server) {
		if (f->created) {
			int rc = shmrpc__shmobj_unlink(f->fname);
			if (rc < 0)
				log_warn("cannot remove /dev/shm/%s: %s",
				    f->fname, shmrpc_strerror(rc));
		}
		/* Tell clients, and wake the ones asleep. */
		atomic_store_explicit(&f->hdr->server_state,
		    FUTEX_SERVER_CLOSED, SEQ);
		for (uint32_t i = 0; i < f->nslots; i++)
			if (atomic_load_explicit(&slot_at(f, i)->waiting, SEQ))
				futex_wake(&slot_at(f, i)->state, INT_MAX);
	} else if (f->hdr != NULL && f->has_slot) {
		slot_settle(f, f->slot, f->me, false);
		atomic_fetch_sub_explicit(&f->hdr->clients, 1, RLX);
	}
	drop_liveness_locks(f);
	shmrpc__shmobj_close(&f->map);
	free(f->taken_gen);
	free(f);
}

const struct transport_ops shmrpc__transport_futex_ops = {
    .object_names = futex_object_names,
    .lock_object = 0,
    .create = futex_create,
    .open = futex_open,
    .close = futex_close,
    .send_request = futex_send_request,
    .recv_response = futex_recv_response,
    .end_call = futex_end_call,
    .recv_request = futex_recv_request,
    .send_response = futex_send_response,
    .wake = futex_wake_op,
    .note_error = futex_note_error,
    .note_call = futex_note_call,
    .read_stats = shmrpc__futex_read_stats,
    .method_table = futex_method_table,
    .request_area = futex_request_area,
    .recv_response_ref = futex_recv_response_ref,
    .recv_request_ref = futex_recv_request_ref,
    .response_area = futex_response_area,
};
