/*
 * libFuzzer target: name validation, against a reference written here
 * from the documented rules (shmrpc.h, shmrpc(7)).
 *
 *   channel names: 1 to SHMRPC_NAME_MAX bytes, each 0x21..0x7e but '/'
 *                  (shmrpc_name_check(), also what the registry accepts);
 *   method names:  at least one byte, none of them NUL, 0x01..0x1f or 0x7f
 *                  (the server's check of a peer's method name).
 *
 * Besides agreeing with the reference, an error text never carries a raw
 * byte of the name: names come from other processes, texts reach
 * terminals.  Any disagreement abort()s.
 *
 * Input: the name's bytes (NUL included: a peer's method name may hold
 * one; the C API sees the prefix before the first NUL).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"

static bool channel_ok(const unsigned char *s, size_t n)
{
	if (n == 0 || n > SHMRPC_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x21 || s[i] > 0x7e || s[i] == '/')
			return false;
	return true;
}

static bool method_ok(const unsigned char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

static void check_text(const shmrpc_error *e)
{
	for (const char *p = e->text; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			abort(); /* a byte of the name leaked into the text */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *c = malloc(size + 1);
	size_t clen, at;
	shmrpc_error e;
	bool ref;

	if (c == NULL)
		return 0;
	memcpy(c, data, size);
	c[size] = '\0';
	clen = strlen(c);

	/* Channel names, through the public C check (a C string). */
	ref = channel_ok((const unsigned char *)c, clen);
	if ((shmrpc_name_check(c) == 0) != ref)
		abort();
	if ((shmrpc__name_fault(c, clen, false, &at) == NULL) != ref)
		abort();
	if (!ref && clen > 0 && clen <= SHMRPC_NAME_MAX &&
	    (at >= clen || channel_ok((const unsigned char *)c + at, 1)))
		abort(); /* *at names a bad byte */
	if (shmrpc__name_error(&e, "channel", c, clen, false) != (ref ? 0 :
	    SHMRPC_ENAME))
		abort();
	if (!ref)
		check_text(&e);

	/* Method names, as a peer sends them: every byte, NUL included. */
	ref = method_ok(data, size);
	if ((shmrpc__name_fault((const char *)data, size, true, &at) == NULL) !=
	    ref)
		abort();
	if (!ref && size > 0 && (at >= size || method_ok(data + at, 1)))
		abort(); /* *at names a bad byte */
	if (shmrpc__name_error(&e, "method", (const char *)data, size, true) !=
	    (ref ? 0 : SHMRPC_ENAME))
		abort();
	if (!ref)
		check_text(&e);
	free(c);
	return 0;
}
