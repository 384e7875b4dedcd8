/*
 * naming.c - layer: inspection.  Which /dev/shm names are ours: the naming
 * schemes of every transport, derived from their object_names op, so that
 * a loose object is recognised by name alone.
 */
#include <pthread.h>
#include <string.h>

#include "inspect/inspect.h"

#define MAX_SCHEMES 32

static struct scheme {
	char prefix[TRANSPORT_FNAME_MAX];
	char suffix[TRANSPORT_FNAME_MAX];
	size_t plen, slen;
	shmrpc_transport_kind kind;
} schemes[MAX_SCHEMES];
static int nschemes;
static pthread_once_t schemes_once = PTHREAD_ONCE_INIT;

/* Every transport this build has.  A new transport only needs to be listed
 * here (and in shmrpc__transport_ops_for) for its objects to be recognised. */
static const shmrpc_transport_kind known_kinds[] = {
	SHMRPC_TRANSPORT_POSIX, SHMRPC_TRANSPORT_FUTEX,
};

static void build_schemes(void)
{
	/* A placeholder that no name contains: split each object name of the
	 * placeholder channel around it. */
	static const char marker[] = "\x01";

	for (size_t k = 0; k < ARRAY_LEN(known_kinds); k++) {
		const struct transport_ops *ops = shmrpc__transport_ops_for(
		    known_kinds[k]);
		char names[TRANSPORT_MAX_OBJECTS][TRANSPORT_FNAME_MAX];
		int n;

		if (ops == NULL)
			continue;
		n = ops->object_names(marker, names, TRANSPORT_MAX_OBJECTS);
		for (int i = 0; i < n && nschemes < MAX_SCHEMES; i++) {
			char *m = strstr(names[i], marker);
			struct scheme *s = &schemes[nschemes];
			if (m == NULL)
				continue;
			*m = '\0';
			s->plen = strlen(names[i]);
			s->slen = strlen(m + sizeof(marker) - 1);
			memcpy(s->prefix, names[i], s->plen + 1);
			memcpy(s->suffix, m + sizeof(marker) - 1, s->slen + 1);
			s->kind = known_kinds[k];
			nschemes++;
		}
	}
}

bool shmrpc__inspect_match_object(const char *fname, char *channel, size_t len,
    shmrpc_transport_kind *kind)
{
	size_t n;

	/* A file a reaper moved aside and did not finish with. */
	if (strncmp(fname, REAP_QUARANTINE_PREFIX,
		sizeof(REAP_QUARANTINE_PREFIX) - 1) == 0)
		fname += sizeof(REAP_QUARANTINE_PREFIX) - 1;
	n = strlen(fname);

	pthread_once(&schemes_once, build_schemes);
	for (int i = 0; i < nschemes; i++) {
		const struct scheme *s = &schemes[i];
		size_t clen;

		if (n <= s->plen + s->slen ||
		    strncmp(fname, s->prefix, s->plen) != 0 ||
		    strcmp(fname + n - s->slen, s->suffix) != 0)
			continue;
		clen = n - s->plen - s->slen;
		if (clen >= len || clen > SHMRPC_NAME_MAX)
			continue;
		memcpy(channel, fname + s->plen, clen);
		channel[clen] = '\0';
		if (shmrpc_name_check(channel) < 0)
			continue;
		*kind = s->kind;
		return true;
	}
	return false;
}

