#!/usr/bin/env bats
# shmrpc-clean against hostile users: forged registries, squatters at
# registry paths, hard links, pids reused by live processes, a file opened
# between the final check and the unlink, and 10,000 files with odd names.
# As root (-a) and as another user (setpriv to uid nobody).  Target: no
# wrong reap, ever.
#
# Each test runs over a private /dev/shm (unshare -m + tmpfs) with the
# default registry paths, which the attacks are about.

load helpers
load ns

suite_setup() {
	ns_suite_setup
}

@test "a forged registry of user nobody never makes root's cleaner remove root's files" {
	private_shm <<'EOF'
	# Root's live channel (so root's live registry exists) and a secret.
	host_start srv "$SERVER" "${TAG}_live"
	wait_ready srv
	echo secret >/dev/shm/rootsecret
	chmod 600 /dev/shm/rootsecret
	: >"/dev/shm/srb_${TAG}_x_req"
	touch -d '1 day ago' /dev/shm/rootsecret "/dev/shm/srb_${TAG}_x_req"
	# nobody's own registry: entries claiming uid 0 or naming root's files.
	entry() { # name uid object...
		local name=$1 uid=$2 objs
		shift 2
		objs=$(printf '"%s",' "$@")
		printf '{"name": "%s", "transport": "posix", "objects": [%s], "buffer_size": 4096, "slots": 1, "created": "2026-01-01T00:00:00.000Z", "owner": {"pid": 999999, "start_time": 1, "uid": %s, "comm": "evil"}, "clients": []}' \
		    "$name" "${objs%,}" "$uid"
	}
	"${AS_NOBODY[@]}" sh -c "cat >/dev/shm/shmrpc-registry-$NOBODY.json" <<JSON
{"format": "shmrpc-registry", "version": 1, "channels": [
$(entry e1 0 rootsecret),
$(entry e2 "$NOBODY" rootsecret),
$(entry e3 "$NOBODY" shmrpc-registry-0.json),
$(entry "${TAG}_x" "$NOBODY" "srb_${TAG}_x_req" "srb_${TAG}_x_resp" "sem.srb_${TAG}_x_req_empty" "sem.srb_${TAG}_x_req_full" "sem.srb_${TAG}_x_resp_empty" "sem.srb_${TAG}_x_resp_full" "shmrpc_posix_${TAG}_x")
]}
JSON
	out=$("$CLEAN" -a -g 0 2>&1) || true
	echo "$out"
	[ "$(cat /dev/shm/rootsecret)" = secret ] || fail "rootsecret was removed"
	[ -e /dev/shm/shmrpc-registry-0.json ] || fail "root's live registry was removed"
	[ -e "/dev/shm/srb_${TAG}_x_req" ] || fail "root's srb_ file was removed"
	# Each refused entry said once, naming the registry and its owner.
	reg="registry /dev/shm/shmrpc-registry-$NOBODY.json of uid $NOBODY"
	for e in e1 e2 e3; do
		[ "$(echo "$out" | grep -c "$reg")" -ge 3 ] || fail "refusals not named"
	done
	[ "$(echo "$out" | grep -c "lists it with uid 0")" -eq 1 ] || fail "e1 not said once"
	expect '{"root":"ok"}' "$CALL" "${TAG}_live" echo '{"root":"ok"}'
	# Root's own registry naming a file outside every scheme: not reaped.
	kill -TERM "$srv"; wait "$srv" || true
	echo db >/dev/shm/important.db
	cat >/dev/shm/shmrpc-registry-0.json <<JSON
{"format": "shmrpc-registry", "version": 2, "channels": [
$(entry imp 0 important.db)
]}
JSON
	"$CLEAN" -g 0 || true
	[ "$(cat /dev/shm/important.db)" = db ] || fail "important.db was removed"
EOF
}

@test "a squatter at root's registry lock is never waited on, named, and removed by root's -a" {
	private_shm <<'EOF'
	"${AS_NOBODY[@]}" sh -c 'umask 0; : >/dev/shm/shmrpc-registry-0.json.lock'
	# nobody holds the lock, as long as it likes.
	"${AS_NOBODY[@]}" sh -c 'exec 9<>"$0" && flock 9 && exec sleep 600' \
	    /dev/shm/shmrpc-registry-0.json.lock &
	NS_STARTED+=("$!")
	sleep 0.2
	ch=${TAG}_sq
	t0=$(date +%s%N)
	host_start srv env SHMRPC_LOG=warn "$SERVER" "$ch"
	wait_ready srv
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	[ "$ms" -lt 3000 ] || fail "server waited $ms ms on the squatter's lock"
	grep -q "shmrpc-registry-0.json.lock is owned by uid $NOBODY (nobody), not by uid 0" "$OUT/srv.out" ||
	    fail "server: $(cat "$OUT/srv.out")"
	expect '{"q":1}' "$CALL" "$ch" echo '{"q":1}'
	# Root's cleaner without -a: an error naming it, at once.
	t0=$(date +%s%N)
	expect "is owned by uid $NOBODY (nobody)" "$CLEAN" -g 0
	[ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 3000 ] || fail "cleaner waited"
	# With -a: removed, and said so.
	expect "reaped shmrpc-registry-0.json.lock (foreign: squatter:" "$CLEAN" -a -g 0
	[ ! -e /dev/shm/shmrpc-registry-0.json.lock ] || fail "squatter still there"
	# The live channel was left alone; the next server registers.
	expect '{"q":2}' "$CALL" "$ch" echo '{"q":2}'
	host_start srv2 "$SERVER" "${ch}2"
	wait_ready srv2
	grep -q "\"name\": \"${ch}2\"" /dev/shm/shmrpc-registry-0.json || fail "not registered"
EOF
}

