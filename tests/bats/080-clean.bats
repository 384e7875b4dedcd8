#!/usr/bin/env bats
# shmrpc-clean: reaps what kill -9 leaves, and never anything alive, in
# use, followed through a link, or another user's.
#
# Every run is scoped with -p "$TAG" or -c NAME, and every test has its own
# registry (SHMRPC_REGISTRY=/dev/shm/TAG-registry.json), so nothing here can
# reap another test's or another user's objects.

load helpers

suite_setup() {
	SERVER=$BUILD/tests/test-server
	CLEAN=$BUILD/bin/shmrpc-clean
	export SHMRPC_REGISTRY=/dev/shm/${TAG}-registry.json
}

suite_teardown() {
	stop_all
	rm -f "$SHMRPC_REGISTRY".corrupt-* "$SHMRPC_REGISTRY" \
	    "$SHMRPC_REGISTRY".lock "$SHMRPC_REGISTRY".tmp
}

# leak NAME TRANSPORT: start a real server, then kill -9 it; its pid in
# $LEAK_PID.
leak() {
	"$SERVER" -t "$2" "$1" >/dev/null 2>&1 3>&- &
	LEAK_PID=$!
	wait_channel "$1" "$2"
	kill -KILL "$LEAK_PID"
	wait "$LEAK_PID" 2>/dev/null || true
	[ -n "$(shm_objects "$1")" ]
}

# hold FILE: a live process that maps FILE and registers nothing, like a
# Python shm-rpc-bridge peer; its pid in $HOLD_PID.
hold() {
	python3 -c '
import mmap, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
os.ftruncate(fd, 32)
m = mmap.mmap(fd, 32)
os.close(fd)
print("ready", flush=True)
time.sleep(600)' "$1" >"$BATS_TEST_TMPDIR/hold.out" 3>&- &
	HOLD_PID=$!
	echo "$HOLD_PID" >>"$PIDS_FILE"
	for _ in $(seq 100); do
		grep -q ready "$BATS_TEST_TMPDIR/hold.out" && return 0
		sleep 0.05
	done
	return 1
}

reap_after_kill() {
	local t=$1 dead live
	dead=$(channel_name dead)
	live=$(channel_name live)
	start_bg "$SERVER" -t "$t" "$live"
	wait_channel "$live" "$t"
	leak "$dead" "$t"
	before_live=$(shm_objects "$live")
	run "$CLEAN" -p "$TAG"
	[ "$status" -eq 0 ]
	[[ "$output" == *"reaped "*"$dead"*"(stale: owner pid $LEAK_PID"* ]]
	[[ "${lines[-1]}" == "reaped "*" object"*", 0 errors" ]]
	[ -z "$(shm_objects "$dead")" ]
	! grep -qF "\"name\": \"$dead\"" "$SHMRPC_REGISTRY"
	# The live channel in the same run is untouched and still answers.
	[ "$(shm_objects "$live")" = "$before_live" ]
	run "$CALL" -t "$t" "$live" echo '{"still":"here"}'
	[ "$status" -eq 0 ]
	[ "$output" = '{"still":"here"}' ]
}

@test "kill -9 of a posix server: its objects and entry are reaped, a live one is not" {
	reap_after_kill posix
}

@test "kill -9 of a futex server: its objects and entry are reaped, a live one is not" {
	reap_after_kill futex
}

