#!/usr/bin/env bats
# shmrpc-call: output and every exit status.

load helpers

suite_setup() {
	SERVER=$BUILD/tests/test-server
}

@test "prints the result as JSON and exits 0" {
	ch=$(channel_name)
	start_bg "$SERVER" "$ch"
	wait_channel "$ch"
	run "$CALL" "$ch" echo '{"a":[1,2,{"b":"\u00e9"}],"n":null}'
	[ "$status" -eq 0 ]
	[ "$output" = '{"a":[1,2,{"b":"é"}],"n":null}' ]
	run "$CALL" "$ch" __running__
	[ "$status" -eq 0 ]
	[ "$output" = "true" ]
}

@test "params default to an empty object" {
	ch=$(channel_name)
	start_bg "$SERVER" "$ch"
	wait_channel "$ch"
	run "$CALL" "$ch" echo
	[ "$status" -eq 0 ]
	[ "$output" = "{}" ]
}

@test "exit 1 with the remote error text on stderr when the method fails" {
	ch=$(channel_name)
	start_bg "$SERVER" "$ch"
	wait_channel "$ch"
	run --separate-stderr "$CALL" "$ch" fail '{"message":"bad thing"}'
	[ "$status" -eq 1 ]
	[ "$stderr" = "ValueError: bad thing" ]
	[ -z "$output" ]
	run --separate-stderr "$CALL" "$ch" nosuch
	[ "$status" -eq 1 ]
	[ "$stderr" = "RPCError: Unknown method: nosuch" ]
}

@test "exit 2 on usage errors" {
	run "$CALL"
	[ "$status" -eq 2 ]
	[[ "$output" == usage:* ]]
	run "$CALL" onlychannel
	[ "$status" -eq 2 ]
	run "$CALL" -t carrier-pigeon ch m
	[ "$status" -eq 2 ]
	run "$CALL" -c 0 ch m
	[ "$status" -eq 2 ]
	run "$CALL" -c abc ch m
	[ "$status" -eq 2 ]
	run "$CALL" -b 3 ch m
	[ "$status" -eq 2 ]
	run "$CALL" -T -1 ch m
	[ "$status" -eq 2 ]
	run "$CALL" ch m '{"unterminated":'
	[ "$status" -eq 2 ]
	[[ "$output" == *"not valid JSON"* ]]
	run "$CALL" -P 0 ch m
	[ "$status" -eq 2 ]
	run "$CALL" -d 0 ch m
	[ "$status" -eq 2 ]
	run "$CALL" -l ch m
	[ "$status" -eq 2 ]
	run "$CALL" -l -c 3 ch
	[ "$status" -eq 2 ]
	run "$CALL" ch m '[1,2]'
	[ "$status" -eq 2 ]
	[[ "$output" == *"must be a JSON object"* ]]
	run "$CALL" 'bad/name' m
	[ "$status" -eq 2 ]
	[[ "$output" == *"invalid channel name"* ]]
	run "$CALL" --bogus
	[ "$status" -eq 2 ]
}

@test "--help and --version" {
	run "$CALL" --version
	[ "$status" -eq 0 ]
	[[ "$output" == "shmrpc-call "[0-9]* ]]
	run "$CALL" -V
	[ "$status" -eq 0 ]
	[[ "$output" == "shmrpc-call "[0-9]* ]]
	run --separate-stderr "$CALL" --help
	[ "$status" -eq 0 ]
	[[ "$output" == usage:* ]]
	[ -z "$stderr" ]
	help=$output
	run --separate-stderr "$CALL" -h
	[ "$status" -eq 0 ]
	[ "$output" = "$help" ]
}

@test "exit 3 when the channel does not exist" {
	ch=$(channel_name)
	run "$CALL" "$ch" echo
	[ "$status" -eq 3 ]
	[[ "$output" == *"No such channel"* ]]
}

@test "-w waits for a server that starts late" {
	ch=$(channel_name)
	(sleep 0.5; exec "$SERVER" "$ch") >/dev/null 2>&1 3>&- &
	echo $! >>"$PIDS_FILE"
	run "$CALL" -w 5 "$ch" echo '{"x":1}'
	[ "$status" -eq 0 ]
	[ "$output" = '{"x":1}' ]
}

@test "exit 3 on timeout, and the late reply is not taken by the next call" {
	ch=$(channel_name)
	start_bg "$SERVER" "$ch"
	wait_channel "$ch"
	run "$CALL" -T 0.2 "$ch" sleep '{"ms":600}'
	[ "$status" -eq 3 ]
	[[ "$output" == *"Timed out"* ]]
	run "$CALL" -T 5 "$ch" echo '{"after":"timeout"}'
	[ "$status" -eq 0 ]
	[ "$output" = '{"after":"timeout"}' ]
}

@test "exit 3 when the request is larger than the buffer" {
	ch=$(channel_name)
	start_bg "$SERVER" -b 256 "$ch"
	wait_channel "$ch"
	big=$(printf '%0300d' 0)
	run "$CALL" "$ch" echo "{\"s\":\"$big\"}"
	[ "$status" -eq 3 ]
	[[ "$output" == *"does not fit"* ]]
	# The channel still works afterwards.
	run "$CALL" "$ch" echo '{"s":"small"}'
	[ "$status" -eq 0 ]
}

@test "a result too big for the buffer comes back as a method error" {
	ch=$(channel_name)
	start_bg "$SERVER" -b 512 "$ch"
	wait_channel "$ch"
	run --separate-stderr "$CALL" "$ch" big '{"bytes":2000}'
	[ "$status" -eq 1 ]
	[[ "$stderr" == "RPCError: Response too large"* ]]
	run "$CALL" "$ch" big '{"bytes":10}'
	[ "$output" = '"xxxxxxxxxx"' ]
}

@test "-c COUNT repeats the call and prints latency statistics" {
	ch=$(channel_name)
	start_bg "$SERVER" "$ch"
	wait_channel "$ch"
	run "$CALL" -c 200 "$ch" echo '{"k":1}'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '{"k":1}' ]
	[[ "${lines[1]}" =~ ^---\ 200\ calls\ in\ [0-9.]+\ s\ \([0-9]+/s\),\ 0\ failed\ ---$ ]]
	[[ "${lines[2]}" =~ ^latency\ min/median/p99/max\ =\ [0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+\ us$ ]]
	run "$CALL" --count=1 "$ch" echo
	[ "$status" -eq 0 ]
	[ "${lines[1]}" != "${lines[1]#--- 1 call in }" ]
}
