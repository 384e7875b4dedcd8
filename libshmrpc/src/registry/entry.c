/*
 * entry.c - layer: registry.  One registry entry and its JSON object (the
 * format is shmrpc-registry(5)).  Everything here reads text that another
 * process wrote: every member is checked for type and range, and an entry
 * that fails is refused whole (-EINVAL), never guessed at.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "registry/registry.h"

void shmrpc__reg_entry_clear(struct reg_entry *e)
{
	free(e->clients);
	memset(e, 0, sizeof(*e));
}

void shmrpc__reg_entries_free(struct reg_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].clients);
	free(v);
}

static void format_time(double t, char *buf, size_t len)
{
	time_t secs = (time_t)t;
	struct tm tm;
	int ms = (int)((t - (double)secs) * 1000.0);

	gmtime_r(&secs, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, ms < 0 ? 0 : ms > 999 ? 999 : ms);
}

static int parse_time(const char *s, double *out)
{
	struct tm tm = { 0 };
	int ms = 0, n = 0;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
		&tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6)
		return -EINVAL;
	s += n;
	if (*s == '.') {
		int digits = 0;
		for (s++; *s >= '0' && *s <= '9'; s++, digits++)
			if (digits < 3)
				ms = ms * 10 + (*s - '0');
		for (; digits < 3; digits++)
			ms *= 10;
	}
	if (strcmp(s, "Z") != 0)
		return -EINVAL;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out = (double)timegm(&tm) + ms / 1000.0;
	return 0;
}

static int get_uint(const json_t *o, const char *key, uint64_t max,
    uint64_t *out)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > max)
		return -EINVAL;
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int get_str(const json_t *o, const char *key, char *buf, size_t len)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_string(v) || json_string_length(v) >= len ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return -EINVAL;
	memcpy(buf, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

/* Optional members: absent is fine (entries of older versions), present
 * must be right. */
static int get_opt_uint(const json_t *o, const char *key, uint64_t max,
    uint64_t *out)
{
	return json_object_get(o, key) == NULL ? 0
					       : get_uint(o, key, max, out);
}

static int get_opt_str(const json_t *o, const char *key, char *buf,
    size_t len)
{
	return json_object_get(o, key) == NULL ? 0
					       : get_str(o, key, buf, len);
}

/* "0600", "0660": permission bits as four octal digits. */
static int get_opt_mode(const json_t *o, unsigned *mode)
{
	char text[8], *end;
	unsigned long v;

	if (json_object_get(o, "mode") == NULL)
		return 0;
	if (get_str(o, "mode", text, sizeof(text)) < 0 || strlen(text) != 4 ||
	    text[0] != '0')
		return -EINVAL;
	v = strtoul(text, &end, 8);
	if (*end != '\0' || v > 0777)
		return -EINVAL;
	*mode = (unsigned)v;
	return 0;
}

static int objects_from_json(const json_t *o, struct reg_entry *e)
{
	const json_t *objs = json_object_get(o, "objects"), *v;
	size_t i;

	if (!json_is_array(objs) || json_array_size(objs) == 0 ||
	    json_array_size(objs) > TRANSPORT_MAX_OBJECTS)
		return -EINVAL;
	json_array_foreach(objs, i, v) {
		const char *s = json_string_value(v);
		if (s == NULL || s[0] == '\0' || strchr(s, '/') != NULL ||
		    strcmp(s, ".") == 0 || strcmp(s, "..") == 0 ||
		    strlen(s) >= TRANSPORT_FNAME_MAX ||
		    strlen(s) != json_string_length(v))
			return -EINVAL;
		snprintf(e->objects[i], TRANSPORT_FNAME_MAX, "%s", s);
	}
	e->nobjects = (int)json_array_size(objs);
	return 0;
}

/* The owner: pid, start time, uid and comm; from format version 2 on
 * also its PID namespace, liveness lock and cgroup. */
static int owner_from_json(const json_t *o, struct reg_entry *e)
{
	const json_t *owner = json_object_get(o, "owner");
	uint64_t u;

	if (!json_is_object(owner) ||
	    get_uint(owner, "pid", INT32_MAX, &u) < 0 || u == 0)
		return -EINVAL;
	e->pid = (pid_t)u;
	if (get_uint(owner, "start_time", UINT64_MAX >> 1, &e->start) < 0 ||
	    get_uint(owner, "uid", UINT32_MAX - 1, &u) < 0)
		return -EINVAL;
	e->uid = (uid_t)u;
	if (get_str(owner, "comm", e->comm, sizeof(e->comm)) < 0 ||
	    get_opt_uint(owner, "pid_ns", UINT32_MAX, &e->pid_ns) < 0 ||
	    get_opt_str(owner, "lock", e->lock, sizeof(e->lock)) < 0 ||
	    get_opt_str(owner, "cgroup", e->cgroup, sizeof(e->cgroup)) < 0)
		return -EINVAL;
	/* The lock must be one of the channel's own files. */
	if (e->lock[0] != '\0') {
		int k;
		for (k = 0; k < e->nobjects; k++)
			if (strcmp(e->objects[k], e->lock) == 0)
				break;
		if (k == e->nobjects)
			return -EINVAL;
	}
	return 0;
}

