#!/usr/bin/env bats
# The README's code samples are complete programs: each is taken from
# README.md as it stands, built against an installed copy with pkg-config,
# and run; the server stops on SIGTERM and leaves nothing in /dev/shm.

load helpers

# samples DIR: write each ```c block of README.md that starts with a
# "/* NAME.c */" line to DIR/NAME.c.
samples() {
	awk -v dir="$1" '
	    /^```c$/ { getline; if (match($0, /^\/\* [a-z-]+\.c \*\/$/)) {
	        file = dir "/" substr($0, 4, length($0) - 6); print > file; on = 1 }
	        next }
	    /^```$/ { if (on) close(file); on = 0; next }
	    on { print > file }' "$ROOT/README.md"
}

@test "README samples: built with pkg-config, run, stopped by SIGTERM, nothing left" {
	dest=$BATS_TEST_TMPDIR/root
	run make -C "$ROOT" -s install DESTDIR="$dest" PREFIX=/usr BUILD="$BUILD" SAN="${SAN:-}"
	[ "$status" -eq 0 ]
	samples "$BATS_TEST_TMPDIR"
	[ -f "$BATS_TEST_TMPDIR/calc-server.c" ]
	[ -f "$BATS_TEST_TMPDIR/calc-client.c" ]
	export PKG_CONFIG_SYSROOT_DIR=$dest PKG_CONFIG_PATH=$dest/usr/lib/pkgconfig
	for p in calc-server calc-client; do
		run sh -c "cc ${SAN:-} -Wall -Wextra -Werror -o '$BATS_TEST_TMPDIR/$p' '$BATS_TEST_TMPDIR/$p.c' \$(pkg-config --cflags --libs libshmrpc)"
		echo "$output"
		[ "$status" -eq 0 ]
	done
	ch=$(channel_name)
	LD_LIBRARY_PATH=$dest/usr/lib "$BATS_TEST_TMPDIR/calc-server" "$ch" 3>&- &
	pid=$!
	echo "$pid" >>"$PIDS_FILE"
	wait_channel "$ch"
	run env LD_LIBRARY_PATH="$dest/usr/lib" "$BATS_TEST_TMPDIR/calc-client" "$ch"
	[ "$status" -eq 0 ]
	[ "$output" = 8 ]
	run "$CALL" "$ch" add a:=1 b=x
	[ "$status" -eq 1 ]
	[ "$output" = "TypeError: a and b must be integers" ]
	[ -n "$(shm_objects "$ch")" ]
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 0 ]
	[ -z "$(shm_objects "$ch")" ]
	! grep -qF "\"$ch\"" "$SHMRPC_REGISTRY"
	# The client says so when there is no server.
	run env LD_LIBRARY_PATH="$dest/usr/lib" "$BATS_TEST_TMPDIR/calc-client" "$ch"
	[ "$status" -eq 1 ]
	[[ "$output" == *"No such channel"* ]]
}
