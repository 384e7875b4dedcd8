/*
 * report.c - shmrpc-clean's output: text for people, JSON (numbers as
 * numbers, built with jansson) for programs, in the schema shmrpc-top -o
 * json shares (tool_json.h; shmrpc-registry(5), JSON OUTPUT).  See
 * shmrpc-clean(1).
 */
#include <err.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "report.h"
#include "tool.h"
#include "tool_json.h"

/* Room for a file name (255 bytes) made safe: 4 bytes per byte at most. */
#define VIS_NAME (4 * 256)

static struct report_opts ro;
static json_t *doc, *reaped, *errors, *left, *warnings;
static unsigned long nreaped, nerrors, nleft;
static uint64_t bytes;

/* ---- helpers ----------------------------------------------------------------- */

static void jadd(json_t *obj, const char *key, json_t *v)
{
	if (v == NULL || json_object_set_new(obj, key, v) < 0)
		errx(1, "out of memory");
}

static void jpush(json_t *arr, json_t *v)
{
	if (v == NULL || json_array_append_new(arr, v) < 0)
		errx(1, "out of memory");
}

static json_t *jnew_object(void)
{
	json_t *o = json_object();

	if (o == NULL)
		errx(1, "out of memory");
	return o;
}

static json_t *jnew_array(void)
{
	json_t *a = json_array();

	if (a == NULL)
		errx(1, "out of memory");
	return a;
}

static void jprint(json_t *j)
{
	if (json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0)
		errx(1, "cannot write JSON");
	putchar('\n');
}

/* 42s, 17m, 5h, 3d: an age in a few columns. */
static const char *age_text(double age, char *buf, size_t len)
{
	if (age < 120)
		snprintf(buf, len, "%.0fs", age);
	else if (age < 2 * 3600)
		snprintf(buf, len, "%.0fm", age / 60);
	else if (age < 2 * 86400)
		snprintf(buf, len, "%.0fh", age / 3600);
	else
		snprintf(buf, len, "%.0fd", age / 86400);
	return buf;
}

/* warnx() of text that may hold another process's bytes. */
static void warn_vis(const char *text)
{
	char safe[4 * SHMRPC_ERROR_TEXT_LENGTH];

	warnx("%s", tool_vis(text, safe, sizeof(safe)));
}

/* " (state: reason)\n", the reason made safe (it quotes process names). */
static void state_and_reason(shmrpc_state state, const char *reason)
{
	printf(" (%s: ", shmrpc_state_name(state));
	tool_fputs_vis(reason, stdout);
	fputs(")\n", stdout);
}

static void print_pids(const pid_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%s%ld", i ? "," : "", (long)p[i]);
	if (n == 0)
		putchar('-');
}

/* ---- --list ---------------------------------------------------------------- */

static void object_line(const shmrpc_object_info *o, pid_t owner)
{
	char age[16], channel[VIS_NAME], name[VIS_NAME];

	/* Names come from /dev/shm and registries: anyone's text. */
	printf("%-8s %-24s %-32s ", shmrpc_state_name(o->state),
	    tool_vis(o->channel, channel, sizeof(channel)),
	    tool_vis(o->name, name, sizeof(name)));
	if (owner > 0)
		printf("%7ld ", (long)owner);
	else
		printf("%7s ", "-");
	if (o->present)
		printf("%9" PRIu64 " %5s ", o->size,
		    age_text(o->age, age, sizeof(age)));
	else
		printf("%9s %5s ", "gone", "-");
	print_pids(o->mappers, o->nmappers);
	if (ro.verbose) {
		fputs("  ", stdout);
		tool_fputs_vis(o->reason, stdout);
	}
	putchar('\n');
}

void report_list(const shmrpc_inspection *s, const struct report_opts *opts)
{
	size_t nc = shmrpc_inspection_channel_count(s);
	size_t no = shmrpc_inspection_object_count(s);
	size_t nw = shmrpc_inspection_warning_count(s);

	ro = *opts;
	if (ro.json) {
		json_t *j = jnew_object(), *chs = jnew_array(),
		    *objs = jnew_array(), *w = jnew_array();
		for (size_t i = 0; i < nc; i++) {
			json_t *jc = jnew_object();
			tool_json_channel(jc, shmrpc_inspection_channel(s, i),
			    1);
			jpush(chs, jc);
		}
		for (size_t i = 0; i < no; i++)
			jpush(objs, tool_json_object(
			    shmrpc_inspection_object(s, i)));
		for (size_t i = 0; i < nw; i++)
			jpush(w, tool_json_string(
			    shmrpc_inspection_warning(s, i)));
		jadd(j, "channels", chs);
		jadd(j, "objects", objs);
		jadd(j, "warnings", w);
		jprint(j);
		json_decref(j);
		return;
	}
	if (!ro.quiet)
		printf("%-8s %-24s %-32s %7s %9s %5s %s\n", "STATE", "CHANNEL",
		    "OBJECT", "PID", "SIZE", "AGE", "MAPPERS");
	for (size_t i = 0; i < nc; i++) {
		const shmrpc_channel_info *c = shmrpc_inspection_channel(s, i);
		for (size_t k = 0; k < c->nobjects; k++)
			object_line(&c->objects[k], c->owner_pid);
	}
	for (size_t i = 0; i < no; i++)
		object_line(shmrpc_inspection_object(s, i), 0);
	for (size_t i = 0; i < nw; i++)
		warn_vis(shmrpc_inspection_warning(s, i));
}

