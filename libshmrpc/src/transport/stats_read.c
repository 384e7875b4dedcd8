/*
 * stats_read.c - layer: transport.  shmrpc_stats_read(): the statistics
 * of a channel, from the reader (the read_stats op) of the transport that
 * carries it.
 */
#include "transport/stats.h"
#include "transport/transport.h"

/* The transports to look in for kind (DEFAULT: futex first). */
static size_t kinds_for(shmrpc_transport_kind kind,
    shmrpc_transport_kind out[2])
{
	if (kind != SHMRPC_TRANSPORT_DEFAULT) {
		out[0] = kind;
		return 1;
	}
	out[0] = SHMRPC_TRANSPORT_FUTEX;
	out[1] = SHMRPC_TRANSPORT_POSIX;
	return 2;
}

SHMRPC_API int shmrpc_stats_read(shmrpc_stats **out, const char *name,
    shmrpc_transport_kind kind, shmrpc_error *err)
{
	shmrpc_transport_kind kinds[2];
	size_t n;
	int rc = SHMRPC_ENOCHANNEL;

	if (out == NULL || name == NULL)
		return shmrpc__error_set(err, -EINVAL, "out or name is NULL");
	*out = NULL;
	if (shmrpc_name_check(name) < 0)
		return shmrpc__error_set(err, SHMRPC_ENAME,
		    "invalid channel name");
	n = kinds_for(kind, kinds);
	for (size_t i = 0; i < n; i++) {
		const struct transport_ops *ops =
		    shmrpc__transport_ops_for(kinds[i]);

		if (ops == NULL || ops->read_stats == NULL)
			continue;
		rc = ops->read_stats(name, out, err);
		if (rc != SHMRPC_ENOCHANNEL)
			return rc;
	}
	if (rc == SHMRPC_ENOCHANNEL)
		shmrpc__error_set(err, rc, "channel %s keeps no statistics "
		    "(no such channel, or not a C server's)", name);
	return rc;
}

