/*
 * tool_json.c - the JSON schema shmrpc-top and shmrpc-clean share
 * (tool_json.h).
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool_json.h"

/* Length of the valid UTF-8 sequence at s, or 0 (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF). */
static size_t utf8_seq(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t n;
	unsigned lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

char *tool_utf8_repair(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = malloc(strlen(s) * 3 + 1), *o = out;

	if (out == NULL)
		return NULL;
	while (*p != '\0') {
		size_t n = utf8_seq(p);

		if (n == 0) {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			p++;
			continue;
		}
		memcpy(o, p, n);
		o += n;
		p += n;
	}
	*o = '\0';
	return out;
}

json_t *tool_json_string(const char *s)
{
	json_t *j;
	char *fixed;

	if (s == NULL)
		return json_null();
	if ((j = json_string(s)) != NULL)
		return j;
	if ((fixed = tool_utf8_repair(s)) == NULL)
		errx(1, "out of memory");
	j = json_string(fixed);
	free(fixed);
	if (j == NULL)
		errx(1, "out of memory");
	return j;
}

void tool_json_set(json_t *o, const char *key, json_t *v)
{
	if (v == NULL || json_object_set_new(o, key, v) < 0)
		errx(1, "out of memory");
}

static json_t *pids(const pid_t *p, size_t n)
{
	json_t *a = json_array();

	if (a == NULL)
		errx(1, "out of memory");
	for (size_t i = 0; i < n; i++)
		if (json_array_append_new(a, json_integer(p[i])) < 0)
			errx(1, "out of memory");
	return a;
}

/* -1 (cannot tell) as null, else a boolean. */
static json_t *tristate(int v)
{
	return v < 0 ? json_null() : json_boolean(v);
}

json_t *tool_json_mode(unsigned mode)
{
	char text[8];

	snprintf(text, sizeof(text), "%04o", mode & 07777);
	return json_string(text);
}

json_t *tool_json_owner_pid_ns(const shmrpc_channel_info *c)
{
	return c->owner_pid_ns != 0 ? json_integer((json_int_t)
	    c->owner_pid_ns) : json_null();
}

json_t *tool_json_owner_cgroup(const shmrpc_channel_info *c)
{
	return c->owner_cgroup != NULL && c->owner_cgroup[0] != '\0'
	    ? tool_json_string(c->owner_cgroup) : json_null();
}

json_t *tool_json_owner_lock(const shmrpc_channel_info *c)
{
	return c->owner_lock < 0 ? json_null()
	    : json_string(c->owner_lock ? "held" : "free");
}

json_t *tool_json_object(const shmrpc_object_info *o)
{
	json_t *j = json_object();

	if (j == NULL)
		errx(1, "out of memory");
	tool_json_set(j, "name", tool_json_string(o->name));
	tool_json_set(j, "channel", tool_json_string(o->channel));
	tool_json_set(j, "transport",
	    json_string(shmrpc_transport_name(o->transport)));
	tool_json_set(j, "state", json_string(shmrpc_state_name(o->state)));
	tool_json_set(j, "reason", tool_json_string(o->reason));
	tool_json_set(j, "present", json_boolean(o->present));
	tool_json_set(j, "regular", json_boolean(o->regular));
	tool_json_set(j, "uid", json_integer(o->uid));
	tool_json_set(j, "size_bytes", json_integer((json_int_t)o->size));
	tool_json_set(j, "age_seconds", json_real(o->age));
	tool_json_set(j, "mappers", pids(o->mappers, o->nmappers));
	/* What a stat() tells: not known of a file that is not there. */
	tool_json_set(j, "mode", o->present ? tool_json_mode(o->mode)
	    : json_null());
	tool_json_set(j, "gid", o->present ? json_integer(o->gid)
	    : json_null());
	tool_json_set(j, "links", o->present ? json_integer((json_int_t)
	    o->nlink) : json_null());
	tool_json_set(j, "locked", tristate(o->locked));
	return j;
}

void tool_json_channel(json_t *o, const shmrpc_channel_info *c,
    int with_objects)
{
	tool_json_set(o, "name", tool_json_string(c->name));
	tool_json_set(o, "transport", tool_json_string(c->transport_name));
	tool_json_set(o, "state", json_string(shmrpc_state_name(c->state)));
	tool_json_set(o, "reason", tool_json_string(c->reason));
	tool_json_set(o, "owner_pid", json_integer(c->owner_pid));
	tool_json_set(o, "owner_command", tool_json_string(c->owner_comm));
	tool_json_set(o, "owner_alive", c->owner_alive < 0 ? json_null()
	    : json_boolean(c->owner_alive));
	tool_json_set(o, "uid", json_integer(c->owner_uid));
	tool_json_set(o, "age_seconds", json_real(c->age));
	tool_json_set(o, "buffer_bytes", json_integer((json_int_t)
	    c->buffer_size));
	tool_json_set(o, "slots", json_integer(c->slots));
	tool_json_set(o, "registry", tool_json_string(c->registry));
	tool_json_set(o, "rebuilt", json_boolean(c->rebuilt));
	tool_json_set(o, "mappers", pids(c->mappers, c->nmappers));
	tool_json_set(o, "client_pids", pids(c->clients, c->nclients));
	tool_json_set(o, "owner_pid_local", tristate(c->owner_pid_local));
	tool_json_set(o, "owner_pid_ns", tool_json_owner_pid_ns(c));
	tool_json_set(o, "owner_cgroup", tool_json_owner_cgroup(c));
	tool_json_set(o, "owner_lock", tool_json_owner_lock(c));
	tool_json_set(o, "owner_removeipc", tristate(c->owner_removeipc));
	tool_json_set(o, "mode", tool_json_mode(c->mode));
	tool_json_set(o, "gid", c->gid == (gid_t)-1 ? json_null()
	    : json_integer(c->gid));
	tool_json_set(o, "refused", json_boolean(c->refused));
	if (with_objects) {
		json_t *a = json_array();

		if (a == NULL)
			errx(1, "out of memory");
		for (size_t k = 0; k < c->nobjects; k++)
			if (json_array_append_new(a,
				tool_json_object(&c->objects[k])) < 0)
				errx(1, "out of memory");
		tool_json_set(o, "objects", a);
	}
}
