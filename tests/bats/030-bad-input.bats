#!/usr/bin/env bats
# Bad input gets a clear error and nothing breaks.

load helpers

suite_setup() {
	SERVER=$BUILD/tests/test-server
	RAW=$BUILD/tests/raw-call
}

malformed_requests() {
	local t=$1
	ch=$(channel_name)
	start_bg "$SERVER" -t "$t" "$ch"
	wait_channel "$ch" "$t"

	run "$RAW" -t "$t" "$ch" <<<'this is not json'
	[ "$status" -eq 0 ]
	[[ "$output" == '{"request_id":null,"result":null,"error":"RPCError: Invalid JSON in request'* ]]

	run "$RAW" -t "$t" "$ch" <<<'[1,2,3]'
	[[ "$output" == *'"error":"RPCError: Request is not a JSON object"}' ]]

	run "$RAW" -t "$t" "$ch" <<<'{"request_id":"r1","params":{}}'
	[ "$output" = '{"request_id":"r1","result":null,"error":"RPCError: Request has no method name"}' ]

	run "$RAW" -t "$t" "$ch" <<<'{"request_id":"r2","method":"echo"}'
	[ "$output" = '{"request_id":"r2","result":null,"error":"RPCError: Request has no params"}' ]

	run "$RAW" -t "$t" "$ch" <<<'{"request_id":"r3","method":"echo","params":[1]}'
	[ "$output" = '{"request_id":"r3","result":null,"error":"RPCError: Request params is not an object"}' ]

	run "$RAW" -t "$t" "$ch" </dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *'"error":"RPCError: Invalid JSON in request'* ]]

	run "$CALL" -t "$t" "$ch" echo '{"still":"alive"}'
	[ "$status" -eq 0 ]
	[ "$output" = '{"still":"alive"}' ]
}

@test "posix: malformed requests get an error response and the server keeps serving" {
	malformed_requests posix
}

@test "futex: malformed requests get an error response and the server keeps serving" {
	malformed_requests futex
}

@test "a forged length header is refused without an over-read" {
	ch=$(channel_name)
	start_bg "$SERVER" -t posix -b 4096 "$ch"
	wait_channel "$ch" posix
	# One past the largest payload, and the largest u32.
	run "$RAW" -L 4093 "$ch"
	[ "$status" -eq 0 ]
	[[ "$output" == *'"error":"RPCError: Malformed request message"'* ]]
	run "$RAW" -L 4294967295 "$ch"
	[[ "$output" == *'"error":"RPCError: Malformed request message"'* ]]
	run "$CALL" -t posix "$ch" echo '{"after":"forgery"}'
	[ "$status" -eq 0 ]
	[ "$output" = '{"after":"forgery"}' ]
}

@test "invalid channel names are refused" {
	long=$(printf 'n%.0s' $(seq 201))
	for name in "" "a/b" "/" "$long" "with space"; do
		run "$CALL" "$name" echo
		[ "$status" -eq 2 ]
		run "$BUILD/tests/test-server" "$name"
		[ "$status" -eq 1 ]
		[[ "$output" == *"Invalid channel name"* ]]
	done
	run "$CALL" "$(printf 'n%.0s' $(seq 200))" echo
	[ "$status" -eq 3 ]
}

@test "a symlink planted at an object name is never followed" {
	ch=$(channel_name)
	target=$BATS_TEST_TMPDIR/target
	echo precious >"$target"
	ln -s "$target" "/dev/shm/srb_${ch}_req"
	run timeout 10 "$SERVER" -t posix "$ch"
	[ "$status" -eq 1 ]
	[[ "$output" == *"in use"* ]]
	run "$CALL" -t posix "$ch" echo
	[ "$status" -eq 3 ]
	[[ "$output" == *"not ours"* ]]
	[ "$(cat "$target")" = precious ]
	[ -L "/dev/shm/srb_${ch}_req" ]
	rm -f "/dev/shm/srb_${ch}_req"
}

@test "a fifo planted at a semaphore name fails the client cleanly" {
	ch=$(channel_name)
	start_bg "$SERVER" -t posix "$ch"
	wait_channel "$ch" posix
	kill -STOP "$BG_PID"
	mv "/dev/shm/sem.srb_${ch}_req_full" "$BATS_TEST_TMPDIR/saved"
	mkfifo "/dev/shm/sem.srb_${ch}_req_full"
	run timeout 5 "$CALL" -t posix "$ch" echo
	rm -f "/dev/shm/sem.srb_${ch}_req_full"
	mv "$BATS_TEST_TMPDIR/saved" "/dev/shm/sem.srb_${ch}_req_full"
	kill -CONT "$BG_PID"
	[ "$status" -eq 3 ]
	[[ "$output" == *"not ours"* ]]
}

@test "a full /dev/shm gives a clear no-space error at open" {
	if ! unshare -m true 2>/dev/null; then
		skip "needs a private mount namespace (unshare -m) to fill a tmpfs"
	fi
	run unshare -m sh -c "mount -t tmpfs -o size=64k tmpfs /dev/shm &&
	    '$SERVER' -t posix -b 1048576 '$(channel_name)'; echo status=\$?; ls /dev/shm | wc -l"
	[[ "$output" == *"No space left on device"* ]]
	[[ "$output" == *"status=1"* ]]
	# Nothing half-made is left behind.
	[ "${lines[-1]}" = "0" ]
}

# The server decodes futex requests in place in shared memory, so a client
# can rewrite a request while it is being read.  Every call must still be
# answered (scribble-client checks that and that some were refused), the
# server must stay up and serve a well-behaved client afterwards; under
# make check-asan the decoders also run with ASan.
@test "futex: a client rewriting its requests mid-call cannot take the server down" {
	ch=$(channel_name)
	start_bg "$SERVER" -t futex "$ch"
	server=$BG_PID
	wait_channel "$ch" futex
	run "$BUILD/tests/scribble-client" "$ch" 2
	echo "$output"
	[ "$status" -eq 0 ]
	kill -0 "$server"
	run "$CALL" -t futex "$ch" echo '{"still":"alive"}'
	[ "$status" -eq 0 ]
	[ "$output" = '{"still":"alive"}' ]
}
