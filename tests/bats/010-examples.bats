#!/usr/bin/env bats
# The examples: calculator and accumulator servers and clients.

load helpers

@test "calculator client gets all four results and a division-by-zero error" {
	ch=$(channel_name)
	start_bg "$EXDIR/calculator-server" "$ch"
	wait_channel "$ch"
	run "$EXDIR/calculator-client" "$ch"
	[ "$status" -eq 0 ]
	[[ "$output" == *"add(5, 3) = 8"* ]]
	[[ "$output" == *"subtract(10, 4) = 6"* ]]
	[[ "$output" == *"multiply(6, 7) = 42"* ]]
	[[ "$output" == *"divide(22, 7) = 3.14285714"* ]]
	[[ "$output" == *"divide(1, 0) -> error: ZeroDivisionError: division by zero"* ]]
}

@test "calculator server removes its objects on SIGTERM and exits 0" {
	ch=$(channel_name)
	# posix: the seed's six objects and our own (the futex transport's
	# one is in 060-futex).
	"$EXDIR/calculator-server" -t posix "$ch" >/dev/null 3>&- &
	pid=$!
	wait_channel "$ch" posix
	[ "$(shm_objects "$ch" | wc -l)" -eq 7 ]
	kill -TERM "$pid"
	wait "$pid"
	[ -z "$(shm_objects "$ch")" ]
}

@test "calculator server exits 0 on SIGINT too" {
	ch=$(channel_name)
	"$EXDIR/calculator-server" "$ch" >/dev/null 3>&- &
	pid=$!
	wait_channel "$ch"
	kill -INT "$pid"
	wait "$pid"
	[ -z "$(shm_objects "$ch")" ]
}

@test "accumulator keeps a running total per client" {
	ch=$(channel_name)
	start_bg "$EXDIR/accumulator-server" "$ch"
	wait_channel "$ch"
	run "$EXDIR/accumulator-client" "$ch"
	[ "$status" -eq 0 ]
	[[ "$output" == *"get_total("*") = 15"* ]]
	run "$CALL" "$ch" accumulate '{"client_id":"a","value":2}'
	run "$CALL" "$ch" accumulate '{"client_id":"b","value":40}'
	run "$CALL" "$ch" accumulate '{"client_id":"a","value":3}'
	run "$CALL" "$ch" get_total '{"client_id":"a"}'
	[ "$output" = "5.0" ]
	run "$CALL" "$ch" get_total '{"client_id":"b"}'
	[ "$output" = "40.0" ]
}

@test "examples reject bad usage with status 2" {
	run "$EXDIR/calculator-server"
	[ "$status" -eq 2 ]
	run "$EXDIR/calculator-client" -t nope x
	[ "$status" -eq 2 ]
	run "$EXDIR/accumulator-server" -b abc x
	[ "$status" -eq 2 ]
}

@test "a second server on a live channel fails and leaves the first one working" {
	ch=$(channel_name)
	start_bg "$EXDIR/calculator-server" "$ch"
	wait_channel "$ch"
	run "$EXDIR/calculator-server" "$ch"
	[ "$status" -eq 1 ]
	[[ "$output" == *"in use"* ]]
	run "$CALL" "$ch" add '{"a":2,"b":2}'
	[ "$status" -eq 0 ]
	[ "$output" = "4" ]
}

@test "make run's demo: server, client, shmrpc-call, shmrpc-top, shmrpc-clean; nothing left in /dev/shm" {
	before=$(ls -A /dev/shm | sort)
	run env BUILD="$BUILD" EXDIR="$EXDIR" sh "$ROOT/examples/demo.sh"
	[ "$status" -eq 0 ]
	[[ "$output" == *"multiply(6, 7) = 42"* ]]             # 1. client
	[[ "$output" == *"--- 20000 calls in "*", 0 failed ---"* ]] # 2. shmrpc-call
	[[ "$output" == *"CALLS/S"*"LIVE"* ]]                    # 3. shmrpc-top
	[[ "$output" == *"reaped 1 object ("* ]]                 # 4. shmrpc-clean
	[[ "$output" == *"reclaimed 1 object a dead server left"* ]] # 5. restart
	[[ "$output" == *"left in /dev/shm: none"* ]]            # 6. clean stop
	# Nothing of the demo's stays behind, its own registry included.
	[ -z "$(comm -13 <(echo "$before") <(ls -A /dev/shm | sort) | grep demo)" ]
}
