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
	[ -z "$(find "$dest" -type f -o -type l)" ]
}
