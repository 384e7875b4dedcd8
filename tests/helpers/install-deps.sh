#!/bin/sh
# Install the Debian packages libshmrpc needs, when they are missing.
#   install-deps.sh run    what building and running it needs (make run)
#   install-deps.sh test   that and what its tests need (make deps, make test)
set -eu

# Build the library, tools and examples, run the demo; and the Python
# package, which `make install` builds and installs too (python3-dev,
# python3-setuptools).
RUN_PKGS="build-essential pkgconf libjansson-dev libbsd-dev libncurses-dev
python3 python3-dev python3-setuptools"
# The tests: unit and bats runners, the tools they drive (jq, tmux,
# python3 for the seed peer, promtool from prometheus, mandoc and man-db
# for the pages, systemd-analyze from systemd for the units, zsh for its
# completion), the checkers and the fuzzer, and the Python package's
# tests (python3-pytest).
TEST_PKGS="libcmocka-dev bats jq tmux procps util-linux valgrind
clang libclang-rt-14-dev prometheus mandoc man-db systemd zsh
python3-pytest"

case ${1:-test} in
run) PKGS=$RUN_PKGS ;;
test) PKGS="$RUN_PKGS $TEST_PKGS" ;;
*) echo "usage: install-deps.sh run|test" >&2; exit 2 ;;
esac

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
