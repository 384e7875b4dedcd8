/*
 * libFuzzer target: the registry parser (registry/registry.c), which
 * reads files another user can write: root's shmrpc-clean -a and
 * shmrpc-top -a read every user's registry.
 *
 * 1. shmrpc__registry_parse(): the line split and the full parse of a
 *    whole registry text (what every lock-free reader does).  What it
 *    accepts holds only entries with a valid channel name, 1 to 8
 *    object names that are plain file names, a positive pid, and texts
 *    that fit their fields; format 2's liveness lock is one of the
 *    entry's own objects and its mode is permission bits.
 * 2. shmrpc__registry_lookup(): the same bytes as a registry file, one
 *    channel looked up without the lock (what a client does at open):
 *    the line split, the prefix search and one line's parse.
 * Any accepted entry that breaks those rules abort()s; ASan and UBSan
 * catch the rest.
 *
 * Input: the registry file's bytes.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "registry/registry.h"

static char path[128];

/* Format 2's owner fields: the lock is one of the entry's own objects,
 * texts end inside their fields, the mode is permission bits alone. */
static void check_format2(const struct reg_entry *e)
{
	bool own = e->lock[0] == '\0';

	if (memchr(e->lock, '\0', sizeof(e->lock)) == NULL ||
	    memchr(e->cgroup, '\0', sizeof(e->cgroup)) == NULL ||
	    e->mode > 0777)
		abort();
	for (int i = 0; i < e->nobjects && !own; i++)
		own = strcmp(e->objects[i], e->lock) == 0;
	if (!own)
		abort();
}

static void check_entry(const struct reg_entry *e)
{
	if (shmrpc_name_check(e->name) != 0 || e->nobjects < 1 ||
	    e->nobjects > TRANSPORT_MAX_OBJECTS || e->pid <= 0 ||
	    memchr(e->comm, '\0', sizeof(e->comm)) == NULL ||
	    memchr(e->transport, '\0', sizeof(e->transport)) == NULL ||
	    (e->nclients > 0 && e->clients == NULL))
		abort();
	for (int i = 0; i < e->nobjects; i++) {
		const char *o = e->objects[i];
		if (o[0] == '\0' || strchr(o, '/') != NULL ||
		    strcmp(o, ".") == 0 || strcmp(o, "..") == 0 ||
		    memchr(o, '\0', TRANSPORT_FNAME_MAX) == NULL)
			abort();
	}
	for (size_t i = 0; i < e->nclients; i++)
		if (e->clients[i] <= 0)
			abort();
	check_format2(e);
}

static void lookup_in_file(const uint8_t *data, size_t size,
    const char *name, const char *transport)
{
	struct reg_entry e;
	char proc[64];
	/* Linked under its name only while an input is read (see
	 * fuzz_futex_header.c). */
	int fd = open("/dev/shm", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (fd < 0 || pwrite(fd, data, size, 0) != (ssize_t)size ||
	    linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) < 0)
		abort();
	if (shmrpc__registry_lookup(path, name, transport, &e) == 0) {
		check_entry(&e);
		if (strcmp(e.name, name) != 0 ||
		    strcmp(e.transport, transport) != 0)
			abort();
		shmrpc__reg_entry_clear(&e);
	}
	unlink(path);
	close(fd);
}

/* The name and transport a line says it is for, from its first bytes,
 * {"name": "NAME", "transport": "TRANSPORT", (no escapes), as the lookup
 * finds lines; false if the text has no such line. */
static bool line_key(const char *text, char *name, size_t nlen,
    char *transport, size_t tlen)
{
	const char *p = strstr(text, "\n{\"name\": \"");
	const char *q;

	if (p == NULL)
		return false;
	p += strlen("\n{\"name\": \"");
	q = strchr(p, '"');
	if (q == NULL || (size_t)(q - p) >= nlen ||
	    strncmp(q, "\", \"transport\": \"", 17) != 0)
		return false;
	memcpy(name, p, (size_t)(q - p));
	name[q - p] = '\0';
	p = q + 17;
	q = strchr(p, '"');
	if (q == NULL || (size_t)(q - p) >= tlen)
		return false;
	memcpy(transport, p, (size_t)(q - p));
	transport[q - p] = '\0';
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reg_entry *v = NULL;
	size_t n = 0;
	char name[SHMRPC_NAME_MAX + 1] = "calc", transport[16] = "posix";

	if (path[0] == '\0')
		snprintf(path, sizeof(path), "/dev/shm/fuzz-registry-%ld.json",
		    (long)getpid());
	/* The parser reads what shmrpc__shmfile_read_all() gives it: the
	 * bytes and a NUL after them. */
	char *text = malloc(size + 1);

	if (text == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	if (shmrpc__registry_parse(text, size, &v, &n) == 0) {
		for (size_t i = 0; i < n; i++)
			check_entry(&v[i]);
		/* Look up what is there, so that the lookup finds it. */
		if (n > 0) {
			memcpy(name, v[0].name, sizeof(name));
			memcpy(transport, v[0].transport, sizeof(transport));
		}
		shmrpc__reg_entries_free(v, n);
	}
	lookup_in_file(data, size, name, transport);
	/* And the first line by the name it starts with. */
	if (line_key(text, name, sizeof(name), transport, sizeof(transport)) &&
	    shmrpc_name_check(name) == 0)
		lookup_in_file(data, size, name, transport);
	free(text);
	return 0;
}
