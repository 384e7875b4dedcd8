/*
 * error.c - layer: base.  Error codes to text, and the error details
 * functions hand back (shmrpc_error).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/common.h"

static const struct {
	int code;
	const char *text;
} shmrpc_errors[] = {
	{ SHMRPC_ETIMEOUT, "Timed out" },
	{ SHMRPC_EMETHOD, "Remote method failed" },
	{ SHMRPC_ETRANSPORT, "Invalid data in shared memory" },
	{ SHMRPC_ESERIAL, "Serialization failed" },
	{ SHMRPC_ENOCHANNEL, "No such channel (is the server running?)" },
	{ SHMRPC_EINUSE, "Channel already exists and is in use" },
	{ SHMRPC_ETOOBIG, "Message too large for the buffer" },
	{ SHMRPC_ENAME, "Invalid channel name" },
	{ SHMRPC_EPROTO, "Protocol error from peer" },
	{ SHMRPC_ESERVERDEAD, "Server process died" },
	{ SHMRPC_EFULL, "Channel full: every client slot is taken" },
	{ SHMRPC_EVERSION, "Shared segment has another layout or size" },
	{ SHMRPC_ESTOPPED, "Server stopped" },
	{ SHMRPC_ESTATE, "Call made in the wrong state" },
	{ SHMRPC_ENOTOURS, "Object is not ours to touch" },
	{ SHMRPC_EALIVE, "Refused: object is alive or in use" },
	{ SHMRPC_EUNKNOWN, "Refused: the state cannot be told" },
	{ SHMRPC_EREMOVED, "The channel's files were removed from /dev/shm" },
};

SHMRPC_API const char *shmrpc_strerror(int err)
{
	if (err == 0)
		return "Success";
	for (size_t i = 0; i < ARRAY_LEN(shmrpc_errors); i++)
		if (shmrpc_errors[i].code == err)
			return shmrpc_errors[i].text;
	if (err < 0 && err > -4096) {
		/* strerror() may return a buffer shared between threads;
		 * strerrordesc_np() returns static text (glibc 2.32+). */
		const char *s = strerrordesc_np(-err);
		if (s != NULL)
			return s;
	}
	return "Unknown error";
}

int shmrpc__error_set(shmrpc_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	err->code = code;
	if (fmt == NULL) {
		snprintf(err->text, sizeof(err->text), "%s",
		    shmrpc_strerror(code));
		return code;
	}
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	va_end(ap);
	return code;
}

int shmrpc__error_set_text(shmrpc_error *err, int code, const char *text,
    size_t n)
{
	if (err == NULL)
		return code;
	err->code = code;
	if (n >= sizeof(err->text)) {
		n = sizeof(err->text) - 1;
		/* Back off over continuation bytes to a sequence start, and
		 * drop that lead byte too: its sequence did not fit. */
		while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(err->text, text, n);
	err->text[n] = '\0';
	return code;
}
