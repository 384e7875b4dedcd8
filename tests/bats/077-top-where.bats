#!/usr/bin/env bats
# shmrpc-top shows where an owner lives and who may open its channel
# (issue 15): an owner in another PID namespace with its pid marked as
# not ours, its namespace, cgroup and liveness lock, the files' mode and
# group, RemoveIPC, and the entries the trust rules refuse, in -b text and
# -o json.  Over a private /dev/shm, as 075-namespaces.

load helpers
load ns

suite_setup() {
	ns_suite_setup
	export JQ_OK=$(command -v jq || true)
}

# top_b CH COLUMNS...: one -b frame of channel CH with those columns.
top_lib='
top_b() {
	local ch=$1
	shift
	mkdir -p "$OUT/xdg/shmrpc"
	printf "columns=%s\n" "$(IFS=,; echo "$*")" >"$OUT/xdg/shmrpc/toprc"
	XDG_CONFIG_HOME=$OUT/xdg "$TOP" -b -n 1 -f "$ch"
}
top_json() {
	"$TOP" -b -o json -n 1 "$@"
}
'

@test "top: an owner in a child PID namespace: ns:PID, its namespace and lock, in -b and -o json" {
	LIB=$top_lib private_shm <<'EOF'
	eval "$LIB"
	ch=${TAG}_w
	ns_start srv "$SERVER" "$ch"
	wait_ready srv
	out=$(top_b "$ch" pid pid_ns lock state)
	echo "$out"
	line=$(grep "^$ch " <<<"$out") || fail "no row"
	ours=$(stat -L -c %i /proc/self/ns/pid)
	# Its pid is 1 there; our pid 1 is another process.
	read -r name pid ns lock state <<<"$line"
	[ "$pid" = ns:1 ] || fail "pid shown as $pid"
	[ "$ns" -gt 0 ] && [ "$ns" != "$ours" ] || fail "pid ns $ns (ours $ours)"
	[ "$lock" = held ] || fail "lock $lock"
	[ "$state" = LIVE ] || fail "state $state"
	top_json -f "$ch" >"$OUT/j"
	jq -e --arg ch "$ch" --argjson ours "$ours" '.channels[] | select(.name == $ch)
	    | .owner_pid == 1 and .owner_pid_local == false
	      and .owner_pid_ns != $ours and .owner_pid_ns > 0
	      and .owner_lock == "held" and .refused == false
	      and .mode == "0600" and .gid == null' "$OUT/j" ||
	    fail "$(cat "$OUT/j")"
	# The same server seen from its own namespace's sibling: not ours
	# either, and never a local pid.
	ns_run "$TOP" -b -o json -n 1 -f "$ch" >"$OUT/j2"
	jq -e '.channels[0].owner_pid_local == false' "$OUT/j2" || fail "$(cat "$OUT/j2")"
	# On the host a local owner is shown as a plain pid.
	host_start loc "$SERVER" "${ch}l"
	wait_ready loc
	out=$(top_b "${ch}l" pid pid_ns lock)
	grep -Eq "^${ch}l +$loc +$ours +held$" <<<"$out" || fail "$out"
	jq -e '.channels[0].owner_pid_local == true' <(top_json -f "${ch}l") || fail local
EOF
}

@test "top: the owner's cgroup is shown made safe, and is in the JSON as written" {
	LIB=$top_lib private_shm <<'EOF'
	eval "$LIB"
	ch=${TAG}_cg
	host_start srv "$SERVER" "$ch"
	wait_ready srv
	# What the owner wrote, as a hostile owner could write it.
	python3 - /dev/shm/shmrpc-registry-0.json <<'PY'
import json, re, sys
p = sys.argv[1]
t = open(p).read()
evil = json.dumps("/d/\x1b[31mr\nx")
t = re.sub(r'"cgroup": "(?:[^"\\]|\\.)*"', lambda m: '"cgroup": ' + evil, t)
if '"cgroup"' not in t:
    t = t.replace('"comm": "test-server"', '"comm": "test-server", "cgroup": ' + evil)
open(p, "w").write(t)
PY
	grep -q 'cgroup": "/d/\\u001b' /dev/shm/shmrpc-registry-0.json || fail "$(cat /dev/shm/shmrpc-registry-0.json)"
	out=$(top_b "$ch" cgroup lock)
	echo "$out" | cat -A
	! grep -q $'\x1b' <<<"$out" || fail "raw escape on the terminal"
	grep -Eq "^$ch +/d/\\\\033\\[31mr\\\\nx +held$" <<<"$out" || fail "cgroup not shown"
	top_json -f "$ch" >"$OUT/j"
	jq -e '.channels[0].owner_cgroup == "/d/\u001b[31mr\nx"' "$OUT/j" ||
	    fail "$(cat "$OUT/j")"
EOF
}

