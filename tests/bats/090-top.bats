#!/usr/bin/env bats
# shmrpc-top: batch output (text, json, prometheus, --textfile) of real
# channels under load, per-method counters, hostile process names, a
# killed server shown STALE, and the interactive screen driven in tmux at
# 80x24, 60x20, 160x40 and 200x50 (columns, setup, sort, filter, mouse,
# help, settings kept across a restart).
#
# Each test has its own registry (SHMRPC_REGISTRY=/dev/shm/TAG-registry.json)
# and settings (XDG_CONFIG_HOME in its temporary directory), and scopes
# shmrpc-top with -f "$TAG", so copies running in parallel neither see nor
# reap each other's channels.  Nothing here is timed: waits poll for a
# condition with a generous limit.

load helpers

suite_setup() {
	SERVER=$BUILD/tests/test-server
	TOP=$BUILD/bin/shmrpc-top
	CLEAN=$BUILD/bin/shmrpc-clean
	HOLD=$BUILD/bench/top-channels
	export SHMRPC_REGISTRY=/dev/shm/${TAG}-registry.json
	export XDG_CONFIG_HOME=$BATS_TEST_TMPDIR/config
	TMUX_SOCK=$TAG
}

suite_teardown() {
	tmux -L "$TMUX_SOCK" kill-server 2>/dev/null || true
	rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$TMUX_SOCK"
	if [ -n "${HOLD_PID:-}" ]; then
		kill -TERM "$HOLD_PID" 2>/dev/null || true
		wait "$HOLD_PID" 2>/dev/null || true
	fi
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

# start_server NAME [ARGS]: a test-server on NAME, pid in $BG_PID.  It
# says "ready" first: a client must not meet a dead predecessor's segment.
start_server() {
	local ch=$1
	shift
	start_bg "$SERVER" "$@" "$ch"
	wait_for grep -q '^ready' "$BG_OUT"
	wait_channel "$ch"
}

# dead_server NAME [ARGS]: start a server on NAME and kill -9 it; pid in
# $DEAD.
dead_server() {
	local ch=$1
	shift
	"$SERVER" "$@" "$ch" >/dev/null 2>&1 3>&- &
	DEAD=$!
	wait_channel "$ch"
	kill -KILL "$DEAD"
	wait "$DEAD" 2>/dev/null || true
}

# hold N PROCS [RATE]: N channels ${TAG}_0... held by bench/top-channels.
hold() {
	"$HOLD" "$TAG" "$@" >"$BATS_TEST_TMPDIR/hold.out" 2>&1 3>&- &
	HOLD_PID=$!
	wait_for grep -q ready "$BATS_TEST_TMPDIR/hold.out"
}

unhold() {
	kill -TERM "$HOLD_PID"
	wait "$HOLD_PID" || true
	HOLD_PID=
}

# A row of channel $1 in text output $2: its fields.
row_of() {
	awk -v ch="$1" '$1 == ch' <<<"$2"
}

# promtool on standard input, with its complaints shown.
promcheck() {
	local out
	out=$(promtool check metrics 2>&1)
	local rc=$?
	[ -z "$out" ] || echo "$out" >&2
	return $rc
}

# No byte below 0x20 but newlines, and no DEL, in file $1.
no_controls() {
	! LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]' "$1"
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

keys() {
	tmux -L "$TMUX_SOCK" send-keys -t top "$@"
}

# start_tui WIDTH HEIGHT ARGS...: shmrpc-top in a tmux pane of that size;
# its exit status lands in $BATS_TEST_TMPDIR/exit.
start_tui() {
	local w=$1 h=$2 cmd
	shift 2
	rm -f "$BATS_TEST_TMPDIR/exit"
	printf -v cmd '%q ' "$TOP" "$@"
	tmux -L "$TMUX_SOCK" new-session -d -s top -x "$w" -y "$h" \
	    "env SHMRPC_REGISTRY=$SHMRPC_REGISTRY XDG_CONFIG_HOME=$XDG_CONFIG_HOME ${TUI_ENV:-} $cmd; echo EXIT=\$? >$BATS_TEST_TMPDIR/exit; echo after-exit; sleep 600"
}

# tmux_gone: no tmux server on our socket any more.  A new session started
# while the last one's server is still exiting can fail to start.
tmux_gone() {
	! tmux -L "$TMUX_SOCK" ls >/dev/null 2>&1
}

quit_tui() {
	keys q
	wait_for test -s "$BATS_TEST_TMPDIR/exit"
	[ "$(cat "$BATS_TEST_TMPDIR/exit")" = EXIT=0 ]
	tmux -L "$TMUX_SOCK" kill-server
	wait_for tmux_gone
	rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$TMUX_SOCK"
}

# Every column header, from the column table as F2 shows it.
all_columns_toprc() {
	mkdir -p "$XDG_CONFIG_HOME/shmrpc"
	echo "columns=name,transport,pid,command,user,clients,state,calls_s,in_s,out_s,p50,p99,errors,timeouts,idle,memory,calls,request_bytes,response_bytes,in_flight,slots,uid,age,buffer,methods,pid_ns,cgroup,lock,access" \
	    >"$XDG_CONFIG_HOME/shmrpc/toprc"
}
ALL_HEADERS="NAME TRANS PID COMMAND USER CLIENTS STATE CALLS/S IN/S OUT/S P50 P99 ERRORS TMOUTS IDLE MEM CALLS REQ RESP INFL SLOTS UID AGE BUFFER METHODS PIDNS CGROUP LOCK ACCESS"

# header_seen: the column header line of the screen.
header_line() {
	screen | sed -n 3p
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
	run "$TOP" -b -s nosuchcolumn
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown column: nosuchcolumn"*"calls_s"* ]]
	# Expositions one after another are not one valid exposition.
	run "$TOP" -b -o prometheus -n 2
	[ "$status" -eq 2 ]
	[[ "$output" == *"--textfile"* ]]
	run "$TOP" --textfile /nonexistent
	[ "$status" -eq 2 ]
	run "$TOP" --textfile "$BATS_TEST_TMPDIR" -o json
	[ "$status" -eq 2 ]
	run "$TOP" -b --histograms
	[ "$status" -eq 2 ]
	[[ "$output" == *"--histograms is for the prometheus output"* ]]
	# Not a terminal and no -b: told to use -b.
	run "$TOP" </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"use -b"* ]]
}

