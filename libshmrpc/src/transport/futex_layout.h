/*
 * futex_layout.h - layer: transport.  The shared segment of a futex
 * channel, byte for byte.
 *
 * Shared by the transport (futex.c) and by anything that reads
 * a channel from outside (the counters view, shmrpc-top).  Changing any
 * structure here means bumping FUTEX_LAYOUT_VERSION: a process that maps
 * a segment of another version must refuse it (SHMRPC_EVERSION), never
 * guess.
 *
 * Channel NAME is one file, /dev/shm/shmrpc_futex_NAME (mode 0600):
 *
 *   offset 0                 struct futex_header   (FUTEX_HEADER_SIZE)
 *   slots_offset             struct futex_slot[nslots]
 *   methods_offset           the per-method counters: a method table of
 *                            methods_capacity entries (methods_layout.h)
 *   buffers_offset           for slot i: request buffer, then response
 *                            buffer, each buffer_size bytes, each starting
 *                            on a FUTEX_BUFFER_ALIGN boundary:
 *                              request(i)  = buffers_offset + 2*i*stride
 *                              response(i) = request(i) + stride
 *   total_size               end of file
 *
 * Messages sit at the start of their buffer; their length is in the slot
 * (req_len, resp_len).  A message carries at most buffer_size - 4 bytes,
 * the same limit as the posix transport's, so an application sees the
 * same sizes on both transports.
 *
 * Every field that changes after creation is a C11 atomic of a lock-free
 * integer type, so it is shared correctly between processes.
 */
#ifndef SHMRPC_FUTEX_LAYOUT_H
#define SHMRPC_FUTEX_LAYOUT_H

#include <errno.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>

#include "shmrpc.h"
#include "base/histogram.h"
#include "transport/methods_layout.h"

/* File name of channel NAME in /dev/shm: prefix + NAME.  No posix object
 * name (srb_*, sem.srb_*) and no registry file (shmrpc-registry-*) can
 * ever start with it. */
#define FUTEX_SEG_PREFIX "shmrpc_futex_"

#define FUTEX_MAGIC 0x58545546u /* "FUTX" in little-endian memory */
/* 2: slot.server_cpu moved from line 1 to line 0.  3: header.client_calls
 * (clients in a call, changed at every call) became header.clients (clients
 * holding a slot).  4: log-linear latency histograms (base/histogram.h)
 * with a sum, the per-method counters (methods_offset), and the owner
 * lock (FUTEX_FLAG_OWNER_LOCK, server_pid_ns). */
#define FUTEX_LAYOUT_VERSION 4u

#define FUTEX_CACHELINE 64
#define FUTEX_HEADER_SIZE 4096u
#define FUTEX_BUFFER_ALIGN 64u
#define FUTEX_MAX_SLOTS 1024u
#define FUTEX_READY_WORDS (FUTEX_MAX_SLOTS / 64u)

/* server_state */
enum { FUTEX_SERVER_STARTING = 0, FUTEX_SERVER_RUNNING = 1,
	FUTEX_SERVER_CLOSED = 2 };

/*
 * Liveness locks (os/ownerlock.h): OFD locks on the segment file, which
 * any process that can open the file tests whatever its PID namespace.
 * The server holds byte FUTEX_LOCK_SERVER exclusively from before the file
 * has its name until it dies or closes the channel, and says so with
 * FUTEX_FLAG_OWNER_LOCK in header.flags (a header without the flag was
 * made by an older version: its server's pid is all there is).  The
 * client of slot i holds byte FUTEX_LOCK_SLOT(i) exclusively from before
 * it writes its owner word until it leaves; it also serves to decide
 * which of two clients gets a free slot.
 */
#define FUTEX_FLAG_OWNER_LOCK 1u
#define FUTEX_LOCK_SERVER 0
#define FUTEX_LOCK_SLOT(i) (1 + (off_t)(i))

/*
 * A slot's state word: generation << 4 | phase.  The generation changes
 * with every call and whenever a call is cut short (withdrawn,
 * reclaimed), so a party holding a stale value can never complete a
 * compare-and-swap on it.  The client sleeps on this word (FUTEX_WAIT).
 *
 *   IDLE|g or RESP|g  -client posts (then sets its ready bit)->  REQ|g+1
 *   REQ|g   -server answers->  RESP|g  (the client reads the answer and
 *           leaves the state as it is: RESP means "no call" as well)
 *   REQ|g   -client withdraws (wins its ready bit back)->  IDLE|g+1
 *   REQ|g   -client leaves while the server has the call->  ABANDONED|g
 *   ABANDONED|g  -server finishes the call, drops the answer->  IDLE|g+1
 *
 * Who has a posted request is decided by its ready bit alone: the server
 * takes a request by clearing the bit (atomic AND), a client or a
 * reclaimer withdraws one the same way, and whoever sees the bit set in
 * the old value has it.  So taking a request writes nothing in the line
 * the client spins on.  Before trying for the bit, a server thread notes
 * the state it saw in the slot's `taken`, which tells the server's sweep
 * whether an ABANDONED call was ever taken (a client that died between
 * posting and setting its bit leaves a call nobody has).
 */
