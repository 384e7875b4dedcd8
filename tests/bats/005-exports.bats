#!/usr/bin/env bats
# The shared library exports exactly the functions shmrpc.h declares with
# SHMRPC_API, all prefixed shmrpc_, and nothing of its internals.

load helpers

@test "nm -D of libshmrpc.so equals the SHMRPC_API declarations of shmrpc.h" {
	nm -D --defined-only "$BUILD/lib/libshmrpc.so" |
	    awk '$2 ~ /^[TDBR]$/ {print $3}' | sort >"$BATS_TEST_TMPDIR/exported"
	# Declarations span lines: join the header, then take the name before
	# the '(' of each SHMRPC_API prototype.
	grep -v '#define SHMRPC_API' "$ROOT/libshmrpc/include/shmrpc.h" | tr '\n' ' ' |
	    grep -o 'SHMRPC_API [^;(]*(' | sed 's/($//; s/.*[ *]//' |
	    sort >"$BATS_TEST_TMPDIR/declared"
	run diff "$BATS_TEST_TMPDIR/declared" "$BATS_TEST_TMPDIR/exported"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -s "$BATS_TEST_TMPDIR/declared" ]
	! grep -v '^shmrpc_' "$BATS_TEST_TMPDIR/exported"
}

@test "the shared library has its soname" {
	run readelf -d "$BUILD/lib/libshmrpc.so"
	soversion=$(sed -n "s/^SOVERSION *= *//p" "$ROOT/Makefile")
	[[ "$output" == *"Library soname: [libshmrpc.so.$soversion]"* ]]
}

@test "every global symbol of libshmrpc.a starts with shmrpc_ (public) or shmrpc__ (internal)" {
	# A program with its own registry_find() or arena_alloc() must link
	# against the static library: nothing outside our namespace.
	# (A sanitizer build adds its own __odr_asan.* markers.)
	nm -A "$BUILD/lib/libshmrpc.a" |
	    awk 'NF == 3 && $2 ~ /^[A-TV-Z]$/ {print $3}' |
	    grep -v '^__odr_asan\.' | sort -u >"$BATS_TEST_TMPDIR/globals"
	[ -s "$BATS_TEST_TMPDIR/globals" ]
	run grep -v '^shmrpc_' "$BATS_TEST_TMPDIR/globals"
	echo "$output"
	[ -z "$output" ]
	# Internal helpers do not look public: every shmrpc_ symbol that is
	# not declared in shmrpc.h is shmrpc__.
	grep -v '#define SHMRPC_API' "$ROOT/libshmrpc/include/shmrpc.h" | tr '\n' ' ' |
	    grep -o 'SHMRPC_API [^;(]*(' | sed 's/($//; s/.*[ *]//' |
	    sort >"$BATS_TEST_TMPDIR/declared"
	run sh -c "grep -v '^shmrpc__' '$BATS_TEST_TMPDIR/globals' | comm -23 - '$BATS_TEST_TMPDIR/declared'"
	echo "$output"
	[ -z "$output" ]
}
