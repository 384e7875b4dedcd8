#!/usr/bin/env bats
# The environment variables: a bad value is said, and never changes what
# happens silently; SHMRPC_LOG=debug says what someone debugging needs.

load helpers

suite_setup() {
	SERVER=$BUILD/tests/test-server
}

@test "SHMRPC_TRANSPORT naming no transport is an error, not the default" {
	ch=$(channel_name)
	# A posix server: a client with SHMRPC_TRANSPORT unset finds it.
	start_bg "$SERVER" -t posix "$ch"
	wait_channel "$ch"
	run --separate-stderr env SHMRPC_TRANSPORT=bogus "$CALL" "$ch" echo
	[ "$status" -eq 3 ]
	[ "$stderr" = "shmrpc-call: SHMRPC_TRANSPORT=bogus is not a transport (posix or futex; unset or empty for the default)" ]
	# A server too.
	run env SHMRPC_TRANSPORT=bogus "$SERVER" "$(channel_name two)"
	[ "$status" -eq 1 ]
	[[ "$output" == *"SHMRPC_TRANSPORT=bogus is not a transport"* ]]
	# Empty is unset: the client finds the posix channel.
	run env SHMRPC_TRANSPORT= "$CALL" "$ch" echo
	[ "$status" -eq 0 ]
	# -t decides when given: the variable is not looked at.
	run env SHMRPC_TRANSPORT=bogus "$CALL" -t posix "$ch" echo
	[ "$status" -eq 0 ]
}

@test "SHMRPC_LOG naming no level is said on stderr, without anything else set" {
	ch=$(channel_name)
	run --separate-stderr env SHMRPC_LOG=verbose "$CALL" "$ch" echo
	[ "$status" -eq 3 ]
	[ "${stderr_lines[0]}" = "shmrpc: warn: SHMRPC_LOG=verbose is not a level (none, error, warn, info or debug); logging at warn" ]
	# Level names are taken whatever their case; none is silence.
	run --separate-stderr env SHMRPC_LOG=DEBUG "$CALL" "$ch" echo
	[[ "$stderr" == *"shmrpc: debug: "* ]]
	run --separate-stderr env SHMRPC_LOG=none "$CALL" "$ch" echo
	[ "$stderr" = "shmrpc-call: channel $ch (futex transport): No such channel (is the server running?)" ]
}

@test "SHMRPC_LOG=debug: transport chosen, slot taken, timeouts, reap decisions" {
	ch=$(channel_name)
	SHMRPC_LOG=debug start_bg "$SERVER" "$ch"
	wait_channel "$ch"
	run --separate-stderr env SHMRPC_LOG=debug "$CALL" -T 0.2 "$ch" sleep ms:=500
	[ "$status" -eq 3 ]
	echo "$stderr"
	[[ "$stderr" == *"shmrpc: debug: channel $ch: opening, futex transport (the kind of channel found, else futex)"* ]]
	[[ "$stderr" == *"shmrpc: debug: channel $ch: took client slot 0 of 16"* ]]
	[[ "$stderr" == *"shmrpc: debug: channel $ch: slot 0: no answer before the timeout"* ]]
	[[ "$stderr" == *"shmrpc: debug: channel $ch: call "*" of sleep timed out"* ]]
	grep -q "shmrpc: debug: channel $ch: creating, futex transport (the default)" "$BG_OUT"
	grep -q "shmrpc: debug: channel $ch: serving 6 methods" "$BG_OUT"
	# A server killed, then its channel reclaimed by a new one.
	kill -9 "$BG_PID"
	wait "$BG_PID" 2>/dev/null || true
	SHMRPC_LOG=debug start_bg "$SERVER" "$ch"
	wait_channel "$ch"
	cat "$BG_OUT"
	grep -q "shmrpc: debug: reap $ch: removed (stale): owner pid [0-9]* (test-server) is dead" "$BG_OUT"
	grep -q "shmrpc: debug: channel $ch: the name is taken; reclaim: removed" "$BG_OUT"
}
