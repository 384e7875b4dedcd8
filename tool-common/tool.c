/*
 * tool.c - the tools' shared helpers (see tool.h).
 */
#include <err.h>
#include <errno.h>
#include <math.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bsd/stdlib.h>
#include <bsd/string.h>
/* We use stravis() only; this silences the strnvis() variant warning. */
#define LIBBSD_NETBSD_VIS
#include <bsd/vis.h>
#include <shmrpc.h>

#include "tool.h"

/* The escapes every tool uses: octal for anything unprintable, C-style
 * where one exists (\n, \t), backslash itself doubled, spaces kept. */
#define TOOL_VIS_FLAGS (VIS_CSTYLE | VIS_OCTAL | VIS_TAB | VIS_NL)

double tool_parse_seconds(const char *s, double min, double max,
    const char *what)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || errno != 0 || !isfinite(v) ||
	    v < min || v > max)
		errx(TOOL_EXIT_USAGE, "%s must be a number of seconds from %g "
		    "to %g: %s", what, min, max, s);
	return v;
}

long long tool_parse_count(const char *s, long long min, long long max,
    const char *what)
{
	const char *errstr;
	long long v = strtonum(s, min, max, &errstr);

	if (errstr != NULL)
		errx(TOOL_EXIT_USAGE, "%s is %s: %s", what, errstr, s);
	return v;
}

uid_t tool_parse_user(const char *s)
{
	struct passwd *pw = getpwnam(s);
	const char *errstr;
	long long id;

	if (pw != NULL)
		return pw->pw_uid;
	id = strtonum(s, 0, UINT32_MAX - 1, &errstr);
	if (errstr != NULL)
		errx(TOOL_EXIT_USAGE, "no such user: %s", s);
	return (uid_t)id;
}

const char *tool_parse_channel(const char *s)
{
	char safe[SHMRPC_NAME_MAX * 4 + 8];

	if (shmrpc_name_check(s) < 0)
		errx(TOOL_EXIT_USAGE, "invalid channel name: '%s'",
		    tool_vis(s, safe, sizeof(safe)));
	return s;
}

void tool_print_version(const char *prog)
{
	printf("%s %s\n", prog, shmrpc_version());
}

/* Bytes of the escape or character at the start of encoded text e. */
static size_t vis_token(const char *e)
{
	if (e[0] != '\\')
		return 1;
	return e[1] >= '0' && e[1] <= '7' ? 4 : 2;
}

/* strnvis() is not used: libbsd 0.11's OpenBSD variant writes one byte
 * past dstsize and splits escapes.  stravis() then a cut between whole
 * escapes instead. */
const char *tool_vis(const char *s, char *buf, size_t len)
{
	char *safe = NULL;
	size_t n = 0;

	if (len == 0)
		return buf;
	if (stravis(&safe, s, TOOL_VIS_FLAGS) < 0) {
		strlcpy(buf, "?", len);
		return buf;
	}
	if (strlen(safe) < len) {
		memcpy(buf, safe, strlen(safe) + 1);
	} else if (len > 3) {
		while (safe[n] != '\0' && n + vis_token(safe + n) <= len - 4)
			n += vis_token(safe + n);
		memcpy(buf, safe, n);
		memcpy(buf + n, "...", 4);
	} else {
		buf[0] = '\0';
	}
	free(safe);
	return buf;
}

void tool_fputs_vis(const char *s, FILE *f)
{
	char *safe = NULL;

	if (stravis(&safe, s, TOOL_VIS_FLAGS) < 0) {
		fputs("?", f);
		return;
	}
	fputs(safe, f);
	free(safe);
}

void tool_fwrite_vis(const void *p, size_t n, FILE *f)
{
	char *safe;

	/* strvisx() writes at most 4 bytes for each byte, and a NUL. */
	if (n > (SIZE_MAX - 1) / 4 || (safe = malloc(4 * n + 1)) == NULL) {
		fputs("?", f);
		return;
	}
	if (strvisx(safe, p, n, TOOL_VIS_FLAGS) < 0)
		strlcpy(safe, "?", 4 * n + 1);
	fputs(safe, f);
	free(safe);
}
