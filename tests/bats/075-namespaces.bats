#!/usr/bin/env bats
# Liveness across PID namespaces (containers that share /dev/shm, as
# docker --ipc=shareable or a Kubernetes pod's emptyDir do): servers,
# clients, monitors and cleaners in sibling, parent and child PID
# namespaces.  No wrong reap, no false "server died", and a dead owner's
# channel reaped from any namespace in one shmrpc-clean run.
#
# Each test runs over a private /dev/shm (unshare -m + tmpfs) with the
# default registry path, so nothing here touches the host's /dev/shm.

load helpers
load ns

suite_setup() {
	ns_suite_setup
}

# Server in a child PID namespace (it is pid 1 there, and the host's pid 1
# is another process), clients on the host.
server_in_child_client_on_host() {
	T=$1 private_shm <<'EOF'
	ch=${TAG}_c
	ns_start srv "$SERVER" -t "$T" "$ch"
	wait_ready srv
	grep -q '"pid": 1,' /dev/shm/shmrpc-registry-0.json
	for i in 1 2 3; do
		expect '{"i":'$i'}' "$CALL" -t "$T" "$ch" echo '{"i":'$i'}'
	done
	# The host's monitor and cleaner: live, nothing reaped.
	expect "channel $ch $T live owner=1 alive=1" "$DUMP" -g 0 -c "$ch"
	expect "reaped 0 objects" "$CLEAN" -g 0
	expect '{"after":"clean"}' "$CALL" -t "$T" "$ch" echo '{"after":"clean"}'
EOF
}

@test "futex: server in a child PID namespace, clients on the host" {
	server_in_child_client_on_host futex
}

@test "posix: server in a child PID namespace, clients on the host" {
	server_in_child_client_on_host posix
}

@test "server on the host, clients in child PID namespaces" {
	private_shm <<'EOF'
	for t in futex posix; do
		ch=${TAG}_$t
		host_start srv_$t "$SERVER" -t "$t" "$ch"
		wait_up "$ch" "$t"
		expect '{"from":"child"}' ns_run "$CALL" -t "$t" "$ch" echo '{"from":"child"}'
		# The child's own monitor: the owner's pid is not one of its
		# own, yet the channel is live.
		expect "channel $ch $t live" ns_run "$DUMP" -c "$ch"
	done
EOF
}

@test "server and clients in sibling PID namespaces" {
	private_shm <<'EOF'
	for t in futex posix; do
		ch=${TAG}_$t
		ns_start srv_$t "$SERVER" -t "$t" "$ch"
		wait_ready srv_$t
		expect '{"sibling":1}' ns_run "$CALL" -t "$t" -w 5 "$ch" echo '{"sibling":1}'
	done
EOF
}

# Monitor and cleaner in a sibling namespace: they see neither the server
# nor its clients.  While it lives: live, nothing reaped.  After its kill
# -9: stale, reaped in one run.
sibling_cleaner() {
	T=$1 private_shm <<'EOF'
	ch=${TAG}_s
	ns_start srv "$SERVER" -t "$T" "$ch"
	wait_ready srv
	expect "channel $ch $T live" ns_run "$DUMP" -g 0 -c "$ch"
	refuse "stale" ns_run "$DUMP" -g 0 -c "$ch"
	expect "reaped 0 objects" ns_run "$CLEAN" -g 0
	expect '"state":"live"' ns_run "$TOP" -b -n 1 -o json
	expect '{"still":"served"}' "$CALL" -t "$T" "$ch" echo '{"still":"served"}'
	kill9 "$srv"
	expect "channel $ch $T stale" ns_run "$DUMP" -g 0 -c "$ch"
	expect ", 0 errors" ns_run "$CLEAN" -g 0
	[ -z "$(ls /dev/shm)" ] || fail "left: $(ls /dev/shm)"
EOF
}

@test "futex: monitor and cleaner in a sibling namespace: live while it lives, reaped after kill -9" {
	sibling_cleaner futex
}

@test "posix: monitor and cleaner in a sibling namespace: live while it lives, reaped after kill -9" {
	sibling_cleaner posix
}

