/*
 * futex-stats - print a channel's live statistics, for the test suites
 * (shmrpc-top is the real viewer).
 *
 * usage: futex-stats channel
 * Prints one line of key=value pairs for the channel, then one per slot in
 * use: "slot=I pid=P calls=N errors=N timeouts=N in_flight=N", then one
 * per method: "method=NAME calls=N errors=N latency_count=N".
 * Exit 0, or 1 with the error on stderr.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>

#include <shmrpc.h>

static const shmrpc_counters zero;

int main(int argc, char **argv)
{
	const shmrpc_channel_stats *ch;
	const shmrpc_counters *c;
	shmrpc_stats *st;
	shmrpc_error e;
	int rc;

	if (argc != 2)
		errx(2, "usage: futex-stats channel");
	rc = shmrpc_stats_read(&st, argv[1], SHMRPC_TRANSPORT_DEFAULT, &e);
	if (rc < 0)
		errx(1, "%s", e.text);
	ch = shmrpc_stats_channel(st);
	c = ch->counters != NULL ? ch->counters : &zero;
	printf("slots=%u in_use=%u running=%d server_pid=%d calls=%llu "
	       "errors=%llu timeouts=%llu in_flight=%llu bytes_in=%llu "
	       "bytes_out=%llu latency_count=%llu\n",
	    ch->slots, ch->slots_in_use, ch->server_running,
	    (int)ch->server_pid, (unsigned long long)c->calls,
	    (unsigned long long)c->errors, (unsigned long long)c->timeouts,
	    (unsigned long long)c->in_flight, (unsigned long long)c->bytes_in,
	    (unsigned long long)c->bytes_out,
	    (unsigned long long)c->latency_count);
	for (size_t i = 0; i < shmrpc_stats_slot_count(st); i++) {
		const shmrpc_slot_stats *s = shmrpc_stats_slot(st, i);
		printf("slot=%u pid=%d calls=%llu errors=%llu timeouts=%llu "
		       "in_flight=%llu\n", s->index, (int)s->pid,
		    (unsigned long long)s->counters->calls,
		    (unsigned long long)s->counters->errors,
		    (unsigned long long)s->counters->timeouts,
		    (unsigned long long)s->counters->in_flight);
	}
	for (size_t i = 0; i < shmrpc_stats_method_count(st); i++) {
		const shmrpc_method_stats *m = shmrpc_stats_method(st, i);
		printf("method=%s calls=%llu errors=%llu latency_count=%llu\n",
		    m->name, (unsigned long long)m->counters->calls,
		    (unsigned long long)m->counters->errors,
		    (unsigned long long)m->counters->latency_count);
	}
	shmrpc_stats_free(st);
	return 0;
}
