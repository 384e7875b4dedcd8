/*
 * options.c - layer: base.  Defaults, option resolution, names of things.
 */
#include <stdlib.h>
#include <string.h>

#include "base/common.h"

SHMRPC_API const char *shmrpc_version(void)
{
	return SHMRPC_VERSION_STRING;
}

SHMRPC_API void shmrpc_options_init(shmrpc_options *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->transport = SHMRPC_TRANSPORT_DEFAULT;
	opts->buffer_size = 0; /* server: 4096; client: the server's size */
	opts->timeout = SHMRPC_DEFAULT_TIMEOUT;
	opts->wait_for_server = 0;
	opts->slots = 0;
	opts->spin_ns = 0;
}

SHMRPC_API int shmrpc_transport_parse(const char *name,
    shmrpc_transport_kind *kind)
{
	if (name == NULL)
		return -EINVAL;
	if (strcmp(name, "posix") == 0)
		*kind = SHMRPC_TRANSPORT_POSIX;
	else if (strcmp(name, "futex") == 0)
		*kind = SHMRPC_TRANSPORT_FUTEX;
	else
		return -EINVAL;
	return 0;
}

SHMRPC_API const char *shmrpc_transport_name(shmrpc_transport_kind kind)
{
	switch (kind) {
	case SHMRPC_TRANSPORT_POSIX:
		return "posix";
	case SHMRPC_TRANSPORT_FUTEX:
		return "futex";
	case SHMRPC_TRANSPORT_DEFAULT:
		break;
	}
	return "default";
}

/* The transport a DEFAULT request means: env SHMRPC_TRANSPORT, else the
 * best one built in. */
static shmrpc_transport_kind default_transport(void)
{
	shmrpc_transport_kind kind;
	const char *env = getenv("SHMRPC_TRANSPORT");

	if (env != NULL && *env != '\0') {
		if (shmrpc_transport_parse(env, &kind) == 0)
			return kind;
		log_warn("SHMRPC_TRANSPORT=%s is not a transport; using the "
			 "default", env);
	}
#ifdef __linux__
	return SHMRPC_TRANSPORT_FUTEX;
#else
	return SHMRPC_TRANSPORT_POSIX;
#endif
}

bool shmrpc__options_transport_chosen(const shmrpc_options *in)
{
	const char *env = getenv("SHMRPC_TRANSPORT");

	return (in != NULL && in->transport != SHMRPC_TRANSPORT_DEFAULT) ||
	    (env != NULL && *env != '\0');
}

void shmrpc__options_resolve(shmrpc_options *out, const shmrpc_options *in,
    bool server)
{
	if (in != NULL)
		*out = *in;
	else
		shmrpc_options_init(out);
	if (out->transport == SHMRPC_TRANSPORT_DEFAULT)
		out->transport = default_transport();
	if (out->buffer_size == 0 && server)
		out->buffer_size = SHMRPC_DEFAULT_BUFFER_SIZE;
	if (out->slots == 0)
		out->slots = SHMRPC_DEFAULT_SLOTS;
}

SHMRPC_API int shmrpc_name_check(const char *name)
{
	size_t n;

	if (name == NULL)
		return SHMRPC_ENAME;
	n = strlen(name);
	if (n == 0 || n > SHMRPC_NAME_MAX)
		return SHMRPC_ENAME;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c <= 0x20 || c >= 0x7f || c == '/')
			return SHMRPC_ENAME;
	}
	return 0;
}
