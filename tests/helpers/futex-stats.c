/*
 * futex-stats - print a futex channel's live counters, for the test suites
 * (shmrpc-top will be the real viewer).
 *
 * usage: futex-stats channel
 * Prints one line of key=value pairs for the channel, then one per slot in
 * use: "slot=I pid=P calls=N errors=N timeouts=N in_flight=N".
 * Exit 0, or 1 with the error on stderr.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>

#include <shmrpc.h>

static unsigned long long lat_total(const shmrpc_counters *c)
{
	unsigned long long n = 0;

	for (int b = 0; b < SHMRPC_LATENCY_BUCKETS; b++)
		n += c->latency[b];
	return n;
}

int main(int argc, char **argv)
{
	shmrpc_channel_stats st;
	shmrpc_slot_stats *ss;
	unsigned n;
	int rc;

	if (argc != 2)
		errx(2, "usage: futex-stats channel");
	rc = shmrpc_stats_channel(argv[1], &st);
	if (rc < 0)
		errx(1, "%s: %s", argv[1], shmrpc_strerror(rc));
	printf("slots=%u in_use=%u running=%d server_pid=%d calls=%llu "
	       "errors=%llu timeouts=%llu in_flight=%llu bytes_in=%llu "
	       "bytes_out=%llu latency_count=%llu\n",
	    st.slots, st.slots_in_use, st.server_running, (int)st.server_pid,
	    (unsigned long long)st.counters.calls,
	    (unsigned long long)st.counters.errors,
	    (unsigned long long)st.counters.timeouts,
	    (unsigned long long)st.counters.in_flight,
	    (unsigned long long)st.counters.bytes_in,
	    (unsigned long long)st.counters.bytes_out, lat_total(&st.counters));
	ss = calloc(st.slots, sizeof(*ss));
	if (ss == NULL)
		err(1, "calloc");
	rc = shmrpc_stats_slots(argv[1], ss, st.slots, &n);
	if (rc < 0)
		errx(1, "%s: %s", argv[1], shmrpc_strerror(rc));
	for (unsigned i = 0; i < n; i++)
		printf("slot=%u pid=%d calls=%llu errors=%llu timeouts=%llu "
		       "in_flight=%llu\n", ss[i].index, (int)ss[i].pid,
		    (unsigned long long)ss[i].counters.calls,
		    (unsigned long long)ss[i].counters.errors,
		    (unsigned long long)ss[i].counters.timeouts,
		    (unsigned long long)ss[i].counters.in_flight);
	free(ss);
	return 0;
}
