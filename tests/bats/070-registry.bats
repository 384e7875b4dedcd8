#!/usr/bin/env bats
# The registry of channels: what a crash leaves, restart without a tool,
# the states the inspection API reports, a damaged registry.
#
# Each test has its own registry (SHMRPC_REGISTRY=/dev/shm/TAG-registry.json)
# except the one that checks the default path.

load helpers

suite_setup() {
	SERVER=$BUILD/tests/test-server
	DUMP=$BUILD/tests/inspect-dump
	export SHMRPC_REGISTRY=/dev/shm/${TAG}-registry.json
	# These tests plant and look for the posix transport's object names;
	# tests of the futex transport say -t futex.
	export SHMRPC_TRANSPORT=posix
}

suite_teardown() {
	stop_all
	# Set-aside registries are made on purpose; a rebuilt registry may
	# list other users' in-use channels of this host.
	rm -f "$SHMRPC_REGISTRY".corrupt-* "$SHMRPC_REGISTRY" \
	    "$SHMRPC_REGISTRY".lock "$SHMRPC_REGISTRY".tmp
}

restart_after_kill() {
	local t=$1 ch pid
	ch=$(channel_name "$t")
	"$SERVER" -t "$t" "$ch" >/dev/null 2>&1 3>&- &
	pid=$!
	wait_channel "$ch" "$t"
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
	# cat shows the entry with the dead pid.
	run cat "$SHMRPC_REGISTRY"
	[[ "$output" == *"\"name\": \"$ch\""* ]]
	[[ "$output" == *"\"pid\": $pid,"* ]]
	run "$DUMP" -c "$ch"
	[[ "$output" == "channel $ch $t stale owner=$pid alive=0"* ]]
	# Starting it again just works, and says what it reclaimed.
	SHMRPC_LOG=warn start_bg "$SERVER" -t "$t" "$ch"
	wait_ready "$BG_OUT"
	wait_channel "$ch" "$t"
	grep -q "reclaimed" "$BG_OUT"
	grep -q "pid $pid" "$BG_OUT"
	run "$DUMP" -c "$ch"
	[[ "$output" == "channel $ch $t live owner=$BG_PID alive=1"* ]]
	stop_all
	[ -z "$(shm_objects "$ch")" ]
}

@test "kill -9 of a posix server: registry keeps the dead pid, restart just works" {
	restart_after_kill posix
}

@test "kill -9 of a futex server: registry keeps the dead pid, restart just works" {
	restart_after_kill futex
}

restart_with_waiting_client() {
	local t=$1
	ch=$(channel_name)
	"$SERVER" -t "$t" "$ch" >/dev/null 2>&1 3>&- &
	pid=$!
	wait_channel "$ch" "$t"
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
	# A client polls for the channel while the server is down...
	"$CALL" -t "$t" -w 20 "$ch" echo '{"back":true}' >"$BATS_TEST_TMPDIR/call.out" 2>&1 3>&- &
	cpid=$!
	sleep 0.5
	# ...and the restart still reclaims it; the client then gets through.
	start_bg "$SERVER" -t "$t" "$ch"
	wait_ready "$BG_OUT"
	wait "$cpid"
	[ "$(cat "$BATS_TEST_TMPDIR/call.out")" = '{"back":true}' ]
}

@test "posix: clients waiting through a crash do not block the restart" {
	restart_with_waiting_client posix
}

@test "futex: clients waiting through a crash do not block the restart" {
	restart_with_waiting_client futex
}

@test "a second server on a live channel fails with 'in use' naming the pid" {
	ch=$(channel_name)
	start_bg "$SERVER" "$ch"
	wait_channel "$ch"
	run timeout 20 "$SERVER" "$ch"
	[ "$status" -eq 1 ]
	[[ "$output" == *"in use"* ]]
	[[ "$output" == *"pid $BG_PID"* ]]
	run "$CALL" "$ch" __running__
	[ "$output" = "true" ]
}

