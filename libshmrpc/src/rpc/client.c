/*
 * client.c - layer: RPC.  The client: request ids, one call at a time per
 * handle, late replies recognised and dropped.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "codec/envelope.h"
#include "rpc/call.h"
#include "transport/transport.h"

/* Calls of a posix handle whose reply may still come, remembered so that
 * a later call knows that reply for a late one (see await_reply()). */
#define OWED_MAX 8
/* Replies a posix call drops as other clients' late replies before it
 * gives up with SHMRPC_EPROTO (a server that answers twice, endlessly). */
#define FOREIGN_MAX 8

struct shmrpc_client {
	shmrpc_transport *transport;
	pthread_mutex_t lock;  /* serialises calls from several threads */
	char *out;             /* request being encoded, if not in place */
	char *in;              /* response being received, if not in place */
	size_t in_cap;
	uint64_t id_prefix;    /* random, so ids differ between handles */
	uint64_t next_id;
	/* posix: replies may cross (the seed's single response buffer).
	 * owed[]: numbers of our calls that ended without their reply. */
	bool crossing;
	uint64_t owed[OWED_MAX];
	unsigned nowed;        /* entries used, a ring past OWED_MAX */
	/* Between shmrpc_call_bytes_reserve() and _commit()/_cancel() (lock
	 * held): the slot's request buffer and the header's size. */
	bool reserved;
	unsigned char *area;
	size_t area_cap;
	size_t hdr_len;
	/* What a call's mode keeps until the next call (shmrpc__client_keep). */
	char *kept;
	size_t kept_cap;
	/* The call between shmrpc__client_begin() and _finish() (lock held). */
	struct call_state call;
};

SHMRPC_API int shmrpc_client_open(shmrpc_client **out, const char *name,
    const shmrpc_options *opts, shmrpc_error *err)
{
	pthread_mutexattr_t ma;
	shmrpc_client *cli;
	int rc;

	if (out == NULL)
		return shmrpc__error_set(err, -EINVAL, "out is NULL");
	*out = NULL;
	cli = calloc(1, sizeof(*cli));
	if (cli == NULL)
		return shmrpc__error_set(err, -ENOMEM, NULL);
	/* Error-checking, so that a thread that holds a bytes reservation
	 * and calls again gets SHMRPC_ESTATE, not a deadlock.  First, so
	 * that shmrpc_client_close() can undo any partial open. */
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&cli->lock, &ma);
	pthread_mutexattr_destroy(&ma);
	rc = shmrpc_transport_open(&cli->transport, name, opts, err);
	if (rc < 0)
		goto fail;
	/* The live counters time our calls to their answer decoded
	 * (note_call), not only to its arrival. */
	cli->transport->timed_above = true;
	cli->in_cap = shmrpc_transport_max_message(cli->transport);
	/* A transport with in-place operations (futex) has messages encoded
	 * and decoded in its shared memory; the others (posix) go through
	 * these copies. */
	if (!shmrpc__transport_in_place(cli->transport)) {
		cli->in = malloc(cli->in_cap > 0 ? cli->in_cap : 1);
		cli->out = malloc(cli->in_cap > 0 ? cli->in_cap : 1);
		if (cli->in == NULL || cli->out == NULL) {
			rc = shmrpc__error_set(err, -ENOMEM, NULL);
			goto fail;
		}
	}
	cli->crossing = shmrpc_transport_kind_of(cli->transport) ==
	    SHMRPC_TRANSPORT_POSIX;
	if (getrandom(&cli->id_prefix, sizeof(cli->id_prefix), 0) !=
	    (ssize_t)sizeof(cli->id_prefix))
		cli->id_prefix = ((uint64_t)getpid() << 32) ^ (uintptr_t)cli;
	*out = cli;
	return 0;
fail:
	shmrpc_client_close(cli);
	return rc;
}

SHMRPC_API shmrpc_transport_kind shmrpc_client_transport(
    const shmrpc_client *cli)
{
	return shmrpc_transport_kind_of(cli->transport);
}

SHMRPC_API void shmrpc_client_close(shmrpc_client *cli)
{
	if (cli == NULL)
		return;
	shmrpc_transport_close(cli->transport);
	pthread_mutex_destroy(&cli->lock);
	free(cli->kept);
	free(cli->out);
	free(cli->in);
	free(cli);
}

