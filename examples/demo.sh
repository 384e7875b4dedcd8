#!/bin/sh
# `make run`: a tour of libshmrpc in one minute.
#  1. a calculator server (futex transport) and its client;
#  2. shmrpc-call: the server's methods, one call, a latency run;
#  3. the monitor, shmrpc-top, in batch mode while calls run;
#  4. a crash (kill -9) that leaks the channel, and shmrpc-clean reaping it;
#  5. another crash, and a plain restart that reclaims the stale channel;
#  6. a clean stop: /dev/shm holds nothing of ours afterwards.
set -eu
cd "$(dirname "$0")/.."
# make passes BUILD and EXDIR (a sanitizer build puts both elsewhere).
BIN=${BUILD:-build}/bin
EX=${EXDIR:-examples}
CH=demo-calc-$$
# The demo keeps its own registry so it never touches yours.
export SHMRPC_REGISTRY=/dev/shm/shmrpc-demo-$$-registry.json

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
cleanup() {
	[ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null || true
	rm -f "$SHMRPC_REGISTRY" "$SHMRPC_REGISTRY.lock"
}
trap cleanup EXIT

say "1. calculator server on channel $CH, and its client"
"$EX"/calculator-server "$CH" &
SERVER=$!
$BIN/shmrpc-call -w 5 "$CH" __running__ >/dev/null
"$EX"/calculator-client "$CH"

say "2. shmrpc-call: its methods, one call, then 20000 calls for latency"
echo "\$ shmrpc-call -l $CH"
$BIN/shmrpc-call -l "$CH"
echo "\$ shmrpc-call $CH add a:=40 b:=2"
$BIN/shmrpc-call "$CH" add a:=40 b:=2
echo "\$ shmrpc-call -c 20000 $CH add '{\"a\":1,\"b\":2}'"
$BIN/shmrpc-call -c 20000 "$CH" add '{"a":1,"b":2}'

if [ -x $BIN/shmrpc-top ]; then
	say "3. shmrpc-top -b: two frames while a client calls"
	$BIN/shmrpc-call -c 300000 "$CH" add '{"a":1,"b":2}' >/dev/null &
	LOAD=$!
	$BIN/shmrpc-top -b -n 2 -d 1 -f "$CH"
	wait "$LOAD"
fi

say "4. kill -9 the server: its channel leaks"
kill -9 "$SERVER"
wait "$SERVER" 2>/dev/null || true
SERVER=
ls -l /dev/shm | grep -F "$CH" || true
if [ -x $BIN/shmrpc-clean ]; then
	echo "\$ shmrpc-clean --dry-run -c $CH"
	$BIN/shmrpc-clean --dry-run -c "$CH"
	echo "\$ shmrpc-clean -c $CH"
	$BIN/shmrpc-clean -c "$CH"
fi

say "5. crash again, then just restart: the server reclaims its own stale objects"
"$EX"/calculator-server "$CH" >/dev/null &
SERVER=$!
$BIN/shmrpc-call -w 5 "$CH" __running__ >/dev/null
kill -9 "$SERVER"
wait "$SERVER" 2>/dev/null || true
SHMRPC_LOG=warn "$EX"/calculator-server "$CH" &
SERVER=$!
$BIN/shmrpc-call -w 5 "$CH" multiply '{"a":6,"b":7}'

say "6. stop cleanly (SIGTERM): nothing of ours is left in /dev/shm"
kill -TERM "$SERVER"
wait "$SERVER"
SERVER=
left=$(ls /dev/shm | grep -F "$CH" || true)
echo "objects of $CH left in /dev/shm: ${left:-none}"
