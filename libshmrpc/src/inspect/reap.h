/*
 * reap.h - layer: inspection.  Removing what the inspection
 * proves safe to remove (the shmrpc_reap_*() API is in shmrpc.h); this
 * header is the part the channel layer uses when a server reclaims a name.
 */
#ifndef SHMRPC_REAP_H
#define SHMRPC_REAP_H

#include "registry/registry.h"

/*
 * Reap channel `channel` of transport kind (DEFAULT: any) in registry r,
 * whose lock the caller holds (and keeps; the entry removal is
 * committed), with the default options: every entry and loose object of
 * that name must pass the final check, or nothing is removed.  cb (may be
 * NULL) hears each decision, as from shmrpc_reap_channel().  Returns 0
 * when removed, SHMRPC_ENOCHANNEL when nothing of that name exists, or
 * the refusal, with *state the blocking item's state and err saying why.
 */
int shmrpc__reap_channel_locked(struct registry *r, const char *channel,
    shmrpc_transport_kind kind, shmrpc_reap_cb cb, void *arg,
    shmrpc_state *state, shmrpc_error *err);

#endif