/* ---- reaping ------------------------------------------------------------------ */

void report_begin(const struct report_opts *opts)
{
	ro = *opts;
	if (!ro.json)
		return;
	doc = jnew_object();
	reaped = jnew_array();
	errors = jnew_array();
	left = jnew_array();
	warnings = jnew_array();
}

void report_reaped(const char *name, const char *channel, uint64_t size,
    shmrpc_state state, const char *reason)
{
	nreaped++;
	bytes += size;
	if (ro.json) {
		json_t *j = jnew_object();
		jadd(j, "name", tool_json_string(name));
		jadd(j, "channel", tool_json_string(channel));
		jadd(j, "state", json_string(shmrpc_state_name(state)));
		jadd(j, "size_bytes", json_integer((json_int_t)size));
		jadd(j, "reason", tool_json_string(reason));
		jpush(reaped, j);
	} else if (!ro.quiet) {
		char safe[VIS_NAME];
		printf("%s %s", ro.dry_run ? "would reap" : "reaped",
		    tool_vis(name, safe, sizeof(safe)));
		state_and_reason(state, reason);
	}
}

void report_error(const char *name, const char *text)
{
	nerrors++;
	if (ro.json) {
		json_t *j = jnew_object();
		jadd(j, "name", tool_json_string(name));
		jadd(j, "reason", tool_json_string(text));
		jpush(errors, j);
	} else {
		warn_vis(text);
	}
}

void report_left(const char *name, const char *channel, shmrpc_state state,
    const char *reason)
{
	nleft++;
	if (ro.json) {
		json_t *j = jnew_object();
		jadd(j, "name", tool_json_string(name));
		jadd(j, "channel", tool_json_string(channel));
		jadd(j, "state", json_string(shmrpc_state_name(state)));
		jadd(j, "reason", tool_json_string(reason));
		jpush(left, j);
	} else if (ro.verbose) {
		char safe[VIS_NAME];
		printf("left alone %s", tool_vis(name, safe, sizeof(safe)));
		state_and_reason(state, reason);
	}
}

void report_event(const shmrpc_reap_event *ev)
{
	const shmrpc_object_info *objs = ev->channel != NULL
	    ? ev->channel->objects : ev->object;
	size_t n = ev->channel != NULL ? ev->channel->nobjects : 1;
	const char *name = ev->channel != NULL ? ev->channel->name
					       : ev->object->name;

	if (ev->action == SHMRPC_REAP_FAILED) {
		report_error(name, ev->reason);
		return;
	}
	for (size_t k = 0; k < n; k++) {
		if (!objs[k].present)
			continue;
		if (ev->action == SHMRPC_REAP_LEFT)
			report_left(objs[k].name, objs[k].channel, ev->state,
			    ev->reason);
		else
			report_reaped(objs[k].name, objs[k].channel,
			    objs[k].size, ev->state, ev->reason);
	}
}

unsigned long report_errors(void)
{
	return nerrors;
}

void report_warning(const char *text)
{
	if (ro.json)
		jpush(warnings, tool_json_string(text));
	else
		warn_vis(text);
}

void report_end(void)
{
	if (ro.json) {
		json_t *sum = jnew_object();
		jadd(doc, "dry_run", json_boolean(ro.dry_run));
		jadd(doc, "reaped", reaped);
		jadd(doc, "errors", errors);
		jadd(doc, "left_alone", left);
		jadd(doc, "warnings", warnings);
		jadd(sum, "reaped", json_integer((json_int_t)nreaped));
		jadd(sum, "size_bytes", json_integer((json_int_t)bytes));
		jadd(sum, "errors", json_integer((json_int_t)nerrors));
		jadd(sum, "left_alone", json_integer((json_int_t)nleft));
		jadd(doc, "summary", sum);
		jprint(doc);
		json_decref(doc);
		doc = NULL;
		return;
	}
	if (ro.quiet)
		return;
	printf("%s %lu object%s (%" PRIu64 " bytes), left %lu alone, "
	    "%lu error%s\n", ro.dry_run ? "would reap" : "reaped", nreaped,
	    nreaped == 1 ? "" : "s", bytes, nleft, nerrors,
	    nerrors == 1 ? "" : "s");
}