@test "without SHMRPC_REGISTRY the per-user default path is used" {
	unset SHMRPC_REGISTRY
	reg=/dev/shm/shmrpc-registry-$(id -u).json
	ch=$(channel_name)
	start_bg "$SERVER" "$ch"
	wait_channel "$ch"
	grep -qF "\"name\": \"$ch\"" "$reg"
	[ "$(stat -c %a "$reg")" = 600 ]
	jq -e '.format == "shmrpc-registry" and .version == 2' "$reg"
	stop_all
	if [ -e "$reg" ]; then
		! grep -qF "\"name\": \"$ch\"" "$reg"
	fi
}

@test "objects mapped by a live unregistered process are never taken over" {
	ch=$(channel_name)
	f=/dev/shm/sem.srb_${ch}_req_empty
	# Like a Python shm-rpc-bridge peer: maps the object, registers nothing.
	python3 -c '
import mmap, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
os.ftruncate(fd, 32)
m = mmap.mmap(fd, 32)
os.close(fd)
print("ready", flush=True)
time.sleep(600)' "$f" >"$BATS_TEST_TMPDIR/py.out" 3>&- &
	py=$!
	echo "$py" >>"$PIDS_FILE"
	for _ in $(seq 100); do grep -q ready "$BATS_TEST_TMPDIR/py.out" && break; sleep 0.05; done
	run "$DUMP" -g 0 -x "$ch"
	[[ "$output" == "object sem.srb_${ch}_req_empty $ch in-use uid=$(id -u) mappers=$py |"* ]]
	run timeout 20 "$SERVER" -t posix "$ch"
	[ "$status" -eq 1 ]
	[[ "$output" == *"in use"*"pid $py"* ]]
	[ -e "$f" ]
	run "$DUMP" -g 0 -r "$ch"
	[ "$status" -eq 1 ]
	[[ "$output" == *"in-use"* ]]
	[ -e "$f" ]
	stop_pid "$py"
	wait "$py" 2>/dev/null || true
	# Its user is gone: an orphan once past the grace period.
	run "$DUMP" -x "$ch"
	[[ "$output" == *" recent "* ]]
	run "$DUMP" -g 0 -r "$ch"
	[ "$status" -eq 0 ]
	[ ! -e "$f" ]
}

@test "a registry writer killed with -9 mid-update leaves everything working" {
	victim=$(channel_name victim)
	ch=$(channel_name)
	SHMRPC_TEST_REGISTRY_STALL=60 "$SERVER" "$victim" >/dev/null 2>&1 3>&- &
	pid=$!
	echo "$pid" >>"$PIDS_FILE"
	for _ in $(seq 200); do [ -e "$SHMRPC_REGISTRY.tmp" ] && break; sleep 0.05; done
	[ -e "$SHMRPC_REGISTRY.tmp" ]
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
	start_bg "$SERVER" "$ch"
	wait_channel "$ch"
	jq -e --arg ch "$ch" '[.channels[] | select(.name == $ch)] | length == 1' "$SHMRPC_REGISTRY"
	[ ! -e "$SHMRPC_REGISTRY.tmp" ]
	# The victim never got registered: its objects are loose.
	run "$DUMP" -g 0 -x "$victim"
	[[ "$output" == *"object srb_${victim}_req $victim orphan"* ]]
	# The seed's six objects and the posix channel's own segment.
	run "$DUMP" -g 0 -r "$victim"
	[ "$status" -eq 0 ]
	[[ "$output" == "code=0 removed=7 "* ]]
}

@test "a corrupt registry is reported, set aside and rebuilt" {
	ch=$(channel_name one)
	start_bg "$SERVER" "$ch"
	wait_channel "$ch"
	printf '{"format": "shmrpc-registry", "version": 1, "chan' >"$SHMRPC_REGISTRY"
	run "$DUMP" -x "$ch"
	[[ "$output" == *"warning registry $SHMRPC_REGISTRY was damaged (it is truncated): set aside as"* ]]
	# Rebuilt from who maps what: the live server is listed again.
	[[ "$output" == *"channel $ch posix live owner=$BG_PID"* ]]
	ls "$SHMRPC_REGISTRY".corrupt-*
	jq -e --arg ch "$ch" '.channels[] | select(.name == $ch) | .rebuilt' "$SHMRPC_REGISTRY"
	# A server still starts and stops with it.
	ch2=$(channel_name two)
	start_bg "$SERVER" "$ch2"
	wait_channel "$ch2"
	stop_all
	[ -z "$(shm_objects "$ch")" ]
}

