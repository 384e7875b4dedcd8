#!/bin/sh
# Install the Debian packages that only `make bench` uses, when they are
# missing: the peers libshmrpc is compared with (ZeroMQ, gRPC C++) and
# gnuplot for the plots.  Used by `make bench-deps`; kept out of
# `make deps` so that building and testing stay lean.  Without them
# `make bench` still runs, skipping what it cannot build, and says so.
set -eu

PKGS="libzmq3-dev libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev
protobuf-compiler gnuplot-nox g++ pkgconf"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
if [ -z "$missing" ]; then
	echo "make bench-deps: all installed"
	exit 0
fi
echo "make bench-deps: installing:$missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
fi
$SUDO apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
    --no-install-recommends $missing
