/*
 * output.c - printing what a server sent (see output.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output.h"
#include "tool.h"

static int on_terminal(FILE *f)
{
	return isatty(fileno(f));
}

/* The code point of the UTF-8 sequence at s, and its length in *n. */
static uint32_t utf8_at(const unsigned char *s, size_t *n)
{
	if (s[0] < 0x80 || (s[0] & 0xe0) == 0x80) {
		*n = 1;
		return s[0];
	}
	if ((s[0] & 0xe0) == 0xc0 && s[1] != 0) {
		*n = 2;
		return (uint32_t)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
	}
	if ((s[0] & 0xf0) == 0xe0 && s[1] != 0 && s[2] != 0) {
		*n = 3;
		return (uint32_t)(s[0] & 0x0f) << 12 |
		    (uint32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
	}
	*n = 1; /* four bytes and beyond: nothing a terminal acts on */
	return s[0];
}

/* What a terminal acts on besides C0, which JSON escapes already: DEL,
 * C1 (CSI is 0x9b), and the bidirectional controls that reorder what is
 * shown (U+061C, U+200E-F, U+202A-E, U+2066-9). */
static int acted_on(uint32_t c)
{
	return c == 0x7f || (c >= 0x80 && c <= 0x9f) || c == 0x61c ||
	    c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
	    (c >= 0x2066 && c <= 0x2069);
}

char *output_json_for_terminal(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), n, o = 0;
	char *out = malloc(len * 6 + 1); /* each byte at most "\uXXXX" */

	if (out == NULL)
		return NULL;
	while (*p != '\0') {
		uint32_t c = utf8_at(p, &n);
		if (acted_on(c)) {
			o += (size_t)snprintf(out + o, 7, "\\u%04x", c);
		} else {
			memcpy(out + o, p, n);
			o += n;
		}
		p += n;
	}
	out[o] = '\0';
	return out;
}

int output_json(FILE *f, const json_t *v, size_t flags)
{
	char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | flags);
	char *safe;
	int rc;

	if (text == NULL)
		return -1;
	safe = on_terminal(f) ? output_json_for_terminal(text) : NULL;
	rc = fprintf(f, "%s\n", safe != NULL ? safe : text) < 0 ? -1 : 0;
	free(safe);
	free(text);
	return rc;
}

int output_bytes(FILE *f, const void *p, size_t n)
{
	if (on_terminal(f))
		tool_fwrite_vis(p, n, f);
	else if (fwrite(p, 1, n, f) != n)
		return -1;
	return fflush(f) == 0 ? 0 : -1;
}

void output_remote_error(const char *text)
{
	if (on_terminal(stderr))
		tool_fputs_vis(text, stderr);
	else
		fputs(text, stderr);
	fputc('\n', stderr);
}

void output_warn(const char *text)
{
	fputs("shmrpc-call: ", stderr);
	output_remote_error(text);
}
