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
 * whose lock the caller holds (and keeps: the entry removal is committed,
 * the lock is not released), with the default inspect options.  The same
 * final check and all-or-nothing rule as shmrpc_reap_channel().  Returns
 * 0 when removed, SHMRPC_ENOCHANNEL when nothing of that name exists, or
 * the refusal; res (zeroed first) says what was found and why.
 */
int shmrpc__reap_channel_locked(struct registry *r, const char *channel,
    shmrpc_transport_kind kind, shmrpc_reap_result *res);

#endif
