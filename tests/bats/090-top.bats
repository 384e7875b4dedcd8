#!/usr/bin/env bats
# shmrpc-top: batch output (text, json, prometheus) of real channels under
# load, a killed server shown STALE, and the interactive screen driven in
# tmux (rows, filter, detail, reap, resize, quit).
#
# Each test has its own registry (SHMRPC_REGISTRY=/dev/shm/TAG-registry.json)
# and scopes shmrpc-top with -f "$TAG", so copies running in parallel
# neither see nor reap each other's channels.  Nothing here is timed: waits
# poll for a condition with a generous limit.

load helpers

suite_setup() {
	SERVER=$BUILD/tests/test-server
	TOP=$BUILD/bin/shmrpc-top
	export SHMRPC_REGISTRY=/dev/shm/${TAG}-registry.json
	TMUX_SOCK=$TAG
}

suite_teardown() {
	tmux -L "$TMUX_SOCK" kill-server 2>/dev/null || true
	rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$TMUX_SOCK"
	stop_all
	rm -f "$SHMRPC_REGISTRY".corrupt-* "$SHMRPC_REGISTRY" \
	    "$SHMRPC_REGISTRY".lock "$SHMRPC_REGISTRY".tmp
}

# wait_for CMD...: retry CMD for up to 20 s.
wait_for() {
	for _ in $(seq 400); do
		"$@" && return 0
		sleep 0.05
	done
	echo "timed out waiting for: $*" >&2
	return 1
}

# start_server NAME: a futex test-server on NAME, pid in $BG_PID.  It
# says "ready" first: a client must not meet a dead predecessor's segment.
start_server() {
	start_bg "$SERVER" "$1"
	wait_for grep -q '^ready' "$BG_OUT"
	wait_channel "$1"
}

# kill_server NAME: start a server on NAME and kill -9 it; pid in $DEAD.
dead_server() {
	"$SERVER" "$1" >/dev/null 2>&1 3>&- &
	DEAD=$!
	wait_channel "$1"
	kill -KILL "$DEAD"
	wait "$DEAD" 2>/dev/null || true
}

# A row of channel $1 in text output $2: its fields.
row_of() {
	awk -v ch="$1" '$1 == ch' <<<"$2"
}

screen() {
	tmux -L "$TMUX_SOCK" capture-pane -p -t top
}

screen_has() {
	screen | grep -qF -- "$1"
}

screen_lacks() {
	! screen | grep -qF -- "$1"
}

# start_tui ARGS...: shmrpc-top in a 160x40 tmux pane; its exit status
# lands in $BATS_TEST_TMPDIR/exit.
start_tui() {
	local cmd
	printf -v cmd '%q ' "$TOP" "$@"
	tmux -L "$TMUX_SOCK" new-session -d -s top -x 160 -y 40 \
	    "env SHMRPC_REGISTRY=$SHMRPC_REGISTRY $cmd; echo EXIT=\$? >$BATS_TEST_TMPDIR/exit; echo after-exit; sleep 600"
}

@test "shmrpc-top -V, -h, bad usage" {
	run "$TOP" -V
	[ "$status" -eq 0 ]
	[[ "$output" == "shmrpc-top "* ]]
	run "$TOP" -h
	[ "$status" -eq 0 ]
	[[ "$output" == "usage: shmrpc-top"* ]]
	run "$TOP" -o yaml -b
	[ "$status" -eq 2 ]
	run "$TOP" -o json
	[ "$status" -eq 2 ]
	run "$TOP" -b -d 0
	[ "$status" -eq 2 ]
	run "$TOP" -b -n 0
	[ "$status" -eq 2 ]
	# Not a terminal and no -b: told to use -b.
	run "$TOP" </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"use -b"* ]]
}

@test "batch text: the channel, its owner pid, calls/s blank then > 0 under load" {
	ch=$(channel_name)
	start_server "$ch"
	spid=$BG_PID
	start_bg "$CALL" -c 5000000 "$ch" echo '{"x":1}'
	run "$TOP" -b -n 2 -d 1 -f "$TAG"
	[ "$status" -eq 0 ]
	rows=$(row_of "$ch" "$output")
	[ "$(wc -l <<<"$rows")" -eq 2 ]
	first=$(sed -n 1p <<<"$rows")
	second=$(sed -n 2p <<<"$rows")
	# NAME TRANS PID COMMAND USER CLIENTS STATE CALLS/S ...
	[ "$(awk '{print $2}' <<<"$first")" = futex ]
	[ "$(awk '{print $3}' <<<"$first")" = "$spid" ]
	[ "$(awk '{print $4}' <<<"$first")" = test-server ]
	[ "$(awk '{print $7}' <<<"$first")" = LIVE ]
	[ "$(awk '{print $8}' <<<"$first")" = - ]
	rate=$(awk '{print $8}' <<<"$second")
	[[ "$rate" =~ ^[0-9.]+M?$ ]]
	awk -v r="${rate%M}" 'BEGIN { exit !(r > 0) }'
	[[ "$output" == *"TOTAL 1"* ]]
}