@test "a squatted registry file is never written into; a user's server never waits on root's squat of its lock" {
	private_shm <<'EOF'
	printf 'not ours\n' | "${AS_NOBODY[@]}" sh -c 'umask 022; cat >/dev/shm/shmrpc-registry-0.json'
	host_start srv env SHMRPC_LOG=warn "$SERVER" "${TAG}_a"
	wait_ready srv
	[ "$(cat /dev/shm/shmrpc-registry-0.json)" = "not ours" ] || fail "written into"
	grep -q "shmrpc-registry-0.json is owned by uid $NOBODY (nobody)" "$OUT/srv.out" ||
	    fail "$(cat "$OUT/srv.out")"
	# The other way round: a lock at nobody's path that root made and holds.
	: >"/dev/shm/shmrpc-registry-$NOBODY.json.lock"
	chmod 666 "/dev/shm/shmrpc-registry-$NOBODY.json.lock"
	sh -c 'exec 9<>"$0" && flock 9 && exec sleep 600' \
	    "/dev/shm/shmrpc-registry-$NOBODY.json.lock" &
	NS_STARTED+=("$!")
	sleep 0.2
	t0=$(date +%s%N)
	host_start nsrv "${AS_NOBODY[@]}" env SHMRPC_LOG=warn "$SERVER" "${TAG}_n"
	wait_ready nsrv
	[ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 3000 ] || fail "nobody's server waited"
	grep -q "is owned by uid 0 (root), not by uid $NOBODY (nobody)" "$OUT/nsrv.out" ||
	    fail "$(cat "$OUT/nsrv.out")"
EOF
}

@test "hard links: a file with a second link is left alone, both names survive" {
	private_shm <<'EOF'
	# A root file linked under one of our names (what a user can do where
	# protected_hardlinks is off).
	echo keep >/dev/shm/rootfile
	chmod 600 /dev/shm/rootfile
	ln /dev/shm/rootfile "/dev/shm/srb_${TAG}_l_req"
	touch -h -d '1 day ago' "/dev/shm/srb_${TAG}_l_req"
	expect "2 hard links" "$CLEAN" -v -a -g 0
	[ -e "/dev/shm/srb_${TAG}_l_req" ] || fail "link removed"
	[ "$(cat /dev/shm/rootfile)" = keep ] || fail "rootfile changed"
EOF
}

@test "hard links: a registry lock path linked to root's file is never given to its user" {
	private_shm <<'EOF'
	echo keep >/dev/shm/rootfile
	chmod 600 /dev/shm/rootfile
	# nobody's crashed channel (so root's -a locks nobody's registry), and
	# nobody's lock path linked to a root file: root must not chown it.
	"${AS_NOBODY[@]}" "$SERVER" "${TAG}_n" >"$OUT/n.out" 2>&1 &
	npid=$!
	NS_STARTED+=("$npid")
	wait_ready n
	kill9 "$npid"
	rm -f "/dev/shm/shmrpc-registry-$NOBODY.json.lock"
	ln /dev/shm/rootfile "/dev/shm/shmrpc-registry-$NOBODY.json.lock"
	"$CLEAN" -a -g 0 || true
	[ "$(stat -c %u /dev/shm/rootfile)" = 0 ] || fail "root's file given to uid $(stat -c %u /dev/shm/rootfile)"
	[ "$(cat /dev/shm/rootfile)" = keep ] || fail "rootfile changed"
EOF
}

@test "a live unrelated process that reuses a dead owner's pid does not keep its channel, nor is it touched" {
	private_shm <<'EOF'
	ch=${TAG}_p
	host_start srv "$SERVER" -t futex "$ch"
	wait_ready srv
	kill9 "$srv"
	# Start times count clock ticks (10 ms): a process started in the
	# server's tick would be the same process by pid and start time,
	# and rightly kept.  A reused pid comes later.
	sleep 0.03
	sleep 600 &
	other=$!
	NS_STARTED+=("$other")
	# The entry now names the live sleep (a reused pid: its start time
	# is another).
	sed -i -E "s/\"pid\": $srv,/\"pid\": $other,/" /dev/shm/shmrpc-registry-0.json
	expect "stale owner=$other alive=0" "$DUMP" -g 0 -c "$ch"
	expect "reaped 1 object" "$CLEAN" -g 0
	kill -0 "$other" || fail "the unrelated process is gone"
EOF
}