@test "--dry-run changes nothing and says what it would do" {
	dead=$(channel_name)
	leak "$dead" posix
	: >"/dev/shm/srb_$(channel_name orphan)_req"
	# Spaces squeezed: ls pads its columns to the widest entry of all of
	# /dev/shm, where other tests make and remove files meanwhile.
	before=$(ls -li /dev/shm | grep -F "$TAG" | tr -s ' ')
	reg=$(cat "$SHMRPC_REGISTRY")
	run "$CLEAN" -n -g 0 -p "$TAG"
	[ "$status" -eq 0 ]
	[[ "$output" == *"would reap srb_${dead}_req (stale:"* ]]
	[[ "$output" == *"would reap srb_$(channel_name orphan)_req (orphan:"* ]]
	# The dead channel's seven objects (the seed's six and its own
	# segment) and the orphan.
	[[ "${lines[-1]}" == "would reap 8 objects"* ]]
	[ "$(ls -li /dev/shm | grep -F "$TAG" | tr -s ' ')" = "$before" ]
	[ "$(cat "$SHMRPC_REGISTRY")" = "$reg" ]
	run "$CLEAN" --dry-run --json -g 0 -p "$TAG"
	[ "$status" -eq 0 ]
	after=$(ls -li /dev/shm | grep -F "$TAG" | tr -s ' ')
	diff <(echo "$before") <(echo "$after")
	run "$CLEAN" -q -g 0 -p "$TAG"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$(shm_objects "$TAG" | grep -v registry)" ]
}

@test "-c reaps only the named channel" {
	a=$(channel_name a)
	b=$(channel_name b)
	leak "$a" posix
	leak "$b" posix
	run "$CLEAN" -c "$a"
	[ "$status" -eq 0 ]
	[ -z "$(shm_objects "$a")" ]
	[ -n "$(shm_objects "$b")" ]
	run "$CLEAN" --channel "$b"
	[ "$status" -eq 0 ]
	[ -z "$(shm_objects "$b")" ]
}

@test "a symlink named like our objects is not followed; its target survives" {
	target=$BATS_TEST_TMPDIR/precious
	echo keep >"$target"
	link=/dev/shm/srb_$(channel_name link)_req
	ln -s "$target" "$link"
	touch -h -d '1 day ago' "$link"
	run "$CLEAN" -v -g 0 -p "$TAG"
	[ "$status" -eq 0 ]
	[[ "$output" == *"left alone srb_$(channel_name link)_req (unknown: not a regular file"* ]]
	[ -L "$link" ]
	[ "$(cat "$target")" = keep ]
	rm -f "$link"
}

@test "an object mapped by a live unregistered process is not reaped" {
	ch=$(channel_name)
	f=/dev/shm/sem.srb_${ch}_req_empty
	hold "$f"
	run "$CLEAN" -v -g 0 -p "$TAG"
	[ "$status" -eq 0 ]
	[[ "$output" == *"left alone sem.srb_${ch}_req_empty (in-use: unregistered, in use by pid $HOLD_PID"* ]]
	[ -e "$f" ]
	run "$CLEAN" -l -p "$TAG"
	[[ "$output" == *"in-use"*"sem.srb_${ch}_req_empty"*" $HOLD_PID"* ]]
	stop_pid "$HOLD_PID"
	wait "$HOLD_PID" 2>/dev/null || true
	run "$CLEAN" -g 0 -c "$ch"
	[ "$status" -eq 0 ]
	[ ! -e "$f" ]
}

@test "another user's object is reported, not reaped, exit 1" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to create a file as nobody"
	ch=$(channel_name)
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    sh -c ": > /dev/shm/srb_${ch}_req"
	run "$CLEAN" -g 0 -p "$TAG"
	[ "$status" -eq 1 ]
	[[ "$output" == *"srb_${ch}_req is owned by uid $(id -u nobody)"*"(shmrpc-clean -a)"* ]]
	[ -e "/dev/shm/srb_${ch}_req" ]
	run "$CLEAN" -j -g 0 -p "$TAG"
	[ "$status" -eq 1 ]
	echo "$output" | jq -e '.summary.errors == 1 and .errors[0].name != null'
	[ -e "/dev/shm/srb_${ch}_req" ]
	# Root may, when asked for all users.
	run "$CLEAN" -a -g 0 -p "$TAG"
	[ "$status" -eq 0 ]
	[ ! -e "/dev/shm/srb_${ch}_req" ]
}