@test "top: group access (0660 and a gid) in the ACCESS column and the JSON" {
	LIB=$top_lib private_shm <<'EOF'
	eval "$LIB"
	ch=${TAG}_g
	host_start srv "$SERVER" -m 0660 -g 4242 "$ch"
	wait_ready srv
	out=$(top_b "$ch" access)
	grep -Eq "^$ch +0660:(4242|[a-z_][a-z0-9_-]*)$" <<<"$out" || fail "$out"
	top_json -f "$ch" >"$OUT/j"
	jq -e '.channels[0] | .mode == "0660" and .gid == 4242' "$OUT/j" ||
	    fail "$(cat "$OUT/j")"
	# shmrpc-clean -j says the same of the same channel, and of its files.
	"$CLEAN" -l -j -c "$ch" >"$OUT/c"
	jq -e '.channels[0] | .mode == "0660" and .gid == 4242 and
	    .owner_lock == "held" and (.objects | length > 0) and
	    all(.objects[]; .mode == "0660" and .gid == 4242 and .links == 1)' \
	    "$OUT/c" || fail "$(cat "$OUT/c")"
EOF
}

@test "top: RemoveIPC=yes for the owner's user is a warning in -b and true in the JSON" {
	LIB=$top_lib private_shm <<'EOF'
	eval "$LIB"
	mount -t tmpfs tmpfs /run/systemd 2>/dev/null ||
	    { mkdir -p /run/systemd && mount -t tmpfs tmpfs /run/systemd; }
	mkdir -p /run/systemd/system
	mountpoint -q /etc/systemd || mount -t tmpfs tmpfs /etc/systemd
	printf '[Login]\n' >/etc/systemd/logind.conf
	ch=${TAG}_r
	host_start srv setpriv --reuid=1000 --regid=1000 --clear-groups \
	    "$SERVER" "$ch"
	wait_ready srv
	out=$("$TOP" -a -b -n 1 -f "$ch")
	echo "$out"
	grep -q "^warning: .*RemoveIPC=yes" <<<"$out" || fail "no warning"
	jq -e '.channels[0].owner_removeipc == true' <("$TOP" -a -b -o json -n 1 -f "$ch") ||
	    fail removeipc
	printf '[Login]\nRemoveIPC=no\n' >/etc/systemd/logind.conf
	jq -e '.channels[0].owner_removeipc == false' <("$TOP" -a -b -o json -n 1 -f "$ch") ||
	    fail "removeipc=no"
EOF
}

@test "top: a refused registry entry is REFUSED, and a squatter at a registry path FOREIGN" {
	LIB=$top_lib private_shm <<'EOF'
	eval "$LIB"
	ch=${TAG}_f
	"${AS_NOBODY[@]}" sh -c "cat >/dev/shm/shmrpc-registry-$NOBODY.json" <<JSON
{"format": "shmrpc-registry", "version": 2, "channels": [
{"name": "$ch", "transport": "futex", "objects": ["shmrpc_futex_$ch"], "buffer_size": 4096, "slots": 1, "created": "2026-01-01T00:00:00.000Z", "owner": {"pid": 999999, "start_time": 1, "uid": 0, "comm": "evil"}, "clients": []}
]}
JSON
	top_b "$ch" state >/dev/null
	out=$(XDG_CONFIG_HOME=$OUT/xdg "$TOP" -a -b -n 1 -f "$ch")
	echo "$out"
	grep -Eq "^$ch +REFUSED" <<<"$out" || fail "not refused with -a: $out"
	jq -e '.channels[0].refused == true and .channels[0].state == "unknown"' \
	    <("$TOP" -a -b -o json -n 1 -f "$ch") || fail json
	# nobody squats root's registry lock.
	"${AS_NOBODY[@]}" sh -c 'umask 0; : >/dev/shm/shmrpc-registry-0.json.lock'
	out=$("$TOP" -a -b -n 1)
	echo "$out"
	grep -Eq "^shmrpc-registry-0.json.lock +FOREIGN " <<<"$out" || fail "squatter not FOREIGN"
EOF
}
