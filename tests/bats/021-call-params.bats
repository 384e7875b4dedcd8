#!/usr/bin/env bats
# shmrpc-call's params: one JSON object, '-' for standard input, or named
# parameters as HTTPie takes them; and messages that say what to type.

load helpers

suite_setup() {
	SERVER=$BUILD/tests/test-server
}

@test "name=text is a string, name:=json any JSON value" {
	ch=$(channel_name)
	start_bg "$SERVER" "$ch"
	wait_channel "$ch"
	run "$CALL" "$ch" echo a=1 'b:=2' 's=x=y' 'l:=[1,{"k":null}]' 'e=' 't:=true'
	[ "$status" -eq 0 ]
	[ "$output" = '{"a":"1","b":2,"s":"x=y","l":[1,{"k":null}],"e":"","t":true}' ]
	# A JSON object stays one argument, '=' inside it or not.
	run "$CALL" "$ch" echo '{"a=b":1}'
	[ "$status" -eq 0 ]
	[ "$output" = '{"a=b":1}' ]
}

@test "- reads the params object from standard input" {
	ch=$(channel_name)
	start_bg "$SERVER" "$ch"
	wait_channel "$ch"
	run "$CALL" "$ch" echo - <<<'{"from": "stdin", "n": [1, 2]}'
	[ "$status" -eq 0 ]
	[ "$output" = '{"from":"stdin","n":[1,2]}' ]
	run "$CALL" "$ch" echo - <<<'[1]'
	[ "$status" -eq 2 ]
	[[ "$output" == *"params must be a JSON object, not an array (on standard input)"* ]]
	run "$CALL" "$ch" echo - a=1 </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"'-' (params from standard input) must be the only params argument"* ]]
}

@test "a value that is not an object: says so and shows what to type" {
	run "$CALL" ch add 42
	[ "$status" -eq 2 ]
	[[ "$output" != *"not valid JSON"* ]]
	[[ "$output" == *"params must be a JSON object, not a number: name the value, as in x:=42, or give an object such as '{\"x\":42}'"* ]]
	run "$CALL" ch add '"text"'
	[ "$status" -eq 2 ]
	[[ "$output" == *"not a string"* ]]
	run "$CALL" ch add hello
	[ "$status" -eq 2 ]
	[[ "$output" == *"'hello' is not a parameter: give name=text (a string), name:=json (any JSON value) or one JSON object"* ]]
}

@test "mistakes in named parameters are named exactly" {
	run "$CALL" ch m 'a:=[1,'
	[ "$status" -eq 2 ]
	[[ "$output" == *"'a:=[1,': the value after ':=' is not valid JSON"*"for a string use '=': a=text"* ]]
	run "$CALL" ch m a=1 a:=2
	[ "$status" -eq 2 ]
	[[ "$output" == *"parameter 'a' is given twice"* ]]
	run "$CALL" ch m =1
	[ "$status" -eq 2 ]
	[[ "$output" == *"'=1' has no name before '='"* ]]
	run "$CALL" ch m a=1 '{"b":2}'
	[ "$status" -eq 2 ]
	[[ "$output" == *"a JSON object must be the only params argument"* ]]
	run "$CALL" ch m $'a=\xff'
	[ "$status" -eq 2 ]
	[[ "$output" == *"is not valid UTF-8"* ]]
}
