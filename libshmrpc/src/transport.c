/*
 * transport.c - the public byte-level transport API: argument checks, then
 * dispatch to the chosen transport's operations.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "registry.h"
#include "shmobj.h"
#include "transport.h"

const struct transport_ops *transport_ops_for(shmrpc_transport_kind kind)
{
	switch (kind) {
	case SHMRPC_TRANSPORT_POSIX:
		return &transport_posix_ops;
	case SHMRPC_TRANSPORT_FUTEX:
#ifdef __linux__
		return &transport_futex_ops;
#else
		break;
#endif
	case SHMRPC_TRANSPORT_DEFAULT:
		break;
	}
	return NULL;
}

void transport_base_init(shmrpc_transport *t, const struct transport_ops *ops,
    shmrpc_transport_kind kind, bool is_server, const char *name,
    const shmrpc_options *opts, size_t max_message)
{
	t->ops = ops;
	t->kind = kind;
	t->is_server = is_server;
	t->in_call = false;
	t->max_message = max_message;
	t->timeout = opts->timeout;
	snprintf(t->name, sizeof(t->name), "%s", name);
}

#ifdef __linux__
/* Whether the first object of channel `name` of transport ops exists. */
static bool channel_exists(const struct transport_ops *ops, const char *name)
{
	char fnames[TRANSPORT_MAX_OBJECTS][TRANSPORT_FNAME_MAX];

	return ops->object_names(name, fnames, TRANSPORT_MAX_OBJECTS) > 0 &&
	    shmobj_exists(fnames[0]);
}

/*
 * A client that chose no transport takes the kind of channel that is
 * there: futex if there is one, else posix, which is all a Python
 * shm-rpc-bridge server speaks.  It looks for either for up to
 * opts->wait_for_server seconds, then leaves the rest of that wait to the
 * open; with neither found, futex, whose open reports the missing channel.
 */
static void detect_client_transport(const char *name, shmrpc_options *opts)
{
	int64_t deadline = opts->wait_for_server > 0
	    ? deadline_after(opts->wait_for_server) : clock_now_ns();

	for (;;) {
		if (channel_exists(&transport_futex_ops, name)) {
			opts->transport = SHMRPC_TRANSPORT_FUTEX;
			break;
		}
		if (channel_exists(&transport_posix_ops, name)) {
			opts->transport = SHMRPC_TRANSPORT_POSIX;
			break;
		}
		if (clock_now_ns() >= deadline) {
			opts->transport = SHMRPC_TRANSPORT_FUTEX;
			break;
		}
		struct timespec ts = { 0, 5000000 };
		nanosleep(&ts, NULL);
	}
	int64_t left = deadline - clock_now_ns();
	opts->wait_for_server = left > 0 ? (double)left / NS_PER_SEC : 0;
}
#endif

static int open_common(shmrpc_transport **out, const char *name,
    const shmrpc_options *in, bool server)
{
	const struct transport_ops *ops;
	shmrpc_options opts;
	int rc;

	if (out == NULL)
		return -EINVAL;
	*out = NULL;
	last_error_clear();
	rc = shmrpc_name_check(name);
	if (rc < 0)
		return rc;
	options_resolve(&opts, in, server);
#ifdef __linux__
	if (!server && !options_transport_chosen(in))
		detect_client_transport(name, &opts);
#endif
	if (opts.buffer_size != 0 &&
	    (opts.buffer_size <= MSG_HEADER_SIZE ||
		opts.buffer_size > (size_t)UINT32_MAX))
		return -EINVAL;
	ops = transport_ops_for(opts.transport);
	if (ops == NULL)
		return -EPROTONOSUPPORT;
	/* Servers register their channel, and reclaim a stale one. */
	return server ? reap_create_channel(ops, out, name, &opts)
		      : registry_open_channel(ops, out, name, &opts);
}

SHMRPC_API int shmrpc_transport_create(shmrpc_transport **out,
    const char *name, const shmrpc_options *opts)
{
	return open_common(out, name, opts, true);
}

SHMRPC_API int shmrpc_transport_open(shmrpc_transport **out,
    const char *name, const shmrpc_options *opts)
{
	return open_common(out, name, opts, false);
}

SHMRPC_API void shmrpc_transport_close(shmrpc_transport *t)
{
	if (t == NULL)
		return;
	if (t->in_call)
		t->ops->end_call(t);
	if (t->is_server) {
		/* Objects first, then the entry: killed in between, we leave
		 * a stale entry with nothing behind it, which is reclaimed. */
		char name[SHMRPC_NAME_MAX + 1];
		shmrpc_transport_kind kind = t->kind;

		memcpy(name, t->name, sizeof(name));
		t->ops->close(t);
		registry_remove_channel(name, kind);
		return;
	}
	t->ops->close(t);
}