enum futex_phase {
	FUTEX_IDLE = 0,
	FUTEX_REQ = 1,
	FUTEX_RESP = 2,
	FUTEX_ABANDONED = 3,
};
#define FUTEX_PHASE_MASK 0xfu
#define FUTEX_GEN_SHIFT 4
#define FUTEX_GEN_MASK 0x0fffffffu /* generations wrap at 2^28 */
#define FUTEX_STATE(gen, phase) \
	((((uint32_t)(gen) & FUTEX_GEN_MASK) << FUTEX_GEN_SHIFT) | (phase))
#define FUTEX_PHASE_OF(s) ((s) & FUTEX_PHASE_MASK)
#define FUTEX_GEN_OF(s) ((s) >> FUTEX_GEN_SHIFT)

/*
 * A slot's owner word: 0 when free; FUTEX_OWNER_SERVER while the server
 * finishes a call whose client left; else pid << 32 | (start time & 0xffffffff)
 * of the client process (start time: field 22 of /proc/PID/stat), so a
 * reused pid does not look like the old owner.
 */
#define FUTEX_OWNER_FREE 0ull
#define FUTEX_OWNER_SERVER UINT64_MAX
#define FUTEX_OWNER_PID(o) ((pid_t)((o) >> 32))
#define FUTEX_OWNER_START32(o) ((uint32_t)((o) & 0xffffffffu))

/*
 * Live counters.  Each slot's are written by its client alone, with
 * relaxed loads and stores (no locked instruction, no system call); the
 * server writes none of them (only the method table's counters, which no
 * client touches).  A reader sees each field
 * exact, though not all fields at one instant.  The channel's figures are
 * computed by the reader: the `retired` counters of the header (clients
 * that have left: their slot's counters are added in when the slot is
 * released) plus the counters of the slots held by clients now.
 */
struct futex_counters {
	_Atomic uint64_t calls;
	_Atomic uint64_t errors;
	_Atomic uint64_t timeouts;
	_Atomic uint64_t bytes_in;
	_Atomic uint64_t bytes_out;
	_Atomic uint64_t in_flight;
	_Atomic int64_t last_ns;  /* CLOCK_MONOTONIC ns, 0: never */
	_Atomic uint64_t sum_ns;  /* sum of the round trips in latency[] */
	/* Round trips of finished calls, in the buckets of
	 * base/histogram.h.  A call bumps one of them: one cache line. */
	_Atomic uint64_t latency[HIST_BUCKETS];
};

struct futex_slot {
	/* Line 0: the handshake; the client spins on it.  Each side writes
	 * it once per call (the post, the answer), so it crosses between
	 * the two CPUs' caches twice per call; nothing else that changes
	 * per call may live here, or it would cross more often. */
	alignas(FUTEX_CACHELINE) _Atomic uint32_t state;
	_Atomic uint32_t waiting;  /* 1 while the client is in FUTEX_WAIT */
	_Atomic uint32_t req_len;  /* written by the client before REQ */
	_Atomic uint32_t resp_len; /* written by the server before RESP */
	/* CPU the client ran on when it posted, so that the server does not
	 * spin on the CPU the client needs. */
	_Atomic int32_t client_cpu;
	/* CPU of the server thread that took the last request, so that the
	 * client does not spin on the CPU the server needs.  On this line
	 * because the client reads it while it spins here; the server
	 * stores it only when it changes, so the line is not taken from
	 * the spinning client at every request. */
	_Atomic int32_t server_cpu;

	/* Line 1: ownership (see FUTEX_OWNER_*) and info fields for viewers,
	 * written when the slot changes hands; and `taken`, which a server
	 * thread writes (compare-and-swap) at every request.  No client
	 * reads this line during a call, so that write stays in the
	 * server's cache. */
	alignas(FUTEX_CACHELINE) _Atomic uint64_t owner;
	_Atomic uint64_t owner_start; /* full start time of the owner */
	_Atomic int64_t claimed_ns;   /* CLOCK_MONOTONIC when claimed */
	_Atomic uint32_t taken;       /* state a server thread went for */

	/* Lines 2..: the client's counters of this slot.  calls: requests
	 * sent; bytes_out/in: request/response bytes; timeouts: calls
	 * that timed out; errors: calls that failed otherwise (server dead,
	 * bad reply, method error); latency: round trips seen by the
	 * client; in_flight: 1 during a call. */
	alignas(FUTEX_CACHELINE) struct futex_counters stats;
};

struct futex_header {
	/* Lines 0-1: identity; written once at creation, before the file gets
	 * its name. */
	uint32_t magic;
	uint32_t version;
	uint32_t header_size;   /* FUTEX_HEADER_SIZE */
	uint32_t slot_size;     /* sizeof(struct futex_slot) */
	uint32_t nslots;
	uint32_t flags;         /* FUTEX_FLAG_* */
	uint64_t buffer_size;   /* bytes per buffer */
	uint64_t buffer_stride; /* buffer_size rounded up to the alignment */
	uint64_t slots_offset;
	uint64_t buffers_offset;
	uint64_t total_size;
	uint64_t methods_offset;   /* the method table (methods_layout.h) */
	uint32_t methods_capacity; /* its entries */
	uint32_t reserved1;

