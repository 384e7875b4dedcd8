#!/usr/bin/env bats
# The futex transport (the default on Linux): its one /dev/shm file, the
# examples and shmrpc-call on both transports, many clients on one channel,
# a server in several threads, layout checks, a full channel.

load helpers

suite_setup() {
	SERVER=$BUILD/tests/test-server
	STRESS=$BUILD/tests/stress-client
	STATS=$BUILD/tests/futex-stats
}

# wait_for CMD...: retry CMD for up to 10 s.
wait_for() {
	for _ in $(seq 200); do
		"$@" && return 0
		sleep 0.05
	done
	echo "timed out waiting for: $*" >&2
	return 1
}

in_use_is() {
	"$STATS" "$1" | head -1 | grep -q " in_use=$2 "
}

@test "a futex channel is one file, shmrpc_futex_NAME, removed on SIGTERM" {
	ch=$(channel_name)
	"$EXDIR/calculator-server" "$ch" >/dev/null 3>&- &
	pid=$!
	wait_channel "$ch"
	[ "$(shm_objects "$ch")" = "shmrpc_futex_$ch" ]
	[ "$(stat -c %a "/dev/shm/shmrpc_futex_$ch")" = 600 ]
	kill -TERM "$pid"
	wait "$pid"
	[ -z "$(shm_objects "$ch")" ]
}

@test "calculator example on both transports" {
	for t in futex posix; do
		ch=$(channel_name "$t")
		start_bg "$EXDIR/calculator-server" -t "$t" "$ch"
		wait_channel "$ch" "$t"
		run "$EXDIR/calculator-client" -t "$t" "$ch"
		[ "$status" -eq 0 ]
		[[ "$output" == *"add(5, 3) = 8"* ]]
		[[ "$output" == *"divide(1, 0) -> error: ZeroDivisionError: division by zero"* ]]
	done
}

@test "shmrpc-call on both transports; SHMRPC_TRANSPORT, else the channel found, picks" {
	for t in futex posix; do
		ch=$(channel_name "$t")
		start_bg "$SERVER" -t "$t" "$ch"
		wait_channel "$ch" "$t"
		run "$CALL" -t "$t" "$ch" echo '{"t":"x"}'
		[ "$status" -eq 0 ]
		[ "$output" = '{"t":"x"}' ]
		run env SHMRPC_TRANSPORT="$t" "$CALL" -c 50 "$ch" __running__
		[ "$status" -eq 0 ]
		[ "${lines[0]}" = true ]
	done
	# Unset, a client takes the channel that is there, posix too ...
	run env -u SHMRPC_TRANSPORT "$CALL" "$(channel_name posix)" echo '{"u":1}'
	[ "$status" -eq 0 ]
	[ "$output" = '{"u":1}' ]
	# ... but a transport it is told is the one it uses.
	run env SHMRPC_TRANSPORT=futex "$CALL" "$(channel_name posix)" echo
	[ "$status" -eq 3 ]
	[[ "$output" == *"No such channel"* ]]
}

@test "8 client processes x 10000 calls on one futex channel: no crossed replies" {
	ch=$(channel_name)
	start_bg "$SERVER" -t futex "$ch"
	wait_channel "$ch" futex
	pids=()
	for i in $(seq 8); do
		start_bg "$STRESS" -t futex -T 30 "$ch" 10000
		pids+=("$BG_PID")
	done
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}"
		grep -q '^ok=10000 crossed=0 errors=0$' "$BATS_TEST_TMPDIR/bg.$((i + 2)).out"
	done
	run "$STATS" "$ch"
	[ "$status" -eq 0 ]
	# wait_channel's call plus 80000.
	[[ "${lines[0]}" == *" calls=80001 errors=0 timeouts=0 in_flight=0 "* ]]
	[[ "${lines[0]}" == *" in_use=0 "* ]]
}

@test "a server in 4 threads under load from 8 clients" {
	ch=$(channel_name)
	start_bg "$SERVER" -t futex -n 4 "$ch"
	wait_channel "$ch" futex
	pids=()
	for i in $(seq 8); do
		start_bg "$STRESS" -t futex -T 30 -p 2000 "$ch" 2000
		pids+=("$BG_PID")
	done
	# Meanwhile, slow calls run beside the fast ones.
	run "$CALL" -T 10 "$ch" sleep '{"ms":200}'
	[ "$status" -eq 0 ]
	for pid in "${pids[@]}"; do
		wait "$pid"
	done
	grep -c '^ok=2000 crossed=0 errors=0$' "$BATS_TEST_TMPDIR"/bg.*.out | \
	    awk -F: '{ n += $2 } END { exit n == 8 ? 0 : 1 }'
}

@test "a client asking for bigger buffers than the channel's gets a layout error" {
	ch=$(channel_name)
	start_bg "$SERVER" -t futex -b 4096 "$ch"
	wait_channel "$ch" futex
	run "$CALL" -t futex -b 8192 "$ch" echo
	[ "$status" -eq 3 ]
	[[ "$output" == *"another layout or size"* ]]
	run "$CALL" -t futex -b 1024 "$ch" echo '{"ok":1}'
	[ "$status" -eq 0 ]
}

@test "a file of another layout under the channel's name is refused, not crashed on" {
	ch=$(channel_name)
	f=/dev/shm/shmrpc_futex_$ch
	for junk in random empty short; do
		case $junk in
		random) head -c 65536 /dev/urandom >"$f" ;;
		empty) : >"$f" ;;
		short) printf 'FUTX' >"$f" ;;
		esac
		run "$CALL" -t futex "$ch" echo
		rm -f "$f"
		[ "$status" -eq 3 ]
		[[ "$output" == *"another layout or size"* ]]
	done
	# And a symlink is not followed.
	ln -s /etc/passwd "$f"
	run "$CALL" -t futex "$ch" echo
	rm -f "$f"
	[ "$status" -eq 3 ]
	[[ "$output" == *"not ours"* ]]
}

@test "all slots taken: channel full, until one is freed" {
	ch=$(channel_name)
	start_bg "$SERVER" -t futex -n 2 -s 2 "$ch"
	wait_channel "$ch" futex
	start_bg "$CALL" -T 30 "$ch" sleep '{"ms":1500}'
	start_bg "$CALL" -T 30 "$ch" sleep '{"ms":1500}'
	wait_for in_use_is "$ch" 2
	run "$CALL" "$ch" echo
	[ "$status" -eq 3 ]
	[[ "$output" == *"Channel full"* ]]
	# -w waits for a free slot.
	run "$CALL" -w 10 "$ch" echo '{"waited":true}'
	[ "$status" -eq 0 ]
	[ "$output" = '{"waited":true}' ]
}