@test "a terminal that cannot move the cursor (TERM=dumb) is refused, with a hint to use -b" {
	TUI_ENV=TERM=dumb start_tui 80 24 -f "$TAG"
	wait_for test -s "$BATS_TEST_TMPDIR/exit"
	[ "$(cat "$BATS_TEST_TMPDIR/exit")" = EXIT=2 ]
	screen_has "cannot move the cursor"
	screen_has "use -b for batch output"
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
	[[ "$output" == *"sort: name"* ]]
}

@test "batch mode sorts like the screen: -s, -r, names naturally (ch2 before ch10)" {
	for n in 10 2 1; do start_server "$(channel_name "c$n")"; done
	start_bg "$CALL" -c 5000000 "$(channel_name c2)" echo '{"x":1}'
	run "$TOP" -b -n 1 -f "$TAG"
	[ "$status" -eq 0 ]
	order=$(grep -o "^${TAG}_c[0-9]*" <<<"$output" | tr '\n' ' ')
	[ "$order" = "$(channel_name c1) $(channel_name c2) $(channel_name c10) " ]
	run "$TOP" -b -n 1 -r -f "$TAG"
	order=$(grep -o "^${TAG}_c[0-9]*" <<<"$output" | tr '\n' ' ')
	[ "$order" = "$(channel_name c10) $(channel_name c2) $(channel_name c1) " ]
	[[ "$output" == *"sort: name (reversed)"* ]]
	# By calls a second: the busy one first (the rates need two frames).
	run "$TOP" -b -n 2 -d 0.5 -s calls_s -f "$TAG"
	[ "$status" -eq 0 ]
	last=$(awk '/^shmrpc-top/ { n++ } n == 2' <<<"$output")
	[ "$(grep -o "^${TAG}_c[0-9]*" <<<"$last" | head -1)" = "$(channel_name c2)" ]
	[[ "$last" == *"sort: calls_s"* ]]
	# JSON lists the channels in the same order.
	run "$TOP" -b -n 1 -o json -s name -r -f "$TAG"
	jq -e --arg a "$(channel_name c10)" --arg b "$(channel_name c1)" \
	    '[.channels[].name] | .[0] == $a and .[2] == $b' <<<"$output"
}