/* id = "%016" PRIx64 "-%" PRIu64 of prefix and n, without printf (which
 * costs a good part of a small call).  id has room for 16 + 1 + 20 + 1. */
static void format_id(char id[48], uint64_t prefix, uint64_t n)
{
	static const char hex[] = "0123456789abcdef";
	char digits[20];
	int k = 0;

	for (int i = 0; i < 16; i++)
		id[i] = hex[(prefix >> (60 - 4 * i)) & 0xf];
	id[16] = '-';
	do {
		digits[k++] = (char)('0' + n % 10);
		n /= 10;
	} while (n != 0);
	for (int i = 0; i < k; i++)
		id[17 + i] = digits[k - 1 - i];
	id[17 + k] = '\0';
}

/* Wait for the answer: in place in shared memory (futex; valid until the
 * next send), or copied into cli->in (posix). */
static int recv_reply(shmrpc_client *cli, const char **buf, size_t *len)
{
	const void *ref;
	int rc = shmrpc__transport_recv_response_ref(cli->transport, &ref, len);

	if (rc != -EPROTONOSUPPORT) {
		*buf = ref;
		return rc;
	}
	*buf = cli->in;
	return shmrpc__transport_recv_response_keep(cli->transport, cli->in,
	    cli->in_cap, len);
}

/* Where to encode the next request: the slot's buffer (futex) or ours. */
static int request_area(shmrpc_client *cli, char **area, size_t *cap)
{
	void *a;
	int rc = shmrpc__transport_request_area(cli->transport, &a, cap);

	if (rc == -EPROTONOSUPPORT) {
		*area = cli->out;
		*cap = cli->in_cap;
		return 0;
	}
	*area = a;
	return rc;
}

char *shmrpc__client_keep(shmrpc_client *cli, size_t n)
{
	if (n > cli->kept_cap) {
		char *grown = realloc(cli->kept, n);

		if (grown == NULL)
			return NULL;
		cli->kept = grown;
		cli->kept_cap = n;
	}
	return cli->kept;
}

/* ---- replies that are not the call's ------------------------------------- */

/* The reply of our call n may still come: a later call will drop it. */
static void owe(shmrpc_client *cli, uint64_t n)
{
	if (cli->crossing)
		cli->owed[cli->nowed++ % OWED_MAX] = n;
}

/* Was a reply to our call n still owed?  Forgets it if so. */
static bool settle_owed(shmrpc_client *cli, uint64_t n)
{
	unsigned used = cli->nowed < OWED_MAX ? cli->nowed : OWED_MAX;

	for (unsigned i = 0; i < used; i++) {
		if (cli->owed[i] == n && n != UINT64_MAX) {
			cli->owed[i] = UINT64_MAX;
			return true;
		}
	}
	return false;
}

/* If id is one of this handle's ("<16 hex digits of the prefix>-<n>"),
 * its call number in *n. */
static bool own_id(const shmrpc_client *cli, const char *id, uint64_t *n)
{
	char mine[48];
	const char *p;

	format_id(mine, cli->id_prefix, 0);
	if (id == NULL || strncmp(id, mine, 17) != 0)
		return false;
	*n = 0;
	for (p = id + 17; *p >= '0' && *p <= '9'; p++) {
		if (*n > (UINT64_MAX - 9) / 10)
			return false;
		*n = *n * 10 + (uint64_t)(*p - '0');
	}
	return p != id + 17 && *p == '\0';
}

/* A reply id as a peer sent it, made safe for an error text: printable
 * ASCII kept, anything else as \xHH, cut at about 64 bytes. */
static const char *shown_id(const char *id, char out[96])
{
	size_t k = 0;

	if (id == NULL)
		return "null";
	for (const char *p = id; *p != '\0' && k < 80; p++) {
		unsigned char c = (unsigned char)*p;
		if (c >= 0x20 && c < 0x7f && c != '\\')
			out[k++] = (char)c;
		else
			k += (size_t)snprintf(out + k, 96 - k, "\\x%02x", c);
		if (k >= 64 && p[1] != '\0') {
			memcpy(out + k, "...", 4);
			return out;
		}
	}
	out[k] = '\0';
	return out;
}

