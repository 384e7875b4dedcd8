#!/usr/bin/env bats
# The deployment recipes of docs/deployment.md, each emulated on this
# machine (no container engine runs here): containers are PID and mount
# namespaces (unshare), a pod's emptyDir a tmpfs bind-mounted over each
# container's /dev/shm, systemd-logind's RemoveIPC=yes a removal of the
# user's files, Docker's --shm-size a tmpfs of that size.  Everything runs
# over a private /dev/shm.

load helpers
load ns

suite_setup() {
	ns_suite_setup
}

@test "docker --ipc=shareable: server and client in two containers sharing /dev/shm" {
	private_shm <<'EOF'
	ch=${TAG}_ipc
	# container A (--ipc=shareable) and container B (--ipc=container:A):
	# one /dev/shm, two PID namespaces.
	ns_start a "$SERVER" "$ch"
	wait_ready a
	expect '{"from":"b"}' ns_run "$CALL" -w 5 "$ch" echo '{"from":"b"}'
	expect "reaped 0 objects" ns_run "$CLEAN" -g 0
	kill9 "$a"
	expect "reaped 1 object" ns_run "$CLEAN" -g 0
EOF
}

@test "docker --shm-size: a channel larger than /dev/shm fails at once with ENOSPC, a fitting one works" {
	SHM_SIZE=64m private_shm <<'EOF'
	ch=${TAG}_big
	# 16 slots of two 4 MiB buffers: 128 MiB, over Docker's 64 MB default.
	expect "No space left on device" "$SERVER" -t futex -b 4194304 -s 16 "$ch"
	[ -z "$(ls /dev/shm)" ] || fail "left: $(ls /dev/shm)"
	# 4 slots: 32 MiB fits.
	host_start srv "$SERVER" -t futex -b 4194304 -s 4 "$ch"
	wait_ready srv
	expect '"x"' "$CALL" "$ch" echo '{"x":1}'
EOF
}

@test "kubernetes emptyDir medium: Memory: containers of a pod share a tmpfs as /dev/shm" {
	private_shm <<'EOF'
	ch=${TAG}_pod
	dir=$OUT/emptydir
	mkdir -p "$dir"
	mount -t tmpfs -o size=64m,mode=1777 tmpfs "$dir"
	# Each container: its own mount and PID namespace, the volume
	# mounted at /dev/shm.
	pod() { unshare -m -p -f --mount-proc sh -c \
	    'mount --bind "$0" /dev/shm && exec "$@"' "$dir" "$@"; }
	pod "$SERVER" "$ch" >"$OUT/srv.out" 2>&1 &
	NS_STARTED+=("$!")
	for _ in $(seq 200); do grep -q ready "$OUT/srv.out" && break; sleep 0.02; done
	ls "$dir" | grep -q "shmrpc_futex_$ch" || fail "not in the volume: $(ls "$dir")"
	[ -z "$(ls /dev/shm)" ] || fail "not in the volume: $(ls /dev/shm)"
	expect '{"pod":1}' pod "$CALL" "$ch" echo '{"pod":1}'
	expect "channel $ch futex live" pod "$DUMP" -c "$ch"
	expect "reaped 0 objects" pod "$CLEAN" -g 0
EOF
}

# fake_logind REMOVEIPC: this mount namespace looks like a host booted with
# systemd whose logind.conf says RemoveIPC=REMOVEIPC ("" : the default).
fake_logind_lib='
fake_logind() {
	mount -t tmpfs tmpfs /run/systemd 2>/dev/null ||
	    { mkdir -p /run/systemd && mount -t tmpfs tmpfs /run/systemd; }
	mkdir -p /run/systemd/system
	mountpoint -q /etc/systemd || mount -t tmpfs tmpfs /etc/systemd
	printf "[Login]\n%s\n" "${1:+RemoveIPC=$1}" >/etc/systemd/logind.conf
}
'