@test "batch json parses, its calls agree with the calls made, and it has the methods" {
	ch=$(channel_name)
	start_server "$ch"
	run "$CALL" -c 500 "$ch" echo '{"x":1}'
	[ "$status" -eq 0 ]
	run "$CALL" "$ch" fail '{"message":"no"}'
	run "$TOP" -b -n 2 -d 0.5 -o json -f "$TAG"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	# wait_channel made one __running__ call; -c 500 made 500; one fail.
	jq -e --arg ch "$ch" '.channels[] | select(.name == $ch) |
	    .calls == 502 and .errors == 1 and .timeouts == 0 and
	    .calls_per_second == null and .transport == "futex" and
	    .state == "live" and .request_bytes > 0 and .response_bytes > 0 and
	    .latency.count == 502 and ([.latency.buckets[][2]] | add) == 502 and
	    .latency.sum_seconds > 0 and .p50_seconds > 0 and
	    .p99_seconds >= .p50_seconds and .memory_bytes > 0 and
	    .owner_command == "test-server" and (.uid | type) == "number" and
	    (.age_seconds | type) == "number"' <<<"${lines[0]}"
	jq -e --arg ch "$ch" '.channels[] | select(.name == $ch) |
	    (.methods[] | select(.name == "echo") | .calls == 500 and
	     .errors == 0 and .latency.count == 500 and .p50_seconds > 0) and
	    (.methods[] | select(.name == "fail") | .calls == 1 and
	     .errors == 1)' <<<"${lines[0]}"
	# Second frame: a rate, and idle, so 0 calls/s.
	jq -e --arg ch "$ch" '.channels[] | select(.name == $ch) |
	    .calls == 502 and .calls_per_second == 0' <<<"${lines[1]}"
	jq -e '.interval_seconds > 0 and .totals.channels == 1' <<<"${lines[1]}"
	# Under load: frame 2's calls minus frame 1's equals rate x interval.
	start_bg "$CALL" -c 5000000 "$ch" echo '{"x":1}'
	run "$TOP" -b -n 2 -d 0.5 -o json -f "$TAG"
	[ "$status" -eq 0 ]
	c1=$(jq --arg ch "$ch" '.channels[] | select(.name == $ch) | .calls' <<<"${lines[0]}")
	jq -e --arg ch "$ch" --argjson c1 "$c1" '. as $f | .channels[] |
	    select(.name == $ch) | .calls > $c1 and
	    ((.calls - $c1) - .calls_per_second * $f.interval_seconds | fabs) < 1' <<<"${lines[1]}"
}

@test "shmrpc-top -o json and shmrpc-clean -j describe a channel with the same keys and values" {
	ch=$(channel_name)
	start_server "$ch" -t posix
	run "$TOP" -b -n 1 -o json -f "$TAG"
	[ "$status" -eq 0 ]
	top=$(jq -c --arg ch "$ch" '.channels[] | select(.name == $ch)' <<<"$output")
	run "$CLEAN" -l -j -p "$TAG"
	[ "$status" -eq 0 ]
	clean=$(jq -c --arg ch "$ch" '.channels[] | select(.name == $ch)' <<<"$output")
	# Every member of clean's channel but its objects is in top's, with
	# the same value (age and mappers change between the two looks).
	jq -n -e --argjson t "$top" --argjson c "$clean" '
	    [$c | keys[] | select(. != "objects")] - ($t | keys) == [] and
	    ([$c | to_entries[] | select(.key | IN("objects", "age_seconds",
	      "mappers") | not) | select($t[.key] != .value)] == []) and
	    ($t.age_seconds | type) == "number" and
	    ($c.objects[0].size_bytes | type) == "number" and
	    ($c.objects[0].age_seconds | type) == "number"'
	# A posix channel has no channel counters, but its methods.
	jq -n -e --argjson t "$top" '$t.calls == null and $t.latency == null and
	    ([$t.methods[].name] | index("echo")) != null'
}