/*
 * A reply whose id is not call n's: drop it (0, wait on) or fail the call
 * (< 0, err filled).  On futex, replies never cross (the slot's generation
 * sees to it), so any other id is the server breaking the protocol.  On
 * posix one response buffer serves every client, so a reply may be
 * another call's that timed out: ours (owed) is dropped; another
 * handle's, or the seed's, cannot be told from a wrong one and is
 * dropped too, up to FOREIGN_MAX times.  A reply to a call of ours that
 * was answered already is a second reply: fail at once, and owe our own
 * reply, which is still to come, to the next call.
 */
static int foreign_reply(shmrpc_client *cli, uint64_t n, const char *want,
    const struct response_view *rv, unsigned *dropped, shmrpc_error *err)
{
	char shown[96];
	uint64_t k;

	if (rv->id == NULL && rv->error != NULL)
		/* The server saying our request was unreadable. */
		return shmrpc__error_set_text(err, SHMRPC_EPROTO, rv->error,
		    rv->error_len);
	if (!cli->crossing)
		return shmrpc__error_set(err, SHMRPC_EPROTO, "reply with "
		    "request id %s, not this call's %s, on channel %s",
		    shown_id(rv->id, shown), want, cli->transport->name);
	if (own_id(cli, rv->id, &k)) {
		if (k < n && settle_owed(cli, k)) {
			log_info("channel %s: dropped the late reply of call "
			    "%" PRIu64, cli->transport->name, k);
			return 0;
		}
		owe(cli, n);
		return shmrpc__error_set(err, SHMRPC_EPROTO, "%s reply "
		    "(request id %s) on channel %s", k < n ? "a second"
		    : "an unasked-for", shown_id(rv->id, shown),
		    cli->transport->name);
	}
	if (++*dropped > FOREIGN_MAX) {
		owe(cli, n);
		return shmrpc__error_set(err, SHMRPC_EPROTO, "%u replies for "
		    "other calls (the last: request id %s), none for this "
		    "call's %s, on channel %s", FOREIGN_MAX,
		    shown_id(rv->id, shown), want, cli->transport->name);
	}
	log_info("channel %s: dropped a reply for another call (id %s)",
	    cli->transport->name, shown_id(rv->id, shown));
	return 0;
}

/* The wait for the reply failed with rc.  A timeout after dropping other
 * calls' replies says what was seen: the server may be answering the
 * wrong calls. */
static int reply_wait_failed(shmrpc_client *cli, uint64_t n, int rc,
    unsigned dropped, const char *first_dropped, shmrpc_error *err)
{
	if (rc == SHMRPC_ETIMEOUT)
		owe(cli, n);
	if (rc == SHMRPC_ETIMEOUT && dropped > 0)
		return shmrpc__error_set(err, SHMRPC_EPROTO, "no reply for "
		    "this call on channel %s within the timeout, after %u "
		    "for other calls (request id %s)", cli->transport->name,
		    dropped, first_dropped);
	if (rc == SHMRPC_ETRANSPORT)
		return shmrpc__error_set(err, rc, "%s: a reply of %" PRIu32
		    " bytes on channel %s, whose messages have at most %zu",
		    shmrpc_strerror(rc), cli->transport->bad_length,
		    cli->transport->name, cli->transport->max_message);
	return shmrpc__error_set(err, rc, "%s: waiting for the reply on "
	    "channel %s", shmrpc_strerror(rc), cli->transport->name);
}

/* Wait for the reply to our call, whose id is `id`; late replies of
 * other calls are dropped (see foreign_reply()).  The mode takes the
 * result into out, or err is filled. */
static int await_reply(shmrpc_client *cli, const char *id,
    const struct call_mode *mode, void *out, shmrpc_error *err)
{
	char first_dropped[96] = "";
	unsigned dropped = 0;
	uint64_t n = UINT64_MAX;

	own_id(cli, id, &n); /* ours: always */
	for (;;) {
		struct response_view rv;
		const char *buf;
		size_t len;
		int rc;

		rc = recv_reply(cli, &buf, &len);
		if (rc < 0)
			return reply_wait_failed(cli, n, rc, dropped,
			    first_dropped, err);
		rc = mode->decode(buf, len, id, &rv);
		if (rc < 0) {
			shmrpc__error_set(err, rc, "malformed reply on "
			    "channel %s%s%s", cli->transport->name,
			    rv.why != NULL ? ": " : "",
			    rv.why != NULL ? rv.why : "");
			shmrpc__response_view_release(&rv);
			return rc;
		}
		if (rv.id == NULL || strcmp(rv.id, id) != 0) {
			if (dropped == 0)
				shown_id(rv.id, first_dropped);
			rc = foreign_reply(cli, n, id, &rv, &dropped, err);
			shmrpc__response_view_release(&rv);
			if (rc < 0)
				return rc;
			continue;
		}
		rc = 0;
		if (rv.error != NULL)
			rc = shmrpc__error_set_text(err, SHMRPC_EMETHOD,
			    rv.error, rv.error_len);
		if (mode->take(cli, out, &rv) < 0 && rc == 0)
			rc = shmrpc__error_set(err, -ENOMEM, NULL);
		shmrpc__response_view_release(&rv);
		return rc;
	}
}

