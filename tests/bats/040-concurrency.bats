#!/usr/bin/env bats
# Many clients on one channel never receive each other's replies.

load helpers

@test "8 concurrent clients, 10000 calls on one posix channel: 0 crossed replies" {
	ch=$(channel_name)
	start_bg "$BUILD/tests/test-server" -t posix "$ch"
	wait_channel "$ch" posix
	pids=()
	for i in $(seq 8); do
		timeout 300 "$BUILD/tests/stress-client" -t posix "$ch" 1250 \
		    >"$BATS_TEST_TMPDIR/c$i.out" 2>&1 3>&- &
		pids+=($!)
	done
	fails=0
	for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
	cat "$BATS_TEST_TMPDIR"/c*.out
	[ "$fails" -eq 0 ]
	[ "$(grep -c '^ok=1250 crossed=0 errors=0$' "$BATS_TEST_TMPDIR"/c*.out | awk -F: '{s+=$2} END {print s}')" -eq 8 ]
}

@test "a posix server run in 4 threads serves concurrent clients" {
	ch=$(channel_name)
	start_bg "$BUILD/tests/test-server" -t posix -n 4 "$ch"
	wait_channel "$ch" posix
	pids=()
	for i in $(seq 4); do
		timeout 300 "$BUILD/tests/stress-client" -t posix "$ch" 500 \
		    >"$BATS_TEST_TMPDIR/c$i.out" 2>&1 3>&- &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p"; done
	# SIGTERM must stop all four serving threads.
	stop_pid "$BG_PID"
	! kill -0 "$BG_PID" 2>/dev/null
	[ -z "$(shm_objects "$ch")" ]
}