@test "a client in a sibling namespace attached to a dead server keeps its channel in use" {
	private_shm <<'EOF'
	for t in futex posix; do
		ch=${TAG}_$t
		ns_start srv "$SERVER" -t "$t" "$ch"
		wait_ready srv
		# A client that stays attached, in a namespace of its own.
		ns_start cli "$BUILD/tests/stress-client" -t "$t" -T 30 "$ch" 100000000
		sleep 0.3
		kill9 "$srv"
		# The cleaner, in a third namespace, sees only its lock.
		expect "in-use" ns_run "$DUMP" -g 0 -c "$ch"
		expect "reaped 0 objects" ns_run "$CLEAN" -g 0 -c "$ch"
		kill9 "$cli"
		expect ", 0 errors" ns_run "$CLEAN" -g 0 -c "$ch"
		[ -z "$(ls /dev/shm | grep -F "$ch")" ] || fail "left: $(ls /dev/shm)"
	done
EOF
}

@test "futex: a client on the host learns at once that a server in a child namespace died" {
	private_shm <<'EOF'
	ch=${TAG}_d
	ns_start srv "$SERVER" -t futex "$ch"
	wait_ready srv
	# Not "died" while it lives...
	expect '{"alive":1}' "$CALL" "$ch" echo '{"alive":1}'
	# ...and at once when it dies.
	"$CALL" -T 30 "$ch" sleep '{"ms":20000}' >"$OUT/call.out" 2>&1 &
	cpid=$!
	for _ in $(seq 200); do
		"$BUILD/tests/futex-stats" "$ch" | head -1 | grep -q " in_flight=1 " && break
		sleep 0.01
	done
	t0=$(date +%s%N)
	kill -KILL "$srv"
	rc=0
	wait "$cpid" || rc=$?
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	echo "server-dead across namespaces detected in $ms ms (kill to client exit)"
	echo "$ms" >>"${FUTEX_DEATH_LOG:-/dev/null}"
	[ "$rc" -eq 3 ] || fail "client status $rc: $(cat "$OUT/call.out")"
	grep -q "Server process died" "$OUT/call.out" || fail "$(cat "$OUT/call.out")"
	[ "$ms" -lt 1000 ] || fail "took $ms ms"
EOF
}

@test "a server restarted in another namespace reclaims a dead one's channel, never a live one's" {
	private_shm <<'EOF'
	for t in futex posix; do
		ch=${TAG}_$t
		ns_start first "$SERVER" -t "$t" "$ch"
		wait_ready first
		# Alive in its namespace: a server in a sibling one must not
		# take the name over.
		expect "in use" ns_run timeout 10 "$SERVER" -t "$t" "$ch"
		expect '{"first":"alive"}' "$CALL" -t "$t" "$ch" echo '{"first":"alive"}'
		kill9 "$first"
		ns_start second env SHMRPC_LOG=warn "$SERVER" -t "$t" "$ch"
		wait_ready second
		grep -q reclaimed "$OUT/second.out" || fail "$(cat "$OUT/second.out")"
		expect '{"second":1}' "$CALL" -t "$t" "$ch" echo '{"second":1}'
		kill -TERM "$second"
		for _ in $(seq 100); do kill -0 "$second" 2>/dev/null || break; sleep 0.05; done
	done
EOF
}

@test "pid reuse across namespaces: a live foreign pid is not the owner, a dead owner's pid alive here is not alive" {
	private_shm <<'EOF'
	ch=${TAG}_r
	# The server is pid 1 of its namespace; the host's pid 1 is alive and
	# started at another time: that says nothing about the server.
	ns_start srv "$SERVER" -t futex "$ch"
	wait_ready srv
	expect "live owner=1 alive=1" "$DUMP" -g 0 -c "$ch"
	# The dead owner's entry made to name a pid alive on the host with its
	# very start time (this shell): the free lock says dead, and a pid of
	# another namespace is no second opinion.
	me=$$
	start=$(awk '{print $22}' /proc/$me/stat)
	kill9 "$srv"
	sed -i -E "s/\"pid\": 1, \"start_time\": [0-9]+/\"pid\": $me, \"start_time\": $start/" \
	    /dev/shm/shmrpc-registry-0.json
	grep -q "\"pid\": $me," /dev/shm/shmrpc-registry-0.json
	expect "stale owner=$me alive=0" ns_run "$DUMP" -g 0 -c "$ch"
	expect "reaped 1 object" ns_run "$CLEAN" -g 0
EOF
}
