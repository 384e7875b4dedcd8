#!/usr/bin/env bats
# The man pages are valid mdoc, and each documents what its code does.

load helpers

@test "every man page passes mandoc -T lint at warning level" {
	for m in "$ROOT"/man/*.[1-9]; do
		run mandoc -T lint -W warning "$m"
		echo "$output"
		[ "$status" -eq 0 ]
		[ -z "$output" ]
	done
}

@test "shmrpc-call(1) documents every option the tool accepts" {
	for opt in transport wait timeout buffer-size count raw help version; do
		grep -q -- "$opt" "$ROOT/man/shmrpc-call.1"
	done
}

@test "shmrpc(3) lists every exported function" {
	nm -D --defined-only "$BUILD/lib/libshmrpc.so" | awk '$2 == "T" {print $3}' |
	while read -r fn; do
		grep -q -- "$fn" "$ROOT/man/shmrpc.3" || { echo "not in shmrpc.3: $fn"; return 1; }
	done
}
