#!/usr/bin/env bash
# top-bench.sh - shmrpc-top's targets: <= 1% CPU at a 1 s refresh with 100
# live channels, and a frame (collect + draw) <= 50 ms with 1,000 channels.
#
# usage: bench/top-bench.sh [-q]        (after `make all build/bench/top-channels`)
#   -q  quick: shorter CPU runs (10 s instead of 3 x 30 s)
#
# Starts the channels in processes of their own (bench/top-channels.c, 100
# channels in 100 processes, then 1,000 in 200) with a registry of their
# own, measures, prints medians, and removes everything it made.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
TOP=$BUILD/bin/shmrpc-top
HOLD=$BUILD/bench/top-channels
quick=0
[ "${1:-}" = -q ] && quick=1
[ -x "$TOP" ] && [ -x "$HOLD" ] || { echo "build first: make all $HOLD" >&2; exit 2; }

PREFIX=topbench$$
export SHMRPC_REGISTRY=/dev/shm/$PREFIX-registry.json
TMP=$(mktemp -d)
HOLD_PID=""
TMUX_SOCK=$PREFIX

cleanup() {
	[ -n "$HOLD_PID" ] && kill -TERM "$HOLD_PID" 2>/dev/null && wait "$HOLD_PID" 2>/dev/null
	HOLD_PID=""
	tmux -L "$TMUX_SOCK" kill-server 2>/dev/null || true
	rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$TMUX_SOCK"
	rm -f "$SHMRPC_REGISTRY" "$SHMRPC_REGISTRY.lock" "$SHMRPC_REGISTRY.tmp"
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

hold() {
	"$HOLD" "$PREFIX" "$1" "$2" >"$TMP/hold.out" 2>&1 &
	HOLD_PID=$!
	for _ in $(seq 600); do
		grep -q ready "$TMP/hold.out" && return 0
		sleep 0.1
	done
	echo "channels did not come up: $(cat "$TMP/hold.out")" >&2
	exit 1
}

unhold() {
	kill -TERM "$HOLD_PID"
	wait "$HOLD_PID" || true
	HOLD_PID=""
}

# cpu_batch SECONDS: % CPU of `shmrpc-top -b -d 1` over SECONDS frames.
cpu_batch() {
	local TIMEFORMAT='%U %S %R' t
	t=$( { time "$TOP" -b -d 1 -n "$1" -f "$PREFIX" >/dev/null; } 2>&1 )
	awk '{ printf "%.3f\n", ($1 + $2) / $3 * 100 }' <<<"$t"
}

# cpu_tui SECONDS: % CPU of the interactive screen in a tmux pane.
cpu_tui() {
	local pid t0 t1 hz
	hz=$(getconf CLK_TCK)
	tmux -L "$TMUX_SOCK" new-session -d -s b -x 160 -y 50 \
	    "exec env SHMRPC_REGISTRY=$SHMRPC_REGISTRY $TOP -d 1 -f $PREFIX"
	sleep 2
	pid=$(tmux -L "$TMUX_SOCK" list-panes -t b -F '#{pane_pid}')
	t0=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
	sleep "$1"
	t1=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
	tmux -L "$TMUX_SOCK" kill-server
	awk -v a="$t0" -v b="$t1" -v hz="$hz" -v s="$1" \
	    'BEGIN { printf "%.3f\n", (b - a) / hz / s * 100 }'
}

# frame_ms RUNS [ARGS]: median wall ms of a cold frame: a whole
# `shmrpc-top -b -n 1` run, process start and first (cold) inspection
# included.
frame_ms() {
	local runs=$1 TIMEFORMAT='%R'
	shift
	for _ in $(seq "$runs"); do
		{ time "$TOP" -b -n 1 "$@" >/dev/null; } 2>&1
	done | awk '{ print $1 * 1000 }' | median
}

# frame_cpu_ms FRAMES [ARGS]: CPU ms per frame of one process writing
# FRAMES frames 0.1 s apart (steady state: collect + draw, no start-up).
frame_cpu_ms() {
	local n=$1 TIMEFORMAT='%U %S' t
	shift
	t=$( { time "$TOP" -b -d 0.1 -n "$n" "$@" >/dev/null; } 2>&1 )
	awk -v n="$n" '{ printf "%.1f\n", ($1 + $2) * 1000 / n }' <<<"$t"
}

echo "# shmrpc-top benchmark on $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(ls /proc | grep -c "^[0-9]") processes on the host before it started"

hold 100 100
if [ $quick = 1 ]; then runs=1 secs=10; else runs=3 secs=30; fi
b=$(for _ in $(seq $runs); do cpu_batch $secs; done | median)
echo "cpu_batch_100ch_1s_pct $b   (median of $runs x ${secs} s, shmrpc-top -b -d 1)"
if command -v tmux >/dev/null; then
	t=$(for _ in $(seq $runs); do cpu_tui $secs; done | median)
	echo "cpu_tui_100ch_1s_pct $t   (median of $runs x ${secs} s, screen in tmux)"
fi
f=$(for _ in 1 2 3; do frame_cpu_ms 21 -f "$PREFIX"; done | median)
echo "frame_100ch_steady_ms $f   (CPU per frame, median of 3 runs x 21 frames)"
unhold

hold 1000 200
f=$(for _ in 1 2 3; do frame_cpu_ms 21 -f "$PREFIX"; done | median)
echo "frame_1000ch_steady_ms $f   (CPU per frame, median of 3 runs x 21 frames, text, 200 owner processes)"
f=$(frame_ms 11 -f "$PREFIX")
echo "frame_1000ch_cold_ms $f   (median of 11 whole runs of shmrpc-top -b -n 1, text)"
f=$(frame_ms 11 -f "$PREFIX" -o json)
echo "frame_1000ch_json_ms $f"
f=$(frame_ms 11 -f "$PREFIX" -o prometheus)
echo "frame_1000ch_prometheus_ms $f"
unhold