static int clients_from_json(const json_t *o, struct reg_entry *e)
{
	const json_t *clients = json_object_get(o, "clients"), *v;
	size_t i;

	if (clients == NULL)
		return 0;
	if (!json_is_array(clients))
		return -EINVAL;
	if (json_array_size(clients) > 0) {
		e->clients = calloc(json_array_size(clients), sizeof(pid_t));
		if (e->clients == NULL)
			return -ENOMEM;
	}
	json_array_foreach(clients, i, v) {
		json_int_t p = json_integer_value(v);
		if (!json_is_integer(v) || p <= 0 || p > INT32_MAX)
			return -EINVAL;
		e->clients[e->nclients++] = (pid_t)p;
	}
	return 0;
}

int shmrpc__reg_entry_from_json(const json_t *o, struct reg_entry *e)
{
	char created[64];
	uint64_t u;
	int rc;

	memset(e, 0, sizeof(*e));
	e->gid = (gid_t)-1;
	if (!json_is_object(o))
		return -EINVAL;
	if (get_str(o, "name", e->name, sizeof(e->name)) < 0 ||
	    shmrpc_name_check(e->name) < 0 ||
	    get_str(o, "transport", e->transport, sizeof(e->transport)) < 0)
		return -EINVAL;
	if (shmrpc_transport_parse(e->transport, &e->kind) < 0)
		e->kind = SHMRPC_TRANSPORT_DEFAULT;
	if (objects_from_json(o, e) < 0 ||
	    get_uint(o, "buffer_size", UINT32_MAX, &e->buffer_size) < 0 ||
	    get_uint(o, "slots", UINT32_MAX, &u) < 0)
		return -EINVAL;
	e->slots = (unsigned)u;
	if (get_str(o, "created", created, sizeof(created)) < 0 ||
	    parse_time(created, &e->created) < 0 || owner_from_json(o, e) < 0 ||
	    get_opt_mode(o, &e->mode) < 0)
		return -EINVAL;
	u = (uint64_t)(gid_t)-1;
	if (get_opt_uint(o, "gid", UINT32_MAX - 1, &u) < 0)
		return -EINVAL;
	e->gid = (gid_t)u;
	rc = clients_from_json(o, e);
	if (rc < 0) {
		shmrpc__reg_entry_clear(e);
		return rc;
	}
	e->rebuilt = json_is_true(json_object_get(o, "rebuilt"));
	return 0;
}

/* The owner object: what every version writes, then what version 2
 * added, only where known. */
static json_t *owner_to_json(const struct reg_entry *e)
{
	json_t *owner = json_pack("{s:I, s:I, s:I, s:s}",
	    "pid", (json_int_t)e->pid, "start_time", (json_int_t)e->start,
	    "uid", (json_int_t)e->uid, "comm", e->comm);

	if (owner == NULL)
		return NULL;
	if (e->pid_ns != 0)
		json_object_set_new(owner, "pid_ns",
		    json_integer((json_int_t)e->pid_ns));
	if (e->lock[0] != '\0')
		json_object_set_new(owner, "lock", json_string(e->lock));
	if (e->cgroup[0] != '\0')
		json_object_set_new(owner, "cgroup", json_string(e->cgroup));
	return owner;
}

json_t *shmrpc__reg_entry_to_json(const struct reg_entry *e)
{
	json_t *o, *objs, *clients, *owner;
	char created[64], mode[8];

	format_time(e->created, created, sizeof(created));
	objs = json_array();
	clients = json_array();
	owner = owner_to_json(e);
	for (int i = 0; i < e->nobjects; i++)
		json_array_append_new(objs, json_string(e->objects[i]));
	for (size_t i = 0; i < e->nclients; i++)
		json_array_append_new(clients, json_integer(e->clients[i]));
	/* The key order is part of the format: lines are found by their
	 * beginning, {"name": ..., "transport": ..., */
	o = json_pack("{s:s, s:s, s:o, s:I, s:I, s:s, s:o, s:o}",
	    "name", e->name, "transport", e->transport, "objects", objs,
	    "buffer_size", (json_int_t)e->buffer_size,
	    "slots", (json_int_t)e->slots, "created", created,
	    "owner", owner, "clients", clients);
	if (o == NULL)
		return NULL;
	if (e->mode != 0) {
		snprintf(mode, sizeof(mode), "%04o", e->mode & 0777);
		json_object_set_new(o, "mode", json_string(mode));
	}
	if (e->gid != (gid_t)-1)
		json_object_set_new(o, "gid", json_integer((json_int_t)e->gid));
	if (e->rebuilt)
		json_object_set_new(o, "rebuilt", json_true());
	return o;
}
