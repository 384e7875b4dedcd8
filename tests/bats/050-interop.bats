#!/usr/bin/env bats
# Interoperability with shm-rpc-bridge 0.2.2, played by tests/interop/
# seed_peer.py: an independent implementation of the seed's protocol in
# standard-library Python (see tests/interop/README.md).

load helpers

suite_setup() {
	PY=$(command -v python3)
}

@test "the Python seed client calls a C server" {
	ch=$(channel_name)
	start_bg "$EXDIR/calculator-server" -t posix "$ch"
	wait_channel "$ch" posix
	run "$PY" "$SEED_PEER" client "$ch" add '{"a":5,"b":3}'
	[ "$status" -eq 0 ]
	[ "$output" = "8" ]
	run "$PY" "$SEED_PEER" client "$ch" divide '{"a":1,"b":0}'
	[ "$status" -eq 1 ]
	[ "$output" = "ZeroDivisionError: division by zero" ]
	run "$PY" "$SEED_PEER" client "$ch" nope
	[ "$status" -eq 1 ]
	[ "$output" = "RPCError: Unknown method: nope" ]
	run "$PY" "$SEED_PEER" client "$ch" __running__
	[ "$output" = "true" ]
	run "$PY" "$SEED_PEER" client --count 50 "$ch" multiply '{"a":6,"b":7}'
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 50 ]
	[ "${lines[49]}" = "42" ]
}

@test "the C client calls a Python seed server" {
	ch=$(channel_name)
	start_bg "$PY" "$SEED_PEER" server "$ch"
	wait_ready "$BG_OUT"
	run "$CALL" -t posix "$ch" add '{"a":2,"b":3}'
	[ "$status" -eq 0 ]
	[ "$output" = "5" ]
	run "$CALL" -t posix "$ch" greet '{"name":"Zoë"}'
	[ "$output" = '"Hello, Zoë!"' ]
	run --separate-stderr "$CALL" -t posix "$ch" divide '{"a":1,"b":0}'
	[ "$status" -eq 1 ]
	[ "$stderr" = "ZeroDivisionError: division by zero" ]
	run "$CALL" -t posix -c 200 "$ch" echo '{"k":[1,"two",null]}'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '{"k":[1,"two",null]}' ]
	run "$EXDIR/calculator-client" -t posix "$ch"
	[ "$status" -eq 0 ]
	[[ "$output" == *"divide(1, 0) -> error: ZeroDivisionError: division by zero"* ]]
	# The seed server removes its six objects on SIGTERM.
	stop_pid "$BG_PID"
	[ -z "$(shm_objects "$ch")" ]
}

@test "a client that names no transport finds a Python seed server (posix)" {
	ch=$(channel_name)
	unset SHMRPC_TRANSPORT
	start_bg "$PY" "$SEED_PEER" server "$ch"
	wait_ready "$BG_OUT"
	run "$CALL" "$ch" add '{"a":2,"b":3}'
	[ "$status" -eq 0 ]
	[ "$output" = "5" ]
	# a named transport is taken as given: futex finds no channel
	run "$CALL" -t futex "$ch" add '{"a":2,"b":3}'
	[ "$status" -eq 3 ]
	[[ "$output" == *"No such channel"* ]]
	stop_pid "$BG_PID"
	# waiting (-w) for a server that is not there yet finds it too
	ch=$(channel_name)
	( sleep 0.3; exec "$PY" "$SEED_PEER" server "$ch" ) >"$BATS_TEST_TMPDIR/late.out" 2>&1 &
	echo $! >>"$PIDS_FILE"
	run "$CALL" -w 10 "$ch" add '{"a":4,"b":4}'
	[ "$status" -eq 0 ]
	[ "$output" = "8" ]
}

# The seed's request segment of channel $1 exists (its creation begun).
wait_created() {
	for _ in $(seq 200); do
		[ -e "/dev/shm/srb_${1}_req" ] && return 0
		sleep 0.01
	done
	return 1
}

