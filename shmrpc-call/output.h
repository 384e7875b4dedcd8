/*
 * output.h - how shmrpc-call prints what a server sent: results, reply
 * bytes and error texts come from another process, so on a terminal they
 * are made harmless first (tool_vis for text; for JSON, the characters a
 * terminal acts on are written as \u escapes, which keeps it valid JSON).
 * Into a pipe or file they go unchanged.
 */
#ifndef SHMRPC_CALL_OUTPUT_H
#define SHMRPC_CALL_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/* v as compact JSON (and jansson's encoding flags, e.g.
 * JSON_REAL_PRECISION) and a newline on f; -1 if it cannot be encoded. */
int output_json(FILE *f, const json_t *v, size_t flags);

/* The n bytes of a raw reply on f; -1 on a write error. */
int output_bytes(FILE *f, const void *p, size_t n);

/* A remote method's error text, alone on a line of standard error. */
void output_remote_error(const char *text);

/* "shmrpc-call: text" on standard error, as warnx(3) would, with text
 * (which may quote a server or /proc) made safe on a terminal. */
void output_warn(const char *text);

/* JSON text s with DEL, the C1 controls and the bidirectional controls
 * written as \uXXXX (s must be valid UTF-8 JSON); new, malloc'd. */
char *output_json_for_terminal(const char *s);

#endif