int shmrpc__client_begin(shmrpc_client *cli, const char *method,
    const struct call_mode *mode, struct call_state **cs, shmrpc_error *err)
{
	int rc;

	rc = shmrpc__name_error(err, "method", method, strlen(method), true);
	if (rc < 0)
		return rc;
	if (pthread_mutex_lock(&cli->lock) != 0)
		/* EDEADLK: this thread holds a reservation. */
		return shmrpc__error_set(err, SHMRPC_ESTATE,
		    "a request is reserved on this client");
	cli->call = (struct call_state){ .method = method, .mode = mode,
		.owner = pthread_self() };
	format_id(cli->call.id, cli->id_prefix, cli->next_id++);
	rc = request_area(cli, &cli->call.area, &cli->call.cap);
	if (rc < 0) {
		shmrpc__error_set(err, rc, "%s: sending to channel %s",
		    shmrpc_strerror(rc), cli->transport->name);
		shmrpc__client_abandon(cli);
		return rc;
	}
	*cs = &cli->call;
	return 0;
}

struct call_state *shmrpc__client_begun(shmrpc_client *cli)
{
	/* Read without the lock: only the thread that holds it finds its
	 * own call here; any other sees another's owner, or none. */
	return cli->call.mode != NULL &&
	    pthread_equal(cli->call.owner, pthread_self()) ? &cli->call : NULL;
}

void shmrpc__client_abandon(shmrpc_client *cli)
{
	cli->call.mode = NULL;
	pthread_mutex_unlock(&cli->lock);
}

int shmrpc__client_finish(shmrpc_client *cli, size_t len, void *out,
    shmrpc_error *err)
{
	struct call_state *cs = &cli->call;
	int rc;

	rc = shmrpc_transport_send_request(cli->transport, cs->area, len);
	if (rc < 0) {
		shmrpc__error_set(err, rc, "%s: sending to channel %s",
		    shmrpc_strerror(rc), cli->transport->name);
		goto out;
	}
	rc = await_reply(cli, cs->id, cs->mode, out, err);
	if (rc == SHMRPC_ETIMEOUT)
		log_debug("channel %s: call %s of %s timed out",
		    cli->transport->name, cs->id, cs->method);
	if (rc == SHMRPC_EMETHOD || rc == SHMRPC_EPROTO || rc == SHMRPC_ESERIAL)
		shmrpc__transport_note_error(cli->transport, rc);
	if (rc == 0 || rc == SHMRPC_EMETHOD || rc == SHMRPC_EPROTO ||
	    rc == SHMRPC_ESERIAL) /* an answer came */
		shmrpc__transport_note_call(cli->transport);
	shmrpc__transport_end_call(cli->transport);
out:
	shmrpc__client_abandon(cli);
	return rc;
}

static const struct call_mode json_mode;

int shmrpc__client_call(shmrpc_client *cli, const char *method,
    const struct call_mode *mode, const void *params, size_t params_len,
    void *out, shmrpc_error *err)
{
	struct call_state *cs;
	size_t len;
	int rc;

	rc = shmrpc__client_begin(cli, method, mode, &cs, err);
	if (rc < 0)
		return rc;
	rc = mode->encode(cs->area, cs->cap, &len, cs->id, method, params,
	    params_len);
	if (rc < 0) {
		if (rc == SHMRPC_ETOOBIG)
			shmrpc__error_set(err, rc, "request for %s does not "
			    "fit in a message of %zu bytes", method,
			    cli->in_cap);
		else if (mode == &json_mode && shmrpc__envelope_too_deep(params))
			shmrpc__error_set(err, rc, "params for %s are nested "
			    "deeper than %d levels", method, SHMRPC_MAX_DEPTH);
		else
			shmrpc__error_set(err, rc, "cannot encode the request "
			    "for %s: %s", method, shmrpc_strerror(rc));
		shmrpc__client_abandon(cli);
		return rc;
	}
	return shmrpc__client_finish(cli, len, out, err);
}

