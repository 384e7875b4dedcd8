/*
 * transport.c - layer: transport.  The dispatcher: the table of transport
 * kinds, and the public byte-level calls on an open handle (argument and
 * state checks, then the transport's operation).  Creating, opening and
 * closing a handle belong to the channel layer (channel/channel.c).
 */
#include "transport/transport.h"

const struct transport_ops *shmrpc__transport_ops_for(
    shmrpc_transport_kind kind)
{
	switch (kind) {
	case SHMRPC_TRANSPORT_POSIX:
		return &shmrpc__transport_posix_ops;
	case SHMRPC_TRANSPORT_FUTEX:
#ifdef __linux__
		return &shmrpc__transport_futex_ops;
#else
		break;
#endif
	case SHMRPC_TRANSPORT_DEFAULT:
		break;
	}
	return NULL;
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

int shmrpc__transport_recv_response_keep(shmrpc_transport *t, void *buf,
    size_t cap, size_t *len)
{
	if (!t->in_call)
		return SHMRPC_ESTATE;
	return t->ops->recv_response(t, buf, cap, len);
}

void shmrpc__transport_end_call(shmrpc_transport *t)
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
	rc = shmrpc__transport_recv_response_keep(t, buf, cap, len);
	shmrpc__transport_end_call(t);
	return rc;
}

int shmrpc__transport_recv_request_wait(shmrpc_transport *t, void *buf,
    size_t cap, size_t *len, uint32_t *peer, const struct recv_wait *w)
{
	if (t == NULL || len == NULL || peer == NULL ||
	    (buf == NULL && cap > 0))
		return -EINVAL;
	if (!t->is_server)
		return SHMRPC_ESTATE;
	return t->ops->recv_request(t, buf, cap, len, peer, w);
}

SHMRPC_API int shmrpc_transport_recv_request(shmrpc_transport *t,
    void *buf, size_t cap, size_t *len, uint32_t *peer)
{
	return shmrpc__transport_recv_request_wait(t, buf, cap, len, peer,
	    NULL);
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

void shmrpc__transport_note_error(shmrpc_transport *t, int err)
{
	if (t != NULL && t->ops->note_error != NULL)
		t->ops->note_error(t, err);
}

void shmrpc__transport_note_call(shmrpc_transport *t)
{
	if (t != NULL && t->ops->note_call != NULL)
		t->ops->note_call(t);
}

struct method_table *shmrpc__transport_method_table(shmrpc_transport *t,
    uint32_t *capacity)
{
	*capacity = 0;
	if (t == NULL || t->ops->method_table == NULL)
		return NULL;
	return t->ops->method_table(t, capacity);
}

bool shmrpc__transport_in_place(const shmrpc_transport *t)
{
	return t->ops->request_area != NULL &&
	    t->ops->recv_response_ref != NULL;
}

int shmrpc__transport_request_area(shmrpc_transport *t, void **area,
    size_t *cap)
{
	*area = NULL;
	*cap = 0;
	if (t->ops->request_area == NULL)
		return -EPROTONOSUPPORT;
	if (t->is_server || t->in_call)
		return SHMRPC_ESTATE;
	return t->ops->request_area(t, area, cap);
}

int shmrpc__transport_recv_response_ref(shmrpc_transport *t, const void **buf,
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

int shmrpc__transport_recv_request_ref(shmrpc_transport *t, const void **buf,
    size_t *len, uint32_t *peer, const struct recv_wait *w)
{
	*buf = NULL;
	*len = 0;
	*peer = 0;
	if (t->ops->recv_request_ref == NULL)
		return -EPROTONOSUPPORT;
	if (!t->is_server)
		return SHMRPC_ESTATE;
	return t->ops->recv_request_ref(t, buf, len, peer, w);
}

int shmrpc__transport_response_area(shmrpc_transport *t, uint32_t peer,
    void **area, size_t *cap)
{
	*area = NULL;
	*cap = 0;
	if (t->ops->response_area == NULL)
		return -EPROTONOSUPPORT;
	if (!t->is_server)
		return SHMRPC_ESTATE;
	return t->ops->response_area(t, peer, area, cap);
}