@test "batch json parses and its calls agree with the calls made" {
	ch=$(channel_name)
	start_server "$ch"
	run "$CALL" -c 500 "$ch" echo '{"x":1}'
	[ "$status" -eq 0 ]
	run "$TOP" -b -n 2 -d 0.5 -o json -f "$TAG"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	# wait_channel made one __running__ call; -c 500 made 500.
	jq -e --arg ch "$ch" '.channels[] | select(.name == $ch) |
	    .calls == 501 and .errors == 0 and .timeouts == 0 and
	    .calls_per_s == null and .transport == "futex" and
	    .state == "live" and .bytes_in > 0 and .bytes_out > 0 and
	    ([.latency_log2_ns[]] | add) == 501 and .p50_ns > 0' <<<"${lines[0]}"
	# Second frame: a rate, and idle, so 0 calls/s.
	jq -e --arg ch "$ch" '.channels[] | select(.name == $ch) |
	    .calls == 501 and .calls_per_s == 0' <<<"${lines[1]}"
	jq -e '.interval_s > 0 and .totals.channels == 1' <<<"${lines[1]}"
	# Under load: frame 2's calls minus frame 1's equals rate x interval.
	start_bg "$CALL" -c 5000000 "$ch" echo '{"x":1}'
	run "$TOP" -b -n 2 -d 0.5 -o json -f "$TAG"
	[ "$status" -eq 0 ]
	c1=$(jq --arg ch "$ch" '.channels[] | select(.name == $ch) | .calls' <<<"${lines[0]}")
	jq -e --arg ch "$ch" --argjson c1 "$c1" '. as $f | .channels[] |
	    select(.name == $ch) | .calls > $c1 and
	    ((.calls - $c1) - .calls_per_s * $f.interval_s | fabs) < 1' <<<"${lines[1]}"
}

