#!/usr/bin/env bats
# shmrpc-call -c/-d/-P/-j: repeated calls, figures in constant memory, and
# a summary on SIGINT as ping gives one.

load helpers

suite_setup() {
	SERVER=$BUILD/tests/test-server
}

# The summary line of a text run.
summary_re='^--- [0-9]+ calls( by [0-9]+ clients)? in [0-9.]+ s \([0-9]+/s\), [0-9]+ failed ---$'

@test "-c keeps its figures in bounded memory; SIGINT prints the summary" {
	ch=$(channel_name)
	start_bg "$SERVER" "$ch"
	wait_channel "$ch"
	out=$BATS_TEST_TMPDIR/out
	# 10^8 calls would need 800 MB if every latency were kept; the
	# address space is limited to 300 MB (not under ASan, which reserves
	# terabytes of it for its shadow; the plain build checks the limit).
	limit=300000
	[[ "${SAN:-}" == *address* ]] && limit=unlimited
	(ulimit -v "$limit"; exec "$CALL" -c 100000000 "$ch" echo n:=1) >"$out" 2>&1 3>&- &
	pid=$!
	sleep 1
	kill -INT "$pid"
	rc=0
	wait "$pid" || rc=$?
	cat "$out"
	[ "$rc" -eq 0 ]
	[ "$(sed -n 1p "$out")" = '{"n":1}' ]
	[[ "$(sed -n 2p "$out")" =~ $summary_re ]]
	[[ "$(sed -n 3p "$out")" == "latency min/median/p99/max = "* ]]
}

@test "SIGTERM prints the summary too, and -j says it was interrupted" {
	ch=$(channel_name)
	start_bg "$SERVER" "$ch"
	wait_channel "$ch"
	out=$BATS_TEST_TMPDIR/out
	"$CALL" -j --duration=60 "$ch" echo >"$out" 2>&1 3>&- &
	pid=$!
	sleep 0.5
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	cat "$out"
	[ "$rc" -eq 0 ]
	run jq -e '.interrupted == true and .calls > 0 and .failed == 0' "$out"
	[ "$status" -eq 0 ]
}

@test "-d runs for that many seconds" {
	ch=$(channel_name)
	start_bg "$SERVER" "$ch"
	wait_channel "$ch"
	run "$CALL" -j -d 0.5 "$ch" echo
	[ "$status" -eq 0 ]
	echo "$output"
	echo "$output" | jq -e '.seconds >= 0.5 and .seconds < 5 and .calls > 1'
	# With a count as well, whichever comes first.
	run "$CALL" -j -d 30 -c 50 "$ch" echo
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.calls == 50 and .seconds < 30'
}

@test "-P runs clients at once, the count shared among them" {
	ch=$(channel_name)
	start_bg "$SERVER" -n 3 "$ch"
	wait_channel "$ch"
	# Three calls of 400 ms by three clients at once: well under 1.2 s.
	run "$CALL" -j -P 3 -c 3 "$ch" sleep ms:=400
	[ "$status" -eq 0 ]
	echo "$output"
	echo "$output" | jq -e '.clients == 3 and .calls == 3 and .seconds < 1.1'
	run "$CALL" --clients=4 --count=400 "$ch" echo
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" =~ $summary_re ]]
	[[ "${lines[1]}" == "--- 400 calls by 4 clients in "* ]]
	# -P alone: one call per client.
	run "$CALL" -j -P 2 "$ch" echo
	echo "$output" | jq -e '.calls == 2'
}

@test "-j: the figures and the last result as one JSON object" {
	ch=$(channel_name)
	start_bg "$SERVER" "$ch"
	wait_channel "$ch"
	run --separate-stderr "$CALL" --json -c 100 "$ch" echo x=1
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.channel == "'"$ch"'" and .method == "echo" and
	    .calls == 100 and .failed == 0 and .clients == 1 and
	    .interrupted == false and .result == {"x":"1"} and
	    .latency_us.min <= .latency_us.median and
	    .latency_us.median <= .latency_us.p90 and
	    .latency_us.p90 <= .latency_us.p99 and
	    .latency_us.p99 <= .latency_us.p999 and
	    .latency_us.p999 <= .latency_us.max and .latency_us.mean > 0'
	# One call with -j: the same document.
	run "$CALL" -j "$ch" echo
	echo "$output" | jq -e '.calls == 1 and .result == {}'
}

@test "a failing call ends the run with the figures so far and its status" {
	ch=$(channel_name)
	start_bg "$SERVER" "$ch"
	wait_channel "$ch"
	run --separate-stderr "$CALL" -c 5 "$ch" fail message=boom
	[ "$status" -eq 1 ]
	[ "$stderr" = "ValueError: boom" ]
	[[ "${lines[0]}" == "--- 1 call in "*", 1 failed ---" ]]
	run --separate-stderr "$CALL" -j -c 5 "$ch" fail message=boom
	[ "$status" -eq 1 ]
	echo "$output" | jq -e '.failed == 1 and .error == "ValueError: boom" and .latency_us == null'
	run --separate-stderr "$CALL" -c 5 -T 0.2 "$ch" sleep ms:=500
	[ "$status" -eq 3 ]
	[[ "$stderr" == *"Timed out"* ]]
}

@test "--raw -c: the reply on stdout, the figures on stderr" {
	ch=$(channel_name)
	start_bg "$SERVER" "$ch"
	wait_channel "$ch"
	printf 'abc' >"$BATS_TEST_TMPDIR/in"
	run --separate-stderr "$CALL" --raw -c 20 "$ch" echo_bytes <"$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	[ "$output" = abc ]
	[[ "${stderr_lines[0]}" =~ $summary_re ]]
}

