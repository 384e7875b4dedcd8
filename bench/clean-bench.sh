#!/bin/sh
# clean-bench.sh - how fast shmrpc-clean reaps leaks and lists channels.
#
#   bench/clean-bench.sh [ORPHANS [CHANNELS [RUNS [LIVE]]]]
#   (defaults 10000 1000 5 0)
#
# 1. ORPHANS loose objects of our naming scheme (srb_PREFIX_N_req, 64
#    bytes each) that no registry names and nobody maps: reaped with -g 0.
# 2. CHANNELS stale registered posix channels (6 objects each, owner a
#    dead pid), in a registry of the benchmark's own (SHMRPC_REGISTRY):
#    timed `shmrpc-clean -l`, then one timed reap of all of them.
# 3. LIVE real posix test-servers (build/tests/test-server), alive: timed
#    `shmrpc-clean -l` (this one reads every server's /proc maps), then
#    a reap that must leave them all alone.
# Everything is under a prefix unique to this run, and removed at the end.
# Times each run with date +%s%N (hyperfine cannot re-make the leaks
# between runs of a reap from a shell function); prints medians.
set -eu

ORPHANS=${1:-10000}
CHANNELS=${2:-1000}
RUNS=${3:-5}
LIVE=${4:-0}
BUILD=${BUILD:-build}
CLEAN=$BUILD/bin/shmrpc-clean
P=cbench$$r$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
export SHMRPC_REGISTRY=/dev/shm/$P-registry.json

PIDS=
cleanup() {
	[ -z "$PIDS" ] || kill $PIDS 2>/dev/null || true
	[ -z "$PIDS" ] || wait $PIDS 2>/dev/null || true
	find /dev/shm -maxdepth 1 -name "*$P*" -delete 2>/dev/null || true
}
trap cleanup EXIT INT TERM

[ -x "$CLEAN" ] || { echo "build $CLEAN first (make tools)" >&2; exit 1; }

ms_since() { # start-ns: milliseconds since then
	echo "$(( ($(date +%s%N) - $1) / 1000 ))" | awk '{printf "%.1f", $1 / 1000}'
}

median() { # numbers on stdin
	sort -n | awk '{ a[NR] = $1 }
	    END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

make_orphans() {
	python3 - "$P" "$ORPHANS" <<'PY'
import os, sys
p, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    fd = os.open("/dev/shm/srb_%s_%d_req" % (p, i),
                 os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.ftruncate(fd, 64)
    os.close(fd)
PY
}

make_channels() {
	# A pid that is surely dead: a child that has exited.
	sh -c 'exit 0' & dead=$!
	wait "$dead" || true
	python3 - "$P" "$CHANNELS" "$dead" "$SHMRPC_REGISTRY" <<'PY'
import os, sys
p, n, pid, reg = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
uid = os.geteuid()
lines = []
for i in range(n):
    ch = "%s_ch%d" % (p, i)
    objs = ["srb_%s_req" % ch, "srb_%s_resp" % ch] + \
        ["sem.srb_%s_%s" % (ch, s) for s in
         ("req_empty", "req_full", "resp_empty", "resp_full")]
    for o in objs:
        fd = os.open("/dev/shm/" + o, os.O_CREAT | os.O_EXCL | os.O_WRONLY,
                     0o600)
        os.ftruncate(fd, 4096 if not o.startswith("sem.") else 32)
        os.close(fd)
    lines.append('{"name": "%s", "transport": "posix", "objects": [%s], '
        '"buffer_size": 4096, "slots": 1, "created": '
        '"2026-11-26T00:00:00.000Z", "owner": {"pid": %d, "start_time": 1, '
        '"uid": %d, "comm": "bench"}, "clients": []}' %
        (ch, ", ".join('"%s"' % o for o in objs), pid, uid))
fd = os.open(reg, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
os.write(fd, ('{"format": "shmrpc-registry", "version": 1, "channels": [\n'
    + ",\n".join(lines) + "\n]}\n").encode())
os.close(fd)
PY
}

# time_cmd LABEL SETUP CMD...: RUNS timed runs of CMD, SETUP before each;
# prints the median in ms.
time_cmd() {
	label=$1 setup=$2
	shift 2
	for _ in $(seq "$RUNS"); do
		$setup
		t0=$(date +%s%N)
		"$@" >/dev/null
		ms_since "$t0"
		echo >&2 -n .
	done | median | awk -v l="$label" '{printf "%-48s median %8.1f ms\n", l, $1}'
}

nothing() { :; }

echo "host: $(nproc) cpus, $(uname -r); prefix $P; $RUNS runs each" >&2
time_cmd "reap $ORPHANS orphans (-q -g 0 -p)" make_orphans \
    "$CLEAN" -q -g 0 -p "$P"
[ -z "$(find /dev/shm -maxdepth 1 -name "srb_${P}_*_req" | head -1)" ] ||
	{ echo "orphans left behind" >&2; exit 1; }
make_channels
time_cmd "list $CHANNELS stale channels (-l -p)" nothing \
    "$CLEAN" -l -p "$P"
time_cmd "list $CHANNELS stale channels (-l -j -p)" nothing \
    "$CLEAN" -l -j -p "$P"
t0=$(date +%s%N)
"$CLEAN" -q -p "$P"
printf "%-48s once   %8.1f ms\n" \
    "reap $CHANNELS stale channels ($((CHANNELS * 6)) objects)" "$(ms_since "$t0")"
[ -z "$(find /dev/shm -maxdepth 1 -name "*${P}_ch*" | head -1)" ] ||
	{ echo "channels left behind" >&2; exit 1; }

if [ "$LIVE" -gt 0 ]; then
	i=0
	while [ "$i" -lt "$LIVE" ]; do
		"$BUILD/tests/test-server" -t posix "${P}_live$i" >/dev/null 2>&1 &
		PIDS="$PIDS $!"
		i=$((i + 1))
	done
	"$BUILD/bin/shmrpc-call" -t posix -w 60 "${P}_live$((LIVE - 1))" \
	    __running__ >/dev/null
	# Up: every object exists and is mapped (live, or in-use when its
	# registration was lost).
	up() { "$CLEAN" -l -q -p "$P" | grep -cE '^(live|in-use) '; }
	while [ "$(up)" -lt $((LIVE * 6)) ]; do sleep 0.2; done
	echo "$("$CLEAN" -l -q -p "$P" | grep -c '^live ') of $((LIVE * 6))" \
	    "objects registered live" >&2
	time_cmd "list $LIVE running servers (-l -p)" nothing "$CLEAN" -l -p "$P"
	"$CLEAN" -q -p "$P"
	[ "$(up)" -eq $((LIVE * 6)) ] ||
		{ echo "a live channel was reaped" >&2; exit 1; }
fi
