#!/bin/sh
# Install the Debian packages libshmrpc needs to build, test and run its
# demo, when they are missing.  Used by `make deps`.
set -eu

PKGS="build-essential pkgconf libjansson-dev libcmocka-dev libbsd-dev
libncurses-dev bats jq python3 tmux procps util-linux valgrind clang
prometheus libclang-rt-14-dev mandoc python3-dev python3-setuptools
python3-pytest"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
if [ -z "$missing" ]; then
	exit 0
fi
echo "make deps: installing:$missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
fi
$SUDO apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
    --no-install-recommends $missing