/* ---- calls with json_t params and results -------------------------------- */

static int json_encode_request(char *area, size_t cap, size_t *len,
    const char *id, const char *method, const void *params,
    size_t params_len)
{
	(void)params_len;
	return shmrpc__envelope_encode_request(area, cap, len, id, method,
	    params);
}

static int json_take(shmrpc_client *cli, void *out,
    const struct response_view *rv)
{
	(void)cli;
	if (rv->error == NULL)
		*(json_t **)out = json_incref(rv->result);
	return 0;
}

static const struct call_mode json_mode = {
	.encode = json_encode_request,
	.decode = shmrpc__envelope_decode_response,
	.take = json_take,
};

SHMRPC_API int shmrpc_call(shmrpc_client *cli, const char *method,
    const json_t *params, json_t **result, shmrpc_error *err)
{
	json_t *empty = NULL;
	int rc;

	if (result != NULL)
		*result = NULL;
	if (cli == NULL || method == NULL || result == NULL)
		return shmrpc__error_set(err, -EINVAL, "invalid argument");
	if (params != NULL && !json_is_object(params))
		return shmrpc__error_set(err, -EINVAL,
		    "params must be a JSON object");
	if (params == NULL)
		params = empty = json_object();
	rc = shmrpc__client_call(cli, method, &json_mode, params, 0, result,
	    err);
	json_decref(empty);
	return rc;
}

/* ---- bytes calls (futex only) ------------------------------------------- */

SHMRPC_API int shmrpc_call_bytes_reserve(shmrpc_client *cli,
    const char *method, void **buf, size_t *cap, shmrpc_error *err)
{
	size_t n, area_cap;
	void *area;
	int rc;

	if (buf != NULL)
		*buf = NULL;
	if (cap != NULL)
		*cap = 0;
	if (cli == NULL || method == NULL || buf == NULL || cap == NULL)
		return shmrpc__error_set(err, -EINVAL, "invalid argument");
	n = strlen(method);
	if (n == 0 || n > BYTES_NAME_MAX)
		return shmrpc__error_set(err, -EINVAL, "a bytes method name "
		    "has 1 to %d bytes", BYTES_NAME_MAX);
	if (shmrpc__name_error(err, "method", method, n, true) < 0) {
		/* The bytes calls say -EINVAL for every bad name. */
		if (err != NULL)
			err->code = -EINVAL;
		return -EINVAL;
	}
	if (pthread_mutex_lock(&cli->lock) != 0)
		return shmrpc__error_set(err, SHMRPC_ESTATE, "this thread "
		    "holds a bytes reservation on the client");
	rc = shmrpc__transport_request_area(cli->transport, &area, &area_cap);
	if (rc < 0) {
		shmrpc__error_set(err, rc, "%s", rc == -EPROTONOSUPPORT
			? "bytes calls need the futex transport"
			: shmrpc_strerror(rc));
		goto fail;
	}
	if (area_cap < BYTES_REQ_HEADER + n) {
		rc = shmrpc__error_set(err, SHMRPC_ETOOBIG, "the method name "
		    "does not fit in the request buffer");
		goto fail;
	}
	cli->area = area;
	cli->area_cap = area_cap;
	cli->hdr_len = BYTES_REQ_HEADER + n;
	cli->area[0] = (unsigned char)BYTES_MAGIC;
	cli->area[1] = (unsigned char)n;
	memcpy(cli->area + BYTES_REQ_HEADER, method, n);
	cli->reserved = true;
	*buf = cli->area + cli->hdr_len;
	*cap = area_cap - cli->hdr_len;
	return 0; /* the lock stays held until commit or cancel */
fail:
	pthread_mutex_unlock(&cli->lock);
	return rc;
}

SHMRPC_API void shmrpc_call_bytes_cancel(shmrpc_client *cli)
{
	if (cli == NULL || !cli->reserved)
		return;
	cli->reserved = false;
	cli->area = NULL;
	pthread_mutex_unlock(&cli->lock);
}

