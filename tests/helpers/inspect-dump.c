/*
 * inspect-dump - the inspection and reap API from the shell, for the bats
 * suites (shmrpc-top and shmrpc-clean are the real front ends).
 *
 * usage: inspect-dump [-a] [-g grace] [-c channel] [-x prefix]
 *        inspect-dump [-a] [-g grace] [-n] -r channel | -R object
 *        inspect-dump [-a] [-g grace] [-c channel] [-x prefix] [-n] -A
 *
 * Listing: one line per channel, loose object and warning:
 *   channel NAME TRANSPORT STATE owner=PID alive=A mappers=P,Q | REASON
 *   owner NAME pid_ns=N local=L lock=K removeipc=R mode=M gid=G
 *   object NAME CHANNEL STATE uid=U mappers=P,Q | REASON
 *   warning TEXT
 * Reaping (-n: dry run): prints "code=N removed=N entry=N | TEXT", exit 0
 * when done, 1 when refused.  -A (shmrpc_reap_all) prints one line per
 * event, "event ACTION NAME STATE code=N | REASON", then that summary.
 *
 * SHMRPC_TEST_REAP_STALL=N: the reaper stops N seconds before each file
 * leaves its name (after its final check), after printing "stall NAME" to
 * stderr, so that a test can open the file right then.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <shmrpc.h>

#include "inspect/unlink.h" /* shmrpc__reap_test_unlink_hook() */

void shmrpc__reap_test_unlink_hook(const char *fname)
{
	const char *s = getenv("SHMRPC_TEST_REAP_STALL");

	if (s != NULL) {
		fprintf(stderr, "stall %s\n", fname);
		sleep((unsigned)atoi(s));
	}
}

static void pids(const pid_t *p, size_t n)
{
	printf(" mappers=");
	for (size_t i = 0; i < n; i++)
		printf("%s%ld", i ? "," : "", (long)p[i]);
	if (n == 0)
		printf("-");
}

/* What a reap removed, from its events. */
struct tally {
	unsigned removed, entries;
	int print;
};

static void tally_event(const shmrpc_reap_event *ev, void *arg)
{
	struct tally *t = arg;

	if (t->print)
		printf("event %s %s %s code=%d | %s\n",
		    shmrpc_reap_action_name(ev->action),
		    ev->channel != NULL ? ev->channel->name : ev->object->name,
		    shmrpc_state_name(ev->state), ev->code, ev->reason);

	t->removed += ev->removed;
	if (ev->channel != NULL && (ev->action == SHMRPC_REAP_REMOVED ||
	    ev->action == SHMRPC_REAP_WOULD))
		t->entries++;
}

int main(int argc, char **argv)
{
	shmrpc_inspect_options o;
	shmrpc_reap_options ro;
	shmrpc_inspection *s;
	const char *reap = NULL, *reap_obj = NULL;
	int ch, rc, all = 0;

	shmrpc_inspect_options_init(&o);
	shmrpc_reap_options_init(&ro);
	while ((ch = getopt(argc, argv, "ag:c:x:nr:R:A")) != -1) {
		switch (ch) {
		case 'a': o.all_users = ro.all_users = 1; break;
		case 'g': o.grace = ro.grace = atof(optarg); break;
		case 'c': o.channel = optarg; break;
		case 'x': o.prefix = optarg; break;
		case 'n': ro.dry_run = 1; break;
		case 'r': reap = optarg; break;
		case 'R': reap_obj = optarg; break;
		case 'A': all = 1; break;
		default: errx(2, "usage: see the source");
		}
	}
	if (reap != NULL || reap_obj != NULL || all) {
		struct tally t = { 0, 0, all };
		shmrpc_error e = { 0, "" };
		ro.channel = o.channel;
		ro.prefix = o.prefix;
		rc = all ? shmrpc_reap_all(&ro, tally_event, &t, &e)
		    : reap != NULL
		    ? shmrpc_reap_channel(reap, &ro, tally_event, &t, &e)
		    : shmrpc_reap_object(reap_obj, &ro, tally_event, &t, &e);
		printf("code=%d removed=%u entry=%u | %s\n", rc, t.removed,
		    t.entries, e.text);
		return rc == 0 ? 0 : 1;
	}
	rc = shmrpc_inspect(&s, &o, NULL);
	if (rc < 0)
		errx(1, "inspect: %s", shmrpc_strerror(rc));
	for (size_t i = 0; i < shmrpc_inspection_channel_count(s); i++) {
		const shmrpc_channel_info *c = shmrpc_inspection_channel(s, i);
		printf("channel %s %s %s owner=%ld alive=%d", c->name,
		    c->transport_name, shmrpc_state_name(c->state),
		    (long)c->owner_pid, c->owner_alive);
		pids(c->mappers, c->nmappers);
		printf(" | %s\n", c->reason);
		printf("owner %s pid_ns=%llu local=%d lock=%d removeipc=%d "
		    "mode=%04o gid=%ld\n", c->name,
		    (unsigned long long)c->owner_pid_ns, c->owner_pid_local,
		    c->owner_lock, c->owner_removeipc, c->mode,
		    c->gid == (gid_t)-1 ? -1L : (long)c->gid);
		if (c->stats != NULL &&
		    shmrpc_stats_channel(c->stats)->counters != NULL)
			printf("counters %s calls=%llu clients=%zu\n", c->name,
			    (unsigned long long)shmrpc_stats_channel(
				c->stats)->counters->calls, c->nclients);
	}
	for (size_t i = 0; i < shmrpc_inspection_object_count(s); i++) {
		const shmrpc_object_info *x = shmrpc_inspection_object(s, i);
		printf("object %s %s %s uid=%lu", x->name, x->channel,
		    shmrpc_state_name(x->state), (unsigned long)x->uid);
		pids(x->mappers, x->nmappers);
		printf(" | %s\n", x->reason);
	}
	for (size_t i = 0; i < shmrpc_inspection_warning_count(s); i++)
		printf("warning %s\n", shmrpc_inspection_warning(s, i));
	shmrpc_inspection_free(s);
	return 0;
}
