/*
 * params.c - shmrpc-call's params arguments into one JSON object (see
 * params.h).  The messages say what was typed, what is wrong with it, and
 * what to type instead, because "not valid JSON" about "42" helps nobody.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "params.h"
#include "tool.h"

/* How the examples in messages name a parameter. */
#define HOW "name=text (a string), name:=json (any JSON value) or one " \
	"JSON object such as '{\"x\":42}'"

static json_t *fail(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static json_t *fail(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return NULL;
}

/* "a number", "an array", ... for a message about a JSON value. */
static const char *kind_of(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		break;
	}
	return "null";
}

/* The offset of the '=' that ends a parameter name in arg, or -1 when arg
 * is not name=... / name:=... (no '=', or JSON text: starts with '{', '['
 * or '"'). */
static long name_end(const char *arg)
{
	const char *eq = strchr(arg, '=');
	size_t skip = strspn(arg, " \t\n");

	if (eq == NULL || strchr("{[\"", arg[skip]) != NULL ||
	    arg[skip] == '\0')
		return -1;
	return eq - arg;
}

/* text (from source, e.g. "standard input") as the whole params object. */
static json_t *object_from_text(const char *text, size_t len,
    const char *source, char *why, size_t whylen)
{
	char safe[80];
	const char *kind;
	json_error_t jerr;
	json_t *v = json_loadb(text, len, JSON_DECODE_ANY, &jerr);

	if (v == NULL)
		return fail(why, whylen, "%s is not valid JSON (%s at "
		    "character %d); give " HOW, source, jerr.text,
		    jerr.position);
	if (json_is_object(v))
		return v;
	kind = kind_of(v);
	json_decref(v);
	if (strcmp(source, "standard input") == 0)
		return fail(why, whylen, "params must be a JSON object, not "
		    "%s (on standard input)", kind);
	tool_vis(text, safe, sizeof(safe));
	return fail(why, whylen, "params must be a JSON object, not %s: "
	    "name the value, as in x:=%s, or give an object such as "
	    "'{\"x\":%s}'", kind, safe, safe);
}

/* A lone argument that is neither name=... nor '-': JSON text, or a
 * mistake to explain. */
static json_t *object_from_arg(const char *arg, char *why, size_t whylen)
{
	char safe[80];
	size_t skip = strspn(arg, " \t\n");
	json_t *v;

	if (arg[skip] == '{')
		return object_from_text(arg, strlen(arg), "the params argument",
		    why, whylen);
	tool_vis(arg, safe, sizeof(safe));
	v = json_loads(arg, JSON_DECODE_ANY, NULL);
	if (v == NULL)
		return fail(why, whylen, "'%s' is not a parameter: give "
		    HOW, safe);
	json_decref(v);
	return object_from_text(arg, strlen(arg), "the params argument", why,
	    whylen);
}

/* Add one name=text or name:=json (eq: offset of its '=') to obj. */
static int add_named(json_t *obj, const char *arg, long eq, char *why,
    size_t whylen)
{
	int as_json = eq > 0 && arg[eq - 1] == ':';
	size_t nlen = (size_t)eq - (as_json ? 1 : 0);
	const char *value = arg + eq + 1;
	char name[1024], safe[80];
	json_error_t jerr;
	json_t *v;

	tool_vis(arg, safe, sizeof(safe));
	if (nlen == 0 || nlen >= sizeof(name))
		return fail(why, whylen, nlen == 0 ? "'%s' has no name before "
		    "'='; give " HOW : "'%s': the name is too long", safe),
		    -1;
	memcpy(name, arg, nlen);
	name[nlen] = '\0';
	if (json_object_get(obj, name) != NULL)
		return fail(why, whylen, "'%s': parameter '%.*s' is given "
		    "twice", safe, (int)nlen, name), -1;
	v = as_json ? json_loads(value, JSON_DECODE_ANY, &jerr)
		    : json_string(value);
	if (v == NULL && as_json)
		return fail(why, whylen, "'%s': the value after ':=' is not "
		    "valid JSON (%s); for a string use '=': %s=text", safe,
		    jerr.text, name), -1;
	if (v == NULL || json_object_set_new(obj, name, v) < 0)
		return fail(why, whylen, "'%s' is not valid UTF-8", safe), -1;
	return 0;
}

json_t *params_from_args(int n, char **args, char *why, size_t whylen)
{
	json_t *obj;

	if (n == 1 && strcmp(args[0], "-") == 0) {
		size_t len;
		char *text = read_all(stdin, &len);
		if (text == NULL)
			return fail(why, whylen, "reading standard input: %s",
			    strerror(errno));
		obj = object_from_text(text, len, "standard input", why,
		    whylen);
		free(text);
		return obj;
	}
	if (n == 1 && name_end(args[0]) < 0)
		return object_from_arg(args[0], why, whylen);
	obj = json_object();
	for (int i = 0; obj != NULL && i < n; i++) {
		long eq = name_end(args[i]);
		char safe[80];

		tool_vis(args[i], safe, sizeof(safe));
		if (eq < 0 && strcmp(args[i], "-") == 0) {
			json_decref(obj);
			return fail(why, whylen, "'-' (params from standard "
			    "input) must be the only params argument");
		}
		if (eq < 0) {
			json_decref(obj);
			return fail(why, whylen, "'%s' is not name=text or "
			    "name:=json; a JSON object must be the only params "
			    "argument", safe);
		}
		if (add_named(obj, args[i], eq, why, whylen) < 0) {
			json_decref(obj);
			return NULL;
		}
	}
	if (obj == NULL)
		return fail(why, whylen, "out of memory");
	return obj;
}

char *read_all(FILE *f, size_t *len)
{
	size_t cap = 65536, n = 0, got;
	char *buf = malloc(cap), *grown;

	while (buf != NULL && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (n + 1 < cap)
			continue;
		grown = cap > SIZE_MAX / 2 ? NULL : realloc(buf, cap * 2);
		if (grown == NULL) {
			free(buf);
			errno = ENOMEM;
			return NULL;
		}
		buf = grown;
		cap *= 2;
	}
	if (buf == NULL)
		return NULL;
	if (ferror(f)) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}
