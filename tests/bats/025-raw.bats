#!/usr/bin/env bats
# shmrpc-call --raw: bytes in from stdin, bytes out to stdout (futex).

load helpers

suite_setup() {
	SERVER=$BUILD/tests/test-server
}

@test "--raw round-trips a binary file with NUL bytes unchanged" {
	ch=$(channel_name)
	start_bg "$SERVER" -t futex -b 300000 "$ch"
	wait_channel "$ch" futex
	f=$BATS_TEST_TMPDIR/in.bin
	{ printf 'a\0b\0\0\377\376{"x":1}\n'; head -c 200000 /dev/urandom; printf '\0'; } >"$f"
	"$CALL" -t futex --raw "$ch" echo_bytes <"$f" >"$BATS_TEST_TMPDIR/out.bin"
	cmp "$f" "$BATS_TEST_TMPDIR/out.bin"
}

@test "--raw with empty input answers empty output" {
	ch=$(channel_name)
	start_bg "$SERVER" -t futex "$ch"
	wait_channel "$ch" futex
	run "$CALL" -t futex --raw "$ch" echo_bytes </dev/null
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "--raw: too big input, unknown method, JSON method, posix channel" {
	ch=$(channel_name)
	start_bg "$SERVER" -t futex -b 4096 "$ch"
	wait_channel "$ch" futex
	head -c 5000 /dev/zero >"$BATS_TEST_TMPDIR/big"
	run "$CALL" -t futex --raw "$ch" echo_bytes <"$BATS_TEST_TMPDIR/big"
	[ "$status" -eq 3 ]
	run --separate-stderr "$CALL" -t futex --raw "$ch" nosuch </dev/null
	[ "$status" -eq 1 ]
	[ "$stderr" = "RPCError: Unknown method: nosuch" ]
	run --separate-stderr "$CALL" -t futex --raw "$ch" echo </dev/null
	[ "$status" -eq 1 ]
	[ "$stderr" = "RPCError: Method echo takes JSON params, not bytes" ]
	run --separate-stderr "$CALL" -t futex "$ch" echo_bytes
	[ "$status" -eq 1 ]
	[ "$stderr" = "RPCError: Method echo_bytes takes bytes, not JSON" ]
	ch2=$(channel_name p)
	start_bg "$SERVER" -t posix "$ch2"
	wait_channel "$ch2" posix
	run "$CALL" -t posix --raw "$ch2" echo_bytes </dev/null
	[ "$status" -eq 3 ]
	[[ "$output" == *"futex"* ]]
}
