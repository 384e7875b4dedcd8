#!/usr/bin/env bats
# shmrpc-clean's text output: what another process wrote (a process name
# in a registry, a file name in /dev/shm) reaches the terminal only made
# safe (tool_vis: octal and C-style escapes; the library's default log
# sink: octal escapes), never as raw control bytes.
# Scoped with -p "$TAG", with the test's own registry.

load helpers

suite_setup() {
	SERVER=$BUILD/tests/test-server
	CLEAN=$BUILD/bin/shmrpc-clean
}

suite_teardown() {
	stop_all
	rm -f "$SHMRPC_REGISTRY" "$SHMRPC_REGISTRY".lock "$SHMRPC_REGISTRY".tmp
}

# No ESC, no other control byte but the newline ending each line, and no
# line that does not start as the tool's own lines do.
no_raw_controls() {
	if printf '%s' "$1" | LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]'; then
		echo "raw control bytes in the output:" >&2
		printf '%s\n' "$1" | od -c | head -20 >&2
		return 1
	fi
}

@test "a process name with escapes and a newline is printed escaped (-l -v, -n -v)" {
	ch=$(channel_name)
	# comm is the executable's file name: this one clears the screen and
	# breaks the line.
	evil=$BATS_TEST_TMPDIR/$'\e[2J\nx'
	cp "$SERVER" "$evil"
	"$evil" -t posix "$ch" >/dev/null 2>&1 3>&- &
	pid=$!
	echo "$pid" >>"$PIDS_FILE"
	wait_channel "$ch" posix
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true

	run "$CLEAN" -l -v -p "$TAG"
	echo "$output"
	[ "$status" -eq 0 ]
	no_raw_controls "$output"
	[[ "$output" == *'\033[2J\nx'* ]]

	run "$CLEAN" -n -v -p "$TAG"
	echo "$output"
	no_raw_controls "$output"
	[[ "$output" == *'would reap srb_'"$ch"'_req (stale: owner pid '"$pid"' (\033[2J\nx)'* ]]

	# The library's own log lines (SHMRPC_LOG) quote the name too.
	run --separate-stderr env SHMRPC_LOG=debug "$CLEAN" -p "$TAG"
	[ "$status" -eq 0 ]
	no_raw_controls "$output"
	echo "$stderr"
	no_raw_controls "$stderr"
	[[ "$stderr" == *'shmrpc: debug: reap '"$ch"': removed (stale): owner pid '"$pid"' (\033[2J\012x)'* ]]
	[ -z "$(shm_objects "$ch")" ]
}

@test "a registry entry whose process name holds escapes and C1 controls is printed escaped" {
	ch=$(channel_name)
	true &
	dead=$!
	wait "$dead"
	# As a registry another user (or a crafted file) could hold: the
	# comm has ESC, BEL, DEL and U+009B (CSI as a C1 control).  The
	# entry is otherwise one the inspection trusts (the user's own
	# registry, the channel's seven names) and one of its files exists,
	# so that the channel is listed with its owner.
	objs='"srb_'$ch'_req", "srb_'$ch'_resp", "sem.srb_'$ch'_req_empty", "sem.srb_'$ch'_req_full", "sem.srb_'$ch'_resp_empty", "sem.srb_'$ch'_resp_full", "shmrpc_posix_'$ch'"'
	(umask 077; : >"/dev/shm/srb_${ch}_req")
	(umask 077; cat >"$SHMRPC_REGISTRY") <<EOF
{"format": "shmrpc-registry", "version": 1, "channels": [
{"name": "$ch", "transport": "posix", "objects": [$objs], "buffer_size": 4096, "slots": 1, "created": "2026-01-01T00:00:00.000Z", "owner": {"pid": $dead, "start_time": 1, "uid": $(id -u), "comm": "\u001b[31m\u0007\u007f\u009bx"}, "clients": []}
]}
EOF
	run "$CLEAN" -l -v -p "$TAG"
	echo "$output"
	[ "$status" -eq 0 ]
	no_raw_controls "$output"
	[[ "$output" == *'\033[31m\a\177\302\233x'* ]]

	run "$CLEAN" -v -p "$TAG"
	echo "$output"
	no_raw_controls "$output"
	# The C1 control's two UTF-8 bytes never come out raw.
	! printf '%s' "$output" | grep -q $'\xc2\x9b'
	rm -f "/dev/shm/srb_${ch}_req"
}
