#!/usr/bin/env bats
# make install lays out the files, and a program built with pkg-config
# against the installed copy links and runs.

load helpers

@test "make install DESTDIR=... PREFIX=/usr, pkg-config build, uninstall" {
	dest=$BATS_TEST_TMPDIR/root
	run make -C "$ROOT" -s install DESTDIR="$dest" PREFIX=/usr BUILD="$BUILD" SAN="${SAN:-}"
	echo "$output"
	[ "$status" -eq 0 ]
	soversion=$(sed -n 's/^SOVERSION *= *//p' "$ROOT/Makefile")
	for f in usr/bin/shmrpc-call usr/include/shmrpc.h usr/lib/libshmrpc.a \
	    usr/lib/libshmrpc.so usr/lib/libshmrpc.so.$soversion \
	    usr/lib/pkgconfig/libshmrpc.pc usr/share/man/man3/shmrpc.3 \
	    usr/share/man/man7/shmrpc.7 usr/share/man/man1/shmrpc-call.1 \
	    usr/share/man/man5/shmrpc-registry.5; do
		[ -e "$dest/$f" ] || { echo "missing $f"; return 1; }
	done
	grep -q '^prefix=/usr$' "$dest/usr/lib/pkgconfig/libshmrpc.pc"

	cat >"$BATS_TEST_TMPDIR/prog.c" <<'C'
#include <shmrpc.h>
#include <stdio.h>
int main(int argc, char **argv)
{
	shmrpc_client *c;
	json_t *r, *p = json_pack("{s:i}", "x", 7);
	shmrpc_error e;
	if (argc != 2 || shmrpc_client_open(&c, argv[1], NULL, &e) < 0)
		return 3;
	if (shmrpc_call(c, "echo", p, &r, &e) < 0)
		return 1;
	printf("%s %lld\n", shmrpc_version(),
	    (long long)json_integer_value(json_object_get(r, "x")));
	json_decref(r);
	json_decref(p);
	shmrpc_client_close(c);
	return 0;
}
C
	export PKG_CONFIG_SYSROOT_DIR=$dest PKG_CONFIG_PATH=$dest/usr/lib/pkgconfig
	# Under check-asan the library is sanitized, so the program is too.
	run sh -c "cc ${SAN:-} -o '$BATS_TEST_TMPDIR/prog' '$BATS_TEST_TMPDIR/prog.c' \$(pkg-config --cflags --libs libshmrpc)"
	echo "$output"
	[ "$status" -eq 0 ]
	ch=$(channel_name)
	start_bg "$BUILD/tests/test-server" "$ch"
	wait_channel "$ch"
	run env LD_LIBRARY_PATH="$dest/usr/lib" "$BATS_TEST_TMPDIR/prog" "$ch"
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat "$ROOT/Makefile" | sed -n 's/^VERSION *= *//p') 7" ]
	# It really used the shared library.
	run env LD_LIBRARY_PATH="$dest/usr/lib" ldd "$BATS_TEST_TMPDIR/prog"
	[[ "$output" == *"$dest/usr/lib/libshmrpc.so.$soversion "* ]]

	# The Python package, under the prefix, for python3: importable from
	# there, and calling the same server.
	pkg=$(find "$dest/usr" -path '*/shmrpc/__init__.py' | head -1)
	[ -n "$pkg" ]
	ls "$(dirname "$pkg")"/_shmrpc*.so
	if [ -z "${SAN:-}" ]; then  # a sanitized extension needs its runtime
		run env PYTHONPATH="$(dirname "$(dirname "$pkg")")" python3 -c \
		    'import shmrpc, sys; print(shmrpc.__file__); print(shmrpc.RPCClient(sys.argv[1]).call("echo", x=7)["x"])' "$ch"
		echo "$output"
		[ "$status" -eq 0 ]
		[[ "${lines[0]}" == "$dest/usr/"* ]]
		[ "${lines[1]}" = "7" ]
	fi

	run make -C "$ROOT" -s uninstall DESTDIR="$dest" PREFIX=/usr BUILD="$BUILD" SAN="${SAN:-}"
	[ "$status" -eq 0 ]
	# Nothing left, not even the directories install made.
	[ ! -e "$dest" ] || { find "$dest"; return 1; }
}

