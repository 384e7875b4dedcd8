#!/usr/bin/env bash
# death-latency.sh - how long a futex client blocked in a call takes to
# report "Server process died" after the server's kill -9, with the server
# in the client's PID namespace and in a child one.  Root (unshare); runs
# over a private /dev/shm.  Prints every sample, then the median and max
# per placement, in ms from the kill to the client's exit.
#
# usage: tests/helpers/death-latency.sh [runs] [build dir]
set -eu
runs=${1:-30}
BUILD=${2:-build}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
export BUILD runs
exec unshare -m --propagation private bash -c '
set -eu
mount -t tmpfs -o size=64m,mode=1777 tmpfs /dev/shm
unset SHMRPC_REGISTRY
measure() { # placement: "" (same namespace) or "ns"
	local place=$1 ch=dl$$ srv up cpid t0 rc
	if [ -n "$place" ]; then
		unshare -p -f --mount-proc "$BUILD/tests/test-server" -t futex "$ch" >/dev/null 2>&1 &
		up=$!
		for _ in $(seq 200); do srv=$(pgrep -P "$up" || true); [ -n "$srv" ] && break; sleep 0.01; done
	else
		"$BUILD/tests/test-server" -t futex "$ch" >/dev/null 2>&1 &
		srv=$!
	fi
	"$BUILD/bin/shmrpc-call" -w 10 -T 30 "$ch" __running__ >/dev/null
	"$BUILD/bin/shmrpc-call" -T 30 "$ch" sleep "{\"ms\":20000}" >/dev/null 2>&1 &
	cpid=$!
	for _ in $(seq 500); do
		"$BUILD/tests/futex-stats" "$ch" | head -1 | grep -q " in_flight=1 " && break
		sleep 0.01
	done
	sleep 0.1 # the client is asleep in FUTEX_WAIT, past its spin
	t0=$(date +%s%N)
	kill -KILL "$srv"
	rc=0
	wait "$cpid" || rc=$?
	echo $(( ($(date +%s%N) - t0) / 1000000 )) $rc
	wait 2>/dev/null || true
	rm -f /dev/shm/*
}
summary() {
	sort -n | awk -v what="$1" "{ v[NR] = \$1; if (\$2 != 3) bad++ }
	    END { printf \"%s: n=%d median=%d ms max=%d ms wrong-status=%d\n\",
	    what, NR, v[int((NR + 1) / 2)], v[NR], bad }"
}
for i in $(seq "$runs"); do measure "" ; done | tee /dev/stderr | summary "same PID namespace"
for i in $(seq "$runs"); do measure ns ; done | tee /dev/stderr | summary "server in a child PID namespace"
'
