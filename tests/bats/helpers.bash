# helpers.bash - loaded by every bats suite (`load helpers`).
#
# Every test names its channels with channel_name, which starts with a tag
# unique to this test run (pid + test number + random), so suites can run
# twice in a row or beside another copy.  Each test also gets a registry
# file of its own.  teardown stops what the test started and fails the test
# if anything with its tag (registry included) is left in /dev/shm.

bats_require_minimum_version 1.5.0

ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
EXDIR=${EXDIR:-examples}
case $EXDIR in /*) ;; *) EXDIR=$ROOT/$EXDIR ;; esac
CALL=$BUILD/bin/shmrpc-call
SEED_PEER=$ROOT/tests/interop/seed_peer.py

setup() {
	TAG="bt$$x${BATS_TEST_NUMBER}x${RANDOM}"
	PIDS_FILE=$BATS_TEST_TMPDIR/pids
	: >"$PIDS_FILE"
	# A registry of this test's own: tests never touch the user's real
	# one, and one left behind (a channel never unregistered) is a leak.
	export SHMRPC_REGISTRY=/dev/shm/${TAG}-registry.json
	if declare -F suite_setup >/dev/null; then suite_setup; fi
}

teardown() {
	if declare -F suite_teardown >/dev/null; then suite_teardown; fi
	stop_all
	# The test's own registry goes with it (a test that kill -9s a server
	# leaves its entry there on purpose); anything else is a leak.
	rm -f "$SHMRPC_REGISTRY" "$SHMRPC_REGISTRY.lock" "$SHMRPC_REGISTRY.tmp"
	local left
	left=$(ls -1 /dev/shm | grep -F "$TAG" || true)
	if [ -n "$left" ]; then
		echo "test left objects in /dev/shm:" >&2
		echo "$left" >&2
		(cd /dev/shm && echo "$left" | xargs -r rm -f --)
		return 1
	fi
}

# channel_name [SUFFIX]: a channel name unique to this test.
channel_name() {
	echo "${TAG}${1:+_$1}"
}

# start_bg CMD...: run CMD in the background, output in $BG_OUT, pid in
# $BG_PID; teardown stops it.  fd 3 is closed so bats does not wait on it.
start_bg() {
	BG_COUNT=$((${BG_COUNT:-0} + 1))
	BG_OUT=$BATS_TEST_TMPDIR/bg.$BG_COUNT.out
	"$@" >"$BG_OUT" 2>&1 3>&- &
	BG_PID=$!
	echo "$BG_PID" >>"$PIDS_FILE"
}

# wait_channel NAME [TRANSPORT]: wait until NAME answers __running__.
wait_channel() {
	run "$CALL" ${2:+-t "$2"} -w 10 -T 5 "$1" __running__
	[ "$status" -eq 0 ] || { echo "channel $1 did not come up: $output" >&2; return 1; }
}

# wait_ready FILE: wait until a server wrote its "ready" line there.
wait_ready() {
	for _ in $(seq 200); do
		grep -q '^ready' "$1" && return 0
		sleep 0.05
	done
	echo "not ready: $(cat "$1")" >&2
	return 1
}

# stop_pid PID: SIGTERM, then wait up to 10 s for it to exit.
stop_pid() {
	kill -TERM "$1" 2>/dev/null || return 0
	for _ in $(seq 100); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null || true
	return 1
}

stop_all() {
	local pid
	[ -f "$PIDS_FILE" ] || return 0
	while read -r pid; do
		stop_pid "$pid" || true
		wait "$pid" 2>/dev/null || true
	done <"$PIDS_FILE"
	: >"$PIDS_FILE"
	# Anything else this test started names its channel, so its command
	# line holds the tag: stop it too, even when an assertion failed
	# before the test could.
	if pkill -TERM -f -- "$TAG" 2>/dev/null; then
		for _ in $(seq 50); do
			pgrep -f -- "$TAG" >/dev/null || break
			sleep 0.1
		done
		pkill -KILL -f -- "$TAG" 2>/dev/null || true
	fi
}

# shm_objects NAME: the /dev/shm entries of channel NAME, one a line.
shm_objects() {
	ls -1 /dev/shm | grep -F -- "$1" | grep -v -- '-registry\.json' || true
}
