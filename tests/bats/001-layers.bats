#!/usr/bin/env bats
# The library's dependencies point down its layers (libshmrpc/src/LAYERS,
# ARCHITECTURE.md): checked on the #include lines and on the symbols of
# libshmrpc.a, with no cycle between modules.  The guard itself is shown
# to catch a cycle, an upward include and an upward symbol.

load helpers

GUARD=$ROOT/tests/helpers/check-layers.py

@test "libshmrpc.a: every dependency points down, no cycle" {
	run "$GUARD" "$ROOT/libshmrpc/src" "$BUILD/lib/libshmrpc.a"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "layers hold: "* ]]
}

# A two-layer toy tree: low/ may not use high/.
make_toy() {
	toy=$BATS_TEST_TMPDIR/toy
	mkdir -p "$toy/src/high" "$toy/src/low" "$toy/obj"
	printf 'high: low\nlow:\n' >"$toy/src/LAYERS"
	printf '#include "low/b.h"\nint a_fn(void);\nint b_fn(void);\nint a_fn(void) { return b_fn(); }\n' >"$toy/src/high/a.c"
	printf 'int b_fn(void);\n' >"$toy/src/low/b.h"
	printf 'int b_fn(void) { return 1; }\n' >"$toy/src/low/b.c"
}

build_toy() {
	cc -c -o "$toy/obj/a.o" "$toy/src/high/a.c" -I"$toy/src" &&
	cc -c -o "$toy/obj/b.o" "$toy/src/low/b.c" -I"$toy/src" &&
	rm -f "$toy/lib.a" && ar rcs "$toy/lib.a" "$toy/obj/a.o" "$toy/obj/b.o"
}

@test "the guard passes a toy tree whose dependencies point down" {
	make_toy
	build_toy
	run "$GUARD" "$toy/src" "$toy/lib.a"
	[ "$status" -eq 0 ]
}

@test "the guard names an upward symbol and the cycle it makes" {
	make_toy
	printf 'int a_fn(void);\nint b_fn(void) { return a_fn() + 1; }\nint b_fn(void);\n' >"$toy/src/low/b.c"
	build_toy
	run "$GUARD" "$toy/src" "$toy/lib.a"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"low/b uses high/a (a_fn): high is not below low"* ]]
	[[ "$output" == *"cycle: a <-> b"* ]]
}

@test "the guard names an upward include" {
	make_toy
	printf 'int a_fn(void);\n' >"$toy/src/high/a.h"
	printf '#include "high/a.h"\nint b_fn(void) { return 1; }\n' >"$toy/src/low/b.c"
	build_toy
	run "$GUARD" "$toy/src" "$toy/lib.a"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"low/b.c:1: low may not include high/a.h"* ]]
}
