#!/usr/bin/env bash
# top-bench.sh - shmrpc-top's targets:
#   - CPU <= 1 % at a 1 s refresh with 100 busy channels;
#   - a frame (collect + draw) <= 50 ms with 1,000 channels;
#   - the Prometheus output of 300 channels < 300 KB (and promtool accepts it);
#   - P50/P99 within 12.5 % of what `shmrpc-call -c 100000` measures on the
#     same channel.
#
# usage: bench/top-bench.sh [-q]        (after `make all tests`)
#   -q  quick: shorter CPU runs (10 s instead of 3 x 30 s)
# env:  BUILD  the build to measure (default build).
#       BASE   another build to compare it with (for example main's, in a
#              worktree of its own): every figure is measured on both, the
#              two taking turns run by run, and printed as base=, build=
#              and their ratio.
#       LOOSE  N: also leave N loose objects in /dev/shm for the run, of
#              our naming scheme but outside the -f filter (as other
#              programs' leftovers are), removed at the end.
#
# Starts the channels in processes of their own (bench/top-channels.c: 100
# busy channels in 100 processes, each called 20 times a second; 1,000 idle
# ones in 200; 300 idle, then 300 called twice a second) with a registry of
# their own, measures, prints medians, and removes everything it made.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
TOP=$BUILD/bin/shmrpc-top
CALL=$BUILD/bin/shmrpc-call
SERVER=$BUILD/tests/test-server
HOLD=$BUILD/bench/top-channels
quick=0
[ "${1:-}" = -q ] && quick=1
BASE=${BASE:-}
for b in "$TOP" "$CALL" "$SERVER" "$HOLD" ${BASE:+"$BASE/bin/shmrpc-top"}; do
	[ -x "$b" ] || { echo "build first: make all tests ($b)" >&2; exit 2; }
done

PREFIX=topbench$$
export SHMRPC_REGISTRY=/dev/shm/$PREFIX-registry.json
TMP=$(mktemp -d)
export XDG_CONFIG_HOME=$TMP/config
HOLD_PID=""
SERVER_PID=""
TMUX_SOCK=$PREFIX