@test "RemoveIPC=yes: server and tools warn for a user it applies to; RemoveIPC=no and system users are quiet" {
	LIB=$fake_logind_lib private_shm <<'EOF'
	eval "$LIB"
	fake_logind ""
	ch=${TAG}_u
	host_start srv setpriv --reuid=1000 --regid=1000 --clear-groups \
	    env SHMRPC_LOG=warn "$SERVER" "$ch"
	wait_ready srv
	grep -q "RemoveIPC=yes" "$OUT/srv.out" || fail "server: $(cat "$OUT/srv.out")"
	expect "warning systemd-logind removes the files of uid 1000" "$DUMP" -a -c "$ch"
	expect "removeipc=1" "$DUMP" -a -c "$ch"
	expect "uid 1000 has live channels, and systemd-logind removes" "$CLEAN" -a -g 0
	# A drop-in that turns it off.
	mkdir -p /etc/systemd/logind.conf.d
	printf '[Login]\nRemoveIPC=no\n' >/etc/systemd/logind.conf.d/50-shmrpc.conf
	expect "removeipc=0" "$DUMP" -a -c "$ch"
	refuse "warning systemd-logind" "$DUMP" -a -c "$ch"
	refuse "systemd-logind" "$CLEAN" -a -g 0
	# Back on, but a system user (uid < 1000) is never concerned.
	rm /etc/systemd/logind.conf.d/50-shmrpc.conf
	ch2=${TAG}_sys
	host_start sys setpriv --reuid=999 --regid=999 --clear-groups \
	    env SHMRPC_LOG=warn "$SERVER" "$ch2"
	wait_ready sys
	refuse "RemoveIPC" cat "$OUT/sys.out"
	expect "removeipc=0" "$DUMP" -a -c "$ch2"
EOF
}

removed_under_server() {
	T=$1 private_shm <<'EOF'
	ch=${TAG}_gone
	host_start srv setpriv --reuid=1000 --regid=1000 --clear-groups \
	    "$SERVER" -t "$T" "$ch"
	wait_ready srv
	expect '{"before":1}' "$CALL" -t "$T" "$ch" echo '{"before":1}'
	# What systemd-logind does at the user's last logout.
	find /dev/shm -maxdepth 1 -user 1000 -delete
	# The server notices within a second or so and stops, loudly.
	for _ in $(seq 60); do kill -0 "$srv" 2>/dev/null || break; sleep 0.05; done
	! kill -0 "$srv" 2>/dev/null || fail "still serving a channel nobody can open"
	rc=0; wait "$srv" || rc=$?
	[ "$rc" -ne 0 ] || fail "exit status 0"
	grep -q "removed from /dev/shm" "$OUT/srv.out" || fail "$(cat "$OUT/srv.out")"
EOF
}

@test "RemoveIPC removes a futex server's files: it stops with an error, never serves a channel nobody can open" {
	removed_under_server futex
}

@test "RemoveIPC removes a posix server's files: it stops with an error, never serves a channel nobody can open" {
	removed_under_server posix
}

share_through_group() {
	T=$1 private_shm <<'EOF'
	ch=${TAG}_grp
	# A root daemon serving an unprivileged group (gid 4242).
	host_start srv "$SERVER" -t "$T" -m 0660 -g 4242 "$ch"
	wait_ready srv
	for f in $(ls /dev/shm | grep -F "$ch"); do
		[ "$(stat -c '%a %u %g' "/dev/shm/$f")" = "660 0 4242" ] ||
		    fail "$f: $(stat -c '%a %u %g' "/dev/shm/$f")"
	done
	member() { setpriv --reuid=65534 --regid=65534 --groups=4242 "$@"; }
	outsider() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
	expect '{"member":1}' member "$CALL" -t "$T" "$ch" echo '{"member":1}'
	expect "Permission denied" outsider "$CALL" -t "$T" "$ch" echo '{}'
	expect "mode=0660 gid=4242" "$DUMP" -c "$ch"
	# The group's cleaner never touches the daemon's files.
	expect "reaped 0 objects" member "$CLEAN" -g 0
	expect '{"still":1}' member "$CALL" -t "$T" "$ch" echo '{"still":1}'
EOF
}

@test "futex: two users share a channel through a group (0660 + gid), others cannot open it" {
	share_through_group futex
}

@test "posix: two users share a channel through a group (0660 + gid), others cannot open it" {
	share_through_group posix
}

@test "a channel mode other than 0600 or 0660 is refused" {
	ch=$(channel_name)
	run "$BUILD/tests/test-server" -m 0666 "$ch"
	[ "$status" -eq 1 ]
	[[ "$output" == *"0600 (its user only) or 0660"* ]]
	[ -z "$(shm_objects "$ch")" ]
}