SHMRPC_API size_t shmrpc_transport_max_message(const shmrpc_transport *t)
{
	return t->max_message;
}

SHMRPC_API shmrpc_transport_kind shmrpc_transport_kind_of(
    const shmrpc_transport *t)
{
	return t->kind;
}

SHMRPC_API int shmrpc_transport_send_request(shmrpc_transport *t,
    const void *buf, size_t len)
{
	int rc;

	if (t == NULL || (buf == NULL && len > 0))
		return -EINVAL;
	if (t->is_server || t->in_call)
		return SHMRPC_ESTATE;
	if (len > t->max_message)
		return SHMRPC_ETOOBIG;
	rc = t->ops->send_request(t, buf, len);
	if (rc == 0)
		t->in_call = true;
	return rc;
}

int transport_recv_response_keep(shmrpc_transport *t, void *buf, size_t cap,
    size_t *len)
{
	if (!t->in_call)
		return SHMRPC_ESTATE;
	return t->ops->recv_response(t, buf, cap, len);
}

void transport_end_call(shmrpc_transport *t)
{
	if (t->in_call) {
		t->ops->end_call(t);
		t->in_call = false;
	}
}

SHMRPC_API int shmrpc_transport_recv_response(shmrpc_transport *t,
    void *buf, size_t cap, size_t *len)
{
	int rc;

	if (t == NULL || len == NULL || (buf == NULL && cap > 0))
		return -EINVAL;
	rc = transport_recv_response_keep(t, buf, cap, len);
	transport_end_call(t);
	return rc;
}

SHMRPC_API int shmrpc_transport_recv_request(shmrpc_transport *t,
    void *buf, size_t cap, size_t *len, uint32_t *peer)
{
	if (t == NULL || len == NULL || peer == NULL ||
	    (buf == NULL && cap > 0))
		return -EINVAL;
	if (!t->is_server)
		return SHMRPC_ESTATE;
	return t->ops->recv_request(t, buf, cap, len, peer);
}

SHMRPC_API int shmrpc_transport_send_response(shmrpc_transport *t,
    uint32_t peer, const void *buf, size_t len)
{
	if (t == NULL || (buf == NULL && len > 0))
		return -EINVAL;
	if (!t->is_server)
		return SHMRPC_ESTATE;
	if (len > t->max_message)
		return SHMRPC_ETOOBIG;
	return t->ops->send_response(t, peer, buf, len);
}

SHMRPC_API void shmrpc_transport_wake(shmrpc_transport *t)
{
	if (t != NULL && t->is_server)
		t->ops->wake(t);
}

void transport_note_error(shmrpc_transport *t, int err)
{
	if (t != NULL && t->ops->note_error != NULL)
		t->ops->note_error(t, err);
}

bool transport_in_place(const shmrpc_transport *t)
{
	return t->ops->request_area != NULL &&
	    t->ops->recv_response_ref != NULL;
}

int transport_request_area(shmrpc_transport *t, void **area, size_t *cap)
{
	*area = NULL;
	*cap = 0;
	if (t->ops->request_area == NULL)
		return -EPROTONOSUPPORT;
	if (t->is_server || t->in_call)
		return SHMRPC_ESTATE;
	return t->ops->request_area(t, area, cap);
}

int transport_recv_response_ref(shmrpc_transport *t, const void **buf,
    size_t *len)
{
	*buf = NULL;
	*len = 0;
	if (t->ops->recv_response_ref == NULL)
		return -EPROTONOSUPPORT;
	if (!t->in_call)
		return SHMRPC_ESTATE;
	return t->ops->recv_response_ref(t, buf, len);
}

int transport_recv_request_ref(shmrpc_transport *t, const void **buf,
    size_t *len, uint32_t *peer)
{
	*buf = NULL;
	*len = 0;
	*peer = 0;
	if (t->ops->recv_request_ref == NULL)
		return -EPROTONOSUPPORT;
	if (!t->is_server)
		return SHMRPC_ESTATE;
	return t->ops->recv_request_ref(t, buf, len, peer);
}

int transport_response_area(shmrpc_transport *t, uint32_t peer, void **area,
    size_t *cap)
{
	*area = NULL;
	*cap = 0;
	if (t->ops->response_area == NULL)
		return -EPROTONOSUPPORT;
	if (!t->is_server)
		return SHMRPC_ESTATE;
	return t->ops->response_area(t, peer, area, cap);
}