cleanup() {
	[ -n "$HOLD_PID" ] && kill -TERM "$HOLD_PID" 2>/dev/null && wait "$HOLD_PID" 2>/dev/null
	[ -n "$SERVER_PID" ] && kill -TERM "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
	HOLD_PID="" SERVER_PID=""
	for i in $(seq 0 "${TUI_RUNS:-0}"); do
		tmux -L "${TMUX_SOCK}_$i" kill-server 2>/dev/null || true
		rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/${TMUX_SOCK}_$i"
	done
	rm -f "$SHMRPC_REGISTRY" "$SHMRPC_REGISTRY.lock" "$SHMRPC_REGISTRY.tmp"
	for i in $(seq "${LOOSE:-0}"); do
		rm -f "/dev/shm/shmrpc_futex_tbloose$$_$i"
	done
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# hold CHANNELS PROCS [CALLS_PER_SECOND]
hold() {
	"$HOLD" "$PREFIX" "$@" >"$TMP/hold.out" 2>&1 &
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

# cpu_tui SECONDS: % CPU of the interactive screen in a tmux pane (a tmux
# server of its own each time: one started right after another's
# kill-server on the same socket can fail to start).
TUI_RUNS=0
cpu_tui() {
	local pid t0 t1 hz sock
	hz=$(getconf CLK_TCK)
	TUI_RUNS=$((TUI_RUNS + 1))
	sock=${TMUX_SOCK}_$TUI_RUNS
	tmux -L "$sock" new-session -d -s b -x 160 -y 50 \
	    "exec env SHMRPC_REGISTRY=$SHMRPC_REGISTRY XDG_CONFIG_HOME=$XDG_CONFIG_HOME $TOP -d 1 -f $PREFIX"
	sleep 2
	pid=$(tmux -L "$sock" list-panes -t b -F '#{pane_pid}')
	t0=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
	sleep "$1"
	t1=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
	tmux -L "$sock" kill-server
	rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$sock"
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

# prom_size LABEL: bytes of one Prometheus frame, and what promtool says.
prom_size() {
	"$TOP" -b -n 1 -o prometheus -f "$PREFIX" >"$TMP/out.prom"
	local lint=ok
	if command -v promtool >/dev/null; then
		promtool check metrics <"$TMP/out.prom" >"$TMP/lint" 2>&1 ||
		    lint="FAILED: $(head -3 "$TMP/lint" | tr '\n' ' ')"
		[ -s "$TMP/lint" ] && [ "$lint" = ok ] &&
		    lint="warnings: $(head -3 "$TMP/lint" | tr '\n' ' ')"
	else
		lint="not checked (no promtool)"
	fi
	echo "prometheus_300ch_${1}_bytes $(wc -c <"$TMP/out.prom")   (promtool: $lint${2:+; $2})"
}

# P50/P99 of top against shmrpc-call's on one channel: shmrpc-call times
# each of 100,000 calls itself; top's figures, from the channel's
# histogram, cover the same calls (a fresh channel: since the start).  A
# second reading takes top's from an interval while the calls run.
percentiles() {
	local ch=${PREFIX}_pct out c50 c99 t50 t99
	"$SERVER" "$ch" >"$TMP/server.out" 2>&1 &
	SERVER_PID=$!
	"$CALL" -w 10 "$ch" __running__ >/dev/null
	"$TOP" -b -n 30 -d 0.1 -o json -f "$ch" >"$TMP/during.json" &
	local tp=$!
	out=$("$CALL" -c 100000 "$ch" echo '{"x":1}' | tail -1)
	wait "$tp"
	"$TOP" -b -n 1 -o json -f "$ch" >"$TMP/after.json"
	kill -TERM "$SERVER_PID"
	wait "$SERVER_PID" || true
	SERVER_PID=""
	# "latency min/median/p99/max = a/b/c/d us"
	c50=$(awk -F'[=/ ]+' '{ print $7 }' <<<"$out")
	c99=$(awk -F'[=/ ]+' '{ print $8 }' <<<"$out")
	pick() { jq -r '.channels[0] | [(.p50_seconds // (.p50_ns / 1e9)),
	    (.p99_seconds // (.p99_ns / 1e9))] | map(. * 1e6) | @tsv' "$1"; }
	read -r t50 t99 < <(pick "$TMP/after.json")
	echo "p50_us call=$c50 top=$t50 ratio=$(awk -v a="$t50" -v b="$c50" 'BEGIN { printf "%.3f", a / b }')   (the same 100,000 calls)"
	echo "p99_us call=$c99 top=$t99 ratio=$(awk -v a="$t99" -v b="$c99" 'BEGIN { printf "%.3f", a / b }')"
	# The frame whose 0.1 s interval had the most calls: all of it within
	# the run.
	jq -c -s 'map(.channels[0] | .r = (.calls_per_second // .calls_per_s) |
	    select(.r != null)) | max_by(.r) | {channels: [.]}' "$TMP/during.json" \
	    >"$TMP/busiest.json"
	read -r t50 t99 < <(pick "$TMP/busiest.json")
	echo "p50_us_during top=$t50 ratio=$(awk -v a="$t50" -v b="$c50" 'BEGIN { printf "%.3f", a / b }')   p99_us_during top=$t99 ratio=$(awk -v a="$t99" -v b="$c99" 'BEGIN { printf "%.3f", a / b }')   (top's busiest 0.1 s interval while the calls ran)"
}

# ab NAME ROUNDS FUNCTION [ARGS]: FUNCTION (which prints a number,
# running $TOP) ROUNDS times on each build, the builds taking turns, so
# that the load of a shared machine falls on both alike; then
# ab_print NAME prints the medians.
BUILDS=("$BUILD")
[ -n "$BASE" ] && BUILDS=("$BASE" "$BUILD")
ab() {
	local name=$1 rounds=$2 i k
	shift 2
	for i in $(seq "$rounds"); do
		for k in "${!BUILDS[@]}"; do
			TOP=${BUILDS[$k]}/bin/shmrpc-top "$@" >>"$TMP/ab.$name.$k"
		done
	done
}

ab_print() {
	local name=$1 note=$2 a b
	if [ -z "$BASE" ]; then
		echo "$name $(median <"$TMP/ab.$name.0")   $note"
		return
	fi
	a=$(median <"$TMP/ab.$name.0")
	b=$(median <"$TMP/ab.$name.1")
	echo "$name base=$a build=$b ratio=$(awk -v a="$a" -v b="$b" \
	    'BEGIN { printf "%.3f", (a > 0 ? b / a : 0) }')   $note"
}

# Loose objects that -f "$PREFIX" hides: a shared host's leftovers.
for i in $(seq "${LOOSE:-0}"); do
	head -c 4096 /dev/zero >"/dev/shm/shmrpc_futex_tbloose$$_$i"
done

echo "# shmrpc-top benchmark of $BUILD${BASE:+ against $BASE} on $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(ls /proc | grep -c "^[0-9]") processes on the host before it started, $(ls /dev/shm | wc -l) entries in /dev/shm (${LOOSE:-0} loose objects of our own among them)"

for k in "${!BUILDS[@]}"; do
	TOP=${BUILDS[$k]}/bin/shmrpc-top
	[ -n "$BASE" ] && echo "## percentiles of ${BUILDS[$k]}"
	percentiles
done
TOP=$BUILD/bin/shmrpc-top

hold 100 100 20
sleep 2
if [ $quick = 1 ]; then runs=1 secs=10; else runs=3 secs=30; fi
ab cpu_batch_100busy_1s_pct $runs cpu_batch $secs
ab_print cpu_batch_100busy_1s_pct "(median of $runs x ${secs} s, shmrpc-top -b -d 1; 100 channels called 20 times a second each)"
if command -v tmux >/dev/null; then
	ab cpu_tui_100busy_1s_pct $runs cpu_tui $secs
	ab_print cpu_tui_100busy_1s_pct "(median of $runs x ${secs} s, screen in tmux)"
fi
ab frame_100busy_steady_ms 3 frame_cpu_ms 21 -f "$PREFIX"
ab_print frame_100busy_steady_ms "(CPU per frame, median of 3 runs x 21 frames)"
unhold

hold 1000 200
ab frame_1000ch_steady_ms 3 frame_cpu_ms 21 -f "$PREFIX"
ab_print frame_1000ch_steady_ms "(CPU per frame, median of 3 runs x 21 frames, text, 200 owner processes)"
ab frame_1000ch_cold_ms 11 frame_ms 1 -f "$PREFIX"
ab_print frame_1000ch_cold_ms "(median of 11 whole runs of shmrpc-top -b -n 1, text)"
ab frame_1000ch_json_ms 11 frame_ms 1 -f "$PREFIX" -o json
ab_print frame_1000ch_json_ms ""
ab frame_1000ch_prometheus_ms 11 frame_ms 1 -f "$PREFIX" -o prometheus
ab_print frame_1000ch_prometheus_ms ""
unhold

for k in "${!BUILDS[@]}"; do
	TOP=${BUILDS[$k]}/bin/shmrpc-top
	hold 300 30
	prom_size idle "${BUILDS[$k]}"
	unhold
	hold 300 30 2
	sleep 2
	prom_size busy "${BUILDS[$k]}"
	unhold
done