@test "make uninstall removes only the directories make install created" {
	dest=$BATS_TEST_TMPDIR/root
	mkdir -p "$dest/usr/bin" "$dest/usr/share/man/man1"
	echo other >"$dest/usr/share/man/man1/other.1"
	run make -C "$ROOT" -s install DESTDIR="$dest" PREFIX=/usr BUILD="$BUILD" SAN="${SAN:-}"
	[ "$status" -eq 0 ]
	run make -C "$ROOT" -s uninstall DESTDIR="$dest" PREFIX=/usr BUILD="$BUILD" SAN="${SAN:-}"
	[ "$status" -eq 0 ]
	# What was there before stays, empty or not; nothing else is left.
	[ "$(cd "$dest" && find . | sort | tr '\n' ' ')" = ". ./usr ./usr/bin ./usr/share ./usr/share/man ./usr/share/man/man1 ./usr/share/man/man1/other.1 " ]
}

@test "man 3 finds shmrpc(3) for every exported function" {
	dest=$BATS_TEST_TMPDIR/root
	run make -C "$ROOT" -s install DESTDIR="$dest" PREFIX=/usr BUILD="$BUILD" SAN="${SAN:-}"
	[ "$status" -eq 0 ]
	nm -D --defined-only "$BUILD/lib/libshmrpc.so" | awk '$2 == "T" { print $3 }' >"$BATS_TEST_TMPDIR/fns"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/fns")" -gt 40 ]
	while read -r fn; do
		[ -f "$dest/usr/share/man/man3/$fn.3" ] || { echo "no page for $fn"; return 1; }
	done <"$BATS_TEST_TMPDIR/fns"
	# man itself follows the link to the page, which documents the call.
	for fn in shmrpc_call shmrpc_options_init shmrpc_reap_all; do
		run env MANWIDTH=80 man -M "$dest/usr/share/man" 3 "$fn"
		[ "$status" -eq 0 ]
		[[ "${lines[0]}" == "SHMRPC(3)"* ]]
		[[ "$output" == *"$fn"* ]]
	done
}

@test "the installed systemd units pass systemd-analyze verify" {
	# A real prefix (no DESTDIR), so that ExecStart names a program that
	# exists, and the units' man: links can be looked up in it.
	prefix=$BATS_TEST_TMPDIR/prefix
	run make -C "$ROOT" -s install PREFIX="$prefix" BUILD="$BUILD" SAN="${SAN:-}"
	[ "$status" -eq 0 ]
	units=$prefix/lib/systemd/user
	grep -q "^ExecStart=$prefix/bin/shmrpc-clean -q\$" "$units/shmrpc-clean.service"
	! grep -q @ "$units/shmrpc-clean.service"
	grep -q "^ExecStart=$prefix/bin/shmrpc-top --textfile " \
	    "$units/shmrpc-top-textfile.service"
	run env MANPATH="$prefix/share/man" systemd-analyze verify --man=yes \
	    "$units/shmrpc-clean.service" "$units/shmrpc-clean.timer" \
	    "$units/shmrpc-top-textfile.service"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# The template as shipped is not a unit, and is named so.
	[ ! -e "$ROOT/contrib/systemd/shmrpc-clean.service" ]
	[ -f "$ROOT/contrib/systemd/shmrpc-clean.service.in" ]
	run make -C "$ROOT" -s uninstall PREFIX="$prefix" BUILD="$BUILD" SAN="${SAN:-}"
	[ ! -e "$prefix" ]
}

@test "make clean removes all the build made; .gitignore ignores nothing tracked" {
	# A copy of the tracked files (as they are now), built and cleaned.
	src=$BATS_TEST_TMPDIR/src
	mkdir "$src"
	(cd "$ROOT" && git ls-files -z | xargs -0 cp --parents -t "$src")
	(cd "$src" && find . | sort) >"$BATS_TEST_TMPDIR/before"
	run make -C "$src" -s -j2 all tests libshmrpc.pc
	[ "$status" -eq 0 ]
	run make -C "$src" -s clean
	[ "$status" -eq 0 ]
	(cd "$src" && find . | sort) >"$BATS_TEST_TMPDIR/after"
	diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
	# Tracked files are never ignored.
	[ -z "$(cd "$ROOT" && git ls-files -ci --exclude-standard)" ]
}

@test "make -n bench builds each bench program once" {
	run make -C "$ROOT" -n -B bench BUILD="$BATS_TEST_TMPDIR/b"
	[ "$status" -eq 0 ]
	[[ "$output" != *"overriding recipe"* ]]
	[ "$(grep -c -- '-o [^ ]* bench/bench.c' <<<"$output")" -eq 1 ]
	# No output file is made twice.
	[ -z "$(grep -o -- ' -o [^ ]*' <<<"$output" | sort | uniq -d)" ]
	for c in "$ROOT"/bench/*.c; do
		grep -q -- " $c\| bench/${c##*/}" <<<"$output" || { echo "not built: $c"; return 1; }
	done
}