@test "a registry of a newer format version is left as it is; the server runs unregistered and says why" {
	printf '{"format": "shmrpc-registry", "version": 9, "channels": [\n]}\n' >"$SHMRPC_REGISTRY"
	ch=$(channel_name)
	SHMRPC_LOG=warn start_bg "$SERVER" "$ch"
	wait_channel "$ch"
	grep -q "format version 9" "$BG_OUT"
	! ls "$SHMRPC_REGISTRY".corrupt-* 2>/dev/null
	jq -e '.version == 9' "$SHMRPC_REGISTRY"
}

@test "a registry of an older, unknown format version is set aside, not trusted" {
	printf '{"format": "shmrpc-registry", "version": 0, "channels": [\n]}\n' >"$SHMRPC_REGISTRY"
	ch=$(channel_name)
	SHMRPC_LOG=warn start_bg "$SERVER" "$ch"
	wait_channel "$ch"
	grep -q "format version 0" "$BG_OUT"
	ls "$SHMRPC_REGISTRY".corrupt-*
	jq -e '.version == 2' "$SHMRPC_REGISTRY"
}

@test "inspection reports live, stale, orphan and unknown" {
	live=$(channel_name live)
	dead=$(channel_name dead)
	start_bg "$SERVER" "$live"
	wait_channel "$live"
	"$SERVER" "$dead" >/dev/null 2>&1 3>&- &
	pid=$!
	wait_channel "$dead"
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
	: >"/dev/shm/srb_$(channel_name orphan)_req"
	ln -s /etc/passwd "/dev/shm/srb_$(channel_name link)_req"
	run "$DUMP" -g 0 -x "$TAG"
	[[ "$output" == *"channel $live posix live owner=$BG_PID alive=1 mappers=$BG_PID |"* ]]
	[[ "$output" == *"channel $dead posix stale owner=$pid alive=0 mappers=- |"* ]]
	[[ "$output" == *"object srb_$(channel_name orphan)_req $(channel_name orphan) orphan "* ]]
	[[ "$output" == *"object srb_$(channel_name link)_req $(channel_name link) unknown "* ]]
	# Reaping takes the stale and the orphan, leaves the rest.
	run "$DUMP" -g 0 -r "$dead"
	[ "$status" -eq 0 ]
	run "$DUMP" -g 0 -r "$live"
	[ "$status" -eq 1 ]
	run "$DUMP" -g 0 -R "srb_$(channel_name link)_req"
	[ "$status" -eq 1 ]
	[[ "$output" == *"not a regular file"* ]]
	[ -L "/dev/shm/srb_$(channel_name link)_req" ]
	rm -f "/dev/shm/srb_$(channel_name link)_req"
	run "$DUMP" -g 0 -R "srb_$(channel_name orphan)_req"
	[ "$status" -eq 0 ]
	[ -z "$(shm_objects "$dead")" ]
}

@test "another user's objects are never reaped" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to create a file as nobody"
	ch=$(channel_name)
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    sh -c ": > /dev/shm/srb_${ch}_req"
	run "$DUMP" -g 0 -R "srb_${ch}_req"
	[ "$status" -eq 1 ]
	[[ "$output" == *"owned by uid $(id -u nobody)"* ]]
	[ -e "/dev/shm/srb_${ch}_req" ]
	rm -f "/dev/shm/srb_${ch}_req"
}

@test "inspection carries a live futex channel's counters and clients" {
	ch=$(channel_name)
	start_bg "$SERVER" -t futex "$ch"
	wait_channel "$ch" futex
	run "$CALL" -t futex -c 300 "$ch" echo '{"n":1}'
	[ "$status" -eq 0 ]
	# A client that holds its slot while we look.
	start_bg "$CALL" -t futex "$ch" sleep '{"ms":3000}'
	for _ in $(seq 50); do
		run "$DUMP" -c "$ch"
		[[ "$output" == *"clients=1"* ]] && break
		sleep 0.1
	done
	[[ "$output" == *"channel $ch futex live"* ]]
	[[ "$output" =~ counters\ $ch\ calls=30[0-9]\ clients=1 ]]
}