	/* Line 2: the server process. */
	alignas(FUTEX_CACHELINE) int32_t server_pid;
	uint32_t server_pid_ns;  /* inode of its PID namespace; 0: unknown */
	uint64_t server_start;   /* start time, full */
	int64_t created_ns;      /* CLOCK_REALTIME ns */
	_Atomic uint32_t server_state;

	/* Line 3: how clients wake the server.  `bell` is the futex word
	 * sleeping server threads wait on; a client rings it (increment and
	 * FUTEX_WAKE) only when a server thread sleeps and none spins.
	 * Written only when a server thread goes to sleep or wakes up, so
	 * clients of a busy server read it from their cache. */
	alignas(FUTEX_CACHELINE) _Atomic uint32_t bell;
	_Atomic uint32_t sleepers; /* server threads in (or entering) WAIT */

	/* Line 4: server threads spinning for work (at most one spins at a
	 * time). */
	alignas(FUTEX_CACHELINE) _Atomic uint32_t spinning;

	/* Line 5: slots held by clients (a hint).  Added to when a client
	 * claims a slot, subtracted from when it leaves or its slot is
	 * taken over after its death, so it is written rarely and every
	 * client reads it from its own cache.  When there are more clients
	 * than CPUs besides the server's, a waiting client gives its CPU
	 * away early instead of spinning. */
	alignas(FUTEX_CACHELINE) _Atomic uint32_t clients;

	/* Lines 6-7: bit i set = slot i has posted a request.  The server
	 * finds work by scanning these words, not the slots. */
	alignas(FUTEX_CACHELINE) _Atomic uint64_t ready[FUTEX_READY_WORDS];

	/* Counters of the clients that have left (atomic adds, when a slot
	 * is released: client close, reclaim of a dead client's slot).
	 * in_flight stays 0; last_ns is the latest last_ns folded in. */
	alignas(FUTEX_CACHELINE) struct futex_counters retired;

	/* Problems the server saw (atomic adds, rare): malformed requests,
	 * answers dropped because their client had left. */
	alignas(FUTEX_CACHELINE) _Atomic uint64_t server_errors;

	/* The channel name, for viewers. */
	alignas(FUTEX_CACHELINE) char name[SHMRPC_NAME_MAX + 1];
};

_Static_assert(sizeof(struct futex_header) <= FUTEX_HEADER_SIZE,
    "futex header outgrew its page");
_Static_assert(sizeof(struct futex_slot) % FUTEX_CACHELINE == 0,
    "futex slot not a whole number of cache lines");
_Static_assert(sizeof(_Atomic uint64_t) == 8 && sizeof(_Atomic uint32_t) == 4,
    "atomics must be plain integers in shared memory");

/* Check a header against this build's layout and the file's size: 0 or
 * SHMRPC_EVERSION (logged at info level with the reason).  h must be a
 * private copy (memcpy or pread of the segment's first bytes), never the
 * mapped header itself: that can change between the check of a field and
 * its use, and whoever uses the layout must take it from the checked
 * copy too.  In futex_layout.c. */
int shmrpc__futex_header_check(const struct futex_header *h, size_t file_size,
    const char *fname);

/* Offsets and sizes of a segment; 0 or -EINVAL (overflow, bad counts). */
struct futex_geometry {
	uint64_t buffer_size;
	uint64_t stride;
	uint64_t slots_offset;
	uint64_t methods_offset;
	uint64_t buffers_offset;
	uint64_t total_size;
	uint32_t nslots;
	uint32_t methods_capacity;
};

static inline int futex_geometry(uint64_t buffer_size, uint32_t nslots,
    uint32_t methods, struct futex_geometry *g)
{
	const uint64_t page = 4096;
	uint64_t slots_bytes, per_slot;

	if (nslots == 0 || nslots > FUTEX_MAX_SLOTS || buffer_size <= 4 ||
	    buffer_size > UINT32_MAX || methods == 0 ||
	    methods > SHMRPC_MAX_METHODS)
		return -EINVAL;
	g->buffer_size = buffer_size;
	g->nslots = nslots;
	g->stride = (buffer_size + FUTEX_BUFFER_ALIGN - 1) &
	    ~(uint64_t)(FUTEX_BUFFER_ALIGN - 1);
	g->slots_offset = FUTEX_HEADER_SIZE;
	slots_bytes = (uint64_t)nslots * sizeof(struct futex_slot);
	g->methods_offset = (g->slots_offset + slots_bytes + page - 1) &
	    ~(page - 1);
	g->methods_capacity = methods;
	g->buffers_offset = (g->methods_offset +
	    methods_table_size(g->methods_capacity) + page - 1) & ~(page - 1);
	per_slot = 2 * g->stride;
	/* nslots <= 1024, methods <= 4096 and stride < 2^33: no overflow
	 * in 64 bits. */
	g->total_size = g->buffers_offset + (uint64_t)nslots * per_slot;
	return 0;
}

#endif