@test "batch prometheus passes promtool, with state and owner pid as gauges" {
	ch=$(channel_name)
	start_server "$ch"
	spid=$BG_PID
	run "$CALL" -c 100 "$ch" echo
	[ "$status" -eq 0 ]
	run "$CALL" "$ch" fail '{"message":"no"}'
	dead_server "$(channel_name dead)"
	run "$TOP" -b -o prometheus -f "$TAG"
	[ "$status" -eq 0 ]
	out=$output
	promcheck <<<"$out"
	grep -qx "shmrpc_calls_total{channel=\"$ch\"} 102" <<<"$out"
	grep -qx "shmrpc_call_errors_total{channel=\"$ch\"} 1" <<<"$out"
	grep -qx "shmrpc_channel_state{channel=\"$ch\"} 1" <<<"$out"
	grep -qx "shmrpc_channel_state{channel=\"$(channel_name dead)\"} 2" <<<"$out"
	grep -qx "shmrpc_channel_owner_pid{channel=\"$ch\"} $spid" <<<"$out"
	# The info metric carries nothing that changes with a restart.
	grep -qx "shmrpc_channel_info{channel=\"$ch\",transport=\"futex\",command=\"test-server\",user=\"$(id -un)\"} 1" <<<"$out"
	grep -qx "shmrpc_call_duration_seconds_count{channel=\"$ch\"} 102" <<<"$out"
	grep -q "^shmrpc_call_duration_seconds_sum{channel=\"$ch\"} 0\.[0-9]*[1-9]" <<<"$out"
	# A method's calls are its duration's _count.
	grep -qx "shmrpc_method_duration_seconds_count{channel=\"$ch\",method=\"echo\"} 100" <<<"$out"
	grep -qx "shmrpc_method_errors_total{channel=\"$ch\",method=\"fail\"} 1" <<<"$out"
	grep -qx 'shmrpc_channels{state="stale"} 1' <<<"$out"
	# Durations are summaries without quantiles (_sum, _count): no
	# bucket lines unless asked for.
	grep -qx '# TYPE shmrpc_call_duration_seconds summary' <<<"$out"
	grep -qx '# TYPE shmrpc_method_duration_seconds summary' <<<"$out"
	! grep -q '_bucket{\|quantile=' <<<"$out"
	# --histograms: the same _sum and _count, and buckets.
	run "$TOP" -b -o prometheus --histograms -f "$TAG"
	[ "$status" -eq 0 ]
	hout=$output
	promcheck <<<"$hout"
	grep -qx '# TYPE shmrpc_call_duration_seconds histogram' <<<"$hout"
	grep -qx '# TYPE shmrpc_method_duration_seconds histogram' <<<"$hout"
	grep -qx "shmrpc_call_duration_seconds_count{channel=\"$ch\"} 102" <<<"$hout"
	grep -qx "shmrpc_call_duration_seconds_bucket{channel=\"$ch\",le=\"+Inf\"} 102" <<<"$hout"
	grep -qx "shmrpc_method_duration_seconds_bucket{channel=\"$ch\",method=\"echo\",le=\"+Inf\"} 100" <<<"$hout"
	# Buckets are cumulative and the first is 1.024 us: none below.
	[ "$(grep -c "^shmrpc_call_duration_seconds_bucket{channel=\"$ch\"" <<<"$hout")" -eq 12 ]
	! grep -q 'le="[0-9.e-]*e-0[7-9]"' <<<"$hout"
	# Clean up the dead one by starting a server on its name again.
	start_server "$(channel_name dead)"
}

# The buckets of channel $1's round trips in exposition $2: "le count"
# lines, in order.
buckets_of() {
	sed -n "s/^shmrpc_call_duration_seconds_bucket{channel=\"$1\",le=\"\([^\"]*\)\"} \([0-9]*\)$/\1 \2/p" <<<"$2"
}

@test "prometheus --histograms: fixed boundaries at every scrape, cumulative, exact sums of the log-linear counters" {
	ch=$(channel_name)
	start_server "$ch"
	run "$CALL" "$ch" echo
	[ "$status" -eq 0 ]
	run "$TOP" -b -o prometheus --histograms -f "$TAG"
	[ "$status" -eq 0 ]
	a=$(buckets_of "$ch" "$output")
	run "$CALL" -c 300 "$ch" echo
	[ "$status" -eq 0 ]
	run "$TOP" -b -o prometheus --histograms -f "$TAG"
	[ "$status" -eq 0 ]
	b=$(buckets_of "$ch" "$output")
	run "$TOP" -b -n 1 -o json -f "$TAG"
	[ "$status" -eq 0 ]
	json=$output
	# The same 12 boundaries however the counts moved (rate() needs
	# them fixed), the last +Inf.
	[ "$(wc -l <<<"$a")" -eq 12 ]
	[ "$(cut -d' ' -f1 <<<"$a")" = "$(cut -d' ' -f1 <<<"$b")" ]
	[ "$(tail -1 <<<"$b")" = "+Inf $(($(tail -1 <<<"$a" | cut -d' ' -f2) + 300))" ]
	# Cumulative: never smaller than the bucket below, nor than the
	# same bucket at the earlier scrape.
	paste -d' ' <(echo "$a") <(echo "$b") | awk '
	    $2 < pa || $4 < pb || $4 < $2 { bad = 1 }
	    { pa = $2; pb = $4 }
	    END { exit bad }'
	# Each finite bucket is the sum of the library's buckets below its
	# boundary, as the JSON output lists them (no call in between).
	while read -r le n; do
		[ "$le" = "+Inf" ] && continue
		want=$(jq --argjson le "$le" '[.channels[0].latency.buckets[] |
		    select(.[1] != null and .[1] <= $le * 1.000001) | .[2]] | add // 0' <<<"$json")
		[ "$n" -eq "$want" ] || { echo "le=$le: $n, JSON says $want" >&2; false; }
	done <<<"$b"
}

@test "prometheus: 300 channels pass promtool and stay under 300 KB, busy (with a method each) or idle" {
	# Busy: served, called twice a second, one method each.  In a few
	# processes: 300 registrations from many at once can keep one
	# waiting for the registry's lock longer than it waits (10 s) on a
	# loaded machine, and that channel then runs unregistered.
	hold 300 5 2
	sleep 2
	run "$TOP" -b -o prometheus -f "$TAG"
	[ "$status" -eq 0 ]
	promcheck <<<"$output"
	[ "$(grep -c '^shmrpc_channel_info{' <<<"$output")" -eq 300 ]
	[ "$(grep -c '^shmrpc_method_duration_seconds_count{' <<<"$output")" -eq 300 ]
	size=$(printf '%s\n' "$output" | wc -c)
	echo "300 busy channels: $size bytes" >&3
	[ "$size" -lt 300000 ]
	unhold
	hold 300 5
	run "$TOP" -b -o prometheus -f "$TAG"
	[ "$status" -eq 0 ]
	promcheck <<<"$output"
	[ "$(grep -c '^shmrpc_channel_info{' <<<"$output")" -eq 300 ]
	size=$(printf '%s\n' "$output" | wc -c)
	echo "300 idle channels: $size bytes" >&3
	[ "$size" -lt 300000 ]
	unhold
}

@test "--textfile DIR: a new exposition each refresh, renamed into place, readable by node_exporter" {
	ch=$(channel_name)
	start_server "$ch"
	dir=$BATS_TEST_TMPDIR/textfile
	mkdir "$dir"
	start_bg "$TOP" --textfile "$dir" -d 0.2 -n 15 -f "$TAG"
	tpid=$BG_PID
	wait_for test -s "$dir/shmrpc.prom"
	promcheck <"$dir/shmrpc.prom"
	[ "$(stat -c %a "$dir/shmrpc.prom")" = 644 ]
	run "$CALL" -c 50 "$ch" echo
	wait_for grep -q "^shmrpc_method_duration_seconds_count{channel=\"$ch\",method=\"echo\"} 50$" "$dir/shmrpc.prom"
	promcheck <"$dir/shmrpc.prom"
	wait "$tpid"
	# Only the one file is left: every frame was renamed over it.
	[ "$(ls -A "$dir")" = shmrpc.prom ]
}

@test "a kill -9'ed server shows as STALE with its objects; a posix one's own segment is reaped with the seed's six" {
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
	# posix: seven objects, all STALE, all reaped.
	p=$(channel_name px)
	dead_server "$p" -t posix
	[ -e "/dev/shm/shmrpc_posix_$p" ]
	run "$TOP" -b -n 1 -o json -f "$TAG"
	jq -e --arg p "$p" '[.objects[] | select(.channel == $p)] | length == 7 and
	    all(.state == "stale")' <<<"$output"
	run "$CLEAN" -p "$p"
	[ "$status" -eq 0 ]
	[[ "$output" == *"reaped shmrpc_posix_$p (stale"* ]]
	[ -z "$(shm_objects "$p")" ]
}

@test "a process named with escape sequences and newlines never reaches the terminal raw" {
	ch=$(channel_name)
	# The command name of a process is its executable's name: a symlink
	# with an escape sequence, a bell, a newline and a quote in it.
	evil=$'\e[31mX\a\n"q\\'
	ln -s "$SERVER" "$BATS_TEST_TMPDIR/$evil"
	start_bg "$BATS_TEST_TMPDIR/$evil" "$ch"
	wait_for grep -q '^ready' "$BG_OUT"
	wait_channel "$ch"
	"$TOP" -b -n 1 -f "$TAG" >"$BATS_TEST_TMPDIR/text"
	no_controls "$BATS_TEST_TMPDIR/text"
	# The COMMAND column is 12 wide.
	grep -qF '\033[31mX\a' "$BATS_TEST_TMPDIR/text"
	"$TOP" -b -o prometheus -f "$TAG" >"$BATS_TEST_TMPDIR/prom"
	no_controls "$BATS_TEST_TMPDIR/prom"
	promcheck <"$BATS_TEST_TMPDIR/prom"
	grep -qF "command=\"$(printf '\xef\xbf\xbd')[31mX$(printf '\xef\xbf\xbd')\\n\\\"q\\\\\"" "$BATS_TEST_TMPDIR/prom"
	"$TOP" -b -n 1 -o json -f "$TAG" >"$BATS_TEST_TMPDIR/json"
	no_controls "$BATS_TEST_TMPDIR/json"
	jq -e --arg e "$evil" '.channels[0].owner_command == $e' "$BATS_TEST_TMPDIR/json"
	# The screen and its detail view show the escaped form.
	start_tui 160 40 -f "$TAG"
	wait_for screen_has '\033[31mX'
	keys Enter
	wait_for screen_has "Channel $ch"
	screen_has '(\033[31mX\a\n"q'
	tmux -L "$TMUX_SOCK" capture-pane -p -e -t top >"$BATS_TEST_TMPDIR/screen"
	! grep -q $'\e\\[31m' "$BATS_TEST_TMPDIR/screen"
	quit_tui
}

@test "interactive: rows, filter, detail view with methods, resize, q restores the terminal" {
	a=$(channel_name alpha)
	b=$(channel_name beta)
	start_server "$a"
	start_server "$b"
	bpid=$BG_PID
	run "$CALL" -c 20 "$b" echo '{"x":1}'
	start_bg "$CALL" -c 5000000 "$a" echo '{"x":1}'
	start_tui 160 40 -d 0.5 -f "$TAG"
	wait_for screen_has "$a"
	wait_for screen_has "$b"
	screen_has "NAME"
	screen_has "F10Quit"
	screen_has "F2Setup"
	# The filter narrows the list as it is typed, before Enter.
	keys /
	wait_for screen_has "Filter: $TAG"
	keys C-u
	keys -l "${b:0:${#b}-1}"
	wait_for screen_lacks "$a "
	screen_has "$b"
	keys -l "${b: -1}"
	keys Enter
	wait_for screen_has "filter: \"$b\""
	# Enter opens the detail view of the selected channel.
	keys Enter
	wait_for screen_has "Channel $b  futex  LIVE"
	# The view's last section is on screen once the whole frame is (a
	# capture can land while curses is still writing it).
	wait_for screen_has "shmrpc_futex_$b"
	screen_has "SLOT"
	# Where its owner lives, and who may open it.
	screen_has "owner in this PID namespace  liveness lock held  cgroup "
	screen_has "files mode 0600  (user "
	screen_has "shmrpc_futex_$b"
	# Its object's line names the server that maps it (the list view
	# does not look for mappers of live channels; the detail view does).
	screen | grep -Eq "shmrpc_futex_$b +[0-9.]+[KMG]?B? +yes +$bpid\b"
	screen_has "Round trip latency"
	screen_has "calls/s, last minute"
	screen_has "p99.9"
	# Its methods, with the server's own counts.
	screen_has "METHOD"
	screen | grep -Eq "^  echo +20 "
	keys Escape
	wait_for screen_has "CLIENTS"
	# Help, then back.
	keys h
	wait_for screen_has "States: LIVE"
	keys Escape
	wait_for screen_has "CLIENTS"
	# Resize redraws to the new width; too small says so.
	tmux -L "$TMUX_SOCK" resize-window -t top -x 100 -y 30
	wait_for screen_has "$b"
	[ "$(screen | awk '{ if (length($0) > m) m = length($0) } END { print m }')" -le 100 ]
	tmux -L "$TMUX_SOCK" resize-window -t top -x 30 -y 8
	wait_for screen_has "Terminal too small"
	tmux -L "$TMUX_SOCK" resize-window -t top -x 160 -y 40
	wait_for screen_has "$b"
	# Tag, untag all, pause, refresh interval: said on line 2.
	keys Space
	wait_for screen_has "tagged: 1"
	screen | grep -q "^.\*$b "
	keys U
	wait_for screen_has "tagged: 0"
	keys p
	wait_for screen_has "[PAUSED]"
	keys p +
	wait_for screen_has "refresh: 1s"
	keys - -
	wait_for screen_has "refresh: 0.2s"
	# q quits with status 0 and gives the screen back.
	keys q
	wait_for test -s "$BATS_TEST_TMPDIR/exit"
	[ "$(cat "$BATS_TEST_TMPDIR/exit")" = EXIT=0 ]
	wait_for screen_has "after-exit"
	screen_lacks "CLIENTS"
}

@test "interactive: a filter widened as it is typed shows the loose objects it hid, without waiting for a frame" {
	a=$(channel_name alpha)
	loose=srb_$(channel_name gone)_resp
	start_server "$a"
	: >"/dev/shm/$loose"
	# No frame in the test's time: what the widened filter shows comes
	# from the keys alone (hidden loose objects are not even looked at).
	start_tui 160 40 -d 600 -f "$a"
	wait_for screen_has "$a"
	screen_lacks "$loose"
	screen_lacks "Stale and orphan objects"
	keys /
	wait_for screen_has "Filter: $a"
	# Backspace down to the tag: both match it.
	keys BSpace BSpace BSpace BSpace BSpace BSpace
	wait_for screen_has "$loose"
	screen | grep -Eq "Filter: $TAG *\$"
	screen_has "Stale and orphan objects: 1"
	screen_has "$a"
	keys -l _alpha
	wait_for screen_lacks "$loose"
	keys Enter
	wait_for screen_has "filter: \"$a\""
	screen_lacks "$loose"
	# ^U: no filter at all.
	keys /
	wait_for screen_has "Filter: $a"
	keys C-u Enter
	wait_for screen_has "$loose"
	quit_tui
	rm -f "/dev/shm/$loose"
}

@test "interactive: sort with < > r, the F6 list and a click on a header; a click selects a row" {
	for n in 10 2 1; do start_server "$(channel_name "c$n")"; done
	start_tui 160 40 -d 0.5 -f "$TAG"
	wait_for screen_has "$(channel_name c10)"
	# Natural order: c1, c2, c10.
	[ "$(screen | grep -o "${TAG}_c[0-9]*" | head -3 | tr '\n' ' ')" = \
	    "$(channel_name c1) $(channel_name c2) $(channel_name c10) " ]
	keys '>'
	wait_for screen_has "sort: transport"
	keys '<' '<'
	wait_for screen_has "sort: memory"
	keys r
	wait_for screen_has "sort: memory (reversed)"
	keys F6
	wait_for screen_has "Sort by"
	keys Home Down Down
	keys Enter
	wait_for screen_has "sort: pid"
	# A click on the STATE header sorts by it, a second one reverses.
	x=$(header_line | awk '{ print index($0, "STATE") - 1 }')
	click() { keys -l "$(printf '\e[M %b%b' "\\$(printf %o $((33 + $1)))" "\\$(printf %o $((33 + $2)))")"; }
	click "$x" 2
	wait_for screen_has "sort: state"
	click "$x" 2
	wait_for screen_has "sort: state (reversed)"
	# A click on the third row selects it.
	click 4 5
	wait_for eval 'screen | sed -n 6p | grep -q "^> "'
	quit_tui
}

# Every column header shows at some point of scrolling right.
every_column_reachable() {
	local seen=" $(header_line) "
	for _ in $(seq 30); do
		keys Right
		sleep 0.1
		seen="$seen $(header_line)"
	done
	for h in $ALL_HEADERS; do
		[[ " $(tr -s ' <>v^' ' ' <<<"$seen") " == *" $h "* ]] ||
		    { echo "column $h never shown" >&2; return 1; }
	done
	# Left goes back to the first view.
	for _ in $(seq 30); do keys Left; done
	wait_for eval 'header_line | grep -q "^ *v*NAME"'
}

@test "interactive at 80x24, 60x20 and 200x50: every column can be reached" {
	ch=$(channel_name)
	start_server "$ch"
	all_columns_toprc
	for size in 80x24 60x20 200x50; do
		start_tui "${size%x*}" "${size#*x}" -f "$TAG"
		wait_for screen_has "$ch"
		# The most useful columns fit first.
		header_line | grep -q "NAME .*STATE .*CALLS/S .*P99"
		[ "$(screen | awk '{ if (length($0) > m) m = length($0) } END { print m }')" -le "${size%x*}" ]
		every_column_reachable
		quit_tui
	done
	# 200 columns hold every default column at once.
	rm "$XDG_CONFIG_HOME/shmrpc/toprc"
	start_tui 200 50 -f "$TAG"
	wait_for screen_has "$ch"
	for h in NAME TRANS PID COMMAND USER CLIENTS STATE CALLS/S IN/S OUT/S P50 P99 ERRORS TMOUTS IDLE MEM; do
		header_line | grep -qF -- "$h"
	done
	quit_tui
}

@test "interactive: F2 chooses and orders the columns; settings survive a restart" {
	ch=$(channel_name)
	start_server "$ch"
	start_tui 200 50 -f "$TAG"
	wait_for screen_has "$ch"
	screen_lacks " CALLS "
	keys F2
	wait_for screen_has "Setup: the columns"
	# Show CALLS (the first column not shown), move it left of STATE.
	# The cursor starts on the first column after NAME.
	n=$(screen | grep -n '\[ \] CALLS ' | cut -d: -f1)
	first=$(screen | grep -n '\[x\] TRANS ' | cut -d: -f1)
	for _ in $(seq $((n - first))); do keys Down; done
	keys Space
	for _ in $(seq 10); do keys '['; done
	keys Enter
	wait_for screen_has "CALLS"
	header_line | grep -q "NAME .*CALLS .*STATE"
	keys '>' r
	wait_for screen_has "(reversed)"
	sort=$(screen | sed -n 2p | sed 's/.*sort: \([a-z_0-9]*\).*/\1/')
	quit_tui
	grep -q "^columns=name,.*calls,.*state" "$XDG_CONFIG_HOME/shmrpc/toprc"
	grep -qx "reverse=1" "$XDG_CONFIG_HOME/shmrpc/toprc"
	# A new shmrpc-top starts where the last one left off.
	start_tui 200 50 -f "$TAG"
	wait_for screen_has "$ch"
	header_line | grep -q "NAME .*CALLS .*STATE"
	screen_has "sort: $sort (reversed)"
	quit_tui
	# And -b uses the same columns and order.
	run "$TOP" -b -n 1 -f "$TAG"
	grep -q "^NAME .*CALLS .*STATE" <<<"$output"
}

@test "F1 lists every key of the man page" {
	start_tui 200 50 -f "$TAG"
	wait_for screen_has "F10Quit"
	keys F1
	wait_for screen_has "Keys:"
	help=$(screen)
	keys PgDn
	sleep 0.3
	help="$help
$(screen)"
	n=0
	while IFS= read -r names; do
		grep -qF -- "  $names " <<<"$help" ||
		    { echo "not in F1: $names" >&2; return 1; }
		n=$((n + 1))
	done < <(awk '/^\.Sh /{ k = ($0 == ".Sh KEYS") } k && /^\.It /{
	    sub(/^\.It /, ""); gsub(/ , /, " "); gsub(/\\&/, ""); gsub(/\\e/, "\\");
	    print }' "$ROOT/man/shmrpc-top.1")
	[ "$n" -ge 20 ]
	keys Escape
	quit_tui
}

@test "interactive: a long status message is wrapped whole; without colours the selected row is not a header" {
	long=$(channel_name this_is_a_rather_long_channel_name_for_a_sixty_column_screen)
	start_server "$long"
	TUI_ENV=NO_COLOR=1 start_tui 60 20 -f "$TAG"
	wait_for screen_has "$TAG"
	keys x
	# "NAME is LIVE: only STALE channels can be reaped." over two lines.
	wait_for eval 'screen | tail -3 | tr -d "\n" | grep -qF "$long is LIVE: only STALE channels can be reaped."'
	tmux -L "$TMUX_SOCK" capture-pane -p -e -t top >"$BATS_TEST_TMPDIR/screen"
	header=$(sed -n 3p "$BATS_TEST_TMPDIR/screen")
	row=$(sed -n 4p "$BATS_TEST_TMPDIR/screen")
	# Header: underlined, not reversed; the selected row: reversed.
	[[ "$header" == *$'\e[4m'* || "$header" == *$'\e[1;4m'* || "$header" == *';4m'* ]]
	[[ "$header" != *$'\e[7m'* ]]
	[[ "$row" == *$'\e[7m'* || "$row" == *';7m'* ]]
	quit_tui
}

@test "interactive: x then y reaps a stale channel, live ones stay" {
	live=$(channel_name live)
	dead=$(channel_name dead)
	start_server "$live"
	dead_server "$dead"
	[ -n "$(shm_objects "$dead")" ]
	start_tui 160 40 -d 0.5 -f "$TAG"
	wait_for screen_has "$live"
	wait_for screen_has "STALE"
	# Rows are sorted by name: the dead one first.  x on a live one is
	# refused; on the stale one it asks, and y reaps.
	keys End x
	wait_for screen_has "only STALE channels can be reaped"
	keys Home x
	wait_for screen_has "[y/N]"
	keys y
	wait_for screen_has "Reaped 1 of 1"
	[ -z "$(shm_objects "$dead")" ]
	[ -n "$(shm_objects "$live")" ]
	wait_for screen_lacks "$dead "
	keys F10
	wait_for test -s "$BATS_TEST_TMPDIR/exit"
	[ "$(cat "$BATS_TEST_TMPDIR/exit")" = EXIT=0 ]
}
