/*
 * handle.c - layer: transport.  What both transports share: the base part
 * of every transport handle.  Below posix.c and futex.c, so that neither
 * reaches up into the dispatcher (transport.c) that calls them.
 */
#include <stdio.h>

#include "transport/transport.h"

void shmrpc__transport_base_init(shmrpc_transport *t,
    const struct transport_ops *ops, shmrpc_transport_kind kind, bool is_server,
    const char *name, const shmrpc_options *opts, size_t max_message)
{
	t->ops = ops;
	t->kind = kind;
	t->is_server = is_server;
	t->in_call = false;
	t->max_message = max_message;
	t->timeout = opts->timeout;
	snprintf(t->name, sizeof(t->name), "%s", name);
}