@test "a waiting C client takes a seed channel being created (0-byte segment, no semaphores) for one not there yet" {
	# The seed creates each segment with shm_open() and sizes it with
	# ftruncate() next, then makes the semaphores; --slow-create sleeps
	# 0.3 s between the steps, so a client that looks meanwhile meets a
	# segment of 0 bytes and missing semaphores.
	for t in "" "-t posix"; do
		ch=$(channel_name)
		start_bg "$PY" "$SEED_PEER" server --slow-create 0.3 "$ch"
		wait_created "$ch"
		[ ! -s "/dev/shm/srb_${ch}_req" ]
		run "$CALL" $t -w 10 "$ch" add '{"a":20,"b":22}'
		echo "$output"
		[ "$status" -eq 0 ]
		[ "$output" = "42" ]
		stop_pid "$BG_PID"
		[ -z "$(shm_objects "$ch")" ]
	done
	# without -w, such a channel is not there yet: no such channel, not
	# "another layout or size"
	ch=$(channel_name)
	start_bg "$PY" "$SEED_PEER" server --slow-create 1 "$ch"
	wait_created "$ch"
	run "$CALL" -t posix "$ch" add '{"a":1,"b":1}'
	[ "$status" -eq 3 ]
	[[ "$output" == *"No such channel"* ]]
	stop_pid "$BG_PID"
}

@test "a C server over a killed seed server's fresh leftovers names them and the shmrpc-clean command" {
	ch=$(channel_name)
	start_bg "$PY" "$SEED_PEER" server "$ch"
	wait_ready "$BG_OUT"
	kill -KILL "$BG_PID"
	wait "$BG_PID" 2>/dev/null || true
	[ "$(shm_objects "$ch" | wc -l)" -eq 6 ]
	# Unregistered and unused, but younger than the grace period: not
	# proved an orphan yet, so refused, with the way out.
	run "$EXDIR/calculator-server" -t posix "$ch"
	[ "$status" -eq 1 ]
	[[ "$output" == *"channel $ch exists and was left alone"* ]]
	[[ "$output" == *"\`shmrpc-clean -c $ch -g 0\` removes /dev/shm/srb_${ch}_req /dev/shm/srb_${ch}_resp /dev/shm/sem.srb_${ch}_req_empty"* ]]
	# the command it names does it
	run "$BUILD/bin/shmrpc-clean" -c "$ch" -g 0
	[ "$status" -eq 0 ]
	[ -z "$(shm_objects "$ch")" ]
	start_bg "$EXDIR/calculator-server" -t posix "$ch"
	wait_channel "$ch" posix
	run "$CALL" -t posix "$ch" add '{"a":1,"b":2}'
	[ "$output" = "3" ]
}

@test "a C client timeout against the seed server does not desynchronise the next call" {
	ch=$(channel_name)
	start_bg "$PY" "$SEED_PEER" server "$ch"
	wait_ready "$BG_OUT"
	run "$CALL" -t posix -T 0.2 "$ch" sleep '{"seconds":0.6}'
	[ "$status" -eq 3 ]
	run "$CALL" -t posix -T 5 "$ch" add '{"a":1,"b":1}'
	[ "$status" -eq 0 ]
	[ "$output" = "2" ]
}

@test "the C server answers what the seed would for odd requests, and keeps serving" {
	ch=$(channel_name)
	start_bg "$BUILD/tests/test-server" -t posix "$ch"
	wait_channel "$ch" posix
	run "$PY" "$SEED_PEER" raw-client "$ch" <<<'{"request_id":"r1","method":"echo","params":{"é":"ü"}}'
	[ "$status" -eq 0 ]
	[ "$output" = '{"request_id":"r1","result":{"é":"ü"},"error":null}' ]
	run "$PY" "$SEED_PEER" raw-client "$ch" <<<'{"request_id":"r2","method":"missing","params":{}}'
	[ "$output" = '{"request_id":"r2","result":null,"error":"RPCError: Unknown method: missing"}' ]
}
