# ns.bash - helpers for suites that place servers, clients, monitors and
# cleaners in PID namespaces of their own, over a private /dev/shm.
#
# private_shm (from bats): run the script on stdin in a new mount
# namespace whose /dev/shm is a tmpfs of its own (size $SHM_SIZE, default
# 64m: Docker's default), with this file sourced and `set -eu`.  Nothing
# the script makes reaches the host's /dev/shm, and everything it starts
# is killed when it ends.  Needs root (unshare -m -p).
#
# Inside the script:
#   ns_start VAR CMD...  CMD as pid 1 of a new PID namespace (with its own
#                        /proc), in the background; VAR = its pid as the
#                        host sees it, output in $OUT/VAR.out
#   host_start VAR CMD...  CMD in the background in the host's namespace
#   ns_run CMD...        CMD in a new PID namespace, in the foreground
#                        (two ns_run/ns_start are siblings: neither sees
#                        the other's processes)
#   wait_up CH [transport]   until CH answers __running__ (from the host)
#   wait_ready VAR       until the server started as VAR printed "ready"
#   kill9 PID            kill -9 and wait until it is gone
#   expect TEXT CMD...   run CMD; fail unless its output contains TEXT
#   refuse TEXT CMD...   run CMD; fail if its output contains TEXT
#   fail MSG             stop the script with MSG
#   "${AS_NOBODY[@]}" CMD...  CMD as uid nobody, no groups (an array, not a
#                        function: a function in the background would
#                        leave the real process out of NS_STARTED)

# ns_suite_setup (from a suite's suite_setup): the default registry path
# (each script has a /dev/shm of its own), root and namespaces or a skip,
# and the programs the scripts use, exported.
ns_suite_setup() {
	unset SHMRPC_REGISTRY
	if [ "$(id -u)" -ne 0 ] || ! unshare -m -p -f --mount-proc true 2>/dev/null; then
		skip "needs root for unshare -m -p (mount and PID namespaces) and setpriv"
	fi
	export CALL SERVER=$BUILD/tests/test-server DUMP=$BUILD/tests/inspect-dump \
	    CLEAN=$BUILD/bin/shmrpc-clean TOP=$BUILD/bin/shmrpc-top TAG BUILD \
	    NOBODY=$(id -u nobody)
}

private_shm() {
	local script=$BATS_TEST_TMPDIR/ns-script.$RANDOM
	cat >"$script"
	mkdir -p "$BATS_TEST_TMPDIR/ns-out"
	run env OUT="$BATS_TEST_TMPDIR/ns-out" NS_LIB="$BATS_TEST_DIRNAME/ns.bash" \
	    SHM_SIZE="${SHM_SIZE:-64m}" \
	    unshare -m --propagation private bash -c '
		set -eu
		mount -t tmpfs -o "size=$SHM_SIZE,mode=1777" tmpfs /dev/shm
		. "$NS_LIB"
		trap ns_cleanup EXIT
		. "$1"' _ "$script" 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
}

NS_STARTED=()
AS_NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups)

ns_cleanup() {
	local p
	for p in "${NS_STARTED[@]}"; do
		kill -KILL "$p" 2>/dev/null || true
	done
	for p in "${NS_STARTED[@]}"; do
		wait "$p" 2>/dev/null || true
	done
}

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

ns_start() {
	local var=$1 up child
	shift
	unshare -p -f --mount-proc "$@" >"$OUT/$var.out" 2>&1 &
	up=$!
	NS_STARTED+=("$up")
	for _ in $(seq 200); do
		child=$(pgrep -P "$up" || true)
		[ -n "$child" ] && break
		sleep 0.01
	done
	[ -n "$child" ] || fail "no process in the new namespace of $*"
	NS_STARTED+=("$child")
	printf -v "$var" %s "$child"
}

host_start() {
	local var=$1
	shift
	"$@" >"$OUT/$var.out" 2>&1 &
	NS_STARTED+=("$!")
	printf -v "$var" %s "$!"
}

ns_run() {
	unshare -p -f --mount-proc "$@"
}

wait_up() {
	"$CALL" ${2:+-t "$2"} -w 10 -T 5 "$1" __running__ >/dev/null ||
	    fail "channel $1 did not come up"
}

wait_ready() {
	for _ in $(seq 400); do
		grep -q '^ready' "$OUT/$1.out" 2>/dev/null && return 0
		sleep 0.025
	done
	fail "$1 did not start: $(cat "$OUT/$1.out")"
}

kill9() {
	kill -KILL "$1"
	for _ in $(seq 200); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.01
	done
	fail "pid $1 survived kill -9"
}

expect() {
	local text=$1 out
	shift
	out=$("$@" 2>&1) || true
	echo "$out"
	[[ "$out" == *"$text"* ]] || fail "expected \"$text\" from: $*"
}

refuse() {
	local text=$1 out
	shift
	out=$("$@" 2>&1) || true
	echo "$out"
	[[ "$out" != *"$text"* ]] || fail "did not expect \"$text\" from: $*"
}
