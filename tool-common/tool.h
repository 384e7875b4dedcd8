/*
 * tool.h - what shmrpc-call, shmrpc-top and shmrpc-clean share: argument
 * parsing with the same error shapes, --version, and making untrusted text
 * safe for a terminal.  Internal to the tools (never installed, not part of
 * libshmrpc's API).  Every parse function exits with TOOL_EXIT_USAGE and an
 * err(3)-style message on bad input, as the tools' man pages document.
 */
#ifndef SHMRPC_TOOL_H
#define SHMRPC_TOOL_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

/* The exit status of a usage error, the same for every tool. */
#define TOOL_EXIT_USAGE 2

/* A decimal number of seconds (fractions allowed) from min to max, else
 * "<what> must be a number of seconds from MIN to MAX: <s>". */
double tool_parse_seconds(const char *s, double min, double max,
    const char *what);

/* An integer from min to max (strtonum(3)), else "<what> is too large:
 * <s>" (or too small, or invalid). */
long long tool_parse_count(const char *s, long long min, long long max,
    const char *what);

/* A user name or a numeric uid, else "no such user: <s>". */
uid_t tool_parse_user(const char *s);

/* A channel name the library accepts (shmrpc_name_check()), else
 * "invalid channel name: <s>", with s made safe to print.  Returns s. */
const char *tool_parse_channel(const char *s);

/* --version: "<prog> <library version>" on stdout. */
void tool_print_version(const char *prog);

/*
 * Untrusted text (a process name, a channel name from a registry, a remote
 * error) made safe for a terminal: every control byte, DEL, byte >= 0x80
 * that is not printable in the C locale, and backslash, in the octal or
 * C-style escapes of strvis(3) (VIS_SAFE is not used: it lets some
 * controls through).  tool_vis writes into buf (capacity len, truncated
 * with "..." when short) and returns buf.
 */
const char *tool_vis(const char *s, char *buf, size_t len);

/* fputs of tool_vis(s), any length. */
void tool_fputs_vis(const char *s, FILE *f);

/* The n bytes at p (NUL bytes included) made safe in the same way, on f. */
void tool_fwrite_vis(const void *p, size_t n, FILE *f);

#endif