/* The answer to a bytes call, in place. */
static int bytes_answer(shmrpc_client *cli, const unsigned char *in,
    size_t n, const void **reply, size_t *reply_len, shmrpc_error *err)
{
	if (n >= BYTES_RESP_HEADER && in[0] == BYTES_MAGIC &&
	    in[1] == BYTES_STATUS_OK) {
		*reply = in + BYTES_RESP_HEADER;
		*reply_len = n - BYTES_RESP_HEADER;
		return 0;
	}
	if (n >= BYTES_RESP_HEADER && in[0] == BYTES_MAGIC &&
	    in[1] == BYTES_STATUS_ERROR) {
		return shmrpc__error_set_text(err, SHMRPC_EMETHOD,
		    (const char *)in + BYTES_RESP_HEADER,
		    n - BYTES_RESP_HEADER);
	}
	if (n > 0 && in[0] == '{') {
		/* A JSON answer: a server that did not understand. */
		struct response_view rv;
		int rc = shmrpc__envelope_decode_response((const char *)in, n,
		    NULL, &rv);

		if (rc == 0 && rv.error != NULL) {
			rc = shmrpc__error_set_text(err, SHMRPC_EPROTO,
			    rv.error, rv.error_len);
			shmrpc__response_view_release(&rv);
			return rc;
		}
		shmrpc__response_view_release(&rv);
	}
	return shmrpc__error_set(err, SHMRPC_EPROTO,
	    "malformed bytes reply on channel %s", cli->transport->name);
}

SHMRPC_API int shmrpc_call_bytes_commit(shmrpc_client *cli, size_t len,
    const void **reply, size_t *reply_len, shmrpc_error *err)
{
	const char *in;
	size_t n;
	int rc;

	if (reply != NULL)
		*reply = NULL;
	if (reply_len != NULL)
		*reply_len = 0;
	if (cli == NULL)
		return shmrpc__error_set(err, -EINVAL, "invalid argument");
	if (!cli->reserved)
		return shmrpc__error_set(err, SHMRPC_ESTATE,
		    "no bytes request reserved");
	if (reply == NULL || reply_len == NULL) {
		rc = shmrpc__error_set(err, -EINVAL, "invalid argument");
		goto out;
	}
	if (len > cli->area_cap - cli->hdr_len) {
		rc = shmrpc__error_set(err, SHMRPC_ETOOBIG, "request of %zu "
		    "bytes does not fit in %zu", len,
		    cli->area_cap - cli->hdr_len);
		goto out;
	}
	rc = shmrpc_transport_send_request(cli->transport, cli->area,
	    cli->hdr_len + len);
	if (rc < 0) {
		shmrpc__error_set(err, rc, "%s: sending to channel %s",
		    shmrpc_strerror(rc), cli->transport->name);
		goto out;
	}
	rc = recv_reply(cli, &in, &n);
	if (rc < 0) {
		shmrpc__error_set(err, rc, "%s: waiting for the reply on "
		    "channel %s", shmrpc_strerror(rc), cli->transport->name);
	} else {
		rc = bytes_answer(cli, (const unsigned char *)in, n, reply,
		    reply_len, err);
		shmrpc__transport_note_call(cli->transport);
	}
	if (rc == SHMRPC_EMETHOD || rc == SHMRPC_EPROTO)
		shmrpc__transport_note_error(cli->transport, rc);
	shmrpc__transport_end_call(cli->transport);
out:
	cli->reserved = false;
	cli->area = NULL;
	pthread_mutex_unlock(&cli->lock);
	return rc;
}

SHMRPC_API int shmrpc_call_bytes(shmrpc_client *cli, const char *method,
    const void *req, size_t req_len, const void **reply, size_t *reply_len,
    shmrpc_error *err)
{
	void *buf;
	size_t cap;
	int rc;

	if (reply != NULL)
		*reply = NULL;
	if (reply_len != NULL)
		*reply_len = 0;
	if (req == NULL && req_len > 0)
		return shmrpc__error_set(err, -EINVAL, "invalid argument");
	rc = shmrpc_call_bytes_reserve(cli, method, &buf, &cap, err);
	if (rc < 0)
		return rc;
	if (req_len > cap) {
		shmrpc_call_bytes_cancel(cli);
		return shmrpc__error_set(err, SHMRPC_ETOOBIG, "request of %zu "
		    "bytes does not fit in %zu", req_len, cap);
	}
	if (req_len > 0)
		memcpy(buf, req, req_len);
	return shmrpc_call_bytes_commit(cli, req_len, reply, reply_len, err);
}
