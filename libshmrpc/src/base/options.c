/*
 * options.c - layer: base.  Defaults, option resolution, names of things.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"

SHMRPC_API const char *shmrpc_version(void)
{
	return SHMRPC_VERSION_STRING;
}

static void options_defaults(shmrpc_options *o)
{
	memset(o, 0, sizeof(*o));
	o->size = sizeof(*o);
	o->transport = SHMRPC_TRANSPORT_DEFAULT;
	o->buffer_size = 0; /* server: 4096; client: the server's size */
	o->timeout = SHMRPC_DEFAULT_TIMEOUT;
	o->wait_for_server = 0;
	o->slots = 0;
	o->spin_ns = 0;
	o->mode = 0;           /* 0600 */
	o->gid = (gid_t)-1;    /* the server's own group */
}

SHMRPC_API void shmrpc_options_init_size(shmrpc_options *opts, size_t size)
{
	shmrpc_options d;

	if (opts == NULL || size < sizeof(opts->size))
		return;
	options_defaults(&d);
	/* Only the caller's bytes: an older program's struct is smaller. */
	shmrpc__struct_import(opts, size, &d, sizeof(d));
	opts->size = size;
}

int shmrpc__struct_export(void *dst, size_t dst_size, const void *caller,
    size_t min_size)
{
	size_t have;

	memcpy(&have, caller, sizeof(have));
	if (have < min_size || have > SHMRPC__STRUCT_MAX)
		return -EINVAL;
	memcpy(dst, caller, have < dst_size ? have : dst_size);
	return 0;
}

void shmrpc__struct_import(void *caller, size_t caller_size, const void *src,
    size_t src_size)
{
	memcpy(caller, src, caller_size < src_size ? caller_size : src_size);
	if (caller_size > src_size) /* a newer program: zero what we lack */
		memset((char *)caller + src_size, 0, caller_size - src_size);
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
 * best one built in.  A word that names no transport is an error, never
 * quietly the default: someone set it and meant something. */
static int default_transport(shmrpc_transport_kind *kind, shmrpc_error *err)
{
	const char *env = getenv("SHMRPC_TRANSPORT");

	if (env != NULL && *env != '\0') {
		if (shmrpc_transport_parse(env, kind) == 0)
			return 0;
		return shmrpc__error_set(err, -EINVAL, "SHMRPC_TRANSPORT=%.64s "
		    "is not a transport (posix or futex; unset or empty for "
		    "the default)", env);
	}
#ifdef __linux__
	*kind = SHMRPC_TRANSPORT_FUTEX;
#else
	*kind = SHMRPC_TRANSPORT_POSIX;
#endif
	return 0;
}

bool shmrpc__options_transport_chosen(const shmrpc_options *in)
{
	const char *env = getenv("SHMRPC_TRANSPORT");

	return (in != NULL && in->transport != SHMRPC_TRANSPORT_DEFAULT) ||
	    (env != NULL && *env != '\0');
}

int shmrpc__options_resolve(shmrpc_options *out, const shmrpc_options *in,
    bool server, shmrpc_error *err)
{
	/* Every open passes here: a bad SHMRPC_LOG is said now, not at the
	 * first message that happens to be logged. */
	shmrpc__log_init_once();
	/* Defaults first, then as much of the caller's struct as it has. */
	options_defaults(out);
	if (in != NULL && shmrpc__struct_export(out, sizeof(*out), in,
			      offsetof(shmrpc_options, transport) +
				  sizeof(in->transport)) < 0)
		return shmrpc__error_set(err, -EINVAL, "options not "
		    "initialised with shmrpc_options_init()");
	out->size = sizeof(*out);
	if (out->transport == SHMRPC_TRANSPORT_DEFAULT &&
	    default_transport(&out->transport, err) < 0)
		return -EINVAL;
	if (out->buffer_size == 0 && server)
		out->buffer_size = SHMRPC_DEFAULT_BUFFER_SIZE;
	if (out->slots == 0)
		out->slots = SHMRPC_DEFAULT_SLOTS;
	if (out->methods == 0)
		out->methods = SHMRPC_DEFAULT_METHODS;
	if (out->mode == 0)
		out->mode = 0600;
	return 0;
}

/*
 * What is wrong with a name of n bytes, or NULL: a channel name is 1 to
 * SHMRPC_NAME_MAX bytes of printable ASCII but '/'; a method name is at
 * least one byte with no control byte (C0, DEL) and no NUL.  *at gets the
 * offset of the first bad byte.  The reasons never quote the name: it may
 * come from another process, and the text may reach a terminal.
 */
const char *shmrpc__name_fault(const char *name, size_t n, bool method,
    size_t *at)
{
	*at = 0;
	if (n == 0)
		return "it is empty";
	if (!method && n > SHMRPC_NAME_MAX)
		return "it is longer than " SHMRPC__STR(SHMRPC_NAME_MAX)
		    " bytes";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		*at = i;
		if (c == 0)
			return "it has a NUL byte";
		if (c < 0x20 || c == 0x7f)
			return "it has a control byte";
		if (method)
			continue;
		if (c == ' ')
			return "it has a space";
		if (c == '/')
			return "it has a '/'";
		if (c >= 0x80)
			return "it has a byte that is not ASCII";
	}
	*at = 0;
	return NULL;
}

SHMRPC_API int shmrpc_name_check(const char *name)
{
	size_t at;

	if (name == NULL)
		return SHMRPC_ENAME;
	return shmrpc__name_fault(name, strnlen(name, SHMRPC_NAME_MAX + 1),
	    false, &at) == NULL ? 0 : SHMRPC_ENAME;
}

int shmrpc__name_error(shmrpc_error *err, const char *what, const char *name,
    size_t n, bool method)
{
	size_t at;
	const char *why = name == NULL ? "it is NULL"
				       : shmrpc__name_fault(name, n, method, &at);

	if (why == NULL)
		return 0;
	if (name != NULL && at < n)
		return shmrpc__error_set(err, SHMRPC_ENAME, "invalid %s name: "
		    "%s (byte %zu is 0x%02x)", what, why, at,
		    (unsigned char)name[at]);
	return shmrpc__error_set(err, SHMRPC_ENAME, "invalid %s name: %s",
	    what, why);
}
