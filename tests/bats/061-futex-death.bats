#!/usr/bin/env bats
# The futex transport when a peer dies or stops: kill -9 of a client
# mid-call, of the server mid-call, SIGSTOP of the server.

load helpers

suite_setup() {
	SERVER=$BUILD/tests/test-server
	STRESS=$BUILD/tests/stress-client
	STATS=$BUILD/tests/futex-stats
}

wait_for() {
	for _ in $(seq 200); do
		"$@" && return 0
		sleep 0.05
	done
	echo "timed out waiting for: $*" >&2
	return 1
}

channel_line_has() {
	"$STATS" "$1" | head -1 | grep -q -- "$2"
}

slot_of_pid_has() {
	"$STATS" "$1" | grep -q -- "^slot=[0-9]* pid=$2 .*$3"
}

no_slot_of_pid() {
	! "$STATS" "$1" | grep -q -- "^slot=[0-9]* pid=$2 "
}

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

@test "client killed -9 mid-call: the others' calls all succeed, the slot comes back" {
	ch=$(channel_name)
	start_bg "$SERVER" -t futex -n 4 -s 8 "$ch"
	wait_channel "$ch" futex
	start_bg "$CALL" -T 30 "$ch" sleep '{"ms":1000}'
	victim=$BG_PID
	wait_for slot_of_pid_has "$ch" "$victim" "in_flight=1"
	pids=()
	for i in $(seq 7); do
		start_bg "$STRESS" -t futex -T 30 "$ch" 20000
		pids+=("$BG_PID")
	done
	wait_for channel_line_has "$ch" " in_use=8 "
	kill -KILL "$victim"
	# The server notices the dead client and takes its slot back (it
	# becomes free once the handler it is running returns).
	wait_for no_slot_of_pid "$ch" "$victim"
	for pid in "${pids[@]}"; do
		wait "$pid"
	done
	grep -c '^ok=20000 crossed=0 errors=0$' "$BATS_TEST_TMPDIR"/bg.*.out | \
	    awk -F: '{ n += $2 } END { exit n == 7 ? 0 : 1 }'
	wait_for channel_line_has "$ch" " in_use=0 "
	# The answer to the dead client was dropped, and counted.
	channel_line_has "$ch" " errors=[1-9]"
	run "$CALL" "$ch" echo '{"after":"kill"}'
	[ "$status" -eq 0 ]
	[ "$output" = '{"after":"kill"}' ]
}

@test "server killed -9 during a call: the client gets server-dead at once, not at the timeout" {
	ch=$(channel_name)
	"$SERVER" -t futex "$ch" >/dev/null 2>&1 3>&- &
	spid=$!
	echo "$spid" >>"$PIDS_FILE"
	wait_channel "$ch" futex
	"$CALL" -T 30 "$ch" sleep '{"ms":20000}' >"$BATS_TEST_TMPDIR/call.out" 2>&1 3>&- &
	cpid=$!
	wait_for channel_line_has "$ch" " in_flight=1 "
	t0=$(now_ms)
	kill -KILL "$spid"
	status=0
	wait "$cpid" || status=$?
	ms=$(($(now_ms) - t0))
	echo "# server-dead detected in ${ms} ms (kill to client exit)" >&3
	echo "$ms" >>"${FUTEX_DEATH_LOG:-/dev/null}"
	[ "$status" -eq 3 ]
	grep -q "Server process died" "$BATS_TEST_TMPDIR/call.out"
	# Generous: the timeout was 30 s; detection is a 10 ms check.
	[ "$ms" -lt 1000 ]
	# A new client is told the same at once; the dead server's file
	# stays until someone reaps it (shmrpc-clean's job).
	run "$CALL" "$ch" echo
	[ "$status" -eq 3 ]
	[[ "$output" == *"Server process died"* ]]
	rm -f "/dev/shm/shmrpc_futex_$ch"
}

@test "server stopped with SIGSTOP: calls time out normally, and work again after SIGCONT" {
	ch=$(channel_name)
	start_bg "$SERVER" -t futex "$ch"
	spid=$BG_PID
	wait_channel "$ch" futex
	kill -STOP "$spid"
	run "$CALL" -T 0.5 "$ch" echo '{"x":1}'
	kill -CONT "$spid"
	[ "$status" -eq 3 ]
	[[ "$output" == *"Timed out"* ]]
	run "$CALL" -T 5 "$ch" echo '{"x":2}'
	[ "$status" -eq 0 ]
	[ "$output" = '{"x":2}' ]
}