@test "batch prometheus passes a format check" {
	ch=$(channel_name)
	start_server "$ch"
	run "$CALL" -c 100 "$ch" echo
	[ "$status" -eq 0 ]
	dead_server "$(channel_name dead)"
	run "$TOP" -b -n 1 -o prometheus -f "$TAG"
	[ "$status" -eq 0 ]
	out=$output
	if command -v promtool >/dev/null; then
		promtool check metrics <<<"$out"
	fi
	# Our own check too: each sample is NAME{LABELS} VALUE, no timestamp,
	# after a TYPE line of its family.
	awk '
	/^# TYPE / { fam[$3] = $4; next }
	/^# HELP / { next }
	/^#/ { print "bad comment: " $0; bad = 1; next }
	{
		if ($0 !~ /^shmrpc_[a-z0-9_]+(\{([a-z_]+="([^"\\]|\\.)*",?)*\})? [-+]?[0-9.e+-]+$/) {
			print "bad sample: " $0; bad = 1
		}
		name = $0; sub(/[{ ].*/, "", name)
		base = name; sub(/_(bucket|count|sum)$/, "", base)
		if (!(name in fam) && !(base in fam)) { print "no TYPE: " name; bad = 1 }
	}
	END { exit bad }' <<<"$out"
	grep -qx "shmrpc_calls_total{channel=\"$ch\"} 101" <<<"$out"
	grep -qx "shmrpc_channel_up{channel=\"$ch\"} 1" <<<"$out"
	grep -qx "shmrpc_channel_up{channel=\"$(channel_name dead)\"} 0" <<<"$out"
	grep -qx "shmrpc_call_latency_seconds_count{channel=\"$ch\"} 101" <<<"$out"
	grep -qx 'shmrpc_channels{state="stale"} 1' <<<"$out"
	# Clean up the dead one by starting a server on its name again.
	start_server "$(channel_name dead)"
}

@test "a kill -9'ed server shows as STALE with its objects" {
	ch=$(channel_name)
	dead_server "$ch"
	run "$TOP" -b -n 1 -f "$TAG"
	[ "$status" -eq 0 ]
	row=$(row_of "$ch" "$output")
	[ "$(awk '{print $3}' <<<"$row")" = "$DEAD" ]
	[ "$(awk '{print $7}' <<<"$row")" = STALE ]
	[[ "$output" == *"Stale and orphan objects: 1"* ]]
	[[ "$output" == *"shmrpc_futex_$ch "*STALE* ]]
	run "$TOP" -b -n 1 -o json -f "$TAG"
	jq -e --arg ch "$ch" '.channels[0].state == "stale" and
	    .totals.stale == 1 and .objects[0].name == "shmrpc_futex_" + $ch' <<<"$output"
	# Restarting on the name reclaims it; stopping it cleans up.
	start_server "$ch"
	run "$TOP" -b -n 1 -f "$TAG"
	[ "$(awk '{print $7}' <<<"$(row_of "$ch" "$output")")" = LIVE ]
}

@test "interactive: rows, filter, detail view, resize, q restores the terminal" {
	a=$(channel_name alpha)
	b=$(channel_name beta)
	start_server "$a"
	start_server "$b"
	bpid=$BG_PID
	start_bg "$CALL" -c 5000000 "$a" echo '{"x":1}'
	start_tui -d 0.5 -f "$TAG"
	wait_for screen_has "$a"
	wait_for screen_has "$b"
	screen_has "NAME"
	screen_has "F10Quit"
	# Filter narrows the rows.
	tmux -L "$TMUX_SOCK" send-keys -t top /
	wait_for screen_has "Filter"
	tmux -L "$TMUX_SOCK" send-keys -t top C-u "$b" Enter
	wait_for screen_has "filter: \"$b\""
	wait_for screen_lacks "$a "
	screen_has "$b"
	# Enter opens the detail view of the selected channel.
	tmux -L "$TMUX_SOCK" send-keys -t top Enter
	wait_for screen_has "Channel $b  futex  LIVE"
	screen_has "SLOT"
	screen_has "shmrpc_futex_$b"
	# Its object's line names the server that maps it (the list view
	# does not look for mappers of live channels; the detail view does).
	screen | grep -Eq "shmrpc_futex_$b +[0-9.]+[KMG]?B? +yes +$bpid\b"
	screen_has "Latency"
	screen_has "calls/s, last minute"
	tmux -L "$TMUX_SOCK" send-keys -t top Escape
	wait_for screen_has "CLIENTS"
	# Help, then back.
	tmux -L "$TMUX_SOCK" send-keys -t top h
	wait_for screen_has "States: LIVE"
	tmux -L "$TMUX_SOCK" send-keys -t top Escape
	wait_for screen_has "CLIENTS"
	# Resize redraws to the new width; too small says so.
	tmux -L "$TMUX_SOCK" resize-window -t top -x 100 -y 30
	wait_for screen_has "$b"
	[ "$(screen | awk '{ if (length($0) > m) m = length($0) } END { print m }')" -le 100 ]
	tmux -L "$TMUX_SOCK" resize-window -t top -x 40 -y 8
	wait_for screen_has "Terminal too small"
	tmux -L "$TMUX_SOCK" resize-window -t top -x 160 -y 40
	wait_for screen_has "$b"
	# Sort, reverse, tag, pause, refresh interval: said on line 2.
	tmux -L "$TMUX_SOCK" send-keys -t top s
	wait_for screen_has "sort: state"
	tmux -L "$TMUX_SOCK" send-keys -t top F6
	wait_for screen_has "sort: pid"
	tmux -L "$TMUX_SOCK" send-keys -t top r
	wait_for screen_has "(reversed)"
	tmux -L "$TMUX_SOCK" send-keys -t top Space
	wait_for screen_has "tagged: 1"
	screen | grep -q "^\* $b "
	tmux -L "$TMUX_SOCK" send-keys -t top p
	wait_for screen_has "[PAUSED]"
	tmux -L "$TMUX_SOCK" send-keys -t top p +
	wait_for screen_has "refresh: 1s  sort"
	tmux -L "$TMUX_SOCK" send-keys -t top - -
	wait_for screen_has "refresh: 0.2s  sort"
	# q quits with status 0 and gives the screen back.
	tmux -L "$TMUX_SOCK" send-keys -t top q
	wait_for test -s "$BATS_TEST_TMPDIR/exit"
	[ "$(cat "$BATS_TEST_TMPDIR/exit")" = EXIT=0 ]
	wait_for screen_has "after-exit"
	screen_lacks "CLIENTS"
}

@test "interactive: x then y reaps a stale channel, live ones stay" {
	live=$(channel_name live)
	dead=$(channel_name dead)
	start_server "$live"
	dead_server "$dead"
	[ -n "$(shm_objects "$dead")" ]
	start_tui -d 0.5 -f "$TAG"
	wait_for screen_has "$live"
	wait_for screen_has "STALE"
	# Rows are sorted by name: the dead one first.  x on a live one is
	# refused; on the stale one it asks, and y reaps.
	tmux -L "$TMUX_SOCK" send-keys -t top End x
	wait_for screen_has "only STALE channels can be reaped"
	tmux -L "$TMUX_SOCK" send-keys -t top Home x
	wait_for screen_has "[y/N]"
	tmux -L "$TMUX_SOCK" send-keys -t top y
	wait_for screen_has "Reaped 1 of 1"
	[ -z "$(shm_objects "$dead")" ]
	[ -n "$(shm_objects "$live")" ]
	wait_for screen_lacks "$dead "
	tmux -L "$TMUX_SOCK" send-keys -t top F10
	wait_for test -s "$BATS_TEST_TMPDIR/exit"
	[ "$(cat "$BATS_TEST_TMPDIR/exit")" = EXIT=0 ]
}
