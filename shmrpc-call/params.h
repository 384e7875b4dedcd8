/*
 * params.h - the params object of a call, from shmrpc-call's command line:
 * one JSON object, "-" for a JSON object on standard input, or named
 * parameters as HTTPie takes them (name=text is the string "text",
 * name:=json is any JSON value).  See shmrpc-call(1).
 */
#ifndef SHMRPC_CALL_PARAMS_H
#define SHMRPC_CALL_PARAMS_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/* The object the n arguments args[] (n may be 0: {}) stand for, new.
 * NULL on a mistake, with why (whylen bytes) saying what is wrong and
 * what to type instead. */
json_t *params_from_args(int n, char **args, char *why, size_t whylen);

/* All of f in a malloc'd buffer, *len bytes, NUL after them; NULL on a
 * read error (errno set) or when out of memory. */
char *read_all(FILE *f, size_t *len);

#endif
