#!/usr/bin/env bats
# What a server sends reaches a terminal harmless: error texts and raw
# replies through strvis(3) escapes, JSON results with \u escapes for what
# a terminal acts on.  Into a pipe it goes unchanged.  script(1) gives the
# tool a terminal.

load helpers

suite_setup() {
	SERVER=$BUILD/tests/test-server
}

# on_tty CMD...: run CMD with stdin, stdout and stderr on a terminal.
on_tty() {
	run script -qec "$(printf '%q ' "$@")" /dev/null
}

@test "a remote error text with escape sequences is escaped on a terminal" {
	ch=$(channel_name)
	start_bg "$SERVER" "$ch"
	wait_channel "$ch"
	on_tty "$CALL" "$ch" fail 'message:="red\u001b[31m bell\u0007"'
	[ "$status" -eq 1 ]
	[[ "$output" != *$'\e'* ]]
	[[ "$output" != *$'\a'* ]]
	[[ "$output" == *'ValueError: red\033[31m bell\a'* ]]
	# Into a pipe, the text is what the server sent.
	run --separate-stderr "$CALL" "$ch" fail 'message:="x\u001by"'
	[ "$stderr" = $'ValueError: x\ey' ]
}

@test "a JSON result with C1 and bidi controls is escaped on a terminal" {
	ch=$(channel_name)
	start_bg "$SERVER" "$ch"
	wait_channel "$ch"
	on_tty "$CALL" "$ch" echo 's:="a\u009b2Jb\u202ec\u00e9\u007f"'
	[ "$status" -eq 0 ]
	[[ "$output" == *'{"s":"a\u009b2Jb\u202ec'$'\u00e9''\u007f"}'* ]]
	run "$CALL" "$ch" echo 's:="a\u009bb"'
	[ "$output" = '{"s":"a'$'\u009b''b"}' ]
}

@test "raw reply bytes are escaped on a terminal, unchanged into a pipe" {
	ch=$(channel_name)
	start_bg "$SERVER" "$ch"
	wait_channel "$ch"
	printf 'x\033]0;title\007y' >"$BATS_TEST_TMPDIR/in"
	run script -qec "$CALL --raw $ch echo_bytes <$BATS_TEST_TMPDIR/in" /dev/null
	[ "$status" -eq 0 ]
	[[ "$output" != *$'\e'* ]]
	[[ "$output" == *'x\033]0;title\ay'* ]]
	"$CALL" --raw "$ch" echo_bytes <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out"
	cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
}
