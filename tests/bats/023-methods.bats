#!/usr/bin/env bats
# Introspection: the built-in __methods__, shmrpc-call -l, and the names
# the shell completions get.

load helpers

suite_setup() {
	SERVER=$BUILD/tests/test-server
	PY=$(command -v python3)
}

@test "__methods__ answers every method, marked json, bytes or builtin" {
	ch=$(channel_name)
	start_bg "$SERVER" "$ch"
	wait_channel "$ch"
	run "$CALL" "$ch" __methods__
	[ "$status" -eq 0 ]
	[ "$output" = '[{"name":"echo","kind":"json"},{"name":"sleep","kind":"json"},{"name":"fail","kind":"json"},{"name":"big","kind":"json"},{"name":"pid","kind":"json"},{"name":"echo_bytes","kind":"bytes"},{"name":"__running__","kind":"builtin"},{"name":"__methods__","kind":"builtin"}]' ]
}

@test "shmrpc-call -l lists the methods, -l -j as the server sent them" {
	ch=$(channel_name)
	start_bg "$EXDIR/calculator-server" "$ch"
	wait_channel "$ch"
	run --separate-stderr "$CALL" -l "$ch"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "add         json" ]
	[ "${lines[3]}" = "divide      json" ]
	[ "${lines[4]}" = "__running__ builtin" ]
	[ "${lines[5]}" = "__methods__ builtin" ]
	[ "${#lines[@]}" -eq 6 ]
	run --separate-stderr "$CALL" --list --json "$ch"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '.[] | select(.kind == "json") | .name' | tr '\n' ' ')" = "add subtract multiply divide " ]
	run "$CALL" -l "$(channel_name none)"
	[ "$status" -eq 3 ]
}

@test "a seed server does not list its methods, and -l says so plainly" {
	ch=$(channel_name)
	start_bg "$PY" "$SEED_PEER" server "$ch"
	wait_ready "$BG_OUT"
	run --separate-stderr "$CALL" -t posix -l "$ch"
	[ "$status" -eq 1 ]
	[ "$stderr" = "shmrpc-call: $ch: this server does not list its methods (a shm-rpc-bridge 0.2.2 server?)" ]
	[ -z "$output" ]
}

@test "--complete-channels prints the registry's channel names" {
	ch=$(channel_name)
	start_bg "$SERVER" "$ch"
	wait_channel "$ch"
	run "$CALL" --complete-channels
	[ "$status" -eq 0 ]
	[ "$output" = "$ch" ]
}
