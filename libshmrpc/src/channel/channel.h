/*
 * channel.h - layer: channel lifecycle, between the RPC layer and the
 * transports.  The one place that creates, opens and closes a channel:
 *
 *   create  lock the registry, reclaim what a dead owner left (through the
 *           reaper's final check), create the objects through the
 *           transport's ops, register;
 *   open    find the transport (a client that named none takes the kind of
 *           channel it finds), refuse a channel whose registered owner is
 *           dead, then the transport's open;
 *   close   remove the objects (server), then unregister.
 *
 * The public shmrpc_transport_create(), _open() and _close() are defined
 * in channel.c; the RPC client and server go through them too.
 */
#ifndef SHMRPC_CHANNEL_H
#define SHMRPC_CHANNEL_H

#include "registry/registry.h"
#include "transport/transport.h"

/* Fill e for server channel t just created by this process. */
void shmrpc__channel_entry_for(struct reg_entry *e, const shmrpc_transport *t,
    const shmrpc_options *opts);

/*
 * Register server channel t in this process's registry / remove our own
 * entry of channel (name, kind).  Failures are logged, never fatal: an
 * unregistered channel shows as in use while we map it and is never
 * reaped.
 */
void shmrpc__channel_register(const shmrpc_transport *t,
    const shmrpc_options *opts);
void shmrpc__channel_unregister(const char *name, shmrpc_transport_kind kind);

#endif