@test "a file opened between the final check and the unlink is put back, and said so" {
	private_shm <<'EOF'
	f=/dev/shm/srb_${TAG}_o_req
	: >"$f"
	touch -d '1 day ago' "$f"
	SHMRPC_TEST_REAP_STALL=2 "$DUMP" -g 0 -x "$TAG" -A >"$OUT/reap.out" 2>&1 &
	reaper=$!
	for _ in $(seq 200); do grep -q "^stall" "$OUT/reap.out" && break; sleep 0.01; done
	grep -q "^stall srb_${TAG}_o_req" "$OUT/reap.out" || fail "$(cat "$OUT/reap.out")"
	# Opened and mapped right then, as a seed peer would.
	python3 -c '
import mmap, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
os.ftruncate(fd, 32)
m = mmap.mmap(fd, 32)
print("ready", flush=True)
time.sleep(600)' "$f" >"$OUT/py.out" 2>&1 &
	py=$!
	NS_STARTED+=("$py")
	wait_ready py
	rc=0; wait "$reaper" || rc=$?
	cat "$OUT/reap.out"
	[ -e "$f" ] || fail "removed while mapped"
	grep -q "event failed srb_${TAG}_o_req orphan code=-1016 | pid $py (python3) opened srb_${TAG}_o_req while it was being reaped: put back" "$OUT/reap.out" ||
	    fail "not said"
	[ "$rc" -ne 0 ] || fail "exit 0"
	[ -z "$(ls -a /dev/shm | grep shmrpc-reap)" ] || fail "quarantine left: $(ls -a /dev/shm)"
	expect "in-use" "$DUMP" -g 0 -x "$TAG"
	kill9 "$py"
	expect "reaped 1 object" "$CLEAN" -g 0 -p "$TAG"
EOF
}

@test "10,000 files with odd names: nothing wrongly reaped, nothing raw on the terminal, as root and as nobody" {
	SHM_SIZE=256m private_shm <<'EOF'
	mk='
import os, sys
names = []
for i in range(5000):
    kind = i % 10
    base = "%s%d" % (sys.argv[1], i)
    if kind == 0: n = "srb_%s x_req" % base            # a space
    elif kind == 1: n = "srb_%s\nx_req" % base         # a newline
    elif kind == 2: n = "sem.srb_\x1b[31m%s_req_full" % base  # an escape
    elif kind == 3: n = "shmrpc_futex_%s\t" % base     # a tab
    elif kind == 4: n = "srb_%s\\x_resp" % base        # a backslash
    elif kind == 5: n = "srb_%s\xc3\xa9_req" % base    # UTF-8
    elif kind == 6: n = "%s %s" % (base, "rm -rf")     # shell
    elif kind == 7: n = "shmrpc-registry-%s.json" % base
    elif kind == 8: n = "srb_%s_req\x7f" % base        # DEL
    else: n = ".shmrpc-reap.srb_%s\x01_req" % base     # quarantine + ctl
    fd = os.open("/dev/shm/" + n, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    os.utime("/dev/shm/" + n, (1, 1))
'
	python3 -c "$mk" r
	"${AS_NOBODY[@]}" /usr/bin/python3 -c "$mk" n
	# Real orphans of each user, to be reaped.
	: >"/dev/shm/srb_${TAG}_root_req"
	"${AS_NOBODY[@]}" sh -c ": >/dev/shm/srb_${TAG}_nobody_req"
	touch -d '1 day ago' "/dev/shm/srb_${TAG}_root_req" "/dev/shm/srb_${TAG}_nobody_req"
	before=$(ls -a /dev/shm | wc -l)
	"${AS_NOBODY[@]}" "$CLEAN" -v -g 0 >"$OUT/nobody.out" 2>&1 || true
	"$CLEAN" -v -a -g 0 >"$OUT/root.out" 2>&1 || true
	"$CLEAN" -l -a -g 0 >"$OUT/list.out" 2>&1 || true
	after=$(ls -a /dev/shm | wc -l)
	# The backslash names (kind 4) are valid channel names, hence old
	# orphans of ours: 500 of each user go, with the two real orphans.
	[ "$after" -eq $((before - 1002)) ] || fail "before $before, after $after"
	[ -z "$(ls /dev/shm | grep -F '\x_resp')" ] || fail "backslash orphans left"
	[ ! -e "/dev/shm/srb_${TAG}_root_req" ] && [ ! -e "/dev/shm/srb_${TAG}_nobody_req" ] ||
	    fail "the real orphans were left"
	for f in nobody root list; do
		if LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$OUT/$f.out"; then
			fail "raw control bytes in $f's output"
		fi
	done
	grep -q "reaped srb_${TAG}_root_req" "$OUT/root.out" || fail "$(tail "$OUT/root.out")"
	grep -q 'reaped srb_r4' "$OUT/root.out" || fail "backslash orphan not said"
	grep -q "reaped srb_${TAG}_nobody_req" "$OUT/nobody.out" || fail "$(tail "$OUT/nobody.out")"
EOF
}