@test "a registered pid that is alive with another start time counts as dead" {
	ch=$(channel_name)
	leak "$ch" posix
	# Make the entry name a live pid (this shell) with a start time that
	# is not its own: a reused pid.
	sed -i -E "s/\"pid\": $LEAK_PID, \"start_time\": [0-9]+/\"pid\": $$, \"start_time\": 1/" \
	    "$SHMRPC_REGISTRY"
	grep -qF "\"pid\": $$, \"start_time\": 1" "$SHMRPC_REGISTRY"
	run "$CLEAN" -l -c "$ch"
	[[ "$output" == *"stale "*"srb_${ch}_req"*" $$ "* ]]
	run "$CLEAN" -c "$ch"
	[ "$status" -eq 0 ]
	[ -z "$(shm_objects "$ch")" ]
}

@test "an orphan younger than the grace is kept, older is reaped" {
	ch=$(channel_name)
	: >"/dev/shm/srb_${ch}_resp"
	run "$CLEAN" -v -g 100000 -p "$TAG"
	[ "$status" -eq 0 ]
	[[ "$output" == *"left alone srb_${ch}_resp (recent:"* ]]
	[ -e "/dev/shm/srb_${ch}_resp" ]
	# Default grace: a just-made file is kept too.
	run "$CLEAN" -p "$TAG"
	[ "$status" -eq 0 ]
	[ -e "/dev/shm/srb_${ch}_resp" ]
	run "$CLEAN" -g 0 -p "$TAG"
	[ "$status" -eq 0 ]
	[[ "$output" == *"reaped srb_${ch}_resp (orphan:"* ]]
	[ ! -e "/dev/shm/srb_${ch}_resp" ]
}

@test "JSON output parses with jq, numbers as numbers" {
	live=$(channel_name live)
	dead=$(channel_name dead)
	start_bg "$SERVER" -t posix "$live"
	wait_channel "$live" posix
	leak "$dead" posix
	run "$CLEAN" -l -j -p "$TAG"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e --arg l "$live" --argjson p "$BG_PID" '
	    (.channels[] | select(.name == $l) | .state == "live" and
	     .owner_pid == $p and (.objects[0].size_bytes | type) == "number" and
	     (.objects[0].mappers | index($p)) != null)'
	echo "$output" | jq -e --arg d "$dead" '
	    .channels[] | select(.name == $d) | .state == "stale" and
	    .owner_alive == false and (.age_seconds | type) == "number"'
	# The seed's six objects and our own segment of a posix channel.
	run "$CLEAN" --json -p "$TAG"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.summary.reaped == 7 and .summary.errors == 0 and
	    .dry_run == false and (.reaped | length) == 7 and
	    (.reaped[0].size_bytes | type) == "number" and
	    (.summary.size_bytes | type) == "number" and
	    (.left_alone | length) == 7'
}

@test "exit status: 0 when there is nothing to do, 2 on usage errors" {
	run "$CLEAN" -p "$TAG"
	[ "$status" -eq 0 ]
	[ "$output" = "reaped 0 objects (0 bytes), left 0 alone, 0 errors" ]
	run "$CLEAN" -p "$TAG" --bogus
	[ "$status" -eq 2 ]
	[[ "$output" == *"usage: shmrpc-clean [-ajnqv]"* ]]
	run "$CLEAN" -p "$TAG" extra-argument
	[ "$status" -eq 2 ]
	run "$CLEAN" -p "$TAG" -g -1
	[ "$status" -eq 2 ]
	[[ "$output" == *"grace is too small"* ]]
	run "$CLEAN" -p "$TAG" -g soon
	[ "$status" -eq 2 ]
	run "$CLEAN" -c 'no/slash'
	[ "$status" -eq 2 ]
	run "$CLEAN" -p ''
	[ "$status" -eq 2 ]
	run "$CLEAN" -h
	[ "$status" -eq 0 ]
	[[ "$output" == "usage: shmrpc-clean"* ]]
	run "$CLEAN" -V
	[ "$status" -eq 0 ]
	[[ "$output" == "shmrpc-clean "* ]]
	if [ "$(id -u)" -eq 0 ] && runuser -u nobody -- test -x "$CLEAN"; then
		run runuser -u nobody -- "$CLEAN" -a -p "$TAG"
		[ "$status" -eq 2 ]
		[[ "$output" == *"needs root"* ]]
	fi
}
